"""The errors a user can meet. Each message names the file and what to do."""

from __future__ import annotations

from pathlib import Path


class SynesthesiaError(Exception):
    """Base of every error that core raises on purpose."""


class UnreadableMedia(SynesthesiaError):
    """A file could not be decoded: corrupt, truncated, empty, too large, or unreadable."""

    def __init__(self, path: str | Path | None, reason: str):
        self.path = None if path is None else Path(path)
        self.reason = reason
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(f"{where}{reason}")


class EmptyInput(UnreadableMedia):
    """An input with nothing to embed: an empty text, a silent zero-length sound."""


class UnsupportedFormat(UnreadableMedia):
    """A file whose kind Synesthesia does not handle (by extension or by content)."""


class ModelMismatch(SynesthesiaError):
    """Vectors or a checkpoint belong to another model than the one in use."""


class CheckpointError(SynesthesiaError):
    """A checkpoint file is missing, damaged or of an unknown format version."""


class UnsupportedLanguage(SynesthesiaError):
    """A search text with nothing the text model can read (a language or script it does not
    know); the message names what it reads and what to try instead."""
