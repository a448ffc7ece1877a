"""Sound tower: log-mel spectrogram into a 1-D CNN over time, pooled over any length."""

from __future__ import annotations

import torch
from torch import nn

from core.model.config import SoundTowerConfig

# Log-mel statistics of the training corpus, so the first layer sees roughly unit scale.
LOGMEL_MEAN = -6.0
LOGMEL_STD = 4.0


class LogMel(nn.Module):
    """(n, samples) float32 waveform at cfg.sample_rate -> (n, n_mels, frames) normalised log-mel."""

    def __init__(self, cfg: SoundTowerConfig):
        super().__init__()
        import torchaudio

        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=cfg.sample_rate, n_fft=cfg.n_fft, hop_length=cfg.hop, n_mels=cfg.n_mels,
            f_min=20.0, f_max=cfg.sample_rate / 2,
        )

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        m = self.mel(wave)
        return (torch.log(m + 1e-6) - LOGMEL_MEAN) / LOGMEL_STD


class SoundTower(nn.Module):
    """(n, n_mels, frames) log-mel -> (n, hidden). Global mean+max pooling over time makes any
    length work, from one second to a long recording."""

    def __init__(self, cfg: SoundTowerConfig):
        super().__init__()
        self.cfg = cfg
        layers: list[nn.Module] = []
        c_in = cfg.n_mels
        for i, c in enumerate(cfg.channels):
            k = 5 if i < 2 else 3
            layers += [nn.Conv1d(c_in, c, k, padding=k // 2), nn.BatchNorm1d(c), nn.ReLU()]
            if i < len(cfg.channels) - 1:
                layers.append(nn.MaxPool1d(2, ceil_mode=True))
            c_in = c
        self.conv = nn.Sequential(*layers)
        self.proj = nn.Sequential(nn.Linear(2 * c_in, cfg.hidden), nn.LayerNorm(cfg.hidden), nn.ReLU())

    def forward(self, logmel: torch.Tensor) -> torch.Tensor:
        h = self.conv(logmel)
        pooled = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        return self.proj(pooled)


class EffNetSoundTower(nn.Module):
    """(n, n_mels, frames) log-mel -> (n, hidden) through the stem and first blocks of
    EfficientNet-Lite0 (a 2-D CNN), optionally initialised from its ImageNet weights."""

    def __init__(self, cfg: SoundTowerConfig):
        super().__init__()
        from efficientnet_lite_pytorch import EfficientNet

        self.cfg = cfg
        net = EfficientNet.from_name("efficientnet-lite0")
        if cfg.init == "imagenet":
            from core.model.image import load_teacher

            net.load_state_dict(load_teacher().state_dict())
        stem = net._conv_stem
        # One input channel: the stem's RGB filters summed, as for a grey image.
        with torch.no_grad():
            stem.weight = nn.Parameter(stem.weight.sum(dim=1, keepdim=True))
        stem.in_channels = 1
        self.stem, self.bn0, self.act = stem, net._bn0, net._swish
        self.blocks = nn.ModuleList(net._blocks[: cfg.effnet_blocks])
        for p in self.parameters():
            p.requires_grad_(True)
        c_out = self.blocks[-1]._project_conv.out_channels
        self.proj = nn.Sequential(nn.Linear(2 * c_out, cfg.hidden), nn.LayerNorm(cfg.hidden),
                                  nn.ReLU())

    def forward(self, logmel: torch.Tensor) -> torch.Tensor:
        x = self.act(self.bn0(self.stem(logmel.unsqueeze(1))))
        for block in self.blocks:
            x = block(x)
        h = x.mean(dim=2)  # over frequency
        pooled = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        return self.proj(pooled)


def sound_tower(cfg: SoundTowerConfig) -> nn.Module:
    if cfg.kind == "cnn1d":
        return SoundTower(cfg)
    if cfg.kind == "effnet":
        return EffNetSoundTower(cfg)
    raise ValueError(f"unknown sound tower kind {cfg.kind!r}")
