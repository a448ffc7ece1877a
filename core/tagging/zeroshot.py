"""Zero-shot tags: vocabulary words embedded by the text tower, scored against items.

Each tag is embedded once per kind of item from prompt variants ("a photo of
rain", "the sound of rain", ...); the prompt embeddings are averaged and
re-normalised. An item's raw score for a tag is the cosine between the two;
for an item with several segments (the windows of a long recording, the
passages of a note) it is the best segment's score, so a church bell three
minutes into a recording still counts. ``calibration.py`` turns raw scores
into probabilities. For photos and sounds a second probability is read from the
network's ImageNet classes through WordNet (``classtags.py``); for sounds, where a probe
fitted on the training corpus exists for the model (``probe.py``), the probe's instead. A
tag's probability is the larger of the two.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.resources import resource
from core.tagging import classtags
from core.tagging.calibration import (
    Calibration,
    ScoreReference,
    load_calibrations,
    reference_from_scores,
)
from core.tagging.probe import TagProbe, load_probes
from core.tagging.vocabulary import TagVocabulary

# Kinds whose tower is built on a classifier of real-world input (the ImageNet teacher,
# SoundNet): their class probabilities are read as tag probabilities too; a video's
# moments are pictures and soundtrack windows, through the same two towers. Notes are read
# by MiniLM and keep the calibrated cosine alone.
CLASS_KINDS = ("image", "sound", "video")
CLASS_CHUNK = 4096  # segments per pass through the class head (bounds memory)


def calibration_path() -> Path:
    """Where fitted calibrations live: ``resources/vocab/calibration.json`` (by model_id)."""
    return resource("vocab", "calibration.json")


@dataclass(frozen=True)
class TagProposal:
    """One tag the program proposes for one item: ``score`` is a probability in [0, 1]."""

    name: str
    score: float
    raw: float


# Embedded vocabularies of checkpoints, kept for the process: a model whose id is a digest
# of its weights ("synesthesia-ff6e528f5501", as load_model gives) always embeds the same texts
# the same way, so the ~1,500 tags of the default vocabularies are embedded once per process
# rather than on every tag run or concepts listing. Models with other ids (being trained,
# made up in code) are never cached.
_DIGEST_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*-[0-9a-f]{12}$")
_EMBEDDED: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_EMBEDDED_MAX = 16


def encode_texts_cached(model: Any, texts: list[str]) -> np.ndarray:
    model_id = str(getattr(model, "model_id", ""))
    if not _DIGEST_ID.match(model_id):
        return np.asarray(model.encode_texts(texts), np.float32)
    key = (model_id, hashlib.sha256("\x00".join(texts).encode()).hexdigest())
    if key in _EMBEDDED:
        _EMBEDDED.move_to_end(key)
        return _EMBEDDED[key].copy()
    e = np.array(model.encode_texts(texts), np.float32)
    _EMBEDDED[key] = e.copy()  # the caller may change its copy
    while len(_EMBEDDED) > _EMBEDDED_MAX:
        _EMBEDDED.popitem(last=False)
    return e


def embed_prompts(model: Any, vocab: TagVocabulary, kind: str, ensemble: bool = True
                  ) -> np.ndarray:
    """(T, D) float32 unit-norm tag embeddings for items of ``kind``.

    With ``ensemble`` the embeddings of all prompt templates of the kind are
    averaged; without it only the bare word is embedded.
    """
    if not ensemble:
        return encode_texts_cached(model, list(vocab.words))
    prompts = vocab.prompts(kind)
    e = encode_texts_cached(model, [t for texts in prompts for t in texts])
    owner = np.repeat(np.arange(len(prompts)), [len(t) for t in prompts])
    out = np.zeros((len(prompts), e.shape[1]), np.float32)
    np.add.at(out, owner, e)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-8)


def max_over_segments(segment_scores: np.ndarray, owners: np.ndarray, n_items: int
                      ) -> np.ndarray:
    """Best segment per item: (s, T) scores of segments owned by ``owners`` (s,) in
    [0, n_items) -> (n_items, T); items without segments get -inf."""
    s = np.asarray(segment_scores, np.float64)
    out = np.full((n_items, s.shape[1]), -np.inf)
    np.maximum.at(out, np.asarray(owners, np.int64), s)
    return out


class ZeroShotTagger:
    """Scores items against a vocabulary with one model.

    ``model`` needs ``encode_texts`` and ``model_id`` (``core.model.AlignedModel``).
    Tag embeddings are computed once per kind and kept.
    """

    def __init__(self, model: Any, vocab: TagVocabulary, ensemble: bool = True,
                 calibrations: dict[str, Calibration] | None = None,
                 probes: dict[str, TagProbe] | None = None):
        self.model = model
        self.vocab = vocab
        self.ensemble = ensemble
        self._tag_emb: dict[str, np.ndarray] = {}
        if calibrations is None:
            calibrations = load_calibrations(calibration_path(), str(model.model_id))
        self.calibrations = calibrations
        self.probes = load_probes(str(model.model_id)) if probes is None else probes
        self._class_matrix: np.ndarray | None = None

    def tag_embeddings(self, kind: str) -> np.ndarray:
        """(T, D) float32 unit-norm embeddings of the vocabulary for items of ``kind``.

        Embedded the way the kind's fitted calibration was (prompt ensemble or the
        bare word, whichever measured better), else as ``ensemble`` says.
        """
        if kind not in self._tag_emb:
            cal = self.calibrations.get(kind)
            ensemble = cal.prompts == "ensemble" if cal is not None else self.ensemble
            self._tag_emb[kind] = embed_prompts(self.model, self.vocab, kind, ensemble)
        return self._tag_emb[kind]

    def scores(self, embeddings: np.ndarray, kind: str) -> np.ndarray:
        """(n, D) unit-norm embeddings of ``kind`` -> (n, T) cosine scores."""
        return np.asarray(embeddings, np.float32) @ self.tag_embeddings(kind).T

    def calibration(self, kind: str) -> Calibration:
        """The fitted calibration of ``kind`` for this model, else the fallback."""
        return self.calibrations.get(kind) or Calibration.fallback(len(self.vocab))

    def class_probabilities(self, embeddings: np.ndarray, kind: str) -> np.ndarray | None:
        """(n, D) embeddings of ``kind`` -> (n, T) tag probabilities beside the calibrated
        cosine: for a kind with a probe for this model (sounds), the probe's; else, for
        kinds in ``CLASS_KINDS`` with a class head, those read from the network's ImageNet
        classes (``classtags``). None when the kind has neither. (The sound head is
        trained towards softened clip-art teacher targets, so its class mass summed over a
        broad tag is no probability; the probe's is measured.)"""
        e = np.asarray(embeddings, np.float32)
        probe = self.probes.get(kind)
        if probe is not None:
            return probe.probabilities(e, self.vocab.words).astype(np.float32)
        if kind not in CLASS_KINDS or not hasattr(self.model, "concepts"):
            return None
        if self._class_matrix is None:
            self._class_matrix = classtags.class_tag_matrix(self.vocab.words, self.vocab.groups)
        out = np.zeros((len(e), len(self.vocab)), np.float32)
        for s in range(0, len(e), CLASS_CHUNK):
            q = self.model.concepts(e[s:s + CLASS_CHUNK])
            out[s:s + CLASS_CHUNK] = classtags.tag_probabilities(q, self._class_matrix)
        return out

    def probabilities(self, scores: np.ndarray, kind: str,
                      reference: ScoreReference | None = None,
                      class_p: np.ndarray | None = None) -> np.ndarray:
        """(n, T) raw scores -> (n, T) probabilities; the reference defaults to ``scores``.
        With ``class_p`` (``class_probabilities`` of the same items) each tag gets the
        larger of the two probabilities."""
        ref = reference if reference is not None else reference_from_scores(scores)
        p = self.calibration(kind).probability(scores, ref)
        return p if class_p is None else np.maximum(p, np.asarray(class_p, np.float64))

    def propose(self, scores: np.ndarray, kind: str, min_score: float = 0.5, top_k: int = 5,
                reference: ScoreReference | None = None,
                exclude: Sequence[set[str]] | None = None,
                class_p: np.ndarray | None = None) -> list[list[TagProposal]]:
        """Best tags per item: (n, T) raw scores -> n lists of proposals, best first.

        A tag is proposed when its probability is at least ``min_score``; at most
        ``top_k`` per item. ``exclude[i]`` holds names (case-folded) never to
        propose for item i (already tagged, or rejected by the user). ``class_p``: as
        in ``probabilities``.
        """
        p = self.probabilities(scores, kind, reference, class_p)
        out: list[list[TagProposal]] = []
        words = self.vocab.words
        for i in range(p.shape[0]):
            order = np.argsort(-p[i], kind="stable")
            row: list[TagProposal] = []
            for t in order:
                if p[i, t] < min_score or len(row) >= top_k:
                    break
                if exclude is not None and words[t].casefold() in exclude[i]:
                    continue
                row.append(TagProposal(words[t], float(p[i, t]), float(scores[i, t])))
            out.append(row)
        return out
