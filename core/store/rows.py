"""What the store hands out: plain, frozen rows (no SQL, no connection)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple


@dataclass(frozen=True)
class MediaItem:
    """One file of the library as the store knows it (``mtime`` in seconds since the epoch)."""

    id: int
    path: Path
    kind: str
    size: int
    mtime: float
    content_hash: str | None


@dataclass(frozen=True)
class FileError:
    """A file that could not be indexed, and why (``when``: seconds since the epoch)."""

    path: Path
    reason: str
    when: float


@dataclass(frozen=True)
class SegmentRow:
    """What a vector stands for: a whole image, a window of a sound, a passage of a note, a
    moment of a video (``track`` "picture": a frame at start_s = end_s; "sound": a window
    of its soundtrack)."""

    file_id: int
    start_s: float | None = None
    end_s: float | None = None
    char_start: int | None = None
    char_end: int | None = None
    track: str | None = None


class SegmentInfo(NamedTuple):
    """A segment with its file, for turning search hits into results."""

    file_id: int
    path: str
    kind: str
    start_s: float | None
    end_s: float | None
    char_start: int | None
    char_end: int | None
    folder_id: int | None
    content_hash: str | None = None  # copies of one file share it (and their vectors)
    track: str | None = None  # videos: "picture" or "sound"


class FileState(NamedTuple):
    """The indexed state of one path, for the incremental scan (a tuple: one per file)."""

    id: int
    size: int
    mtime_ns: int
    kind: str
    content_hash: str | None
    model_id: str | None
    has_error: bool


@dataclass(frozen=True)
class Tag:
    """One row of the tags table."""

    item_id: int
    name: str
    source: str
    score: float | None
    model_id: str | None
    status: str


@dataclass(frozen=True)
class ItemDetails:
    """What one file says about itself (None where it does not say, or was not read yet).
    ``date_s``: wall-clock time read as UTC seconds (see ``core.media.metadata``)."""

    item_id: int
    path: str
    kind: str
    size: int
    duration_s: float | None = None
    date_s: float | None = None
    date_source: str | None = None
    camera: str | None = None
    orientation: int | None = None
    lat: float | None = None
    lon: float | None = None
    place: str | None = None
    width: int | None = None
    height: int | None = None
    sample_rate: int | None = None
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class BrowseItem:
    """One item of a listing without a query (by folder, date or tag)."""

    item_id: int
    path: str
    kind: str
    date_s: float | None
