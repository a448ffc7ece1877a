"""Zero-shot tags measured on the held-out split of the training corpus (the second part of
``python -m training.eval_tagging``): the cosine calibration fitted on fold A and measured on
fold B, and what `tag --all` ships (that calibration maxed with the class route of
``core.tagging.classtags`` for photos and sounds).
"""

from __future__ import annotations

import hashlib

import numpy as np

from core.media import KINDS
from core.tagging.calibration import Calibration, fit_calibration, reference_from_scores
from core.tagging.vocabulary import TagVocabulary
from core.tagging.zeroshot import ZeroShotTagger
from training.glove import tokenize

# The library kind (core.media.KINDS) each side of this evaluation is tagged as: the texts
# here are the images' descriptions, tagged like notes.
TAG_KIND = dict(zip(("image", "sound", "text"), KINDS[:3], strict=True))


def singular(word: str) -> str:
    from training.corpus.labels import singular

    return singular(word)


def fold_of(group: str) -> int:
    """0 or 1, fixed per group (a stamp and its sound land in the same fold)."""
    return hashlib.sha1(f"tagging-fold:{group}".encode()).digest()[0] % 2


def true_tags(vocab: TagVocabulary, labels: list[set[str]]) -> np.ndarray:
    """(n, T) bool: tag t is true for item i when all of t's words are among i's labels."""
    words = [{singular(w) for w in tokenize(t)} for t in vocab.words]
    return np.array([[bool(ws) and ws <= ls for ws in words] for ls in labels], dtype=bool)


def at_thresholds(p: np.ndarray, truth: np.ndarray, thresholds: tuple[float, ...],
                  top_k: int = 5) -> dict:
    """Precision, recall, tags per item and coverage (share of items with a tag) of proposals
    ``p >= threshold``, at most ``top_k`` per item."""
    out = {}
    order = np.argsort(-p, axis=1)[:, :top_k]
    for threshold in thresholds:
        proposed = np.zeros_like(p, dtype=bool)
        rows = np.arange(len(p))[:, None]
        proposed[rows, order] = p[rows, order] >= threshold
        tp = int((proposed & truth).sum())
        out[f"{threshold:g}"] = {"precision": tp / max(1, int(proposed.sum())),
                                 "recall": tp / max(1, int(truth.sum())),
                                 "proposals_per_item": float(proposed.sum(axis=1).mean()),
                                 "coverage": float(proposed.any(axis=1).mean())}
    return out


def multi_topic_notes(texts: list[str], labels: list[set[str]], folds: np.ndarray,
                      seed: int = 0) -> tuple[list[str], list[set[str]], np.ndarray]:
    """Notes about several things, as a user writes them: per fold, as many notes as the fold
    has items, each 2 to 4 of the fold's descriptions joined, with all their labels. The
    corpus' texts are one-line descriptions of one thing each; a calibration fitted on them
    alone is too cautious on a paragraph about several (it proposed a tag for 19% of such
    notes on fold B at 0.5, at precision 0.98)."""
    rng = np.random.default_rng(seed)
    out_t, out_l, out_f = [], [], []
    for fold in (0, 1):
        rows = np.flatnonzero(folds == fold)
        for _ in range(len(rows) if len(rows) >= 4 else 0):
            pick = rng.choice(rows, size=int(rng.integers(2, 5)), replace=False)
            out_t.append(" ".join(texts[j].strip().rstrip(".") + "." for j in pick))
            out_l.append(set().union(*(labels[j] for j in pick)))
            out_f.append(fold)
    return out_t, out_l, np.array(out_f, dtype=np.int64)


def _fit(model, vocab: TagVocabulary, kind: str, mode: str, sets: dict, top_k: int,
         thresholds: tuple[float, ...]) -> tuple[Calibration, dict, np.ndarray]:
    """Fit on fold A (with its several-topic notes when given), measure on fold B (and on
    fold B's several-topic notes apart): (calibration, metrics, fold-B probabilities)."""
    tagger = ZeroShotTagger(model, vocab, ensemble=mode == "ensemble", calibrations={})
    scores = {k: tagger.scores(e, TAG_KIND[kind]).astype(np.float64)
              for k, (e, _) in sets.items()}
    fit_keys = [k for k in ("A", "A+") if k in sets]
    s_fit = np.concatenate([scores[k] for k in fit_keys])
    t_fit = np.concatenate([sets[k][1] for k in fit_keys])
    n_a = len(sets["A"][1]) + (len(sets["A+"][1]) if "A+" in sets else 0)
    cal = fit_calibration(s_fit, t_fit, reference_from_scores(s_fit), prompts=mode,
                          fitted_on=f"held-out corpus fold A ({n_a} {kind}s"
                          + (", several-topic notes included)" if "A+" in sets else ")"))
    probs = {k: cal.probability(scores[k], reference_from_scores(scores[k]))
             for k in ("B", "B+") if k in sets}
    tb, sb = sets["B"][1], scores["B"]
    metrics = {"at": at_thresholds(probs["B"], tb, thresholds, top_k),
               "top1_accuracy": float(tb[np.arange(len(tb)), sb.argmax(axis=1)].mean()),
               "fit_top1": float(sets["A"][1][np.arange(len(sets["A"][1])),
                                               scores["A"].argmax(axis=1)].mean()),
               "calibration": cal.to_dict(), "n_test": int(len(tb))}
    if "B+" in probs:
        metrics["at_several"] = at_thresholds(probs["B+"], sets["B+"][1], thresholds, top_k)
        metrics["n_several"] = int(len(sets["B+"][1]))
    return cal, metrics, probs["B"]


def zero_shot(model, vocab: TagVocabulary, kind: str, emb: np.ndarray, labels: list[set[str]],
              groups: list[str], min_score: float = 0.5, top_k: int = 5,
              several: tuple[np.ndarray, list[set[str]], np.ndarray] | None = None
              ) -> tuple[dict, Calibration | None]:
    """Precision/recall on fold B with a calibration fitted on fold A, for tags embedded
    from prompt ensembles and from bare words; the ensemble is returned for the product
    unless the bare word is clearly better on fold A. ``several``: (embeddings, labels,
    folds) of several-topic notes (``multi_topic_notes``), fitted on with fold A and
    measured apart on fold B. "shipped": what `tag --all` proposes with that calibration,
    its probabilities maxed with the class route's (core.tagging.classtags) for photos and
    sounds. Returns (metrics, calibration)."""
    truth = true_tags(vocab, labels)
    keep = truth.any(axis=1)
    folds = np.array([fold_of(g) for g in groups])
    emb, truth, folds = emb[keep], truth[keep], folds[keep]
    out: dict = {"items": int(keep.sum())}
    a, b = folds == 0, folds == 1
    if a.sum() < 10 or b.sum() < 10:
        return out, None
    sets = {"A": (emb[a], truth[a]), "B": (emb[b], truth[b])}
    if several is not None:
        e_x, t_x = several[0], true_tags(vocab, several[1])
        for key, fold in (("A+", 0), ("B+", 1)):
            rows = (several[2] == fold) & t_x.any(axis=1)
            sets[key] = (e_x[rows], t_x[rows])
    cals, probs = {}, {}
    for mode in ("ensemble", "word"):
        cals[mode], out[mode], probs[mode] = _fit(model, vocab, kind, mode, sets, top_k,
                                                  (min_score, 0.2))
    # Prompt ensembles are the default; the bare word replaces them only when it is
    # clearly better on fold A (by two standard errors), not on a difference of one item.
    p_e, p_w = out["ensemble"]["fit_top1"], out["word"]["fit_top1"]
    margin = 2.0 * np.sqrt(max(p_e * (1 - p_e), 1e-6) / int(a.sum()))
    best = "word" if p_w - p_e > margin else "ensemble"
    tagger = ZeroShotTagger(model, vocab, calibrations={}, probes={})  # the class route
    class_p = tagger.class_probabilities(emb[b], TAG_KIND[kind])
    tb = truth[b]
    if class_p is not None:
        out["classes"] = {"at": at_thresholds(class_p.astype(np.float64), tb,
                                              (min_score, 0.2), top_k), "n_test": int(b.sum())}
        out["shipped"] = {"at": at_thresholds(np.maximum(probs[best], class_p), tb,
                                              (min_score, 0.2), top_k),
                          "n_test": int(b.sum())}
    out["fit_top1"] = {"ensemble": p_e, "word": p_w}
    out["chance_precision"] = float(tb.mean())
    out["prompts_used"] = best
    return out, cals[best]
