"""Tag probabilities read from the network's ImageNet classes, through WordNet.

The network's shared head gives every embedding a distribution over the 1000 ImageNet
classes (``AlignedModel.concepts``); for a photo it is trained to be the image teacher's
own (an EfficientNet trained on real photos, so its probabilities mean something on
real photos, unlike scores calibrated on the training corpus' clip-art). A tag is true of
a class when the tag's sense is the class or one of its hypernyms ("dog" is true of all 118
dog breeds; "coast" of the seashore). A tag's sense is its most common WordNet noun sense;
only when no class has that one, and the tag belongs to a group of the vocabulary with a
domain in ``GROUP_ROOTS``, is it the most common later sense whose classes all lie in that
domain ("church" among places is the building, not the institution; "mouse" among animals
is never the computer mouse; "wind" in weather stays moving air, which no class is). So

    p(tag | item) = sum of q(class | item) over the classes the tag is true of.

Nothing is fitted: the class-to-synset table (resources/imagenet/hypernyms.tsv) and the
words' senses (senses.tsv) are built from WordNet 3.0 by
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
ANIMAL, ARTIFACT, LOCATION = "00015388", "00021939", "00027167"
GEOLOGICAL_FORMATION, MUSICAL_INSTRUMENT = "09287968", "03800933"
# The WordNet domain of a vocabulary group (resources/vocab/default.txt): where a tag of the
# group may take a later sense. Groups not named here keep the first sense only.
GROUP_ROOTS: dict[str, tuple[str, ...]] = {
    "animals": (ANIMAL,),
    "places": (LOCATION, ARTIFACT, GEOLOGICAL_FORMATION),  # structures are artifacts
    "music": (MUSICAL_INSTRUMENT,),
    "vehicles and machines": (ARTIFACT,),
    "objects": (ARTIFACT,),
}


@lru_cache(maxsize=1)
def class_synsets() -> tuple[frozenset[str], ...]:
    """For each of the 1000 classes (teacher order), the synsets it belongs to."""
    lines = resource("imagenet", "hypernyms.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return tuple(frozenset(line.split("\t")[2].split()) for line in lines)


@lru_cache(maxsize=1)
def word_senses() -> dict[str, tuple[str | None, tuple[str, ...]]]:
    """word -> (its most common WordNet noun sense if a class has it, else None; its later
    senses that a class has, most common first)."""
    out = {}
    for line in resource("imagenet", "senses.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        word, first, later = line.split("\t")
        out[word] = (None if first == "-" else first, tuple(later.split()))
    return out


def _in_domain(sense: str, roots: tuple[str, ...]) -> bool:
    """Every class the sense is true of lies below one of ``roots``."""
    below = [c for c in class_synsets() if sense in c]
    return bool(below) and all(c.intersection(roots) for c in below)


def sense_of(tag: str, group: str = "") -> str | None:
    """The synset a tag stands for (see the module doc), found under its words as WordNet
    writes them, else a plural's singular ("dogs", "buses", "berries"); None when it has
    none among the classes."""
    word = " ".join(tag.casefold().replace("_", " ").split())
    senses = word_senses()
    candidates = [word]
    if word.endswith("ies"):
        candidates.append(word[:-3] + "y")
    if word.endswith("es"):
        candidates.append(word[:-2])
    if word.endswith("s"):
        candidates.append(word[:-1])
    roots = GROUP_ROOTS.get(group, ())
    for w in candidates:
        first, later = senses.get(w, (None, ()))
        sense = first or next((s for s in later if roots and _in_domain(s, roots)), None)
        if sense is not None:
            return sense
    return None


def class_tag_matrix(words: Sequence[str], groups: Sequence[str] = ()) -> np.ndarray:
    """(1000, T) float32: 1 where tag t is true of class c (its sense is c or above c).
    ``groups``: each word's vocabulary group (``TagVocabulary.groups``), or none."""
    classes = class_synsets()
    out = np.zeros((len(classes), len(words)), np.float32)
    for t, w in enumerate(words):
        sense = sense_of(w, groups[t] if t < len(groups) else "")
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
