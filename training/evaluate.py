"""Held-out evaluation in all six directions, zero-shot classification, classifier transfer,
and the naive baseline (teacher classes vs word-vector similarity to class names).

    python -m training.evaluate [--checkpoint PATH] [--json] [--baseline]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from dataclasses import dataclass

import numpy as np
import torch

from training.baselines import BaselineEncoder
from training.features import ImageFeatures, SoundFeatures
from training.glove import tokenize
from training.metrics import chance_metrics, retrieval_metrics

log = logging.getLogger(__name__)
DIRECTIONS = ["img->txt", "txt->img", "img->snd", "snd->img", "txt->snd", "snd->txt"]


@dataclass
class HeldOut:
    """Held-out items resolved to rows of the feature caches."""

    img_rows: list[int]  # images with a description
    img_texts: list[str]
    snd_rows: list[int]  # sounds with at least one paired image
    snd_images: list[list[int]]  # their paired image rows (held-out ones first)
    snd_texts: list[list[str]]  # their label phrases (used only for evaluation)
    snd_concepts: list[str]
    all_img_rows: list[int]
    all_img_words: list[set[str]]


def resolve(held: list[dict], imgs: ImageFeatures, snds: SoundFeatures, limit: int = 1000,
            seed: int = 0) -> HeldOut:
    iidx, sidx = imgs.index(), snds.index()
    held_images = {i["id"] for i in held if i["kind"] == "image"}
    rng = random.Random(seed)
    images = [i for i in held if i["kind"] == "image" and i["id"] in iidx and i.get("texts")]
    sounds = [s for s in held if s["kind"] == "sound" and s["id"] in sidx
              and any(x in iidx for x in s.get("image_ids", []))]
    rng.shuffle(images)
    rng.shuffle(sounds)
    images, sounds = images[:limit], sounds[:limit]

    def paired(s):
        ids = [x for x in s["image_ids"] if x in iidx]
        ids.sort(key=lambda x: x not in held_images)  # held-out images first
        return [iidx[x] for x in ids]

    every = [i for i in held if i["kind"] == "image" and i["id"] in iidx]
    return HeldOut(
        img_rows=[iidx[i["id"]] for i in images], img_texts=[i["texts"][0] for i in images],
        snd_rows=[sidx[s["id"]] for s in sounds], snd_images=[paired(s) for s in sounds],
        snd_texts=[s.get("texts") or s.get("labels") or [s["id"]] for s in sounds],
        snd_concepts=[(s.get("labels") or [s["id"]])[0] for s in sounds],
        all_img_rows=[iidx[i["id"]] for i in every],
        all_img_words=[set(tokenize(" ".join(i.get("texts", [])))) for i in every],
    )


class ModelEncoder:
    """Embeds cached inputs with a network (trained, or untrained: the composition)."""

    name = "trained model"

    def __init__(self, model, imgs: ImageFeatures, snds: SoundFeatures, name: str | None = None):
        self.m, self.imgs, self.snds = model, imgs, snds
        self.name = name or self.name

    def images(self, rows: list[int]) -> np.ndarray:
        return self.m.embed_image_logits(self.imgs.logits[rows].astype(np.float32))

    @torch.inference_mode()
    def sounds(self, rows: list[int]) -> np.ndarray:
        net, dev = self.m.net, self.m.device
        out = [net.embed_sound_h(net.sound.from_cache(
            torch.from_numpy(self.snds.clip(r))[None].to(dev))[0]).cpu().numpy() for r in rows]
        return np.concatenate(out) if out else np.zeros((0, self.m.dim), np.float32)

    def texts(self, texts: list[str]) -> np.ndarray:
        return self.m.encode_texts(texts)


def composition_encoder(imgs: ImageFeatures, snds: SoundFeatures) -> ModelEncoder:
    """The training-free composition (the untrained Model 2) on the training caches."""
    from training.baselines import composition

    return ModelEncoder(composition(), imgs, snds, "training-free composition")


def _with_chance(scores: np.ndarray, relevant: np.ndarray) -> dict:
    m = retrieval_metrics(scores, relevant)
    m["chance"] = chance_metrics(relevant, trials=5)
    return m


def retrieval(enc, h: HeldOut) -> dict:
    out: dict = {}
    if h.img_rows:
        ei, et = enc.images(h.img_rows), enc.texts(h.img_texts)
        same = np.array([[a == b for b in h.img_texts] for a in h.img_texts])
        out["img->txt"] = _with_chance(ei @ et.T, same)
        out["txt->img"] = _with_chance(et @ ei.T, same)
    if h.snd_rows:
        es = enc.sounds(h.snd_rows)
        cand = sorted({s[0] for s in h.snd_images})  # one image per sound, pooled
        ec = enc.images(cand)
        rel = np.array([[c in set(p) for c in cand] for p in h.snd_images])
        out["snd->img"] = _with_chance(es @ ec.T, rel)
        out["img->snd"] = _with_chance(ec @ es.T, rel.T)
        phrases = sorted({t for ts in h.snd_texts for t in ts})
        ep = enc.texts(phrases)
        rel = np.array([[p in set(ts) for p in phrases] for ts in h.snd_texts])
        out["snd->txt"] = _with_chance(es @ ep.T, rel)
        out["txt->snd"] = _with_chance(ep @ es.T, rel.T)
    return out


def zero_shot(enc, h: HeldOut, min_sounds: int = 2) -> dict:
    """Sounds and images of the held-out split classified against the sound concept words."""
    counts: dict[str, int] = {}
    for c in h.snd_concepts:
        counts[c] = counts.get(c, 0) + 1
    classes = sorted(c for c, n in counts.items() if n >= min_sounds and tokenize(c))
    out: dict = {"classes": len(classes)}
    if len(classes) < 2:
        return out
    ec = enc.texts(classes)
    keep = [i for i, c in enumerate(h.snd_concepts) if c in classes]
    es = enc.sounds([h.snd_rows[i] for i in keep])
    pred = (es @ ec.T).argmax(axis=1)
    truth = np.array([classes.index(h.snd_concepts[i]) for i in keep])
    out["sounds"] = {"accuracy": float(np.mean(pred == truth)), "n": len(keep),
                     "chance": 1 / len(classes)}
    words = [set(tokenize(c)) for c in classes]
    img_keep, img_truth = [], []
    for row, ws in zip(h.all_img_rows, h.all_img_words, strict=False):
        hits = [k for k, w in enumerate(words) if w <= ws]
        if len(hits) == 1:
            img_keep.append(row)
            img_truth.append(hits[0])
    if img_keep:
        pred = (enc.images(img_keep) @ ec.T).argmax(axis=1)
        out["images"] = {"accuracy": float(np.mean(pred == np.array(img_truth))),
                         "n": len(img_keep), "chance": 1 / len(classes)}
    return out


def fit_linear(x: np.ndarray, y: np.ndarray, n_classes: int, steps: int = 200) -> torch.nn.Linear:
    """Multinomial logistic regression (L2-regularised) on unit-norm embeddings."""
    torch.manual_seed(0)
    lin = torch.nn.Linear(x.shape[1], n_classes)
    opt = torch.optim.LBFGS(lin.parameters(), max_iter=steps, line_search_fn="strong_wolfe")
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(lin(xt * 10), yt) + 1e-3 * lin.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return lin


def _accuracy(lin, x: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        return float((lin(torch.from_numpy(x) * 10).argmax(1).numpy() == y).mean())


def transfer(enc, h: HeldOut, min_each: int = 3) -> dict:
    """Linear classifiers trained on one modality's embeddings, tested on another's."""
    concepts = sorted(set(h.snd_concepts))
    img_by = {c: [r for r, ws in zip(h.all_img_rows, h.all_img_words, strict=False) if set(tokenize(c)) <= ws]
              for c in concepts if tokenize(c)}
    snd_by = {c: [h.snd_rows[i] for i, sc in enumerate(h.snd_concepts) if sc == c] for c in concepts}
    classes = [c for c in img_by if len(img_by[c]) >= min_each and len(snd_by[c]) >= min_each]
    out: dict = {"classes": len(classes), "chance": 1 / max(1, len(classes))}
    if len(classes) < 2:
        return out
    xi = np.concatenate([enc.images(img_by[c]) for c in classes])
    yi = np.concatenate([[k] * len(img_by[c]) for k, c in enumerate(classes)])
    xs = np.concatenate([enc.sounds(snd_by[c]) for c in classes])
    ys = np.concatenate([[k] * len(snd_by[c]) for k, c in enumerate(classes)])
    k = len(classes)
    out["img->snd"] = _accuracy(fit_linear(xi, yi, k), xs, ys)
    out["snd->img"] = _accuracy(fit_linear(xs, ys, k), xi, yi)
    for name, x, y in (("img->img", xi, yi), ("snd->snd", xs, ys)):  # 2-fold within modality
        idx = np.arange(len(y))
        a, b = idx % 2 == 0, idx % 2 == 1
        out[name] = 0.5 * (_accuracy(fit_linear(x[a], y[a], k), x[b], y[b])
                           + _accuracy(fit_linear(x[b], y[b], k), x[a], y[a]))
    out["n_images"], out["n_sounds"] = int(len(yi)), int(len(ys))
    return out


def evaluate(model, held: list[dict], imgs: ImageFeatures, snds: SoundFeatures,
             quick: bool = False, encoder=None) -> dict:
    """All held-out metrics of one encoder (the model by default)."""
    enc = encoder or ModelEncoder(model, imgs, snds)
    h = resolve(held, imgs, snds, limit=300 if quick else 1000)
    out = retrieval(enc, h)
    if not quick:
        out["zero_shot"] = zero_shot(enc, h)
        out["transfer"] = transfer(enc, h)
    return out


def format_table(results: dict[str, dict]) -> str:
    """Markdown table: one row per direction, one column group per encoder, chance beside."""
    names = list(results)
    head = "| direction | " + " | ".join(f"{n} R@1 / R@10 / med.rank" for n in names)
    head += " | chance R@10 / med.rank | queries x candidates |"
    lines = [head, "|" + "---|" * (len(names) + 3)]
    for d in DIRECTIONS:
        if d not in results[names[0]]:
            continue
        cells = []
        for n in names:
            m = results[n][d]
            cells.append(f"{m['R@1']:.3f} / {m['R@10']:.3f} / {m['median_rank']:.0f}")
        ch = results[names[0]][d]["chance"]
        q = results[names[0]][d]
        size = f"{q['queries']} x {q['candidates']}"
        lines.append(f"| {d} | " + " | ".join(cells)
                     + f" | {ch['R@10']:.3f} / {ch['median_rank']:.0f} | {size} |")
    return "\n".join(lines)


def format_extras(res: dict) -> str:
    lines = []
    zs = res.get("zero_shot", {})
    for kind in ("sounds", "images"):
        if kind in zs:
            z = zs[kind]
            lines.append(f"zero-shot {kind}: accuracy {z['accuracy']:.3f} over {zs['classes']} "
                         f"classes, n={z['n']} (chance {z['chance']:.3f})")
    tr = res.get("transfer", {})
    if "img->snd" in tr:
        lines.append(f"classifier transfer ({tr['classes']} concepts, {tr['n_images']} images, "
                     f"{tr['n_sounds']} sounds; chance {tr['chance']:.3f}): "
                     + ", ".join(f"{k} {tr[k]:.3f}"
                                 for k in ("img->snd", "snd->img", "img->img", "snd->snd")))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:

    from core.model import load_model
    from training.config import TrainConfig
    from training.data import cache_root, load_items, split_items
    from training.features import image_features, sound_features

    p = argparse.ArgumentParser(prog="synesthesia eval", description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--independent", action="store_true",
                   help="evaluate on the independent set (Debian scratch + gcompris-qt-data, "
                        "never trained on) instead of the held-out split")
    a = p.parse_args(argv)
    if a.independent:
        from training.independent import main as independent_main

        rest = ["eval"] + (["--checkpoint", a.checkpoint] if a.checkpoint else [])
        rest += (["--json"] if a.json else []) + (["--no-baseline"] if a.no_baseline else [])
        return independent_main(rest)
    logging.basicConfig(level=logging.WARNING)
    model = load_model(a.checkpoint)
    tc = TrainConfig()
    items = load_items(tc)
    _, held = split_items(items, tc)
    imgs = image_features(model, [i for i in items if i["kind"] == "image"], cache_root())
    snds = sound_features(model, [i for i in items if i["kind"] == "sound"], cache_root())
    results = {"trained model": evaluate(model, held, imgs, snds)}
    if not a.no_baseline:
        results["composition"] = evaluate(model, held, imgs, snds,
                                          encoder=composition_encoder(imgs, snds))
        results["naive baseline"] = evaluate(model, held, imgs, snds, encoder=BaselineEncoder(imgs, snds))
    if a.json:
        json.dump({"model_id": model.model_id, "results": results}, sys.stdout, indent=1)
        print()
    else:
        print(f"model {model.model_id}, held-out split of the training corpus\n")
        print(format_table(results))
        for n, r in results.items():
            print(f"\n{n}:\n{format_extras(r)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
