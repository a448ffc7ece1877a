"""A model for the window's start: text queries answered before torch is imported.

The first results for a query typed at launch waited for `import torch` (1.3 s of 1.74 on
the idle 2-core machine). ``TextFirstModel`` reads the checkpoint's shared
layers and MiniLM into numpy (``core.model.textpath``) and answers ``encode_texts`` from
them at once; anything else (images, sounds, concepts, the network itself) loads the full
``AlignedModel`` on first use, or when ``load_full`` is called in the background. Both
paths give the same embeddings within 1e-5 (tests/test_textpath.py), and the model id is
the checkpoint's, so a library indexed with the full model is searched with this one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import CheckpointError
from core.model.config import ModelConfig
from core.model.textpath import NumpyMiniLM, NumpySharedEmbed, encode_in_batches, read_checkpoint_arrays

FORMAT = "synesthesia-checkpoint"
FORMAT_VERSION = 2


def _default_checkpoint() -> Path:
    from core.resources import RESOURCES

    return RESOURCES / "models" / "default.pt"


class TextFirstModel:
    """``core.model.load_model(path, device)``'s model, with texts embedded before (and
    without) torch. Attributes other than ``model_id``, ``dim``, ``cfg``, ``meta`` and
    ``encode_texts`` are the full model's (loaded, once, on first use)."""

    runtime = "torch"

    def __init__(self, path: str | Path | None = None, device: str | None = None) -> None:
        self.path = Path(path) if path else _default_checkpoint()
        self._device = device
        if not self.path.is_file():
            raise CheckpointError(f"{self.path}: no such checkpoint; run `synesthesia train` "
                                  "or pick another file")
        ckpt = read_checkpoint_arrays(self.path)
        if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
            raise CheckpointError(f"{self.path}: not a Synesthesia checkpoint")
        if ckpt.get("format_version") != FORMAT_VERSION:
            raise CheckpointError(f"{self.path}: checkpoint format {ckpt.get('format_version')} "
                                  f"is not supported by this version (expects {FORMAT_VERSION})")
        try:
            self.cfg = ModelConfig.from_dict(ckpt["config"])
        except (KeyError, TypeError) as e:
            raise CheckpointError(f"{self.path}: its config cannot be read ({e})") from e
        self.model_id: str = ckpt["model_id"]
        self.meta = {k: v for k, v in ckpt.items() if k != "state_dict"}
        self._shared = NumpySharedEmbed(ckpt["state_dict"], self.cfg.text.word_dim)
        self._text = NumpyMiniLM()
        self._full: Any = None
        self._loading = threading.Lock()

    @property
    def dim(self) -> int:
        return self.cfg.shared.dim

    @property
    def full_loaded(self) -> bool:
        return self._full is not None

    def load_full(self) -> Any:
        """The full AlignedModel (torch), loaded once; safe to call from any thread."""
        with self._loading:
            if self._full is None:
                from core.model.api import load_model

                full = load_model(self.path, self._device)
                if full.model_id != self.model_id:  # the file was replaced meanwhile
                    raise CheckpointError(f"{self.path} changed while it was being loaded")
                self._full = full
            return self._full

    def encode_texts(self, texts: Iterable[str]) -> np.ndarray:
        """As AlignedModel.encode_texts (the full model's once it is loaded)."""
        if self._full is not None:
            return self._full.encode_texts(texts)
        return encode_in_batches(texts, self.dim, lambda b: self._shared(self._text(b)))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not set yet (during __init__) or private: no loading
            raise AttributeError(name)
        return getattr(self.load_full(), name)
