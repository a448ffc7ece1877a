"""A search index for libraries of millions of vectors: an inverted file of 8-bit vectors
(faiss ``IndexIVFScalarQuantizer``) whose best candidates are re-ranked exactly against
the float32 vectors, read from a file mapped into memory.

The HNSW graph keeps every vector as float32 plus its links in memory: 1.7 KB per 384-d
vector, 17 GB for ten million. Here memory holds one byte per dimension and the ids
(0.4 KB per vector, 4 GB for ten million); the float32 vectors stay on disk and only the
``rerank`` candidates of each query are read (``benchmarks/bench_scale.py`` measures
recall@10 against exact search, latency and memory). Needs the ``scale`` extra (faiss);
nothing imports faiss until an index is made or loaded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


def _faiss() -> Any:
    try:
        import faiss
    except ImportError as e:
        from core.errors import SynesthesiaError

        raise SynesthesiaError("the compact index needs faiss: install the `scale` extra "
                               "(pip install 'synesthesia[scale]')") from e
    return faiss


def lists_for(n: int) -> int:
    """Inverted lists for ``n`` vectors: about 4 sqrt(n), a power of two, 64 to 65536."""
    return int(2 ** np.clip(np.round(np.log2(4 * np.sqrt(max(n, 1)))), 6, 16))


@dataclass
class CompactIndex:
    """``vectors``: the exact float32 vectors, row i for position i (a ``np.memmap`` of
    the file they are stored in, or any array); ``index``: the faiss index over them."""

    index: Any
    vectors: np.ndarray
    nprobe: int = 32
    rerank: int = 100

    @classmethod
    def train(cls, sample: np.ndarray, n: int, threads: int = 2, seed: int = 0,
              lists: int | None = None, iterations: int = 25) -> CompactIndex:
        """An empty index whose ``lists`` (default ``lists_for(n)``) are fitted by
        ``iterations`` rounds of k-means on ``sample`` (unit rows), for a library of about
        ``n`` vectors."""
        faiss = _faiss()
        faiss.omp_set_num_threads(threads)
        d = sample.shape[1]
        # faiss wants at least 39 sample points per list
        nlist = min(lists or lists_for(n), max(1, len(sample) // 39))
        quantizer = faiss.IndexFlatIP(d)
        index = faiss.IndexIVFScalarQuantizer(quantizer, d, nlist,
                                              faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = seed
        index.cp.niter = iterations
        index.train(np.ascontiguousarray(sample, np.float32))
        return cls(index, np.zeros((0, d), np.float32))

    def add(self, chunks: Iterable[np.ndarray]) -> None:
        """Add vectors chunk by chunk, in the order of the rows of ``vectors``."""
        for chunk in chunks:
            self.index.add(np.ascontiguousarray(chunk, np.float32))

    def search(self, queries: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """(scores, positions) of the ``k`` best rows per query, exact cosine of the
        ``rerank`` best by the 8-bit vectors; -1 where fewer exist."""
        q = np.ascontiguousarray(np.atleast_2d(queries), np.float32)
        self.index.nprobe = self.nprobe
        _, cand = self.index.search(q, max(k, self.rerank))
        scores = np.full((len(q), k), -np.inf, np.float32)
        out = np.full((len(q), k), -1, np.int64)
        for i, row in enumerate(cand):
            row = np.sort(row[row >= 0])  # in file order: fewer pages touched
            if not len(row):
                continue
            exact = np.asarray(self.vectors[row], np.float32) @ q[i]
            top = np.argsort(-exact)[:k]
            scores[i, :len(top)], out[i, :len(top)] = exact[top], row[top]
        return scores, out

    def memory_bytes(self) -> int:
        """Bytes the index holds in memory (8-bit codes, ids, list centroids); the exact
        vectors are read from their file on demand."""
        return len(_faiss().serialize_index(self.index))

    def save(self, path: Path) -> int:
        """Writes the index (not the vectors) to ``path``; returns its size in bytes."""
        _faiss().write_index(self.index, str(path))
        return path.stat().st_size

    @classmethod
    def load(cls, path: Path, vectors: np.ndarray, **kw: Any) -> CompactIndex:
        return cls(_faiss().read_index(str(path)), vectors, **kw)
