"""The path with noisy gradients (mini-batches or dropout): accelerated proximal gradient
epochs stopped by the change of the objective over a window (a noisy gradient has no
reliable KKT residual)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch

from .network import Params
from .objective import (
    Problem,
    TrainConfig,
    check_finite,
    gradients,
    l2_terms,
    minibatches,
    objective_terms,
    per_model,
    prox_step,
)

if TYPE_CHECKING:
    from .trainer import LambdaState

__all__ = ["train_lambda_noisy"]


def train_lambda_noisy(
    p: Params,
    prob: Problem,
    cfg: TrainConfig,
    lam: torch.Tensor,
    state: LambdaState,
    alive: torch.Tensor,
) -> tuple[Params, torch.Tensor, torch.Tensor]:
    """Epochs of mini-batch steps (extrapolate, gradient step, Hier-Prox) at one lambda.

    Every ``check_every`` epochs the full objective is evaluated; a model whose objective rose
    above its start by 10 % of its distance to the saturated loss restarts with half its
    step, and a model stops when its objective changed by less than ``sqrt(tol)`` times the
    null model's objective scale (half its deviance) over the window. ``lam`` is (B,). Returns new parameters, the
    epochs used (B,) and a converged flag (B,); ``state.residual`` holds the last relative
    objective change, ``state.gap`` NaN.
    """
    B = p.n_models
    dev, dt = p.first.device, p.first.dtype
    start = p
    p = p.clone()
    params = p.tensors()
    active = alive.to(dt).clone()
    epochs = torch.zeros(B, dtype=torch.long, device=dev)
    loss0, pen0 = objective_terms(p, prob)
    start_obj = loss0 + lam * pen0 + l2_terms(p, cfg)
    sat = prob.sat_loss if prob.sat_loss is not None else torch.zeros_like(start_obj)
    limit = start_obj + 0.1 * (start_obj - sat).abs() + 1e-12
    last = start_obj
    converged = torch.zeros(B, dtype=torch.bool, device=dev)
    change_rel = torch.full((B,), float("nan"), dtype=dt, device=dev)
    retries = 0
    epoch = 0
    while epoch < cfg.max_epochs:
        epoch += 1
        for idx in minibatches(prob, cfg):
            beta = cfg.momentum * active
            ys = [x + per_model(beta, x) * (x - xp) for x, xp in zip(params, state.prev)]
            yp = p.like(ys)
            _, grads, _ = gradients(yp, prob, cfg, idx, cfg.dropout)
            lr = state.lr * active
            for y_, g in zip(ys, grads):
                y_.sub_(per_model(lr, y_) * g)
            prox_step(yp, prob, (lam * lr).unsqueeze(-1))
            keep = active > 0
            state.prev = [
                torch.where(per_model(keep, x), x, xp) for x, xp in zip(params, state.prev)
            ]
            params = yp.tensors()
            p = yp
        epochs += active.long()
        if epoch % cfg.check_every == 0 or epoch == cfg.max_epochs:
            loss, pen = objective_terms(p, prob)
            obj = loss + lam * pen + l2_terms(p, cfg)
            bad = ~torch.isfinite(obj) | (obj > limit)
            if bool(bad.any()):
                retries += 1
                if retries > 8:
                    check_finite(torch.where(bad, torch.nan, obj), "the path")
                    break
                # Restart diverging models from the start of this lambda with half the step.
                for k, (x, s0) in enumerate(zip(params, start.tensors())):
                    kk = per_model(bad, x)
                    x.copy_(torch.where(kk, s0, x))
                    state.prev[k] = torch.where(kk, x, state.prev[k])
                state.lr = torch.where(bad, state.lr / 2, state.lr)
                obj = torch.where(bad, start_obj, obj)
                last = torch.where(bad, torch.full_like(obj, float("inf")), last)
            scale = prob.obj_scale(obj)
            change = last - obj
            done = change.abs() <= math.sqrt(cfg.tol) * scale
            change_rel = torch.where(active > 0, change.abs() / scale, change_rel)
            converged = converged | (done & (active > 0))
            active = active * (~done).to(dt)
            last = obj
            if not bool((active > 0).any()):
                break
    state.residual = change_rel
    state.gap = torch.full_like(change_rel, float("nan"))
    state.loss = None
    return p, epochs, converged | (alive == 0)
