"""Evaluating encoders on the real-media set (see `training.realmedia`) and the report."""

from __future__ import annotations

import numpy as np

from training.evalsets import DIRECTIONS, relevance, zero_shot
from training.realmedia.build import summary
from training.realmedia.labels import PROMPTS, VOCABULARY


def text_queries(items: list[dict]) -> tuple[list[str], list[set[str]]]:
    """The text side: every concept word and every item's description (its first text), each
    with the concepts it names, sorted."""
    concepts: dict[str, set[str]] = {}
    for it in items:
        for c in it["labels"]:
            concepts.setdefault(c, set()).add(c)
        concepts.setdefault(it["texts"][0], set()).update(it["labels"])
    texts = sorted(concepts)
    return texts, [concepts[t] for t in texts]


def _normalised(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"an encoder returned shape {x.shape}, want (n, D)")
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _encode(fn, inputs: list) -> np.ndarray | None:
    """Rows of `fn(inputs)`, or None when the encoder does not handle that modality."""
    try:
        out = _normalised(fn(inputs))
    except NotImplementedError:
        return None
    if len(out) != len(inputs):
        raise ValueError(f"an encoder returned {len(out)} rows for {len(inputs)} inputs")
    return out


def _name(encoder, k: int) -> str:
    return str(getattr(encoder, "name", None) or getattr(encoder, "model_id", None)
               or f"encoder {k + 1}")


ZERO_SHOT = (("images", "img"), ("sounds", "snd"))


def evaluate(encoders, items: list[dict], trials: int = 100) -> dict:
    """Metrics of each encoder on manifest `items` (see the module's docstring).

    `encoders`: one encoder or a sequence of them. Returns `{"counts", "texts", "chance",
    "encoders": [{"name", "retrieval": {direction: metrics | None}, "missing": [...],
    "zero_shot": {"images"|"sounds": {...} | None}}]}`.
    """
    if hasattr(encoders, "encode_texts"):
        encoders = [encoders]
    images = [i for i in items if i["kind"] == "image"]
    sounds = [i for i in items if i["kind"] == "sound"]
    texts, text_labels = text_queries(items)
    labels = {"img": [set(i["labels"]) for i in images],
              "snd": [set(i["labels"]) for i in sounds], "txt": text_labels}
    inputs = {"img": [i["path"] for i in images], "snd": [i["path"] for i in sounds],
              "txt": texts}
    classes = {kind: sorted({c for lab in labels[m] for c in lab}) for kind, m in ZERO_SHOT}
    chance = _chance(labels, classes, trials)
    out: dict = {"set": "realmedia", "counts": summary(items), "texts": len(texts),
                 "prompts": PROMPTS, "chance": chance, "encoders": []}
    for k, enc in enumerate(encoders):
        emb = {"img": _encode(enc.encode_images, inputs["img"]) if images else None,
               "snd": _encode(enc.encode_sounds, inputs["snd"]) if sounds else None,
               "txt": _encode(enc.encode_texts, inputs["txt"])}
        res = _retrieval(emb, labels, chance)
        res["name"] = _name(enc, k)
        res["zero_shot"] = {}
        for kind, m in ZERO_SHOT:
            if emb[m] is None or emb["txt"] is None or len(classes[kind]) < 2:
                res["zero_shot"][kind] = None
                continue
            prompts = [PROMPTS[kind].format(VOCABULARY[c]) for c in classes[kind]]
            class_emb = _encode(enc.encode_texts, prompts)
            res["zero_shot"][kind] = zero_shot(emb[m], labels[m], classes[kind], class_emb)
        out["encoders"].append({"name": res["name"], "retrieval": res["retrieval"],
                                "missing": res["missing"], "zero_shot": res["zero_shot"]})
    return out


def _chance(labels: dict[str, list[set[str]]], classes: dict[str, list[str]], trials: int
            ) -> dict:
    """Chance retrieval per direction (random permutations; only the directions with a query
    that has a relevant candidate) and chance zero-shot top-1 per modality."""
    from training.metrics import chance_metrics

    chance: dict = {}
    for d in DIRECTIONS:
        q, c = d.split("->")
        r = relevance(labels[q], labels[c])
        r = r[r.any(axis=1)]  # the queries that have a relevant candidate
        if len(r):
            chance[d] = chance_metrics(r, trials=trials)
    chance["zero_shot"] = {
        kind: float(np.mean([len(lab & set(classes[kind])) / len(classes[kind])
                             for lab in labels[m]])) if labels[m] else None
        for kind, m in ZERO_SHOT}
    return chance


def _retrieval(emb: dict, labels: dict[str, list[set[str]]], chance: dict) -> dict:
    """`{"retrieval": {direction: metrics | None}, "missing": [directions]}` of one encoder."""
    from training.metrics import retrieval_metrics

    res: dict = {"retrieval": {}, "missing": []}
    for d in DIRECTIONS:
        q, c = d.split("->")
        if d not in chance:
            res["retrieval"][d] = None  # no query with a relevant candidate
        elif emb[q] is None or emb[c] is None:
            res["retrieval"][d] = None
            res["missing"].append(d)
        else:
            r = relevance(labels[q], labels[c])
            keep = r.any(axis=1)
            res["retrieval"][d] = retrieval_metrics((emb[q] @ emb[c].T)[keep], r[keep],
                                                    keep_ranks=True)
    return res


def format_report(res: dict) -> str:
    """One markdown table: a row per direction (and per zero-shot task), a column group
    (R@1, R@10, median rank) per encoder, then chance and the size of each task."""
    c = res["counts"]
    names = [e["name"] for e in res["encoders"]]
    head = ["task"] + [f"{n} {m}" for n in names for m in ("R@1", "R@10", "med. rank")]
    head += ["chance R@1", "chance R@10", "chance med. rank", "queries x candidates"]
    lines = [f"Real-media evaluation (training.realmedia): {c['images']} photos, "
             f"{c['sounds']} recordings, {res['texts']} texts, {c['concepts']} concepts "
             f"({c['shared_concepts']} with both photos and recordings).", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for d in DIRECTIONS:
        ch = res["chance"].get(d)
        if ch is None:
            continue
        cells = [d]
        for e in res["encoders"]:
            m = e["retrieval"].get(d)
            cells += ([f"{m['R@1']:.3f}", f"{m['R@10']:.3f}", f"{m['median_rank']:g}"] if m
                      else ["n/a"] * 3)
        cells += [f"{ch['R@1']:.3f}", f"{ch['R@10']:.3f}", f"{ch['median_rank']:.1f}",
                  f"{ch['queries']:.0f} x {ch['candidates']:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    for kind, label in (("images", "zero-shot photos (top-1)"),
                        ("sounds", "zero-shot recordings (top-1)")):
        ch = res["chance"]["zero_shot"].get(kind)
        if ch is None:
            continue
        cells, size = [label], "-"
        for e in res["encoders"]:
            z = e["zero_shot"].get(kind)
            cells += [f"{z['accuracy']:.3f}" if z else "n/a", "-", "-"]
            if z:
                size = f"{z['n']} x {z['classes']} classes"
        cells += [f"{ch:.3f}", "-", "-", size]
        lines.append("| " + " | ".join(cells) + " |")
    lines += bootstrap_lines(res["encoders"])
    missing = [f"{e['name']}: {', '.join(e['missing'])}" for e in res["encoders"] if e["missing"]]
    if missing:
        lines += ["", "Missing (the encoder does not handle a modality): " + "; ".join(missing)]
    for note in res.get("notes", []):
        lines += ["", note]
    return "\n".join(lines)




def bootstrap_lines(encoders: list[dict]) -> list[str]:
    """The first encoder against each other one: paired bootstrap intervals of the R@10 and
    median-rank differences per direction (`training.metrics.paired_bootstrap`)."""
    from training.metrics import bootstrap_section

    return [line for other in encoders[1:] for line in bootstrap_section(
        f"{encoders[0]['name']} minus {other['name']}, paired bootstrap over the queries "
        "(2,000 resamples, 95% interval; positive = the first is better):",
        encoders[0]["retrieval"], other["retrieval"], DIRECTIONS)]
