"""Measures how search merges results of different kinds (core.search.relevance) on real
media.

    python -m training.relevance [--checkpoint PATH] [--json]

The real-media set (``training.realmedia``) becomes a mixed library: its photos, its
recordings, and one note per item holding the item's hand-written description (its first
text). Queries: every concept word and every description (text queries), and every photo
and recording (search by example; the query item itself is left out). A result is relevant
when it shares a concept with the query.

Reported per query kind: nDCG@10 of the merged list ranked by raw cosine and by relevance
(z within each kind: what search ships), against each kind ranked alone; and the precision
and recall of the results shown as good matches (relevance >= 3). Nothing is fitted: the set
only measures.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass

import numpy as np

from core.media.kinds import KINDS
from core.search.relevance import GOOD_Z, KindReference

log = logging.getLogger(__name__)
K = 10


@dataclass
class MixedSet:
    """A labelled mixed library: per kind, (n, D) unit vectors and each item's concepts;
    queries as (query kind, vector, concepts, (kind, index) of the query item or None)."""

    name: str
    vectors: dict[str, np.ndarray]
    concepts: dict[str, list[set[str]]]
    queries: list[tuple[str, np.ndarray, set[str], tuple[str, int] | None]]


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def mixed_set(model, items: list[dict], name: str) -> MixedSet:
    """Embeds a manifest's photos, recordings and descriptions with ``model``."""
    from training.realmedia import text_queries

    imgs = [i for i in items if i["kind"] == "image"]
    snds = [i for i in items if i["kind"] == "sound"]
    vec = {"image": _unit(model.encode_images([i["path"] for i in imgs])),
           "sound": _unit(model.encode_sounds([i["path"] for i in snds])),
           "note": _unit(model.encode_texts([i["texts"][0] for i in imgs + snds]))}
    con = {"image": [set(i["labels"]) for i in imgs], "sound": [set(i["labels"]) for i in snds],
           "note": [set(i["labels"]) for i in imgs + snds]}
    texts, text_con = text_queries(imgs + snds)
    tq = _unit(model.encode_texts(texts))
    queries = [("text", tq[n], text_con[n], None) for n in range(len(texts))]
    for kind in ("image", "sound"):
        queries += [(kind, vec[kind][n], con[kind][n], (kind, n)) for n in range(len(vec[kind]))]
    return MixedSet(name, vec, con, queries)


def candidates(ms: MixedSet, q: np.ndarray, concepts: set[str], leave: tuple[str, int] | None
               ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """item kind -> (cosines, relevance z, relevant) of the kind's items for one query."""
    out = {}
    for kind in ("image", "sound", "note"):
        keep = np.ones(len(ms.vectors[kind]), bool)
        if leave is not None and leave[0] == kind:
            keep[leave[1]] = False
        v = ms.vectors[kind][keep]
        s = v @ q
        ref = KindReference.of(q, np.arange(len(v)), v, len(v))
        rel = np.array([bool(c & concepts) for c, k in zip(ms.concepts[kind], keep, strict=True)
                        if k], bool)
        out[kind] = (s, ref.z(s), rel)
    return out


def ndcg(relevant: np.ndarray, n_relevant: int, k: int = K) -> float:
    gains = np.asarray(relevant[:k], np.float64) / np.log2(np.arange(2, min(k, len(relevant)) + 2))
    ideal = (1.0 / np.log2(np.arange(2, min(k, n_relevant) + 2))).sum()
    return float(gains.sum() / ideal)


def evaluate(ms: MixedSet) -> dict:
    """Mean nDCG@10 per query kind for each ranking, and the good-match cut-off's
    precision / recall / count."""
    out: dict[str, dict[str, list[float]]] = {q: {} for q in ("text", "image", "sound")}
    for qk, q, con, leave in ms.queries:
        got = candidates(ms, q, con, leave)
        kinds = np.concatenate([[k] * len(s) for k, (s, _, _) in got.items()])
        s, z, r = (np.concatenate([g[i] for g in got.values()]) for i in range(3))
        if not r.any():
            continue
        acc = out[qk]
        for name, key in (("raw cosine", s), ("relevance (shipped)", z)):
            acc.setdefault(name, []).append(ndcg(r[np.argsort(-key, kind="stable")], int(r.sum())))
        for kind in got:
            m = kinds == kind
            order = np.argsort(-s[m], kind="stable")
            acc.setdefault(f"{kind}s alone", []).append(ndcg(r[m][order], int(r.sum())))
        shown = z >= GOOD_Z
        acc.setdefault("good matches shown", []).append(float(shown.sum()))
        acc.setdefault("recall of good matches", []).append(float((shown & r).sum() / r.sum()))
        if shown.any():
            acc.setdefault("precision of good matches", []).append(float(r[shown].mean()))
        acc.setdefault("queries", []).append(1.0)
    return {qk: {k: (float(np.mean(v)) if k != "queries" else int(sum(v))) for k, v in d.items()}
            for qk, d in out.items()}


def format_report(res: dict, model_id: str) -> str:
    rows = [k for k in next(iter(res.values())) if k != "queries"]
    lines = [f"model {model_id}; real-media set as a mixed library; good match: relevance "
             f">= {GOOD_Z:g}", "",
             "| | " + " | ".join(f"{q} queries ({res[q].get('queries', 0)})" for q in res) + " |",
             "|---|" + "---|" * len(res)]
    for row in rows:
        cells = [f"{res[q][row]:.3f}" if row in res[q] else "-" for q in res]
        label = row if row.startswith(("good", "recall", "precision")) else f"nDCG@10 {row}"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from core.model import load_model
    from training import evalsets
    from training.realmedia import cache_dir, load_manifest

    p = argparse.ArgumentParser(prog="python -m training.relevance", description=__doc__)
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    path = evalsets.manifest_or_none("training.realmedia", None, cache_dir() / "manifest.jsonl")
    if path is None:
        return 2
    model = load_model(a.checkpoint)
    res = evaluate(mixed_set(model, load_manifest(path), "real-media set"))
    if a.json:
        json.dump({"model_id": model.model_id, "kinds": list(KINDS), "results": res},
                  sys.stdout, indent=1)
        print()
    else:
        print(format_report(res, model.model_id))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
