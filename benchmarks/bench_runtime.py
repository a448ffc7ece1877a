"""ONNX Runtime against torch on this machine's CPU, in one run, as ratios (ONNX / torch).

    python -m benchmarks.bench_runtime [--rounds 3] [--threads 2]

Both runtimes load the bundled checkpoint (same model_id). Measured in alternating rounds
(torch, ONNX, torch, ONNX, ...; the best of each), so a machine shared with other work slows
both alike:

- images/s: 64 arrays of 224 px (decoding excluded), batch 32;
- sounds/s: 16 ten-second waveforms at 16 kHz (the front end included);
- texts/s: 256 short texts; query ms: one text query;
- sounds/s float32: the same with torch's sound tower in float32 (its CPU default is bfloat16
  where native, ~2x faster and 0.9985 in cosine from its own float32; the graph is float32);
- indexing: the demo library (photos, sounds, notes) into a fresh library, files/s end to end
  (decoding, the thread budget, the store, the vector index); and its photos alone;
- first result: a fresh process from launch to the first results of a text query on an indexed
  library (the model loaded the way the window loads it: core.model.load_text_first).

Results: benchmarks/results/runtime.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import save, table

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"
RUNTIMES = ("torch", "onnx")
KEYS = ("images/s", "sounds/s", "sounds/s float32", "texts/s", "query ms", "index files/s",
        "index photos/s", "first result s")

FIRST_RESULT = r"""
import json, sys, time
t0 = time.perf_counter()
from core.model import load_text_first
m = load_text_first()
from core.library import Library
from core.search import Query
lib = Library.open(sys.argv[1], model=m, read_only=True)
r = lib.search(Query(text="a dog in the snow"), k=10)
assert r
print(json.dumps({"s": time.perf_counter() - t0, "runtime": getattr(m, "runtime", "torch")}))
"""


def _best_rate(fn, items, repeat: int = 2) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(items)
        best = min(best, time.perf_counter() - t)
    return len(items) / best


def _inputs():
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 255, (224, 224, 3), dtype=np.uint8) for _ in range(64)]
    sounds = [(0.1 * rng.standard_normal(160000)).astype(np.float32) for _ in range(16)]
    texts = [f"a photo of a dog number {i} running on the beach" for i in range(256)]
    return images, sounds, texts


def _encode_rates(m, images, sounds, texts) -> dict:
    m.encode_images(images[:4])  # warm-up (first pass of a shape)
    m.encode_sounds(sounds[:1])
    m.encode_texts(texts[:4])
    query = 1000 / _best_rate(lambda q: [m.encode_texts([t]) for t in q], ["a dog"] * 20)
    return {"images/s": _best_rate(m.encode_images, images),
            "sounds/s": _best_rate(m.encode_sounds, sounds),
            "texts/s": _best_rate(m.encode_texts, texts), "query ms": query}


def _float32_sounds(m, sounds) -> float:
    """Sounds/s with torch's sound tower in float32 (its CPU default is bfloat16 where the CPU
    has it natively: about 2x faster, at a cosine of 0.9985 to its own float32); ONNX Runtime's
    graph is float32 anyway."""
    import core.model.aisfx as aisfx

    native = aisfx.bf16_ok
    aisfx.bf16_ok = lambda device: False
    try:
        return _best_rate(m.encode_sounds, sounds)
    finally:
        aisfx.bf16_ok = native


def _index_rate(m, where: Path, subs=("photos", "sounds", "notes")) -> float:
    from core.library import Library

    with Library.open(where, model=m) as lib:
        for sub in subs:
            lib.add_folder(DEMO / sub)
        t = time.perf_counter()
        report = lib.index()
        dt = time.perf_counter() - t
    assert report.failed == 0
    return report.added / dt


def _first_result(lib_dir: Path, runtime: str) -> float:
    env = {**os.environ, "SYNESTHESIA_RUNTIME": runtime, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", FIRST_RESULT, str(lib_dir)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True, timeout=600)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["runtime"] == runtime, got
    return got["s"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2, help="threads of both runtimes")
    args = ap.parse_args()
    os.environ["SYNESTHESIA_ONNX_THREADS"] = str(args.threads)
    import torch

    from core.model import load_model

    torch.set_num_threads(args.threads)
    load = os.getloadavg()[0]
    models = {"torch": load_model(runtime="torch", device="cpu"), "onnx": load_model(runtime="onnx")}
    assert models["torch"].model_id == models["onnx"].model_id
    images, sounds, texts = _inputs()
    best: dict[str, dict[str, float]] = {r: {} for r in RUNTIMES}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.rounds):
            for r in RUNTIMES:
                got = _encode_rates(models[r], images, sounds, texts)
                got["sounds/s float32"] = _float32_sounds(models[r], sounds)
                got["index files/s"] = _index_rate(models[r], Path(tmp) / f"{r}-{k}")
                got["index photos/s"] = _index_rate(models[r], Path(tmp) / f"{r}-{k}-photos",
                                                    ("photos",))
                got["first result s"] = _first_result(Path(tmp) / f"{r}-{k}", r)
                for key, v in got.items():
                    low = key.endswith((" ms", " s"))
                    old = best[r].get(key)
                    best[r][key] = v if old is None else (min(old, v) if low else max(old, v))
                print(f"round {k + 1} {r}: " + ", ".join(f"{key} {v:.3g}" for key, v in got.items()),
                      flush=True)
    ratio = {key: (best["torch"][key] / best["onnx"][key] if key.endswith((" ms", " s"))
                   else best["onnx"][key] / best["torch"][key]) for key in KEYS}
    rows = [[key, f"{best['torch'][key]:.3g}", f"{best['onnx'][key]:.3g}", f"{ratio[key]:.2f}x"]
            for key in KEYS]
    print(table(["", "torch", "ONNX Runtime", "ONNX speed-up"], rows))
    print(f"load average: start {load:.1f}, end {os.getloadavg()[0]:.1f}")
    res = {"model_id": models["onnx"].model_id, "threads": args.threads, "rounds": args.rounds,
           "torch": torch.__version__, "onnxruntime": _ort_version(), "load_avg_start": load,
           "best": best, "onnx_speedup": ratio,
           "note": "speed-up > 1: ONNX Runtime faster (rates: onnx/torch; times: torch/onnx)"}
    print(f"results: {save('runtime', res)}")


def _ort_version() -> str:
    import onnxruntime

    return onnxruntime.__version__


if __name__ == "__main__":
    main()
