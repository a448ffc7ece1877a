"""Real video files for the tests and benchmarks, encoded with FFmpeg through PyAV:
pictures held for a while each (scenes) and a soundtrack, muxed into mp4, mov, m4v, mkv,
webm or avi. Options give what phones and editors produce: rotation metadata, variable
frame rate, long gaps between keyframes, a video without sound, a soundtrack alone."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from tools.mediagen import SR

# Extension -> (video codec, audio codec, container format).
CODECS = {
    ".mp4": ("libx264", "aac", "mp4"), ".m4v": ("libx264", "aac", "mp4"),
    ".mov": ("libx264", "aac", "mov"), ".mkv": ("libx264", "aac", "matroska"),
    ".webm": ("libvpx-vp9", "libopus", "webm"), ".avi": ("mpeg4", "libmp3lame", "avi"),
}


def _even(n: int) -> int:
    return max(2, n - n % 2)


def _video_stream(c, codec: str, size: tuple[int, int], fps: int, gop: int | None, vfr: bool,
                  rotation: int):
    h, w = size
    s = c.add_stream(codec, rate=fps)
    s.width, s.height, s.pix_fmt = _even(w), _even(h), "yuv420p"
    if vfr:
        s.codec_context.time_base = Fraction(1, 1000)
    opts = {"preset": "ultrafast"} if codec == "libx264" else {}
    if codec == "libvpx-vp9":
        opts = {"deadline": "realtime", "cpu-used": "8"}
    s.codec_context.options = opts
    if gop is not None:
        s.codec_context.gop_size = gop
    if rotation:
        s.set_display_rotation(rotation)
    return s


def _audio_stream(c, codec: str):
    rate = 48000 if codec == "libopus" else SR if codec != "libmp3lame" else 22050
    return c.add_stream(codec, rate=rate, layout="mono"), rate


def _frames(scenes, fps: int, vfr: bool, seed: int, pan: int = 0):
    """(pts in 1/1000 s or frame index, rgb) for every frame of the scenes; ``pan``: pixels
    the picture moves per frame (the camera pans: the codec has motion to code)."""
    rng = np.random.default_rng(seed)
    t_ms, n = 0.0, 0
    for rgb, seconds in scenes:
        end = t_ms + 1000.0 * seconds
        while t_ms < end - 1e-6:
            yield (int(round(t_ms)) if vfr else n), (np.roll(rgb, pan * n, axis=1) if pan
                                                     else rgb)
            step = 1000.0 / fps
            if vfr:  # frames 0.3x to 2x the nominal interval apart
                step *= float(rng.uniform(0.3, 2.0))
            t_ms += step
            n += 1


class _Soundtrack:
    """Encodes a waveform piece by piece, so that its packets can be muxed between the
    video's (interleaved by time, as cameras write them: a seek lands near both tracks)."""

    def __init__(self, c, s, rate: int, wave: np.ndarray) -> None:
        import av

        fmt = s.codec_context.format.name if s.codec_context.format else "s16"
        self.c, self.s, self.wave, self.at = c, s, wave, 0
        self.res = av.AudioResampler(format=fmt, layout="mono", rate=rate)

    def until(self, seconds: float) -> None:
        import av

        end = min(len(self.wave), int(seconds * SR))
        while self.at < end:
            chunk = self.wave[self.at:self.at + 1024].reshape(1, -1).astype(np.float32)
            f = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
            f.sample_rate, f.pts = SR, self.at
            self.at += chunk.shape[1]
            for g in self.res.resample(f):
                for p in self.s.encode(g):
                    self.c.mux(p)

    def close(self) -> None:
        self.until(len(self.wave) / SR)
        for g in self.res.resample(None):
            for p in self.s.encode(g):
                self.c.mux(p)
        for p in self.s.encode(None):
            self.c.mux(p)


def write_video(path: Path, scenes: list[tuple[np.ndarray, float]] | None,
                wave: np.ndarray | None = None, fps: int = 10, gop: int | None = None,
                vfr: bool = False, rotation: int = 0, seed: int = 0, pan: int = 0,
                tags: dict[str, str] | None = None) -> Path:
    """Encode ``scenes`` ([(RGB (H, W, 3) uint8, seconds shown)], None: no picture) and
    ``wave`` ((n,) float32 mono at 16 kHz, None: no sound) into ``path`` (folders made);
    codecs and container follow the extension (``CODECS``). ``gop``: frames between
    keyframes (None: the encoder's choice); ``vfr``: frames at irregular times;
    ``rotation``: display rotation in degrees counter-clockwise (as phones record);
    ``pan``: pixels the picture moves per frame; ``tags``: the container's metadata
    (creation_time, location, make, model, title, as phones write them)."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    vcodec, acodec, fmt = CODECS[path.suffix.lower()]
    with av.open(str(path), "w", format=fmt) as c:
        c.metadata.update(tags or {})
        vs = None
        if scenes:
            vs = _video_stream(c, vcodec, scenes[0][0].shape[:2], fps, gop, vfr, rotation)
        aus, rate = _audio_stream(c, acodec) if wave is not None else (None, 0)
        sound = _Soundtrack(c, aus, rate, wave) if wave is not None else None
        if vs is not None:
            for pts, rgb in _frames(scenes, fps, vfr, seed, pan):
                if sound is not None:
                    sound.until((pts / 1000.0 if vfr else pts / fps) + 0.5)
                img = np.ascontiguousarray(rgb[: vs.height, : vs.width])
                frame = av.VideoFrame.from_ndarray(img, format="rgb24")
                frame.pts = pts
                if vfr:
                    frame.time_base = Fraction(1, 1000)
                for p in vs.encode(frame):
                    c.mux(p)
            for p in vs.encode(None):
                c.mux(p)
        if sound is not None:
            sound.close()
    return path
