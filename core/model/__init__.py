"""The aligned network. Importing this package does not import torch; the functions do.

    from core.model import load_model
    m = load_model()                  # default checkpoint; load_model(path) for another
    m.encode_images(paths_or_arrays)  # -> np.ndarray (n, D), rows unit-norm
    m.encode_sounds(paths_or_waveforms)
    m.encode_texts(list_of_str)
    m.concepts(embeddings)            # -> (n, 1000) class probabilities
    m.units(embeddings)               # -> (n, U) shared-layer unit activations
    m.dim, m.model_id, m.device
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.model.config import ModelConfig

if TYPE_CHECKING:
    from core.model.api import AlignedModel

__all__ = ["ModelConfig", "load_model", "load_text_first", "create_model", "save_checkpoint",
           "default_checkpoint"]


def default_checkpoint() -> Path:
    """Where the bundled checkpoint lives (it may be absent before `synesthesia train`)."""
    from core.resources import resource

    return resource("models", "default.pt")


def load_model(path: str | Path | None = None, device: str | None = None) -> AlignedModel:
    from core.model.pretrained import check_in_background

    check_in_background()  # the files' hashes while torch is imported: a shorter start-up
    from core.model.api import load_model as _load

    return _load(path, device)


def load_text_first(path: str | Path | None = None, device: str | None = None):
    """``load_model(path, device)`` for a window's start: text queries are embedded in numpy
    at once, torch and the full model are loaded on first need of anything else
    (``core.model.quick.TextFirstModel``)."""
    from core.model.quick import TextFirstModel

    return TextFirstModel(path, device)


def create_model(cfg: ModelConfig | None = None, seed: int = 0, device: str | None = None
                 ) -> AlignedModel:
    from core.model.api import create_model as _create

    return _create(cfg, seed, device)


def save_checkpoint(model: AlignedModel, path: str | Path, **meta) -> str:
    from core.model.api import save_checkpoint as _save

    return _save(model, path, **meta)
