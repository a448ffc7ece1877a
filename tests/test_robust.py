"""WiSE-FT and the sound centre (training.robust): the interpolation is the straight line
between the pretrained and the fine-tuned weights, only parameters with a pretrained start
move, and a centred network's sound embeddings are the shared layers' minus the centre."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from core.model import ModelConfig, create_model, load_model, save_checkpoint
from training.features import SoundFeatures
from training.robust import fit_sound_center, interpolate, trainable_snapshot, trained_names


def _centred_tiny():
    cfg = ModelConfig.tiny()
    cfg.sound = replace(cfg.sound, center=True)
    return create_model(cfg, seed=0)


def test_interpolation_is_the_line_between_start_and_tuned():
    net = create_model(ModelConfig.tiny(), seed=0).net
    start = trainable_snapshot(net)
    assert start, "the sound branch has trainable parameters"
    with torch.no_grad():
        for n, p in net.named_parameters():
            if n in start:
                p.add_(1.0)
    tuned = {n: p.detach().clone() for n, p in net.named_parameters()}
    assert interpolate(net, start, 0.5) == len(start)
    for n, p in net.named_parameters():
        want = (start[n] + tuned[n]) / 2 if n in start else tuned[n]
        assert torch.allclose(p, want), n
    interpolate(net, start, 0.0)
    assert all(torch.equal(p, start[n]) for n, p in net.named_parameters() if n in start)
    with pytest.raises(ValueError):
        interpolate(net, start, 1.5)


def test_new_layers_random_start_is_not_gone_back_to():
    net = create_model(ModelConfig.tiny(), seed=0).net
    snap = trainable_snapshot(net)
    assert not any(n.startswith(("shared.unit_layer", "shared.classifier")) for n in snap)
    assert not any(n.startswith("shared.fc1") for n in snap)  # the tiny trunk is not residual
    assert "sound.objects.weight" in snap and "sound.adapter.weight" in snap
    names = trained_names(net, {"sound_layers": ["conv7"], "sound_adapter": True})
    assert "sound.adapter.weight" in names and "image.weight" not in names
    assert any(n.startswith("sound.soundnet.blocks.conv7.") for n in names)
    assert not any(n.startswith("sound.soundnet.blocks.conv6.") for n in names)


def test_centred_sound_embeddings_and_checkpoint_round_trip(tmp_path):
    model = _centred_tiny()
    net = model.net
    h = torch.randn(3, 384)
    plain = net.shared.embed(h)
    assert torch.allclose(net.embed_sound_h(h), plain)  # a zero centre changes nothing
    centre = torch.nn.functional.normalize(torch.randn(net.cfg.shared.dim), dim=0)
    net.sound_center.copy_(centre)
    want = torch.nn.functional.normalize(plain - centre, dim=1)
    assert torch.allclose(net.embed_sound_h(h), want, atol=1e-6)
    path = tmp_path / "centred.pt"
    save_checkpoint(model, path)
    again = load_model(path)
    assert again.cfg.sound.center
    assert torch.equal(again.net.sound_center, centre)
    assert torch.allclose(again.net.embed_sound_h(h), want, atol=1e-6)


def test_old_checkpoints_without_a_centre_still_load(tiny_checkpoint):
    m = load_model(tiny_checkpoint)
    assert not m.cfg.sound.center and not hasattr(m.net, "sound_center")


def test_fitted_centre_is_the_mean_training_sound_embedding():
    model = _centred_tiny()
    net = model.net
    rng = np.random.default_rng(0)
    clips = [rng.standard_normal((n, 256)).astype(np.float16) for n in (60, 54, 70)]
    offsets = np.concatenate([[0], np.cumsum([len(c) for c in clips])])
    snds = SoundFeatures(["a", "b", "c"], np.concatenate(clips), offsets)
    mean = fit_sound_center(net, snds, [0, 2])
    with torch.no_grad():
        embs = [net.shared.embed(net.sound.from_cache(torch.from_numpy(snds.clip(r))[None])[0])
                for r in (0, 2)]
    assert torch.allclose(mean, torch.cat(embs).mean(0), atol=1e-5)
    assert torch.equal(net.sound_center, mean)
    with pytest.raises(ValueError):
        fit_sound_center(create_model(ModelConfig.tiny(), seed=0).net, snds, [0])
