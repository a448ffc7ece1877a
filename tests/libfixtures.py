"""Shared pieces of the library engine's tests: a small real network (random weights)
and a small media tree written to disk."""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import numpy as np

from tests.mediafiles import pattern_image, tone, write_image, write_sound

REPO = Path(__file__).resolve().parents[1]


@functools.cache
def tiny_model():
    """core.model's tiny configuration, random-initialised: real code, fast."""
    from core.model import ModelConfig, create_model

    return create_model(ModelConfig.tiny(), seed=0)


@functools.cache
def tiny_checkpoint_bytes() -> bytes:
    import tempfile

    from core.model import save_checkpoint

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "tiny.pt"
        save_checkpoint(tiny_model(), p)
        return p.read_bytes()


def tiny_checkpoint(dest: Path) -> Path:
    """The tiny model saved as a checkpoint file at ``dest`` (for the CLI)."""
    dest.write_bytes(tiny_checkpoint_bytes())
    return dest


def noise(seconds: float, seed: int, sr: int = 16000) -> np.ndarray:
    return (0.3 * np.random.default_rng(seed).standard_normal(int(seconds * sr))
            ).astype(np.float32)


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


def open_world_dir() -> Path:
    """A temporary folder every user can enter (for tests that run a process as nobody)."""
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="synesthesia-test-"))
    os.chmod(d, 0o777)
    return d


def remove_tree(d: Path) -> None:
    for root, dirs, _ in os.walk(d):
        for x in dirs:
            os.chmod(os.path.join(root, x), 0o755)
    shutil.rmtree(d, ignore_errors=True)
