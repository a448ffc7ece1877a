"""The GUI's door into ``core.tagging``: tags of items, auto-tagging, teaching, concepts.

Every call runs on the library's worker thread through ``LibraryService.call``;
``core.tagging.LibraryTagger`` is made there, on first use, over the open Library.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.gui.services.library import INDEX_POOL, LibraryService
from app.gui.services.tasks import Task


@dataclass(frozen=True)
class Proposal:
    """A proposed tag with the item it belongs to, for review."""

    item_id: int
    path: Path
    kind: str
    name: str
    source: str
    score: float | None


class TaggingService(QObject):
    """Emits ``changed(item_ids)`` after tags of those items were written."""

    changed = Signal(list)

    def __init__(self, service: LibraryService, vocabulary: str = "", min_score: float = 0.5,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self._vocabulary = vocabulary
        self.min_score = min_score
        self._tagger: Any = None

    def _get(self, library: Any) -> Any:
        if self._tagger is None or self._tagger.library is not library:
            from core.tagging import LibraryTagger, load_vocabulary

            vocab = load_vocabulary([self._vocabulary]) if self._vocabulary else None
            self._tagger = LibraryTagger(library, vocab)
        return self._tagger

    def call(self, func: Callable[[Any, Task], Any], on_done: Callable[[Any], None] | None,
              on_error: Callable[[Exception], None] | None = None,
              on_progress: Callable[[Any], None] | None = None, pool: str | None = None) -> Task:
        def work(library: Any, task: Task) -> Any:
            return func(self._get(library), task)

        kwargs = {"pool": pool} if pool else {}
        return self.service.call(work, on_done, on_error, on_progress, **kwargs)

    # -- one item ---------------------------------------------------------------------------
    def tags(self, item_id: int, on_done: Callable[[list[Any]], None]) -> Task:
        return self.call(lambda t, task: t.tags(item_id=item_id), on_done)

    def add(self, item_id: int, name: str, on_error: Callable[[Exception], None]) -> Task:
        return self._write([item_id], lambda t: t.add_tag(item_id, name), on_error)

    def decide(self, decisions: Iterable[tuple[int, str, bool]],
               on_error: Callable[[Exception], None] | None = None) -> Task:
        """Accept (True) or reject (False) each (item_id, tag name)."""
        decisions = list(decisions)

        def apply(t: Any) -> None:
            for item_id, name, accept in decisions:
                (t.accept if accept else t.reject)(item_id, name)

        return self._write([d[0] for d in decisions], apply, on_error)

    def _write(self, item_ids: list[int], func: Callable[[Any], None],
               on_error: Callable[[Exception], None] | None) -> Task:
        ids = sorted({int(i) for i in item_ids})
        return self.call(lambda t, task: func(t), lambda _r: self.changed.emit(ids), on_error)

    # -- many items --------------------------------------------------------------------------
    def proposals(self, on_done: Callable[[list[Proposal]], None],
                  source: str | None = None, name: str | None = None,
                  item_ids: Iterable[int] | None = None) -> Task:
        wanted = None if item_ids is None else {int(i) for i in item_ids}

        def work(t: Any, task: Task) -> list[Proposal]:
            out = []
            for tag in t.tags(status="proposed", source=source):
                if name is not None and tag.name.casefold() != name.casefold():
                    continue
                if wanted is not None and tag.item_id not in wanted:
                    continue
                item = t.library.item(tag.item_id)
                if item is not None:
                    out.append(Proposal(tag.item_id, Path(item.path), item.kind, tag.name,
                                        tag.source, tag.score))
            # Grouped by file, each file's best proposals first: reviewed one item at a time.
            out.sort(key=lambda p: (str(p.path), -(p.score or 0.0)))
            return out

        return self.call(work, on_done)

    def folder_items(self, folder: Path, on_done: Callable[[list[int]], None]) -> Task:
        """Ids of the indexed items under ``folder``."""

        def work(t: Any, task: Task) -> list[int]:
            from core.media import kind_of
            from core.tagging import TaggingError

            ids = []
            for root, _dirs, files in os.walk(folder):
                for name in files:
                    path = Path(root) / name
                    if kind_of(path) is None:
                        continue
                    try:
                        ids += t.item_ids([path])
                    except TaggingError:
                        continue  # not indexed (excluded, unreadable): nothing to tag
            return ids

        return self.call(work, on_done)

    def auto_tag(self, item_ids: list[int] | None, on_progress: Callable[[Any], None],
                 on_done: Callable[[Any], None],
                 on_error: Callable[[Exception], None] | None = None) -> Task:
        """Zero-shot proposals for ``item_ids`` (None: the whole library); nothing accepted."""

        def work(t: Any, task: Task) -> Any:
            return t.tag_library(item_ids=item_ids, min_score=self.min_score,
                                 progress=task.report, cancel=task.cancelled)

        def done(report: Any) -> None:
            self.changed.emit(sorted(item_ids or []))
            on_done(report)

        return self.call(work, done, on_error, on_progress, pool=INDEX_POOL)

    def learn(self, name: str, positives: list[int], negatives: list[int],
              on_done: Callable[[Any], None],
              on_error: Callable[[Exception], None] | None = None,
              min_score: float | None = None) -> Task:
        cut = self.min_score if min_score is None else float(min_score)

        def work(t: Any, task: Task) -> Any:
            return t.learn(name, positives, negatives, min_score=cut)

        def done(report: Any) -> None:
            self.changed.emit(sorted({*positives, *negatives}))
            on_done(report)

        return self.call(work, done, on_error)

    def concepts(self, on_done: Callable[[list[Any]], None],
                 on_error: Callable[[Exception], None] | None = None) -> Task:
        return self.call(lambda t, task: t.concepts(top_k=6), on_done, on_error)
