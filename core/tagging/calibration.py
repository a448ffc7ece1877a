"""Turning raw zero-shot similarities into "this tag is likely" decisions.

The raw score of tag t for item i is the cosine ``s[i, t]`` between the item's
embedding and the tag's prompt embedding. Raw cosines are not comparable:

- across tags, because some tag embeddings sit near the middle of a kind's
  cloud and score high with everything ("hubs"), others score low with
  everything;
- across items, because some items are near many tags at once.

So each score is read against references:

1. **Tag z-score** ``zt = (s - mean_t) / std_t``: how unusual this score is for
   *this tag* over reference items of the same kind (the user's library, or a
   held-out set when the library is small). A common threshold on ``zt`` is a
   per-tag threshold ``mean_t + z * std_t`` on the cosine. With few reference
   items, ``mean_t``/``std_t`` are shrunk toward the statistics pooled over all
   tags (a pseudo-count of ``prior_strength`` items), so a library of five
   photos does not get a wild per-tag threshold.
2. **Item z-score** ``zi = (s - mean_i) / std_i`` over the item's own scores on
   all tags: the tag must stand out among the item's candidates.
3. **Where the tag stands among the item's candidates**: ``top`` (1 for the item's
   best tag, else 0) and ``margin``, the tag's ``zi`` minus the best ``zi`` of the
   item's other tags (positive only for the best tag; clipped to [-5, 5]). How
   often an item's best tag is right differs from how often any tag with the same
   ``zi`` is right, and a linear term in ``zi`` cannot say so.

A logistic model ``p = sigmoid(a * zt + b * zi + c * top + d * margin + e)`` maps
these to the probability that the tag applies. The weights are fitted on held-out
labelled data (``fit_calibration``; ``training/eval_tagging.py`` does it for
the default checkpoint and stores the result next to it); a tag is proposed
when ``p >= min_score`` (0.5 by default: more likely than not). Without a
fitted calibration a conservative fallback is used, documented at
``Calibration.fallback``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from core.tagging.linear import fit_logistic, sigmoid

_EPS = 1e-6


@dataclass(frozen=True)
class ScoreReference:
    """Per-tag distribution of scores over reference items of one kind.

    mean, std: (T,) float64; n: number of reference items.
    """

    mean: np.ndarray
    std: np.ndarray
    n: int

    def tag_z(self, scores: np.ndarray) -> np.ndarray:
        """(n, T) scores -> (n, T) z-scores against each tag's reference distribution."""
        return (np.asarray(scores, np.float64) - self.mean) / self.std


def reference_from_scores(scores: np.ndarray, prior_strength: float = 20.0) -> ScoreReference:
    """Per-tag mean and std of ``scores`` (n, T), shrunk toward the pooled statistics.

    With ``n`` items, the per-tag estimate gets weight ``n / (n + prior_strength)``
    and the pooled one (all tags together) the rest; for ``n == 0`` the
    reference is empty and raises ValueError.
    """
    s = np.asarray(scores, np.float64)
    if s.ndim != 2 or s.shape[0] == 0:
        raise ValueError("a score reference needs at least one item: (n, T) with n >= 1")
    n = s.shape[0]
    pooled_mean = float(s.mean())
    pooled_var = float(s.var()) + _EPS
    lam = n / (n + prior_strength)
    mean = lam * s.mean(axis=0) + (1 - lam) * pooled_mean
    var_t = s.var(axis=0) if n > 1 else np.zeros(s.shape[1])
    var = lam * var_t + (1 - lam) * pooled_var
    return ScoreReference(mean=mean, std=np.sqrt(var + _EPS), n=n)


def item_z(scores: np.ndarray) -> np.ndarray:
    """(n, T) scores -> (n, T) z-scores of each tag among the item's own scores."""
    s = np.asarray(scores, np.float64)
    return (s - s.mean(axis=1, keepdims=True)) / (s.std(axis=1, keepdims=True) + _EPS)


def item_standing(zi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, T) item z-scores -> (top, margin): 1 for each item's best tag, else 0; and each
    tag's z minus the best z of the item's other tags, clipped to [-5, 5]."""
    z = np.asarray(zi, np.float64)
    if z.shape[1] < 2:
        return np.ones_like(z), np.zeros_like(z)
    best = z.argmax(axis=1)
    top = np.zeros_like(z)
    top[np.arange(len(z)), best] = 1.0
    two = np.sort(z, axis=1)[:, -2:]  # second best, best
    other_best = np.where(top == 1.0, two[:, :1], two[:, 1:])
    return top, np.clip(z - other_best, -5.0, 5.0)


def features(scores: np.ndarray, reference: ScoreReference) -> np.ndarray:
    """(n, T) raw scores -> (n, T, 4): zt, zi, top, margin (see the module doc)."""
    zi = item_z(scores)
    top, margin = item_standing(zi)
    return np.stack([reference.tag_z(scores), zi, top, margin], axis=-1)


@dataclass(frozen=True)
class Calibration:
    """``p = sigmoid(w_tag * zt + w_item * zi + w_top * top + w_margin * margin + bias)``:
    probability that a tag applies (calibrations saved before ``top`` and ``margin`` read
    them as 0)."""

    w_tag: float
    w_item: float
    bias: float
    fitted_on: str = "fallback"
    prompts: str = "ensemble"  # how tags were embedded when fitted: "ensemble" or "word"
    w_top: float = 0.0
    w_margin: float = 0.0

    @classmethod
    def fallback(cls, n_tags: int) -> Calibration:
        """Used when no calibration was fitted for the model in use.

        p = 0.5 where ``zt + zi = 2 z*``, with ``z*`` the normal quantile that
        the best of ``n_tags`` pure-noise scores passes in only 5% of items
        (``1 - 0.05 / n_tags``). With ``zt`` and ``zi`` both at ``z*``, a tag
        stands out for its own distribution and among the item's candidates
        more than chance alone makes any tag stand out. Conservative on
        purpose: an uncalibrated model should propose little.
        """
        from statistics import NormalDist

        z = NormalDist().inv_cdf(1.0 - 0.05 / max(int(n_tags), 1))
        return cls(w_tag=1.0, w_item=1.0, bias=-2.0 * z, fitted_on="fallback")

    def probability(self, scores: np.ndarray, reference: ScoreReference) -> np.ndarray:
        """(n, T) raw cosine scores -> (n, T) probabilities in [0, 1]."""
        f = features(scores, reference)
        w = np.array([self.w_tag, self.w_item, self.w_top, self.w_margin])
        return sigmoid(f @ w + self.bias)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Calibration:
        return cls(
            w_tag=float(d["w_tag"]),
            w_item=float(d["w_item"]),
            bias=float(d["bias"]),
            fitted_on=str(d.get("fitted_on", "")),
            prompts=str(d.get("prompts", "ensemble")),
            w_top=float(d.get("w_top", 0.0)),
            w_margin=float(d.get("w_margin", 0.0)),
        )


def fit_calibration(
    scores: np.ndarray, labels: np.ndarray, reference: ScoreReference, fitted_on: str = "",
    prompts: str = "ensemble",
) -> Calibration:
    """Fit the logistic map from (tag z, item z, top, margin) to "tag applies".

    scores: (n, T) raw cosines of held-out items; labels: (n, T) bool, True
    where the tag applies; reference: the per-tag distribution to read the
    scores against (usually from the same held-out items).
    """
    x = features(scores, reference).reshape(-1, 4)
    y = np.asarray(labels, bool).reshape(-1)
    if y.all() or not y.any():
        raise ValueError("calibration needs both positive and negative labels")
    w, b = fit_logistic(x, y.astype(np.float64), l2=1e-4)
    return Calibration(w_tag=float(w[0]), w_item=float(w[1]), bias=b, fitted_on=fitted_on,
                       prompts=prompts, w_top=float(w[2]), w_margin=float(w[3]))


def save_calibrations(path: str | Path, model_id: str, by_kind: dict[str, Calibration]) -> None:
    """Write per-kind calibrations for ``model_id`` to a JSON file (merged with others there)."""
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[model_id] = {k: c.to_dict() for k, c in by_kind.items()}
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def load_calibrations(path: str | Path, model_id: str) -> dict[str, Calibration]:
    """Per-kind calibrations fitted for ``model_id``; ``{}`` when there are none."""
    path = Path(path)
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: Calibration.from_dict(v) for k, v in data.get(model_id, {}).items()}
