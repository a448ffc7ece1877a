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


def retrieval_metrics(scores: np.ndarray, relevant: np.ndarray) -> dict[str, float]:
    """R@1, R@5, R@10 (fractions) and median rank of the first relevant candidate."""
    r = ranks_of_first_relevant(scores, relevant)
    return {
        "R@1": float(np.mean(r <= 1)),
        "R@5": float(np.mean(r <= 5)),
        "R@10": float(np.mean(r <= 10)),
        "median_rank": float(np.median(r)),
        "queries": int(scores.shape[0]),
        "candidates": int(scores.shape[1]),
    }


def chance_metrics(relevant: np.ndarray, trials: int = 20, seed: int = 0) -> dict[str, float]:
    """The same metrics for random scores, averaged over trials: the chance level."""
    rng = np.random.default_rng(seed)
    runs = [retrieval_metrics(rng.random(relevant.shape), relevant) for _ in range(trials)]
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
