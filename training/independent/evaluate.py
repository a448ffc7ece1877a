"""Evaluating a model on the independent set: retrieval in six directions with chance
levels, zero-shot top-1 of images and sounds, the naive baseline, and the report."""

from __future__ import annotations

import numpy as np

from training.evalsets import DIRECTIONS, relevance, summary, zero_shot


def text_queries(items: list[dict]) -> tuple[list[str], list[set[str]]]:
    """The distinct first texts of all items, each with the concepts of the items it names."""
    concepts: dict[str, set[str]] = {}
    for it in items:
        concepts.setdefault(it["texts"][0], set()).update(it["labels"])
    texts = sorted(concepts)
    return texts, [concepts[t] for t in texts]



def directional(scores: np.ndarray, rel: np.ndarray, trials: int = 20) -> dict | None:
    """Retrieval metrics over the queries that have a relevant candidate, chance beside."""
    from training.metrics import chance_metrics, retrieval_metrics

    keep = rel.any(axis=1)
    if keep.sum() == 0:
        return None
    out = retrieval_metrics(scores[keep], rel[keep], keep_ranks=True)
    out["chance"] = chance_metrics(rel[keep], trials=trials)
    return out



def evaluate(model, items: list[dict], baseline: bool = True) -> dict:
    """All metrics of `model` on manifest `items`."""
    images = [i for i in items if i["kind"] == "image"]
    sounds = [i for i in items if i["kind"] == "sound"]
    texts, text_labels = text_queries(items)
    img_labels = [set(i["labels"]) for i in images]
    snd_labels = [set(i["labels"]) for i in sounds]

    feats, logits = model.image_teacher_outputs([i["path"] for i in images])
    emb = {"img": model.embed_image_logits(logits),
           "snd": model.encode_sounds([i["path"] for i in sounds]),
           "txt": model.encode_texts(texts)}
    labels = {"img": img_labels, "snd": snd_labels, "txt": text_labels}

    out: dict = {"model_id": model.model_id, "counts": summary(items), "texts": len(texts),
                 "retrieval": {}, "zero_shot": {}}
    for d in DIRECTIONS:
        q, c = d.split("->")
        if len(emb[q]) and len(emb[c]):
            m = directional(emb[q] @ emb[c].T, relevance(labels[q], labels[c]))
            if m is not None:
                out["retrieval"][d] = m
    for kind in ("img", "snd"):
        classes = sorted({c for lab in labels[kind] for c in lab})
        if len(classes) >= 2:
            zs = zero_shot(emb[kind], labels[kind], classes, model.encode_texts(classes))
            out["zero_shot"]["images" if kind == "img" else "sounds"] = zs
    if baseline and len(images) and len(texts):
        out["baseline"] = baseline_img_txt(feats, logits, labels["img"], texts, labels["txt"])
    return out


def baseline_img_txt(feats: np.ndarray, logits: np.ndarray, img_labels: list[set[str]],
                     texts: list[str], text_labels: list[set[str]]) -> dict:
    """The naive baseline of `training.evaluate` (teacher class distribution vs word-vector
    similarity of a text to the class names) for img->txt and txt->img."""
    from training.baselines import BaselineEncoder
    from training.features import ImageFeatures

    imgs = ImageFeatures([str(k) for k in range(len(feats))], feats.astype(np.float16),
                         logits.astype(np.float16))
    enc = BaselineEncoder(imgs, None)
    ei, et = enc.images(list(range(len(feats)))), enc.texts(texts)
    rel = relevance(img_labels, text_labels)
    out = {}
    for d, s, r in (("img->txt", ei @ et.T, rel), ("txt->img", et @ ei.T, rel.T)):
        m = directional(s, r)
        if m is not None:
            out[d] = m
    return out


def format_report(res: dict) -> str:
    """Markdown: retrieval table (model, chance, baseline where measured), then zero-shot."""
    c = res["counts"]
    lines = [f"Independent evaluation (scratch + gcompris-qt-data): {c['images']} images, "
             f"{c['sounds']} sounds, {res['texts']} texts, {c['concepts']} concepts "
             f"({c['shared_concepts']} with both images and sounds); model {res['model_id']}",
             "",
             "| direction | R@1 | R@5 | R@10 | median rank | chance R@1 / R@5 / R@10 / med. rank "
             "| composition R@1 / R@10 / med. rank | naive baseline R@1 / R@10 / med. rank "
             "| queries x candidates |",
             "|---|---|---|---|---|---|---|---|---|"]
    for d in DIRECTIONS:
        m = res["retrieval"].get(d)
        if m is None:
            continue
        ch = m["chance"]
        cells = []
        for b in (res.get("composition", {}).get("retrieval", {}).get(d),
                  res.get("baseline", {}).get(d)):
            cells.append(f"{b['R@1']:.3f} / {b['R@10']:.3f} / {b['median_rank']:.0f}" if b else "-")
        lines.append(f"| {d} | {m['R@1']:.3f} | {m['R@5']:.3f} | {m['R@10']:.3f} | "
                     f"{m['median_rank']:.0f} | {ch['R@1']:.3f} / {ch['R@5']:.3f} / "
                     f"{ch['R@10']:.3f} / {ch['median_rank']:.0f} | {' | '.join(cells)} | "
                     f"{m['queries']} x {m['candidates']} |")
    lines += bootstrap_lines(res)
    lines.append("")
    lines.append("| zero-shot | accuracy | composition | chance | items | classes |")
    lines.append("|---|---|---|---|---|---|")
    for kind, z in res["zero_shot"].items():
        comp = res.get("composition", {}).get("zero_shot", {}).get(kind)
        lines.append(f"| {kind} | {z['accuracy']:.3f} | "
                     f"{comp['accuracy'] if comp else float('nan'):.3f} | {z['chance']:.3f} | "
                     f"{z['n']} | {z['classes']} |")
    return "\n".join(lines)




def bootstrap_lines(res: dict) -> list[str]:
    """The model against the composition and the naive baseline: paired bootstrap intervals
    of the R@10 and median-rank differences per direction."""
    from training.metrics import bootstrap_section

    return [line for name, other in (
        ("the composition", res.get("composition", {}).get("retrieval", {})),
        ("the naive baseline", res.get("baseline", {})))
        for line in bootstrap_section(
            f"The model minus {name}, paired bootstrap over the queries (2,000 resamples, "
            "95% interval; positive = the model is better):", res["retrieval"], other,
            DIRECTIONS)]
