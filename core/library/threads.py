"""How many threads an indexing job may use, and keeping the network's share of them
to the job's own thread.

Decoding and the network both want every core; oversubscribed, they slowed each other
down (benchmarks/bench_index.py on 2 cores: 26 photos/s with 2 decoders + 2 torch
threads, 38 with 2 + 1). The job is given a budget; it does not change the thread
count of searches running beside it."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ThreadBudget:
    """``decoders``: threads reading, hashing and decoding files; ``model``: torch threads
    for the network's forward passes in the job's thread (None: leave them as they are);
    ``model_idle``: torch threads for a forward pass run with the decoders held back, used
    while other programs leave this machine's cores free (``CoreWatch``); None: always
    ``model``, the decoders running beside the network; ``graph``: threads building HNSW
    graphs."""

    decoders: int = 2
    model: int | None = None
    graph: int = 2
    model_idle: int | None = None

    @classmethod
    def for_machine(cls, model: Any = None, cores: int | None = None) -> ThreadBudget:
        """Half the cores (2 to 4) decode, the rest run the network (CPU models; with a
        GPU all cores but one decode).
        On a 2-core CPU the network takes both cores for a batch (``model_idle``), the
        decoders waiting, while no other program uses the cores: decoding and the network
        then take turns at the whole machine instead of sharing it (bench_index).
        When other programs keep a core busy, one torch thread beside the decoders: OpenMP
        threads that wait for each other at every layer slowed a batch 2-2.5x on the loaded
        2-core machine (8-10 against 13-19 files/s at 0.3 MP, before this watch)."""
        cores = cores or os.cpu_count() or 2
        on_cpu = str(getattr(model, "device", "cpu")) == "cpu"
        # with the network on a GPU, decoding is the work left to the CPU: all but one core
        decoders = max(2, min(4, cores // 2)) if on_cpu else max(2, cores - 1)
        return cls(decoders=decoders, model=max(1, cores - decoders) if on_cpu else None,
                   graph=max(1, min(cores, 4)),
                   # measured on 2 cores only (1.2-1.8x); with more, decoders and network
                   # each have cores of their own and taking turns is not known to pay
                   model_idle=cores if on_cpu and cores == 2 else None)


# Other programs' use of the cores (in cores) above which the network keeps to one thread.
OTHERS_BUSY_MAX = 0.25


class CoreWatch:
    """How much of this machine's CPU other programs used lately: the system's busy time
    (``/proc/stat``) less this process's own (``os.times``), over the last look at least
    ``span`` seconds ago. None where it cannot be told (not Linux, too short a span)."""

    def __init__(self, span: float = 0.2, stat: str = "/proc/stat") -> None:
        self.span = span
        self.stat = stat
        self._hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self._looks: list[tuple[float, float, float]] = []
        self._guard = threading.Lock()
        self.others_busy()

    def _look(self) -> tuple[float, float, float] | None:
        try:
            with open(self.stat, "rb") as f:
                cpu = f.readline().split()
        except OSError:
            return None
        if len(cpu) < 9 or cpu[0] != b"cpu":
            return None
        # user nice system idle iowait irq softirq steal: busy is all but idle and iowait
        user, nice, system, _, _, irq, softirq, steal = (int(x) for x in cpu[1:9])
        t = os.times()
        return (time.monotonic(), (user + nice + system + irq + softirq + steal) / self._hz,
                t.user + t.system + t.children_user + t.children_system)

    def others_busy(self) -> float | None:
        """Cores' worth of CPU that other programs used since the last look at least
        ``span`` seconds ago (0.0 on an idle machine), or None."""
        now = self._look()
        if now is None:
            return None
        with self._guard:
            old = [x for x in self._looks if now[0] - x[0] >= self.span]
            self._looks = [*old[-1:], *(x for x in self._looks if now[0] - x[0] < self.span),
                           now]
        if not old:
            return None
        t, busy, own = old[-1]
        return max(0.0, ((now[1] - busy) - (now[2] - own)) / (now[0] - t))

    def cores_free(self) -> bool:
        """Whether other programs left the cores free lately (False when unknown)."""
        busy = self.others_busy()
        return busy is not None and busy <= OTHERS_BUSY_MAX


WATCH = CoreWatch()  # one per process: the first look is taken at import


class NetworkPace:
    """Seconds per piece of the last batch of each kind on the budget's threads and on
    every core. A batch on every core slower than the last one on the budget's threads
    (the watch misjudged: a burst of other work, a CPU quota it cannot see) keeps the next
    ``hold`` batches of that kind on the budget's threads; then every core is tried again."""

    def __init__(self, hold: int = 8, margin: float = 1.2) -> None:
        self.hold = hold
        self.margin = margin
        self._last: dict[tuple[str, bool], float] = {}
        self._held: dict[str, int] = {}

    def wide_allowed(self, kind: str) -> bool:
        """Whether a batch of ``kind`` may run on every core (counts down a hold)."""
        held = self._held.get(kind, 0)
        if held:
            self._held[kind] = held - 1
        return not held

    def record(self, kind: str, wide: bool, seconds: float, pieces: int) -> None:
        per = seconds / max(pieces, 1)
        self._last[(kind, wide)] = per
        narrow = self._last.get((kind, False))
        if wide and narrow is not None and per > self.margin * narrow:
            self._held[kind] = self.hold


PACE = NetworkPace()


def _in_new_thread(func: Callable[[], Any]) -> Any:
    out: list[Any] = []
    t = threading.Thread(target=lambda: out.append(func()), name="torch-threads")
    t.start()
    t.join()
    return out[0]


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the enclosed network work (torch's, ONNX Runtime's) of the calling thread on ``n``
    threads; other threads keep theirs.

    torch keeps the count per thread (its OpenMP backend), but ``torch.set_num_threads``
    also sets the count that threads started afterwards begin with; that default is put
    back at once from a short-lived thread, so a search worker started during indexing
    is not slowed down."""
    if n is None:  # the enclosing count stays
        yield
        return
    from core.model.onnx_model import threads as onnx_threads

    with onnx_threads(n):
        if sys.modules.get("torch") is None:  # no torch model in this process
            yield
            return
        with _torch_threads(n):
            yield


@contextmanager
def _torch_threads(n: int) -> Iterator[None]:
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
