"""Video decoding with PyAV (FFmpeg): the moments a video is searched by.

A video is searched by two tracks, each a list of moments:

- its picture: keyframes, a new one at a scene change or at least every
  ``FRAME_EVERY_S`` seconds, at most ``MAX_FRAMES`` per video, turned upright (rotation
  metadata) and decoded small (the shorter side ``min_side`` pixels);
- its sound: the soundtrack in 10 s windows every 5 s (as a long sound), at most
  ``MAX_SOUND_WINDOWS`` spread over the whole length; silent windows are left out.

Time and memory per file are bounded: a video up to ``SEQUENTIAL_MAX_S`` long is read
through once for its keyframes (only keyframes are decoded; at most 2 x ``MAX_FRAMES``
pictures held) and its soundtrack (77 MB at 20 minutes); a longer one (a film) is sought
to ``MAX_FRAMES`` moments for pictures and ``MAX_SOUND_WINDOWS`` for sound, so a 2-hour
film costs no more than a 20-minute video (benchmarks/bench_video.py).

A file with only a soundtrack (an .mp4 of audio) gives sound moments only; a video without
sound gives picture moments only; a damaged or truncated file gives what decoded before the
damage (``VideoMoments.damaged``), or ``UnreadableMedia`` when nothing did."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import UnreadableMedia, UnsupportedFormat
from core.media.audio import _open
from core.media.video_sound import soundtrack, spread

MAX_FRAMES = 48  # pictures per video, at most
FRAME_EVERY_S = 3.0  # a picture at least this often, where the video has keyframes to give
SCENE_MIN_S = 0.5  # a scene change closer than this to the last picture kept is skipped
SCENE_CHANGE = 0.15  # mean absolute difference (0-1) of 32x32 grey thumbnails: a new scene
SEQUENTIAL_MAX_S = 1200.0  # longer videos are sought to, not read through
# Where keyframes are further apart than FILL_GAP_S, every frame between is decoded and
# looked at (at most FILL_FRAMES frames per video).
FILL_GAP_S, FILL_FRAMES = 4.5, 900


@dataclass
class VideoMoments:
    """What a video is searched by. ``frames``: [(time_s, (H, W, 3) uint8 RGB upright)];
    ``sounds``: [(start_s, end_s, (n,) float32 mono at 16 kHz)]; ``width`` x ``height``:
    the picture as shown (after rotation); ``damaged``: part of the file could not be
    decoded and was skipped."""

    frames: list[tuple[float, np.ndarray]] = field(default_factory=list)
    sounds: list[tuple[float, float, np.ndarray]] = field(default_factory=list)
    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    rotation: int = 0
    damaged: bool = False


def open_video(path: str | Path) -> Any:
    """An open PyAV container with a video or an audio stream; UnreadableMedia /
    UnsupportedFormat (with a reason) otherwise. The caller closes it."""
    where = Path(path)
    try:
        return _open(where, need_audio=False)
    except UnsupportedFormat as e:
        raise UnsupportedFormat(where, e.reason.replace("a sound file", "a video")
                                .replace("a sound's", "a video's")) from e


def video_duration(path: str | Path) -> float | None:
    """Seconds, from the file's headers (None when they do not say)."""
    container = open_video(path)
    try:
        return duration_of(container)
    finally:
        container.close()


def duration_of(container: Any) -> float | None:
    """Seconds, from the container or its first stream's header; None when neither says."""
    if container.duration is not None and container.duration > 0:
        return container.duration / 1_000_000
    for s in (*container.streams.video, *container.streams.audio):
        if s.duration is not None and s.time_base is not None:
            return float(s.duration * s.time_base)
    return None


def _upright(rgb: np.ndarray, rotation: int) -> np.ndarray:
    """The picture as shown: rotation metadata is degrees counter-clockwise (FFmpeg's
    display matrix), 0, 90, 180 or 270."""
    k = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, k)) if k else rgb


def _rotation(frame: Any) -> int:
    try:
        r = frame.rotation
    except (AttributeError, ValueError):
        return 0
    return int(round((r or 0) / 90.0)) * 90 % 360


def _rgb(frame: Any, min_side: int | None) -> tuple[np.ndarray, int]:
    """(H, W, 3) uint8 RGB of a decoded frame, upright, its shorter side ``min_side``
    (scaled by FFmpeg, so a 4K frame is never converted at full size); and its rotation."""
    w, h = frame.width, frame.height
    if min_side is not None and min(w, h) > min_side:
        s = min_side / min(w, h)
        w, h = max(2, round(w * s)), max(2, round(h * s))
    rot = _rotation(frame)
    rgb = frame.reformat(width=w, height=h, format="rgb24").to_ndarray()
    return _upright(rgb, rot), rot


def _thumb(frame: Any) -> np.ndarray:
    """A 32x32 grey thumbnail in [0, 1]: what a scene change is measured on."""
    g = frame.reformat(width=32, height=32, format="gray").to_ndarray()
    return g.astype(np.float32) / 255.0


class _Pictures:
    """Chooses the keyframes to keep as they come: the first, each scene change (at least
    SCENE_MIN_S after the last kept), and one at least every FRAME_EVERY_S; never more
    than 2 x MAX_FRAMES pictures held (``_thin``)."""

    def __init__(self, min_side: int | None) -> None:
        self.min_side = min_side
        self.kept: list[tuple[float, np.ndarray]] = []
        self.last_t = -1e9
        self.last_thumb: np.ndarray | None = None
        self.rotation = 0
        self.every, self.min_gap = FRAME_EVERY_S, SCENE_MIN_S

    def offer(self, frame: Any) -> None:
        t = frame.time
        if t is None:
            return
        gap = t - self.last_t
        if gap < self.min_gap:
            return
        thumb = _thumb(frame)
        changed = self.last_thumb is None or float(
            np.abs(thumb - self.last_thumb).mean()) >= SCENE_CHANGE
        if changed or gap >= self.every:
            rgb, self.rotation = _rgb(frame, self.min_side)
            self.kept.append((float(t), rgb))
            self.last_t, self.last_thumb = t, thumb
            if len(self.kept) >= 2 * MAX_FRAMES:
                self._thin()

    def _thin(self) -> None:
        """Too many kept for memory (a long video): twice the spacing from here on, and
        the kept ones thinned to it, so they stay spread over the whole length."""
        while len(self.kept) >= 2 * MAX_FRAMES:
            self.every *= 2
            self.min_gap *= 2
            thinned, last = [], -1e9
            for t, rgb in self.kept:
                if t - last >= 0.75 * self.every:
                    thinned.append((t, rgb))
                    last = t
            self.kept = thinned


def _keyframes(container: Any, out: VideoMoments, min_side: int | None) -> _Pictures:
    """Read the video stream through, decoding only its keyframes."""
    import av

    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    stream.codec_context.skip_frame = "NONKEY"
    picks = _Pictures(min_side)
    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                out.damaged = True
                continue
            for frame in frames:
                picks.offer(frame)
    except av.error.FFmpegError:
        out.damaged = True  # truncated: keep what decoded
    stream.codec_context.skip_frame = "DEFAULT"
    return picks


def _keyframe_at(container: Any, t: float) -> Any | None:
    """The keyframe at or before ``t`` seconds (a film's pictures); None past the end."""
    import av

    stream = container.streams.video[0]
    stream.codec_context.skip_frame = "NONKEY"
    try:
        container.seek(int(t / stream.time_base) + (stream.start_time or 0), stream=stream,
                       backward=True, any_frame=False)
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError:
        pass  # past the damage or the end
    return None


def _gaps(picks: _Pictures, duration: float) -> list[tuple[float, float]]:
    """Stretches longer than FILL_GAP_S without a picture (a video with few keyframes)."""
    times = [0.0, *(t for t, _ in picks.kept), duration]
    longest = FILL_GAP_S * picks.every / FRAME_EVERY_S  # wider once thinned (a long video)
    return [(a, b) for a, b in zip(times[:-1], times[1:], strict=True) if b - a > longest]


def _fill_gaps(container: Any, picks: _Pictures, duration: float | None) -> None:
    """Inside each gap the keyframes left, every frame decoded (on from the keyframe
    before it) and chosen as keyframes are: scene changes, and one every FRAME_EVERY_S.
    FILL_FRAMES decoded frames per video at most."""
    import av

    if not duration:
        return
    stream = container.streams.video[0]
    stream.codec_context.skip_frame = "DEFAULT"
    budget = FILL_FRAMES
    for a, b in _gaps(picks, duration):
        try:
            container.seek(int(a / stream.time_base) + (stream.start_time or 0), stream=stream,
                           backward=True, any_frame=False)
            picks.last_t, picks.last_thumb = -1e9, None
            for frame in container.decode(stream):
                budget -= 1
                t = frame.time
                if t is None or t < a - 0.02:
                    continue
                if t <= a + 0.02 or picks.last_thumb is None:
                    picks.last_t, picks.last_thumb = t, _thumb(frame)  # the picture at a
                elif t < b - SCENE_MIN_S:
                    picks.offer(frame)
                if budget <= 0 or t >= b:
                    break
        except av.error.FFmpegError:
            continue  # damaged there: the next gap may still decode
        if budget <= 0:
            break
    picks.kept.sort(key=lambda x: x[0])


def _film_pictures(container: Any, picks: _Pictures, duration: float) -> None:
    """A film's pictures: the keyframes at MAX_FRAMES moments spread over its length."""
    seen = set()
    for t in (np.arange(MAX_FRAMES) + 0.5) * duration / MAX_FRAMES:
        frame = _keyframe_at(container, float(t))
        if frame is None or frame.time is None or round(frame.time, 2) in seen:
            continue
        seen.add(round(frame.time, 2))
        rgb, picks.rotation = _rgb(frame, picks.min_side)
        picks.kept.append((float(frame.time), rgb))


def load_video(path: str | Path, min_side: int | None = 224) -> VideoMoments:
    """The moments a video is searched by (module docstring): pictures with their shorter
    side ``min_side`` pixels (None: as decoded) and soundtrack windows.

    Raises:
        UnreadableMedia: empty, unreadable, or nothing at all could be decoded.
        UnsupportedFormat: not a video FFmpeg recognises, or no video or audio stream.
    """
    where = Path(path)
    out = VideoMoments()
    container = open_video(where)
    try:
        has_video = bool(container.streams.video)
        out.duration_s = duration_of(container)
        long = out.duration_s is not None and out.duration_s > SEQUENTIAL_MAX_S
        if has_video:
            if long:
                picks = _Pictures(min_side)
                _film_pictures(container, picks, float(out.duration_s or 0.0))
            else:
                picks = _keyframes(container, out, min_side)
                _fill_gaps(container, picks, out.duration_s)
            out.frames, out.rotation = spread(picks.kept, MAX_FRAMES), picks.rotation
        if container.streams.audio:
            out.sounds, damaged = soundtrack(container, where, out.duration_s, long,
                                             SEQUENTIAL_MAX_S)
            out.damaged |= damaged
    finally:
        container.close()
    if out.frames:
        out.height, out.width = out.frames[0][1].shape[:2]
    elif not out.sounds:
        raise UnreadableMedia(where, "damaged or truncated video: nothing could be decoded"
                              if out.damaged else "the video holds no picture that decodes"
                              if has_video else "a silent soundtrack without a picture: "
                              "nothing to search it by")
    return out


def encode_pieces(model: Any, pieces: list[np.ndarray], images_per_pass: int = 32,
                  sounds_per_pass: int = 16) -> np.ndarray:
    """Video pieces (pictures (S, S, 3) uint8, sound windows (n,) float32 at 16 kHz), in
    any order -> (len(pieces), D) float32 unit-norm, in that order: pictures through the
    image tower, windows through the sound tower, a bounded number per pass."""
    out = np.zeros((len(pieces), int(model.dim)), np.float32)
    for encode, ndim, step in ((model.encode_images, 3, images_per_pass),
                               (model.encode_sounds, 1, sounds_per_pass)):
        rows = [i for i, p in enumerate(pieces) if np.ndim(p) == ndim]
        for s in range(0, len(rows), step):
            chunk = rows[s:s + step]
            out[chunk] = encode([pieces[i] for i in chunk])
    return out


def video_frame(path: str | Path, at_s: float = 0.0, max_side: int | None = None
                ) -> np.ndarray:
    """The picture shown at ``at_s`` seconds, upright: (H, W, 3) uint8 RGB, its longer side
    at most ``max_side``. For a poster at the moment a search matched.

    Raises:
        UnreadableMedia: the file cannot be read, or has no picture that decodes there.
    """
    for _, rgb in frames_from(path, at_s, float("inf"), max_side):
        return rgb
    raise UnreadableMedia(Path(path), "damaged video: no picture decodes there")


def _fit_side(frame: Any, max_side: int | None) -> int | None:
    """The shorter side that makes ``frame``'s longer side ``max_side`` (None: as it is)."""
    if max_side is None or max(frame.width, frame.height) <= max_side:
        return None
    return max(2, round(max_side * min(frame.width, frame.height)
                        / max(frame.width, frame.height)))


def frames_from(path: str | Path, start_s: float, seconds: float,
                max_side: int | None = None) -> Iterator[tuple[float, np.ndarray]]:
    """(time_s, (H, W, 3) uint8 RGB upright, longer side at most ``max_side``) of every
    picture from ``start_s`` for ``seconds``: for playing a video from a moment. Stops
    quietly where the file is damaged.

    Raises:
        UnreadableMedia: the file cannot be read, or has no picture.
    """
    import av

    where = Path(path)
    container = open_video(where)
    try:
        if not container.streams.video:
            raise UnreadableMedia(where, "the video has no picture (a soundtrack alone)")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            container.seek(int(max(0.0, start_s) / stream.time_base) + (stream.start_time or 0),
                           stream=stream, backward=True, any_frame=False)
            for frame in container.decode(stream):
                t = frame.time
                if t is None or t < start_s - 0.02:
                    continue
                if t > start_s + seconds:
                    return
                yield float(t), _rgb(frame, _fit_side(frame, max_side))[0]
        except av.error.FFmpegError:
            return
    finally:
        container.close()
