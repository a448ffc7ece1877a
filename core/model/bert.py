"""A BERT encoder for inference, enough for all-MiniLM-L6-v2, with the module names of
`transformers.BertModel` so its weights load unchanged.

Why not `transformers`: importing it takes 2-3 s on the idle 2-core machine (20 s loaded),
most of the time from launch to the first answer; this file imports nothing but torch.
`tests/test_bert.py` checks the outputs against `transformers.BertModel`.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn


class _Dense(nn.Module):
    """A linear layer, optionally with the LayerNorm after a residual (BERT's "output")."""

    def __init__(self, d_in: int, d_out: int, eps: float | None = None):
        super().__init__()
        self.dense = nn.Linear(d_in, d_out)
        if eps is not None:
            self.LayerNorm = nn.LayerNorm(d_out, eps=eps)

    def forward(self, x: torch.Tensor, residual: torch.Tensor | None = None) -> torch.Tensor:
        y = self.dense(x)
        return self.LayerNorm(y + residual) if residual is not None else y


class _SelfAttention(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(dim, dim), nn.Linear(dim, dim), \
            nn.Linear(dim, dim)


class _Attention(nn.Module):
    def __init__(self, dim: int, heads: int, eps: float):
        super().__init__()
        self.heads = heads
        self.self = _SelfAttention(dim)
        self.output = _Dense(dim, dim, eps)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        n, t, d = x.shape

        def split(lin: nn.Linear) -> torch.Tensor:
            return lin(x).view(n, t, self.heads, d // self.heads).transpose(1, 2)

        s = self.self
        a = F.scaled_dot_product_attention(split(s.query), split(s.key), split(s.value), bias)
        return self.output(a.transpose(1, 2).reshape(n, t, d), x)


class _Layer(nn.Module):
    def __init__(self, dim: int, heads: int, hidden: int, eps: float):
        super().__init__()
        self.attention = _Attention(dim, heads, eps)
        self.intermediate = _Dense(dim, hidden)
        self.output = _Dense(hidden, dim, eps)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        x = self.attention(x, bias)
        return self.output(F.gelu(self.intermediate(x)), x)


class _Embeddings(nn.Module):
    def __init__(self, vocab: int, dim: int, positions: int, types: int, eps: float):
        super().__init__()
        # given weights (empty): no random initialisation, and none of nn.init's normal_,
        # which under torch.device("meta") imports torch._dynamo (seconds at start-up)
        self.word_embeddings = nn.Embedding(vocab, dim, _weight=torch.empty(vocab, dim))
        self.position_embeddings = nn.Embedding(positions, dim,
                                                _weight=torch.empty(positions, dim))
        self.token_type_embeddings = nn.Embedding(types, dim, _weight=torch.empty(types, dim))
        self.LayerNorm = nn.LayerNorm(dim, eps=eps)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = (self.word_embeddings(ids) + self.position_embeddings(pos)[None]
             + self.token_type_embeddings.weight[0])  # one segment: token type 0
        return self.LayerNorm(x)


class _Encoder(nn.Module):
    def __init__(self, layers: list[_Layer]):
        super().__init__()
        self.layer = nn.ModuleList(layers)


class Bert(nn.Module):
    """(n, t) token ids and attention mask -> last hidden states (n, t, hidden)."""

    def __init__(self, cfg: dict):
        super().__init__()
        if cfg.get("hidden_act", "gelu") != "gelu" or cfg.get(
                "position_embedding_type", "absolute") != "absolute":
            raise ValueError("only BERT with GELU and absolute positions is supported")
        dim, eps = cfg["hidden_size"], cfg["layer_norm_eps"]
        self.embeddings = _Embeddings(cfg["vocab_size"], dim, cfg["max_position_embeddings"],
                                      cfg["type_vocab_size"], eps)
        self.encoder = _Encoder([_Layer(dim, cfg["num_attention_heads"],
                                        cfg["intermediate_size"], eps)
                                 for _ in range(cfg["num_hidden_layers"])])

    @classmethod
    def from_config_file(cls, path: str | Path) -> Bert:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.embeddings(ids)
        # padding keys get a large negative score (as transformers does: the dtype's min)
        bias = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.encoder.layer:
            x = layer(x, bias)
        return x
