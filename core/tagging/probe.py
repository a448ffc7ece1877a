"""Tag probabilities for sounds learned from the training corpus: a tag probe.

The sound tower is rarely sure of a fine class on a real recording, and its cosine to a
tag's words is weak evidence; but whether a sound is an animal, a vehicle, a voice or an
instrument is written all over its embedding. A probe is one L2-regularised logistic
regression per tag on the stored embedding (standardised by the training sounds' mean and
spread), fitted on the training split of the corpus for every tag with enough positive
sounds there (``training/eval_probe.py``: truth is the tag's words among a sound's labels,
or the tag's WordNet sense above a label's: "horse" -> animal). Its outputs are used as
probabilities: on the corpus' held-out split they are about as often right as they say.
A probe is trusted only where it was validated: a sound whose standardised squared distance
to the training sounds' mean (``distance``) is beyond ``max_distance`` (the 95th percentile
of the held-out corpus sounds') gets nothing from it, and a tag whose held-out proposals at
0.5 were right less often than not is dropped from it (``training/eval_probe.py``).

Probes are stored per model id in ``resources/vocab/probes.safetensors`` (plain arrays and
a JSON header; nothing in the file is executed) and refitted for a new checkpoint by
``python -m training.eval_tagging --write-calibration``. A model without one has no probe.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.resources import resource
from core.tagging.linear import fit_logistic, sigmoid

PROBE_KINDS = ("sound",)  # a video's segments mix pictures and soundtrack: not probed
MIN_POSITIVE = 10  # training sounds a tag needs to get a probe
DISTANCE_QUANTILE = 95.0  # held-out sounds within max_distance (percent)


def probes_path() -> Path:
    return resource("vocab", "probes.safetensors")


@dataclass(frozen=True)
class TagProbe:
    """Per-tag logistic regressions on standardised embeddings of one kind and model.

    mean, std: (D,); weight: (T, D); bias: (T,); words: the T tags, in order."""

    model_id: str
    kind: str
    words: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray
    weight: np.ndarray
    bias: np.ndarray
    fitted_on: str = ""
    l2: float = 0.0
    max_distance: float = float("inf")

    def distance(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, D) -> (n,): mean over dimensions of the squared standardised coordinates (about
        1 for a typical training sound)."""
        x = (np.asarray(embeddings, np.float64) - self.mean) / self.std
        return (x ** 2).mean(axis=1)

    def raw(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, D) embeddings -> (n, T) probabilities of the probe's own tags."""
        x = (np.asarray(embeddings, np.float64) - self.mean) / self.std
        return sigmoid(x @ self.weight.T.astype(np.float64) + self.bias)

    def probabilities(self, embeddings: np.ndarray, words: Sequence[str]) -> np.ndarray:
        """(n, D) embeddings -> (n, len(words)): the probe's probability for each of
        ``words`` it has (case-insensitive), 0 for the others and for embeddings beyond
        ``max_distance``."""
        e = np.asarray(embeddings)
        out = np.zeros((len(e), len(words)), np.float64)
        if e.shape[-1] != self.mean.shape[0] or len(e) == 0:
            return out
        mine = {w.casefold(): k for k, w in enumerate(self.words)}
        cols = [(t, mine[w.casefold()]) for t, w in enumerate(words) if w.casefold() in mine]
        if cols:
            p = self.raw(e) * (self.distance(e) <= self.max_distance)[:, None]
            for t, k in cols:
                out[:, t] = p[:, k]
        return out

    def keeping(self, words: Sequence[str]) -> TagProbe:
        """This probe with only the tags in ``words`` (case-insensitive)."""
        from dataclasses import replace

        keep = {w.casefold() for w in words}
        rows = [k for k, w in enumerate(self.words) if w.casefold() in keep]
        return replace(self, words=tuple(self.words[k] for k in rows),
                       weight=self.weight[rows], bias=self.bias[rows])

    def with_max_distance(self, held_out: np.ndarray, quantile: float = DISTANCE_QUANTILE
                          ) -> TagProbe:
        """This probe trusting what lies within ``quantile`` % of ``held_out``'s distances."""
        from dataclasses import replace

        return replace(self, max_distance=float(np.percentile(self.distance(held_out),
                                                              quantile)))


def fit_probe(x: np.ndarray, truth: np.ndarray, words: Sequence[str], model_id: str,
              kind: str, l2: float, min_positive: int = MIN_POSITIVE, fitted_on: str = ""
              ) -> TagProbe:
    """One logistic regression per tag of ``words`` with at least ``min_positive`` true rows
    of ``truth`` (n, T) (and one false), on ``x`` (n, D) standardised."""
    x = np.asarray(x, np.float64)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / std
    kept, ws, bs = [], [], []
    for t, w in enumerate(words):
        y = np.asarray(truth[:, t], np.float64)
        if y.sum() < min_positive or y.sum() == len(y):
            continue
        coef, b = fit_logistic(z, y, l2=l2)
        kept.append(w)
        ws.append(coef)
        bs.append(b)
    d = x.shape[1]
    return TagProbe(model_id, kind, tuple(kept), mean, std,
                    np.array(ws, np.float32).reshape(len(kept), d),
                    np.array(bs, np.float64), fitted_on, l2)


def save_probes(path: str | Path, probes: Sequence[TagProbe]) -> None:
    """Store ``probes`` in ``path``, replacing those of the same model and kind and keeping
    the others."""
    from safetensors.numpy import save_file

    path = Path(path)
    tensors, header = _read(path)
    for p in probes:
        key = f"{p.model_id}/{p.kind}"
        header[key] = {"words": list(p.words), "fitted_on": p.fitted_on, "l2": p.l2,
                       "max_distance": p.max_distance if np.isfinite(p.max_distance) else None}
        for name in ("mean", "std", "weight", "bias"):
            tensors[f"{key}/{name}"] = np.ascontiguousarray(getattr(p, name), np.float32)
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata={"probes": json.dumps(header, sort_keys=True)})
    tmp.replace(path)


def _read(path: Path) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
    if not path.is_file():
        return {}, {}
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        header = json.loads((f.metadata() or {}).get("probes", "{}"))
        tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (not a dict)
    return tensors, header


def load_probes(model_id: str, path: str | Path | None = None) -> dict[str, TagProbe]:
    """kind -> the stored probe for ``model_id`` (none when the file or the model's entry
    is missing)."""
    tensors, header = _read(Path(path) if path is not None else probes_path())
    out = {}
    for key, meta in header.items():
        mid, _, kind = key.rpartition("/")
        if mid != model_id:
            continue
        arr = {n: tensors[f"{key}/{n}"] for n in ("mean", "std", "weight", "bias")}
        out[kind] = TagProbe(mid, kind, tuple(meta["words"]), arr["mean"].astype(np.float64),
                             arr["std"].astype(np.float64), arr["weight"],
                             arr["bias"].astype(np.float64), meta.get("fitted_on", ""),
                             float(meta.get("l2", 0.0)),
                             float(meta.get("max_distance") or float("inf")))
    return out
