"""Query latency and recall@10 of the HNSW graph against exact search, at 10k, 100k
and 1M vectors shaped like real embeddings, and memory per item.

Vectors: real text embeddings of the training corpus' captions (the default model, or
its architecture with random weights before it is trained), then mixed and noised to
reach each size: every synthetic vector is a normalised blend of two real embeddings
plus Gaussian noise, so the data keeps the clusters and the low-rank structure of real
embeddings (uniform random vectors would make recall meaningless).

    nice python -m benchmarks.bench_search [--max 1000000] [--queries 200]
"""

from __future__ import annotations

import os

# One BLAS thread: a matrix-vector product gains nothing from a second thread, and on a
# busy machine the wait for it dominated the tail latency (p99 8 ms instead of 0.3 ms).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.common import model_for_bench, percentile_ms, save, table  # noqa: E402

MANIFEST = Path.home() / ".cache" / "synesthesia" / "corpus" / "manifest.jsonl"
FALLBACK_WORDS = ("rain dog cat sea wave bell car train bird wind fire river forest city night "
                  "music church baby engine water snow mountain beach flower tree").split()


def corpus_texts(limit: int = 20000) -> list[str]:
    texts: list[str] = []
    if MANIFEST.exists():
        seen = set()
        for line in MANIFEST.read_text().splitlines():
            for t in json.loads(line).get("texts", []):
                if t not in seen and re.search("[A-Za-z]{2,}", t):
                    seen.add(t)
                    texts.append(t)
    if len(texts) < 500:  # no corpus built here: word pairs still give real embeddings
        texts += [f"{a} {b}" for a in FALLBACK_WORDS for b in FALLBACK_WORDS if a != b]
    return texts[:limit]


def synthetic(base: np.ndarray, n: int, seed: int, noise: float = 0.35) -> np.ndarray:
    """(n, D) unit vectors: blends of two real embeddings plus noise."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), np.float32)
    for s in range(0, n, 100_000):
        m = min(100_000, n - s)
        i = rng.integers(0, len(base), m)
        j = rng.integers(0, len(base), m)
        a = rng.uniform(0.6, 1.0, (m, 1)).astype(np.float32)
        x = a * base[i] + (1 - a) * base[j]
        x += noise * rng.standard_normal(x.shape).astype(np.float32) / np.sqrt(base.shape[1])
        out[s:s + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def exact_topk(x: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    s = x @ q
    part = np.argpartition(-s, k)[:k]
    return part[np.argsort(-s[part])]


def bench_size(x: np.ndarray, queries: np.ndarray, ms: list[int], efs: list[int],
               ef_construction: int) -> dict:
    import hnswlib

    n, d = x.shape
    truth = [set(exact_topk(x, q, 10).tolist()) for q in queries]
    lat = []
    for q in queries:
        t = time.perf_counter()
        exact_topk(x, q, 10)
        lat.append(time.perf_counter() - t)
    res = {"n": n, "exact": {"p50_ms": percentile_ms(lat, 50), "p99_ms": percentile_ms(lat, 99),
                             "bytes_per_item": d * 4}, "hnsw": []}
    for m in ms:
        idx = hnswlib.Index(space="ip", dim=d)
        idx.init_index(max_elements=n, M=m, ef_construction=ef_construction, random_seed=1)
        t = time.perf_counter()
        idx.add_items(x, np.arange(n), num_threads=2)
        build_s = time.perf_counter() - t
        with tempfile.TemporaryDirectory() as tmp:
            f = Path(tmp) / "i.hnsw"
            idx.save_index(str(f))
            size = f.stat().st_size
        for ef in efs:
            idx.set_ef(max(ef, 10))
            lat, hits = [], 0
            for q, tr in zip(queries, truth, strict=True):
                t = time.perf_counter()
                labels, _ = idx.knn_query(q, k=10, num_threads=1)
                lat.append(time.perf_counter() - t)
                hits += len(tr & set(labels[0].tolist()))
            res["hnsw"].append({"M": m, "ef": ef, "recall@10": hits / (10 * len(queries)),
                                "p50_ms": percentile_ms(lat, 50), "p99_ms": percentile_ms(lat, 99),
                                "build_s": build_s, "bytes_per_item": size / n})
        del idx
    return res


def engine_at_scale(x: np.ndarray, model, queries_text: list[str], queries: np.ndarray,
                    efs: list[int]) -> dict:
    """The real engine at len(x) items: SQLite store, VectorIndex built from it, and
    Library.search end to end (minus the text encoding, timed separately)."""
    from core.library import Library
    from core.search import Query

    n = len(x)
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library.open(Path(tmp) / "lib", model=model)
        t = time.perf_counter()
        with lib.store.transaction() as c:
            lib.store.meta.set("model_id", model.model_id, c)
            lib.store.meta.set("dim", str(model.dim), c)
            c.executemany("INSERT INTO files(id, path, kind, size, mtime_ns, model_id) "
                          "VALUES (?, ?, 'image', 1, 1, ?)",
                          ((i + 1, f"/photos/{i // 1000}/{i}.jpg", model.model_id)
                           for i in range(n)))
            c.executemany("INSERT INTO segments(file_id, kind, model_id, vector) "
                          "VALUES (?, 'image', ?, ?)",
                          ((i + 1, model.model_id, x[i].tobytes()) for i in range(n)))
            lib.store.meta.bump(c, ["image"])
        insert_s = time.perf_counter() - t
        t = time.perf_counter()
        idx = lib.vector_index("image")
        build_s = time.perf_counter() - t
        lib.close()
        t = time.perf_counter()
        lib = Library.open(Path(tmp) / "lib", model=model)
        idx = lib.vector_index("image")
        load_s = time.perf_counter() - t
        assert idx.last_sync == "loaded", idx.last_sync
        sweep = []
        if idx.mode == "hnsw":
            truth = [set((exact_topk(x, q, 10) + 1).tolist()) for q in queries]
            for ef in efs:
                idx._hnsw.set_ef(ef)
                lat, hits = [], 0
                for q, tr in zip(queries, truth, strict=True):
                    t = time.perf_counter()
                    labels, _ = idx._hnsw.knn_query(q, k=10, num_threads=1)
                    lat.append(time.perf_counter() - t)
                    hits += len(tr & set(labels[0].tolist()))
                sweep.append({"M": idx.m, "ef": ef, "recall@10": hits / (10 * len(queries)),
                              "p50_ms": percentile_ms(lat, 50), "p99_ms": percentile_ms(lat, 99),
                              "build_s": build_s,
                              "bytes_per_item": idx.file.stat().st_size / n})
            idx._hnsw.set_ef(idx.ef_search)
        enc, total = [], []
        for text in queries_text:
            t = time.perf_counter()
            model.encode_texts([text])
            enc.append(time.perf_counter() - t)
            t = time.perf_counter()
            lib.search(Query(text=text, kinds={"image"}), k=10)
            total.append(time.perf_counter() - t)
        after = [max(0.0, a - b) for a, b in zip(total, enc, strict=True)]
        db_bytes = sum(p.stat().st_size for p in (Path(tmp) / "lib").glob("library.sqlite*"))
        hnsw_bytes = idx.file.stat().st_size
        lib.close()
    return {"n": n, "mode": idx.mode, "M": idx.m, "ef_construction": idx.ef_construction,
            "ef_search": idx.ef_search, "sweep": sweep, "insert_s": insert_s, "build_from_sqlite_s": build_s,
            "open_and_load_s": load_s, "encode_p50_ms": percentile_ms(enc, 50),
            "search_after_encoding_p50_ms": percentile_ms(after, 50),
            "search_after_encoding_p99_ms": percentile_ms(after, 99),
            "sqlite_bytes_per_item": db_bytes / n, "hnsw_bytes_per_item": hnsw_bytes / n}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    model, what = model_for_bench()
    texts = corpus_texts()
    t = time.perf_counter()
    base = model.encode_texts(texts)
    print(f"{len(texts)} corpus texts embedded in {time.perf_counter() - t:.1f} s ({what})")
    sizes = [s for s in (10_000, 100_000, 1_000_000) if s <= args.max]
    efs = [16, 32, 64, 128, 256]
    results = {"model": what, "base_vectors": len(base), "sizes": []}
    rows = []
    for n in sizes:
        x = synthetic(base, n, seed=n)
        q = synthetic(base, args.queries, seed=7)
        # The largest size is measured once, through the engine's own index below.
        ms = [8, 16, 32] if n < sizes[-1] or n <= 100_000 else []
        r = bench_size(x, q, ms, efs, ef_construction=100)
        results["sizes"].append(r)
        rows.append([f"{n:,}", "exact (numpy)", "-", "1.000", f"{r['exact']['p50_ms']:.2f}",
                     f"{r['exact']['p99_ms']:.2f}", "-", r["exact"]["bytes_per_item"]])
        for h in r["hnsw"]:
            rows.append([f"{n:,}", f"HNSW M={h['M']}", h["ef"], f"{h['recall@10']:.3f}",
                         f"{h['p50_ms']:.3f}", f"{h['p99_ms']:.3f}", f"{h['build_s']:.1f}",
                         int(h["bytes_per_item"])])
        print(table(["vectors", "method", "ef", "recall@10", "p50 ms", "p99 ms", "build s",
                     "bytes/item"], rows[-(1 + len(r["hnsw"])):]), flush=True)
    n = sizes[-1]
    eng = engine_at_scale(synthetic(base, n, seed=n), model,
                          ["rain on a roof", "a dog barking", "sailing boats at sunset",
                           "church bells", "a steam train"] * 10,
                          synthetic(base, args.queries, seed=7), efs)
    results["engine"] = eng
    for h in eng["sweep"]:
        rows.append([f"{n:,}", f"engine HNSW M={h['M']}", h["ef"], f"{h['recall@10']:.3f}",
                     f"{h['p50_ms']:.3f}", f"{h['p99_ms']:.3f}", f"{h['build_s']:.1f}",
                     int(h["bytes_per_item"])])
    print("\nAll sizes:\n" + table(["vectors", "method", "ef", "recall@10", "p50 ms", "p99 ms",
                                    "build s", "bytes/item"], rows))
    print("\nThe engine end to end (SQLite + VectorIndex + Library.search):")
    flat = {k: v for k, v in eng.items() if k != "sweep"}
    print(table(list(flat), [[f"{v:.3f}" if isinstance(v, float) else v
                              for v in flat.values()]]))
    print(f"results: {save('search', results)}")


if __name__ == "__main__":
    main()
