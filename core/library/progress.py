"""What an indexing job tells its caller while it runs and when it ends."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PHASES = ("scanning", "checking", "embedding", "saving")


@dataclass(frozen=True)
class IndexProgress:
    """Where an indexing job is: ``done`` of ``total`` files in ``phase``; ``eta_s`` seconds."""

    done: int
    total: int
    eta_s: float | None
    current: Path | None
    phase: str  # "scanning" | "checking" | "embedding" | "describing" | "saving"


@dataclass
class IndexReport:
    """What one indexing run changed."""

    added: int = 0
    updated: int = 0
    moved: int = 0
    copied: int = 0
    removed: int = 0
    failed: int = 0
    unchanged: int = 0
    sidecar_tags: int = 0  # keywords imported from XMP sidecars as accepted tags
    described: int = 0  # files whose details (date, camera, place, words...) were read
    wide_batches: int = 0  # batches embedded on every core, the decoders waiting
    cluster_workers: int = 0  # workers of a Ray cluster that embedded (0: on this machine)
    cluster_resent: int = 0  # batches sent again after the cluster worker holding them was lost
    cluster_start_s: float = 0.0  # connecting to the cluster and its workers loading the network
    cancelled: bool = False
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


class Progress:
    """Calls ``cb`` with IndexProgress at most every 0.1 s (phase changes always)."""

    def __init__(self, cb: Callable[[IndexProgress], Any] | None):
        self.cb = cb
        self.phase_start = time.monotonic()
        self.last = 0.0

    def phase(self, name: str, total: int) -> None:
        self.phase_start = time.monotonic()
        self.emit(name, 0, total, None, force=True)

    def emit(self, phase: str, done: int, total: int, current: Path | None,
             force: bool = False) -> None:
        if self.cb is None:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.1 and done < total:
            return
        self.last = now
        elapsed = now - self.phase_start
        eta = elapsed / done * (total - done) if done else None
        self.cb(IndexProgress(done, total, eta, current, phase))


def cancel_check(cancel: Any) -> Callable[[], bool]:
    """``cancel`` (None, a threading.Event, or a callable) as a callable."""
    if cancel is None:
        return lambda: False
    if hasattr(cancel, "is_set"):
        return cancel.is_set
    return cancel
