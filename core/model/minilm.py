"""Text encoder: all-MiniLM-L6-v2 (sentence-transformers), frozen, from its PyPI wheel.

Mean pooling of the last layer over real tokens, then L2 normalisation, exactly as the
sentence-transformers release does (modules.json: Transformer -> Pooling(mean) -> Normalize).
Every file is checked against its pinned hash before it is read (core.model.pretrained).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from core.model.textpath import MAX_TOKENS, has_words

DIM = 384
__all__ = ["DIM", "MAX_TOKENS", "MiniLM", "has_words"]


class MiniLM(nn.Module):
    """list[str] -> (n, 384) unit-norm sentence embeddings. Frozen; not part of checkpoints."""

    def __init__(self):
        super().__init__()
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        from core.model.bert import Bert
        from core.model.pretrained import minilm_dir

        folder = minilm_dir()
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        with torch.device("meta"):  # no random initialisation of weights about to be replaced
            self.bert = Bert.from_config_file(folder / "config.json")
        state = load_file(str(folder / "model.safetensors"))
        state = {k.removeprefix("bert."): v for k, v in state.items()}
        state = {k: v for k, v in state.items()
                 if not k.startswith("pooler.") and k != "embeddings.position_ids"}
        self.bert.load_state_dict(state, assign=True)  # the loaded tensors, not copies
        self.bert.eval()
        for p in self.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def forward(self, texts: list[str]) -> torch.Tensor:
        dev = next(self.bert.parameters()).device
        enc = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in enc], device=dev)
        mask = torch.tensor([e.attention_mask for e in enc], device=dev)
        out = self.bert(ids, mask)
        m = mask.unsqueeze(2).to(out.dtype)
        pooled = (out * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, dim=1)
