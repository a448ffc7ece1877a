"""How many threads an indexing job may use, and keeping the network's share of them
to the job's own thread.

Decoding and the network both want every core; oversubscribed, they slowed each other
down (benchmarks/bench_index.py on 2 cores: 26 photos/s with 2 decoders + 2 torch
threads, 38 with 2 + 1). The job is given a budget; it does not change the thread
count of searches running beside it."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ThreadBudget:
    """``decoders``: threads reading, hashing and decoding files; ``model``: torch threads
    for the network's forward passes in the job's thread (None: leave them as they are);
    ``model_idle``: torch threads for a forward pass while the decoders have nothing to do
    (their read-ahead is full: small photos, notes), None for ``model``; ``graph``: threads
    building HNSW graphs."""

    decoders: int = 2
    model: int | None = None
    graph: int = 2
    model_idle: int | None = None

    @classmethod
    def for_machine(cls, model: Any = None, cores: int | None = None) -> ThreadBudget:
        """Half the cores (2 to 4) decode, the rest run the network (CPU models; with a
        GPU all cores but one decode).
        ``model_idle`` stays off: on the shared 2-core machine giving the network both
        cores while the decoders were idle was slower (benchmarks.bench_index --budgets,
        0.3 MP photos: 8-10 against 13-19 files/s)."""
        cores = cores or os.cpu_count() or 2
        on_cpu = str(getattr(model, "device", "cpu")) == "cpu"
        # with the network on a GPU, decoding is the work left to the CPU: all but one core
        decoders = max(2, min(4, cores // 2)) if on_cpu else max(2, cores - 1)
        return cls(decoders=decoders, model=max(1, cores - decoders) if on_cpu else None,
                   graph=max(1, min(cores, 4)))


def _in_new_thread(func: Callable[[], Any]) -> Any:
    out: list[Any] = []
    t = threading.Thread(target=lambda: out.append(func()), name="torch-threads")
    t.start()
    t.join()
    return out[0]


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the enclosed torch work of the calling thread on ``n`` threads; other threads
    keep theirs.

    torch keeps the count per thread (its OpenMP backend), but ``torch.set_num_threads``
    also sets the count that threads started afterwards begin with; that default is put
    back at once from a short-lived thread, so a search worker started during indexing
    is not slowed down."""
    if n is None:
        yield
        return
    import torch

    default = _in_new_thread(torch.get_num_threads)
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    _in_new_thread(lambda: torch.set_num_threads(default))
    try:
        yield
    finally:
        torch.set_num_threads(before)
        _in_new_thread(lambda: torch.set_num_threads(default))
