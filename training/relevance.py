"""Fits and measures how search merges results of different kinds (core.search.relevance).

    python -m training.relevance fit  [--checkpoint PATH] [--dry-run]   # independent set
    python -m training.relevance eval [--checkpoint PATH] [--json]      # real-media set

Both sets are turned into the same mixed library: their photos, their recordings, and one
note per item holding the item's hand-written description (its first text). Queries: every
concept word and every description (text queries), and every photo and recording (search by
example; the query item itself is left out). A result is relevant when it shares a concept
with the query.

``fit`` fits, per direction (query kind -> item kind), the logistic model of
``core.search.relevance`` on the independent set (``training.independent``), and per query
kind the good-match threshold that maximises F1 there; it stores them for the checkpoint's
model id in ``resources/search/relevance.json``. The feature set (cosine, z, log rank) was
chosen on the independent set too: it had the best merged nDCG@10 there of
(cosine, z) / (10 cosine, z) / (10 cosine, z, log rank).

``eval`` measures on the real-media set (never fitted on) nDCG@10 of the top 10 of the
merged list ranked by raw cosine, by z alone, and by the fitted probability, against each
kind ranked alone; and precision / recall of the results shown as good matches.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass

import numpy as np

from core.media.kinds import KINDS
from core.search.relevance import (
    ITEM_KINDS,
    QUERY_KINDS,
    Direction,
    KindReference,
    Relevance,
    features,
    load_relevance,
    save_relevance,
)

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
    """item kind -> (cosines, features, relevant) of the kind's items for one query."""
    out = {}
    for kind in ITEM_KINDS:
        keep = np.ones(len(ms.vectors[kind]), bool)
        if leave is not None and leave[0] == kind:
            keep[leave[1]] = False
        v = ms.vectors[kind][keep]
        s = v @ q
        ref = KindReference.of(q, np.arange(len(v)), v, len(v))
        rel = np.array([bool(c & concepts) for c, k in zip(ms.concepts[kind], keep, strict=True)
                        if k], bool)
        out[kind] = (s, features(s, ref.z(s), ref.rank(s)), rel)
    return out


def fit(ms: MixedSet) -> Relevance:
    """Per-direction logistic weights and per-query-kind F1-best thresholds on ``ms``."""
    from core.tagging.linear import fit_logistic

    xs: dict[str, list] = {}
    ys: dict[str, list] = {}
    for qk, q, con, leave in ms.queries:
        for kind, (_, x, rel) in candidates(ms, q, con, leave).items():
            xs.setdefault(f"{qk}->{kind}", []).append(x)
            ys.setdefault(f"{qk}->{kind}", []).append(rel)
    dirs = {}
    for key in xs:
        w, b = fit_logistic(np.concatenate(xs[key]), np.concatenate(ys[key]).astype(np.float64))
        dirs[key] = Direction(tuple(float(v) for v in w), float(b))  # type: ignore[arg-type]
    rel = Relevance(dirs, {q: 0.5 for q in QUERY_KINDS}, f"{ms.name} ({_size(ms)})")
    thresholds = {q: _best_threshold(ms, rel, q) for q in QUERY_KINDS}
    return Relevance(dirs, thresholds, rel.fitted_on,
                     notes={"thresholds": "per query kind, the F1-best on the same set"})


def _size(ms: MixedSet) -> str:
    n = {k: len(v) for k, v in ms.vectors.items()}
    return (f"{n['image']} photos, {n['sound']} sounds, {n['note']} notes, "
            f"{len(ms.queries)} queries")


def _probabilities(ms: MixedSet, rel: Relevance, qk: str, q, con, leave):
    """Pooled over kinds: (kinds, cosines, probabilities, relevant) of one query."""
    kinds, ss, ps, rs = [], [], [], []
    for kind, (s, x, r) in candidates(ms, q, con, leave).items():
        kinds += [kind] * len(s)
        ss.append(s)
        ps.append(rel.directions[f"{qk}->{kind}"].probability(x))
        rs.append(r)
    return np.array(kinds), np.concatenate(ss), np.concatenate(ps), np.concatenate(rs)


def _best_threshold(ms: MixedSet, rel: Relevance, query_kind: str) -> float:
    p_all, r_all = [], []
    for qk, q, con, leave in ms.queries:
        if qk == query_kind:
            _, _, p, r = _probabilities(ms, rel, qk, q, con, leave)
            p_all.append(p)
            r_all.append(r)
    p, r = np.concatenate(p_all), np.concatenate(r_all)
    best, best_f1 = 0.5, -1.0
    for t in np.round(np.arange(0.02, 0.96, 0.01), 2):
        shown = p >= t
        tp = float((shown & r).sum())
        f1 = 2 * tp / max(float(shown.sum() + r.sum()), 1.0)
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


def ndcg(relevant: np.ndarray, n_relevant: int, k: int = K) -> float:
    gains = np.asarray(relevant[:k], np.float64) / np.log2(np.arange(2, min(k, len(relevant)) + 2))
    ideal = (1.0 / np.log2(np.arange(2, min(k, n_relevant) + 2))).sum()
    return float(gains.sum() / ideal)


def evaluate(ms: MixedSet, rel: Relevance) -> dict:
    """Mean nDCG@10 per query kind for each ranking, and the good-match cut-off's
    precision / recall / count."""
    out: dict[str, dict[str, list[float]]] = {q: {} for q in QUERY_KINDS}
    for qk, q, con, leave in ms.queries:
        kinds, s, p, r = _probabilities(ms, rel, qk, q, con, leave)
        z = np.concatenate([x[:, 1] for _, x, _ in candidates(ms, q, con, leave).values()])
        if not r.any():
            continue
        acc = out[qk]
        for name, key in (("raw cosine", s), ("z per kind", z), ("calibrated (shipped)", p)):
            acc.setdefault(name, []).append(ndcg(r[np.argsort(-key, kind="stable")], int(r.sum())))
        for kind in ITEM_KINDS:
            m = kinds == kind
            order = np.argsort(-s[m], kind="stable")
            acc.setdefault(f"{kind}s alone", []).append(ndcg(r[m][order], int(r.sum())))
        shown = p >= rel.threshold(qk)
        acc.setdefault("good matches shown", []).append(float(shown.sum()))
        acc.setdefault("recall of good matches", []).append(float((shown & r).sum() / r.sum()))
        if shown.any():
            acc.setdefault("precision of good matches", []).append(float(r[shown].mean()))
        acc.setdefault("queries", []).append(1.0)
    return {qk: {k: (float(np.mean(v)) if k != "queries" else int(sum(v))) for k, v in d.items()}
            for qk, d in out.items()}


def format_report(res: dict, model_id: str, rel: Relevance) -> str:
    rows = [k for k in next(iter(res.values())) if k != "queries"]
    lines = [f"model {model_id}; relevance fitted on: {rel.fitted_on or 'not fitted'}",
             f"thresholds: {rel.thresholds}", "",
             "| | " + " | ".join(f"{q} queries ({res[q].get('queries', 0)})" for q in res) + " |",
             "|---|" + "---|" * len(res)]
    for row in rows:
        cells = [f"{res[q][row]:.3f}" if row in res[q] else "-" for q in res]
        label = row if row.startswith(("good", "recall", "precision")) else f"nDCG@10 {row}"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _load(which: str) -> list[dict]:
    if which == "independent":
        from training.independent import load_manifest
    else:
        from training.realmedia import load_manifest
    return load_manifest()


def main(argv: list[str] | None = None) -> int:
    from core.model import load_model

    p = argparse.ArgumentParser(prog="python -m training.relevance", description=__doc__)
    p.add_argument("command", choices=("fit", "eval"))
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("--dry-run", action="store_true", help="fit: print, do not store")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    model = load_model(a.checkpoint)
    if a.command == "fit":
        rel = fit(mixed_set(model, _load("independent"), "independent set"))
        if not a.dry_run:
            save_relevance(model.model_id, rel)
        print(json.dumps(rel.to_dict(), indent=1))
        return 0
    rel = load_relevance(model.model_id)
    res = evaluate(mixed_set(model, _load("realmedia"), "real-media set"), rel)
    if a.json:
        json.dump({"model_id": model.model_id, "kinds": list(KINDS), "results": res},
                  sys.stdout, indent=1)
        print()
    else:
        print(format_report(res, model.model_id, rel))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
