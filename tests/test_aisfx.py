"""The aiSFX port against the package's own code: the network (the package's `CrossNet`
embedding, built from its wheel and its checkpoint) and the blocking and normalisation
(the package's `preprocessing`), on the demo library's real recordings; the one-pass
encoder the sound tower uses against the exact port; the weights' hash check."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from core.model import aisfx

ROOT = Path(__file__).resolve().parents[1]
DEMO_SOUNDS = sorted((ROOT / "resources" / "demo" / "sounds").glob("*"))[:4]


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """The package's modules (cnn2d, preprocessing) and its checkpoint, from the pinned
    wheel (pip download; the file's sha256 is checked), imported from a folder of their
    own - the package is never installed."""
    from training.convert_aisfx import WHEEL, checked_wheel, fetch_wheel

    cache = Path.home() / ".cache" / "synesthesia" / "wheels"
    wheel = cache / WHEEL[2]
    if not wheel.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        fetch_wheel(cache)
    folder = tmp_path_factory.mktemp("aisfx")
    with zipfile.ZipFile(checked_wheel(wheel)) as z:
        z.extractall(folder, [m for m in z.namelist() if m.endswith((".py", ".pth"))])
    mods = {}
    for name in ("cnn2d", "preprocessing"):
        rel = "models/cnn2d.py" if name == "cnn2d" else "preprocessing.py"
        spec = importlib.util.spec_from_file_location(f"aisfx_pkg_{name}", folder / "aisfx" / rel)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        mods[name] = mod
    from training.convert_aisfx import read_checkpoint

    state, datasets = read_checkpoint((folder / "aisfx" / "models" / "checkpoint.pth").read_bytes())
    net = mods["cnn2d"].CrossNet(mods["cnn2d"].EmbeddingNet("max", 3, 1, 64), datasets, "cpu")
    net.load_state_dict(state)
    return mods, net.eval()


def spectrogram(path: Path) -> torch.Tensor:
    from core.media import load_audio

    wave = torch.from_numpy(load_audio(path, aisfx.RATE, max_seconds=12))[None]
    return aisfx.log_mel(wave, aisfx.mel_filters())[0]


def test_demo_sounds_exist():
    assert len(DEMO_SOUNDS) >= 3


@pytest.mark.parametrize("path", DEMO_SOUNDS, ids=lambda p: p.name)
def test_port_matches_the_package(package, path):
    mods, pkg_net = package
    spec = spectrogram(path)
    # the package's own blocking (hop 0.5 of 100 frames, last partial block dropped)
    pkg_blocks = mods["preprocessing"].blocking(spec.numpy(), 100, 50, True)
    blocks, count = aisfx.blocks_of(spec[None])
    assert count == len(pkg_blocks)
    np.testing.assert_allclose(blocks.numpy(), pkg_blocks, atol=1e-6)
    with torch.no_grad():
        want = pkg_net.get_embedding(torch.from_numpy(pkg_blocks).float())
        got = aisfx.load_aisfx()(blocks)
    torch.testing.assert_close(got, want, atol=1e-4, rtol=1e-4)


def test_normalisation_is_the_packages(package):
    mods, _ = package
    raw = np.abs(np.random.default_rng(0).normal(size=(50, 96))) * 3
    np.testing.assert_allclose(mods["preprocessing"].spectrogram_normalize(raw),
                               raw / aisfx.LOG_SCALE, rtol=1e-7)


def test_mel_front_end_shape_and_range():
    spec = spectrogram(DEMO_SOUNDS[0])
    assert spec.shape[1] == aisfx.MELS and spec.shape[0] > 10
    assert float(spec.min()) >= 0.0 and float(spec.max()) <= 1.2
    fb = aisfx.mel_filters()
    torch.testing.assert_close(fb.sum(0), torch.ones(aisfx.MELS))  # unit-area filters


@pytest.mark.parametrize("path", DEMO_SOUNDS[:2], ids=lambda p: p.name)
def test_one_pass_encoder_is_close_to_the_exact_port(path):
    from core.media import load_audio

    wave = torch.from_numpy(load_audio(path, aisfx.RATE, max_seconds=12))[None]
    with torch.no_grad():
        blocks, count = aisfx.blocks_of(aisfx.log_mel(wave, aisfx.mel_filters()))
        exact = aisfx.load_aisfx()(blocks).mean(0, keepdim=True)
        fast = aisfx.AisfxEncoder()(wave)
    assert float(torch.nn.functional.cosine_similarity(exact, fast)) > 0.9


def test_a_changed_weights_file_is_refused(tmp_path, monkeypatch):
    from core.errors import CheckpointError
    from core.model import pretrained

    (tmp_path / "pretrained").mkdir()
    src = pretrained.RESOURCES / "pretrained" / aisfx.WEIGHTS
    data = bytearray(src.read_bytes())
    data[-1] ^= 1
    (tmp_path / "pretrained" / aisfx.WEIGHTS).write_bytes(bytes(data))
    monkeypatch.setattr(pretrained, "RESOURCES", tmp_path)
    with pytest.raises(CheckpointError, match="sha256"):
        aisfx.load_aisfx()
