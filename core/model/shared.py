"""Shared upper layers: every tower's output goes through the same trunk and head."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from core.model.config import SharedConfig


class SharedLayers(nn.Module):
    """(n, tower hidden) -> embedding (n, dim) unit-norm; the head maps an embedding to
    units (n, units) (ReLU activations, the concept detectors) and class logits (n, classes)."""

    def __init__(self, cfg: SharedConfig, tower_hidden: int):
        super().__init__()
        self.cfg = cfg
        self.trunk = nn.Sequential(
            nn.Linear(tower_hidden, cfg.hidden), nn.LayerNorm(cfg.hidden), nn.ReLU(),
            nn.Linear(cfg.hidden, cfg.dim),
        )
        self.unit_layer = nn.Linear(cfg.dim, cfg.units)
        self.classifier = nn.Linear(cfg.units, cfg.classes)

    def embed(self, h: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.trunk(h), dim=1)

    def units(self, emb: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.unit_layer(emb))

    def logits(self, emb: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.units(emb))
