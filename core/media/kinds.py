"""Which kind of media a file is, decided by its extension."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

Kind = Literal["image", "sound", "note", "video"]
KINDS: tuple[Kind, ...] = ("image", "sound", "note", "video")

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".webp", ".bmp", ".tif", ".tiff",
                              ".gif"})
SOUND_EXTENSIONS = frozenset({".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac"})
NOTE_EXTENSIONS = frozenset({".txt", ".md", ".markdown"})
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"})

_BY_EXTENSION: dict[str, Kind] = {
    **{e: "image" for e in IMAGE_EXTENSIONS},
    **{e: "sound" for e in SOUND_EXTENSIONS},
    **{e: "note" for e in NOTE_EXTENSIONS},
    **{e: "video" for e in VIDEO_EXTENSIONS},
}


EXTENSION_KINDS = _BY_EXTENSION  # ".jpg" -> "image": for the scanner's inner loop


def kind_of(path: str | Path) -> Kind | None:
    """The kind of media ``path`` holds by its extension (case-insensitive), or None."""
    # os.path rather than pathlib: the scanner calls this for every file in the library.
    name = os.fspath(path)
    dot = name.rfind(".")
    if dot <= max(name.rfind("/"), name.rfind(os.sep)) + 1:  # none, or a dot file's dot
        return None
    return _BY_EXTENSION.get(name[dot:].lower())
