"""Decoding of the media Synesthesia indexes: images, sounds and notes.

No torch here: these functions are used by the model, the indexer and the GUI
alike, and must be importable without loading the network.

    load_image(path, max_side=None) -> (H, W, 3) uint8 RGB
    load_audio(path, sample_rate=SAMPLE_RATE) -> (n,) float32 mono in [-1, 1]
    load_note(path) -> str
    kind_of(path) -> "image" | "sound" | "note" | "video" | None
    load_video(path, min_side=224) -> VideoMoments: the pictures and soundtrack windows a
        video is searched by (``video.py``; imported from there, not here: it pulls PyAV)
    cut_sound(wave, rate), note_passages(text): the pieces a long sound or note is
        searched by (``segments.py``)

Constants, one home each: ``KINDS`` (kinds.py), ``SAMPLE_RATE`` (audio.py).

Bad files raise ``core.errors.UnreadableMedia`` (``UnsupportedFormat`` for a
kind that is not handled) with a reason a user can act on.
"""

from __future__ import annotations

from core.media.audio import SAMPLE_RATE, audio_duration, load_audio, resample
from core.media.images import MAX_IMAGE_PIXELS, load_image
from core.media.kinds import (
    IMAGE_EXTENSIONS,
    KINDS,
    NOTE_EXTENSIONS,
    SOUND_EXTENSIONS,
    VIDEO_EXTENSIONS,
    kind_of,
)
from core.media.notes import load_note
from core.media.segments import cut_sound, note_passages

__all__ = [
    "IMAGE_EXTENSIONS",
    "KINDS",
    "MAX_IMAGE_PIXELS",
    "NOTE_EXTENSIONS",
    "SAMPLE_RATE",
    "SOUND_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "audio_duration",
    "cut_sound",
    "kind_of",
    "load_audio",
    "load_image",
    "load_note",
    "note_passages",
    "resample",
]
