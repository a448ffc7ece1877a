"""The sound tower's speed against a baseline checkpoint's, in one run, alternating:
sounds per second for 10-s clips (encode_sounds, 16 kHz arrays, batches of 8), indexing a
mixed folder (photos, recordings, notes) into a fresh library, and a typed text query.

    python -m benchmarks.bench_sound_tower --baseline PATH [--clips 48] [--rounds 2]

Writes benchmarks/results/sound_tower.json. The baseline is the previous default
checkpoint (SoundNet tower), kept outside the repository (e.g. from `git show
<commit>:resources/models/default.pt`).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import save, table


def clips(n: int, seconds: float = 10.0, seed: int = 0) -> list[np.ndarray]:
    """Noise bursts and tones at 16 kHz, `seconds` long (speed does not depend on content)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(16000 * seconds)) / 16000
    return [(0.3 * np.sin(2 * np.pi * rng.uniform(100, 2000) * t)
             + 0.1 * rng.normal(size=t.size)).astype(np.float32) for _ in range(n)]


def sounds_per_s(model, waves: list[np.ndarray]) -> float:
    model.encode_sounds(waves[:8])  # warm up
    t = time.perf_counter()
    for s in range(0, len(waves), 8):
        model.encode_sounds(waves[s:s + 8])
    return len(waves) / (time.perf_counter() - t)


def text_ms(model, rounds: int = 20) -> float:
    model.encode_texts(["rain on a window"])
    t = time.perf_counter()
    for i in range(rounds):
        model.encode_texts([f"a dog barking {i}"])
    return (time.perf_counter() - t) / rounds * 1000


def mixed_folder(folder: Path, n: int) -> None:
    """n photos, n 10-s recordings and n notes written by the project's media generators."""
    from tools.mediagen import noise, pattern_image, tone, write_image, write_sound

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        write_image(folder / f"p{i:03d}.jpg", pattern_image(480, 640, seed=i))
        write_sound(folder / f"s{i:03d}.wav",
                    0.5 * tone(10.0, 200.0 + 37 * i) + 0.2 * noise(10.0, seed=i))
        (folder / f"n{i:03d}.md").write_text(f"Note {i}: a walk by the river, rain at noon.\n")


def index_files_per_s(model, folder: Path) -> float:
    from core.library import Library

    root = Path(tempfile.mkdtemp(prefix="bench-sound-"))
    try:
        lib = Library(root / "lib", model=model)
        try:
            lib.add_folder(folder)
            t = time.perf_counter()
            lib.index()
            files = sum(1 for _ in folder.iterdir())
            return files / (time.perf_counter() - t)
        finally:
            lib.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    import torch

    from core.model import load_model

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--baseline", type=Path, required=True)
    p.add_argument("--clips", type=int, default=48)
    p.add_argument("--files", type=int, default=16, help="of each kind in the mixed folder")
    p.add_argument("--rounds", type=int, default=2)
    a = p.parse_args(argv)
    torch.set_num_threads(2)
    models = {"new": load_model(), "baseline": load_model(a.baseline)}
    waves = clips(a.clips)
    folder = Path(tempfile.mkdtemp(prefix="bench-mixed-"))
    mixed_folder(folder, a.files)
    runs: dict[str, dict[str, list[float]]] = {k: {"sounds_per_s": [], "index_files_per_s": [],
                                                   "text_ms": []} for k in models}
    for _ in range(a.rounds):
        for name in ("new", "baseline") if _ % 2 == 0 else ("baseline", "new"):
            m = models[name]
            runs[name]["sounds_per_s"].append(sounds_per_s(m, waves))
            runs[name]["index_files_per_s"].append(index_files_per_s(m, folder))
            runs[name]["text_ms"].append(text_ms(m))
    shutil.rmtree(folder, ignore_errors=True)
    best = {k: {"sounds_per_s": max(v["sounds_per_s"]),
                "index_files_per_s": max(v["index_files_per_s"]),
                "text_ms": min(v["text_ms"])} for k, v in runs.items()}
    ratio = {k: best["new"][k] / best["baseline"][k] for k in best["new"]}
    rows = [[k, f"{best['new'][k]:.1f}", f"{best['baseline'][k]:.1f}", f"{ratio[k]:.2f}x"]
            for k in best["new"]]
    print(table(["measure", models["new"].model_id, models["baseline"].model_id, "ratio"], rows))
    save("sound_tower", {"models": {k: m.model_id for k, m in models.items()},
                         "clip_seconds": 10.0, "clips": a.clips, "files_per_kind": a.files,
                         "runs": runs, "best": best, "ratio_new_to_baseline": ratio})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
