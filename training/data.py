"""Training pairs from the corpus manifest: image+text, image+sound and ImageNet class texts.
Text and sound are never paired."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from core.model.api import RESOURCES
from training.config import TrainConfig
from training.features import ImageFeatures, SoundFeatures

log = logging.getLogger("training")


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


def load_items(cfg: TrainConfig) -> list[dict]:
    from training.corpus import load_manifest, manifest_path
    from training.corpus.build import build
    from training.external import load_pair_folder

    if not manifest_path().exists():
        log.info("no corpus manifest at %s: building the corpus (Debian packages)", manifest_path())
        build(None)
    items = load_manifest()
    for folder in cfg.corpus:
        items += load_pair_folder(Path(folder))
    if cfg.sound_categories:
        keep = set(cfg.sound_categories)
        items = [i for i in items if i["kind"] != "sound" or i.get("category", "effect") in keep]
    return items


def split_items(items: list[dict], cfg: TrainConfig) -> tuple[list[dict], list[dict]]:
    from training.corpus import split

    train_items, held = split(items, held_out_fraction=cfg.held_out, seed=cfg.seed)
    # The bundled demo library is never trained on, so the demo shows unseen media.
    demo_groups = {i["group"] for i in items if i.get("demo")}
    moved = [i for i in train_items if i["group"] in demo_groups]
    return [i for i in train_items if i["group"] not in demo_groups], held + moved


def cache_root() -> Path:
    root = os.environ.get("SYNESTHESIA_CACHE") or Path.home() / ".cache" / "synesthesia"
    return Path(root) / "features"
