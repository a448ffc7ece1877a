"""Learning a user's tag from a few examples, and applying it to every kind of item.

The user marks a few items as "rainy day" (and, optionally, some as not). A
logistic regression in the shared space separates them; because images,
sounds and notes live in one space, the classifier trained on photos also
scores sounds and notes.

Two things make the transfer work in practice:

- **Modality centring.** Embeddings of different kinds form separate clouds
  in the shared space (the "modality gap"), offset from each other by a
  roughly constant vector. A classifier trained on photos alone would partly
  learn "is a photo". So every embedding has the mean embedding of its kind
  subtracted (means over the user's library) and is re-normalised before the
  classifier sees it; the concept direction is what remains.
- **Background negatives.** With no or few explicit negatives, items of the
  library that the user did not mark, of the same kinds as the positives,
  serve as negatives with a lower total weight: most of a library is not a
  "rainy day", and the few that are only soften the boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from core.tagging.linear import fit_logistic, sigmoid


def kind_centres(embeddings: np.ndarray, kinds: Sequence[str]) -> dict[str, np.ndarray]:
    """Mean embedding of each kind: (n, D) embeddings, n kinds -> {kind: (D,) float32}."""
    e = np.asarray(embeddings, np.float32)
    k = np.asarray(kinds)
    return {str(kind): e[k == kind].mean(axis=0) for kind in np.unique(k)}


def centre(
    embeddings: np.ndarray, kinds: Sequence[str], centres: dict[str, np.ndarray] | None
) -> np.ndarray:
    """Subtract each row's kind centre and re-normalise: (n, D) -> (n, D) float32 unit-norm.

    Rows of a kind without a centre are only re-normalised.
    """
    e = np.array(embeddings, dtype=np.float32, copy=True)
    if centres:
        for kind, c in centres.items():
            rows = np.asarray(kinds) == kind
            e[rows] -= np.asarray(c, np.float32)
    return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-8)


@dataclass
class LearnedTag:
    """A linear classifier for one user tag in the shared space.

    ``weights`` (D,), ``bias``; ``centres`` maps kind -> (D,) centre applied before it.
    """

    name: str
    weights: np.ndarray
    bias: float
    centres: dict[str, np.ndarray] = field(default_factory=dict)
    model_id: str = ""
    n_positive: int = 0
    n_negative: int = 0
    n_background: int = 0

    def decision(self, embeddings: np.ndarray, kinds: Sequence[str]) -> np.ndarray:
        """(n, D) embeddings of the given kinds -> (n,) logits."""
        x = centre(embeddings, kinds, self.centres)
        return x.astype(np.float64) @ self.weights + self.bias

    def probability(self, embeddings: np.ndarray, kinds: Sequence[str]) -> np.ndarray:
        """(n, D) embeddings -> (n,) probability that the tag applies."""
        return sigmoid(self.decision(embeddings, kinds))

    def to_dict(self) -> dict:
        """A JSON-ready form (lists of floats) to keep the classifier in the store."""
        return {
            "name": self.name,
            "weights": [float(v) for v in self.weights],
            "bias": float(self.bias),
            "centres": {k: [float(v) for v in c] for k, c in self.centres.items()},
            "model_id": self.model_id,
            "n_positive": self.n_positive,
            "n_negative": self.n_negative,
            "n_background": self.n_background,
        }

    @classmethod
    def from_dict(cls, d: dict) -> LearnedTag:
        return cls(
            name=d["name"],
            weights=np.asarray(d["weights"], np.float64),
            bias=float(d["bias"]),
            centres={k: np.asarray(v, np.float32) for k, v in d.get("centres", {}).items()},
            model_id=d.get("model_id", ""),
            n_positive=int(d.get("n_positive", 0)),
            n_negative=int(d.get("n_negative", 0)),
            n_background=int(d.get("n_background", 0)),
        )


def _example_weights(n_pos: int, n_neg: int, n_bg: int, background_weight: float
                     ) -> np.ndarray:
    """(n_pos + n_neg + n_bg,) weights: positives and negatives have equal total weight;
    the background takes ``background_weight`` of the negatives' share when both exist."""
    w_pos = np.full(n_pos, 1.0 / n_pos)
    if n_neg and n_bg:
        w_neg = np.full(n_neg, (1.0 - background_weight) / n_neg)
        w_bg = np.full(n_bg, background_weight / n_bg)
    elif n_neg:
        w_neg, w_bg = np.full(n_neg, 1.0 / n_neg), np.zeros(0)
    else:
        w_neg, w_bg = np.zeros(0), np.full(n_bg, 1.0 / n_bg)
    return np.concatenate([w_pos, w_neg, w_bg])


def learn_tag(
    name: str,
    positives: np.ndarray,
    positive_kinds: Sequence[str],
    negatives: np.ndarray | None = None,
    negative_kinds: Sequence[str] = (),
    background: np.ndarray | None = None,
    background_kinds: Sequence[str] = (),
    centres: dict[str, np.ndarray] | None = None,
    background_weight: float = 0.5,
    l2: float = 1e-2,
    model_id: str = "",
) -> LearnedTag:
    """Train a classifier for tag ``name``.

    positives: (p, D) unit-norm embeddings the user marked, of kinds
    ``positive_kinds``; negatives: (q, D) marked as not; background: (r, D)
    unmarked library items used as soft negatives (their total weight is
    ``background_weight`` times that of the positives). ``centres`` are the
    per-kind means subtracted before training and applying (see module doc);
    pass ``kind_centres`` of the library, or None to skip centring.
    Positives and negatives get equal total weight. Takes milliseconds for
    D = 256 and a few thousand examples.
    """
    pos = np.asarray(positives, np.float32).reshape(-1, np.asarray(positives).shape[-1])
    if len(pos) == 0:
        raise ValueError(f"learning {name!r} needs at least one positive example")
    if len(positive_kinds) != len(pos):
        raise ValueError("give one kind per positive example")
    d = pos.shape[1]
    neg = np.zeros((0, d), np.float32) if negatives is None else np.asarray(negatives, np.float32)
    bg = np.zeros((0, d), np.float32) if background is None else np.asarray(background, np.float32)
    if len(neg) == 0 and len(bg) == 0:
        raise ValueError(
            f"learning {name!r} needs negative examples or other library items as background"
        )
    x = np.concatenate(
        [
            centre(pos, positive_kinds, centres),
            centre(neg, list(negative_kinds), centres),
            centre(bg, list(background_kinds), centres),
        ]
    )
    y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg)), np.zeros(len(bg))])
    weights = _example_weights(len(pos), len(neg), len(bg), background_weight)
    w, b = fit_logistic(x, y, weights, l2=l2)
    return LearnedTag(
        name=name,
        weights=w,
        bias=b,
        centres={k: np.asarray(v, np.float32) for k, v in (centres or {}).items()},
        model_id=model_id,
        n_positive=len(pos),
        n_negative=len(neg),
        n_background=len(bg),
    )
