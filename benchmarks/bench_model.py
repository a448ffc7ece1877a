"""Encoding throughput of the network's towers, per checkpoint, in one run.

    python -m benchmarks.bench_model [CHECKPOINT ...] [--against GIT-REV]

Images (224 px arrays, decoding excluded), 10 s sounds and short texts per second, and the
latency of one text query, for each checkpoint given (default: the bundled one). With
`--against REV` the same measurement runs, in the same run, on the code and bundled checkpoint
of an earlier revision (checked out into a temporary git worktree), and the ratios are printed:
timings on shared machines are noisy, ratios taken minutes apart much less so.
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

REPO = Path(__file__).resolve().parents[1]
KEYS = ("images/s", "sounds/s", "texts/s", "query ms")


def rate(fn, items, repeat: int = 3) -> float:
    fn(items[:4])  # warm-up
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(items)
        best = min(best, time.perf_counter() - t)
    return len(items) / best


def measure(path: str | None, device: str | None = None) -> dict:
    from core.model import load_model

    rng = np.random.default_rng(0)
    images = [rng.integers(0, 255, (224, 224, 3), dtype=np.uint8) for _ in range(64)]
    sounds = [(0.1 * rng.standard_normal(160000)).astype(np.float32) for _ in range(16)]
    texts = [f"a photo of a dog number {i} running on the beach" for i in range(256)]
    m = load_model(path, device=device)
    query = 1000 / rate(lambda q: [m.encode_texts([t]) for t in q], ["a dog on the beach"] * 20)
    return {"model_id": m.model_id, "images/s": rate(m.encode_images, images),
            "sounds/s": rate(m.encode_sounds, sounds), "texts/s": rate(m.encode_texts, texts),
            "query ms": query}


def measure_revision(rev: str) -> dict:
    """The same measurements on an earlier revision's code and bundled checkpoint."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), rev],
                       check=True, capture_output=True)
        try:
            # This file's measure(), with `core` imported from the old tree.
            code = ("import importlib.util, json; "
                    f"s = importlib.util.spec_from_file_location('bm', {str(Path(__file__))!r}); "
                    "b = importlib.util.module_from_spec(s); s.loader.exec_module(b); "
                    "print(json.dumps(b.measure(None)))")
            env = {**os.environ, "PYTHONPATH": str(tree)}
            out = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, check=True,
                                 capture_output=True, text=True).stdout
            return json.loads(out.strip().splitlines()[-1])
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                           capture_output=True)


def best(runs: list[dict]) -> dict:
    """The best of repeated measurements: highest rates, lowest latency."""
    out = dict(runs[0])
    for k in KEYS:
        vals = [r[k] for r in runs]
        out[k] = min(vals) if k == "query ms" else max(vals)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("checkpoints", nargs="*", default=[None])
    p.add_argument("--against", help="git revision whose code and checkpoint to compare with")
    p.add_argument("--device", default=None, help="cpu or cuda (default: as the app picks)")
    a = p.parse_args(argv)
    rows = []
    if a.against:  # alternated twice, best of each: the machine's load drifts
        old, new = [], []
        for _ in range(2):
            old.append(measure_revision(a.against))
            new.append(measure(a.checkpoints[0], a.device))
        rows.append((f"{a.against} (bundled)", best(old)))
        rows.append((a.checkpoints[0] or "bundled", best(new)))
    else:
        rows += [(path or "bundled", measure(path, a.device)) for path in a.checkpoints]
    print("| checkpoint | model_id | images/s (224 px) | 10 s sounds/s | texts/s | one text query, ms |")
    print("|---|---|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['model_id']} | {r['images/s']:.1f} | {r['sounds/s']:.1f} | "
              f"{r['texts/s']:.0f} | {r['query ms']:.1f} |")
    if a.against:
        base = rows[0][1]
        for name, r in rows[1:]:
            print(f"| ratio {name} / {a.against} | | {r['images/s'] / base['images/s']:.2f}x | "
                  f"{r['sounds/s'] / base['sounds/s']:.2f}x | {r['texts/s'] / base['texts/s']:.2f}x "
                  f"| {r['query ms'] / base['query ms']:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
