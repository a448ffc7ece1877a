"""A small real library on disk: photos, sounds and notes with distinct content."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from app.gui.services.audio import save_wav

NOTES = {
    "beach.txt": "a dog runs on the sandy beach by the sea",
    "kitchen.txt": "bread baking in a warm kitchen oven",
    "forest.txt": "wind in the tall pine trees of the forest",
}


def sound(kind: str, seconds: float = 2.0, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    if kind == "tone":
        wave = 0.5 * np.sin(2 * np.pi * 440 * t)
    elif kind == "chirp":
        wave = 0.5 * np.sin(2 * np.pi * (200 + 900 * t) * t)
    else:
        wave = 0.3 * np.random.default_rng(7).standard_normal(len(t))
    return wave.astype(np.float32)


def photo(seed: int, size: int = 96) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(6, 6, 3), dtype=np.uint8)
    return cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC)


def make_library(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in NOTES.items():
        (root / name).write_text(text + "\n")
    for i, name in enumerate(("red.png", "green.jpg", "blue.png")):
        cv2.imwrite(str(root / name), photo(i))
    for kind in ("tone", "chirp", "noise"):
        save_wav(root / f"{kind}.wav", sound(kind), 16000)
    return root
