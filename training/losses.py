"""The paper's two losses: teacher-student transfer (KL) and a ranking loss on the shared space."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def teacher_kl(student_logits: torch.Tensor, teacher_probs: torch.Tensor, temperature: float
               ) -> torch.Tensor:
    """KL(teacher || student) of (n, C) distributions softened by `temperature` (scaled by T^2
    so gradients keep their size across temperatures). teacher_probs are already softened."""
    log_p = F.log_softmax(student_logits / temperature, dim=1)
    return F.kl_div(log_p, teacher_probs, reduction="batchmean") * temperature**2


def soften(teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    return torch.softmax(teacher_logits / temperature, dim=1)


def ranking_loss(a: torch.Tensor, b: torch.Tensor, same: torch.Tensor | None = None,
                 tau: float = 0.07) -> torch.Tensor:
    """Contrastive ranking loss in both directions for (n, D) unit-norm pairs a[i] <-> b[i]:
    each pair's cosine must beat its in-batch negatives (softmax cross-entropy at tau).
    same (n, n) bool marks other pairs of the same concept, which are not counted as negatives."""
    sim = a @ b.t() / tau
    if same is not None:
        off = same & ~torch.eye(len(a), dtype=torch.bool, device=a.device)
        sim = sim.masked_fill(off, float("-inf"))
    target = torch.arange(len(a), device=a.device)
    return 0.5 * (F.cross_entropy(sim, target) + F.cross_entropy(sim.t(), target))
