"""The two baselines every evaluation reports beside the trained model, as path-based encoders
(`encode_images(paths)`, `encode_sounds(paths)`, `encode_texts(texts)`, `name`):

- `composition()`: the training-free composition of the pretrained parts - image = the
  teacher's top-10 classes mixed through MiniLM embeddings of the class texts, sound =
  SoundNet's object and scene classes mapped the same way, text = MiniLM. It is exactly the
  untrained Model 2 (its shared layers start as the identity). A trained model that does not
  beat it is not worth shipping.
- `naive()`: the first project's untrained baseline - an image is its teacher class
  distribution, a text its softmaxed GloVe similarity to the class names; it has no sound side.
"""

from __future__ import annotations

import numpy as np
import torch

from training.features import ImageFeatures, SoundFeatures
from training.glove import tokenize


def composition(device: str | None = None):
    from core.model import ModelConfig, create_model

    m = create_model(ModelConfig(), device=device)
    m.name = "training-free composition"
    return m


class NaiveEncoder:
    name = "naive baseline"

    def __init__(self, model=None):
        from core.model import ModelConfig, create_model
        from core.model.classes import class_names

        self.m = model or create_model(ModelConfig())  # for the teacher only
        self._bow = BaselineEncoder.__new__(BaselineEncoder)
        from training.glove import word_vectors

        self._bow.wv = word_vectors()
        self._bow.class_vecs = self._bow._bow(class_names())

    def encode_images(self, paths) -> np.ndarray:
        import torch

        _, logits = self.m.image_teacher_outputs(list(paths))
        p = torch.softmax(torch.from_numpy(logits), dim=1).numpy()
        return p / np.maximum(np.linalg.norm(p, axis=1, keepdims=True), 1e-9)

    def encode_texts(self, texts) -> np.ndarray:
        return self._bow.texts(list(texts))

    def encode_sounds(self, paths) -> np.ndarray:
        raise NotImplementedError("the naive baseline has no sound model")


def naive(model=None) -> NaiveEncoder:
    return NaiveEncoder(model)


class BaselineEncoder:
    """The naive baseline: an image is its teacher class distribution, a text its softmaxed
    word-vector similarity to the 1000 class names. It has no sound model: sound directions
    get random vectors, i.e. chance."""

    name = "naive baseline"

    def __init__(self, imgs: ImageFeatures, snds: SoundFeatures):
        from core.model.api import class_names
        from training.glove import word_vectors

        self.imgs, self.wv = imgs, word_vectors()
        self.class_vecs = self._bow([n for n in class_names()])
        self.rng = np.random.default_rng(0)

    def _bow(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.wv.dim), np.float32)
        for i, t in enumerate(texts):
            rows = [r for r in (self.wv.lookup(w) for w in tokenize(t)) if r >= 0]
            if rows:
                out[i] = np.asarray(self.wv.vectors[rows]).mean(axis=0)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    @staticmethod
    def _unit(x: np.ndarray) -> np.ndarray:
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)

    def images(self, rows: list[int]) -> np.ndarray:
        lg = torch.from_numpy(self.imgs.logits[rows].astype(np.float32))
        return self._unit(torch.softmax(lg, dim=1).numpy())

    def texts(self, texts: list[str]) -> np.ndarray:
        sim = torch.from_numpy(self._bow(texts) @ self.class_vecs.T)
        return self._unit(torch.softmax(sim / 0.05, dim=1).numpy())

    def sounds(self, rows: list[int]) -> np.ndarray:
        return self._unit(self.rng.standard_normal((len(rows), 1000)).astype(np.float32))
