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
        from training.evaluate import BaselineEncoder

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
