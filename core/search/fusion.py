"""Fusing two ranked lists of items, the network's (by meaning) and full-text search's (by
words), into one: weighted reciprocal rank fusion (Cormack et al. 2009),

    score(item) = sum over lists of  weight / (K + rank in that list)     (rank from 1)

Ranks, not scores: the network's cosines and bm25's numbers are on unrelated scales (and
the network's are calibrated per kind elsewhere), so nothing here depends on them. The
weights were chosen on labelled queries (benchmarks/bench_hybrid.py; README): words count
for more than meaning, so an item holding the exact words typed is never buried under items
that only resemble them, while a query no item holds in words is ranked by the network
alone. Plain Python, no numpy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

K = 60  # the usual constant of reciprocal rank fusion: flattens the top ranks' lead


@dataclass(frozen=True)
class Fusion:
    network_weight: float = 1.0
    words_weight: float = 1.5
    k: int = K

    def fuse(self, network: Sequence[int], words: Sequence[int]) -> list[tuple[int, str]]:
        """(item id, found by: "network" | "words" | "both") of every item of either list,
        best first. Ties (equal fused scores) go to the better words rank, then the better
        network rank."""
        scores: dict[int, float] = {}
        net_rank = {item: r for r, item in enumerate(network, 1)}
        word_rank = {item: r for r, item in enumerate(words, 1)}
        for item, r in net_rank.items():
            scores[item] = self.network_weight / (self.k + r)
        for item, r in word_rank.items():
            scores[item] = scores.get(item, 0.0) + self.words_weight / (self.k + r)
        big = len(network) + len(words) + 1

        def key(item: int) -> tuple[float, int, int]:
            return (-scores[item], word_rank.get(item, big), net_rank.get(item, big))

        out = []
        for item in sorted(scores, key=key):
            by = ("both" if item in net_rank and item in word_rank
                  else "network" if item in net_rank else "words")
            out.append((item, by))
        return out


DEFAULT = Fusion()
