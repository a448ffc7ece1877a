"""Runs searches for the window: a new query cancels the old one, stale answers are dropped.
A search by meaning is answered kind by kind (``grouped``) unless the window shows one
merged list; a listing of filters alone is one list (``results``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.gui.services.library import LibraryService, SearchRequest
from app.gui.services.tasks import Task


class SearchController(QObject):
    """Emits ``results(request, results)`` for the newest request only (rclip's generation counter)."""

    started = Signal(object)  # the request
    results = Signal(object, list)  # the request, its results (one list)
    grouped = Signal(object, list)  # the request, its KindGroups (a page of each kind)
    page = Signal(object, object)  # the request, the next page of one kind (a KindGroup)
    failed = Signal(object, str)
    cleared = Signal()  # the search field was emptied: nothing is searched

    def __init__(self, service: LibraryService, k: int = 48, parent: QObject | None = None,
                 by_kind: bool = True) -> None:
        super().__init__(parent)
        self.service = service
        self.k = k
        self.by_kind = by_kind  # a search by meaning answered kind by kind
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

        grouped = self.by_kind and not request.listing
        signal = self.grouped if grouped else self.results

        def done(found: list[Any]) -> None:
            if generation == self.generation:
                self._task = None
                signal.emit(request, found)

        def failed(exc: Exception) -> None:
            if generation == self.generation:
                self._task = None
                self.failed.emit(request, str(exc))

        if grouped:
            self._task = self.service.search_groups(request, self.per_kind, done, failed)
        else:
            self._task = self.service.search(request, self.k, done, failed)

    @property
    def per_kind(self) -> int:
        """Results of each kind per page: the results setting shared out over the kinds."""
        return max(4, self.k // 4)

    def more(self, kind: str, offset: int) -> None:
        """The next page of ``kind`` for the current search, from rank ``offset + 1``:
        emits ``page`` (dropped if another search started meanwhile)."""
        request, generation = self.current, self.generation
        if request is None or not self.service.is_open:
            return
        one_kind = replace(request, kinds=frozenset({kind}))

        def done(found: list[Any]) -> None:
            if generation == self.generation and found:
                self.page.emit(request, found[0])

        def failed(exc: Exception) -> None:
            if generation == self.generation:
                self.failed.emit(request, str(exc))

        self.service.search_groups(one_kind, self.per_kind, done, failed, {kind: offset})

    # -- what a person asks ------------------------------------------------------------------
    def typed(self, text: str, kinds: frozenset[str]) -> None:
        """Words typed (or emptied) in the search field: search them; an empty field reruns
        a search by example (its filters were emptied) or clears."""
        current = self.current
        if text:
            self.search(SearchRequest(text=text, kinds=kinds))
        elif current is not None and current.text is None:
            self.rerun_example(kinds)
        else:
            self.clear()
            self.cleared.emit()

    def kinds_changed(self, kinds: frozenset[str], text: str) -> None:
        """A kind toggle changed: rerun the search by example, or else the text search."""
        current = self.current
        if current is not None and current.text is None:
            self.rerun_example(kinds)
        else:
            self.typed(text, kinds)

    def rerun_example(self, kinds: frozenset[str]) -> None:
        current = self.current
        if current is not None:
            self.search(SearchRequest(file=current.file, waveform=current.waveform,
                                      item_id=current.item_id, kinds=kinds,
                                      label=current.label))

    def by_file(self, path: Path, kinds: frozenset[str]) -> None:
        self.search(SearchRequest(file=Path(path), kinds=kinds))

    def by_recording(self, samples: np.ndarray, rate: int) -> None:
        self.search(SearchRequest(waveform=(samples, rate), kinds=frozenset({"sound", "image"}),
                                  label="your recording"))

    def more_like(self, result: Any, kinds: frozenset[str]) -> None:
        self.search(SearchRequest(item_id=int(result.item_id), kinds=kinds,
                                  label=Path(result.path).name))

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
