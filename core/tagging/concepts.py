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


def concept_units(store: Store, model: Any, vocab: TagVocabulary, unit: int | None = None,
                  top_k: int = 5, n_names: int = 3) -> list[ConceptUnitView]:
    """Every unit (or only ``unit``) with its top items per kind and automatic names."""
    ids, emb, kinds = library_embeddings(store, str(model.model_id))
    kinds_l = kinds.tolist()
    act = np.asarray(model.units(emb))
    if unit is not None and not 0 <= unit < act.shape[1]:
        raise TaggingError(f"unit {unit} does not exist; units are 0..{act.shape[1] - 1}")
    words = list(vocab.words)
    word_units = np.asarray(model.units(model.encode_texts(words)))
    found = discover_units(act, kinds_l, emb, word_units, words, top_k=top_k, n_names=n_names)
    paths = store.files.paths()
    return [_view(cu, ids, kinds_l, paths) for cu in found if unit is None or cu.unit == unit]


def _view(cu: ConceptUnit, ids: np.ndarray, kinds: list[str], paths: dict[int, str]
          ) -> ConceptUnitView:
    top = {
        k: [UnitItem(int(ids[r]), paths.get(int(ids[r]), ""), kinds[r], a) for r, a in rows]
        for k, rows in cu.top.items()
    }
    return ConceptUnitView(cu.unit, cu.name, cu.names, cu.cross_kind, cu.score, cu.agreement,
                           cu.selectivity, top)
