"""Shared upper layers: every tower's output goes through the same trunk and head."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from core.model.config import SharedConfig


class SharedLayers(nn.Module):
    """(n, word dim) tower output -> embedding (n, dim), unit-norm; the head maps an embedding
    to units (n, units) (ReLU activations, the concept detectors) and class logits.

    When dim equals the input width the trunk is residual with its last layer zero-initialised,
    so an untrained trunk is the identity (plus normalisation)."""

    def __init__(self, cfg: SharedConfig, in_dim: int):
        super().__init__()
        self.cfg = cfg
        self.residual = cfg.dim == in_dim
        self.norm = nn.LayerNorm(in_dim)
        self.fc1 = nn.Linear(in_dim, cfg.hidden)
        self.fc2 = nn.Linear(cfg.hidden, cfg.dim)
        if self.residual:
            nn.init.zeros_(self.fc2.weight)
            nn.init.zeros_(self.fc2.bias)
        self.unit_layer = nn.Linear(cfg.dim, cfg.units)
        self.classifier = nn.Linear(cfg.units, cfg.classes)

    def embed(self, h: torch.Tensor) -> torch.Tensor:
        h = F.normalize(h, dim=1)
        r = self.fc2(F.gelu(self.fc1(self.norm(h))))
        return F.normalize(h + r if self.residual else r, dim=1)

    def units(self, emb: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.unit_layer(emb))

    def logits(self, emb: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.units(emb))
