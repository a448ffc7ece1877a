"""Encoding throughput of the network's towers, per checkpoint, in one run.

    python -m benchmarks.bench_model [CHECKPOINT ...]

Images (224 px arrays, decoding excluded), 10 s sounds and short texts per second, for each
checkpoint given (default: the bundled one), so two sound towers can be compared as a ratio
on the same machine at the same moment.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def rate(fn, items, repeat: int = 3) -> float:
    fn(items[:4])  # warm-up
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(items)
        best = min(best, time.perf_counter() - t)
    return len(items) / best


def main(argv: list[str] | None = None) -> int:
    from core.model import load_model

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("checkpoints", nargs="*", default=[None])
    a = p.parse_args(argv)
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 255, (224, 224, 3), dtype=np.uint8) for _ in range(64)]
    sounds = [(0.1 * rng.standard_normal(160000)).astype(np.float32) for _ in range(16)]
    texts = [f"a photo of a dog number {i} running on the beach" for i in range(256)]
    print("| checkpoint | sound tower | images/s | 10 s sounds/s | texts/s |")
    print("|---|---|---|---|---|")
    for path in a.checkpoints:
        m = load_model(path)
        s = m.cfg.sound
        tower = s.kind if s.kind == "cnn1d" else f"{s.kind} ({s.effnet_blocks} blocks)"
        print(f"| {m.model_id} | {tower} | {rate(m.encode_images, images):.1f} | "
              f"{rate(m.encode_sounds, sounds):.1f} | {rate(m.encode_texts, texts):.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
