"""Index memory for large libraries: what `synesthesia stats` says the search indexes hold
in memory, and the compact index (8-bit vectors in an inverted file, re-ranked exactly)
against exact search on clustered vectors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from core.library import Library


def test_stats_show_what_the_indexes_hold_in_memory(tmp_path: Path, tiny_model, tree,
                                                    capsys) -> None:
    media, _ = tree
    with Library.open(tmp_path / "lib", model=tiny_model) as lib:
        lib.add_folder(media)
        lib.index()
        exact = lib.stats()["indexes"]
        assert exact["image"]["searched_by"] == "exact" and exact["image"]["file_bytes"] == 0
        assert exact["image"]["memory_bytes"] == exact["image"]["vectors"] * tiny_model.dim * 4
        lib.exact_max = 0  # every kind as an HNSW graph
        lib.vector_index("image")
        graph = lib.stats()["indexes"]["image"]
    assert graph["searched_by"] == "graph"
    assert graph["memory_bytes"] == graph["file_bytes"] == (tmp_path / "lib" / "image.hnsw"
                                                            ).stat().st_size
    assert main(["--library", str(tmp_path / "lib"), "stats", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["index_memory_bytes"] == sum(x["memory_bytes"] for x in out["indexes"].values())
    assert main(["--library", str(tmp_path / "lib"), "stats"]) == 0
    assert "MB in memory when searched" in capsys.readouterr().out


def test_compact_index_finds_what_exact_search_finds(tmp_path: Path) -> None:
    pytest.importorskip("faiss")
    from benchmarks.bench_scale import Clustered, exact_top, recall
    from core.store.ivf import CompactIndex

    gen = Clustered(topics=50, subtopics=1000)  # ~30 items a sub-topic, as at 1.5M items
    vecs = gen.write(tmp_path / "v.npy", 30_000)
    queries = gen.chunk(50, 10**9)
    idx = CompactIndex.train(np.asarray(vecs[:10_000]), len(vecs))
    idx.add(np.asarray(vecs[s:s + 10_000]) for s in range(0, len(vecs), 10_000))
    idx.vectors = vecs
    scores, found = idx.search(queries, k=10)
    assert recall(found, exact_top(vecs, queries)) >= 0.95
    np.testing.assert_allclose(scores[:, 0], np.max(queries @ np.asarray(vecs).T, axis=1),
                               atol=1e-5)  # the scores are exact, not the 8-bit ones
    assert idx.memory_bytes() < vecs.nbytes / 3
    assert idx.save(tmp_path / "c.ivf") > 0
    again = CompactIndex.load(tmp_path / "c.ivf", vecs)
    assert np.array_equal(again.search(queries, k=10)[1], found)
