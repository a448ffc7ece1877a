"""The sound tag probe (core/tagging/probe.py): fitted on the training split of the corpus, its
L2 strength chosen on the held-out split's fold A, measured on fold B (the third part of
``python -m training.eval_tagging``; ``--write-calibration`` stores it for the model).

A sound's true tags (for fitting and for measuring): the word rule of the other tagging
evaluations (all of a tag's words among the sound's labels) or the WordNet rule
(``training.class_words.WordNetJudge``: the tag's sense is a label's or above it, "horse" ->
animal). The probe's distance guard is set on fold A's sounds
(``TagProbe.with_max_distance``). Measured on fold B at the default 0.5 and at 0.2: the
probe alone (with and without the guard) and what `tag --all` ships for sounds (the
calibrated cosine and the probe, the larger wins), against the calibrated cosine and the
class route (what it shipped before); precision under both judges.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.tagging.calibration import Calibration, reference_from_scores
from core.tagging.probe import TagProbe, fit_probe
from core.tagging.vocabulary import TagVocabulary
from core.tagging.zeroshot import ZeroShotTagger
from training.eval_zeroshot import at_thresholds, fold_of, true_tags

log = logging.getLogger(__name__)
L2_GRID = (1e-3, 1e-2, 1e-1, 1.0)
THRESHOLDS = (0.5, 0.2)


def sound_embeddings(model, items: list[dict], cache: Path) -> tuple[list[dict], np.ndarray]:
    """(the sounds that decode, their (n, D) embeddings), SoundNet activations cached."""
    from training.evaluate import ModelEncoder
    from training.features import sound_features

    snds = sound_features(model, items, cache)
    idx = snds.index()
    items = [s for s in items if s["id"] in idx]
    emb = ModelEncoder(model, None, snds).sounds([idx[s["id"]] for s in items])
    return items, np.asarray(emb, np.float32)


def wordnet_truth(vocab: TagVocabulary, labels: list[set[str]], judge=None) -> np.ndarray:
    """(n, T) bool: the word rule or the WordNet rule."""
    from training.class_words import WordNetJudge

    judge = judge or WordNetJudge()
    out = true_tags(vocab, labels)
    for i, ls in enumerate(labels):
        for t, w in enumerate(vocab.words):
            if not out[i, t] and ls and judge.true(w, ls):
                out[i, t] = True
    return out


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(np.asarray(p, np.float64), 1e-9, 1 - 1e-9)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def choose_probe(model, vocab: TagVocabulary, x_train: np.ndarray, t_train: np.ndarray,
                 x_a: np.ndarray, t_a: np.ndarray) -> tuple[TagProbe, dict]:
    """The probe whose L2 strength gives the lowest log-loss on fold A (over its tags)."""
    best, losses = None, {}
    for l2 in L2_GRID:
        probe = fit_probe(x_train, t_train, vocab.words, str(model.model_id), "sound", l2,
                          fitted_on=f"corpus training split ({len(x_train)} sounds), L2 "
                          f"{l2:g} chosen on held-out fold A")
        cols = [vocab.words.index(w) for w in probe.words]
        losses[f"{l2:g}"] = log_loss(probe.raw(x_a), t_a[:, cols])
        if best is None or losses[f"{l2:g}"] < losses[f"{best.l2:g}"]:
            best = probe
    return best, {"fold_a_log_loss": losses, "l2": best.l2, "tags": list(best.words)}


def trusted(p: np.ndarray, truth: np.ndarray, words: Sequence[str], min_score: float = 0.5
            ) -> list[str]:
    """The tags whose proposals (``p >= min_score``) were right at least as often as not,
    with a Laplace prior: (right + 1) / (proposed + 2) >= 0.5; a tag never proposed stays."""
    prop = np.asarray(p) >= min_score
    n, r = prop.sum(axis=0), (prop & truth).sum(axis=0)
    return [w for t, w in enumerate(words) if (r[t] + 1) / (n[t] + 2) >= 0.5]


def gated(probe: TagProbe, x: np.ndarray, truth: np.ndarray, words: Sequence[str]
          ) -> TagProbe:
    """``probe`` keeping the tags ``trusted`` on the sounds ``x`` with ``truth`` (n, T)."""
    cols = [list(words).index(w) for w in probe.words]
    ok = trusted(probe.raw(x) * (probe.distance(x) <= probe.max_distance)[:, None],
                 truth[:, cols], probe.words)
    return probe.keeping(ok)


def run_probe(model, vocab: TagVocabulary, train: list[dict], held: list[dict],
              cal: Calibration | None, cache: Path) -> tuple[TagProbe | None, dict]:
    """Fit, choose and measure the probe; (probe, metrics)."""
    from training.class_words import WordNetJudge

    judge = WordNetJudge()
    train, x_tr = sound_embeddings(model, train, cache)
    held, x_h = sound_embeddings(model, held, cache)
    lab = [{str(x) for x in i.get("labels") or []} for i in train]
    t_tr = wordnet_truth(vocab, lab, judge)
    lab_h = [{str(x) for x in i.get("labels") or []} for i in held]
    t_h, t_h_words = wordnet_truth(vocab, lab_h, judge), true_tags(vocab, lab_h)
    folds = np.array([fold_of(i["group"]) for i in held])
    a, b = folds == 0, folds == 1
    if len(x_tr) < 20 or a.sum() < 10 or b.sum() < 10:
        return None, {"skipped": "too few sounds"}
    probe, out = choose_probe(model, vocab, x_tr, t_tr, x_h[a], t_h[a])
    unguarded, probe = probe, probe.with_max_distance(x_h[a])
    out["max_distance"] = probe.max_distance
    out["n_train"], out["n_test"] = len(x_tr), int(b.sum())
    out["positives_train"] = {w: int(t_tr[:, vocab.words.index(w)].sum()) for w in probe.words}
    no_probe = ZeroShotTagger(model, vocab, calibrations={} if cal is None else {"sound": cal},
                              probes={})
    scores = no_probe.scores(x_h[b], "sound")
    cos_p = no_probe.probabilities(scores, "sound", reference_from_scores(scores))
    class_p = no_probe.class_probabilities(x_h[b], "sound")
    before = cos_p if class_p is None else np.maximum(cos_p, class_p)
    probe_p = probe.probabilities(x_h[b], vocab.words)
    rows = {"before": before,
            "probe, no guard": unguarded.probabilities(x_h[b], vocab.words),
            "probe": probe_p, "shipped, no gate": np.maximum(cos_p, probe_p)}
    for name, p in rows.items():
        out[name] = {judge_name: at_thresholds(p, truth[b], THRESHOLDS)
                     for judge_name, truth in (("wordnet", t_h), ("words", t_h_words))}
    both = a | b
    for name, p in zip(("shipped, gate cross-fitted", "shipped, no gate, both folds"),
                       _cross_fitted(probe, vocab, x_h, t_h, a, b, cos_p, no_probe),
                       strict=True):
        out[name] = {judge_name: at_thresholds(p[both], truth[both], THRESHOLDS)
                     for judge_name, truth in (("wordnet", t_h), ("words", t_h_words))}
    final = gated(probe, x_h, t_h, vocab.words)
    out["dropped"] = sorted(set(probe.words) - set(final.words))
    return final, out


def _cross_fitted(probe: TagProbe, vocab: TagVocabulary, x: np.ndarray, t: np.ndarray,
                  a: np.ndarray, b: np.ndarray, cos_b: np.ndarray, tagger: ZeroShotTagger
                  ) -> tuple[np.ndarray, np.ndarray]:
    """What is shipped for every held-out sound, (with the gate decided on the other fold,
    without a gate): two (n, T) probability arrays (rows outside both folds are 0)."""
    scores = tagger.scores(x[a], "sound")
    cos_a = tagger.probabilities(scores, "sound", reference_from_scores(scores))
    with_gate, without = np.zeros((len(x), len(vocab))), np.zeros((len(x), len(vocab)))
    for fit, test, cos in ((a, b, cos_b), (b, a, cos_a)):
        other = gated(probe, x[fit], t[fit], vocab.words)
        with_gate[test] = np.maximum(cos, other.probabilities(x[test], vocab.words))
        without[test] = np.maximum(cos, probe.probabilities(x[test], vocab.words))
    return with_gate, without


def markdown(res: dict) -> str:
    losses = ", ".join(f"{k}: {v:.4f}" for k, v in res["fold_a_log_loss"].items())
    lines = [f"Sound tag probe: {len(res['tags'])} tags with >= 10 of {res['n_train']} training "
             f"sounds, L2 {res['l2']:g} (fold-A log-loss by L2: {losses}), distance guard "
             f"{res['max_distance']:.2f}; held-out fold B, {res['n_test']} sounds (before: "
             "calibrated cosine and class route; shipped: calibrated cosine and probe; the "
             "gate, dropping tags right less often than not at 0.5, decided on one fold and "
             "measured on the other, both ways, all held-out sounds). Dropped by the gate on "
             f"both folds: {', '.join(res['dropped']) or 'none'}.", "",
             "| method | min-score | sounds tagged | precision (WordNet judge) | recall | "
             "precision (word judge) |", "|---|---|---|---|---|---|"]
    for name in ("before", "probe, no guard", "probe", "shipped, no gate",
                 "shipped, no gate, both folds", "shipped, gate cross-fitted"):
        for thr, r in res[name]["wordnet"].items():
            w = res[name]["words"][thr]
            lines.append(f"| {name} | {thr} | {r['coverage']:.1%} | {r['precision']:.3f} | "
                         f"{r['recall']:.3f} | {w['precision']:.3f} |")
    return "\n".join(lines)
