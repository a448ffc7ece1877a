"""The shortcuts indexing takes for speed give what the plain path gives: reduced-size JPEG
decoding sized by the shorter side, the square cut in the decoder threads, texts batched by
length."""

from __future__ import annotations

import os
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


def _index(tmp_path, media, model, name, budget, reports=None):
    from core.library import Library

    lib = Library.open(tmp_path / name, model=model)
    lib.add_folder(media)
    report = lib.index(budget=budget)
    assert report.added > 0 and report.failed == 0
    if reports is not None:
        reports.append(report)
    found = {str(p): lib.store.segments.of_item(i)[2] for i, p in lib.store.files.indexed_paths()}
    lib.close()
    return found


def test_batches_on_every_core_give_the_same_vectors_and_hold_the_decoders(
        tmp_path, tree, tiny_model, monkeypatch):
    """ThreadBudget.model_idle, used while other programs leave the cores free: a batch
    embedded on more torch threads gets the vectors the plain budget gets, and no decoder
    starts a file while it runs."""
    import threading
    import time

    import core.library.embed as embed
    from core.library import ThreadBudget
    from core.library.threads import WATCH, NetworkPace

    media, _ = tree
    plain = ThreadBudget(decoders=2, model=1)
    monkeypatch.setattr(WATCH, "cores_free", lambda: True)
    monkeypatch.setattr(embed, "PACE", NetworkPace())  # no hold left by other tests
    found = [_index(tmp_path, media, tiny_model, "plain", plain)]
    starts, wide, lock = [], [], threading.Lock()
    real_decode = embed.decode

    def decode(*a, **k):
        with lock:
            starts.append(time.monotonic())
        return real_decode(*a, **k)

    real_encode = embed.Embedder._encode_items

    def encode_items(self, kind, items):
        t = time.monotonic()
        try:
            return real_encode(self, kind, items)
        finally:
            if not self.go.is_set():  # a batch on every core
                wide.append((t, time.monotonic()))

    monkeypatch.setattr(embed, "decode", decode)
    monkeypatch.setattr(embed.Embedder, "_encode_items", encode_items)
    reports: list = []
    found.append(_index(tmp_path, media, tiny_model, "wide",
                        ThreadBudget(decoders=2, model=1, model_idle=2), reports))
    assert reports[0].wide_batches == len(wide) > 0
    assert not [s for s in starts for a, b in wide if a < s < b]
    assert found[0].keys() == found[1].keys()
    for path, v in found[0].items():  # thread counts change summation order, nothing else
        assert np.allclose(v, found[1][path], atol=1e-5), path


def test_no_batch_on_every_core_while_other_programs_use_them(tmp_path, tree, tiny_model,
                                                              monkeypatch):
    from core.library import ThreadBudget
    from core.library.threads import WATCH

    monkeypatch.setattr(WATCH, "cores_free", lambda: False)
    reports: list = []
    _index(tmp_path, tree[0], tiny_model, "busy", ThreadBudget(decoders=2, model=1,
                                                               model_idle=2), reports)
    assert reports[0].wide_batches == 0


def test_a_batch_on_every_core_slower_than_one_on_the_budget_holds_the_next_ones():
    from core.library.threads import NetworkPace

    pace = NetworkPace(hold=2)
    pace.record("image", False, 1.0, 32)
    pace.record("image", True, 0.6, 32)  # faster: every core again
    assert pace.wide_allowed("image")
    pace.record("image", True, 0.5, 8)  # 1/16 s a piece against 1/32: the watch misjudged
    assert [pace.wide_allowed("image") for _ in range(3)] == [False, False, True]
    assert pace.wide_allowed("note")  # per kind


def test_core_watch_tells_other_programs_use_from_the_system_counters(tmp_path):
    """Busy time of the whole system less this process's own, per second of wall time."""
    import time

    from core.library.threads import OTHERS_BUSY_MAX, CoreWatch

    stat = tmp_path / "stat"
    hz = os.sysconf("SC_CLK_TCK")

    def write(busy_s: float, idle_s: float = 0.0) -> None:
        j = int(busy_s * hz)  # all of it as "user": nice, system, irq... add up the same
        stat.write_text(f"cpu  {j} 0 0 {int(idle_s * hz)} 0 0 0 0 0 0\ncpu0 1 2 3\n")

    write(0.0)
    watch = CoreWatch(span=0.05, stat=str(stat))
    assert watch.others_busy() is None  # no look old enough yet
    time.sleep(0.1)
    write(0.0, 1.0)  # the system idle: nothing used by anyone (our own time counts less)
    assert watch.others_busy() == 0.0
    assert watch.cores_free()
    time.sleep(0.1)
    write(1000.0, 1.0)  # a thousand CPU-seconds used since: others kept the cores busy
    assert watch.others_busy() > OTHERS_BUSY_MAX
    assert not watch.cores_free()
    assert CoreWatch(stat=str(tmp_path / "none")).others_busy() is None  # not Linux


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
