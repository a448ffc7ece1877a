"""Reading one file for the indexer: hash, decode, cut into the pieces that are embedded.
Runs in decoder threads; every failure becomes a reason on the result, never an exception."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import UnreadableMedia
from core.library.scan import ScannedFile, content_hash
from core.media import SAMPLE_RATE, cut_sound, load_audio, load_image, load_note, note_passages
from core.media.images import fit_square
from core.media.video import load_video
from core.store import SegmentRow

# The square the image network sees. Photos are decoded at the largest JPEG reduction that
# keeps their shorter side at least this long (a 12 MP photo at 1/8: 4x less work than at
# 1/4) and cut to the square here, in the decoder threads, not in the network's thread.
IMAGE_SIDE = 224
MAX_SOUND_S = 3600.0  # longer recordings are indexed for their first hour (230 MB decoded)


@dataclass
class Decoded:
    """One file ready for the network: its pieces (images, waveforms or passages) and what
    each stands for, or why it could not be read."""

    file: ScannedFile
    hash: str | None
    pieces: list = field(default_factory=list)
    segments: list[SegmentRow] = field(default_factory=list)
    duration_s: float | None = None
    error: str | None = None
    transient: bool = False  # an access problem, not the content: retried next run
    vanished: bool = False


def _cut(out: Decoded, path: Path, image_side: int) -> None:
    kind = out.file.kind
    if kind == "image":
        out.pieces = [fit_square(load_image(path, min_side=image_side), image_side)]
        out.segments = [SegmentRow(0)]
    elif kind == "sound":
        wave = load_audio(path, SAMPLE_RATE, max_seconds=MAX_SOUND_S)
        out.duration_s = len(wave) / SAMPLE_RATE
        out.pieces, spans = cut_sound(wave, SAMPLE_RATE)
        out.segments = [SegmentRow(0, start_s=a, end_s=b) for a, b in spans]
    elif kind == "video":
        v = load_video(path, min_side=image_side)
        out.duration_s = v.duration_s
        out.pieces = [fit_square(rgb, image_side) for _, rgb in v.frames] + [
            w for _, _, w in v.sounds]
        out.segments = [SegmentRow(0, start_s=t, end_s=t, track="picture") for t, _ in v.frames
                        ] + [SegmentRow(0, start_s=a, end_s=b, track="sound")
                             for a, b, _ in v.sounds]
    else:
        text = load_note(path)
        passages = note_passages(text)
        out.pieces = [text[a:b] for a, b in passages]
        out.segments = [SegmentRow(0, char_start=a, char_end=b) for a, b in passages]


def decode(f: ScannedFile, known_hash: str | None, image_side: int = IMAGE_SIDE) -> Decoded:
    """Read, hash, decode and cut one file (an image to the network's square)."""
    out = Decoded(f, known_hash)
    path = Path(f.path)
    try:
        if out.hash is None:
            out.hash = content_hash(path, f.size)
        _cut(out, path, image_side)
    except UnreadableMedia as e:
        out.error = e.reason
        out.transient = isinstance(e.__cause__, OSError) and not isinstance(
            e.__cause__, IsADirectoryError)
    except FileNotFoundError:
        out.error = "the file no longer exists"
    except PermissionError:
        out.error = "permission denied; check the file's access rights"
        out.transient = True
    except OSError as e:
        out.error = f"cannot be read ({e.strerror or e})"
        out.transient = True
    except MemoryError:
        out.error = "too large to decode in the memory available"
    if not os.path.exists(path):  # deleted while we read it
        out.vanished = True
    return out


def safe_hash(f: ScannedFile) -> str | None:
    """The content hash, or None when the file is unreadable or gone (the embedding step
    records why)."""
    try:
        return content_hash(f.path, f.size)
    except OSError:
        return None
