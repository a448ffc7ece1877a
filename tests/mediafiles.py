"""Real media files for tests, written to disk with the same libraries users' files come from."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np

_CODECS = {".mp3": ("libmp3lame", "mp3"), ".opus": ("libopus", "ogg"), ".m4a": ("aac", "mp4"),
           ".flac": ("flac", "flac"), ".wav": ("pcm_s16le", "wav")}


def tone(seconds: float, freq: float = 440.0, sr: int = 16000) -> np.ndarray:
    """(n,) float32 sine at ``freq`` Hz, amplitude 0.5."""
    t = np.arange(int(seconds * sr), dtype=np.float32) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_sound(path: Path, wave: np.ndarray, sr: int = 16000) -> Path:
    """Encode mono float32 ``wave`` into ``path``; the codec follows the extension."""
    if path.suffix.lower() == ".ogg":
        # FFmpeg's own Vorbis encoder is experimental; libsndfile's is the reference one.
        import soundfile

        soundfile.write(str(path), wave, sr, format="OGG", subtype="VORBIS")
        return path
    codec, fmt = _CODECS[path.suffix.lower()]
    out_rate = 48000 if codec == "libopus" else sr
    with av.open(str(path), "w", format=fmt) as c:
        s = c.add_stream(codec, rate=out_rate, layout="mono")
        frame_fmt = s.codec_context.format.name if s.codec_context.format else "s16"
        res = av.AudioResampler(format=frame_fmt, layout="mono", rate=out_rate)
        block = 1024
        pts = 0
        for i in range(0, len(wave), block):
            chunk = wave[i:i + block].reshape(1, -1).astype(np.float32)
            f = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
            f.sample_rate = sr
            f.pts = pts
            pts += chunk.shape[1]
            for g in res.resample(f):
                for p in s.encode(g):
                    c.mux(p)
        for g in res.resample(None):
            for p in s.encode(g):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    return path


def pattern_image(h: int, w: int, seed: int = 0) -> np.ndarray:
    """(h, w, 3) uint8 RGB smooth colour pattern (compresses like a photo, not like noise)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def write_image(path: Path, rgb: np.ndarray) -> Path:
    """Encode ``rgb`` (H, W, 3) uint8 into ``path``; the format follows the extension."""
    ok, buf = cv2.imencode(path.suffix.lower(), np.ascontiguousarray(rgb[:, :, ::-1]))
    assert ok, path
    path.write_bytes(buf.tobytes())
    return path
