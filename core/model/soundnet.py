"""SoundNet, 8 layers (Aytar, Vondrick, Torralba 2016), ported to torch.

A 1-D CNN over the raw waveform (mono, 22,050 Hz, scaled to about +-256) trained on ~2M
videos to predict what an ImageNet network saw in the frames (1000 object classes, the
teacher's class space) and what a Places network saw (401 scenes). Layer shapes follow the
original torch7 definition; weights come from `core.model.pretrained.soundnet_weights()`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

NET_RATE = 22050
SCALE = 256.0
# name, in, out, kernel, stride, padding, max-pool (kernel = stride) or 0
LAYERS = (
    ("conv1", 1, 16, 64, 2, 32, 8),
    ("conv2", 16, 32, 32, 2, 16, 8),
    ("conv3", 32, 64, 16, 2, 8, 0),
    ("conv4", 64, 128, 8, 2, 4, 0),
    ("conv5", 128, 256, 4, 2, 2, 4),
    ("conv6", 256, 512, 4, 2, 2, 0),
    ("conv7", 512, 1024, 4, 2, 2, 0),
)
HEADS = (("conv8", 1000), ("conv8_2", 401))  # ImageNet objects, Places scenes
HEAD_KERNEL, HEAD_STRIDE = 8, 2
# conv7 frames needed for one head output: 8 frames of conv7 are ~12 s of sound.
MIN_SECONDS = 20.0  # shorter sounds are tiled to this length


class ConvBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, k: int, s: int, p: int, pool: int):
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, k, s, p)
        self.bn = nn.BatchNorm1d(c_out, eps=1e-5)
        self.pool = nn.MaxPool1d(pool, pool) if pool else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training or torch.is_grad_enabled():
            return self.pool(torch.relu(self.bn(self.conv(x))))
        # Inference: batch-norm folded into the convolution (weights scaled per call: they
        # may be fine-tuned), the max-pool before the ReLU (they commute; the ReLU then
        # runs on 1/8 of the values). Same result, the trunk ~15% faster.
        bn, conv = self.bn, self.conv
        scale = bn.weight * torch.rsqrt(bn.running_var + bn.eps)
        w = conv.weight * scale[:, None, None]
        b = (conv.bias - bn.running_mean) * scale + bn.bias
        y = F.conv1d(x, w, b, conv.stride, conv.padding)
        return torch.relu_(self.pool(y))


class SoundNet8(nn.Module):
    """(n, samples) waveform at 22,050 Hz in [-1, 1] -> per-frame logits of the two heads.

    `features(x, upto)` runs the trunk up to and including layer `upto` ("conv1".."conv7");
    `from_layer(h, after)` continues from such an activation, so training can cache the
    frozen lower layers."""

    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleDict({name: ConvBlock(i, o, k, s, p, pool)
                                     for name, i, o, k, s, p, pool in LAYERS})
        self.heads = nn.ModuleDict({name: nn.Conv1d(1024, n, HEAD_KERNEL, HEAD_STRIDE)
                                    for name, n in HEADS})

    def features(self, wave: torch.Tensor, upto: str = "conv7") -> torch.Tensor:
        x = (wave * SCALE).unsqueeze(1)
        for name, block in self.blocks.items():
            x = block(x)
            if name == upto:
                break
        return x

    def from_layer(self, h: torch.Tensor, after: str) -> torch.Tensor:
        names = list(self.blocks)
        for name in names[names.index(after) + 1:]:
            h = self.blocks[name](h)
        return h

    def head_logits(self, h7: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """conv7 activations (n, 1024, t) -> object (n, 1000, f) and scene (n, 401, f) logits,
        without the last frame (it sees the zero padding and saturates) when there are more."""
        out = []
        for head in self.heads.values():
            lg = head(h7)
            out.append(lg[:, :, :-1] if lg.shape[2] > 1 else lg)
        return out[0], out[1]

    def forward(self, wave: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head_logits(self.features(wave))


def load_soundnet() -> SoundNet8:
    """SoundNet with its original weights (checked by hash), in eval mode."""
    from safetensors.torch import load_file

    from core.model.pretrained import soundnet_weights

    with torch.device("meta"):  # no random initialisation of weights about to be replaced
        net = SoundNet8()
    state = {k: v.float() for k, v in load_file(str(soundnet_weights())).items()}
    net.load_state_dict(state, assign=True)
    return net.eval()
