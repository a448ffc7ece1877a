"""Slow work off the GUI thread: one helper over named thread pools.

Modelled on Picard's ``run_task(func, next_func)``: a function runs in a pool,
its result or exception comes back to the GUI thread through a queued signal.
Separate pools keep a long job from starving the rest: one thread for the
indexing job, one for searches and other library calls (so search-as-you-type
answers while a library is being indexed), a few for decoding previews and
thumbnails. Every pool is waited for at shutdown.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

POOL_SIZES = {"index": 1, "library": 1, "decode": 2}


class Task:
    """A handle on one submitted job: cancel it, or report progress from inside it."""

    def __init__(self, signals: _TaskSignals) -> None:
        self.cancelled = threading.Event()
        self._signals = signals

    def cancel(self) -> None:
        self.cancelled.set()

    def is_cancelled(self) -> bool:
        return self.cancelled.is_set()

    def report(self, progress: object) -> None:
        """Called on the worker thread; delivered to ``on_progress`` on the GUI thread."""
        self._signals.progress.emit(progress)


class _TaskSignals(QObject):
    # Created on the GUI thread, so emitting from a worker queues delivery there.
    progress = Signal(object)
    finished = Signal(object, object)  # result, exception (or None)


class _Job(QRunnable):
    def __init__(self, func: Callable[[Task], Any], task: Task, signals: _TaskSignals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._func = func
        self._task = task
        self._signals = signals

    def run(self) -> None:
        try:
            result = self._func(self._task)
        except Exception as exc:  # handed to the GUI thread, never swallowed
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self._signals.finished.emit(None, exc)
        else:
            self._signals.finished.emit(result, None)


def _print_error(exc: BaseException) -> None:
    text = getattr(exc, "__traceback_text__", None) or repr(exc)
    print(f"synesthesia: background task failed:\n{text}", flush=True)


class TaskRunner(QObject):
    """Runs functions on named pools and calls back on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pools: dict[str, QThreadPool] = {}
        for name, size in POOL_SIZES.items():
            pool = QThreadPool(self)
            pool.setMaxThreadCount(size)
            self._pools[name] = pool
        self._live: set[_TaskSignals] = set()
        self._tasks: set[Task] = set()
        self._closed = False

    def run(
        self,
        pool: str,
        func: Callable[[Task], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
    ) -> Task:
        """Run ``func(task)`` on ``pool``; ``on_done(result)`` or ``on_error(exc)`` on the GUI thread."""
        signals = _TaskSignals()
        task = Task(signals)
        if self._closed:
            task.cancel()
            return task
        self._live.add(signals)
        self._tasks.add(task)

        def finished(result: object, exc: object) -> None:
            self._live.discard(signals)
            self._tasks.discard(task)
            if self._closed:
                return
            if exc is not None:
                (on_error or _print_error)(exc)  # type: ignore[arg-type]
            elif on_done is not None:
                on_done(result)

        signals.finished.connect(finished)
        if on_progress is not None:
            signals.progress.connect(lambda p: None if self._closed else on_progress(p))
        self._pools[pool].start(_Job(func, task, signals))
        return task

    def busy(self) -> bool:
        return bool(self._live)

    def wait_idle(self, msecs: int = -1) -> bool:
        """Block until every pool has finished (tests and shutdown only)."""
        return all(pool.waitForDone(msecs) for pool in self._pools.values())

    def shutdown(self) -> None:
        """Cancel everything that is running and wait for every pool."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for pool in self._pools.values():
            pool.clear()
        self.wait_idle()
