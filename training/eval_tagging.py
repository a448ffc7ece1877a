"""Measured tagging quality on the held-out split of the training corpus.

    python -m training.eval_tagging [--checkpoint PATH] [--json] [--write-calibration]

1. **Classifier transfer.** For each direction (trained on kind A, tested on
   kind B; kinds: image, sound, text = image descriptions), the classes are
   labels with at least 5 training-split items of kind A and 2 held-out items
   of kind B (the 40 most frequent in the test set at most). A one-vs-rest
   logistic regression (``core.tagging.linear``, the one ``learn-tag`` uses)
   is trained on up to 30 training-split items per class of kind A, with and
   without modality centring, and tested on the held-out items of kind B that
   carry exactly one of the classes. The network never trained on the test
   items; the classifiers never see kind B. Reported: balanced accuracy
   (mean of per-class recall; chance 1 / classes) and plain accuracy (chance:
   the share of the most frequent class in the test set).
2. **Zero-shot tags.** Every held-out image, sound and text is scored against
   the default vocabulary. Its true tags are the vocabulary words all of whose
   words appear among its labels (singular forms). Items with at least one
   true tag are evaluated. The calibration (``core.tagging.calibration``) is
   fitted on fold A and precision / recall of the proposals (p >= 0.5, at
   most 5 per item) are measured on fold B. Chance precision: the share of
   the vocabulary that is true for an item, i.e. what random proposals get.
   For notes, fold A also holds synthetic notes about several things (2-4
   descriptions of the fold joined, ``multi_topic_notes``), since notes are
   paragraphs, and fold B's are measured apart. With ``--write-calibration``
   the fold-A calibration is stored for this model in
   ``resources/vocab/calibration.json``. Also measured: what
   ``tag --all`` ships, that calibration's probability maxed with the tag
   probability read from the network's ImageNet classes through WordNet
   (``core.tagging.classtags``; photos and sounds). That route has nothing
   to fit, so it follows any checkpoint. (``training/eval_zeroshot.py``.)
3. **The sound tag probe** (``core.tagging.probe``): per-tag logistic regressions on the
   sound embedding, fitted on the training split's sounds, L2 chosen on fold A, measured
   on fold B alone and in what `tag --all` ships; ``--write-calibration`` stores it for
   this model in ``resources/vocab/probes.safetensors``. (``training/eval_probe.py``.)

Labels of the corpus are incomplete (a stamp of a dog on a beach may be
labelled only "dog"), so precision here is a lower bound.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.tagging.calibration import save_calibrations
from core.tagging.classifier import centre
from core.tagging.linear import fit_logistic
from core.tagging.probe import probes_path, save_probes
from core.tagging.vocabulary import load_vocabulary
from core.tagging.zeroshot import calibration_path
from training.eval_probe import markdown as probe_markdown
from training.eval_probe import run_probe
from training.eval_zeroshot import (
    TAG_KIND,
    fold_of,
    multi_topic_notes,
    singular,
    true_tags,
    zero_shot,
)

__all__ = ["TAG_KIND", "fold_of", "true_tags", "zero_shot", "run", "markdown", "main"]
log = logging.getLogger(__name__)


def corpus_split() -> tuple[list[dict], list[dict]]:
    """(training split, held-out split) exactly as ``synesthesia train`` cuts it."""
    from training.config import TrainConfig
    from training.data import load_items, split_items

    cfg = TrainConfig()
    return split_items(load_items(cfg), cfg)


def labelled_by_kind() -> dict[tuple[str, str], list[dict]]:
    """{("train" | "held", "image" | "sound"): the split's labelled items of that kind}."""
    tr, ho = corpus_split()
    return {(side, k): [i for i in items if i["kind"] == k and i.get("labels")]
            for side, items in (("train", tr), ("held", ho)) for k in ("image", "sound")}


def _labels(item: dict) -> set[str]:
    return {singular(x) for x in item.get("labels") or []}


def _pick(items: list[dict], n: int) -> list[dict]:
    """Up to ``n`` items, chosen by a hash of their ids (stable across runs)."""
    return sorted(items, key=lambda i: hashlib.sha1(i["id"].encode()).hexdigest())[:n]


@dataclass
class Direction:
    src: str
    dst: str
    classes: list[str]


def plan_transfer(train: dict[str, list[dict]], held: dict[str, list[dict]], min_train: int = 5,
                  min_test: int = 2, max_classes: int = 40, per_class: int = 30
                  ) -> tuple[list[Direction], dict[str, list[dict]]]:
    """Classes of each direction, and the training-split items to embed per kind."""
    def counts(items: list[dict]) -> dict[str, int]:
        c: dict[str, int] = {}
        for it in items:
            for lab in _labels(it):
                c[lab] = c.get(lab, 0) + 1
        return c

    tc = {k: counts(v) for k, v in train.items()}
    hc = {k: counts(v) for k, v in held.items()}
    directions, wanted = [], {k: set() for k in train}
    for src in train:
        for dst in held:
            ok = [c for c, n in hc[dst].items() if n >= min_test and tc[src].get(c, 0) >= min_train]
            ok = sorted(ok, key=lambda c: (-hc[dst][c], c))[:max_classes]
            directions.append(Direction(src, dst, sorted(ok)))
            wanted[src] |= set(ok)
    chosen: dict[str, list[dict]] = {}
    for kind, items in train.items():
        by_class: dict[str, list[dict]] = {}
        for it in items:
            for lab in _labels(it) & wanted[kind]:
                by_class.setdefault(lab, []).append(it)
        seen: dict[str, dict] = {}
        for _lab, its in sorted(by_class.items()):
            for it in _pick(its, per_class):
                seen[it["id"]] = it
        chosen[kind] = list(seen.values())
    return directions, chosen


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


def _accuracy_ovr(x_tr, y_tr, x_te, y_te, n_classes: int) -> tuple[float, float]:
    """One-vs-rest logistic regression: (accuracy, balanced accuracy) on the test items.

    Balanced accuracy is the mean over classes of the share of that class's test items
    predicted right; its chance level is 1 / classes whatever the class sizes."""
    scores = np.zeros((len(x_te), n_classes))
    for c in range(n_classes):
        yc = (y_tr == c).astype(np.float64)
        if yc.sum() == 0:
            scores[:, c] = -np.inf
            continue
        w_pos = np.where(yc == 1, 0.5 / yc.sum(), 0.5 / max(1.0, (1 - yc).sum()))
        w, b = fit_logistic(x_tr, yc, w_pos, l2=1e-2)
        scores[:, c] = x_te @ w + b
    pred = scores.argmax(axis=1)
    balanced = np.mean([np.mean(pred[y_te == c] == c) for c in np.unique(y_te)])
    return float((pred == y_te).mean()), float(balanced)


def _single_label(labels: list[set[str]], classes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Rows with exactly one of ``classes``: (rows, class index)."""
    cls = {c: i for i, c in enumerate(classes)}
    rows, ys = [], []
    for r, ls in enumerate(labels):
        hit = [cls[c] for c in ls if c in cls]
        if len(hit) == 1:
            rows.append(r)
            ys.append(hit[0])
    return np.array(rows, dtype=np.int64), np.array(ys, dtype=np.int64)


def transfer_table(directions: list[Direction],
                   train: dict[str, tuple[np.ndarray, list[set[str]]]],
                   held: dict[str, tuple[np.ndarray, list[set[str]]]],
                   centres: dict[str, np.ndarray], min_train: int = 5, min_test: int = 2
                   ) -> dict:
    """Accuracy of classifiers trained on one kind (training split) and tested on another
    (held-out split), centred and raw, beside the most-frequent-class chance."""
    out: dict = {}
    for d in directions:
        classes = list(d.classes)
        for _ in range(3):  # dropping a class can make other items single-label: settle
            rs, ys = _single_label(train[d.src][1], classes)
            rd, yd = _single_label(held[d.dst][1], classes)
            keep = [c for k, c in enumerate(classes)
                    if (ys == k).sum() >= min_train and (yd == k).sum() >= min_test]
            if keep == classes:
                break
            classes = keep
        res: dict = {"classes": len(classes)}
        if len(classes) >= 2:
            xs, xd = train[d.src][0][rs], held[d.dst][0][rd]
            for name, cen in (("centred", centres), ("raw", None)):
                acc, bal = _accuracy_ovr(centre(xs, [d.src] * len(xs), cen), ys,
                                         centre(xd, [d.dst] * len(xd), cen), yd, len(classes))
                res[name] = acc
                res[f"balanced_{name}"] = bal
            res["chance_balanced"] = 1.0 / len(classes)
            res["chance"] = float(np.bincount(yd).max() / len(yd))
            res["n_train"], res["n_test"] = int(len(ys)), int(len(yd))
            res["class_names"] = classes
        out[f"{d.src}->{d.dst}"] = res
    return out


def _several_topic_notes(model, items: list[dict], labels: list[set[str]]
                         ) -> tuple[np.ndarray, list[set[str]], np.ndarray]:
    """Notes about several things, from the descriptions of one fold: (embeddings, labels,
    folds)."""
    texts, lab, folds = multi_topic_notes([i["texts"][0] for i in items], labels,
                                          np.array([fold_of(i["group"]) for i in items]))
    return np.asarray(model.encode_texts(texts), np.float32), lab, folds


def run(checkpoint: str | None, write_calibration: bool, features: Path | None = None) -> dict:
    from core.model import load_model

    model = load_model(checkpoint)
    from training.data import cache_root

    cache = features or cache_root()
    by = labelled_by_kind()
    train_items = {"image": by["train", "image"], "sound": by["train", "sound"],
                   "text": [i for i in by["train", "image"] if i.get("texts")]}
    held_items = {"image": by["held", "image"], "sound": by["held", "sound"],
                  "text": [i for i in by["held", "image"] if i.get("texts")]}
    directions, chosen = plan_transfer(train_items, held_items)
    img_ids = {i["id"] for i in chosen["image"]} | {i["id"] for i in chosen["text"]}
    images = held_items["image"] + [i for i in by["train", "image"] if i["id"] in img_ids]
    sounds = held_items["sound"] + chosen["sound"]
    images, ei, sounds, es = embed(model, images, sounds, cache)
    img_row = {i["id"]: r for r, i in enumerate(images)}
    snd_row = {s["id"]: r for r, s in enumerate(sounds)}
    text_items = [i for i in images if i.get("texts")]
    et = np.asarray(model.encode_texts([i["texts"][0] for i in text_items]), np.float32)
    txt_row = {i["id"]: r for r, i in enumerate(text_items)}
    emb = {"image": (ei, img_row), "sound": (es, snd_row), "text": (et, txt_row)}

    def side(items: dict[str, list[dict]]) -> dict[str, tuple[np.ndarray, list[set[str]]]]:
        out = {}
        for k, its in items.items():
            e, row = emb[k]
            its = [i for i in its if i["id"] in row]
            out[k] = (e[[row[i["id"]] for i in its]], [_labels(i) for i in its])
        return out

    train_sets = side({"image": [i for i in chosen["image"]], "sound": chosen["sound"],
                       "text": chosen["text"]})
    held_sets = side(held_items)
    centres = {k: v[0].mean(axis=0) for k, v in emb.items()}
    result: dict = {"model_id": model.model_id,
                    "n_held": {k: len(v[1]) for k, v in held_sets.items()},
                    "n_train": {k: len(v[1]) for k, v in train_sets.items()}}
    result["transfer"] = transfer_table(directions, train_sets, held_sets, centres)
    vocab = load_vocabulary()
    cals = {}
    result["zero_shot"] = {}
    for kind, its in held_items.items():
        e, row = emb[kind]
        its = [i for i in its if i["id"] in row]
        labels = [_labels(i) for i in its]
        several = _several_topic_notes(model, its, labels) if kind == "text" else None
        metrics, cal = zero_shot(model, vocab, kind, e[[row[i["id"]] for i in its]], labels,
                                 [i["group"] for i in its], several=several)
        result["zero_shot"][kind] = metrics
        if cal is not None:
            cals[TAG_KIND[kind]] = cal
    probe, result["probe"] = run_probe(model, vocab, by["train", "sound"], held_items["sound"],
                                       cals.get(TAG_KIND["sound"]), cache)
    if write_calibration:
        result.update(_write(str(model.model_id), cals, probe))
    return result


def _write(model_id: str, cals: dict, probe) -> dict:
    """Store the fitted calibrations and the sound probe for ``model_id``; where they went."""
    out = {}
    if cals:
        save_calibrations(calibration_path(), model_id, cals)
        out["calibration_written"] = str(calibration_path())
    if probe is not None:
        save_probes(probes_path(), [probe])
        out["probe_written"] = str(probes_path())
    return out


def markdown(res: dict) -> str:
    """The two README tables."""
    tr = res["transfer"]
    lines = [f"model `{res['model_id']}`; held-out items: "
             + ", ".join(f"{n} {k}s" for k, n in res["n_held"].items())
             + "; training-split items for the classifiers: "
             + ", ".join(f"{n} {k}s" for k, n in res["n_train"].items()), ""]
    lines += ["| trained on -> tested on | concepts | test items | balanced accuracy (centred / "
              "raw) | chance | accuracy (centred / raw) | chance (most frequent class) |",
              "|---|---|---|---|---|---|---|"]
    for d, r in tr.items():
        if "centred" in r:
            lines.append(f"| {d} | {r['classes']} | {r['n_test']} | {r['balanced_centred']:.3f} / "
                         f"{r['balanced_raw']:.3f} | {r['chance_balanced']:.3f} | "
                         f"{r['centred']:.3f} / {r['raw']:.3f} | {r['chance']:.3f} |")
        else:
            lines.append(f"| {d} | {r['classes']} | - | - | - | - | - |")
    lines += ["", "| kind | test items | tags embedded from | min-score | precision | recall | "
              "tags/item | top-1 accuracy | chance (precision, top-1) |",
              "|---|---|---|---|---|---|---|---|---|"]
    for kind, z in res["zero_shot"].items():
        for mode in ("ensemble", "word"):
            if mode not in z:
                continue
            m = z[mode]
            used = " (used)" if z.get("prompts_used") == mode else ""
            how = ("prompts" if mode == "ensemble" else "word") + used
            rows = [(kind, m["n_test"], r) for r in m["at"].items()]
            rows += [(f"{kind} (several things)", m["n_several"], r)
                     for r in m.get("at_several", {}).items()]
            for name, n, (thr, r) in rows:
                prec = f"{r['precision']:.3f}" if r["proposals_per_item"] > 0 else "- (none)"
                lines.append(
                    f"| {name} | {n} | {how} | {thr} | {prec} | "
                    f"{r['recall']:.3f} | {r['proposals_per_item']:.3f} | "
                    f"{m['top1_accuracy']:.3f} | {z['chance_precision']:.3f} |")
    lines += ["", "The calibration above with the tag probabilities read from the network's "
              "ImageNet classes, the larger winning (what `tag --all` ships for photos; for "
              "sounds it did before the probe, below):", "",
              "| kind | test items | tags from | min-score | items tagged | precision | recall |",
              "|---|---|---|---|---|---|---|"]
    for kind, z in res["zero_shot"].items():
        for name, how in (("classes", "classes alone"), ("shipped", "shipped")):
            for thr, r in z.get(name, {}).get("at", {}).items():
                prec = f"{r['precision']:.3f}" if r["proposals_per_item"] > 0 else "- (none)"
                lines.append(f"| {kind} | {z[name]['n_test']} | {how} | {thr} | "
                             f"{r['coverage']:.1%} | {prec} | {r['recall']:.3f} |")
    if res.get("probe", {}).get("tags"):
        lines += ["", probe_markdown(res["probe"])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.eval_tagging",
                                description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--write-calibration", action="store_true")
    p.add_argument("--features", type=Path, default=None,
                   help="cache folder of teacher features and log-mels")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    res = run(a.checkpoint, a.write_calibration, a.features)
    if a.json:
        json.dump(res, sys.stdout, indent=1)
        print()
    else:
        print(markdown(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
