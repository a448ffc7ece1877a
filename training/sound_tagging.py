"""Tagging recordings with a checkpoint whose sound tower was trained on the sound bank:
the sound probe fitted on the bank's training packages, the calibration of the cosine route
and the probe's L2 strength chosen on its held-out packages; photo, note and video
calibrations carried over from the checkpoint the image and text towers come from (their
embeddings are the same, bit for bit).

    python -m training.sound_tagging --checkpoint resources/models/default.pt [--write]

A tag is true for a clip when every word of the tag (singular, '-ing' and '-s' removed)
is among the clip's label words; "speaking" is the label family "speech".
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
import torch

from core.tagging.calibration import fit_calibration, reference_from_scores
from core.tagging.probe import TagProbe, fit_probe
from core.tagging.vocabulary import TagVocabulary, load_vocabulary
from core.tagging.zeroshot import ZeroShotTagger
from training.corpus.labels import normalise_label

log = logging.getLogger(__name__)
L2_GRID = (1e-3, 1e-2, 1e-1)
SYNONYMS = {"speaking": "speech", "speak": "speech", "talking": "speech", "hoof": "horse",
            "footstep": "footstep", "footsteps": "footstep"}


def stem(word: str) -> str:
    w = SYNONYMS.get(word, word)
    for suffix in ("ing", "es", "s"):
        if len(w) > len(suffix) + 2 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def truth_matrix(items: list[dict], words: tuple[str, ...]) -> np.ndarray:
    """(clips, tags) bool: every word of the tag among the clip's label words."""
    tag_words = [{stem(w) for w in normalise_label(t)} for t in words]
    out = np.zeros((len(items), len(words)), bool)
    for i, it in enumerate(items):
        have = {stem(w) for w in it["labels"]}
        for t, need in enumerate(tag_words):
            out[i, t] = bool(need) and need <= have
    return out


def precision_coverage(p: np.ndarray, truth: np.ndarray, min_score: float = 0.5) -> dict:
    """Share of clips with a tag at >= min_score, and the share of those tags that are true
    (the best tag per clip)."""
    best = p.argmax(axis=1)
    tagged = p[np.arange(len(p)), best] >= min_score
    right = truth[np.arange(len(p)), best] & tagged
    return {"tagged": round(float(tagged.mean()), 4),
            "precision": round(float(right.sum() / max(tagged.sum(), 1)), 4),
            "clips": len(p)}


def choose_probe(model_id: str, vocab: TagVocabulary, x_tr, t_tr, x_ho, t_ho) -> TagProbe:
    """The probe whose L2 strength gives the best held-out precision x coverage."""
    best, best_score = None, -1.0
    for l2 in L2_GRID:
        probe = fit_probe(x_tr, t_tr, vocab.words, model_id, "sound", l2,
                          fitted_on=f"sound bank training packages ({len(x_tr)} clips), L2 "
                          f"{l2:g} chosen on its held-out packages")
        probe = probe.with_max_distance(x_ho)
        m = precision_coverage(probe.probabilities(x_ho, vocab.words), t_ho)
        log.info("probe L2 %g: held out %s", l2, m)
        if m["tagged"] * m["precision"] > best_score:
            best, best_score = probe, m["tagged"] * m["precision"]
    return best


def fit(model, items: list[dict], feats: dict) -> tuple[dict, TagProbe, dict]:
    """Calibrations by kind, the sound probe, and the held-out measurements."""
    from training.sound_tower import Bank, embed

    vocab = load_vocabulary().for_kind("sound")
    tr, ho = (Bank(items, feats, s, model) for s in ("train", "heldout"))
    with torch.no_grad():
        x_tr, x_ho = (embed(model.net, b, torch.arange(len(b.items))).numpy() for b in (tr, ho))
    t_tr, t_ho = truth_matrix(tr.items, vocab.words), truth_matrix(ho.items, vocab.words)
    tagger = ZeroShotTagger(model, vocab, calibrations={}, probes={})
    s_ho = tagger.scores(x_ho, "sound").astype(np.float64)
    sound_cal = fit_calibration(s_ho, t_ho, reference_from_scores(s_ho),
                                fitted_on=f"sound bank held-out packages ({len(x_ho)} clips)")
    probe = choose_probe(str(model.model_id), vocab, x_tr, t_tr, x_ho, t_ho)
    from core.tagging.calibration import load_calibrations
    from core.tagging.zeroshot import calibration_path

    base_id = (model.meta.get("manifest") or {}).get("base_model_id", "")
    cals = {k: c for k, c in load_calibrations(calibration_path(), base_id).items()
            if k != "sound"}  # photos, notes, videos: the same embeddings as base_id's
    cals["sound"] = sound_cal
    tagger = ZeroShotTagger(model, vocab, calibrations=cals, probes={"sound": probe})
    p = tagger.probabilities(s_ho, "sound", class_p=tagger.class_probabilities(x_ho, "sound"))
    report = {"heldout": precision_coverage(p, t_ho), "probe_tags": len(probe.words),
              "calibrations_from": base_id, "kinds": sorted(cals),
              "tags_with_truth": int((t_tr.sum(0) > 0).sum()), "vocabulary": len(vocab)}
    return cals, probe, report


def main(argv: list[str] | None = None) -> int:
    from core.model import load_model
    from core.tagging.calibration import save_calibrations
    from core.tagging.probe import probes_path, save_probes
    from core.tagging.zeroshot import calibration_path
    from training.soundbank_features import load_or_compute

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", type=Path, required=True)
    p.add_argument("--cache", type=Path)
    p.add_argument("--write", action="store_true", help="store them for the checkpoint")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(2)
    model = load_model(a.checkpoint)
    items, feats = load_or_compute(a.cache)
    cals, probe, report = fit(model, items, feats)
    print(json.dumps(report, indent=1))
    if a.write:
        save_calibrations(calibration_path(), str(model.model_id), cals)
        save_probes(probes_path(), [probe])
        print(f"wrote the calibrations and the sound probe for {model.model_id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
