"""The shortcuts indexing takes for speed give what the plain path gives: reduced-size JPEG
decoding sized by the shorter side, the square cut in the decoder threads, texts batched by
length."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from core.media import load_image
from core.media.images import fit_square
from tests.media import picture


def _jpeg(path: Path, h: int, w: int) -> Path:
    img = cv2.resize(picture((120, 60, 30), 0), (w, h), interpolation=cv2.INTER_CUBIC)
    cv2.imwrite(str(path), img[:, :, ::-1])
    return path


def test_min_side_picks_the_largest_reduction_that_keeps_the_short_side(tmp_path):
    p = _jpeg(tmp_path / "a.jpg", 1200, 1600)
    assert load_image(p, min_side=224).shape == (300, 400, 3)  # 1/4: 1/8 would be 150
    assert load_image(p, min_side=100).shape == (150, 200, 3)  # 1/8
    assert load_image(p, min_side=1000).shape == (1200, 1600, 3)  # no reduction fits
    pano = _jpeg(tmp_path / "pano.jpg", 500, 4000)
    assert load_image(pano, min_side=224).shape == (250, 2000, 3)  # the short side rules


def test_fit_square_matches_a_direct_resize_and_crop(tmp_path):
    p = _jpeg(tmp_path / "a.jpg", 1200, 1600)
    reduced = fit_square(load_image(p, min_side=224), 224)
    full = fit_square(load_image(p), 224)
    assert reduced.shape == full.shape == (224, 224, 3)
    # the DCT-domain reduction is a slightly different filter than area resampling
    assert np.abs(reduced.astype(int) - full.astype(int)).mean() < 3.0
    small = picture((0, 0, 0), 1, size=(100, 50))
    assert fit_square(small, 224).shape == (224, 224, 3)  # enlarged when smaller
    square = np.zeros((224, 224, 3), np.uint8)
    assert fit_square(square, 224) is square


def test_texts_batched_by_length_keep_their_order(tiny_model):
    texts = ["a dog", "a very long sentence about a red boat on a quiet lake at dawn " * 3,
             "rain", "bells ringing in a small church tower", "x y"] * 30
    together = tiny_model.encode_texts(texts)
    alone = np.concatenate([tiny_model.encode_texts([t]) for t in texts[:5]])
    assert np.allclose(together[:5], alone, atol=1e-5)
    assert np.allclose(together[5:10], alone, atol=1e-5)


def test_more_network_threads_while_decoders_idle_give_the_same_vectors(tmp_path, tree,
                                                                         tiny_model):
    """ThreadBudget.model_idle: a batch embedded on more torch threads (the decoders are
    idle: read-ahead full or nothing left) gets the vectors the plain budget gets."""
    from core.library import Library, ThreadBudget

    media, _ = tree
    found = []
    for name, budget in (("plain", ThreadBudget(decoders=1, model=1)),
                         ("idle", ThreadBudget(decoders=1, model=1, model_idle=2))):
        lib = Library.open(tmp_path / name, model=tiny_model)
        lib.add_folder(media)
        report = lib.index(budget=budget)
        assert report.added > 0 and report.failed == 0
        found.append({str(p): lib.store.segments.of_item(i)[2]
                      for i, p in lib.store.files.indexed_paths()})
        lib.close()
    assert found[0].keys() == found[1].keys()
    for path, v in found[0].items():  # thread counts change summation order, nothing else
        assert np.allclose(v, found[1][path], atol=1e-5), path


def test_soundnet_inference_path_is_the_training_path():
    """Batch-norm folded and the pool before the ReLU (inference) against the plain layers
    (taken with gradients on, as training does)."""
    import torch

    from core.model.soundnet import load_soundnet

    net = load_soundnet()
    wave = torch.from_numpy(np.random.default_rng(0).standard_normal((2, 441000))
                            .astype(np.float32) * 0.1)
    with torch.inference_mode():
        fast = net.features(wave)
    with torch.enable_grad():
        plain = net.features(wave).detach()
    assert fast.shape == plain.shape
    assert torch.allclose(fast, plain, rtol=1e-4, atol=1e-4 * plain.abs().max().item())
