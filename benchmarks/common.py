"""Shared helpers for the benchmarks: the model to measure, timing, table printing."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def model_for_bench(device: str | None = None):
    """The default checkpoint when it exists, else the default architecture with random
    weights (speed does not depend on the weights)."""
    from core.model import ModelConfig, create_model, default_checkpoint, load_model

    if default_checkpoint().exists():
        return load_model(device=device), "default checkpoint"
    return (create_model(ModelConfig(), seed=0, device=device),
            "default architecture, random weights")


def percentile_ms(samples: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples) * 1000, q))


def table(headers: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for r in rows:
        out.append("| " + " | ".join(str(x) for x in r) + " |")
    return "\n".join(out)


def save(name: str, data: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    p = RESULTS / f"{name}.json"
    data = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "cpus": os.cpu_count(), "load_avg_at_end": os.getloadavg()[0], **data}
    p.write_text(json.dumps(data, indent=1))
    return p


def matmul_peak_gflops(threads: int | None = None) -> float:
    """Measured fp32 matmul throughput of this machine with torch (GFLOP/s)."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    a = torch.randn(2048, 2048)
    b = torch.randn(2048, 2048)
    for _ in range(2):
        a @ b
    best = 0.0
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(4):
            a @ b
        dt = time.perf_counter() - t
        best = max(best, 4 * 2 * 2048**3 / dt / 1e9)
    return best
