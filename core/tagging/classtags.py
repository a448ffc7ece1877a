"""Tag probabilities read from the network's ImageNet classes, through WordNet.

The network's shared head gives every embedding a distribution over the 1000 ImageNet
classes (``AlignedModel.concepts``); for a photo it is trained to be the image teacher's
own (an EfficientNet trained on real photos, so its probabilities mean something on
real photos, unlike scores calibrated on the training corpus' clip-art). A tag is true of
a class when the tag's most common WordNet sense is the class or one of its hypernyms
("dog" is true of all 118 dog breeds; "coast" of the seashore), so

    p(tag | item) = sum of q(class | item) over the classes the tag is true of.

Nothing is fitted: the class-to-synset table (resources/imagenet/hypernyms.tsv) and the
words' first senses (senses.tsv) are built from WordNet 3.0 by
``python -m training.class_words``. Tags without a sense among the classes' synsets
(rain, music, birthday) get no class probability; tags true of more than half the classes
("entity", "object") say nothing about an item and get none either.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from core.resources import resource

MAX_SHARE = 0.5  # a tag true of more than this share of the classes is not informative


@lru_cache(maxsize=1)
def class_synsets() -> tuple[frozenset[str], ...]:
    """For each of the 1000 classes (teacher order), the synsets it belongs to."""
    lines = resource("imagenet", "hypernyms.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return tuple(frozenset(line.split("\t")[2].split()) for line in lines)


@lru_cache(maxsize=1)
def first_senses() -> dict[str, str]:
    """word -> its most common WordNet noun sense, for words whose sense a class has."""
    lines = resource("imagenet", "senses.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return dict(line.split("\t") for line in lines)


def sense_of(tag: str) -> str | None:
    """The synset a tag stands for: its words as WordNet writes them, else a plural's
    singular ("dogs", "buses", "berries"); None when it has none among the classes."""
    word = " ".join(tag.casefold().replace("_", " ").split())
    senses = first_senses()
    candidates = [word]
    if word.endswith("ies"):
        candidates.append(word[:-3] + "y")
    if word.endswith("es"):
        candidates.append(word[:-2])
    if word.endswith("s"):
        candidates.append(word[:-1])
    for w in candidates:
        if w in senses:
            return senses[w]
    return None


def class_tag_matrix(words: Sequence[str]) -> np.ndarray:
    """(1000, T) float32: 1 where tag t is true of class c (its sense is c or above c)."""
    classes = class_synsets()
    out = np.zeros((len(classes), len(words)), np.float32)
    for t, w in enumerate(words):
        sense = sense_of(w)
        if sense is None:
            continue
        col = np.array([sense in c for c in classes], np.float32)
        if col.mean() <= MAX_SHARE:
            out[:, t] = col
    return out


def tag_probabilities(class_probs: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """(n, 1000) class distributions, (1000, T) from ``class_tag_matrix`` -> (n, T) in [0, 1]."""
    q = np.asarray(class_probs, np.float64)
    return np.clip(q @ matrix.astype(np.float64), 0.0, 1.0)
