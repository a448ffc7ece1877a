"""The errors of tagging a user can meet; each message says what to do."""

from __future__ import annotations

from pathlib import Path

from core.errors import SynesthesiaError


class TaggingError(SynesthesiaError):
    """A tagging request that cannot be carried out (unknown item, nothing indexed, ...)."""


class SidecarError(SynesthesiaError):
    """A sidecar could not be read or written."""

    def __init__(self, path: str | Path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class SidecarUnreadable(SidecarError):
    """An existing sidecar is not XMP we can parse; it is left as it is."""


class SidecarNotWritable(SidecarError):
    """The sidecar or its folder is read-only (or the disk refused the write)."""
