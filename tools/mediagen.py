"""Synthetic media written with the libraries users' files come from (OpenCV, FFmpeg via
PyAV, libsndfile): for the tests (tests/media.py) and the benchmarks alike."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

SR = 16000  # the engine's sample rate (core.media.SAMPLE_RATE)

# Extension -> (PyAV codec, container) for what libsndfile does not write.
_AV_CODECS = {".mp3": ("libmp3lame", "mp3"), ".opus": ("libopus", "ogg"), ".m4a": ("aac", "mp4")}
_SNDFILE = {".wav": ("WAV", "PCM_16"), ".flac": ("FLAC", "PCM_16"), ".ogg": ("OGG", "VORBIS")}


def tone(seconds: float, freq: float = 440.0, sr: int = SR, amp: float = 0.5) -> np.ndarray:
    """(n,) float32 sine at ``freq`` Hz."""
    t = np.arange(int(seconds * sr), dtype=np.float32) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def noise(seconds: float, seed: int, sr: int = SR) -> np.ndarray:
    """(n,) float32 white noise, standard deviation 0.3."""
    return (0.3 * np.random.default_rng(seed).standard_normal(int(seconds * sr))
            ).astype(np.float32)


def pattern_image(h: int, w: int, seed: int = 0, cells: int = 8) -> np.ndarray:
    """(h, w, 3) uint8 RGB smooth colour pattern (compresses like a photo, not like noise)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(cells, cells, 3), dtype=np.uint8)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def write_image(path: Path, rgb: np.ndarray) -> Path:
    """Encode ``rgb`` (H, W, 3) uint8 into ``path`` (folders made); the format follows the
    extension."""
    ok, buf = cv2.imencode(path.suffix.lower(), np.ascontiguousarray(rgb[:, :, ::-1]))
    assert ok, path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.tobytes())
    return path


def write_sound(path: Path, wave: np.ndarray, sr: int = SR) -> Path:
    """Encode mono float32 ``wave`` into ``path`` (folders made); the codec follows the
    extension: libsndfile for wav, flac and Ogg Vorbis (FFmpeg's own Vorbis encoder is
    experimental), FFmpeg for mp3, opus and m4a."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ext = path.suffix.lower()
    if ext in _SNDFILE:
        import soundfile

        fmt, subtype = _SNDFILE[ext]
        soundfile.write(str(path), wave, sr, format=fmt, subtype=subtype)
        return path
    _write_av(path, wave, sr, *_AV_CODECS[ext])
    return path


def _write_av(path: Path, wave: np.ndarray, sr: int, codec: str, fmt: str) -> None:
    import av

    out_rate = 48000 if codec == "libopus" else sr
    with av.open(str(path), "w", format=fmt) as c:
        s = c.add_stream(codec, rate=out_rate, layout="mono")
        frame_fmt = s.codec_context.format.name if s.codec_context.format else "s16"
        res = av.AudioResampler(format=frame_fmt, layout="mono", rate=out_rate)
        pts = 0
        for i in range(0, len(wave), 1024):
            chunk = wave[i:i + 1024].reshape(1, -1).astype(np.float32)
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


def _rational_dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60, 4)
    return (float(d), float(m), s)


def write_photo(path: Path, rgb: np.ndarray, taken: str | None = None,
                camera: tuple[str, str] | None = None, gps: tuple[float, float] | None = None,
                orientation: int | None = None, description: str | None = None) -> Path:
    """A JPEG with EXIF written by Pillow, as cameras and phones write it: ``taken``
    ("2023:04:12 10:30:00", DateTimeOriginal), ``camera`` (make, model), ``gps`` (latitude,
    longitude in degrees), ``orientation`` (1-8), ``description`` (ImageDescription)."""
    from PIL import Image

    exif = Image.Exif()
    if camera is not None:
        exif[271], exif[272] = camera
    if orientation is not None:
        exif[274] = orientation
    if description is not None:
        exif[270] = description
    if taken is not None:
        exif[306] = taken
        exif[0x8769] = {36867: taken}
    if gps is not None:
        lat, lon = gps
        exif[0x8825] = {1: "N" if lat >= 0 else "S", 2: _rational_dms(lat),
                        3: "E" if lon >= 0 else "W", 4: _rational_dms(lon)}
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(rgb)).save(path, "JPEG", exif=exif, quality=90)
    return path


def tag_sound(path: Path, title: str | None = None, artist: str | None = None,
              album: str | None = None) -> Path:
    """Write title/artist/album tags into a sound file with mutagen (ID3 for wav and mp3,
    Vorbis comments for flac and ogg, MP4 atoms for m4a)."""
    import mutagen

    audio = mutagen.File(path, easy=True)
    if audio is None:
        raise ValueError(f"mutagen cannot tag {path}")
    if audio.tags is None:
        audio.add_tags()
    wanted = {"title": title, "artist": artist, "album": album}
    if path.suffix.lower() == ".wav":  # WAVE holds ID3 frames; there is no "easy" layer
        from mutagen.id3 import TALB, TIT2, TPE1

        frames = {"title": TIT2, "artist": TPE1, "album": TALB}
        for key, value in wanted.items():
            if value is not None:
                audio.tags.add(frames[key](encoding=3, text=[value]))
    else:
        for key, value in wanted.items():
            if value is not None:
                audio[key] = [value]
    audio.save()
    return path
