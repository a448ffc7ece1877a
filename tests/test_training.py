"""A smoke training on a tiny real fixture: retrieval on held-out items must beat chance,
text<->sound included although no text+sound pair is ever trained on."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.model import load_model
from tests.media import toy_corpus
from training.losses import ranking_loss, teacher_kl
from training.metrics import bootstrap_section, paired_bootstrap, ranks_of_first_relevant, retrieval_metrics
from training.train import TrainConfig, train


def test_metrics_on_known_ranks():
    scores = np.array([[0.9, 0.1, 0.5], [0.2, 0.3, 0.1], [0.0, 0.0, 1.0]])
    rel = np.eye(3, dtype=bool)
    assert ranks_of_first_relevant(scores, rel).tolist() == [1, 1, 1]
    rel = np.array([[0, 1, 0], [1, 0, 0], [1, 1, 0]], dtype=bool)
    assert ranks_of_first_relevant(scores, rel).tolist() == [3, 2, 2]
    m = retrieval_metrics(scores, rel)
    assert m["R@1"] == 0 and m["median_rank"] == 2 and m["R@5"] == 1.0
    assert "ranks" not in m and retrieval_metrics(scores, rel, keep_ranks=True)["ranks"] == [3, 2, 2]


def test_paired_bootstrap_tells_a_sure_difference_from_noise():
    same = paired_bootstrap([1, 4, 12, 30], [1, 4, 12, 30])
    assert same["R@10"] == {"diff": 0.0, "low": 0.0, "high": 0.0, "better": 0.0, "worse": 0.0}
    sure = paired_bootstrap([1] * 40, [20] * 40)  # the first finds every query at rank 1
    assert sure["R@10"]["diff"] == 1.0 and sure["R@10"]["low"] == 1.0
    assert sure["median_rank"]["diff"] == 19 and sure["median_rank"]["better"] == 1.0
    # One query of 40 better (rank 3 vs 15) and one worse: the interval spans zero.
    a, b = [3, 40] + [50] * 38, [15, 8] + [50] * 38
    noisy = paired_bootstrap(a, b)
    assert noisy["R@10"]["diff"] == 0.0
    assert noisy["R@10"]["low"] < 0 < noisy["R@10"]["high"]
    assert 0.2 < noisy["R@10"]["better"] < 0.5 and 0.2 < noisy["R@10"]["worse"] < 0.5
    assert paired_bootstrap(a, b) == noisy  # seeded: the same report twice
    with pytest.raises(ValueError, match="same queries"):
        paired_bootstrap([1, 2], [1, 2, 3])
    first = {"img->txt": {"ranks": [1] * 40}, "txt->img": {"R@10": 0.5}}
    lines = bootstrap_section("heading", first, {"img->txt": {"ranks": [20] * 40}},
                              ["img->txt", "txt->img"])
    assert lines[:2] == ["", "heading"] and len(lines) == 3
    assert lines[2].startswith("- img->txt: R@10 +1.000 [+1.000, +1.000]")
    assert bootstrap_section("heading", first, {}, ["img->txt"]) == []


def test_losses_prefer_aligned_pairs():
    a = torch.nn.functional.normalize(torch.randn(8, 16), dim=1)
    shuffled = a[torch.randperm(8)]
    assert ranking_loss(a, a) < ranking_loss(a, shuffled)
    p = torch.softmax(torch.randn(4, 10), dim=1)
    assert teacher_kl(torch.log(p), p, 1.0).abs() < 1e-5
    assert teacher_kl(torch.zeros(4, 10), p, 1.0) > 0


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    root = tmp_path_factory.mktemp("toy")
    items = toy_corpus(root / "train", per_concept=6, seed=0)
    held = toy_corpus(root / "held", per_concept=3, seed=1, prefix="held")
    # Toy tones and colour patches are far from what the pretrained towers know: the pretrained
    # parts get the shared layers' learning rate so 150 steps can align them, and WiSE-FT is
    # off (alpha 1), since going halfway back to the pretrained weights is the point there.
    cfg = TrainConfig(tiny=True, steps=150, batch_text=32, batch_sound=16, batch_class=16,
                      warmup=10, lr_pretrained=1e-3, pivot_min_conf=0.0, eval_every=0,
                      out=str(root / "toy.pt"), device="cpu", wise_alpha=1.0)
    metrics = train(cfg, items=items, held=held, cache=root / "cache")
    return metrics, root / "toy.pt", (cfg, items, held, root)


@pytest.mark.parametrize("direction", ["img->txt", "txt->img", "img->snd", "snd->img",
                                       "txt->snd", "snd->txt"])
def test_smoke_training_beats_chance(smoke, direction):
    metrics, _, _ = smoke
    m = metrics[direction]
    assert m["R@1"] > m["chance"]["R@1"] + 0.2, m


def test_smoke_checkpoint_is_self_describing(smoke):
    metrics, path, _ = smoke
    m = load_model(path)
    ckpt = torch.load(path, weights_only=True)
    assert ckpt["manifest"]["image_sound_pairs"] == 24
    assert ckpt["metrics"]["txt->snd"]["R@1"] == metrics["txt->snd"]["R@1"]
    assert m.model_id == ckpt["model_id"]


def test_wise_alpha_zero_gives_back_the_pretrained_sound_branch(smoke):
    """training.train ends with WiSE-FT: at alpha 0 every trained parameter with a pretrained
    start is back at it, while the new layers (the units and class head) keep their training."""
    from dataclasses import replace

    from core.model import ModelConfig, create_model

    _, _, (cfg, items, held, root) = smoke
    out = root / "wise0.pt"
    train(replace(cfg, steps=20, wise_alpha=0.0, out=str(out)), items=items, held=held,
          cache=root / "cache")
    trained = load_model(out).net.state_dict()
    fresh = create_model(ModelConfig.tiny(), seed=cfg.seed).net.state_dict()
    for name in ("sound.objects.weight", "sound.adapter.weight",
                 "sound.soundnet.blocks.conv7.conv.weight"):
        assert torch.allclose(trained[name].float(), fresh[name].float(), atol=1e-6), name
    assert not torch.allclose(trained["shared.classifier.weight"], fresh["shared.classifier.weight"])


def test_image_map_stage_moves_the_class_map_and_nothing_else(smoke):
    """training.image_map tunes only the image branch's class map; WiSE-FT at 0 gives the
    checkpoint back; a confidence no image reaches leaves nothing to train on."""
    from training.image_map import tune

    _, path, (_, items, held, root) = smoke
    before = load_model(path).net.state_dict()
    kw = dict(steps=30, min_conf=0.0, lr=1e-3, items=items, held=held, cache=root / "cache")
    tune(str(path), str(root / "map1.pt"), alpha=1.0, **kw)
    after = load_model(root / "map1.pt")
    moved = [n for n, v in after.net.state_dict().items() if not torch.equal(v, before[n])]
    assert moved == ["image.weight"]
    assert torch.load(root / "map1.pt", weights_only=True)["manifest"]["image_map"]["steps"] == 30
    tune(str(path), str(root / "map0.pt"), alpha=0.0, **kw)
    assert torch.equal(load_model(root / "map0.pt").net.image.weight, before["image.weight"])
    with pytest.raises(SystemExit, match="nothing to train on"):
        tune(str(path), str(root / "none.pt"), alpha=1.0, **{**kw, "min_conf": 0.999})
