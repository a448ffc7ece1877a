"""The sound tower on aiSFX: waveform -> aiSFX embedding (frozen) -> a trained head -> the
word space of the sentence encoder, where the shared layers align it with images and texts.

With `cfg.beside` the head's output is added to the SoundNet branch's own (its class mix
through the class texts and its adapter, frozen as trained before), and the head's last layer
starts at zero: an untrained tower is then exactly the SoundNet tower.
"""

from __future__ import annotations

import torch
from torch import nn

from core.model.aisfx import DIM, RATE, AisfxEncoder
from core.model.config import SoundTowerConfig


def aisfx_embedding(encoder: AisfxEncoder, wave: torch.Tensor, rate: int) -> torch.Tensor:
    """(n, samples) at `rate` -> (n, 512): resampled to aiSFX's 44.1 kHz, then encoded.
    (The library's sounds are decoded at 16 kHz, so aiSFX's bands above 8 kHz stay empty;
    the head is trained on exactly these inputs.)"""
    import torchaudio

    return encoder(torchaudio.functional.resample(wave, rate, RATE))


class AisfxBranch(nn.Module):
    """Waveforms at cfg.sample_rate -> (word-space vector, object logits or None)."""

    def __init__(self, cfg: SoundTowerConfig, word_dim: int, soundnet_branch: nn.Module | None):
        super().__init__()
        self.cfg = cfg
        self.encoder = AisfxEncoder()
        self.head = nn.Sequential(nn.LayerNorm(DIM), nn.Linear(DIM, cfg.head_hidden), nn.GELU(),
                                  nn.Dropout(cfg.head_dropout),
                                  nn.Linear(cfg.head_hidden, word_dim))
        self.soundnet = soundnet_branch if cfg.beside else None
        if self.soundnet is not None:
            nn.init.zeros_(self.head[-1].weight)
            nn.init.zeros_(self.head[-1].bias)
            for p in self.soundnet.parameters():
                p.requires_grad_(False)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.soundnet is not None:
            self.soundnet.eval()
        return self

    def prepare(self, wave: torch.Tensor) -> torch.Tensor:
        """Batches are grouped by length: the waveform is kept at cfg.sample_rate and
        resampled for each network inside `from_prepared`."""
        return wave

    def embedding(self, wave: torch.Tensor) -> torch.Tensor:
        """(n, samples) at cfg.sample_rate -> (n, 512) aiSFX embeddings."""
        return aisfx_embedding(self.encoder, wave, self.cfg.sample_rate)

    def from_features(self, emb: torch.Tensor, h_soundnet: torch.Tensor | None = None
                      ) -> torch.Tensor:
        """aiSFX embeddings (and, with `beside`, the SoundNet branch's word-space output) ->
        the word-space vector. Training runs this on cached features."""
        h = self.head(emb)
        if self.soundnet is not None:
            if h_soundnet is None:
                raise ValueError("this tower adds SoundNet's output: pass h_soundnet")
            h = h + h_soundnet
        return h

    def from_prepared(self, wave: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        h_sn = obj = None
        if self.soundnet is not None:
            h_sn, obj = self.soundnet(wave)
        return self.from_features(self.embedding(wave), h_sn), obj

    def forward(self, wave: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.from_prepared(wave)
