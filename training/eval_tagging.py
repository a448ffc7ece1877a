"""Measured tagging quality on the held-out split of the training corpus.

    python -m training.eval_tagging [--checkpoint PATH] [--json] [--write-calibration]

1. **Classifier transfer.** For each direction, the labels with held-out
   items of both kinds in both folds are the classes (texts are the images'
   descriptions); items with exactly one of them are kept. Held-out groups
   are cut in two folds by a hash. A one-vs-rest
   logistic regression (``core.tagging.linear``, the one ``learn-tag`` uses,
   with and without modality centring) is trained on one kind in fold A and
   tested on each kind in fold B, and the other way round; accuracies are
   averaged over both. Chance: the most frequent class of the test set.
2. **Zero-shot tags.** Every held-out image, sound and text is scored against
   the default vocabulary. Its true tags are the vocabulary words all of whose
   words appear among its labels (singular forms). Items with at least one
   true tag are evaluated. The calibration (``core.tagging.calibration``) is
   fitted on fold A and precision / recall of the proposals (p >= 0.5, at
   most 5 per item) are measured on fold B. Chance precision: the share of
   the vocabulary that is true for an item, i.e. what random proposals get.
   With ``--write-calibration`` the fold-A calibration is stored for this
   model in ``resources/vocab/calibration.json``.

Labels of the corpus are incomplete (a stamp of a dog on a beach may be
labelled only "dog"), so precision here is a lower bound.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
from pathlib import Path

import numpy as np

from core.model.text import tokenize
from core.tagging.calibration import (
    fit_calibration,
    reference_from_scores,
    save_calibrations,
)
from core.tagging.classifier import centre, kind_centres
from core.tagging.linear import fit_logistic
from core.tagging.vocabulary import TagVocabulary, load_vocabulary
from core.tagging.zeroshot import ZeroShotTagger, calibration_path

log = logging.getLogger(__name__)
KINDS = ("image", "sound", "text")
TAG_KIND = {"image": "image", "sound": "sound", "text": "note"}


def _singular(word: str) -> str:
    from training.corpus.labels import singular

    return singular(word)


def fold_of(group: str) -> int:
    """0 or 1, fixed per group (a stamp and its sound land in the same fold)."""
    return hashlib.sha1(f"tagging-fold:{group}".encode()).digest()[0] % 2


def held_out_items(limit_images: int, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """(images, sounds) of the held-out split with labels; images capped at ``limit_images``."""
    from training.train import TrainConfig, load_items, split_items

    cfg = TrainConfig()
    _, held = split_items(load_items(cfg), cfg)
    rng = np.random.default_rng(seed)
    images = [i for i in held if i["kind"] == "image" and i.get("labels")]
    sounds = [s for s in held if s["kind"] == "sound" and s.get("labels")]
    if len(images) > limit_images:
        images = [images[j] for j in sorted(rng.choice(len(images), limit_images, replace=False))]
    return images, sounds


def embed(model, images: list[dict], sounds: list[dict], cache: Path
          ) -> tuple[list[dict], np.ndarray, list[dict], np.ndarray]:
    """Embeddings of the items that decode: (images, (n, D)), (sounds, (m, D))."""
    from training.evaluate import ModelEncoder
    from training.features import image_features, sound_features

    imgs = image_features(model, images, cache)
    snds = sound_features(model, sounds, cache)
    enc = ModelEncoder(model, imgs, snds)
    iidx, sidx = imgs.index(), snds.index()
    images = [i for i in images if i["id"] in iidx]
    sounds = [s for s in sounds if s["id"] in sidx]
    ei = enc.images([iidx[i["id"]] for i in images])
    es = enc.sounds([sidx[s["id"]] for s in sounds])
    return images, np.asarray(ei, np.float32), sounds, np.asarray(es, np.float32)


def _accuracy_ovr(x_tr, y_tr, x_te, y_te, n_classes: int) -> float:
    scores = np.zeros((len(x_te), n_classes))
    for c in range(n_classes):
        yc = (y_tr == c).astype(np.float64)
        if yc.sum() == 0:
            scores[:, c] = -np.inf
            continue
        w_pos = np.where(yc == 1, 0.5 / yc.sum(), 0.5 / max(1.0, (1 - yc).sum()))
        w, b = fit_logistic(x_tr, yc, w_pos, l2=1e-2)
        scores[:, c] = x_te @ w + b
    return float((scores.argmax(axis=1) == y_te).mean())


def _single_label(labels: list[set[str]], groups: list[str], classes: list[str]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows with exactly one of ``classes``: (rows, class index, fold)."""
    cls = {c: i for i, c in enumerate(classes)}
    rows, ys, fs = [], [], []
    for r, (ls, g) in enumerate(zip(labels, groups, strict=True)):
        hit = [cls[c] for c in ls if c in cls]
        if len(hit) == 1:
            rows.append(r)
            ys.append(hit[0])
            fs.append(fold_of(g))
    return np.array(rows, dtype=np.int64), np.array(ys, dtype=np.int64), np.array(fs)


def transfer_table(sets: dict[str, tuple[np.ndarray, list[set[str]], list[str]]],
                   min_each: int = 2) -> dict:
    """Accuracy of classifiers trained on one kind and tested on each kind (2 folds).

    For each direction the classes are the labels with at least ``min_each``
    items of the source kind and of the target kind in each fold.
    """
    count: dict[str, dict[str, list[int]]] = {}
    for kind, (_, labels, groups) in sets.items():
        for ls, g in zip(labels, groups, strict=True):
            for lab in ls:
                count.setdefault(lab, {k: [0, 0] for k in sets})[kind][fold_of(g)] += 1
    all_emb = np.concatenate([sets[k][0] for k in sets])
    all_kinds = np.concatenate([[k] * len(sets[k][0]) for k in sets])
    centres = kind_centres(all_emb, all_kinds)
    out: dict = {"directions": {}}
    for src in sets:
        for dst in sets:
            classes = sorted(c for c, per in count.items()
                             if min(per[src]) >= min_each and min(per[dst]) >= min_each)
            res: dict = {"classes": len(classes)}
            if len(classes) < 2:
                out["directions"][f"{src}->{dst}"] = res
                continue
            rs, ys, fs = _single_label(sets[src][1], sets[src][2], classes)
            rd, yd, fd = _single_label(sets[dst][1], sets[dst][2], classes)
            xs, xd = sets[src][0][rs], sets[dst][0][rd]
            for name, cen in (("centred", centres), ("raw", None)):
                accs, chance, n_test = [], [], 0
                for fa in (0, 1):
                    tr, te = fs == fa, fd != fa
                    if len(set(ys[tr].tolist())) < 2 or te.sum() == 0:
                        continue
                    x_tr = centre(xs[tr], [src] * int(tr.sum()), cen)
                    x_te = centre(xd[te], [dst] * int(te.sum()), cen)
                    accs.append(_accuracy_ovr(x_tr, ys[tr], x_te, yd[te], len(classes)))
                    chance.append(np.bincount(yd[te], minlength=len(classes)).max() / te.sum())
                    n_test += int(te.sum())
                if accs:
                    res[name] = float(np.mean(accs))
                    res["chance"] = float(np.mean(chance))
                    res["n_test"] = n_test
                    res["n_train"] = int(len(ys))
            out["directions"][f"{src}->{dst}"] = res
    return out


def true_tags(vocab: TagVocabulary, labels: list[set[str]]) -> np.ndarray:
    """(n, T) bool: tag t is true for item i when all of t's words are among i's labels."""
    words = [{_singular(w) for w in tokenize(t)} for t in vocab.words]
    return np.array([[bool(ws) and ws <= ls for ws in words] for ls in labels], dtype=bool)


def zero_shot(tagger: ZeroShotTagger, kind: str, emb: np.ndarray, labels: list[set[str]],
              groups: list[str], min_score: float = 0.5, top_k: int = 5) -> tuple[dict, object]:
    """Precision/recall on fold B with a calibration fitted on fold A; returns (metrics, cal)."""
    truth = true_tags(tagger.vocab, labels)
    keep = truth.any(axis=1)
    folds = np.array([fold_of(g) for g in groups])
    emb, truth, folds = emb[keep], truth[keep], folds[keep]
    out: dict = {"items": int(keep.sum())}
    if keep.sum() < 10:
        return out, None
    tk = TAG_KIND[kind]
    result = {}
    for mode in ("ensemble", "word"):
        tagger.ensemble = mode == "ensemble"
        tagger._tag_emb.clear()
        s = tagger.scores(emb, tk).astype(np.float64)
        a, b = folds == 0, folds == 1
        cal = fit_calibration(s[a], truth[a], reference_from_scores(s[a]),
                              fitted_on=f"held-out corpus fold A ({int(a.sum())} {kind}s)")
        p = cal.probability(s[b], reference_from_scores(s[b]))
        proposed = np.zeros_like(p, dtype=bool)
        for i in range(len(p)):
            order = np.argsort(-p[i])[:top_k]
            proposed[i, order[p[i, order] >= min_score]] = True
        tb = truth[b]
        tp = int((proposed & tb).sum())
        top1 = float(tb[np.arange(len(s[b])), s[b].argmax(axis=1)].mean())
        result[mode] = {
            "precision": tp / max(1, int(proposed.sum())),
            "recall": tp / max(1, int(tb.sum())),
            "proposals_per_item": float(proposed.sum(axis=1).mean()),
            "top1_accuracy": top1,
            "calibration": cal.to_dict(),
            "n_test": int(b.sum()),
        }
    tagger._tag_emb.clear()
    best = max(result, key=lambda m: result[m]["top1_accuracy"])
    tagger.ensemble = best == "ensemble"
    out.update(result)
    out["chance_precision"] = float(truth.mean())
    out["chance_top1"] = float(truth.mean())
    out["prompts_used"] = best
    from core.tagging.calibration import Calibration

    return out, Calibration.from_dict(result[best]["calibration"])


def run(checkpoint: str | None, limit_images: int, write_calibration: bool,
        features: Path | None = None) -> dict:
    from core.model import load_model

    model = load_model(checkpoint)
    root = Path(os.environ.get("SYNESTHESIA_CACHE") or Path.home() / ".cache" / "synesthesia")
    images, sounds = held_out_items(limit_images)
    images, ei, sounds, es = embed(model, images, sounds, features or root / "features")
    texts = [i for i in images if i.get("texts")]
    et = np.asarray(model.encode_texts([i["texts"][0] for i in texts]), np.float32)
    lab = {
        "image": [{_singular(x) for x in i["labels"]} for i in images],
        "sound": [{_singular(x) for x in s["labels"]} for s in sounds],
        "text": [{_singular(x) for x in i["labels"]} for i in texts],
    }
    sets = {
        "image": (ei, lab["image"], [i["group"] for i in images]),
        "sound": (es, lab["sound"], [s["group"] for s in sounds]),
        "text": (et, lab["text"], [i["group"] for i in texts]),
    }
    result: dict = {"model_id": model.model_id, "n": {k: len(v[0]) for k, v in sets.items()}}
    result["transfer"] = transfer_table(sets)
    vocab = load_vocabulary()
    tagger = ZeroShotTagger(model, vocab, calibrations={})
    cals = {}
    result["zero_shot"] = {}
    for kind, (emb, labels, groups) in sets.items():
        metrics, cal = zero_shot(tagger, kind, emb, labels, groups)
        result["zero_shot"][kind] = metrics
        if cal is not None:
            cals[TAG_KIND[kind]] = cal
    if write_calibration and cals:
        save_calibrations(calibration_path(), str(model.model_id), cals)
        result["calibration_written"] = str(calibration_path())
    return result


def markdown(res: dict) -> str:
    """The two README tables."""
    tr = res["transfer"]
    lines = [f"model `{res['model_id']}`; held-out items: "
             + ", ".join(f"{n} {k}s" for k, n in res["n"].items()), ""]
    lines += ["| trained on -> tested on | concepts | test items | accuracy (centred) | "
              "accuracy (raw) | chance (most frequent) |", "|---|---|---|---|---|---|"]
    for d, r in tr["directions"].items():
        if "centred" in r:
            lines.append(f"| {d} | {r['classes']} | {r['n_test']} | {r['centred']:.3f} | "
                         f"{r['raw']:.3f} | {r['chance']:.3f} |")
        else:
            lines.append(f"| {d} | {r['classes']} | - | - | - | - |")
    lines += ["", "| kind | items | prompts | precision | recall | tags/item | top-1 | "
              "chance precision / top-1 |", "|---|---|---|---|---|---|---|---|"]
    for kind, z in res["zero_shot"].items():
        for mode in ("ensemble", "word"):
            if mode in z:
                m = z[mode]
                lines.append(
                    f"| {kind} | {m['n_test']} | {mode} | {m['precision']:.3f} | "
                    f"{m['recall']:.3f} | {m['proposals_per_item']:.2f} | "
                    f"{m['top1_accuracy']:.3f} | {z['chance_precision']:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.eval_tagging",
                                description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--limit-images", type=int, default=1500)
    p.add_argument("--write-calibration", action="store_true")
    p.add_argument("--features", type=Path, default=None,
                   help="cache folder of teacher features and log-mels")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    res = run(a.checkpoint, a.limit_images, a.write_calibration, a.features)
    if a.json:
        json.dump(res, sys.stdout, indent=1)
        print()
    else:
        print(markdown(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
