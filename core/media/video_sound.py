"""A video's soundtrack as the windows it is searched by: 10 s every 5 s (as long sounds
are cut), silent ones left out, at most ``MAX_SOUND_WINDOWS`` spread over the whole length;
read through for a video up to ``core.media.video.SEQUENTIAL_MAX_S``, sought to for a
film."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from core.errors import UnreadableMedia
from core.media.audio import SAMPLE_RATE

MAX_SOUND_WINDOWS = 120  # soundtrack windows per video, at most (a 2-hour film: one a minute)
SILENT_RMS = 1e-4  # a window quieter than this (digital silence) is not searched by
SOUND_WINDOW_S = 10.0  # as for sounds (segments.py)


def spread(items: list, at_most: int) -> list:
    """At most ``at_most`` of ``items``, evenly spread from the first to the last."""
    if len(items) <= at_most:
        return items
    pick = np.unique(np.linspace(0, len(items) - 1, at_most).round().astype(np.int64))
    return [items[i] for i in pick]


def _windows(wave: np.ndarray, offset_s: float = 0.0) -> list[tuple[float, float, np.ndarray]]:
    """A soundtrack (or a piece of one starting at ``offset_s``) in windows, as sounds are
    cut (``segments.sound_windows``)."""
    from core.media.segments import sound_windows

    r = SAMPLE_RATE
    return [(offset_s + a / r, offset_s + b / r, wave[a:b]) for a, b in sound_windows(len(wave), r)]


def _audible(windows: list[tuple[float, float, np.ndarray]]) -> list:
    return [w for w in windows
            if w[2].size and float(np.sqrt(np.mean(np.square(w[2])))) >= SILENT_RMS]


def _decode_into(container: Any, limit: int) -> tuple[np.ndarray, bool]:
    """The first audio stream as (n,) float32 mono 16 kHz, at most ``limit`` samples, written
    into one array (no list of chunks beside it), and whether packets were damaged."""
    import av

    stream = container.streams.audio[0]
    stream.thread_type = "AUTO"
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    wave, n, damaged = np.empty(limit, np.float32), 0, False  # pages are used as written

    def put(frames: list) -> None:
        nonlocal wave, n
        for out in frames:
            x = out.to_ndarray().reshape(-1)[: limit - n]
            wave[n:n + len(x)] = x
            n += len(x)

    try:
        for packet in container.demux(stream):
            try:
                for frame in packet.decode():
                    put(resampler.resample(frame))
            except av.error.FFmpegError:
                damaged = True
            if n >= limit:
                break
        else:
            put(resampler.resample(None))
    except av.error.FFmpegError:
        damaged = True  # truncated: keep what decoded
    return wave[:n], damaged


def _read_through(container: Any, where: Path, seconds: float) -> tuple[list, bool]:
    """The soundtrack read through (a video up to ``seconds`` long): (windows, damaged)."""
    wave, damaged = _decode_into(container, int(seconds * SAMPLE_RATE))
    if not wave.size:
        return [], damaged
    np.clip(wave, -1.0, 1.0, out=wave)
    if not np.isfinite(wave).all():
        return [], True
    return spread(_audible(_windows(wave)), MAX_SOUND_WINDOWS), damaged


def _sound_at(container: Any, start: float, seconds: float, rate: int = SAMPLE_RATE
              ) -> tuple[float, np.ndarray]:
    """(where it begins, (n,) float32 mono at ``rate``): ``seconds`` of the soundtrack from
    ``start``, or from where the seek landed when the file could not be sought to it."""
    import av

    stream = container.streams.audio[0]
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    container.seek(int(start / stream.time_base) + (stream.start_time or 0), stream=stream,
                   backward=True)
    chunks, began, have = [], None, 0
    want = int(seconds * rate)
    try:
        for frame in container.decode(stream):
            if began is None:
                began = frame.time if frame.time is not None else start
            for o in resampler.resample(frame):
                chunks.append(o.to_ndarray().reshape(-1))
                have += chunks[-1].size
            if have >= want + int(max(0.0, start - began) * rate):
                break
    except av.error.FFmpegError:
        pass
    if not chunks or began is None:
        return start, np.zeros(0, np.float32)
    skip = max(0, int(round((start - began) * rate)))
    wave = np.clip(np.concatenate(chunks)[skip: skip + want], -1.0, 1.0).astype(np.float32)
    return max(start, float(began)), wave


def _sought_soundtrack(container: Any, duration: float) -> list:
    """A film's soundtrack at MAX_SOUND_WINDOWS moments spread over its length."""
    starts = np.linspace(0.0, max(0.0, duration - SOUND_WINDOW_S), MAX_SOUND_WINDOWS)
    windows, seen = [], set()
    for s in starts:
        at, w = _sound_at(container, float(s), SOUND_WINDOW_S)
        if w.size >= SAMPLE_RATE and round(at) not in seen:  # at least a second, once
            seen.add(round(at))
            windows.append((at, at + w.size / SAMPLE_RATE, w))
    return _audible(windows)


def soundtrack(container: Any, where: Path, duration: float | None, long: bool,
               read_through_s: float = 1200.0) -> tuple[list, bool]:
    """([(start_s, end_s, (n,) float32 16 kHz)], damaged) of the first audio stream: read
    through (its first ``read_through_s`` seconds), or for a ``long`` video (a film)
    sought to at MAX_SOUND_WINDOWS moments over its ``duration``."""
    import av

    try:
        if long:
            return _sought_soundtrack(container, float(duration or 0.0)), False
        container.seek(0)
        return _read_through(container, where, min(read_through_s, (duration or 1e9) + 1.0))
    except (UnreadableMedia, av.error.FFmpegError):
        return [], True  # the soundtrack is damaged: the pictures still stand


def soundtrack_from(path: str | Path, start_s: float, seconds: float, rate: int) -> np.ndarray:
    """(n,) float32 mono at ``rate``: up to ``seconds`` of a video's soundtrack from
    ``start_s`` (for playing it from a moment).

    Raises:
        UnreadableMedia / UnsupportedFormat: no soundtrack, or the file cannot be read.
    """
    from core.media.audio import _open

    container = _open(Path(path))
    try:
        return _sound_at(container, max(0.0, start_s), seconds, rate)[1]
    finally:
        container.close()
