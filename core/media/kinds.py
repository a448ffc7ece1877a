"""Which kind of media a file is, decided by its extension."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Kind = Literal["image", "sound", "note"]
KINDS: tuple[Kind, ...] = ("image", "sound", "note")

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".webp", ".bmp", ".tif", ".tiff",
                              ".gif"})
SOUND_EXTENSIONS = frozenset({".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac"})
NOTE_EXTENSIONS = frozenset({".txt", ".md", ".markdown"})

_BY_EXTENSION: dict[str, Kind] = {
    **{e: "image" for e in IMAGE_EXTENSIONS},
    **{e: "sound" for e in SOUND_EXTENSIONS},
    **{e: "note" for e in NOTE_EXTENSIONS},
}


def kind_of(path: str | Path) -> Kind | None:
    """The kind of media ``path`` holds by its extension (case-insensitive), or None."""
    return _BY_EXTENSION.get(Path(path).suffix.lower())
