"""The dense fit: every model at ``lambda = 0`` with Adam, projected onto the hierarchy
constraint after every step, until its KKT residual is small (:mod:`.stopping`)."""

from __future__ import annotations

import torch

from .network import Params
from .objective import (
    Problem,
    TrainConfig,
    check_finite,
    flat,
    gradients,
    l2_terms,
    minibatches,
    per_model,
    prox_step,
)

__all__ = ["train_dense", "train_dense_checked", "dense_residual"]


def dense_residual(p: Params, grads: list[torch.Tensor], prob: Problem, a: float) -> torch.Tensor:
    """Relative KKT residual (B,) of the dense problem at ``p`` with gradient ``grads``: the
    norm of the projected-gradient step ``(p - P(p - a grad)) / a`` (``P`` the projection onto
    the hierarchy constraint, Hier-Prox at ``lambda = 0``) over the null model's score norm."""
    z = p.like([x - a * g for x, g in zip(p.tensors(), grads)])
    zero = torch.zeros(p.n_models, 1, dtype=p.first.dtype, device=p.first.device)
    prox_step(z, prob, zero)
    step = flat(p.tensors()) - flat(z.tensors())
    r0 = prob.null_score
    assert r0 is not None
    return torch.linalg.vector_norm(step, dim=-1) / a / r0


def train_dense(p: Params, prob: Problem, cfg: TrainConfig) -> tuple[Params, torch.Tensor]:
    """:func:`train_dense_checked` without its stopping quantities: the parameters and the
    epochs of each model (B,)."""
    p, epochs, _, _ = train_dense_checked(p, prob, cfg)
    return p, epochs


def train_dense_checked(
    p: Params, prob: Problem, cfg: TrainConfig, skip: torch.Tensor | None = None
) -> tuple[Params, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Fit every model at lambda = 0 with Adam, projecting onto the hierarchy constraint.

    Every ``check_every`` epochs a model stops when its relative KKT residual (at the start of
    the epoch's full-batch pass) is at most ``cfg.tol_dense`` (``cfg.res_tol_convex`` at
    ``M = 0``), or when its objective stopped
    decreasing over the window (Adam's step no longer gains: the residual test cannot be met at
    this step size). Models marked in ``skip`` (B,) are only projected onto the constraint
    (convex models: proximal gradient fits them better than Adam). Returns the parameters,
    the epochs of each model (B,), its last residual (B,) and whether the residual test was
    met (B,).

    Adam's update is written as separate multiplications and additions (no fused
    multiply-add), so a model's numbers are the same in any batch.
    """
    B = p.n_models
    dev, dt = p.first.device, p.first.dtype
    if prob.null_score is None:  # a problem built by hand: its null model sets the scales
        from .grid import null_fit, set_null

        set_null(prob, null_fit(prob, p.n_outputs))
    p = p.clone()
    params = p.tensors()
    m = [torch.zeros_like(t) for t in params]
    v = [torch.zeros_like(t) for t in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    zero = torch.zeros(B, 1, dtype=dt, device=dev)
    prox_step(p, prob, zero)  # start feasible
    active = torch.ones(B, dtype=dt, device=dev)
    if skip is not None:
        active = active * (~skip).to(dt)
    epochs = torch.zeros(B, dtype=torch.long, device=dev)
    residual = torch.full((B,), float("nan"), dtype=dt, device=dev)
    met = torch.zeros(B, dtype=torch.bool, device=dev)
    last = torch.full((B,), float("inf"), dtype=dt, device=dev)
    full_batch = minibatches(prob, cfg) == [None]
    # a convex model (M = 0) meets the tighter residual test of convex models
    thr = torch.where(prob.M[:, 0] == 0, cfg.res_tol_convex, cfg.tol_dense)
    t = 0
    for epoch in range(1, cfg.max_epochs_dense + 1 if bool(active.any()) else 0):
        check = epoch % cfg.check_every == 0 or epoch == cfg.max_epochs_dense
        total = torch.zeros(B, dtype=dt, device=dev)
        res_now: torch.Tensor | None = None
        for idx in minibatches(prob, cfg):
            loss, grads, _ = gradients(p, prob, cfg, idx, cfg.dropout)
            if check and full_batch and cfg.dropout == 0:
                res_now = dense_residual(p, grads, prob, cfg.lr_dense)
            total += loss
            t += 1
            c1, c2 = 1 - b1**t, 1 - b2**t
            for mi, vi, g in zip(m, v, grads):
                mi.mul_(b1).add_(g * (1 - b1))
                vi.mul_(b2).add_(g * g * (1 - b2))
            for x, mi, vi in zip(params, m, v):
                step = (mi / c1) / ((vi / c2).sqrt() + eps)
                x.sub_(per_model(active * cfg.lr_dense, x) * step)
            prox_step(p, prob, zero)
        epochs += active.long()
        if check:
            obj = total + l2_terms(p, cfg)
            check_finite(obj, "the dense fit")
            stalled = (last - obj) <= 1e-3 * thr * prob.obj_scale(obj)
            if res_now is not None:
                ok = res_now <= thr
                residual = torch.where(active > 0, res_now, residual)
            else:  # noisy gradients: the objective-change test over the window
                ok = (last - obj).abs() <= cfg.tol_dense * prob.obj_scale(obj)
            done = (ok | stalled) & (active > 0)
            met = met | (ok & (active > 0))
            active = active * (~done).to(dt)
            last = obj
            if not bool(active.any()):
                break
    return p, epochs, residual, met
