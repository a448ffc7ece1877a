"""The class spaces the pretrained towers speak, as texts the sentence encoder can embed."""

from __future__ import annotations

from functools import lru_cache

from core.model.pretrained import RESOURCES


@lru_cache(maxsize=1)
def imagenet_rows() -> list[tuple[str, str]]:
    """(names, definition) of the 1000 ImageNet classes in the teacher's index order."""
    rows = (RESOURCES / "imagenet" / "classes.tsv").read_text(encoding="utf-8").splitlines()[1:]
    out = []
    for row in rows:
        _, _, names, definition = row.split("\t")
        out.append((names, definition))
    return out


def class_names() -> list[str]:
    """The 1000 ImageNet class names (first WordNet lemma) in the teacher's index order."""
    return [names.split(",")[0].strip() for names, _ in imagenet_rows()]


def imagenet_texts() -> list[str]:
    """One text per ImageNet class: "name: WordNet definition"."""
    return [f"{names.split(',')[0].strip()}: {d}" for names, d in imagenet_rows()]


@lru_cache(maxsize=1)
def places_names() -> list[str]:
    """SoundNet's 401 Places scene names, readable ("apartment building, outdoor")."""
    raw = (RESOURCES / "soundnet" / "places401.txt").read_text(encoding="utf-8").split()
    return [r.replace("/", ", ").replace("_", " ") for r in raw]


def places_texts() -> list[str]:
    return [f"{n} (a place)" for n in places_names()]
