r"""When a lambda is solved: optimality measures of a batch of models, per model.

Two measures, both computed at the point ``y`` where the epoch's gradient is taken, from
quantities the epoch computes anyway:

* **The duality gap** (convex models: ``M = 0``, a family with a closed-form conjugate, every
  group penalised, no ``gamma_skip``, rows in memory). At ``M = 0`` the network is a
  penalised GLM (the hidden layer has no input and only adds a constant), whose Fenchel dual
  is ``max_u -sum_i w_i l_i*(u_i)`` subject to ``||X_g^T u||_2 <= lambda p_g`` for every group
  and ``sum_i w_i u_i = 0`` (the intercept). The dual point is the loss derivative at ``y``
  with the intercept made optimal (:meth:`~lassonetpy.families.Family.intercept_shift`), scaled
  into the feasible set. ``P(y) - D(u)`` bounds ``P(y) - P*``: the stopping test certifies the
  objective's distance to the optimum, relative to ``P(y) - loss_sat`` (the penalised
  objective above the saturated model's loss, half a deviance; it does not depend on the
  constants a family's loss drops). Test: ``gap <= tol``.
* **The KKT residual** (every model). The gradient mapping ``G = (y - x+) / lr`` (the
  proximal-gradient step per unit step size) is zero exactly at the stationary points of the
  penalised, constrained problem; its norm is measured relative to the norm of the loss
  gradient with respect to the skip weights at the null model (``null_score``: how far
  ``theta = 0`` is from optimal at ``lambda = 0``). Hier-Prox can shrink a zero feature's
  step by up to ``1 + M^2 K``, hiding a violated optimality condition, so every feature at
  zero is also checked directly: its KKT condition is ``||grad theta_g|| + M ||grad W0_g||_1
  <= lambda p_g`` (the condition under which Hier-Prox keeps it at zero) and the excess is
  measured on the same scale. Test: ``max(residual, excess) <= 5 sqrt(tol)``.

With ``M > 0`` the LassoNet objective has no minimiser: the rescaling ``theta/c``,
``W0/c``, ``b0/c``, ``c W1`` (``c > 1``) keeps the hierarchy constraint and the network's
output, shrinks the penalty by ``c``, and the skip term it loses can be rebuilt by the
network. Along a path the optimiser drifts in that direction (measured: ``theta`` shrinks,
``W1`` grows, the objective falls slowly and steadily); the residual decays as the drift
slows but there is no distance to an optimum to certify. Hence the looser residual test at
``M > 0`` (docs/architecture.md, "Stopping rule").
"""

from __future__ import annotations

import torch

from .network import Params
from .objective import Extra, Problem, TrainConfig, thresholds

__all__ = ["thresholds", "dual_extra", "kkt_excess", "gap_available"]


def gap_available(prob: Problem, cfg: TrainConfig) -> torch.Tensor:
    """Models (B,) whose problem is convex with a computable duality gap."""
    fam = type(prob.family)
    has_dual = fam.intercept_shift is not _base_method(
        "intercept_shift"
    ) and fam.conjugate is not _base_method("conjugate")
    ok = (
        has_dual
        and isinstance(prob.X, torch.Tensor)
        and cfg.gamma_skip == 0
        and bool((prob.pen_weight > 0).all())
    )
    return (prob.M[:, 0] == 0) & ok


def _base_method(name: str):
    from ..families import Family

    return getattr(Family, name)


def dual_extra(prob: Problem, lam: torch.Tensor, pen_weight: torch.Tensor) -> Extra:
    """An ``extra`` for :func:`~lassonetpy.engine.objective.gradients`: the dual objective
    ``D`` (B,) and the loss after the optimal intercept shift (B,), at the epoch's ``y``.

    ``lam`` (B,) are the models' lambdas. Only for rows in memory (one block): the intercept
    shift needs every row.
    """
    fam = prob.family
    groups = prob.groups

    def extra(
        X: torch.Tensor,
        eta: torch.Tensor,
        y: torch.Tensor,
        w: torch.Tensor,
        g: torch.Tensor,
        off: torch.Tensor | None,
    ) -> list[torch.Tensor]:
        delta = fam.intercept_shift(eta, y, w)
        assert delta is not None
        eta2 = eta + delta
        loss2, g2 = fam.loss_grad(eta2, y, w)
        B, n, O = g2.shape
        d = X.shape[1]
        # score X^T g2 per model (B, O, d), as the network's products are: per model
        score = torch.bmm(X.T.expand(B, d, n), g2).transpose(1, 2)
        col = torch.linalg.vector_norm(score, dim=1)  # (B, d)
        if groups is not None:
            sq = torch.zeros(B, groups.n_groups, dtype=col.dtype, device=col.device)
            sq.index_add_(1, groups.group_of_column().to(col.device), col * col)
            col = sq.sqrt()
        need = (col / pen_weight).amax(-1)  # smallest lambda for which g2 is dual feasible
        s = torch.where(need > lam, lam / need.clamp_min(torch.finfo(need.dtype).tiny), 1.0)
        wpos = (w > 0).unsqueeze(-1)
        a = torch.where(wpos, g2 / torch.where(wpos, w.unsqueeze(-1), 1.0), 0.0)
        u = s.view(B, 1, 1) * a
        conj = fam.conjugate(u, y, w)
        assert conj is not None
        if off is not None:  # the loss of eta + offset: its conjugate is l*(u) - u offset
            conj = conj - (w.unsqueeze(-1) * u * off).flatten(1).sum(-1)
        return [-conj, loss2]

    return extra


def kkt_excess(
    p: Params, grad_first: torch.Tensor, lam: torch.Tensor, prob: Problem
) -> torch.Tensor:
    """Largest violation (B,) of the optimality condition of a feature (or group) held at zero
    in ``p``: ``||grad theta_g|| + M ||grad W0_g||_1 - lambda p_g`` where it is positive."""
    O = p.n_outputs
    g_t = grad_first[:, :O]
    g_w = grad_first[:, O:]
    col_t = (g_t * g_t).sum(-2)  # (B, d)
    col_w = g_w.abs().sum(-2)
    zero = (p.theta == 0).all(-2)  # (B, d)
    gi = prob.groups
    if gi is not None:
        gid = gi.group_of_column().to(col_t.device)
        G = gi.n_groups
        col_t = torch.zeros(col_t.shape[0], G, dtype=col_t.dtype, device=col_t.device).index_add_(
            1, gid, col_t
        )
        col_w = torch.zeros_like(col_t).index_add_(1, gid, col_w)
        nz = torch.zeros_like(col_t).index_add_(1, gid, (~zero).to(col_t.dtype))
        zero = nz == 0
    excess = col_t.sqrt() + prob.M * col_w - lam.unsqueeze(-1) * prob.pen_weight
    excess = torch.where(zero & (prob.pen_weight > 0), excess, 0.0).clamp_min(0.0)
    return excess.amax(-1)
