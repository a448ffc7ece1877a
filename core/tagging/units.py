"""Concept units: hidden units of the shared layers that fire for one concept in every kind.

For each unit we look at the items of the library that activate it most, per
kind, and name it after the vocabulary words whose text embedding activates
it most (relative to the other words, so that words that excite every unit
do not name them all). A unit is a *cross-kind concept unit* when

- it is selective in at least two kinds: the mean activation of its top items
  of that kind is several standard deviations above that kind's mean
  (``selectivity``); and
- its top items of different kinds resemble each other in the whole shared
  space, not only on this unit: the cosine between the centroids of the top
  items of each kind (``agreement``), after subtracting each kind's mean
  embedding (the modality gap), is high.

Such units (the paper's "dog", "water", "engine" units) are listed first,
ranked by ``min selectivity * agreement``; the others follow by their best
selectivity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

_EPS = 1e-8


@dataclass
class ConceptUnit:
    """What one unit responds to.

    top: kind -> [(item index, activation)], best first (indices into the
    arrays given to ``discover_units``); names: [(word, z-score)], best first.
    """

    unit: int
    names: list[tuple[str, float]]
    top: dict[str, list[tuple[int, float]]]
    selectivity: dict[str, float]
    agreement: float
    cross_kind: bool
    score: float = 0.0
    kinds: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The unit's automatic name: its best vocabulary word ('' without a vocabulary)."""
        return self.names[0][0] if self.names else ""


def name_units(
    word_units: np.ndarray, words: Sequence[str], n_names: int = 3
) -> list[list[tuple[str, float]]]:
    """Best words per unit: (T, U) word activations -> U lists of (word, z) pairs.

    Each word's activation vector is scaled to unit length (its pattern, not
    its strength: a word that excites every unit alike gets a small share on
    each), then each unit's shares are z-scored across the words.
    """
    w = np.asarray(word_units, np.float64)
    if w.shape[0] != len(words):
        raise ValueError(f"{w.shape[0]} rows of word activations for {len(words)} words")
    share = w / (np.linalg.norm(w, axis=1, keepdims=True) + _EPS)
    z = (share - share.mean(axis=0)) / (share.std(axis=0) + _EPS)
    out: list[list[tuple[str, float]]] = []
    for u in range(w.shape[1]):
        order = np.argsort(-z[:, u], kind="stable")[:n_names]
        out.append([(words[i], float(z[i, u])) for i in order if w[i, u] > 0])
    return out


def discover_units(
    item_units: np.ndarray,
    item_kinds: Sequence[str],
    item_embeddings: np.ndarray | None = None,
    word_units: np.ndarray | None = None,
    words: Sequence[str] = (),
    top_k: int = 5,
    n_names: int = 3,
    min_selectivity: float = 2.0,
    min_agreement: float = 0.3,
) -> list[ConceptUnit]:
    """Describe every unit; cross-kind concept units first.

    item_units: (n, U) non-negative activations of library items;
    item_kinds: n kind names; item_embeddings: (n, D) unit-norm embeddings
    for the agreement between kinds (without them, the items' unit
    activations are used instead); word_units: (T, U) activations of the
    vocabulary words' text embeddings, for names.
    """
    a = np.asarray(item_units, np.float64)
    kinds = np.asarray(item_kinds)
    if a.shape[0] != len(kinds):
        raise ValueError(f"{a.shape[0]} rows of activations for {len(kinds)} kinds")
    rep = a if item_embeddings is None else np.asarray(item_embeddings, np.float64).copy()
    names = (
        name_units(word_units, words, n_names)
        if word_units is not None and len(words)
        else [[] for _ in range(a.shape[1])]
    )
    present = [str(k) for k in sorted(set(kinds.tolist())) if (kinds == k).sum() >= 2]
    rows = {k: np.flatnonzero(kinds == k) for k in present}
    if item_embeddings is not None:
        # Kinds sit apart in the shared space (the modality gap); compare concepts, not kinds.
        for r in rows.values():
            rep[r] -= rep[r].mean(axis=0)
    units = [_describe(u, a, rows, rep, item_embeddings is None, names[u], top_k,
                       min_selectivity, min_agreement) for u in range(a.shape[1])]
    units.sort(key=lambda c: (not c.cross_kind, -c.score, c.unit))
    return units


def _describe(u: int, a: np.ndarray, rows: dict[str, np.ndarray], rep: np.ndarray,
              drop_unit: bool, names: list[tuple[str, float]], top_k: int,
              min_selectivity: float, min_agreement: float) -> ConceptUnit:
    """Unit ``u``: its top items per kind, its selectivity per kind (how far the top items
    stand above the kind's mean, in standard deviations) and the agreement between the
    kinds' top items (mean cosine of their centroids in ``rep``)."""
    top: dict[str, list[tuple[int, float]]] = {}
    sel: dict[str, float] = {}
    centroids: list[np.ndarray] = []
    for k, r in rows.items():
        col = a[r, u]
        order = np.argsort(-col, kind="stable")[:top_k]
        top[k] = [(int(i), float(a[i, u])) for i in r[order] if a[i, u] > 0]
        std = col.std()
        sel[k] = float((col[order].mean() - col.mean()) / std) if std > _EPS else 0.0
        if top[k]:
            c = rep[[i for i, _ in top[k]]].mean(axis=0)
            if drop_unit:
                c = np.delete(c, u)  # the unit itself would make the kinds agree trivially
            centroids.append(c / (np.linalg.norm(c) + _EPS))
    pairs = [float(centroids[i] @ centroids[j])
             for i in range(len(centroids)) for j in range(i + 1, len(centroids))]
    agreement = float(np.mean(pairs)) if pairs else 0.0
    selective = [k for k in rows if sel[k] >= min_selectivity and top[k]]
    cross = len(selective) >= 2 and agreement >= min_agreement
    min_sel = min((sel[k] for k in selective), default=0.0)
    score = min_sel * agreement if cross else max(sel.values(), default=0.0)
    return ConceptUnit(unit=u, names=names, top=top, selectivity=sel, agreement=agreement,
                       cross_kind=cross, score=float(score), kinds=selective)
