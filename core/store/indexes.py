"""The search indexes of one library, one per kind, behind a reader/writer lock.

Searches read: ``with indexes.reading(kinds) as found: found[kind].search(q, k)``;
they never write a file or change an index. The index job and doctor refresh:
``indexes.refresh(kind)`` builds the new index beside the one searches are using
(a patched copy of the graph, or a rebuilt one), saves it, and swaps it in under
the write lock, which only waits for searches in flight. A search therefore sees
one consistent index per kind from start to end, and the lock lives here, in core,
not in the GUI."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from core.store.vectors import EXACT_MAX, IndexSpec, VectorIndex

if TYPE_CHECKING:
    from core.store.store import Store


class ReadWriteLock:
    """Many readers or one writer. A waiting writer holds back new readers, so a stream
    of searches cannot starve the index job. Not reentrant."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    def acquire_read(self) -> None:
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1

    def release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    @contextmanager
    def reading(self) -> Iterator[None]:
        self.acquire_read()
        try:
            yield
        finally:
            self.release_read()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class VectorIndexes:
    """The ``VectorIndex`` of each kind for the library's current model (``meta`` keys
    ``model_id`` and ``dim``); ``exact_max`` overrides the exact-search threshold."""

    def __init__(self, directory: Path, store: Store, exact_max: int | None = None) -> None:
        self.directory = Path(directory)
        self.store = store
        self.exact_max = exact_max
        self.lock = ReadWriteLock()
        self._indexes: dict[str, VectorIndex] = {}
        self._refreshing = threading.Lock()  # one writer builds at a time

    def spec(self, kind: str) -> IndexSpec:
        return self._specs([kind])[kind]

    def _specs(self, kinds: list[str]) -> dict[str, IndexSpec]:
        mid = self.store.meta.get("model_id") or ""
        dim = int(self.store.meta.get("dim", "0") or 0)
        exact_max = EXACT_MAX if self.exact_max is None else self.exact_max
        return {k: IndexSpec(self.directory, k, mid, dim, exact_max) for k in kinds}

    @contextmanager
    def reading(self, kinds: Iterable[str]) -> Iterator[dict[str, VectorIndex]]:
        """The index of each of ``kinds``, held for reading: no swap happens meanwhile.
        An index not yet in memory is loaded first (by reading only)."""
        specs = self._specs(list(kinds))
        while True:
            for k, spec in specs.items():
                if not self._holds(k, spec):
                    self._install(k, spec, VectorIndex.load(spec, self.store))
            self.lock.acquire_read()
            try:
                found = {k: self._indexes.get(k) for k in specs}
                if all(idx is not None and idx.spec == specs[k] for k, idx in found.items()):
                    yield found  # type: ignore[misc]
                    return
            finally:
                self.lock.release_read()

    def refresh(self, kind: str, threads: int = 2) -> VectorIndex:
        """Bring the index of ``kind`` up to date with the store, save it, and swap it in
        (the writer's call; ``threads`` build the graph). Returns the index now in use."""
        with self._refreshing:
            spec = self.spec(kind)
            current = self._indexes.get(kind)
            if current is None or current.spec != spec:
                current = VectorIndex(spec, self.store)
            made = current.refresh(threads)
            with self.lock.writing():
                self._indexes[kind] = made
            return made

    def forget(self, kind: str | None = None) -> None:
        """Drop indexes from memory (all, or one kind): the next use loads them again."""
        with self.lock.writing():
            if kind is None:
                self._indexes.clear()
            else:
                self._indexes.pop(kind, None)

    def _holds(self, kind: str, spec: IndexSpec) -> bool:
        idx = self._indexes.get(kind)
        return idx is not None and idx.spec == spec

    def _install(self, kind: str, spec: IndexSpec, made: VectorIndex) -> None:
        with self.lock.writing():
            if not self._holds(kind, spec):
                self._indexes[kind] = made

    def footprint(self, kinds: Iterable[str]) -> dict[str, dict[str, int | str]]:
        """Per kind of ``kinds`` with vectors: ``vectors`` (segments of the current model), ``file_bytes``
        (its HNSW file; 0 while searched exactly) and ``memory_bytes``, what searching it
        holds in memory: the HNSW graph as saved (hnswlib loads the file as it is: float32
        vectors and links), else the float32 matrix searched exactly. Reads only."""
        out: dict[str, dict[str, int]] = {}
        for kind, spec in self._specs(list(kinds)).items():
            n = len(self.store.segments.ids(kind, spec.model_id)) if spec.model_id else 0
            if not n:
                continue
            size = spec.file.stat().st_size if spec.file.exists() else 0
            graph = size and n > spec.exact_max
            out[kind] = {"vectors": n, "file_bytes": size,
                         "memory_bytes": size if graph else n * spec.dim * 4,
                         "searched_by": "graph" if graph else "exact"}
        return out
