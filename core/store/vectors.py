"""Nearest-neighbour search over the vectors of one kind (image, sound or note).

SQLite holds every vector; a ``VectorIndex`` is a cache of them for fast queries:
exact search (one matrix product) for small collections, an HNSW graph (hnswlib)
for large ones. The HNSW file is saved atomically next to a JSON sidecar recording
the model and the store generation it mirrors.

A ``VectorIndex`` is never changed once made: ``VectorIndex.load`` makes one by
reading (the saved graph, or SQLite), and ``refresh`` (the writer's call) returns a
new one that mirrors the store, built beside the old one, so that searches on the
old one are never disturbed. ``core.store.indexes.VectorIndexes`` swaps them."""

from __future__ import annotations

import errno
import json
import mmap
import os
import pickle
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from core.store.store import Store

# Measured in benchmarks/bench_search.py: below this many vectors one exact
# matrix product answers as fast as the HNSW graph, and is exact.
EXACT_MAX = int(os.environ.get("SYNESTHESIA_EXACT_MAX", "20000"))
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 100
HNSW_EF_SEARCH = 128
# Rebuild instead of patching once this share of the graph is deleted.
REBUILD_DELETED_SHARE = 0.25
_CHUNK = 20_000  # vectors read from SQLite at a time while building


@dataclass(frozen=True)
class IndexSpec:
    """Which vectors an index holds and how it is built."""

    directory: Path
    kind: str
    model_id: str
    dim: int
    exact_max: int = EXACT_MAX
    m: int = HNSW_M
    ef_construction: int = HNSW_EF_CONSTRUCTION
    ef_search: int = HNSW_EF_SEARCH

    @property
    def file(self) -> Path:
        return self.directory / f"{self.kind}.hnsw"

    @property
    def meta_file(self) -> Path:
        return self.directory / f"{self.kind}.hnsw.json"


class VectorIndex:
    """Search structure for the segments of one ``kind`` embedded by ``model_id``:
    ``mode`` "exact", "hnsw" or "empty"; ``count`` live vectors; ``generation`` of the
    store it mirrors; ``last_sync`` how it was made ("exact", "loaded", "updated",
    "rebuilt", "current"; "... (not saved: why)" when the graph could not be written)."""

    def __init__(self, spec: IndexSpec, store: Store, mode: str = "empty", generation: int = -1,
                 ids: np.ndarray | None = None, matrix: np.ndarray | None = None,
                 hnsw: Any = None, deleted: set[int] | None = None, count: int = 0,
                 how: str = "") -> None:
        self.spec = spec
        self.store = store
        self.mode = mode
        self.generation = generation
        self._ids = ids if ids is not None else np.zeros(0, np.int64)
        self._matrix = matrix if matrix is not None else np.zeros((0, spec.dim), np.float32)
        self._hnsw = hnsw
        self._deleted = deleted or set()
        self.count = count if hnsw is not None else len(self._ids)
        self.last_sync = how
        # False for a graph caught up in memory by a reader: the next refresh saves it.
        self.saved = hnsw is None or how in ("loaded", "current")
        self.patch: tuple[int, int] | None = None  # (added, removed) when patched
        self.not_saved = ""  # why the graph could not be written, when it could not
        self._query = threading.Lock()  # hnswlib's ef is per graph: one query at a time
        self._sample: tuple[np.ndarray, np.ndarray, int] | None = None

    kind = property(lambda self: self.spec.kind)
    model_id = property(lambda self: self.spec.model_id)
    dim = property(lambda self: self.spec.dim)
    exact_max = property(lambda self: self.spec.exact_max)
    ef_search = property(lambda self: self.spec.ef_search)
    m = property(lambda self: self.spec.m)
    ef_construction = property(lambda self: self.spec.ef_construction)
    file = property(lambda self: self.spec.file)
    meta_file = property(lambda self: self.spec.meta_file)

    # -- making one --------------------------------------------------------------------------
    @classmethod
    def load(cls, spec: IndexSpec, store: Store) -> VectorIndex:
        """An index that mirrors the store, made by reading only (a search's call when no
        index is in memory): the saved graph, caught up in memory when it is behind, or
        one built in memory from SQLite. Nothing is written."""
        return cls(spec, store)._mirror(save=False)

    def refresh(self, threads: int = 2) -> VectorIndex:
        """An index that mirrors the store now (the index job's and doctor's call): this
        one's content when current, else a new index, patched from a copy of this graph or
        rebuilt, and saved. Searches may go on using this one meanwhile."""
        return self._mirror(save=True, threads=threads)

    def _mirror(self, save: bool, threads: int = 2) -> VectorIndex:
        spec, store = self.spec, self.store
        gen = store.meta.generation(spec.kind)
        if gen == self.generation and (self.saved or not save):
            return self._same("current")
        if gen == self.generation:
            made = self._same("saved")
            made._save_or_note()
            return made
        ids = store.segments.ids(spec.kind, spec.model_id)
        if len(ids) <= spec.exact_max:
            if save:
                for f in (spec.file, spec.meta_file):  # a graph from when the kind was larger
                    f.unlink(missing_ok=True)
            return _exact(spec, store, gen)
        base = self if self._hnsw is not None else _load_file(spec, store)
        # A graph read from disk is checked against the store, not trusted on its sidecar's
        # word: a partial write can leave a graph that lacks vectors of its generation.
        if base is not None and base.generation == gen and (
                base is self or not base._differs(ids)):
            return base
        made = base._patched(ids, threads) if base is not None else None
        if made is None:
            made = _graph(spec, store, _rebuild(spec, store, ids, threads), set(), gen, len(ids),
                          "rebuilt")
        made.generation = gen
        made.count = len(ids)
        if save:
            made._save_or_note()
        return made

    def _same(self, how: str) -> VectorIndex:
        made = VectorIndex(self.spec, self.store, self.mode, self.generation, self._ids,
                           self._matrix, self._hnsw, self._deleted, self.count, how)
        made.saved = self.saved
        return made

    def _patched(self, ids: np.ndarray, threads: int) -> VectorIndex | None:
        """A copy of this graph with what the store added and removed since; None when so
        much was removed that a rebuild is better."""
        live = self._live_ids()
        add = np.setdiff1d(ids, live, assume_unique=True)
        remove = np.setdiff1d(live, ids, assume_unique=True)
        total = self._hnsw.get_current_count()
        if len(self._deleted) + len(remove) > REBUILD_DELETED_SHARE * max(total, 1):
            return None
        graph = pickle.loads(pickle.dumps(self._hnsw))  # the copy: searches keep the original
        graph.set_ef(self.spec.ef_search)
        deleted = set(self._deleted)
        for label in remove.tolist():
            graph.mark_deleted(int(label))
            deleted.add(int(label))
        if len(add):
            need = graph.get_current_count() + len(add)
            if need > graph.get_max_elements():
                graph.resize_index(int(need * 1.5))
            _add_from_store(self.spec, self.store, graph, add, threads)
        made = _graph(self.spec, self.store, graph, deleted, self.generation, len(ids), "updated")
        made.patch = (len(add), len(remove))
        return made

    def _differs(self, ids: np.ndarray) -> bool:
        """Whether the graph's live labels are not exactly ``ids`` (sorted, unique)."""
        live = self._live_ids()
        return len(live) != len(ids) or not np.array_equal(live, np.sort(ids))

    def _live_ids(self) -> np.ndarray:
        labels = np.asarray(self._hnsw.get_ids_list(), dtype=np.int64)
        if self._deleted:
            labels = labels[~np.isin(labels, np.fromiter(self._deleted, np.int64))]
        return np.unique(labels)

    def _save_or_note(self) -> None:
        try:
            self._save()
            self.saved = True
        except OSError as e:
            # The graph is a cache: on a read-only or full disk it still serves this
            # session from memory, and the next open rebuilds it from SQLite.
            self.not_saved = str(e.strerror or e)
            self.last_sync += f" (not saved: {self.not_saved})"

    def _save(self) -> None:
        """Write the graph, then its sidecar, each by rename: a crash leaves either the old
        pair, or a new graph with an old sidecar (caught up at the next refresh)."""
        spec = self.spec
        spec.directory.mkdir(parents=True, exist_ok=True)
        tmp = spec.file.with_name(spec.file.name + f".tmp{os.getpid()}")
        self._hnsw.save_index(str(tmp))
        if not _whole_graph_file(tmp):  # hnswlib does not report a failed write
            tmp.unlink(missing_ok=True)
            raise OSError(errno.ENOSPC, "the graph file was cut short (is the disk full?)")
        _fsync_replace(tmp, spec.file)
        meta = {"model_id": spec.model_id, "dim": spec.dim, "m": spec.m,
                "generation": self.generation, "total": self._hnsw.get_current_count(),
                "capacity": self._hnsw.get_max_elements(), "live": self.count,
                "deleted": sorted(self._deleted)}
        tmpm = spec.meta_file.with_name(spec.meta_file.name + f".tmp{os.getpid()}")
        tmpm.write_text(json.dumps(meta))
        _fsync_replace(tmpm, spec.meta_file)

    # -- queries -----------------------------------------------------------------------------
    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` segments for a (D,) float32 unit-norm query.

        Args:
            allowed: when given, (m,) int64 segment ids the results must come from.

        Returns:
            (ids (k',) int64, scores (k',) float32 cosine similarities), best first.
        """
        q = np.asarray(query, np.float32).reshape(-1)
        if self.mode == "empty" or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if self.mode == "exact":
            scores = self._matrix @ q
            ids = self._ids
            if allowed is not None:
                mask = np.isin(ids, allowed)
                scores, ids = scores[mask], ids[mask]
            return _top(ids, scores, k)
        fil = None
        if allowed is not None:
            allowed = np.asarray(allowed, np.int64)
            if len(allowed) <= self.spec.exact_max:
                ids, vecs = self.store.segments.vectors(self.kind, self.model_id, ids=allowed,
                                                        dim=self.dim)
                return _top(ids, vecs @ q, k)
            fil = set(allowed.tolist()).__contains__
        with self._query:
            return self._knn(q, min(k, self.count), fil)

    def item_sample(self) -> tuple[np.ndarray, np.ndarray, int]:
        """(owners, vectors, total items) of a fixed sample of this kind's items, read once
        per index (an index mirrors one generation of the store)."""
        with self._query:
            if self._sample is None:
                self._sample = self.store.segments.sample(self.kind, self.model_id)
            return self._sample

    def _knn(self, q: np.ndarray, k: int, fil: Any) -> tuple[np.ndarray, np.ndarray]:
        ef = max(self.spec.ef_search, k)
        try:
            while True:
                self._hnsw.set_ef(ef)
                try:
                    labels, dist = self._hnsw.knn_query(q, k=k, num_threads=1, filter=fil)
                    return labels[0].astype(np.int64), (1.0 - dist[0]).astype(np.float32)
                except RuntimeError:  # fewer than k reachable: widen the search, then shrink k
                    if ef < 4 * max(self.count, 1) and ef < 100_000:
                        ef *= 4
                    elif k > 1:
                        k //= 2
                    else:
                        return np.zeros(0, np.int64), np.zeros(0, np.float32)
        finally:
            self._hnsw.set_ef(self.spec.ef_search)

    def check(self) -> list[str]:
        """Problems between the saved HNSW file and the store (empty when consistent)."""
        ids = self.store.segments.ids(self.kind, self.model_id)
        if len(ids) <= self.spec.exact_max:
            return []
        probe = _load_file(self.spec, self.store)
        if probe is None:
            return [f"{self.kind}: the HNSW index is missing, damaged or from another model"]
        live = probe._live_ids()
        missing = len(np.setdiff1d(ids, live))
        extra = len(np.setdiff1d(live, ids))
        if missing or extra:
            return [f"{self.kind}: HNSW index lacks {missing} vectors and holds {extra} that "
                    "the store does not"]
        return []


def _exact(spec: IndexSpec, store: Store, gen: int) -> VectorIndex:
    ids, matrix = store.segments.vectors(spec.kind, spec.model_id, dim=spec.dim)
    return VectorIndex(spec, store, "exact" if len(ids) else "empty", gen, ids, matrix,
                       how="exact")


def _graph(spec: IndexSpec, store: Store, graph: Any, deleted: set[int], gen: int, live: int,
           how: str) -> VectorIndex:
    return VectorIndex(spec, store, "hnsw", gen, hnsw=graph, deleted=deleted, count=live,
                       how=how)


def _new_graph(spec: IndexSpec, capacity: int) -> Any:
    import hnswlib

    graph = hnswlib.Index(space="ip", dim=spec.dim)
    graph.init_index(max_elements=max(capacity, 1024), M=spec.m,
                     ef_construction=spec.ef_construction, random_seed=100)
    graph.set_ef(spec.ef_search)
    return graph


def _add_from_store(spec: IndexSpec, store: Store, graph: Any, ids: np.ndarray,
                    threads: int = 2) -> None:
    for start in range(0, len(ids), _CHUNK):
        chunk_ids, vecs = store.segments.vectors(spec.kind, spec.model_id,
                                                 ids=ids[start:start + _CHUNK], dim=spec.dim)
        if len(chunk_ids):
            graph.add_items(vecs, chunk_ids, num_threads=threads)


def _rebuild(spec: IndexSpec, store: Store, ids: np.ndarray, threads: int = 2) -> Any:
    graph = _new_graph(spec, int(len(ids) * 1.25))
    _add_from_store(spec, store, graph, ids, threads)
    return graph


def _load_file(spec: IndexSpec, store: Store) -> VectorIndex | None:
    """The saved graph when it is whole and of this model and configuration, else None."""
    import hnswlib

    try:
        meta = json.loads(spec.meta_file.read_text())
    except (OSError, ValueError):
        return None
    if (meta.get("model_id") != spec.model_id or meta.get("dim") != spec.dim
            or meta.get("m") != spec.m or not spec.file.exists()):
        return None
    graph = hnswlib.Index(space="ip", dim=spec.dim)
    try:
        graph.load_index(str(spec.file), max_elements=int(meta.get("capacity", 0)) or 0)
    except (RuntimeError, ValueError, OSError):
        return None  # damaged: rebuilt by the caller
    if graph.get_current_count() != meta.get("total"):
        return None
    graph.set_ef(spec.ef_search)
    return _graph(spec, store, graph, set(meta.get("deleted", [])),
                  int(meta.get("generation", -1)), int(meta.get("live", 0)), "loaded")


def _top(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    if len(ids) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    k = min(k, len(ids))
    part = np.argpartition(-scores, k - 1)[:k]
    order = part[np.argsort(-scores[part], kind="stable")]
    return ids[order], scores[order].astype(np.float32)


def _whole_graph_file(path: Path) -> bool:
    """Whether an hnswlib graph file holds all it says it does: its 96-byte header, the
    level-0 records, then one link list (a 4-byte size and that many bytes) per element,
    ending exactly at the end of the file. hnswlib writes through a C++ stream that ignores
    a full disk; this finds the file it cut short."""
    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            if len(m) < 96:
                return False
            count, per_element = struct.unpack_from("<QQ", m, 16)
            pos = 96 + count * per_element
            for _ in range(count):
                if pos + 4 > len(m):
                    return False
                pos += 4 + struct.unpack_from("<I", m, pos)[0]
            return pos == len(m)
    except (OSError, ValueError, struct.error):
        return False


def _fsync_replace(tmp: Path, final: Path) -> None:
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, final)
