"""A Library: the folders a person chose, the store of their media's vectors, and
the jobs that keep the store in step with the disk. A facade: indexing is an
``IndexJob``, searching ``core.search``, health checks ``Doctor``."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import ModelMismatch, SynesthesiaError
from core.library.doctor import Doctor
from core.library.job import IndexJob
from core.library.lock import LibraryLock
from core.library.progress import IndexProgress, IndexReport
from core.library.threads import ThreadBudget
from core.store import FileError, MediaItem, Store, VectorIndex, VectorIndexes
from core.store.rows import ItemDetails

if TYPE_CHECKING:
    from core.search import KindGroup, Query, SearchResult


class Library:
    """A media library on disk: ``directory`` holds the SQLite store, the HNSW indexes
    and the lock. The model is passed in (tests pass a small one) or loaded on first use
    with ``core.model.load_model()``."""

    DB_NAME = "library.sqlite"

    def __init__(self, directory: str | Path, model: Any = None, read_only: bool = False,
                 wait_s: float = 0.0):
        self.directory = Path(directory).expanduser().absolute()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.read_only = read_only
        self._lock = LibraryLock(self.directory, shared=read_only, wait_s=wait_s)
        try:
            self.store = Store(self.directory / self.DB_NAME, read_only=read_only)
        except BaseException:
            self._lock.release()
            raise
        self._model = model
        self._model_guard = threading.Lock()
        self.indexes = VectorIndexes(self.directory, self.store)

    @classmethod
    def open(cls, directory: str | Path, model: Any = None, read_only: bool = False,
             wait_s: float = 0.0) -> Library:
        """Open (creating if needed) the library in ``directory``.

        Raises:
            LibraryBusy: another process holds it (after waiting ``wait_s`` seconds).
        """
        return cls(directory, model=model, read_only=read_only, wait_s=wait_s)

    def close(self) -> None:
        self.store.close()
        self._lock.release()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def model(self) -> Any:
        with self._model_guard:
            if self._model is None:
                from core.model import load_model

                self._model = load_model()
            return self._model

    @property
    def exact_max(self) -> int | None:
        """Vectors per kind searched exactly (None: the store's default, 20,000)."""
        return self.indexes.exact_max

    @exact_max.setter
    def exact_max(self, value: int | None) -> None:
        self.indexes.exact_max = value

    def _writable(self) -> None:
        if self.read_only:
            raise SynesthesiaError(f"the library in {self.directory} was opened read-only")

    # -- folders -------------------------------------------------------------------------
    def add_folder(self, path: str | Path, exclude: list[str] | None = None) -> Path:
        """Add a folder (searched recursively) with glob patterns to leave out; returns it
        as stored (absolute)."""
        self._writable()
        p = Path(path).expanduser().absolute()
        if not p.is_dir():
            raise SynesthesiaError(f"{p} is not a folder; give the folder that holds your media")
        self.store.files.add_folder(p, list(exclude or []))
        return p

    def remove_folder(self, path: str | Path) -> bool:
        """Forget a folder; its items leave the index (files on disk are never touched)."""
        self._writable()
        return self.store.files.remove_folder(Path(path).expanduser().absolute())

    def folders(self) -> list[Path]:
        return [p for _, p, _ in self.store.files.folders()]

    # -- indexing ------------------------------------------------------------------------
    def index(self, progress: Callable[[IndexProgress], Any] | None = None,
              cancel: threading.Event | Callable[[], bool] | None = None,
              budget: ThreadBudget | None = None, cluster: Any = None) -> IndexReport:
        """Bring the store in step with the library folders: embed new and changed files,
        follow moved ones by content, drop deleted ones, record failures, and update the
        search indexes (see ``IndexJob``). Safe to kill at any point; the next run resumes.

        ``progress`` is called (from this thread) with IndexProgress at most every 0.1 s;
        ``cancel`` (an Event or a callable) stops the job in any phase; ``budget`` sets
        the threads it may use (default: shared out over this machine's cores);
        ``cluster`` (``core.cluster.ClusterOptions``) sends decoding and embedding to the
        workers of a Ray cluster, this process still the only one writing the library."""
        self._writable()
        return IndexJob(self.store, self.model, self.indexes, self.directory, progress, cancel,
                        budget, cluster).run()

    # -- queries -------------------------------------------------------------------------
    def vector_index(self, kind: str) -> VectorIndex:
        """The search structure for ``kind`` (image, sound, note), brought up to date with
        the store and saved (a writer's call; searches use ``indexes.reading``)."""
        return self.indexes.refresh(kind)

    def search(self, query: Query, k: int = 20) -> list[SearchResult]:
        """The ``k`` best items for ``query``, best first (see ``core.search.Query``): typed
        words are searched by meaning and as words, and the two rankings fused; filters
        of the query language apply to both (``core.search.hybrid``). Reads only: never
        writes the store or an index file. A query of filters alone ("tag:beach 2023")
        reads SQLite only: the model is not loaded for it, nor for a text of words the text
        model cannot read (searched by its words alone)."""
        from core.search.hybrid import hybrid_search

        return hybrid_search(self.store, self.indexes, self._model_for(query), query, k)

    def search_groups(self, query: Query, k: int = 10,
                      offsets: dict[str, int] | None = None) -> list[KindGroup]:
        """The same search answered kind by kind (``core.search.groups``): one
        ``KindGroup`` per kind searched, in the order image, sound, note, video, each the
        ``k`` best of its kind by its own relevance, from rank ``offsets[kind] + 1`` (the
        next page of one kind: its offset, and ``query.kinds`` that kind alone). One
        encoding of the query, one pass over each kind's index; reads only."""
        from core.search.groups import grouped_search

        return grouped_search(self.store, self.indexes, self._model_for(query), query, k,
                              offsets)

    def _model_for(self, query: Query) -> Any:
        """The model a query needs (loaded on first use), or None when it needs none."""
        from core.search import parse_query
        from core.text import read_query

        if query.text is not None and (not parse_query(query.text).text
                                       or read_query(query.text).words_only):
            return None
        model = self.model
        stored = self.store.meta.get("model_id")
        if stored is not None and stored != model.model_id:
            raise ModelMismatch(
                f"the library was indexed with model {stored}, but model {model.model_id} is "
                "loaded; run `synesthesia index` to re-embed it with the loaded model")
        return model

    # -- browsing without a query -----------------------------------------------------
    def browse(self, filters: str = "", k: int = 100, offset: int = 0,
               sort: str = "date") -> list[SearchResult]:
        """A page of the items passing ``filters`` (the query language's filters, such as
        "tag:beach 2023" or 'folder:"/home/me/Photos"'; words are ignored), in ``sort``
        order: "date" (newest first), "date-oldest" or "name". Reads SQLite only."""
        from core.search import parse_query
        from core.search.hybrid import listing
        from core.store.items import SORTS

        if sort not in SORTS:
            raise SynesthesiaError(f"sort must be one of {', '.join(SORTS)}; got {sort!r}")
        return listing(self.store, parse_query(filters).filters, k, offset, sort)

    def timeline(self, filters: str = "") -> list[tuple[str, int]]:
        """("YYYY-MM", items) of every month with items passing ``filters``, newest first."""
        from core.search import parse_query

        return self.store.items.months(parse_query(filters).filters)

    def folder_counts(self) -> list[tuple[str, int]]:
        """(folder, items directly in it) of every folder with items, by path."""
        return self.store.items.folder_counts()

    def tag_counts(self) -> list[tuple[str, int, int]]:
        """(tag, items accepted, items proposed), most used first."""
        return self.store.items.tag_counts()

    def details(self, item_id: int) -> ItemDetails | None:
        """What the item's file says about itself (date, camera, place, duration...)."""
        return self.store.details.of_item(item_id)

    def rename_tag(self, old: str, new: str) -> int:
        """Rename a tag everywhere; onto an existing name, the two are merged."""
        self._writable()
        new = " ".join(new.split())
        if not new:
            raise SynesthesiaError("a tag needs a name")
        return self.store.tags.rename(old, new)

    def accept_tag(self, name: str) -> int:
        """Accept every proposal of the tag ``name``."""
        self._writable()
        return self.store.tags.accept_all(name)

    def item(self, item_id: int) -> MediaItem | None:
        return self.store.files.item(item_id)

    def errors(self) -> list[FileError]:
        """Files (and folders) that could not be indexed, with the reason."""
        out = self.store.files.errors()
        when = float(self.store.meta.get("last_index", "0") or 0)
        for p, r in json.loads(self.store.meta.get("scan.problems", "[]") or "[]"):
            out.append(FileError(Path(p), r, when))
        return out

    def stats(self) -> dict:
        """Counts and state for display: items per kind, errors, vectors, model, sizes."""
        counts = self.store.files.counts()
        mid = self.store.meta.get("model_id")
        db_bytes = sum(p.stat().st_size for p in self.directory.glob(self.DB_NAME + "*"))
        idx_bytes = sum(p.stat().st_size for p in self.directory.glob("*.hnsw"))
        last = self.store.meta.get("last_index")
        from core.media import KINDS

        indexes = self.indexes.footprint(KINDS)
        return {
            "library": str(self.directory),
            "folders": [str(p) for p in self.folders()],
            "images": counts.get("images", 0), "sounds": counts.get("sounds", 0),
            "notes": counts.get("notes", 0), "videos": counts.get("videos", 0),
            "segments": counts["segments"],
            "errors": len(self.errors()), "stale": self.store.files.stale_count(mid),
            "model_id": mid, "dim": int(self.store.meta.get("dim", "0") or 0),
            "schema_version": self.store.schema_version,
            "database_bytes": db_bytes, "index_bytes": idx_bytes,
            "index_memory_bytes": sum(x["memory_bytes"] for x in indexes.values()),
            "indexes": indexes,
            "last_index": float(last) if last else None,
        }

    # -- health --------------------------------------------------------------------------
    def doctor(self, repair: bool = False) -> list[str]:
        """Check SQLite, the HNSW files and the files on disk against each other; with
        ``repair``, fix what can be fixed (rows of vanished files, orphan vectors,
        stale indexes). Returns one line per problem found (and what was done)."""
        if repair:
            self._writable()
        return Doctor(self.store, self.indexes, repair).run()
