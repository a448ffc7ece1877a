"""The parts of the towers before their networks, in numpy (no torch): image pixels as the
teacher was trained on, and aiSFX's log-mel spectrogram from a 16 kHz waveform.

Each function computes what its torch counterpart does (``core.model.image.preprocess``;
``torchaudio.functional.resample`` with its defaults, then ``core.model.aisfx.log_mel``):
tests/test_onnx.py compares them.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from core.media.images import fit_square

# aiSFX's front end (core.model.aisfx)
RATE = 44100
N_FFT = 2048
HOP = 1024
MELS = 96
LOG_SCALE = 9.457798957824707
BLOCK = 100


def pixels(images: list[np.ndarray], size: int = 224) -> np.ndarray:
    """(H, W, 3) uint8 RGB arrays -> (n, 3, size, size) float32, resized (short side),
    centre-cropped and normalised as (x - 127) / 128."""
    out = np.empty((len(images), size, size, 3), dtype=np.uint8)
    for i, img in enumerate(images):
        out[i] = fit_square(img, size)
    x = out.transpose(0, 3, 1, 2).astype(np.float32)
    x -= np.float32(127.0)
    x /= np.float32(128.0)
    return np.ascontiguousarray(x)


@lru_cache(maxsize=4)
def sinc_kernel(orig: int, new: int, lowpass_filter_width: int = 6, rolloff: float = 0.99
                ) -> tuple[np.ndarray, int, int, int]:
    """torchaudio's ``sinc_interp_hann`` resampling kernel (float32 arithmetic, as torchaudio
    computes it for a float32 waveform): (kernel (new', orig' + 2 * width), width, orig', new')."""
    g = math.gcd(orig, new)
    orig, new = orig // g, new // g
    base = min(orig, new) * rolloff
    width = math.ceil(lowpass_filter_width * orig / base)
    f32 = np.float32
    idx = np.arange(-width, width + orig, dtype=f32)[None] / f32(orig)
    t = np.arange(0, -new, -1, dtype=f32)[:, None] / f32(new) + idx
    t = t * f32(base)
    t = np.clip(t, -lowpass_filter_width, lowpass_filter_width).astype(f32)
    window = np.cos(t * f32(math.pi / lowpass_filter_width / 2)) ** 2
    t = t * f32(math.pi)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(t == 0, f32(1.0), np.sin(t) / t).astype(f32)
    k = k * (window * f32(base / orig))
    return k.astype(f32), width, orig, new


def resample(wave: np.ndarray, orig: int, new: int) -> np.ndarray:
    """(samples,) float32 at ``orig`` Hz -> at ``new`` Hz, as torchaudio.functional.resample."""
    if orig == new:
        return wave.astype(np.float32)
    kernel, width, o, n = sinc_kernel(orig, new)
    length = len(wave)
    padded = np.pad(wave.astype(np.float32), (width, width + o))
    frames = (len(padded) - kernel.shape[1]) // o + 1
    view = np.lib.stride_tricks.sliding_window_view(padded, kernel.shape[1])[::o][:frames]
    out = (view @ kernel.T).reshape(-1)
    return out[: math.ceil(n * length / o)]


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + f / 700.0)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


@lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """(1025, 96) HTK mel filters from 0 to 22,050 Hz, each scaled to sum 1 (as
    ``core.model.aisfx.mel_filters``: torchaudio's ``melscale_fbanks``, norm None)."""
    f32 = np.float32
    freqs = np.linspace(0, RATE // 2, N_FFT // 2 + 1, dtype=f32)
    m_pts = np.linspace(_hz_to_mel(f32(0.0)), _hz_to_mel(f32(RATE / 2)), MELS + 2, dtype=f32)
    f_pts = _mel_to_hz(m_pts).astype(f32)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts[None, :] - freqs[:, None]
    down = -slopes[:, :-2] / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    fb = np.maximum(0.0, np.minimum(down, up)).astype(f32)
    return (fb / np.maximum(fb.sum(axis=0, keepdims=True), 1e-12)).astype(f32)


@lru_cache(maxsize=1)
def _hann() -> np.ndarray:
    n = np.arange(N_FFT, dtype=np.float64)
    return (0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)).astype(np.float32)  # periodic


def log_mel(wave44: np.ndarray) -> np.ndarray:
    """(samples,) at 44.1 kHz -> (frames, 96) normalised log-mel spectrogram (peak-normalised
    first; a centred 2048-point STFT every 1024 samples with zero padding), padded with zero
    frames to at least one block of 100."""
    w = wave44.astype(np.float32)
    peak = np.abs(w).max() if w.size else 0.0
    if peak > 0:
        w = w / peak
    w = np.pad(w, (N_FFT // 2, N_FFT // 2))
    count = 1 + (len(w) - N_FFT) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(w, N_FFT)[::HOP][:count] * _hann()
    spec = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    mel = spec.astype(np.float32) @ mel_filters()
    out = (np.log10(np.float32(1e4) * mel + 1) / np.float32(LOG_SCALE)).astype(np.float32)
    if len(out) < BLOCK:
        out = np.pad(out, ((0, BLOCK - len(out)), (0, 0)))
    return out


def sound_input(wave16: np.ndarray, rate: int) -> np.ndarray:
    """(samples,) at ``rate`` -> (frames, 96): resampled to 44.1 kHz, then ``log_mel``."""
    return log_mel(resample(wave16, rate, RATE))
