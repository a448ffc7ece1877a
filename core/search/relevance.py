"""Relevance: one scale for results of different kinds, and where good matches end.

Raw cosines of different kinds are not comparable: a word query scores every note higher
than any photo (text against text), a sound query scores other sounds higher than photos.
So each result's cosine ``s`` is read against the library's own items of the same kind for
the same query (``KindReference``):

- ``z``: how far ``s`` stands above that kind's scores for this query, in standard
  deviations;
- ``rank``: how many items of that kind score higher (0 for the best).

A logistic model per direction (query kind -> item kind) turns ``(10 s, z, log(1 + rank))``
into the probability that the item is relevant::

    p = sigmoid(w . features + b)

Results of all kinds are merged by ``p``; a result is a *good match* when ``p`` reaches the
query kind's threshold. Weights and thresholds are fitted for a model by
``python -m training.relevance fit`` on the independent evaluation set (never on the
real-media set, which measures the merge) and stored as plain JSON in
``resources/search/relevance.json`` under the model's id. Without a fitted entry (a model
trained by the user), ``Relevance.fallback`` merges by raw cosine as searches did before,
a good match from cosine 0.5 up.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

QUERY_KINDS = ("text", "image", "sound")
ITEM_KINDS = ("image", "sound", "note")
# What a query of each item kind is, as a query: a note is searched with its text.
QUERY_KIND_OF = {"image": "image", "sound": "sound", "note": "text", "text": "text"}
FEATURES = ("10 * cosine", "z", "log(1 + rank)")
_EPS = 1e-6


def features(s: np.ndarray, z: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """(n, 3) float64 features of n results (see the module docstring)."""
    s, z, rank = (np.asarray(a, np.float64).reshape(-1) for a in (s, z, rank))
    return np.stack([10.0 * s, z, np.log1p(np.maximum(rank, 0.0))], axis=1)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, np.float64)))


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

    def z(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, np.float64)
        if len(self.scores) < 2:
            return np.zeros_like(s)
        return (s - self.scores.mean()) / max(float(self.scores.std()), _EPS)

    def rank(self, s: np.ndarray) -> np.ndarray:
        """Estimated number of the kind's items that score above each of ``s``."""
        s = np.asarray(s, np.float64)
        if not len(self.scores):
            return np.zeros_like(s)
        above = len(self.scores) - np.searchsorted(np.sort(self.scores), s, side="right")
        return above * (self.total / len(self.scores))


@dataclass(frozen=True)
class Direction:
    """Logistic weights of one direction (query kind -> item kind)."""

    w: tuple[float, float, float]
    b: float

    def probability(self, x: np.ndarray) -> np.ndarray:
        return _sigmoid(np.asarray(x, np.float64) @ np.asarray(self.w) + self.b)


@dataclass(frozen=True)
class Relevance:
    """Per-direction weights and per-query-kind good-match thresholds of one model."""

    directions: dict[str, Direction]
    thresholds: dict[str, float]
    fitted_on: str = ""
    fitted: bool = True
    notes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def fallback(cls) -> Relevance:
        """No fitted weights: p = sigmoid(10 cosine - 5), i.e. merged by raw cosine, a good
        match from cosine 0.5 up."""
        d = Direction((1.0, 0.0, 0.0), -5.0)
        return cls({f"{q}->{i}": d for q in QUERY_KINDS for i in ITEM_KINDS},
                   {q: 0.5 for q in QUERY_KINDS}, "not fitted: merged by cosine",
                   fitted=False)

    def probability(self, query_kind: str, item_kind: str, s: np.ndarray,
                    ref: KindReference) -> np.ndarray:
        """(n,) probabilities that results with cosines ``s`` of ``item_kind`` are
        relevant to a query of ``query_kind`` (a query kind or an item kind)."""
        q = QUERY_KIND_OF[query_kind]
        return self.directions[f"{q}->{item_kind}"].probability(
            features(s, ref.z(s), ref.rank(s)))

    def threshold(self, query_kind: str) -> float:
        return float(self.thresholds[QUERY_KIND_OF[query_kind]])

    def to_dict(self) -> dict:
        return {"features": list(FEATURES), "fitted_on": self.fitted_on, "notes": self.notes,
                "thresholds": dict(self.thresholds),
                "directions": {k: {"w": list(d.w), "b": d.b} for k, d in self.directions.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> Relevance:
        """Checked: every direction present with three finite weights, thresholds in (0, 1)."""
        if list(data.get("features", [])) != list(FEATURES):
            raise ValueError(f"relevance weights are for features {data.get('features')}, "
                             f"not {list(FEATURES)}")
        dirs = {}
        for q in QUERY_KINDS:
            for i in ITEM_KINDS:
                raw = data["directions"][f"{q}->{i}"]
                w = tuple(float(x) for x in raw["w"])
                b = float(raw["b"])
                if len(w) != 3 or not all(math.isfinite(x) for x in (*w, b)):
                    raise ValueError(f"bad weights for {q}->{i}")
                dirs[f"{q}->{i}"] = Direction(w, b)  # type: ignore[arg-type]
        thresholds = {q: float(data["thresholds"][q]) for q in QUERY_KINDS}
        if not all(0.0 < t < 1.0 for t in thresholds.values()):
            raise ValueError("thresholds must lie in (0, 1)")
        return cls(dirs, thresholds, str(data.get("fitted_on", "")),
                   notes={str(k): str(v) for k, v in dict(data.get("notes", {})).items()})


def relevance_path() -> Path:
    return Path(__file__).resolve().parents[2] / "resources" / "search" / "relevance.json"


_CACHE: dict[tuple[str, str], Relevance] = {}
_LOCK = threading.Lock()


def load_relevance(model_id: str, path: Path | None = None) -> Relevance:
    """The fitted relevance of ``model_id`` (plain JSON, read once), else the fallback."""
    path = path or relevance_path()
    key = (str(path), str(model_id))
    with _LOCK:
        if key not in _CACHE:
            rel = Relevance.fallback()
            if path.exists():
                entry = json.loads(path.read_text(encoding="utf-8")).get(str(model_id))
                if entry is not None:
                    rel = Relevance.from_dict(entry)
            _CACHE[key] = rel
        return _CACHE[key]


def save_relevance(model_id: str, rel: Relevance, path: Path | None = None) -> None:
    """Store ``rel`` for ``model_id`` in the JSON file, keeping other models' entries."""
    path = path or relevance_path()
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[str(model_id)] = rel.to_dict()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
    with _LOCK:
        _CACHE.pop((str(path), str(model_id)), None)


def describe(p: float, good: bool) -> str:
    """A relevance probability in plain words, for the window and screen readers."""
    if good and p >= 0.75:
        return "strong match"
    if good:
        return "good match"
    return "possible match" if p >= 0.1 else "weak match"
