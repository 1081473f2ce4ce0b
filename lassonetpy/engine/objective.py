"""What the optimiser minimises: the batch's data (:class:`Problem`), the settings
(:class:`TrainConfig`) and the pieces of the penalised objective (loss, penalty, gradients,
Hier-Prox step) for a batch of models.

Every tensor has a leading model dimension ``B``; each model sees its own training rows
through its row weights ``w`` (B, n), which sum to one per model. Every per-model quantity
here is computed from that model's tensors alone (per-model matrix products and per-row
reductions), so a model's numbers do not depend on which other models share its batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import torch

from ..errors import ConvergenceError
from ..families import Family
from .network import Params, forward, forward_backward
from .prox import GroupIndex, group_hier_prox, hier_prox
from .rows import ChunkedRows

__all__ = [
    "Problem",
    "TrainConfig",
    "gradients",
    "group_norms",
    "summed_over_rows",
    "objective_terms",
]


def thresholds(tol: float, dtype: torch.dtype = torch.float64) -> dict[str, float]:
    """The stopping thresholds derived from the user's ``tol`` (TrainConfig fields; what each
    test bounds: :mod:`lassonetpy.engine.stopping`).

    * ``gap_tol = tol``: relative duality gap of a convex model;
    * ``res_tol = 5 sqrt(tol)`` (0.05 at the default 1e-4): relative KKT residual of the
      others. On a quadratic model the relative objective error is the square of the
      relative residual; the factor 5 is the measured price of the drift at ``M > 0``
      (docs/architecture.md, "Stopping rule");
    * ``tol_dense = res_tol_dense = res_tol``: the dense fit (a non-convex model) meets the
      path's residual test;
    * ``res_tol_convex = sqrt(tol) / 10`` (1e-3): a convex model (``M = 0``) where it has no
      duality gap: its dense fit (``lambda = 0``), and every lambda for a family without a
      closed-form conjugate (Cox), unpenalised groups or rows on disk;
    * ``slow_tol = tol``: a model without a minimiser stops when its objective falls by less
      than this (relative, per epoch).

    None below what the dtype resolves (float32: gap 1e-6, residual 1e-4).
    """
    f32 = dtype == torch.float32
    gap_floor, res_floor = (1e-6, 1e-4) if f32 else (1e-13, 1e-8)
    root = math.sqrt(float(tol))
    res = max(5.0 * root, res_floor)
    return {
        "gap_tol": max(float(tol), gap_floor),
        "res_tol": res,
        "tol_dense": res,
        "res_tol_dense": res,
        "res_tol_convex": max(root / 10, res_floor),
        "slow_tol": float(tol),
    }


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (validated by the engine).

    ``tol`` is the user's relative optimality tolerance; the thresholds derived from it
    (:func:`thresholds`, filled in from ``tol`` when not given): ``gap_tol`` for the relative
    duality gap of convex models, ``res_tol`` for the relative KKT residual of the others,
    ``tol_dense`` for the residual at which Adam hands the dense fit over to the
    proximal-gradient polish, ``res_tol_dense`` for the polish's residual,
    ``res_tol_convex`` for the residual of a convex model where it has no duality gap (the
    dense fit) and ``slow_tol`` for the slow-descent test of models without a minimiser.
    """

    M: float = 10.0
    gamma: float = 0.0
    gamma_skip: float = 0.0
    dropout: float = 0.0
    batch_size: int | None = None
    lr_dense: float = 3e-3
    max_epochs_dense: int = 1000
    max_epochs: int = 500
    tol: float = 1e-4
    tol_dense: float = -1.0
    gap_tol: float = -1.0
    res_tol: float = -1.0
    res_tol_dense: float = -1.0
    res_tol_convex: float = -1.0
    slow_tol: float = -1.0
    check_every: int = 5
    sync_every: int = 1  # epochs between host synchronisations of the full-batch path
    momentum: float = 0.9
    momentum_convex: float = 0.95  # convex models (measured: fewer epochs than 0.9)

    def __post_init__(self) -> None:
        for k, v in thresholds(self.tol).items():
            if getattr(self, k) < 0:
                object.__setattr__(self, k, v)


@dataclass
class Problem:
    """The data of a batch of models, on the training device.

    ``X`` (n, d) standardised inputs; ``y`` the family's target; ``w`` (B, n) row weights
    (zero for rows a model does not train on) summing to one per model; ``offset`` (n, O) or
    None; ``pen_weight`` (G,) penalty weight of each group (penalty factor times
    sqrt(group size)); ``M`` (B, 1) hierarchy multiplier per model; ``groups`` a
    :class:`GroupIndex` or None when every feature is its own group. ``X`` may be a
    :class:`~lassonetpy.engine.rows.ChunkedRows` (rows on disk): full passes then go block by
    block.

    The null model (intercept only, per model) sets the scales of every tolerance:
    ``null_loss`` its loss, ``sat_loss`` the loss of the saturated model (0 for gaussian and
    0/1 classes; the dropped ``log y!`` terms make it non-zero for poisson), so that
    ``null_loss - sat_loss`` is half the null deviance (positive whatever constants a
    family's loss drops), and ``null_score`` the norm of the gradient of the loss with
    respect to the skip weights at the null model (the size of the optimality conditions'
    violation at ``theta = 0``).
    """

    X: torch.Tensor | ChunkedRows
    y: torch.Tensor
    w: torch.Tensor
    offset: torch.Tensor | None
    family: Family
    pen_weight: torch.Tensor
    M: torch.Tensor
    groups: GroupIndex | None
    generator: torch.Generator
    null_loss: torch.Tensor | None = None  # (B,)
    sat_loss: torch.Tensor | None = None  # (B,)
    null_score: torch.Tensor | None = None  # (B,)
    n_real: int = -1  # rows of the data; X, y, w and offset may carry zero-weight padding rows
    # (B, 1, d) 0/1 per model and input column, or None: columns at 0 are held at zero in theta
    # and W0 after every step (refits on a subset of the columns, engine/refit.py)
    col_mask: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if self.n_real < 0:
            self.n_real = int(self.X.shape[0])

    def rows(
        self, idx: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """``X, y, w, offset`` restricted to rows ``idx`` (weights renormalised)."""
        if idx is None:
            if isinstance(self.X, ChunkedRows):
                raise RuntimeError("all rows of a chunked X at once: iterate blocks()")
            return self.X, self.y, self.w, self.offset
        if isinstance(self.X, ChunkedRows):  # on disk: read rows in file order
            idx = torch.sort(idx).values
        w = self.w[:, idx]
        w = w / w.sum(-1, keepdim=True).clamp_min(torch.finfo(w.dtype).tiny)
        off = None if self.offset is None else self.offset[idx]
        return self.X[idx], self.y[idx], w, off

    def blocks(
        self,
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]]:
        """``X, y, w, offset`` of all rows, in blocks (one block when ``X`` is in memory).

        Weights are NOT renormalised per block: losses and gradients summed over the blocks are
        those of all rows.
        """
        if not isinstance(self.X, ChunkedRows):
            yield self.X, self.y, self.w, self.offset
            return
        for sl, Xb in self.X.chunks():
            off = None if self.offset is None else self.offset[sl]
            yield pad_rows(Xb, self.y[sl], self.w[:, sl], off)

    def padded_blocks(self) -> Iterator[tuple[torch.Tensor, int]]:
        """``(X block with its padding rows, number of data rows in it)`` over all rows."""
        if not isinstance(self.X, ChunkedRows):
            yield self.X, self.n_real
            return
        for sl, Xb in self.X.chunks():
            yield pad_rows(Xb, self.y[sl], self.w[:, sl], None)[0], Xb.shape[0]

    def obj_scale(self, obj: torch.Tensor) -> torch.Tensor:
        """Scale of the objective's tolerances (B,): half the null deviance (positive), or
        ``|obj|`` before the null model is known."""
        if self.null_loss is None:
            return obj.abs().clamp_min(1e-12)
        sat = 0.0 if self.sat_loss is None else self.sat_loss
        return (self.null_loss - sat).clamp_min(torch.finfo(self.null_loss.dtype).tiny)


def row_pad(dtype: torch.dtype) -> int:
    """Rows are padded to a multiple of this (128 bytes of the dtype: two AVX-512 vectors).

    torch's CPU kernels run in vector chunks with a scalar tail, and the two round transcendental
    functions (exp, log, softplus, ...) differently. With every model's block of rows a whole
    number of chunks, an element of a model is computed by the same code in any batch, so a
    model's numbers do not depend on the batch (the padding rows have zero weight and zero
    inputs: they add exact zeros).
    """
    return max(1, 1024 // torch.finfo(dtype).bits)


def pad_rows(
    X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, off: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """``X, y, w, offset`` with zero rows appended up to a multiple of :func:`row_pad`."""
    n = X.shape[0]
    extra = -n % row_pad(X.dtype)
    if extra == 0:
        return X, y, w, off

    def grow(t: torch.Tensor, dim: int) -> torch.Tensor:
        shape = list(t.shape)
        shape[dim] = extra
        return torch.cat([t, t.new_zeros(shape)], dim)

    return grow(X, 0), grow(y, 0), grow(w, 1), None if off is None else grow(off, 0)


def summed_over_rows(
    p: Params, prob: Problem, fns: Sequence[Callable[..., torch.Tensor]], offset: bool = True
) -> list[torch.Tensor]:
    """``sum over row blocks of fn(eta, y, w)`` for each ``fn``, one forward pass per block."""
    out: list[torch.Tensor] = []
    for X, y, w, off in prob.blocks():
        eta = forward(p, X, w=w)
        if offset and off is not None:
            eta = eta + off
        vals = [fn(eta, y, w) for fn in fns]
        out = vals if not out else [a + b for a, b in zip(out, vals)]
    return out


def group_norms(p: Params, groups: GroupIndex | None) -> torch.Tensor:
    """Norm of each group's skip weights, shape (B, G)."""
    col = torch.linalg.vector_norm(p.theta, dim=-2)  # (B, d)
    if groups is None:
        return col
    sq = torch.zeros(col.shape[0], groups.n_groups, dtype=col.dtype, device=col.device)
    sq.index_add_(1, groups.group_of_column().to(col.device), col * col)
    return sq.sqrt()


def penalty(p: Params, prob: Problem) -> torch.Tensor:
    """Weighted L1/group penalty per unit lambda (B,)."""
    return (group_norms(p, prob.groups) * prob.pen_weight).sum(-1)


def objective_terms(p: Params, prob: Problem) -> tuple[torch.Tensor, torch.Tensor]:
    """Loss (B,) on all rows and weighted L1/group penalty per unit lambda (B,)."""
    (loss,) = summed_over_rows(p, prob, [prob.family.loss])
    return loss, penalty(p, prob)


def l2_terms(p: Params, cfg: TrainConfig) -> torch.Tensor:
    """The L2 penalties ``gamma/2 ||W||^2 + gamma_skip/2 ||theta||^2`` per model (B,)."""
    out = torch.zeros(p.n_models, dtype=p.first.dtype, device=p.first.device)
    if cfg.gamma > 0:
        for W in [p.W0, *p.weights]:
            out = out + 0.5 * cfg.gamma * (W * W).flatten(1).sum(-1)
    if cfg.gamma_skip > 0:
        out = out + 0.5 * cfg.gamma_skip * (p.theta * p.theta).flatten(1).sum(-1)
    return out


#: Per row block: ``extra(X, eta, y, w, g, offset) -> list of per-model tensors``, summed over
#: blocks (``eta`` includes the offset, ``g`` is ``d loss / d eta``).
Extra = Callable[
    [torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None],
    list[torch.Tensor],
]


def gradients(
    p: Params,
    prob: Problem,
    cfg: TrainConfig,
    idx: torch.Tensor | None = None,
    dropout: float = 0.0,
    extra: Extra | None = None,
) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
    """Data loss (B,), the gradient of loss + L2 terms per parameter tensor, and the sums over
    row blocks of ``extra`` (empty without it).

    ``idx`` None: all rows (summed over blocks when ``X`` is chunked).
    """
    parts = [prob.rows(idx)] if idx is not None else prob.blocks()
    loss: torch.Tensor | None = None
    grads: list[torch.Tensor] = []
    extras: list[torch.Tensor] = []
    for X, y, w, off in parts:
        got: list[torch.Tensor] = []

        def loss_grad(eta: torch.Tensor, X=X, y=y, w=w, off=off, got=got):
            if off is not None:
                eta = eta + off
            lo, g = prob.family.loss_grad(eta, y, w)
            if extra is not None:
                got.extend(extra(X, eta, y, w, g, off))
            return lo, g

        lo, gr = forward_backward(p, X, loss_grad, dropout=dropout, generator=prob.generator, w=w)
        if loss is None:
            loss, grads, extras = lo, gr, got
        else:
            loss = loss + lo
            torch._foreach_add_(grads, gr)
            extras = [a + b for a, b in zip(extras, got)]
    assert loss is not None  # at least one block
    if cfg.gamma > 0 or cfg.gamma_skip > 0:
        O = p.n_outputs
        g0 = grads[0]
        if cfg.gamma > 0:
            g0[:, O:] += cfg.gamma * p.W0
            for i, W in enumerate(p.weights):
                grads[1 + i] = grads[1 + i] + cfg.gamma * W
        if cfg.gamma_skip > 0:
            g0[:, :O] += cfg.gamma_skip * p.theta
    return loss, grads, extras


def prox_step(p: Params, prob: Problem, lam_step: torch.Tensor) -> None:
    """Apply Hier-Prox in place to (theta, W0); ``lam_step`` is (B, 1) = lambda * lr."""
    lam = lam_step * prob.pen_weight  # (B, G)
    if prob.groups is None:  # in place: only the columns that change are written
        hier_prox(p.theta, p.W0, lambda_=lam, M=prob.M, check=False, out=(p.theta, p.W0))
    else:
        th, W0 = group_hier_prox(p.theta, p.W0, prob.groups, lambda_=lam, M=prob.M, check=False)
        p.first[:, : p.n_outputs] = th
        p.first[:, p.n_outputs :] = W0
    if prob.col_mask is not None:
        p.first.mul_(prob.col_mask)


def minibatches(prob: Problem, cfg: TrainConfig) -> list[torch.Tensor | None]:
    """Row indices of each mini-batch of an epoch (``[None]``: full batch)."""
    n = prob.n_real
    if cfg.batch_size is None or cfg.batch_size >= n:
        return [None]
    perm = torch.randperm(n, generator=prob.generator, device=prob.generator.device).to(
        prob.X.device
    )
    return [perm[i : i + cfg.batch_size] for i in range(0, n - cfg.batch_size + 1, cfg.batch_size)]


def check_finite(obj: torch.Tensor, where: str) -> None:
    """Raise :class:`ConvergenceError` if any entry is NaN/inf."""
    if not bool(torch.isfinite(obj).all()):
        raise ConvergenceError(
            f"The loss became NaN/inf during {where}. Try standardize=True (the default), a "
            "smaller learning rate (`lr`), dtype='float64', or check the inputs for extreme "
            "values."
        )


def per_model(v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``v`` (B,) shaped to broadcast against ``x`` (B, ...)."""
    return v.view(v.shape[0], *([1] * (x.dim() - 1)))


def flat(ts: Sequence[torch.Tensor]) -> torch.Tensor:
    """A parameter list as one (B, P) tensor (one copy): per-model sums in one operation."""
    return torch.cat([t.reshape(t.shape[0], -1) for t in ts], 1)


def sub_problem(prob: Problem, models: torch.Tensor) -> Problem:
    """The problem of a subset of the models (their row weights, M and null quantities)."""

    def take(t: torch.Tensor | None) -> torch.Tensor | None:
        return None if t is None else t.index_select(0, models)

    return replace(
        prob,
        w=prob.w.index_select(0, models),
        M=prob.M.index_select(0, models),
        null_loss=take(prob.null_loss),
        sat_loss=take(prob.sat_loss),
        null_score=take(prob.null_score),
        col_mask=take(prob.col_mask),
    )
