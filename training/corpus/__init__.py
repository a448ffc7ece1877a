"""The offline training corpus: images, sounds and texts from Debian packages.

Build it with `python -m training.corpus build`; read it with `load_manifest`
and divide it with `split` (by group, so a stamp and its sound stay together).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from training.corpus.debs import cache_dir as corpus_dir

__all__ = ["corpus_dir", "load_manifest", "manifest_path", "split"]


def manifest_path(cache_dir: str | os.PathLike | None = None) -> Path:
    """Where the manifest is: default cache, or `cache_dir` given as the cache root
    (holding `corpus/`), the corpus folder itself, or the manifest file."""
    if cache_dir is None:
        return corpus_dir() / "manifest.jsonl"
    given = Path(cache_dir)
    for candidate in (given / "corpus" / "manifest.jsonl", given / "manifest.jsonl"):
        if candidate.exists():
            return candidate
    return given


def load_manifest(cache_dir: str | os.PathLike | None = None) -> list[dict]:
    """Items of the corpus manifest (see `manifest_path` for what `cache_dir` may be)."""
    path = manifest_path(cache_dir)
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _held_out(group: str, seed: int, fraction: float) -> bool:
    digest = hashlib.sha1(f"{seed}:{group}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def split(items: list[dict], held_out_fraction: float = 0.15,
          seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Divide items into (train, held_out) by `group`, deterministically.

    Each group lands on one side by a hash of `(seed, group)`, so the split of
    an item does not change when other items are added to the corpus.
    """
    train, held_out = [], []
    for item in items:
        side = held_out if _held_out(item["group"], seed, held_out_fraction) else train
        side.append(item)
    return train, held_out
