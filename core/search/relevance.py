"""Relevance: results of different kinds on one scale, and where good matches end.

Raw cosines of different kinds are not comparable: a word query scores every note higher
than any photo (text against text), a sound query scores other sounds higher than photos.
So each result's cosine ``s`` is read against the library's own items of the same kind for
the same query (``KindReference``, a fixed sample of the kind's items):

- ``z``: how many standard deviations ``s`` stands above that kind's scores for this
  query. Results of all kinds are merged by ``z``.
- ``top``: the share of the kind's items scoring at least as high ("top 2% of photos").

A result is a *good match* from ``GOOD_Z`` standard deviations up (a strong one from
``STRONG_Z``): the usual three-sigma rule, set once and not fitted. Nothing here is fitted
on data: the real-media evaluation set measures it (``python -m training.relevance``), and
the sets reserved for evaluation are never used to choose it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GOOD_Z = 3.0
STRONG_Z = 4.0
# A cosine this high is the query's own content (a copy, or the dropped file itself).
SAME_SCORE = 0.98
# Below this many reference items a kind's own spread says little: its scores are read
# against the items of every kind searched together (``pooled``).
MIN_REFERENCE = 8
# The smallest spread a kind's scores are taken to have (cosine units): a library whose
# items all score alike would otherwise turn a tiny difference into a huge z.
MIN_STD = 0.02


@dataclass(frozen=True)
class KindReference:
    """The best-segment scores of a sample of one kind's items, for one query: ``scores``
    (n,) float64 over the ``n`` sampled items of the ``total`` the kind holds."""

    scores: np.ndarray
    total: int

    @classmethod
    def of(cls, query: np.ndarray, owners: np.ndarray, vectors: np.ndarray, total: int
           ) -> KindReference:
        """From a sample of segments (``owners`` (s,) item ids, ``vectors`` (s, D)): each
        sampled item scores its best segment."""
        if not len(owners):
            return cls(np.zeros(0), int(total))
        seg = np.asarray(vectors, np.float32) @ np.asarray(query, np.float32).reshape(-1)
        _, inverse = np.unique(owners, return_inverse=True)
        best = np.full(int(inverse.max()) + 1, -np.inf)
        np.maximum.at(best, inverse, seg.astype(np.float64))
        return cls(best, max(int(total), len(best)))

    @classmethod
    def pooled(cls, refs: list[KindReference]) -> KindReference:
        scores = np.concatenate([r.scores for r in refs]) if refs else np.zeros(0)
        return cls(scores, max(len(scores), sum(r.total for r in refs)))

    def z(self, s: np.ndarray) -> np.ndarray:
        """Each of ``s`` against the other items: a result in the sample is left out of its
        own reference (leave-one-out), so that an item that stands out in a small library
        is not hidden by its own share of the spread."""
        s = np.asarray(s, np.float64)
        n = len(self.scores)
        if n == 0:
            return np.zeros_like(s)
        ordered = np.sort(self.scores)
        at = np.clip(np.searchsorted(ordered, s), 0, n - 1)
        inside = (np.abs(ordered[at] - s) <= 1e-6) & (n > 2)
        total, squares = self.scores.sum(), (self.scores ** 2).sum()
        m = np.where(inside, n - 1, n)
        mean = (total - np.where(inside, s, 0.0)) / m
        var = (squares - np.where(inside, s * s, 0.0)) / m - mean ** 2
        return (s - mean) / np.maximum(np.sqrt(np.maximum(var, 0.0)), MIN_STD)

    def top(self, s: np.ndarray) -> np.ndarray:
        """The share of the kind's items scoring at least as high as each of ``s`` (the
        best of ten items: 0.1), in (0, 1]."""
        s = np.asarray(s, np.float64)
        if not len(self.scores):
            return np.ones_like(s)
        n = len(self.scores)
        higher = n - np.searchsorted(np.sort(self.scores), s, side="right")
        return np.minimum(1.0, (higher + 1) / n)


def references(refs: dict[str, KindReference]) -> dict[str, KindReference]:
    """Each kind's reference, or the pooled one of all kinds for a kind with too few items."""
    small = [k for k, r in refs.items() if len(r.scores) < MIN_REFERENCE]
    if not small:
        return refs
    pooled = KindReference.pooled(list(refs.values()))
    return {k: (pooled if k in small else r) for k, r in refs.items()}


def describe(z: float) -> str:
    """A relevance in plain words, for the window and screen readers."""
    if z >= STRONG_Z:
        return "strong match"
    if z >= GOOD_Z:
        return "good match"
    return "possible match" if z >= 2.0 else "weak match"


def standing(top: float, kind_words: str) -> str:
    """e.g. "top 2% of photos": where a result stands among its kind's items."""
    return f"top {max(1, int(np.ceil(100.0 * float(top) - 1e-9)))}% of {kind_words}"
