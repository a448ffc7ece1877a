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


def zero_shot(model, vocab: TagVocabulary, kind: str, emb: np.ndarray, labels: list[set[str]],
              groups: list[str], min_score: float = 0.5, top_k: int = 5
              ) -> tuple[dict, Calibration | None]:
    """Precision/recall on fold B with a calibration fitted on fold A, for tags embedded
    from prompt ensembles and from bare words; the ensemble is returned for the product
    unless the bare word is clearly better on fold A. "shipped": what `tag --all` proposes
    with that calibration, its probabilities maxed with the class route's
    (core.tagging.classtags) for photos and sounds. Returns (metrics, calibration)."""
    truth = true_tags(vocab, labels)
    keep = truth.any(axis=1)
    folds = np.array([fold_of(g) for g in groups])
    emb, truth, folds = emb[keep], truth[keep], folds[keep]
    out: dict = {"items": int(keep.sum())}
    a, b = folds == 0, folds == 1
    if a.sum() < 10 or b.sum() < 10:
        return out, None
    result, cals, fit_top1, probs = {}, {}, {}, {}
    tb = truth[b]
    for mode in ("ensemble", "word"):
        tagger = ZeroShotTagger(model, vocab, ensemble=mode == "ensemble", calibrations={})
        s = tagger.scores(emb, TAG_KIND[kind]).astype(np.float64)
        cal = fit_calibration(s[a], truth[a], reference_from_scores(s[a]),
                              fitted_on=f"held-out corpus fold A ({int(a.sum())} {kind}s)",
                              prompts=mode)
        probs[mode] = cal.probability(s[b], reference_from_scores(s[b]))
        fit_top1[mode] = float(truth[a][np.arange(int(a.sum())), s[a].argmax(axis=1)].mean())
        result[mode] = {
            "at": at_thresholds(probs[mode], tb, (min_score, 0.2), top_k),
            "top1_accuracy": float(tb[np.arange(len(tb)), s[b].argmax(axis=1)].mean()),
            "calibration": cal.to_dict(),
            "n_test": int(b.sum()),
        }
        cals[mode] = cal
    # Prompt ensembles are the default; the bare word replaces them only when it is
    # clearly better on fold A (by two standard errors), not on a difference of one item.
    n_a = int(a.sum())
    p_e = fit_top1["ensemble"]
    margin = 2.0 * np.sqrt(max(p_e * (1 - p_e), 1e-6) / n_a)
    best = "word" if fit_top1["word"] - p_e > margin else "ensemble"
    class_p = tagger.class_probabilities(emb[b], TAG_KIND[kind])
    if class_p is not None:
        shipped = np.maximum(probs[best], class_p)
        out["classes"] = {"at": at_thresholds(class_p.astype(np.float64), tb,
                                              (min_score, 0.2), top_k), "n_test": int(b.sum())}
        out["shipped"] = {"at": at_thresholds(shipped, tb, (min_score, 0.2), top_k),
                          "n_test": int(b.sum())}
    out["fit_top1"] = fit_top1
    out.update(result)
    out["chance_precision"] = float(truth[b].mean())
    out["prompts_used"] = best
    return out, cals[best]
