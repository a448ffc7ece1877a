"""Concept units: the shared layers' units with the library items that activate them
most, per kind, and names from the vocabulary; cross-kind concept units first."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.store import Store
from core.tagging.embeddings import library_embeddings
from core.tagging.errors import TaggingError
from core.tagging.reports import ConceptUnitView, UnitItem
from core.tagging.units import ConceptUnit, discover_units
from core.tagging.vocabulary import TagVocabulary
from core.tagging.zeroshot import ZeroShotTagger, encode_texts_cached


def concept_units(store: Store, model: Any, vocab: TagVocabulary, unit: int | None = None,
                  top_k: int = 5, n_names: int = 3) -> list[ConceptUnitView]:
    """Every unit (or only ``unit``) with its top items per kind and automatic names."""
    ids, emb, kinds = library_embeddings(store, str(model.model_id))
    kinds_l = kinds.tolist()
    act = np.asarray(model.units(emb))
    if unit is not None and not 0 <= unit < act.shape[1]:
        raise TaggingError(f"unit {unit} does not exist; units are 0..{act.shape[1] - 1}")
    words = list(vocab.words)
    word_units = np.asarray(model.units(encode_texts_cached(model, words)))
    found = discover_units(act, kinds_l, emb, word_units, words, top_k=top_k, n_names=n_names)
    _name_by_items(found, emb, kinds_l, ZeroShotTagger(model, vocab), n_names)
    paths = store.files.paths()
    return [_view(cu, ids, kinds_l, paths) for cu in found if unit is None or cu.unit == unit]


def _name_by_items(units: list[ConceptUnit], emb: np.ndarray, kinds: list[str],
                   tagger: ZeroShotTagger, n_names: int) -> None:
    """Names each unit after what its top items are: the vocabulary words that stand out
    most among each top item's zero-shot tag scores (z over the item's tags, prompts of
    its kind), averaged over the unit's top items of every kind. (Naming a unit after the
    words that activate it, ``units.name_units``, gave names right for 1.0% of the top
    items of a real folder against 0.3% by chance: the units of Model 2's shared layers
    are not word-like.)"""
    words = list(tagger.vocab.words)
    for cu in units:
        zs = []
        for kind, rows in cu.top.items():
            if not rows:
                continue
            s = tagger.scores(emb[[i for i, _ in rows]], kind).astype(np.float64)
            zs.append((s - s.mean(axis=1, keepdims=True)) / (s.std(axis=1, keepdims=True)
                                                            + 1e-8))
        if not zs:
            continue
        z = np.concatenate(zs).mean(axis=0)
        order = np.argsort(-z, kind="stable")[:n_names]
        cu.names = [(words[t], float(z[t])) for t in order]


def _view(cu: ConceptUnit, ids: np.ndarray, kinds: list[str], paths: dict[int, str]
          ) -> ConceptUnitView:
    top = {
        k: [UnitItem(int(ids[r]), paths.get(int(ids[r]), ""), kinds[r], a) for r, a in rows]
        for k, rows in cu.top.items()
    }
    return ConceptUnitView(cu.unit, cu.name, cu.names, cu.cross_kind, cu.score, cu.agreement,
                           cu.selectivity, top)


def no_cross_kind_units(n_units: int) -> str:
    """What the panel (and the command line) says when no unit is a cross-kind concept."""
    return (f"None of the network's {n_units} units fires for the same concept in photos, "
            "sounds and notes of this library, so no concept units are shown: their names "
            "would not match what they respond to. To find things by a word, search for it, "
            "or use Auto-tag and Teach a tag.")
