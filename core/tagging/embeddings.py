"""Library items as single vectors: an item with several segments (a long sound, a long
note) is the normalised mean of its segments."""

from __future__ import annotations

import numpy as np

from core.media import KINDS
from core.store import Store
from core.tagging.errors import TaggingError


def item_embeddings(store: Store, kind: str, model_id: str) -> tuple[np.ndarray, np.ndarray]:
    """(item ids (n,) int64, embeddings (n, D) float32 unit-norm) of every item of ``kind``
    embedded by ``model_id``."""
    owners, vecs = store.segments.owners_and_vectors(kind, model_id)
    if len(owners) == 0:
        return owners, vecs
    ids, inverse = np.unique(owners, return_inverse=True)
    sums = np.zeros((len(ids), vecs.shape[1]), np.float64)
    np.add.at(sums, inverse, vecs)
    sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-8)
    return ids, sums.astype(np.float32)


def library_embeddings(store: Store, model_id: str
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids (n,), embeddings (n, D) float32 unit-norm, kinds (n,) str) of every item of
    every kind. Raises TaggingError when nothing is indexed with ``model_id``."""
    ids_l, emb_l, kinds_l = [], [], []
    for kind in KINDS:
        ids, emb = item_embeddings(store, kind, model_id)
        if len(ids):
            ids_l.append(ids)
            emb_l.append(emb)
            kinds_l += [kind] * len(ids)
    if not ids_l:
        raise TaggingError("nothing in the library is indexed with the current model")
    return np.concatenate(ids_l), np.concatenate(emb_l), np.asarray(kinds_l)
