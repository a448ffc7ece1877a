"""The text tower and the shared layers in numpy, for the first query after launch.

`import torch` alone takes 1.3 s on the idle 2-core machine; a query typed at
launch needs only all-MiniLM-L6-v2 and the shared layers' embedding, which are small
matrix products. This module imports neither torch nor transformers: MiniLM's weights are
read from its safetensors file (checked against the pin first), the shared layers from the
checkpoint's zip with an allow-list unpickler (no code from the file runs). The outputs
equal the torch path's within 1e-5 (tests/test_textpath.py).
"""

from __future__ import annotations

import json
import pickle
import re
import zipfile
from pathlib import Path

import numpy as np

from core.errors import CheckpointError, EmptyInput

MAX_TOKENS = 128
_WORDY = re.compile(r"\w", re.UNICODE)
_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
           "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
           "ByteStorage": np.uint8, "CharStorage": np.int8, "BoolStorage": np.bool_}


def has_words(text: str) -> bool:
    """Whether a text has anything to embed (a letter or digit in any script)."""
    return bool(_WORDY.search(text))


TEXT_BATCH = 64


def encode_in_batches(texts, dim: int, embed) -> np.ndarray:
    """Strings -> (n, dim) float32 through `embed` (list[str] -> (m, dim) array), checked
    first (TypeError for a non-string, EmptyInput for a text without a letter or digit) and
    batched by length: a batch is padded to its longest text, so similar lengths together
    waste less work (benchmarks.bench_model, mixed lengths)."""
    texts = list(texts)
    for t in texts:
        if not isinstance(t, str):
            raise TypeError(f"encode_texts takes strings, got {type(t).__name__}")
        if not has_words(t):
            raise EmptyInput(None, f"the text {t!r} has no words to search for")
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), dim), np.float32)
    for s in range(0, len(texts), TEXT_BATCH):
        rows = order[s : s + TEXT_BATCH]
        out[rows] = embed([texts[i] for i in rows])
    return out


# -- the checkpoint without torch ------------------------------------------------------------
class _Storage:
    def __init__(self, dtype: type) -> None:
        self.dtype = dtype


def _rebuild_tensor(storage: np.ndarray, offset: int, size: tuple, stride: tuple,
                    *_: object) -> np.ndarray:
    if offset < 0 or any(n < 0 for n in size) or any(st < 0 for st in stride):
        raise ValueError("a tensor with a negative size, stride or offset")
    extent = 1 + sum((n - 1) * st for n, st in zip(size, stride, strict=True)) if all(size) else 0
    if offset + extent > len(storage):  # as_strided would read past the storage
        raise ValueError("a tensor larger than its storage")
    flat = storage[offset:]
    if not size:
        return flat[:1].reshape(()).copy()
    item = flat.itemsize
    return np.lib.stride_tricks.as_strided(flat, tuple(size), tuple(s * item for s in stride)
                                           ).copy()


class _Unpickler(pickle.Unpickler):
    """What torch.save writes for a dict of tensors, strings and numbers; nothing else."""

    def __init__(self, file, archive: zipfile.ZipFile, prefix: str) -> None:
        super().__init__(file)
        self.archive, self.prefix = archive, prefix

    def find_class(self, module: str, name: str):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if (module, name) == ("collections", "OrderedDict"):
            return dict
        if module == "torch" and name in _DTYPES:
            return _Storage(_DTYPES[name])
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a checkpoint")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid[0] == "storage" and isinstance(pid[1], _Storage)):
            raise pickle.UnpicklingError("unsupported storage in the checkpoint")
        raw = self.archive.read(f"{self.prefix}data/{pid[2]}")
        return np.frombuffer(raw, dtype=pid[1].dtype)


def read_checkpoint_arrays(path: str | Path) -> dict:
    """A checkpoint written by torch.save (zip format) as a dict whose tensors are numpy
    arrays, read without torch; raises CheckpointError for anything else."""
    try:
        with zipfile.ZipFile(path) as z:
            pkl = next(n for n in z.namelist() if n.endswith("/data.pkl"))
            prefix = pkl[: -len("data.pkl")]
            if z.read(f"{prefix}byteorder").strip() != b"little":
                raise CheckpointError(f"{path}: a big-endian checkpoint")
            with z.open(pkl) as f:
                return _Unpickler(f, z, prefix).load()
    except (OSError, zipfile.BadZipFile, StopIteration, KeyError, pickle.UnpicklingError,
            EOFError, ValueError, TypeError, AttributeError, IndexError) as e:
        raise CheckpointError(f"{path}: not readable without torch "
                              f"({e.__class__.__name__}: {e})") from e


# -- the numbers ---------------------------------------------------------------------------
def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7, below float32's step near 1)."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                      + t * 1.061405429))))
    return s * (1.0 - y * np.exp(-a * a))


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact (erf) GELU, as torch's default and BERT's."""
    return (0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))).astype(np.float32)


def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    d = x - mu
    var = (d * d).mean(-1, keepdims=True)
    return d / np.sqrt(var + np.float32(eps)) * w + b


def unit_rows(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), np.float32(1e-12))


class NumpyMiniLM:
    """all-MiniLM-L6-v2 (core.model.minilm.MiniLM's numbers) in numpy: list[str] -> (n, 384)
    unit-norm sentence embeddings."""

    def __init__(self, folder: Path | None = None) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        if folder is None:
            from core.model.pretrained import minilm_dir

            folder = minilm_dir()  # every file checked against its pin
        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if cfg.get("hidden_act", "gelu") != "gelu" or cfg.get(
                "position_embedding_type", "absolute") != "absolute":
            raise CheckpointError("only BERT with GELU and absolute positions is supported")
        self.heads, self.eps = cfg["num_attention_heads"], cfg["layer_norm_eps"]
        self.layers = cfg["num_hidden_layers"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        w = {k.removeprefix("bert."): v for k, v in
             load_file(str(folder / "model.safetensors")).items()}
        self.w = {k: np.ascontiguousarray(v.T) if k.endswith("dense.weight")
                  or k.endswith(("query.weight", "key.weight", "value.weight")) else v
                  for k, v in w.items()}  # linear weights as (in, out): x @ w

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"] + self.w[f"{name}.bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return layer_norm(x, self.w[f"{name}.LayerNorm.weight"], self.w[f"{name}.LayerNorm.bias"],
                          self.eps)

    def _attention(self, x: np.ndarray, bias: np.ndarray, p: str) -> np.ndarray:
        n, t, d = x.shape
        h = self.heads

        def split(name: str) -> np.ndarray:
            return self._linear(x, f"{p}.attention.self.{name}").reshape(n, t, h, d // h
                                                                          ).transpose(0, 2, 1, 3)

        q, k, v = split("query"), split("key"), split("value")
        s = q @ k.transpose(0, 1, 3, 2) * np.float32(1.0 / np.sqrt(d // h)) + bias
        s = np.exp(s - s.max(-1, keepdims=True))
        a = (s / s.sum(-1, keepdims=True)) @ v
        a = a.transpose(0, 2, 1, 3).reshape(n, t, d)
        return self._norm(self._linear(a, f"{p}.attention.output.dense") + x,
                          f"{p}.attention.output")

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(n, t) token ids and attention mask -> last hidden states (n, t, 384)."""
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][: ids.shape[1]][None]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings")
        bias = ((1.0 - mask[:, None, None, :]) * np.finfo(np.float32).min).astype(np.float32)
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            x = self._attention(x, bias, p)
            inner = gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = self._norm(self._linear(inner, f"{p}.output.dense") + x, f"{p}.output")
        return x

    def __call__(self, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        out = self.hidden(ids, mask)
        pooled = (out * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1)[:, None], 1e-9)
        return unit_rows(pooled.astype(np.float32))


class NumpySharedEmbed:
    """The shared layers' embedding (core.model.shared.SharedLayers.embed) from a checkpoint's
    arrays: word-space vectors (n, 384) -> embeddings (n, dim), unit-norm."""

    def __init__(self, state: dict[str, np.ndarray], in_dim: int) -> None:
        def get(k: str) -> np.ndarray:
            v = state.get(f"shared.{k}")
            if not isinstance(v, np.ndarray):
                raise CheckpointError(f"the checkpoint has no shared.{k}")
            return v.astype(np.float32)

        self.norm_w, self.norm_b = get("norm.weight"), get("norm.bias")
        self.fc1_w, self.fc1_b = np.ascontiguousarray(get("fc1.weight").T), get("fc1.bias")
        self.fc2_w, self.fc2_b = np.ascontiguousarray(get("fc2.weight").T), get("fc2.bias")
        if self.fc1_w.shape[0] != in_dim or self.norm_w.shape != (in_dim,):
            raise CheckpointError("the shared layers do not take the text tower's width")
        self.residual = self.fc2_w.shape[1] == in_dim
        self.dim = self.fc2_w.shape[1]

    def __call__(self, h: np.ndarray) -> np.ndarray:
        h = unit_rows(h)
        r = gelu(layer_norm(h, self.norm_w, self.norm_b, 1e-5) @ self.fc1_w + self.fc1_b)
        r = r @ self.fc2_w + self.fc2_b
        return unit_rows(h + r if self.residual else r).astype(np.float32)
