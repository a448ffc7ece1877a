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
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from PySide6.QtCore import QObject, Signal

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


def _job(func: Callable[[Task], Any], task: Task, signals: _TaskSignals) -> None:
    try:
        result = func(task)
    except Exception as exc:  # handed to the GUI thread, never swallowed
        exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
        signals.finished.emit(None, exc)
    else:
        signals.finished.emit(result, None)


def _print_error(exc: BaseException) -> None:
    text = getattr(exc, "__traceback_text__", None) or repr(exc)
    print(f"synesthesia: background task failed:\n{text}", flush=True)


class TaskRunner(QObject):
    """Runs functions on named pools and calls back on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Python threads, not QThreadPool: torch (via pybind11) takes the GIL with
        # PyGILState_Ensure, and in a QThreadPool thread that tears down the thread state
        # the running Python code is using (a segfault in Tensor.to()).
        self._pools = {name: ThreadPoolExecutor(size, thread_name_prefix=f"synesthesia-{name}")
                       for name, size in POOL_SIZES.items()}
        self._futures: set[Future] = set()
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
        future = self._pools[pool].submit(_job, func, task, signals)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)
        return task

    def busy(self) -> bool:
        return bool(self._live)

    def wait_idle(self, timeout_s: float | None = None) -> bool:
        """Block until every submitted job has run (tests and shutdown only)."""
        _, pending = wait(list(self._futures), timeout=timeout_s)
        return not pending

    def shutdown(self) -> None:
        """Cancel everything (queued jobs never start), and wait for every pool."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for pool in self._pools.values():
            pool.shutdown(wait=True, cancel_futures=True)
