"""The aiSFX sound-effect embedding network (PyPI `aisfx` 0.1.2, CC BY 4.0), ported.

aiSFX is a 9-layer CNN trained across professional sound-effect libraries (real recordings);
its 512-d embedding groups same-label real recordings far better than SoundNet's layers do.
The package itself is never imported at run time: its loader unpickles freely and its
spectrograms need librosa or essentia. Its network and front end are reproduced here and
checked against the package's own code (tests/test_aisfx.py); the weights are converted once
to safetensors (`python -m training.convert_aisfx`) and checked by hash when loaded.

Front end, as the package computes it: mono at 44.1 kHz, peak-normalised; a 2048-point STFT
with hop 1024 (Hann window, centred, zero padding), power; 96 HTK mel bands from 0 to 22,050
Hz, each filter scaled to unit area; log10(1e4 * mel + 1) / 9.4578 (the package's "original"
normalisation). The network embeds blocks of 100 frames (about 2.3 s) taken every 50 frames:
four conv blocks, mean over frequency, max over time; a clip is the mean of its blocks.
"""

from __future__ import annotations

import hashlib

import torch
import torch.nn.functional as F
from torch import nn

from core.model.pretrained import AISFX_WEIGHTS, AISFX_WEIGHTS_SHA256

RATE = 44100
N_FFT = 2048
HOP = 1024
MELS = 96
LOG_SCALE = 9.457798957824707  # the package's "original" spectrogram maximum
BLOCK = 100  # frames per embedded block
BLOCK_HOP = 50
DIM = 512
# the converted weights' file and its sha256 (core.model.pretrained: read without torch too)
WEIGHTS = AISFX_WEIGHTS.name
WEIGHTS_SHA256 = AISFX_WEIGHTS_SHA256


class ConvBlock(nn.Module):
    """Two 3x3 convolutions with batch norm and ReLU, then max pooling."""

    def __init__(self, cin: int, cout: int, pool: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.bn2 = nn.BatchNorm2d(cout)
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return F.max_pool2d(x, self.pool) if self.pool > 1 else x


class AisfxNet(nn.Module):
    """(n, 100 frames, 96 mels) log-mel blocks -> (n, 512) embeddings (the package's
    `EmbeddingNet('max', 3, 1, 64)`, whose parameter names the state dict keeps)."""

    def __init__(self):
        super().__init__()
        self.conv_block1 = ConvBlock(1, 64, 2)
        self.conv_block2 = ConvBlock(64, 128, 2)
        self.conv_block3 = ConvBlock(128, 256, 2)
        self.conv_block4 = ConvBlock(256, 512, 1)

    def feature_map(self, blocks: torch.Tensor) -> torch.Tensor:
        x = blocks.unsqueeze(1)
        for b in (self.conv_block1, self.conv_block2, self.conv_block3, self.conv_block4):
            x = b(x)
        return x.mean(dim=3)  # (n, 512, time / 8)

    def forward(self, blocks: torch.Tensor) -> torch.Tensor:
        return self.feature_map(blocks).amax(dim=2)


def mel_filters(device: torch.device | str = "cpu") -> torch.Tensor:
    """(1025, 96) HTK mel filters from 0 to 22,050 Hz, each scaled to sum 1 (librosa's
    `norm=1`)."""
    import torchaudio

    fb = torchaudio.functional.melscale_fbanks(N_FFT // 2 + 1, 0.0, RATE / 2, MELS, RATE,
                                               norm=None, mel_scale="htk")
    return (fb / fb.sum(dim=0, keepdim=True).clamp_min(1e-12)).to(device)


def log_mel(wave44: torch.Tensor, filters: torch.Tensor) -> torch.Tensor:
    """(n, samples) at 44.1 kHz -> (n, frames, 96) normalised log-mel spectrograms; each row
    is peak-normalised first, as the package does."""
    peak = wave44.abs().amax(dim=1, keepdim=True)
    w = wave44 / torch.where(peak > 0, peak, torch.ones_like(peak))
    window = torch.hann_window(N_FFT, device=w.device, dtype=w.dtype)
    spec = torch.stft(w, N_FFT, HOP, window=window, center=True, pad_mode="constant",
                      return_complex=True).abs().pow(2)  # (n, 1025, frames)
    mel = spec.transpose(1, 2) @ filters
    return torch.log10(1e4 * mel + 1) / LOG_SCALE


def blocks_of(spec: torch.Tensor) -> tuple[torch.Tensor, int]:
    """(n, frames, 96) -> ((n * b, 100, 96), b): the package's `blocking` with hop 50 and the
    last partial block dropped (zero padding when a clip is shorter than one block)."""
    n, frames, mels = spec.shape
    count = -(-(frames - BLOCK) // BLOCK_HOP) + 1
    if (frames - BLOCK) % BLOCK_HOP != 0:
        count -= 1
    count = max(count, 1)
    need = BLOCK_HOP * (count - 1) + BLOCK
    if frames < need:
        spec = F.pad(spec, (0, 0, 0, need - frames))
    idx = (torch.arange(count, device=spec.device)[:, None] * BLOCK_HOP
           + torch.arange(BLOCK, device=spec.device)[None, :])
    return spec[:, idx].reshape(n * count, BLOCK, mels), count


def weights_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_aisfx(check_hash: bool = True) -> AisfxNet:
    """The ported network with the converted weights from resources/pretrained, in eval mode.
    The file's sha256 must match WEIGHTS_SHA256 (a changed file is refused)."""
    from safetensors.torch import load as load_safetensors

    from core.errors import CheckpointError
    from core.model.pretrained import RESOURCES

    path = RESOURCES / "pretrained" / WEIGHTS
    if not path.is_file():
        raise CheckpointError(f"{path} is missing: run `python -m training.convert_aisfx`")
    data = path.read_bytes()
    if check_hash and weights_digest(data) != WEIGHTS_SHA256:
        raise CheckpointError(f"{path}: sha256 {weights_digest(data)} is not the converted aiSFX "
                              "weights'; run `python -m training.convert_aisfx` again")
    net = AisfxNet()
    net.load_state_dict(load_safetensors(data))
    return net.eval()


def bf16_ok(device: torch.device | str) -> bool:
    """Whether convolutions in bfloat16 are native here (CUDA, or a CPU with AVX-512 BF16):
    about 2x the speed at a cosine of 0.9999 to float32. Elsewhere float32 is faster."""
    if torch.device(device).type == "cuda":
        return True
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def pooled(fmap: torch.Tensor) -> torch.Tensor:
    """(n, 512, t) feature map of a whole clip -> (n, 512): the max over each window of
    100 input frames (12 columns after three 2x poolings) every 50 (6 columns), then the
    mean over windows - the package's blocks, computed from one pass over the clip."""
    t = fmap.shape[2]
    win, hop = BLOCK // 8, BLOCK_HOP // 8
    count = max(1, (t - win) // hop + 1)
    starts = torch.arange(count, device=fmap.device) * hop
    idx = (starts[:, None] + torch.arange(win, device=fmap.device)[None, :]).clamp(max=t - 1)
    return fmap[:, :, idx].amax(dim=3).mean(dim=2)


class AisfxEncoder(nn.Module):
    """Waveforms at 44.1 kHz -> (n, 512) aiSFX embeddings, frozen. One pass of the network
    over each whole clip (channels-last, bfloat16 where native) instead of over overlapping
    blocks: 1.6x fewer operations for a 10-s clip; `AisfxNet` on `blocks_of` is the exact
    port, which tests compare with the package."""

    def __init__(self, net: AisfxNet | None = None):
        super().__init__()
        self.net = (net or load_aisfx()).to(memory_format=torch.channels_last)
        self.register_buffer("filters", mel_filters(), persistent=False)
        for p in self.net.parameters():
            p.requires_grad_(False)

    def train(self, mode: bool = True):
        super().train(mode)
        self.net.eval()  # batch-norm statistics stay the package's own
        return self

    def forward(self, wave44: torch.Tensor) -> torch.Tensor:
        spec = log_mel(wave44.float(), self.filters)
        if spec.shape[1] < BLOCK:  # shorter than one block: zero-padded, as the package does
            spec = F.pad(spec, (0, 0, 0, BLOCK - spec.shape[1]))
        x = spec.unsqueeze(1).contiguous(memory_format=torch.channels_last)
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16_ok(x.device)):
            for b in (self.net.conv_block1, self.net.conv_block2, self.net.conv_block3,
                      self.net.conv_block4):
                x = b(x)
        return pooled(x.float().mean(dim=3))
