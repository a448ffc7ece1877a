"""Small audio helpers of the corpus builder: WAV in and out, decoding, trimming clips."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 22_050
MIN_S, MAX_S = 3.0, 10.0
PEAK = 0.7  # about -3 dBFS


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples and rate of a 16-bit PCM WAV (as the renderers write)."""
    with wave.open(str(path)) as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit PCM")
        data = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32)
        channels, rate = w.getnchannels(), w.getframerate()
    return data.reshape(-1, channels).mean(axis=1) / 32768.0, rate


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> None:
    """Write mono float samples in [-1, 1] as 16-bit PCM."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    tmp = path.with_suffix(".tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    tmp.replace(path)


def finish(samples: np.ndarray, rate: int = RATE, min_s: float = MIN_S,
           max_s: float = MAX_S) -> np.ndarray | None:
    """Trim silence at both ends, cap at `max_s` with a fade, pad to `min_s`, set the peak.

    None when the clip is silent.
    """
    level = np.abs(samples)
    peak = float(level.max()) if len(level) else 0.0
    if peak < 1e-4:
        return None
    loud = np.flatnonzero(level > peak * 10 ** (-50 / 20))
    start = max(0, loud[0] - int(0.01 * rate))
    end = min(len(samples), loud[-1] + int(0.3 * rate))
    out = samples[start:end].astype(np.float32)
    limit = int(max_s * rate)
    if len(out) > limit:
        out = out[:limit].copy()
        fade = int(0.3 * rate)
        out[-fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
    if len(out) < int(min_s * rate):
        out = np.concatenate([out, np.zeros(int(min_s * rate) - len(out), np.float32)])
    return out * (PEAK / float(np.abs(out).max()))


def decode(path: Path, cache: dict[Path, np.ndarray]) -> np.ndarray:
    """Mono float32 samples at `RATE` of an audio file, decoded with PyAV (cached)."""
    if path not in cache:
        import av

        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        chunks = []
        with av.open(str(path)) as container:
            for frame in container.decode(audio=0):
                chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
        cache[path] = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return cache[path]
