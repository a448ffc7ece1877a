"""Zero-shot proposals: every item scored against the vocabulary, the best tags above
``min_score`` proposed (kept apart from the user's own until accepted).

Incremental: an item already tagged with the same model, vocabulary and ``min_score``
and not re-indexed since is skipped unless ``force``. Each tag's score distribution over
the whole library (per kind) is the calibration reference, so scores stay comparable
between runs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import numpy as np

from core.media import KINDS
from core.store import Store
from core.tagging.calibration import reference_from_scores
from core.tagging.reports import TagProgress, TagReport
from core.tagging.vocabulary import TagVocabulary
from core.tagging.zeroshot import ZeroShotTagger, max_over_segments

STATE_KEY = "tagging.zero-shot.state"
METHOD = "cosine+classes+probe"  # part of the state key: a change of method re-tags all
BATCH = 256  # items proposed and saved per transaction


def vocab_digest(vocab: TagVocabulary) -> str:
    return hashlib.sha256("\n".join(vocab.words).encode("utf-8")).hexdigest()[:16]


class ZeroShotRun:
    """One run over the library's items (or ``wanted`` ids only)."""

    def __init__(self, store: Store, model: Any, vocab: TagVocabulary, min_score: float,
                 top_k: int, force: bool, wanted: set[int] | None,
                 progress: Callable[[TagProgress], Any] | None, cancel: Any,
                 report: TagReport) -> None:
        self.store = store
        self.mid = str(model.model_id)
        self.model, self.vocab = model, vocab
        self.taggers: dict[str, ZeroShotTagger] = {}
        self.current = ""  # the kind being tagged
        self.min_score, self.top_k, self.force, self.wanted = min_score, top_k, force, wanted
        self.progress = progress or (lambda p: None)
        self.cancelled = cancel.is_set if hasattr(cancel, "is_set") else (
            cancel or (lambda: False))
        self.report = report
        self.key = json.dumps([self.mid, vocab_digest(vocab), round(min_score, 4), top_k,
                               METHOD])
        state = json.loads(store.meta.get(STATE_KEY, "{}") or "{}")
        self.done: dict[str, float] = state.get("items", {}) if state.get("key") == self.key \
            else {}
        self.indexed = store.files.indexed_at()

    def run(self) -> TagReport:
        for kind in KINDS:
            if self.cancelled():
                self.report.cancelled = True
                break
            self.kind(kind)
        return self.report

    def _todo(self, ids: np.ndarray) -> list[int]:
        """Rows of ``ids`` to tag now: wanted, and new or re-indexed since (or forced)."""
        todo = [j for j, i in enumerate(ids)
                if (self.wanted is None or int(i) in self.wanted)
                and (self.force or self.done.get(str(int(i))) != self.indexed.get(int(i)))]
        asked = sum(1 for i in ids if self.wanted is None or int(i) in self.wanted)
        self.report.skipped += asked - len(todo)
        return todo

    @property
    def tagger(self) -> ZeroShotTagger:
        return self.taggers[self.current]

    def kind(self, kind: str) -> None:
        """Score every item of ``kind`` (the calibration reference), propose for those to do,
        with the tags meant for that kind."""
        if kind not in self.taggers:
            self.taggers[kind] = ZeroShotTagger(self.model, self.vocab.for_kind(kind))
        self.current = kind
        owners, vecs = self.store.segments.owners_and_vectors(kind, self.mid)
        if len(owners) == 0:
            return
        ids, inverse = np.unique(owners, return_inverse=True)
        todo = self._todo(ids)
        if not todo:
            return
        self.progress(TagProgress(0, len(todo), "embedding tags", kind))
        scores = max_over_segments(self.tagger.scores(vecs, kind), inverse, len(ids))
        reference = reference_from_scores(scores)
        class_p = self._class_probabilities(kind, vecs, inverse, len(ids), todo)
        self.report.calibration[kind] = self.tagger.calibration(kind).fitted_on
        if class_p is not None:
            self.report.class_kinds.append(kind)
        decided = self.store.tags.decided_names()
        for start in range(0, len(todo), BATCH):
            if self.cancelled():
                self.report.cancelled = True
                break
            rows = todo[start:start + BATCH]
            self._propose(kind, ids, rows, scores[rows], reference, decided,
                          None if class_p is None else class_p[rows])
            self.progress(TagProgress(min(start + BATCH, len(todo)), len(todo), "saving", kind))

    def _class_probabilities(self, kind: str, vecs: np.ndarray, inverse: np.ndarray,
                             n_items: int, todo: list[int]) -> np.ndarray | None:
        """(n_items, T) tag probabilities from the classes (best segment), filled for the
        items to do; None when the kind has none."""
        segs = np.isin(inverse, np.asarray(todo, np.int64))
        seg_p = self.tagger.class_probabilities(vecs[segs], kind)
        return None if seg_p is None else max_over_segments(seg_p, inverse[segs], n_items)

    def _propose(self, kind: str, ids: np.ndarray, rows: list[int], scores: np.ndarray,
                 reference: Any, decided: dict[int, set[str]],
                 class_p: np.ndarray | None) -> None:
        """Propose and save one batch, and remember its items as done."""
        props = self.tagger.propose(scores, kind, self.min_score, self.top_k, reference,
                                    exclude=[decided.get(int(ids[j]), set()) for j in rows],
                                    class_p=class_p)
        best = self.tagger.probabilities(scores, kind, reference, class_p).max(axis=1)
        self.report.best_scores += [float(b) for b in best]
        tagged = sum(1 for ps in props if ps)
        self.report.tagged_items += tagged
        counts = self.report.kinds.setdefault(kind, [0, 0])
        counts[0] += len(rows)
        counts[1] += tagged
        by_item = {int(ids[j]): [(p.name, p.score) for p in ps]
                   for j, ps in zip(rows, props, strict=True)}
        self.report.proposed += self.store.tags.replace_proposals("zero-shot", self.mid,
                                                                  by_item)
        for ps in props:
            for p in ps:
                self.report.by_tag[p.name] = self.report.by_tag.get(p.name, 0) + 1
        for j in rows:
            self.done[str(int(ids[j]))] = self.indexed.get(int(ids[j]), 0.0)
        self.report.items += len(rows)
        self.store.meta.set(STATE_KEY, json.dumps({"key": self.key, "items": self.done}))

