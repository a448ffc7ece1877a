"""Media for the tests, made on the fly and written to disk with the same libraries users'
files come from (the writers are tools/mediagen.py, shared with the benchmarks):

- sounds and pictures: ``tone``, ``noise``, ``pattern_image``, ``picture`` (a colour field
  with a disc), ``concept_sound`` (four clearly different kinds), ``demo_sound`` (tone,
  chirp, noise);
- trees: ``make_tree`` (photos in two folders, sounds, notes: the engine's tests),
  ``make_library`` (a small library with distinct content: the GUI's tests),
  ``toy_corpus`` (manifest items of four concepts: training's tests);
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tools.mediagen import SR, noise, pattern_image, tone, write_image, write_sound

__all__ = ["CONCEPTS", "NOTES", "SR", "concept_sound", "demo_sound", "make_library",
           "make_tree", "noise", "pattern_image", "picture", "tone", "toy_corpus", "write_image",
           "write_sound"]

CONCEPTS = {
    # name: (RGB colour, concept_sound kind)
    "red": ((220, 30, 30), "low"),
    "blue": ((30, 40, 220), "high"),
    "green": ((30, 200, 40), "noise"),
    "yellow": ((235, 220, 30), "clicks"),
}
NOTES = {
    "beach.txt": "a dog runs on the sandy beach by the sea",
    "kitchen.txt": "bread baking in a warm kitchen oven",
    "forest.txt": "wind in the tall pine trees of the forest",
}


# -- single pieces of media ---------------------------------------------------------------
def picture(colour: tuple[int, int, int], seed: int, size: tuple[int, int] = (160, 200)
            ) -> np.ndarray:
    """(H, W, 3) uint8 RGB: a colour field with a darker disc and some noise."""
    rng = np.random.default_rng(seed)
    img = np.empty((*size, 3), np.uint8)
    img[:] = colour
    h, w = size
    c = (int(rng.integers(w // 4, 3 * w // 4 + 1)), int(rng.integers(h // 4, 3 * h // 4 + 1)))
    cv2.circle(img, c, max(2, min(h, w) // 5), tuple(int(v * 0.5) for v in colour), -1)
    jitter = rng.normal(0, 12, img.shape)
    return np.clip(img + jitter, 0, 255).astype(np.uint8)


def concept_sound(kind: str, seed: int, seconds: float = 2.0) -> np.ndarray:
    """(n,) float32 mono at 16 kHz of one of four clearly different kinds: "low", "high",
    "noise", "clicks"."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    if kind == "low":
        w = np.sin(2 * np.pi * rng.uniform(180, 260) * t)
    elif kind == "high":
        w = np.sin(2 * np.pi * rng.uniform(2500, 3500) * t)
    elif kind == "noise":
        w = rng.normal(0, 0.5, t.shape)
    else:
        w = np.zeros_like(t)
        w[:: int(SR / rng.uniform(8, 14))] = 1.0
    return (0.4 * w / max(np.abs(w).max(), 1e-6)).astype(np.float32)


def demo_sound(kind: str, seconds: float = 2.0, rate: int = SR) -> np.ndarray:
    """(n,) float32: "tone" (440 Hz), "chirp" (rising) or anything else (noise, seed 7)."""
    t = np.arange(int(seconds * rate)) / rate
    if kind == "tone":
        wave = 0.5 * np.sin(2 * np.pi * 440 * t)
    elif kind == "chirp":
        wave = 0.5 * np.sin(2 * np.pi * (200 + 900 * t) * t)
    else:
        wave = 0.3 * np.random.default_rng(7).standard_normal(len(t))
    return wave.astype(np.float32)


# -- trees of files -----------------------------------------------------------------------
def make_tree(root: Path, images: int = 4, sounds: int = 2, notes: int = 2) -> dict[str, Path]:
    """A small library: images in two folders, sounds, notes; returns name -> path."""
    out: dict[str, Path] = {}
    (root / "photos" / "2024").mkdir(parents=True, exist_ok=True)
    (root / "sounds").mkdir(exist_ok=True)
    (root / "notes").mkdir(exist_ok=True)
    for i in range(images):
        sub = root / "photos" / ("2024" if i % 2 else "")
        out[f"img{i}"] = write_image(sub / f"img{i}.jpg", pattern_image(120, 160, seed=i))
    for i in range(sounds):
        out[f"snd{i}"] = write_sound(root / "sounds" / f"snd{i}.flac",
                                     tone(2.0, 220.0 * (i + 1)))
    for i in range(notes):
        p = root / "notes" / f"note{i}.md"
        p.write_text(f"Note {i}: the river runs past the mill number {i}.\n", encoding="utf-8")
        out[f"note{i}"] = p
    return out


def make_library(root: Path) -> Path:
    """Three notes (NOTES), three photos and three sounds (tone, chirp, noise) in ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in NOTES.items():
        (root / name).write_text(text + "\n")
    for i, name in enumerate(("red.png", "green.jpg", "blue.png")):
        write_image(root / name, pattern_image(96, 96, seed=i, cells=6))
    for kind in ("tone", "chirp", "noise"):
        write_sound(root / f"{kind}.wav", demo_sound(kind))
    return root


def toy_corpus(root: Path, per_concept: int, seed: int = 0, prefix: str = "toy") -> list[dict]:
    """Manifest-style items: per concept ``per_concept`` images with a text and as many
    sounds paired with those images."""
    items = []
    for c, (colour, kind) in CONCEPTS.items():
        for k in range(per_concept):
            s = seed * 1000 + k
            iid = f"{prefix}:{c}:img{k}"
            items.append({"id": iid, "kind": "image", "group": iid, "labels": [c],
                          "path": str(write_image(root / f"{c}_{k}.png", picture(colour, s))),
                          "texts": [f"a {c} picture", f"something {c}"], "source": "test",
                          "version": "0", "license": "CC0"})
            items.append({"id": f"{prefix}:{c}:snd{k}", "kind": "sound", "group": iid,
                          "path": str(write_sound(root / f"{c}_{k}.wav",
                                                  concept_sound(kind, s))),
                          "texts": [c], "labels": [c], "image_ids": [iid], "source": "test",
                          "version": "0", "license": "CC0"})
    return items

