"""The lambda grid: the null fit, ``lambda_max`` (where the input-free model is stationary)
and the span of the automatic grid, also for a batch fitted in chunks (:func:`grid_span`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..errors import bad_value
from .network import Params, forward
from .objective import Problem, TrainConfig, gradients
from .result import PathResult

__all__ = ["grid_span", "lambda_max", "null_fit", "set_null"]


def _span(lmax: float, M_max: float, lambda_min_ratio: float) -> tuple[float, float]:
    """First and last lambda of the automatic grid from the batch's ``lambda_max``."""
    if not lmax > 0:
        lmax = 1.0
    # At M = 0 (the Lasso) every feature is gone at lmax. With M > 0 the network can keep
    # a feature with a tiny skip weight (the output layer is unpenalised), so features
    # leave up to about 100 lmax on real data: the grid spans that too, and is extended
    # with the same ratio if some feature is still left at its end.
    top = lmax if M_max == 0 else lmax / lambda_min_ratio
    return lmax * lambda_min_ratio, top


def grid_span(parts: list[PathResult], lambda_min_ratio: float = 1e-2) -> tuple[float, float]:
    """First and last lambda of the grid of a batch fitted in chunks (internal units).

    Parameters
    ----------
    parts : list of PathResult
        The ``phase="dense"`` results of every chunk of the batch (or objects with their
        ``lambda_max_internal`` and ``M``).
    lambda_min_ratio : float
        As given to :func:`fit_path`.

    Returns
    -------
    (float, float)
        In internal units: what the single batch computes from the largest ``lambda_max`` and
        the largest ``M`` over all its models; pass it as ``lambda_span`` to each chunk.

    Examples
    --------
    >>> import numpy as np
    >>> from lassonetpy.engine import fit_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 4)); y = X[:, 0] + 0.1 * rng.normal(size=60)
    >>> masks = np.ones((3, 60), bool); masks[1, :20] = False; masks[2, 20:40] = False
    >>> kw = dict(hidden=(4,), seed=0, dtype="float64")
    >>> dense = [fit_path(X, y, masks=masks[:2], phase="dense", **kw),
    ...          fit_path(X, y, masks=masks[2:], seed_children=[2], phase="dense", **kw)]
    >>> lo, hi = grid_span(dense)
    >>> bool(hi == 100 * max(r.lambda_max_internal.max() for r in dense))
    True
    """
    if any(r.lambda_max_internal is None for r in parts):
        raise bad_value("parts", "phase='dense' results of fit_path", parts)
    lmax = max(float(np.max(r.lambda_max_internal)) for r in parts)  # type: ignore[arg-type]
    return _span(lmax, max(float(r.M.max()) for r in parts), lambda_min_ratio)


def null_fit(prob: Problem, O: int) -> torch.Tensor:
    """Intercept-only linear predictor per model (B, O), honouring the offset.

    With an offset each model gets its own L-BFGS solve (one joint solve of the summed losses
    would couple the models through the line search), so a model's null fit does not depend
    on the other models of its batch.
    """
    eta0 = prob.family.null_eta(prob.y, prob.w)
    if prob.offset is None:
        return eta0
    n = prob.X.shape[0]
    offset = prob.offset
    out = []
    for b in range(eta0.shape[0]):
        c = eta0[b : b + 1].clone().requires_grad_(True)
        wb = prob.w[b : b + 1]
        opt = torch.optim.LBFGS([c], max_iter=50, line_search_fn="strong_wolfe")

        def closure(c: torch.Tensor = c, wb: torch.Tensor = wb, opt: Any = opt) -> torch.Tensor:
            opt.zero_grad()
            eta = c.unsqueeze(1).expand(-1, n, -1) + offset
            loss = prob.family.loss(eta, prob.y, wb).sum()
            loss.backward()
            return loss

        opt.step(closure)
        out.append(c.detach())
    return torch.cat(out, 0)


def set_null(prob: Problem, eta0: torch.Tensor) -> torch.Tensor:
    """Fill the null model's quantities of ``prob`` (its loss, the saturated loss, the norm of
    the skip weights' gradient) from the null fit ``eta0`` (B, O); returns the null deviance
    (B,).

    The loss minus the saturated loss is half the deviance, positive whatever constant a
    family's loss drops (the poisson loss drops ``log y!``, so its null loss is negative when
    the mean count exceeds e): it, not the loss, scales the tolerances.
    """
    fam = prob.family
    loss = dev = score = None
    for X, y, w, off in prob.blocks():
        eta = eta0.unsqueeze(1).expand(-1, X.shape[0], -1)
        if off is not None:
            eta = eta + off
        lo, g = fam.loss_grad(eta, y, w)
        dv = fam.deviance(eta, y, w)
        B, n, _ = g.shape
        sc = torch.bmm(X.T.expand(B, X.shape[1], n), g)  # per model (B, d, O)
        if loss is None or dev is None or score is None:
            loss, dev, score = lo, dv, sc
        else:
            loss, dev, score = loss + lo, dev + dv, score + sc
    assert loss is not None and dev is not None and score is not None
    prob.null_loss = loss
    prob.sat_loss = loss - dev / 2
    norm = torch.linalg.vector_norm(score.flatten(1), dim=-1)
    prob.null_score = norm.clamp_min(torch.finfo(loss.dtype).tiny)
    return dev


def _null_model(p: Params, prob: Problem, eta0: torch.Tensor) -> Params:
    """``p`` with no inputs (theta = W0 = 0) and the output bias set to the null fit."""
    q = p.clone()
    q.first.zero_()
    const = forward(q, prob.X[:1])[:, 0, :]  # (B, O), the same for every row
    q.biases[-1] = q.biases[-1] - const + eta0
    return q


def lambda_max(p: Params, prob: Problem, eta0: torch.Tensor) -> torch.Tensor:
    """Smallest lambda at which the input-free model is a fixed point of the prox step (B,)."""
    q = _null_model(p, prob, eta0)
    _, grads, _ = gradients(q, prob, TrainConfig())
    O = q.n_outputs
    g_theta, g_w = grads[0][:, :O], grads[0][:, O:]
    gi = prob.groups
    col_t = (g_theta * g_theta).sum(-2)  # (B, d)
    col_w = g_w.abs().sum(-2)
    if gi is not None:
        gid = gi.group_of_column().to(col_t.device)
        col_t = torch.zeros(
            col_t.shape[0], gi.n_groups, dtype=col_t.dtype, device=col_t.device
        ).index_add_(1, gid, col_t)
        col_w = torch.zeros_like(col_t).index_add_(1, gid, col_w)
    need = (col_t.sqrt() + prob.M * col_w) / prob.pen_weight.clamp_min(1e-30)
    need = torch.where(prob.pen_weight > 0, need, torch.zeros_like(need))
    return need.max(-1).values
