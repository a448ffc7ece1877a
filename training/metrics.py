"""Retrieval metrics shared by evaluation, ablations and tests."""

from __future__ import annotations

import numpy as np


def ranks_of_first_relevant(scores: np.ndarray, relevant: np.ndarray) -> np.ndarray:
    """scores (q, c), relevant (q, c) bool -> (q,) 1-based rank of the best-ranked relevant
    candidate. Queries with no relevant candidate are not allowed."""
    if not relevant.any(axis=1).all():
        raise ValueError("every query needs at least one relevant candidate")
    best_rel = np.where(relevant, scores, -np.inf).max(axis=1, keepdims=True)
    return (scores > best_rel).sum(axis=1) + 1


def retrieval_metrics(scores: np.ndarray, relevant: np.ndarray, keep_ranks: bool = False
                      ) -> dict:
    """R@1, R@5, R@10 (fractions) and median rank of the first relevant candidate; with
    `keep_ranks`, also each query's rank ("ranks", for `paired_bootstrap`)."""
    r = ranks_of_first_relevant(scores, relevant)
    out = {
        "R@1": float(np.mean(r <= 1)),
        "R@5": float(np.mean(r <= 5)),
        "R@10": float(np.mean(r <= 10)),
        "median_rank": float(np.median(r)),
        "queries": int(scores.shape[0]),
        "candidates": int(scores.shape[1]),
    }
    if keep_ranks:
        out["ranks"] = [int(x) for x in r]
    return out


def paired_bootstrap(ranks_a, ranks_b, resamples: int = 2000, seed: int = 0,
                     level: float = 0.95) -> dict:
    """How sure a difference between two encoders is, on the same queries (Efron's paired
    bootstrap: the queries are resampled with replacement, each resample scores both).

    `ranks_a`, `ranks_b`: each query's rank of its first relevant candidate, in the same query
    order. Returns, signed so that positive means `a` is better, the observed differences of
    R@10 (a - b) and of median rank (b - a), each with its `level` percentile interval, and
    the share of resamples in which `a` is strictly better, strictly worse."""
    a, b = np.asarray(ranks_a), np.asarray(ranks_b)
    if a.shape != b.shape or a.ndim != 1 or not len(a):
        raise ValueError(f"paired ranks of the same queries needed, got {a.shape} and {b.shape}")
    idx = np.random.default_rng(seed).integers(0, len(a), size=(resamples, len(a)))
    sa, sb = a[idx], b[idx]
    diffs = {"R@10": (np.mean(sa <= 10, axis=1) - np.mean(sb <= 10, axis=1),
                      float(np.mean(a <= 10) - np.mean(b <= 10))),
             "median_rank": (np.median(sb, axis=1) - np.median(sa, axis=1),
                             float(np.median(b) - np.median(a)))}
    tail = (1 - level) / 2 * 100
    return {k: {"diff": obs, "low": float(np.percentile(d, tail)),
                "high": float(np.percentile(d, 100 - tail)),
                "better": float(np.mean(d > 0)), "worse": float(np.mean(d < 0))}
            for k, (d, obs) in diffs.items()} | {"queries": int(len(a)), "resamples": resamples}


def format_bootstrap(direction: str, boot: dict) -> str:
    """One line: the R@10 and median-rank differences with their intervals."""
    r, m = boot["R@10"], boot["median_rank"]
    return (f"{direction}: R@10 {r['diff']:+.3f} [{r['low']:+.3f}, {r['high']:+.3f}] "
            f"(better in {r['better']:.0%} of resamples, worse in {r['worse']:.0%}); "
            f"median rank {round(m['diff'], 1):+g} [{round(m['low'], 1):+g}, "
            f"{round(m['high'], 1):+g}] "
            f"(better {m['better']:.0%}, worse {m['worse']:.0%})")


def chance_metrics(relevant: np.ndarray, trials: int = 20, seed: int = 0) -> dict[str, float]:
    """The same metrics for random scores, averaged over trials: the chance level."""
    rng = np.random.default_rng(seed)
    runs = [retrieval_metrics(rng.random(relevant.shape), relevant) for _ in range(trials)]
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}


def bootstrap_section(heading: str, first: dict, other: dict, directions) -> list[str]:
    """Markdown lines: `heading`, then `format_bootstrap` of each direction that both
    {direction: metrics with "ranks"} maps have; nothing when none has."""
    rows = [f"- {format_bootstrap(d, paired_bootstrap(first[d]['ranks'], other[d]['ranks']))}"
            for d in directions
            if (first.get(d) or {}).get("ranks") and (other.get(d) or {}).get("ranks")]
    return ["", heading, *rows] if rows else []
