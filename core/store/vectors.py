"""Nearest-neighbour search over the vectors of one kind (image, sound or note).

SQLite holds every vector; this is a cache of them for fast queries: exact
search (one matrix product) for small collections, an HNSW graph (hnswlib)
for large ones. The HNSW file is saved atomically next to a JSON sidecar
recording the model and the store generation it mirrors; when the file is
missing, damaged, from another model or behind the store, it is brought up to
date (incrementally, or rebuilt)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from core.store.store import Store

# Measured in benchmarks/bench_search.py: below this many vectors one exact
# matrix product answers as fast as the HNSW graph, and is exact.
EXACT_MAX = int(os.environ.get("SYNESTHESIA_EXACT_MAX", "20000"))
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 100
HNSW_EF_SEARCH = 128
# Rebuild instead of patching once this share of the graph is deleted.
REBUILD_DELETED_SHARE = 0.25


class VectorIndex:
    """Search structure for the segments of one ``kind`` embedded by ``model_id``."""

    def __init__(self, directory: Path, kind: str, store: Store, model_id: str, dim: int,
                 exact_max: int = EXACT_MAX, m: int = HNSW_M,
                 ef_construction: int = HNSW_EF_CONSTRUCTION, ef_search: int = HNSW_EF_SEARCH):
        self.directory = Path(directory)
        self.kind = kind
        self.store = store
        self.model_id = model_id
        self.dim = dim
        self.exact_max = exact_max
        self.m = m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.generation = -1
        self.mode = "empty"  # "exact" | "hnsw" | "empty"
        self.count = 0
        self._ids = np.zeros(0, np.int64)
        self._matrix = np.zeros((0, dim), np.float32)
        self._hnsw = None
        self._deleted: set[int] = set()
        self.last_sync = ""

    @property
    def file(self) -> Path:
        return self.directory / f"{self.kind}.hnsw"

    @property
    def meta_file(self) -> Path:
        return self.directory / f"{self.kind}.hnsw.json"

    # -- keeping up with the store ---------------------------------------------------------
    def sync(self) -> str:
        """Make the index mirror the store; returns what was done ("current", "exact",
        "loaded", "updated", "rebuilt")."""
        gen = self.store.generation(self.kind)
        if gen == self.generation:
            self.last_sync = "current"
            return self.last_sync
        ids = self.store.segment_ids(self.kind, self.model_id)
        if len(ids) <= self.exact_max:
            self._hnsw = None
            for f in (self.file, self.meta_file):  # a graph from when the kind was larger
                f.unlink(missing_ok=True)
            self._ids, self._matrix = self.store.vectors(self.kind, self.model_id, dim=self.dim)
            self.mode = "exact" if len(self._ids) else "empty"
            self.count = len(self._ids)
            self.generation = gen
            self.last_sync = "exact"
            return self.last_sync
        if self._hnsw is None:
            self._load_file(gen)
            if self._hnsw is not None and self.generation == gen:
                self.mode = "hnsw"
                self.last_sync = "loaded"
                return self.last_sync
        how = "rebuilt"
        if self._hnsw is not None:
            live = self._live_ids()
            add = np.setdiff1d(ids, live, assume_unique=True)
            remove = np.setdiff1d(live, ids, assume_unique=True)
            total = self._hnsw.get_current_count()
            if len(self._deleted) + len(remove) <= REBUILD_DELETED_SHARE * max(total, 1):
                self._patch(add, remove)
                how = "updated"
            else:
                self._hnsw = None
        if self._hnsw is None:
            self._rebuild(ids)
        self.count = len(ids)
        self.mode = "hnsw"
        self.generation = gen
        try:
            self._save()
        except OSError as e:
            # The graph is a cache: on a read-only or full disk it still serves this
            # session from memory, and the next open rebuilds it from SQLite.
            how += f" (not saved: {e.strerror or e})"
        self.last_sync = how
        return how

    def _live_ids(self) -> np.ndarray:
        labels = np.asarray(self._hnsw.get_ids_list(), dtype=np.int64)
        if self._deleted:
            labels = labels[~np.isin(labels, np.fromiter(self._deleted, np.int64))]
        return np.unique(labels)

    def _new_index(self, capacity: int):
        import hnswlib

        index = hnswlib.Index(space="ip", dim=self.dim)
        index.init_index(max_elements=max(capacity, 1024), M=self.m,
                         ef_construction=self.ef_construction, random_seed=100)
        index.set_ef(self.ef_search)
        return index

    def _rebuild(self, ids: np.ndarray) -> None:
        index = self._new_index(int(len(ids) * 1.25))
        for start in range(0, len(ids), 20_000):
            chunk_ids, vecs = self.store.vectors(self.kind, self.model_id,
                                                 ids=ids[start:start + 20_000], dim=self.dim)
            if len(chunk_ids):
                index.add_items(vecs, chunk_ids, num_threads=2)
        self._hnsw = index
        self._deleted = set()

    def _patch(self, add: np.ndarray, remove: np.ndarray) -> None:
        for label in remove.tolist():
            self._hnsw.mark_deleted(int(label))
            self._deleted.add(int(label))
        if len(add):
            need = self._hnsw.get_current_count() + len(add)
            if need > self._hnsw.get_max_elements():
                self._hnsw.resize_index(int(need * 1.5))
            for start in range(0, len(add), 20_000):
                chunk_ids, vecs = self.store.vectors(self.kind, self.model_id,
                                                     ids=add[start:start + 20_000], dim=self.dim)
                if len(chunk_ids):
                    self._hnsw.add_items(vecs, chunk_ids, num_threads=2)

    def _load_file(self, gen: int) -> None:
        import hnswlib

        try:
            meta = json.loads(self.meta_file.read_text())
        except (OSError, ValueError):
            return
        if (meta.get("model_id") != self.model_id or meta.get("dim") != self.dim
                or meta.get("m") != self.m or not self.file.exists()):
            return
        index = hnswlib.Index(space="ip", dim=self.dim)
        try:
            index.load_index(str(self.file), max_elements=int(meta.get("capacity", 0)) or 0)
        except (RuntimeError, ValueError, OSError):
            return  # damaged: rebuilt by the caller
        if index.get_current_count() != meta.get("total"):
            return
        index.set_ef(self.ef_search)
        self._hnsw = index
        self._deleted = set(meta.get("deleted", []))
        self.generation = int(meta.get("generation", -1))
        self.count = int(meta.get("live", 0))

    def _save(self) -> None:
        """Write the graph, then its sidecar, each by rename: a crash leaves either the old
        pair, or a new graph with an old sidecar (caught up at the next sync)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_name(self.file.name + f".tmp{os.getpid()}")
        self._hnsw.save_index(str(tmp))
        _fsync_replace(tmp, self.file)
        meta = {"model_id": self.model_id, "dim": self.dim, "m": self.m,
                "generation": self.generation, "total": self._hnsw.get_current_count(),
                "capacity": self._hnsw.get_max_elements(), "live": self.count,
                "deleted": sorted(self._deleted)}
        tmpm = self.meta_file.with_name(self.meta_file.name + f".tmp{os.getpid()}")
        tmpm.write_text(json.dumps(meta))
        _fsync_replace(tmpm, self.meta_file)

    # -- queries ---------------------------------------------------------------------------
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
        if allowed is not None:
            allowed = np.asarray(allowed, np.int64)
            if len(allowed) <= self.exact_max:
                ids, vecs = self.store.vectors(self.kind, self.model_id, ids=allowed,
                                               dim=self.dim)
                return _top(ids, vecs @ q, k)
            allowed_set = set(allowed.tolist())
            fil = allowed_set.__contains__
        else:
            fil = None
        k = min(k, self.count)
        ef = max(self.ef_search, k)
        while True:
            self._hnsw.set_ef(ef)
            try:
                labels, dist = self._hnsw.knn_query(q, k=k, num_threads=1, filter=fil)
                break
            except RuntimeError:  # fewer than k reachable: widen the search, then shrink k
                if ef < 4 * max(self.count, 1) and ef < 100_000:
                    ef *= 4
                elif k > 1:
                    k //= 2
                else:
                    return np.zeros(0, np.int64), np.zeros(0, np.float32)
        self._hnsw.set_ef(self.ef_search)
        return labels[0].astype(np.int64), (1.0 - dist[0]).astype(np.float32)

    def check(self) -> list[str]:
        """Problems between the saved HNSW file and the store (empty when consistent)."""
        problems: list[str] = []
        ids = self.store.segment_ids(self.kind, self.model_id)
        if len(ids) <= self.exact_max:
            return problems
        probe = VectorIndex(self.directory, self.kind, self.store, self.model_id, self.dim,
                            self.exact_max, self.m, self.ef_construction, self.ef_search)
        probe._load_file(self.store.generation(self.kind))
        if probe._hnsw is None:
            return [f"{self.kind}: the HNSW index is missing, damaged or from another model"]
        live = probe._live_ids()
        missing = len(np.setdiff1d(ids, live))
        extra = len(np.setdiff1d(live, ids))
        if missing or extra:
            problems.append(f"{self.kind}: HNSW index lacks {missing} vectors and holds {extra} "
                            "that the store does not")
        return problems


def _top(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    if len(ids) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    k = min(k, len(ids))
    part = np.argpartition(-scores, k - 1)[:k]
    order = part[np.argsort(-scores[part], kind="stable")]
    return ids[order], scores[order].astype(np.float32)


def _fsync_replace(tmp: Path, final: Path) -> None:
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, final)
