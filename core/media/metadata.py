"""What a file says about itself, read with kept libraries (no parsers of our own):

- photos: date taken, camera, orientation, GPS position and size, from EXIF through Pillow
  (``Image.getexif``; only the header is read, the pixels are not decoded);
- sounds: duration, sample rate, title, artist and album, through mutagen;
- notes: a title (the first heading or line);
- videos: date recorded, camera, position, title, length and size, from the container's
  tags through PyAV.

Reading never raises for a file's content: a photo without EXIF or a sound without tags
gives the fields it has and None for the rest. The place name of a GPS position is looked
up separately (``places.py``), in one batch per indexing run."""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DESCRIPTION, _MAKE, _MODEL, _ORIENTATION, _DATETIME = 270, 271, 272, 274, 306
_DATETIME_ORIGINAL, _DATETIME_DIGITIZED = 36867, 36868
_EXIF_DATE = re.compile(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
TITLE_CHARS = 120


@dataclass(frozen=True)
class Metadata:
    """Fields of one file; None where the file does not say. ``date_s`` is a wall-clock
    time as seconds since the epoch read as UTC (the camera's clock, or the file's
    modification time in local time), so months and years group as the person saw them."""

    date_s: float | None = None
    date_source: str | None = None  # "taken" (EXIF) or "modified" (the file's time)
    camera: str | None = None
    orientation: int | None = None
    lat: float | None = None
    lon: float | None = None
    place: str | None = None
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    sample_rate: int | None = None
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    description: str | None = None

    def with_place(self, place: str | None) -> Metadata:
        return replace(self, place=place)

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def wall_clock(epoch_s: float) -> float:
    """A moment (seconds since the epoch) as this machine's local wall clock read as UTC."""
    return float(calendar.timegm(time.localtime(epoch_s)))


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = " ".join(value.replace("\x00", " ").split())
    return value[:500] or None


def _exif_date(value: object) -> float | None:
    m = _EXIF_DATE.match(_text(value) or "")
    if m is None:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups())
    if not (1800 < y < 2200 and 1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s < 61):
        return None
    return float(calendar.timegm((y, mo, d, h, mi, min(s, 59), 0, 0, 0)))


def _degrees(dms: object, ref: object) -> float | None:
    try:
        d, m, s = (float(x) for x in dms)  # type: ignore[union-attr]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    if (_text(ref) or "").upper() in ("S", "W"):
        value = -value
    return value


def _gps(gps: dict) -> tuple[float | None, float | None]:
    lat, lon = _degrees(gps.get(2), gps.get(1)), _degrees(gps.get(4), gps.get(3))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    if lat == 0 and lon == 0:  # "no fix" written as zeros by some phones
        return None, None
    return lat, lon


def _camera(make: str | None, model: str | None) -> str | None:
    if make and model and model.lower().startswith(make.split()[0].lower()):
        return model  # "Canon" + "Canon EOS 5D" -> "Canon EOS 5D"
    return " ".join(x for x in (make, model) if x) or None


def image_metadata(path: str | Path) -> Metadata:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            width, height = im.size
            exif = im.getexif()
            sub = exif.get_ifd(_EXIF_IFD)
            gps = exif.get_ifd(_GPS_IFD)
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError, Image.DecompressionBombError):
        return Metadata()
    taken = next((d for d in (_exif_date(sub.get(_DATETIME_ORIGINAL)),
                              _exif_date(sub.get(_DATETIME_DIGITIZED)),
                              _exif_date(exif.get(_DATETIME))) if d is not None), None)
    lat, lon = _gps(gps)
    orientation = exif.get(_ORIENTATION)
    return Metadata(
        date_s=taken, date_source="taken" if taken is not None else None,
        camera=_camera(_text(exif.get(_MAKE)), _text(exif.get(_MODEL))),
        orientation=orientation if isinstance(orientation, int) and 1 <= orientation <= 8
        else None,
        lat=lat, lon=lon, width=int(width), height=int(height),
        description=_text(exif.get(_DESCRIPTION)))


def _first_tag(tags: object, *keys: str) -> str | None:
    """The first value of the first of ``keys`` the tags hold (Vorbis comments and MP4's
    easy names, ID3 frame ids, ...)."""
    if tags is None:
        return None
    for key in keys:
        try:
            value = tags[key]  # type: ignore[index]
        except (KeyError, ValueError, TypeError):
            continue
        if hasattr(value, "text"):  # an ID3 frame
            value = value.text
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if (text := _text(value if isinstance(value, str | bytes) else str(value or ""))):
            return text
    return None


def sound_metadata(path: str | Path) -> Metadata:
    import mutagen

    try:
        audio = mutagen.File(path, easy=True)
    except (mutagen.MutagenError, OSError, ValueError, EOFError):
        return Metadata()
    if audio is None:
        return Metadata()
    info = getattr(audio, "info", None)
    length = getattr(info, "length", None)
    rate = getattr(info, "sample_rate", None)
    tags = audio.tags
    return Metadata(
        duration_s=float(length) if length else None,
        sample_rate=int(rate) if rate else None,
        title=_first_tag(tags, "title", "TIT2", "\xa9nam"),
        artist=_first_tag(tags, "artist", "TPE1", "\xa9ART"),
        album=_first_tag(tags, "album", "TALB", "\xa9alb"),
        description=_first_tag(tags, "comment", "description"))


_ISO6709 = re.compile(r"([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)")
_WHEN = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})")


def _video_tag(tags: dict, *keys: str) -> str | None:
    for k in keys:
        if (v := _text(tags.get(k))):
            return v
    return None


def _recorded(value: str | None) -> float | None:
    """creation_time (UTC, ISO 8601) as the local wall clock read as UTC, the way photo
    dates are kept (``metadata.Metadata``)."""
    m = _WHEN.match(value or "")
    if m is None:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups())
    if not (1900 < y < 2200 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None  # 1904-01-01: the QuickTime epoch, written by tools that knew no date
    return wall_clock(float(calendar.timegm((y, mo, d, h, mi, min(s, 59), 0, 0, 0))))


def _position(value: str | None) -> tuple[float | None, float | None]:
    m = _ISO6709.match(value or "")
    if m is None:
        return None, None
    lat, lon = float(m.group(1)), float(m.group(2))
    return (lat, lon) if abs(lat) <= 90 and abs(lon) <= 180 else (None, None)


def video_metadata(path: str | Path) -> Metadata:
    """The fields a video's container holds; an empty Metadata when it cannot be opened
    (the indexer records why separately)."""
    from core.errors import UnreadableMedia
    from core.media.video import duration_of, open_video

    try:
        container = open_video(path)
    except UnreadableMedia:
        return Metadata()
    try:
        tags = {k.lower(): v for k, v in dict(container.metadata).items()}
        for s in container.streams:
            for k, v in dict(s.metadata).items():
                tags.setdefault(k.lower(), v)
        width = height = None
        if container.streams.video:
            v = container.streams.video[0]
            width, height = v.width or None, v.height or None
        duration = duration_of(container)
    finally:
        container.close()
    lat, lon = _position(_video_tag(tags, "location", "com.apple.quicktime.location.iso6709"))
    make = _video_tag(tags, "make", "com.apple.quicktime.make", "com.android.manufacturer")
    model = _video_tag(tags, "model", "com.apple.quicktime.model", "com.android.model")
    taken = _recorded(_video_tag(tags, "creation_time", "com.apple.quicktime.creationdate", "date"))
    return Metadata(
        date_s=taken, date_source="taken" if taken is not None else None,
        camera=" ".join(x for x in (make, model) if x) or None, lat=lat, lon=lon,
        width=width, height=height, duration_s=duration,
        title=_video_tag(tags, "title", "com.apple.quicktime.title"),
        description=_video_tag(tags, "comment", "description", "com.apple.quicktime.description"))


def note_title(text: str) -> str | None:
    """The first Markdown heading, else the first non-empty line, shortened."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    heading = next((ln for ln in lines[:50] if ln.startswith("#")), None)
    line = heading.lstrip("#").strip() if heading else (lines[0] if lines else "")
    return line[:TITLE_CHARS] or None


def read_metadata(path: str | Path, kind: str, mtime_s: float,
                  note_text: str | None = None) -> Metadata:
    """The metadata of one file of ``kind``; ``mtime_s`` (its modification time) stands in
    for the date when the file has none of its own."""
    if kind == "image":
        found = image_metadata(path)
    elif kind == "sound":
        found = sound_metadata(path)
    elif kind == "video":
        found = video_metadata(path)
    else:
        found = Metadata(title=note_title(note_text) if note_text else None)
    if found.date_s is None:
        found = replace(found, date_s=wall_clock(mtime_s), date_source="modified")
    return found
