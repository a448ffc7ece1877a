"""Learned tags (classifier transfer): a tag taught from a few items the user marked, of
any kind, proposed for items of every kind. Classifiers are kept in the library's meta
under ``tagging.learned.<name>`` as JSON."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from core.media import KINDS
from core.store import Store
from core.tagging.classifier import LearnedTag, kind_centres, learn_tag
from core.tagging.embeddings import library_embeddings
from core.tagging.errors import TaggingError
from core.tagging.zeroshot import max_over_segments

LEARNED_PREFIX = "tagging.learned."
MAX_BACKGROUND = 2000  # unmarked library items used as soft negatives when learning a tag


def _background(kinds: np.ndarray, marked: set[int], pos_kinds: set[str]) -> np.ndarray:
    """Rows of unmarked items of the positives' kinds (a fixed sample of at most
    MAX_BACKGROUND: it estimates "the rest of the library" as well and keeps training
    fast)."""
    bg = np.array([r for r in range(len(kinds)) if r not in marked and kinds[r] in pos_kinds],
                  dtype=np.int64)
    if len(bg) > MAX_BACKGROUND:
        bg = np.sort(np.random.default_rng(0).choice(bg, MAX_BACKGROUND, replace=False))
    return bg


def train(store: Store, model_id: str, name: str, positive_ids: Sequence[int],
          negative_ids: Sequence[int]) -> tuple[LearnedTag, int, float]:
    """The classifier of tag ``name`` trained on the items' embeddings, centred per kind
    over the library, with the library's other items of the positives' kinds as
    background; returns it, the background size and the training seconds. It is saved."""
    ids, emb, kinds = library_embeddings(store, model_id)
    row_of = {int(i): r for r, i in enumerate(ids)}
    for i in [*positive_ids, *negative_ids]:
        if int(i) not in row_of:
            raise TaggingError(f"item {i} has no vectors of the current model; index it first")
    pos = np.array([row_of[int(i)] for i in positive_ids])
    neg = np.array([row_of[int(i)] for i in negative_ids], dtype=np.int64)
    bg = _background(kinds, set(pos.tolist()) | set(neg.tolist()), set(kinds[pos].tolist()))
    t0 = time.perf_counter()
    clf = learn_tag(
        name, emb[pos], kinds[pos], emb[neg], kinds[neg],
        background=emb[bg] if len(bg) else None, background_kinds=kinds[bg],
        centres=kind_centres(emb, kinds), model_id=model_id,
    )
    train_s = time.perf_counter() - t0
    store.meta.set(LEARNED_PREFIX + name, json.dumps(clf.to_dict()))
    return clf, len(bg), train_s


def learned_tags(store: Store) -> list[LearnedTag]:
    """Every classifier taught in this library, by name."""
    return [LearnedTag.from_dict(json.loads(v)) for _, v in store.meta.with_prefix(LEARNED_PREFIX)]


def load(store: Store, name: str, model_id: str) -> LearnedTag:
    """The classifier of tag ``name``; TaggingError when there is none or it was taught
    with another model."""
    raw = store.meta.get(LEARNED_PREFIX + name)
    if raw is None:
        raise TaggingError(f"no learned tag {name!r}; teach it with learn-tag first")
    clf = LearnedTag.from_dict(json.loads(raw))
    if clf.model_id and clf.model_id != model_id:
        raise TaggingError(f"learned tag {name!r} was taught with another model "
                           f"({clf.model_id}); teach it again")
    return clf


def apply(store: Store, clf: LearnedTag, model_id: str, min_score: float) -> dict[str, int]:
    """Propose ``clf``'s tag for every item where its probability (the best over the item's
    segments) is at least ``min_score``, except where the user decided; returns proposals
    per kind."""
    out: dict[str, int] = {}
    decided = store.tags.decided_names()
    for kind in KINDS:
        owners, vecs = store.segments.owners_and_vectors(kind, model_id)
        if len(owners) == 0:
            continue
        ids, inverse = np.unique(owners, return_inverse=True)
        seg_p = clf.probability(vecs, [kind] * len(vecs))
        best = max_over_segments(seg_p[:, None], inverse, len(ids))[:, 0]
        name = clf.name.casefold()
        props: dict[int, Any] = {
            int(i): ([(clf.name, float(p))] if p >= min_score
                     and name not in decided.get(int(i), set()) else [])
            for i, p in zip(ids, best, strict=True)
        }
        store.tags.replace_proposals("learned", model_id, props, clear_names=[clf.name])
        out[kind] = sum(1 for v in props.values() if v)
    return out
