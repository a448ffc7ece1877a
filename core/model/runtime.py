"""Process-level settings that make CPU inference fast (measured in ../shared/FINDINGS.md)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from functools import lru_cache

M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4


@lru_cache(maxsize=1)
def tune_allocator() -> bool:
    """Stop glibc from returning large activation buffers to the OS after every forward pass
    (4x faster batched CPU inference). Returns False where mallopt is not available, or
    when SYNESTHESIA_MALLOC=default (how benchmarks.bench_network measures what it is worth).

    mallopt changes how later allocations are made, so calling it after torch is imported
    still takes effect; every entry point calls it through AlignedModel."""
    if os.environ.get("SYNESTHESIA_MALLOC") == "default":
        return False
    if os.name != "posix":
        return False
    try:
        # the process's own symbols hold libc's; find_library("c") would run ldconfig
        libc = ctypes.CDLL(None)
        if not hasattr(libc, "mallopt"):
            libc = ctypes.CDLL(ctypes.util.find_library("c"))
        ok = libc.mallopt(M_MMAP_MAX, 0) and libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
    except (OSError, AttributeError):
        return False
    return bool(ok)


def pick_device(requested: str | None = None) -> str:
    """"cuda" when present (or requested), else "cpu". SYNESTHESIA_DEVICE overrides."""
    import torch

    want = requested or os.environ.get("SYNESTHESIA_DEVICE") or "auto"
    if want == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if want.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError("CUDA was requested but no CUDA device is available; use --device cpu")
    return want
