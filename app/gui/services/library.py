"""The GUI's only door into ``core``: a service object over the real Library.

Every call into core runs on a worker pool through the TaskRunner and answers
on the GUI thread. Core (and with it torch) is imported lazily inside the
workers, so the window is on screen before the model has loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.gui.services.tasks import Task, TaskRunner
from core.media.kinds import KINDS
from core.search.query import Query

# Searches and other short library calls share one thread; the indexing job has its
# own, so a search answers while a large library is being indexed.
LIBRARY_POOL = "library"
INDEX_POOL = "index"
ALL_KINDS = frozenset(KINDS)


@dataclass(frozen=True)
class SearchRequest:
    """What to search by (exactly one of text, file, waveform, item_id), in which kinds,
    in which order; ``filter_text``: the query language's filters for a search by example
    (what the search field holds)."""

    text: str | None = None
    file: Path | None = None
    waveform: tuple[np.ndarray, int] | None = field(default=None, compare=False)
    item_id: int | None = None
    kinds: frozenset[str] = ALL_KINDS
    label: str = ""
    filter_text: str | None = None
    sort: str = "relevance"

    def query(self) -> Query:
        """The core query of this request."""
        return Query(
            text=self.text,
            file=Path(self.file) if self.file is not None else None,
            waveform=self.waveform,
            item_id=self.item_id,
            kinds=set(self.kinds),
            filter_text=self.filter_text if self.text is None else None,
            sort=self.sort,
        )

    @property
    def listing(self) -> bool:
        """Filters alone typed ("tag:beach 2023", a folder chosen): a list of the items
        passing them, not a ranking by meaning."""
        from core.errors import SynesthesiaError
        from core.search.language import parse_query

        if self.text is None:
            return False
        try:
            return not parse_query(self.text).text
        except SynesthesiaError:
            return False  # the search says what it cannot read

    def describe(self) -> str:
        if self.label:
            return self.label
        if self.text is not None:
            return f"\u201c{self.text}\u201d{_reading(self.text)}"
        if self.file is not None:
            return Path(self.file).name
        if self.waveform is not None:
            return "the recording"
        return f"item {self.item_id}"


def _reading(text: str) -> str:
    """How the text model reads ``text``, when a person should know (emoji read by their
    names, words it cannot read, another language); "" otherwise or when it reads nothing
    (the search's error then says why)."""
    from core.errors import UnsupportedLanguage
    from core.text import read_query

    try:
        notes = read_query(text).notes
    except UnsupportedLanguage:
        return ""
    return f" ({' '.join(notes).rstrip('.')})" if notes else ""


ModelFactory = Callable[[], Any]


# The demo folder's own paperwork is not part of the demo library.
DEMO_EXCLUDE = ("PROVENANCE.md", "demo_ids.txt", "README*")


def bundled_demo_dir() -> Path | None:
    """The bundled demo library (``resources/demo``, inside the wheel), if this build has one."""
    from core.resources import resource

    here = resource("demo")
    return here if here.is_dir() else None


class LibraryService(QObject):
    """Opens the library in the background and runs indexing and searches on it."""

    status = Signal(str)  # short human-readable state: "Loading the model…", "Ready"
    opened = Signal()
    open_failed = Signal(str)
    folders_changed = Signal(list)

    def __init__(
        self,
        runner: TaskRunner,
        library_dir: Path,
        model_factory: ModelFactory | None = None,
        checkpoint: str = "",
        device: str = "auto",
        parent: QObject | None = None,
        cluster: str = "",
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self.library_dir = Path(library_dir)
        self._model_factory = model_factory
        self._checkpoint = checkpoint
        self._device = device
        self.cluster = cluster  # a Ray cluster's address: indexing runs there (empty: here)
        self._library: Any = None

    # -- lifecycle -----------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._library is not None

    def open(self) -> None:
        self.status.emit("Loading the model\u2026")

        def work(task: Task) -> Any:
            from core.library import Library

            if self._model_factory is not None:
                model = self._model_factory()
            else:  # texts embedded without torch: a query typed at launch answers sooner
                from core.model import load_text_first

                device = None if self._device == "auto" else self._device
                model = load_text_first(self._checkpoint or None, device=device)
            self.library_dir.mkdir(parents=True, exist_ok=True)
            library = Library.open(self.library_dir, model=model)
            # Import now what the first search and the first tag will need: an import holds
            # the GIL for long stretches, better while the status bar says "Loading".
            import core.search  # noqa: F401
            import core.tagging  # noqa: F401

            return library

        def done(library: Any) -> None:
            self._library = library
            self.status.emit("Ready")
            self.opened.emit()
            self.refresh_folders()
            self._load_full_model(library)

        def failed(exc: Exception) -> None:
            self.status.emit("The library could not be opened")
            self.open_failed.emit(str(exc))

        self._runner.run(LIBRARY_POOL, work, done, failed)

    def _load_full_model(self, library: Any) -> None:
        """The rest of the model (torch, the image and sound towers), loaded behind the first
        searches on the indexing thread, which needs it next."""
        model = library.model
        if getattr(model, "full_loaded", True):
            return

        def failed(exc: Exception) -> None:
            self.status.emit(f"The model could not be loaded: {exc}")

        self._runner.run(INDEX_POOL, lambda task: model.load_full(), None, failed)

    def close(self) -> None:
        """Close the library; call after the runner has shut down (no worker uses it)."""
        if self._library is not None:
            self._library.close()
            self._library = None

    # -- calls ---------------------------------------------------------------------------
    def call(
        self,
        func: Callable[[Any, Task], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
        pool: str = LIBRARY_POOL,
    ) -> Task:
        """Run ``func(library, task)`` on a library worker thread."""

        def work(task: Task) -> Any:
            if self._library is None:
                raise RuntimeError("The library is not open yet")
            return func(self._library, task)

        return self._runner.run(pool, work, on_done, on_error, on_progress)

    def speech_words(self, vocabulary: str = "") -> list[str]:
        """The words a spoken query may use: the tag vocabulary (``vocabulary``: the file
        chosen in Settings; the bundled one when empty or unreadable, the tagging service
        reports a bad file), the open library's own words (file and folder names, tags),
        the small words joining them. Read on a worker thread (the store has its lock)."""
        from core.tagging.vocabulary import VocabularyError, load_vocabulary
        from core.text.words import library_words, search_words

        try:
            tags = load_vocabulary([vocabulary] if vocabulary else None).words
        except VocabularyError:
            tags = load_vocabulary().words
        library = self._library
        own = library_words(library.store, library.folders()) if library is not None else []
        return search_words(tags, own)

    def search(
        self,
        request: SearchRequest,
        k: int,
        on_done: Callable[[list[Any]], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> Task:
        def work(library: Any, task: Task) -> list[Any]:
            if task.is_cancelled():  # a newer query arrived while this one waited
                return []
            # Core keeps searches and the indexing job apart (a reader/writer lock around
            # the vector indexes): a search runs while the library is being indexed.
            return list(library.search(request.query(), k=k))

        return self.call(work, on_done, on_error)

    def search_groups(
        self,
        request: SearchRequest,
        k: int,
        on_done: Callable[[list[Any]], None],
        on_error: Callable[[Exception], None] | None = None,
        offsets: dict[str, int] | None = None,
    ) -> Task:
        """The search answered kind by kind (``Library.search_groups``): ``k`` per kind,
        from ``offsets`` (the next page of a kind)."""

        def work(library: Any, task: Task) -> list[Any]:
            if task.is_cancelled():
                return []
            return list(library.search_groups(request.query(), k=k, offsets=offsets))

        return self.call(work, on_done, on_error)

    def index(
        self,
        on_progress: Callable[[Any], None],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> Task:
        cluster = None
        if self.cluster.strip():
            from core.cluster import ClusterOptions

            cluster = ClusterOptions(self.cluster.strip(), checkpoint=Path(self._checkpoint)
                                     if self._checkpoint else None)

        def work(library: Any, task: Task) -> Any:
            return library.index(progress=task.report, cancel=task.cancelled, cluster=cluster)

        return self.call(work, on_done, on_error, on_progress, pool=INDEX_POOL)

    def add_folder(self, path: Path, exclude: list[str], on_done: Callable[[Any], None]) -> Task:
        def work(library: Any, task: Task) -> list[Path]:
            library.add_folder(Path(path), exclude=list(exclude))
            return list(library.folders())

        def done(folders: list[Path]) -> None:
            self.folders_changed.emit(folders)
            on_done(folders)

        return self.call(work, done)

    def remove_folder(self, path: Path) -> Task:
        def work(library: Any, task: Task) -> list[Path]:
            library.remove_folder(Path(path))
            return list(library.folders())

        return self.call(work, self.folders_changed.emit)

    def refresh_folders(self) -> Task:
        return self.call(lambda library, task: list(library.folders()), self.folders_changed.emit)

    def errors(self, on_done: Callable[[list[Any]], None]) -> Task:
        return self.call(lambda library, task: list(library.errors()), on_done)

    def stats(self, on_done: Callable[[dict], None]) -> Task:
        return self.call(lambda library, task: dict(library.stats()), on_done)
