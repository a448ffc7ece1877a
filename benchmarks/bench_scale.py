"""A library of millions of vectors: memory and disk of today's indexes (HNSW graph of
float32 vectors, hnswlib, and the vectors in SQLite) per million vectors, against the
compact index (core/store/ivf.py: 8-bit vectors in an inverted file, the best
candidates re-ranked exactly from the float32 vectors on disk): recall@10 against exact
search, single-query latency (one thread) and memory.

Vectors: synthetic and clustered like real embeddings (uniform random vectors make
recall meaningless): topics, sub-topics inside them and items around those, unit norm,
384-d like the default model. Generated chunk by chunk into a file mapped into memory
(never all of them in memory as float32 at once); the queries are fresh draws of the
same distribution. Exact search streams the file in chunks.

    nice python -m benchmarks.bench_scale [--sizes 1000000 2000000] [--hnsw 100000 200000]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import argparse  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.common import percentile_ms, save, table  # noqa: E402

DIM = 384
CHUNK = 100_000
TOPICS, SUBTOPICS = 1000, 50_000


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


class Clustered:
    """Topics -> sub-topics -> items, each a noisy copy of its parent, unit norm."""

    def __init__(self, dim: int = DIM, seed: int = 0, topics: int = TOPICS,
                 subtopics: int = SUBTOPICS):
        rng = np.random.default_rng(seed)
        self.dim, self.seed = dim, seed
        centres = _unit(rng.standard_normal((topics, dim)))
        parent = rng.integers(0, topics, subtopics)
        self.sub = _unit(centres[parent] + 1.0 * _unit(rng.standard_normal((subtopics, dim))))
        w = 1.0 / np.arange(1, subtopics + 1) ** 0.7  # some sub-topics far bigger than others
        self.p = rng.permutation(w / w.sum())

    def chunk(self, n: int, stream: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, stream])
        j = rng.choice(len(self.sub), n, p=self.p)
        return _unit(self.sub[j] + 1.0 * _unit(rng.standard_normal((n, self.dim))))

    def write(self, path: Path, n: int) -> np.memmap:
        out = np.lib.format.open_memmap(path, "w+", np.float32, (n, self.dim))
        for i, start in enumerate(range(0, n, CHUNK)):
            out[start:start + CHUNK] = self.chunk(min(CHUNK, n - start), i + 1)
        out.flush()
        return out


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> np.ndarray:
    """The exact ``k`` best rows per query, streaming ``vectors`` in chunks."""
    best_s = np.full((len(queries), 0), -np.inf, np.float32)
    best_i = np.zeros((len(queries), 0), np.int64)
    for start in range(0, len(vectors), CHUNK):
        s = queries @ np.asarray(vectors[start:start + CHUNK]).T
        s_all = np.concatenate([best_s, s], axis=1)
        i_all = np.concatenate([best_i, np.arange(start, start + s.shape[1])[None].repeat(
            len(queries), 0)], axis=1)
        top = np.argpartition(-s_all, k - 1, axis=1)[:, :k]
        best_s = np.take_along_axis(s_all, top, 1)
        best_i = np.take_along_axis(i_all, top, 1)
    return best_i


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth,
                                                                         strict=True)]))


def latency(search, queries: np.ndarray) -> tuple[list[float], np.ndarray]:
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        found.append(search(q))
        times.append(time.perf_counter() - t)
    return times, np.array(found)


def hnsw_today(gen: Clustered, n: int, queries: np.ndarray, work: Path) -> dict:
    """Today's HNSW graph (core/store/vectors.py's parameters) at ``n`` vectors."""
    import hnswlib

    from core.store.vectors import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M

    vecs = gen.write(work / "hnsw.npy", n)
    g = hnswlib.Index(space="ip", dim=gen.dim)
    g.init_index(max_elements=n, M=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION,
                 random_seed=100)
    g.set_num_threads(2)
    t = time.perf_counter()
    for start in range(0, n, CHUNK):
        g.add_items(np.asarray(vecs[start:start + CHUNK]), np.arange(start, min(n, start + CHUNK)))
    build_s = time.perf_counter() - t
    g.save_index(str(work / "g.hnsw"))
    file_bytes = (work / "g.hnsw").stat().st_size
    g.set_ef(HNSW_EF_SEARCH)
    g.set_num_threads(1)
    truth = exact_top(vecs, queries)
    times, found = latency(lambda q: g.knn_query(q, k=10)[0][0], queries)
    (work / "g.hnsw").unlink()
    (work / "hnsw.npy").unlink()
    return {"n": n, "build_s": build_s, "build_per_s": n / build_s,
            "file_bytes": file_bytes, "bytes_per_vector": file_bytes / n,
            "memory_per_million_gb": file_bytes / n * 1e6 / 1e9,
            "recall@10": recall(found, truth), "p50_ms": percentile_ms(times, 50),
            "p99_ms": percentile_ms(times, 99)}


def sqlite_today(n: int, work: Path) -> dict:
    """The store's bytes per vector: ``n`` one-segment files saved through the store."""
    from core.store import SegmentRow, Store

    gen = np.random.default_rng(0)
    store = Store(work / "lib.sqlite")
    store.files.add_folder(work, [])
    fid = store.files.folders()[0][0]
    vec = _unit(gen.standard_normal((n, DIM)))
    with store.transaction() as c:
        for i in range(n):
            store.files.save_embedded(work / f"f{i}.jpg", fid, "image", 1000, i, f"h{i}", None,
                                      "bench", [SegmentRow(0)], vec[i:i + 1], c)
    store.close()
    size = sum(p.stat().st_size for p in work.glob("lib.sqlite*"))
    return {"n": n, "bytes_per_vector": size / n, "per_million_gb": size / n * 1e6 / 1e9}


def compact(gen: Clustered, n: int, queries: np.ndarray, work: Path, probes: list[int],
            rerank: int, max_lists: int = 1 << 16, iterations: int = 25) -> dict:
    from core.store.ivf import CompactIndex, lists_for

    t = time.perf_counter()
    vecs = gen.write(work / f"v{n}.npy", n)
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    truth = exact_top(vecs, queries)
    exact_s = (time.perf_counter() - t) / len(queries)
    nlist = min(lists_for(n), max_lists)
    sample = np.asarray(vecs[np.sort(np.random.default_rng(1).choice(
        n, min(n, 40 * nlist), replace=False))])
    t = time.perf_counter()
    idx = CompactIndex.train(sample, n, lists=nlist, iterations=iterations)
    train_s = time.perf_counter() - t
    t = time.perf_counter()
    idx.add(np.asarray(vecs[s:s + CHUNK]) for s in range(0, n, CHUNK))
    add_s = time.perf_counter() - t
    idx.vectors = vecs
    import faiss

    faiss.omp_set_num_threads(1)
    runs = []
    for p in probes:
        idx.nprobe, idx.rerank = p, rerank
        latency(lambda q: idx.search(q)[1][0], queries[:20])  # warm the pages it reads
        times, found = latency(lambda q: idx.search(q)[1][0], queries)
        runs.append({"nprobe": p, "rerank": rerank, "recall@10": recall(found, truth),
                     "p50_ms": percentile_ms(times, 50), "p99_ms": percentile_ms(times, 99)})
        print(f"  n={n:,} nprobe={p}: recall {runs[-1]['recall@10']:.3f} "
              f"p50 {runs[-1]['p50_ms']:.2f} ms", flush=True)
    mem = idx.memory_bytes()
    file_bytes = idx.save(work / "c.ivf")
    out = {"n": n, "lists": nlist, "kmeans_iterations": iterations, "generate_s": gen_s,
           "train_s": train_s, "add_s": add_s,
           "exact_search_ms_per_query": exact_s * 1000, "index_memory_bytes": mem,
           "memory_per_million_gb": mem / n * 1e6 / 1e9, "index_file_bytes": file_bytes,
           "float32_file_bytes": vecs.nbytes, "runs": runs,
           "max_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}
    for f in work.glob("*"):
        f.unlink()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 2_000_000])
    ap.add_argument("--hnsw", type=int, nargs="*", default=[100_000, 200_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--probes", type=int, nargs="+", default=[16, 32, 64])
    ap.add_argument("--rerank", type=int, default=100)
    ap.add_argument("--dir", type=Path, default=None, help="where the vector files go")
    ap.add_argument("--name", default="scale")
    ap.add_argument("--max-lists", type=int, default=1 << 16,
                    help="at most this many inverted lists (k-means cost grows with them)")
    ap.add_argument("--iterations", type=int, default=25, help="k-means iterations")
    ap.add_argument("--no-today", action="store_true",
                    help="leave out today's HNSW and SQLite measurements")
    a = ap.parse_args()
    gen = Clustered()
    queries = Clustered().chunk(a.queries, 10**9)
    with tempfile.TemporaryDirectory(dir=a.dir) as d:
        work = Path(d)
        sqlite = None if a.no_today else sqlite_today(20_000, work)
        for f in work.glob("*"):
            f.unlink()
        hnsw = [] if a.no_today else [hnsw_today(gen, n, queries, work) for n in a.hnsw]
        comp = [compact(gen, n, queries, work, a.probes, a.rerank, a.max_lists, a.iterations)
                for n in a.sizes]
    print(table(["n", "HNSW MB/M vectors", "recall@10", "p50 ms", "build vectors/s"],
                [[h["n"], round(h["memory_per_million_gb"] * 1e3), round(h["recall@10"], 3),
                  round(h["p50_ms"], 2), round(h["build_per_s"])] for h in hnsw]))
    print(table(["n", "lists", "index MB", "nprobe", "recall@10", "p50 ms", "p99 ms"],
                [[c["n"], c["lists"], round(c["index_memory_bytes"] / 1e6), r["nprobe"],
                  round(r["recall@10"], 3), round(r["p50_ms"], 2), round(r["p99_ms"], 2)]
                 for c in comp for r in c["runs"]]))
    print(save(a.name, {"dim": DIM, "sqlite_today": sqlite, "hnsw_today": hnsw,
                        "compact": comp}))


if __name__ == "__main__":
    main()
