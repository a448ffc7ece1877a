"""Small real media made on the fly: coloured pictures, synthetic sounds, notes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import soundfile as sf

SR = 16000
CONCEPTS = {
    # name: (RGB colour, sound kind)
    "red": ((220, 30, 30), "low"),
    "blue": ((30, 40, 220), "high"),
    "green": ((30, 200, 40), "noise"),
    "yellow": ((235, 220, 30), "clicks"),
}


def picture(colour: tuple[int, int, int], seed: int, size: tuple[int, int] = (160, 200)) -> np.ndarray:
    """(H, W, 3) uint8 RGB: a colour field with a darker disc and some noise."""
    rng = np.random.default_rng(seed)
    img = np.empty((*size, 3), np.uint8)
    img[:] = colour
    h, w = size
    c = (int(rng.integers(w // 4, 3 * w // 4 + 1)), int(rng.integers(h // 4, 3 * h // 4 + 1)))
    cv2.circle(img, c, max(2, min(h, w) // 5), tuple(int(v * 0.5) for v in colour), -1)
    noise = rng.normal(0, 12, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def sound(kind: str, seed: int, seconds: float = 2.0) -> np.ndarray:
    """(n,) float32 mono at 16 kHz of one of four clearly different kinds."""
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


def write_image(path: Path, img: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return path


def write_sound(path: Path, wave: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), wave, SR)
    return path


def toy_corpus(root: Path, per_concept: int, seed: int = 0, prefix: str = "toy") -> list[dict]:
    """Manifest-style items: per concept `per_concept` images with a text and as many sounds
    paired with those images."""
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
                          "path": str(write_sound(root / f"{c}_{k}.wav", sound(kind, s))),
                          "texts": [c], "labels": [c], "image_ids": [iid], "source": "test",
                          "version": "0", "license": "CC0"})
    return items
