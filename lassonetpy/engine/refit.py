r"""Refits without penalty on subsets of the columns (the relaxed LassoNet), as one batch.

A refit of path point ``i`` of model ``b`` is the dense LassoNet fit (``lambda = 0``: the
hierarchy constraint alone, Adam, the dense fit's stopping rule) on the columns that model
selected there. Every refit of a call -- several path points, several CV folds, one column
subset each -- is one model of a lock-step batch: they share the data and differ only in
their training rows (row masks) and their columns (column masks, held at zero in ``theta``
and ``W0`` after every step, :attr:`~lassonetpy.engine.trainer.Problem.col_mask`). Large
batches are cut into chunks of models (memory), each initialised as it would be in one batch.

Initialisation: ``init="random"`` trains each refit from a fresh network (the paper's
protocol: "re-trained the feed-forward network from scratch"); ``init`` may instead be the
networks to start from (e.g. the path's own at that point, restricted to its columns).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from ..errors import bad_value
from ..families import Family
from .collect import collect
from .grid import null_fit
from .network import Params, init_params
from .result import PathResult
from .setup import build_problem, validate
from .states import PathState
from .trainer import summed_over_rows, train_dense

__all__ = ["fit_refits", "as_points"]


def _init(s: Any, prob: Any, ss: np.random.SeedSequence, eta0: torch.Tensor, start: Any) -> Params:
    dev, dt, O = s.device, s.dtype, s.info.n_outputs
    if start is not None:
        ts = [t.to(dtype=dt, device=dev).clone() for t in start]
        p = Params(ts[0], ts[1 : 1 + len(s.hidden)], ts[1 + len(s.hidden) :], O)
    else:
        inits = []
        for c in s.children:
            child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, int(c)))
            g = torch.Generator().manual_seed(
                int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))
            )
            inits.append(init_params(1, s.d, s.hidden, O, generator=g, dtype=dt, device=dev))
        p = inits[0].like([torch.cat(ts, 0) for ts in zip(*(q.tensors() for q in inits))])
    p.first.mul_(prob.col_mask)
    if start is None:
        with torch.no_grad():
            (eta_sum,) = summed_over_rows(p, prob, [lambda eta, y, w: eta.sum(1)], offset=False)
            p.biases[-1] = p.biases[-1] + eta0 - eta_sum / s.n
    return p


def fit_refits(
    X: Any,
    y: Any,
    family: str | Family,
    col_masks: Any,
    *,
    row_masks: Any = None,
    hidden: int | tuple[int, ...] = (100,),
    M: float | Any = 10.0,
    groups: Any = None,
    weights: Any = None,
    offset: Any = None,
    standardize: bool = True,
    init: Any = "random",
    seed: int | None = None,
    seed_children: Any = None,
    lr: float = 3e-3,
    max_epochs: int = 1000,
    tol: float = 1e-3,
    gamma: float = 0.0,
    gamma_skip: float = 0.0,
    dropout: float = 0.0,
    batch_size: int | None = None,
    dtype: Any = "float32",
    device: Any = "cpu",
    chunk: int = 64,
) -> PathResult:
    """Train ``R`` unpenalised models, model ``r`` on the columns ``col_masks[r]`` only.

    Parameters
    ----------
    X, y, family, hidden, M, groups, weights, offset, standardize, seed, dtype, device
        As for :func:`~lassonetpy.engine.fit_path`.
    col_masks : array-like of shape (R, d), bool
        The columns each refit may use.
    row_masks : array-like of shape (R, n), optional
        The training rows of each refit (default: every row).
    init : "random" or list of tensors
        Fresh networks (model ``r`` from child ``seed_children[r]`` of ``SeedSequence(seed)``)
        or the parameters to start from, in ``Params.tensors()`` order with ``R`` models.
    seed_children : array-like of int, optional
        Default ``0..R-1``.
    lr, max_epochs, tol
        Adam's learning rate, the epoch limit and the tolerance of the dense fit's stopping
        rule (objective change over 5 epochs below ``tol`` times the null loss).
    gamma, gamma_skip, dropout, batch_size
        As for :func:`~lassonetpy.engine.fit_path`.
    chunk : int
        Models per engine batch (memory).

    Returns
    -------
    PathResult
        ``R`` models at one point (``lambdas == [0]``); :func:`as_points` turns it into one
        model with ``R`` points.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(80, 4)); y = X[:, 0] - X[:, 1]
    >>> res = fit_refits(X, y, "gaussian", [[1, 1, 0, 0], [0, 0, 1, 1]], hidden=(4,), seed=0)
    >>> res.n_selected[:, 0].tolist()
    [2, 2]
    """
    t0 = time.perf_counter()
    cm = np.asarray(col_masks, dtype=bool)
    if cm.ndim != 2 or cm.shape[1] != np.shape(X)[1]:
        raise bad_value("col_masks", f"an (R, {np.shape(X)[1]}) array of bools", cm.shape)
    R, n = cm.shape[0], int(np.shape(X)[0])
    rm = np.ones((R, n), dtype=bool) if row_masks is None else np.asarray(row_masks, dtype=bool)
    if rm.shape != (R, n):
        raise bad_value("row_masks", f"an ({R}, {n}) array of bools", rm.shape)
    children = np.arange(R) if seed_children is None else np.asarray(seed_children, np.int64)
    parts = []
    for a in range(0, R, chunk):
        b = min(a + chunk, R)
        s = validate(
            X,
            y,
            family,
            hidden=hidden,
            M=M,
            nlambda=1,
            lambda_=None,
            lambda_min_ratio=0.01,
            groups=groups,
            penalty_factor=None,
            weights=weights,
            offset=offset,
            masks=rm[a:b],
            dropout=dropout,
            gamma=gamma,
            gamma_skip=gamma_skip,
            batch_size=batch_size,
            lr=lr,
            max_epochs_dense=max_epochs,
            max_epochs=1,
            tol=tol,
            seed=seed,
            device=device,
            dtype=dtype,
            seed_children=children[a:b],
            phase="dense",
            start=None,
            lambda_span=None,
        )
        prob, ss = build_problem(s, standardize)
        prob.col_mask = torch.as_tensor(cm[a:b], dtype=s.dtype, device=s.device).unsqueeze(1)
        eta0 = null_fit(prob, s.info.n_outputs)
        with torch.no_grad():
            eta_null = eta0.unsqueeze(1).expand(-1, s.n, -1)
            if prob.offset is not None:
                eta_null = eta_null + prob.offset
            prob.null_loss = s.family.loss(eta_null, prob.y, prob.w)
            null_dev = s.family.deviance(eta_null, prob.y, prob.w)
        start = None if isinstance(init, str) else [t[a:b] for t in init]
        p = _init(s, prob, ss, eta0, start)
        p, epochs = train_dense(p, prob, s.config)
        ones = torch.ones(s.B, dtype=torch.bool, device=s.device)
        records = [(0.0, PathState.compact(p.tensors()), epochs, ones)]
        nan = torch.full((s.B,), float("nan"), dtype=torch.float64)
        parts.append(collect(records, s, prob, null_dev, nan, {}, torch.zeros(s.B)))
    from .result import concat_results

    out = parts[0] if len(parts) == 1 else concat_results(parts)
    total = time.perf_counter() - t0
    return _with_timing(out, {"dense": total, "path": 0.0, "total": total})


def _with_timing(res: PathResult, timing: dict[str, float]) -> PathResult:
    from dataclasses import replace

    return replace(res, timing=timing)


def as_points(res: PathResult, lambdas: Any) -> PathResult:
    """``R`` models at one point -> one model with ``R`` points (lambdas given).

    The refits of one path become a path-like result whose point ``r`` is refit ``r``, so
    that everything that reads a :class:`PathResult` (prediction, coefficients) reads them.
    """
    from dataclasses import replace

    R = res.n_models
    lam = np.asarray(lambdas, dtype=np.float64)
    if lam.shape != (R,):
        raise bad_value("lambdas", f"{R} values (one per refit)", lam.shape)
    per_point = (
        "selected",
        "n_selected",
        "n_groups",
        "beta",
        "a0",
        "loss",
        "objective",
        "deviance",
        "dev_ratio",
        "epochs",
        "converged",
    )
    ch: dict[str, Any] = {k: np.swapaxes(getattr(res, k), 0, 1) for k in per_point}
    st = res.states[0]
    ch["states"] = [PathState.compact([t[r : r + 1] for t in st]) for r in range(R)]
    ch["lambdas"] = lam
    ch["M"] = res.M[:1]
    ch["null_deviance"] = res.null_deviance[:1]
    ch["lr"] = res.lr[:1]
    ch["lambda_max_internal"] = None
    return replace(res, **ch)
