"""Training pairs from the corpus manifest: image+text, image+sound and ImageNet class texts.
Text and sound are never paired."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.model.api import RESOURCES
from training.features import ImageFeatures, SoundFeatures


def class_texts() -> list[tuple[int, str]]:
    """(class index, text) pairs for the 1000 ImageNet classes: up to three WordNet lemmas,
    a short phrase with each, and "name: definition"."""
    out = []
    rows = (RESOURCES / "imagenet" / "classes.tsv").read_text(encoding="utf-8").splitlines()[1:]
    for row in rows:
        idx, _, names, definition = row.split("\t")
        lemmas = [n.strip() for n in names.split(",") if n.strip()]
        for name in lemmas[:3]:
            out.append((int(idx), name))
            out.append((int(idx), f"a photo of a {name}"))
        out.append((int(idx), f"{lemmas[0]}: {definition}"))
    return out


def text_variants(item: dict) -> list[str]:
    """Texts that describe an image: its own texts; long keyword lists become a short phrase."""
    texts = [t for t in item.get("texts", []) if t and t.strip()]
    return texts


@dataclass
class PairSets:
    """Indices into the feature caches for one split."""

    image_text: list[tuple[int, list[str]]] = field(default_factory=list)  # (image row, texts)
    # (sound row, paired image rows, concept)
    image_sound: list[tuple[int, list[int], str]] = field(default_factory=list)

    def concepts(self) -> dict[str, list[int]]:
        by: dict[str, list[int]] = {}
        for k, (_, _, c) in enumerate(self.image_sound):
            by.setdefault(c, []).append(k)
        return by


def build_pairs(items: list[dict], imgs: ImageFeatures, snds: SoundFeatures,
                allowed_images: set[str] | None = None) -> PairSets:
    """Pairs for the items of one split. Sounds pair only with images in `allowed_images`
    (the same split), so nothing held out leaks into training."""
    iidx, sidx = imgs.index(), snds.index()
    pairs = PairSets()
    for it in items:
        if it["kind"] == "image" and it["id"] in iidx:
            texts = text_variants(it)
            if texts:
                pairs.image_text.append((iidx[it["id"]], texts))
        elif it["kind"] == "sound" and it["id"] in sidx:
            rows = [iidx[i] for i in it.get("image_ids", [])
                    if i in iidx and (allowed_images is None or i in allowed_images)]
            if rows:
                concept = (it.get("labels") or [it["id"]])[0]
                pairs.image_sound.append((sidx[it["id"]], rows, concept))
    return pairs
