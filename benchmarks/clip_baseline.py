"""The baseline image encoder of comparable tools: CLIP ViT-B/32 (224 px, patch 32,
width 768, 12 layers), random weights (speed does not depend on them), in the same
indexing pipeline as ours: same decoding, batching and store."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from torch import nn

CLIP_MEAN = np.array([0.48145466, 0.4578275, 0.40821073], np.float32) * 255
CLIP_STD = np.array([0.26862954, 0.26130258, 0.27577711], np.float32) * 255


class ViTB32(nn.Module):
    def __init__(self, width: int = 768, layers: int = 12, heads: int = 12, patch: int = 32,
                 size: int = 224, out: int = 512):
        super().__init__()
        self.conv = nn.Conv2d(3, width, patch, patch, bias=False)
        self.cls = nn.Parameter(torch.zeros(width))
        self.pos = nn.Parameter(torch.randn((size // patch) ** 2 + 1, width) * 0.02)
        self.ln_pre = nn.LayerNorm(width)
        layer = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Linear(width, out, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], 1, -1), x], dim=1) + self.pos
        x = self.blocks(self.ln_pre(x))
        return self.proj(self.ln_post(x[:, 0]))


def clip_preprocess(img: np.ndarray, size: int = 224) -> np.ndarray:
    import cv2

    h, w = img.shape[:2]
    s = size / min(h, w)
    img = cv2.resize(img, (max(size, round(w * s)), max(size, round(h * s))),
                     interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
    h, w = img.shape[:2]
    y, x = (h - size) // 2, (w - size) // 2
    crop = img[y:y + size, x:x + size].astype(np.float32)
    return ((crop - CLIP_MEAN) / CLIP_STD).transpose(2, 0, 1)


class ClipBaselineModel:
    """Our model with its image path replaced by CLIP ViT-B/32; vectors projected to our
    dimension so the same store holds them."""

    def __init__(self, ours, batch: int = 32):
        self.ours = ours
        self.device = str(ours.device)
        self.vit = ViTB32(out=ours.dim).eval().to(self.device)
        self.dim = ours.dim
        self.model_id = "clip-vit-b32-baseline"
        self.batch = batch
        self.image_side = 224  # the indexer decodes photos to this square for both models

    def _decode(self, items):
        from core.media import load_image

        def one(x):
            return x if isinstance(x, np.ndarray) else load_image(x, min_side=224)

        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(one, items))

    @torch.inference_mode()
    def encode_images(self, items) -> np.ndarray:
        out = []
        for s in range(0, len(items), self.batch):
            px = np.stack([clip_preprocess(i) for i in self._decode(items[s:s + self.batch])])
            e = self.vit(torch.from_numpy(px).to(self.device))
            out.append(torch.nn.functional.normalize(e, dim=1).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)

    def encode_sounds(self, items) -> np.ndarray:
        return self.ours.encode_sounds(items)

    def encode_texts(self, texts) -> np.ndarray:
        return self.ours.encode_texts(texts)
