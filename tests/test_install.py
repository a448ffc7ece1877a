"""The installed environment: torch and torchaudio load together, at the versions pyproject.toml pins.

A torchaudio built for another torch fails at import (e.g. torchaudio 2.11.1 against torch 2.11.0:
"undefined symbol: torch_exception_get_what_without_backtrace"); every test that touches sound then
errors. These tests name the pair instead.
"""

from __future__ import annotations

import math
import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def installed(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def pair() -> str:
    return f"torch {installed('torch')} with torchaudio {installed('torchaudio')}"


def pinned() -> dict[str, str]:
    """The pins of the `torch` extra (the base install runs the networks on ONNX Runtime)."""
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]["torch"]
    pins = {}
    for dep in deps:
        m = re.fullmatch(r"\s*(torch|torchaudio)\s*==\s*([0-9][0-9A-Za-z.]*)\s*", dep)
        if m:
            pins[m.group(1)] = m.group(2)
    return pins


def public(v: str) -> str:
    """2.11.0+cpu -> 2.11.0: a CPU-only build from the PyTorch index is the same release."""
    return v.split("+", 1)[0]


def test_the_base_install_has_no_torch():
    base = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    names = {re.split(r"[\s<>=!;\[]", d.strip(), maxsplit=1)[0].lower() for d in base}
    assert not names & {"torch", "torchaudio", "triton", "transformers", "sentence-transformers"}
    assert "onnxruntime" in names


def test_torch_and_torchaudio_load_together_and_compute_a_log_mel():
    try:
        import torch
        import torchaudio
    except Exception as e:  # ImportError, OSError: undefined symbols, missing libraries
        raise AssertionError(
            f"torch and torchaudio do not load together ({pair()}): {type(e).__name__}: {e}. "
            "The pair must be released together: reinstall from the lock (make clean-venv; make test)."
        ) from e
    sr = 16_000
    t = torch.arange(sr, dtype=torch.float32) / sr
    wave = torch.sin(2 * math.pi * 1000.0 * t).unsqueeze(0)  # 1 s of a 1 kHz tone
    try:
        mel = torchaudio.transforms.MelSpectrogram(sample_rate=sr, n_fft=400, hop_length=160, n_mels=64)(wave)
    except Exception as e:
        raise AssertionError(
            f"torchaudio's MelSpectrogram failed ({pair()}): {type(e).__name__}: {e}"
        ) from e
    assert mel.shape == (1, 64, 101), f"unexpected log-mel shape {tuple(mel.shape)} ({pair()})"
    assert torch.isfinite(mel).all(), f"non-finite log-mel values ({pair()})"
    energy = mel[0].mean(dim=1)
    peak = int(energy.argmax())
    low_hz = torchaudio.functional.melscale_fbanks(201, 0.0, sr / 2, 64, sr)[:, peak].nonzero()
    band = (float(low_hz.min()) * sr / 400, float(low_hz.max()) * sr / 400)
    assert band[0] - 40 <= 1000.0 <= band[1] + 40, (
        f"the 1 kHz tone peaks in mel band {peak} ({band[0]:.0f}-{band[1]:.0f} Hz) ({pair()})")


def test_installed_torch_and_torchaudio_are_the_pinned_ones():
    pins = pinned()
    assert set(pins) == {"torch", "torchaudio"}, (
        f"pyproject.toml's torch extra must pin torch and torchaudio exactly (torch==X, "
        f"torchaudio==Y); found {pins}")
    for dist, want in pins.items():
        have = installed(dist)
        assert public(have) == want, (
            f"{dist} {have} is installed but pyproject.toml pins {dist}=={want} ({pair()}): "
            "install from the lock (make test re-syncs .venv when uv.lock changes)")
