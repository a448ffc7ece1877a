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


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


def teacher_distribution(logits: np.ndarray) -> np.ndarray:
    """The naive baseline's image: its teacher class distribution, unit-norm."""
    return _unit(torch.softmax(torch.from_numpy(np.asarray(logits, np.float32)), dim=1).numpy())


class ClassWords:
    """The naive baseline's text: the softmax of its mean GloVe vector's cosine to the 1000
    ImageNet class names (the teacher's class space), unit-norm."""

    def __init__(self):
        from core.model.classes import class_names
        from training.glove import word_vectors

        self.wv = word_vectors()
        self.class_vecs = self.bag_of_words(class_names())

    def bag_of_words(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.wv.dim), np.float32)
        for i, t in enumerate(texts):
            rows = [r for r in (self.wv.lookup(w) for w in tokenize(t)) if r >= 0]
            if rows:
                out[i] = np.asarray(self.wv.vectors[rows]).mean(axis=0)
        return _unit(out)

    def __call__(self, texts: list[str]) -> np.ndarray:
        sim = torch.from_numpy(self.bag_of_words(texts) @ self.class_vecs.T)
        return _unit(torch.softmax(sim / 0.05, dim=1).numpy())


def composition(device: str | None = None):
    from core.model import ModelConfig, create_model

    m = create_model(ModelConfig(), device=device)
    m.name = "training-free composition"
    return m


class NaiveEncoder:
    """The naive baseline on files (the teacher runs on the images)."""

    name = "naive baseline"

    def __init__(self, model=None):
        self.m = model or composition()  # its teacher only
        self.words = ClassWords()

    def encode_images(self, paths) -> np.ndarray:
        return teacher_distribution(self.m.image_teacher_outputs(list(paths))[1])

    def encode_texts(self, texts) -> np.ndarray:
        return self.words(list(texts))

    def encode_sounds(self, paths) -> np.ndarray:
        raise NotImplementedError("the naive baseline has no sound model")


def naive(model=None) -> NaiveEncoder:
    return NaiveEncoder(model)


class BaselineEncoder:
    """The naive baseline on the training caches. It has no sound model: sound directions
    get random vectors, i.e. chance."""

    name = "naive baseline"

    def __init__(self, imgs: ImageFeatures, snds: SoundFeatures):
        self.imgs, self.words = imgs, ClassWords()
        self.rng = np.random.default_rng(0)

    def images(self, rows: list[int]) -> np.ndarray:
        return teacher_distribution(self.imgs.logits[rows])

    def texts(self, texts: list[str]) -> np.ndarray:
        return self.words(texts)

    def sounds(self, rows: list[int]) -> np.ndarray:
        return _unit(self.rng.standard_normal((len(rows), 1000)).astype(np.float32))
