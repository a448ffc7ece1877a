"""Weighted, L2-regularised logistic regression in numpy (Newton's method).

Small enough to read, exact enough to trust: for the few hundred features of
an embedding and the few to few thousand examples a user or a calibration
set gives, Newton's method converges in a handful of steps, each one a
(d+1)x(d+1) solve, in milliseconds.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function, elementwise."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None = None,
    l2: float = 1e-2,
    max_iter: int = 50,
    tol: float = 1e-8,
) -> tuple[np.ndarray, float]:
    """Fit p(y=1|x) = sigmoid(x @ w + b).

    x: (n, d) features; y: (n,) in {0, 1}; sample_weight: (n,) non-negative
    (default 1). The loss is the weighted mean log-loss plus ``l2/2 * |w|^2``
    (the bias is not penalised). Returns (w (d,), b) as float64.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    n, d = x.shape
    if y.shape[0] != n:
        raise ValueError(f"x has {n} rows but y has {y.shape[0]}")
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    sw = sw / sw.sum()
    xa = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 1e-8  # a tiny ridge on the bias keeps the Hessian invertible on separable data
    for _ in range(max_iter):
        p = sigmoid(xa @ theta)
        grad = xa.T @ (sw * (p - y)) + reg * theta
        h = (xa * (sw * p * (1 - p))[:, None]).T @ xa + np.diag(reg)
        step = np.linalg.solve(h, grad)
        theta -= step
        if float(np.abs(step).max()) < tol:
            break
    return theta[:-1], float(theta[-1])
