"""Runs searches for the window: a new query cancels the old one, stale answers are dropped."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.gui.services.library import LibraryService, SearchRequest
from app.gui.services.tasks import Task


class SearchController(QObject):
    """Emits ``results(request, results)`` for the newest request only (rclip's generation counter)."""

    started = Signal(object)  # the request
    results = Signal(object, list)
    failed = Signal(object, str)

    def __init__(self, service: LibraryService, k: int = 48, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.k = k
        self.sort = "relevance"  # the order chosen in the browse panel
        # What the search field holds: the filters of a search by example ("2023 kind:photo")
        self.filter_source: Any = None
        self.generation = 0
        self.current: SearchRequest | None = None
        self._task: Task | None = None
        self._waiting: SearchRequest | None = None
        service.opened.connect(self._library_opened)
        service.open_failed.connect(self._library_failed)
        self._open_error: str | None = None

    def search(self, request: SearchRequest) -> None:
        if request.sort != self.sort:
            request = replace(request, sort=self.sort)
        if request.text is None and request.filter_text is None and self.filter_source:
            request = replace(request, filter_text=self.filter_source() or None)
        self.generation += 1
        generation = self.generation
        self.current = request
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.started.emit(request)
        if self._open_error is not None:
            self.failed.emit(request, self._open_error)
            return
        if not self.service.is_open:  # run once the library (and model) is ready
            self._waiting = request
            return

        def done(found: list[Any]) -> None:
            if generation == self.generation:
                self._task = None
                self.results.emit(request, found)

        def failed(exc: Exception) -> None:
            if generation == self.generation:
                self._task = None
                self.failed.emit(request, str(exc))

        self._task = self.service.search(request, self.k, done, failed)

    def clear(self) -> None:
        self.generation += 1
        self.current = None
        self._waiting = None
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _library_failed(self, message: str) -> None:
        self._open_error = f"the library could not be opened ({message})"
        waiting, self._waiting = self._waiting, None
        if waiting is not None and waiting is self.current:
            self.failed.emit(waiting, self._open_error)

    def _library_opened(self) -> None:
        self._open_error = None
        waiting, self._waiting = self._waiting, None
        if waiting is not None and waiting is self.current:
            self.search(waiting)
