r"""The array-level core: :func:`fit_path` trains a batch of LassoNet models along a lambda path.

For each model ``b`` (a row mask selects its training rows: CV folds, subsamples) it minimises

.. math::

    \mathrm{loss}_b(\theta, W) + \lambda \sum_g p_g \sqrt{|g|}\, \|\theta_g\|_2
    \quad\text{s.t.}\quad \|W^{(0)}_g\|_\infty \le M \|\theta_g\|_2

(``loss`` scaled as in glmnet, see :mod:`lassonetpy.families`; ``p_g`` the penalty factors,
rescaled to sum to the number of groups as in glmnet; ``g`` runs over features or groups of
features), first at ``lambda = 0`` (the dense fit), then along an increasing grid with warm
starts until no penalised feature is left. All models run in lock-step on one grid.

The phases, each a function: :func:`~lassonetpy.engine.setup.validate` (arguments),
:func:`~lassonetpy.engine.setup.build_problem` (standardise, data on the device),
:func:`_dense_phase` (initialise and fit at lambda = 0), :func:`_grid` (from ``lambda_max``),
:func:`_path_phase` (warm-started lambdas) and :func:`~lassonetpy.engine.collect.collect`.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from ..errors import bad_value
from ..families import Family
from .collect import Record, collect
from .dense import train_dense_checked as train_dense  # the fit's dense stage, by that name
from .grid import _span, lambda_max, null_fit, set_null
from .network import Params, forward, init_params
from .objective import Problem, group_norms
from .progress import Progress
from .refine import refine_path
from .result import PathResult, warn_unconverged
from .setup import Setup, build_problem, validate
from .states import PathState
from .stepsize import step_size
from .threads import torch_threads
from .trainer import LambdaState, train_lambda

__all__ = ["fit_path"]


def fit_path(
    X: Any,
    y: Any,
    family: str | Family = "gaussian",
    *,
    hidden: int | tuple[int, ...] = (100,),
    M: float | Any = 10.0,
    nlambda: int = 100,
    lambda_: Any = None,
    lambda_min_ratio: float = 1e-2,
    groups: Any = None,
    penalty_factor: Any = None,
    weights: Any = None,
    offset: Any = None,
    masks: Any = None,
    standardize: bool = True,
    dropout: float = 0.0,
    gamma: float = 0.0,
    gamma_skip: float = 0.0,
    batch_size: int | None = None,
    lr: float = 3e-3,
    max_epochs_dense: int = 1000,
    max_epochs: int = 500,
    tol: float = 1e-4,
    seed: int | None = None,
    threads: int | None = None,
    device: Any = "cpu",
    dtype: Any = "float32",
    verbose: bool = False,
    seed_children: Any = None,
    phase: str = "full",
    start: PathResult | None = None,
    lambda_span: tuple[float, float] | None = None,
    df_resolution: int | None = None,
    body: Any = None,
) -> PathResult:
    r"""Fit a batch of LassoNet models along a lambda path (numpy in, :class:`PathResult` out).

    Parameters
    ----------
    X : array-like of shape (n, d)
        Inputs (finite numbers).
    y : array-like
        Response: numbers (gaussian, poisson), class labels of any type (binomial,
        multinomial), or an (n, q) matrix (mgaussian).
    family : str or Family
        ``"gaussian"``, ``"binomial"``, ``"multinomial"``, ``"poisson"``, ``"mgaussian"`` or a
        family object.
    hidden : int or tuple of int
        Hidden layer sizes (one layer of 100 by default).
    M : float or array of shape (B,)
        Hierarchy multiplier (``M = 0`` is the Lasso); one per model allowed.
    nlambda : int
        Number of lambdas on the automatic grid (fewer if every feature is gone sooner).
    lambda_ : array-like, optional
        Increasing lambdas (original units) instead of the automatic grid; the dense fit is
        always trained first.
    lambda_min_ratio : float
        First lambda of the automatic grid as a fraction of ``lambda_max`` (the smallest lambda
        at which the input-free model is stationary).
    groups : list of lists of int or labels per column, optional
        Columns that enter and leave together (Group-Hier-Prox). Groups are ordered by their
        first column; columns in no group are groups of their own.
    penalty_factor : array-like, optional
        Multiplier of lambda per column (equal within a group) or per group (in group
        order); 0 = never penalised. Rescaled to sum to the number of groups, as glmnet does;
        a group's penalty is also multiplied by the square root of its size.
    weights : array-like of shape (n,), optional
        Observation weights (normalised to sum to one per model).
    offset : array-like of shape (n,) or (n, n_outputs), optional
        Added to the linear predictor (e.g. log exposure for poisson).
    masks : array-like of shape (B, n), optional
        Training rows of each model (bool or 0/1); default one model on all rows.
    standardize : bool
        Standardise the columns of ``X`` (coefficients are reported on the original scale).
    dropout : float
        Dropout on hidden units during training.
    gamma, gamma_skip : float
        L2 penalties ``gamma/2 ||W||^2`` on the hidden-layer weights and ``gamma_skip/2
        ||theta||^2`` on the skip weights (they enter the gradient).
    batch_size : int, optional
        Mini-batch size; full batch by default.
    lr : float
        Adam learning rate of the dense fit (the path's step size is set automatically).
    max_epochs_dense, max_epochs : int
        Epoch limits for the dense fit and for each lambda.
    tol : float
        Relative optimality tolerance of every lambda (and of the dense fit). A model stops at
        a lambda when, for a convex model (``M = 0``, a built-in family, every group
        penalised, no ``gamma_skip``, ``X`` in memory), its duality gap is at most ``tol``
        times its objective above the saturated loss: the penalised objective is then
        certified within that relative distance of its minimum. Otherwise (``M > 0``, where
        the objective has no minimiser to measure a distance to) when its KKT residual, the
        norm of the proximal-gradient step per unit step size and the largest violation of
        a zero feature's optimality condition, is at most ``5 sqrt(tol)`` times the norm of the
        loss gradient at the null model (0.05 at the default). The dense fit uses the same
        residual test. A lambda that reaches ``max_epochs`` first is reported as not converged
        (``PathResult.converged``). With dropout or mini-batches: the objective changed by less
        than ``sqrt(tol)`` times half the null deviance over five epochs.
    seed : int, optional
        Makes the fit reproducible; no global random state is used.
    threads : int, optional
        Torch threads for this fit (set for its duration, restored afterwards, also on
        errors). Default 1: a LassoNet epoch at typical sizes gains little from more threads
        and a shared machine is never oversubscribed; pass the number of free cores for a
        large problem on a quiet machine. A result is the same for any split of a batch with
        the same number of threads per task (more threads may round differently).
    device : str
        ``"cpu"`` or ``"cuda"``.
    dtype : str
        ``"float32"`` or ``"float64"``.
    verbose : bool
        Show a progress bar.
    seed_children : array-like of int, shape (B,), optional
        Batch splitting: model ``b`` is initialised from child ``seed_children[b]`` of
        ``SeedSequence(seed)`` (default ``0..B-1``). A chunk of a larger batch passes the
        models' positions in that batch, so they start as they would there.
    phase : {"full", "dense", "refine"}
        ``"dense"`` stops after the dense fit: the result holds only ``lambdas = [0]``, the
        dense networks and ``lambda_max_internal`` (the first phase of a split batch).
        ``"refine"`` takes the whole path of one model from ``start`` (a ``"full"`` result of
        that model, e.g. the full-data model of a CV batch) and only adds the fits of
        ``df_resolution``.
    start : PathResult, optional
        A ``phase="dense"`` result of the same models and data: its dense networks are taken
        instead of training them again (the second phase of a split batch). With
        ``phase="refine"``: the path to refine.
    lambda_span : (float, float), optional
        First and last lambda of the automatic grid, in internal units, instead of the ones
        derived from this batch's ``lambda_max``; a chunk passes the span of the whole batch
        (:func:`grid_span`), so every chunk runs on the batch's grid, bit for bit. Ignored
        with ``lambda_``.
    body : torch.nn.Module, optional
        A user's network instead of the built-in MLP (``hidden`` is then ignored): its first
        layer must be ``torch.nn.Linear(d, K)``; see :mod:`lassonetpy.engine.body`.

    Returns
    -------
    PathResult

    Notes
    -----
    **Splitting a batch.** The models of a batch interact only through the lambda grid (the
    largest ``lambda_max`` over the batch, known after all dense fits) and, with dropout or
    mini-batches, through the one random stream they share. A batch of deterministic models
    (``dropout=0``, full batch) fitted in chunks -- ``phase="dense"`` per chunk, then
    :func:`grid_span` over all chunks, then ``start=`` and ``lambda_span=`` per chunk, then
    :func:`concat_results` -- gives the same models, up to floating-point rounding, as the
    single batch (:mod:`lassonetpy.engine.parallel` does this, locally or on Dask).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 5)); y = X[:, 0] + np.sin(2 * X[:, 1])
    >>> res = fit_path(X, y, hidden=(8,), nlambda=20, seed=0)
    >>> int(res.n_selected[0, 0]), int(res.n_selected[0, -1])
    (5, 0)
    """
    t0 = time.perf_counter()
    s = validate(
        X,
        y,
        family,
        hidden=hidden,
        M=M,
        nlambda=nlambda,
        lambda_=lambda_,
        lambda_min_ratio=lambda_min_ratio,
        groups=groups,
        penalty_factor=penalty_factor,
        weights=weights,
        offset=offset,
        masks=masks,
        dropout=dropout,
        gamma=gamma,
        gamma_skip=gamma_skip,
        batch_size=batch_size,
        lr=lr,
        max_epochs_dense=max_epochs_dense,
        max_epochs=max_epochs,
        tol=tol,
        seed=seed,
        threads=threads,
        device=device,
        dtype=dtype,
        seed_children=seed_children,
        phase=phase,
        start=start,
        lambda_span=lambda_span,
        body=body,
    )
    K = _resolution(df_resolution, s)
    with torch_threads(s.threads):
        res = _fit(s, standardize, verbose, t0, K)
    warn_unconverged(res, stacklevel=2, max_epochs=max_epochs)
    return res


def _fit(s: Setup, standardize: bool, verbose: bool, t0: float, K: int) -> PathResult:
    """The phases after validation (inside the thread setting of the fit)."""
    prob, ss = build_problem(s, standardize, pad=True)
    eta0 = null_fit(prob, s.info.n_outputs)
    null_dev = set_null(prob, eta0)
    n_steps = s.nlambda if s.user_lam is None else len(s.user_lam)
    if s.phase == "refine":
        n_steps = 0
    bar = Progress(1 + n_steps, f"path ({_threads_label(s.threads)})", verbose)
    first, p, lr_dense = _dense_phase(s, prob, ss, eta0, bar)
    t_dense = time.perf_counter() - t0
    lmax_models = lambda_max(p, prob, eta0)

    def finish(records: list[Record], lr: torch.Tensor, t_path: float) -> PathResult:
        if s.body is not None:  # a body's batch-norm statistics per state (engine/body.py)
            records = s.body.finish(records, prob.X, prob.w)
        timing = {"dense": t_dense, "path": t_path, "total": time.perf_counter() - t0}
        return collect(records, s, prob, null_dev, lr, timing, lmax_models)

    if s.phase == "dense":
        bar.close()
        return finish([first], lr_dense, 0.0)
    if s.phase == "refine":
        assert s.start is not None
        records, lrs = _start_records(s.start, first, s)
    else:
        grid, ratio = _grid(s, lmax_models)
        records, lrs = _path_phase(p, prob, s, grid, ratio, bar, lr_dense)
        records, lrs = [first, *records], [lr_dense, *lrs]
    # a single model on the automatic grid (not a chunk of a batch, which runs on the batch's
    # grid and must equal it), or the model handed to phase="refine"
    whole = s.phase == "full" and s.start is None and s.span is None
    # stochastic training (dropout, mini-batches): a count at one lambda is itself noisy, so
    # bisecting on it means little; such paths keep the grid
    cfg = s.config
    noisy = cfg.dropout > 0 or (cfg.batch_size is not None and cfg.batch_size < prob.n_real)
    simple = s.B == 1 and s.user_lam is None and not noisy and s.body is None
    if K > 0 and simple and (whole or s.phase == "refine"):
        records, lrs = _refine_phase(records, lrs, prob, s, K, bar)
    bar.set_total(bar.n)
    bar.close()
    return finish(records, lrs[-1], time.perf_counter() - t0 - t_dense)


def _resolution(df_resolution: int | None, s: Setup) -> int:
    """The counts ``0 .. K - 1`` that get a fit of their own (0: none)."""
    if df_resolution is None:
        df_resolution = 100
    if (
        isinstance(df_resolution, bool)
        or not isinstance(df_resolution, (int, np.integer))
        or df_resolution < 0
    ):
        raise bad_value("df_resolution", "an integer >= 0 (0: the plain grid)", df_resolution)
    G = s.d if s.groups is None else s.groups.n_groups
    return int(min(G, df_resolution))


def _start_records(
    start: PathResult, first: Record, s: Setup
) -> tuple[list[Record], list[torch.Tensor]]:
    """The path of ``start`` (one model) as records, its dense fit being ``first``."""
    scale = float(s.info.scale)
    dev, dt = s.device, s.dtype
    lr = torch.as_tensor(start.lr, dtype=dt, device=dev)[:1]
    nan = torch.full((1,), float("nan"), dtype=torch.float64)

    def col(a: np.ndarray | None, i: int) -> torch.Tensor:
        return nan.clone() if a is None else torch.as_tensor(a[:1, i])

    records = [first]
    for i in range(1, len(start.lambdas)):
        records.append(
            Record(
                float(start.lambdas[i]) / scale,
                start.states[i],
                torch.as_tensor(start.epochs[:1, i]),
                torch.as_tensor(start.converged[:1, i]),
                col(start.residual, i),
                col(start.gap, i),
            )
        )
    return records, [lr] * len(records)


def _refine_phase(
    records: list[Record],
    lrs: list[torch.Tensor],
    prob: Problem,
    s: Setup,
    K: int,
    bar: Progress,
) -> tuple[list[Record], list[torch.Tensor]]:
    """Fits between the path's points until every count below ``K`` has one (one model)."""

    def on_round(rnd: int, n: int) -> None:  # one step of the bar per fit, as on the grid
        bar.set_total(bar.total + n)
        bar.update(n, f"refining: {n} interval(s), round {rnd + 1}")

    last_note = bar.note  # the path's end (lambda, features left) stays the bar's last word
    recs, steps, _ = refine_path(
        records,
        lrs,
        prob,
        s.config,
        K,
        n_outputs=int(s.info.n_outputs),
        n_hidden_layers=len(s.hidden),
        on_round=on_round,
    )
    bar.update(0, last_note)
    return recs, steps


def _threads_label(n: int) -> str:
    return f"{n} thread" + ("" if n == 1 else "s")


def _dense_phase(
    s: Setup, prob: Problem, ss: np.random.SeedSequence, eta0: torch.Tensor, bar: Progress
) -> tuple[Record, Params, torch.Tensor]:
    """Initialise every model from its child of ``ss`` and fit it at lambda = 0 (or take the
    dense networks of ``s.start``). Returns the dense fit's record, the networks and the
    step size the path starts with (B,)."""
    dev, dt, O = s.device, s.dtype, s.info.n_outputs
    nan = torch.full((s.B,), float("nan"), dtype=dt, device=dev)
    if s.start is not None:
        nw = len(s.hidden)
        ts = [t.to(dtype=dt, device=dev).clone() for t in s.start.states[0].tensors()]
        bar.update(1, "dense fit given")
        st = s.start
        p = Params(ts[0], ts[1 : 1 + nw], ts[1 + nw :], O)
        residual = nan if st.residual is None else torch.as_tensor(st.residual[:, 0]).to(nan)
        rec = Record(
            0.0,
            st.states[0],
            torch.as_tensor(st.epochs[:, 0], dtype=torch.long, device=dev),
            torch.as_tensor(st.converged[:, 0], device=dev),
            residual,
            nan,
        )
        lr = torch.as_tensor(st.lr).to(nan)
        if not bool(torch.isfinite(lr).all()):  # a dense fit made elsewhere: its 1/L here
            lr = step_size(p, prob, s.config)
        return rec, p, lr
    inits = []
    for c in s.children:
        # child c of SeedSequence(seed), as ss.spawn() would make it
        child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, int(c)))
        g = torch.Generator().manual_seed(
            int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))
        )
        if s.body is not None:  # a user's module (engine/body.py)
            inits.append(s.body.init_params(g))
            continue
        inits.append(init_params(1, s.d, s.hidden, O, generator=g, dtype=dt, device=dev))
    p = inits[0].like([torch.cat(ts, 0) for ts in zip(*(q.tensors() for q in inits))])
    # centre the output on the null fit: the mean of the network's output over the data's
    # rows (not the padding rows)
    with torch.no_grad():
        if s.rows.constant.any():  # constant columns stay out of every model (rows.standardize)
            p.first[:, :, torch.as_tensor(np.flatnonzero(s.rows.constant), device=dev)] = 0
        eta_sum = torch.zeros(s.B, O, dtype=dt, device=dev)
        for X, rows in prob.padded_blocks():
            eta_sum += forward(p, X)[:, :rows].sum(1)
        p.biases[-1] = p.biases[-1] + eta0 - eta_sum / s.n
    bar.update(0, "dense fit")
    cfg = s.config
    noisy = cfg.dropout > 0 or (cfg.batch_size is not None and cfg.batch_size < prob.n_real)
    convex = (prob.M[:, 0] == 0) & ~torch.tensor(noisy, device=dev)
    p, epochs, residual, met = train_dense(p, prob, cfg, skip=convex)
    # The path's step size, at the dense fit: 1/L is only a start (the curvature grows
    # towards the input-free model, and the trainer halves a model's step where a lambda
    # diverges, so the step adapts along the path; the null model's 1/L, up to 30x smaller
    # on MICE, would make every earlier lambda crawl).
    lr = step_size(p, prob, cfg)
    if not noisy:
        # Adam stalls at a residual set by its step; proximal gradient at lambda = 0 takes the
        # dense fit to the dense residual test (the path starts from it)
        bar.update(0, "dense fit: polish")
        state = LambdaState(prev=[t.clone() for t in p.tensors()], lr=lr)
        polish = replace(cfg, res_tol=cfg.res_tol_dense, max_epochs=cfg.max_epochs_dense)
        alive = torch.ones(s.B, dtype=torch.bool, device=dev)
        p, more, met = train_lambda(p, prob, polish, 0.0, state, alive)
        assert state.residual is not None
        epochs, residual, lr = epochs + more, state.residual, state.lr
    bar.update(1, "dense fit done")
    rec = Record(0.0, PathState.compact(p.tensors()), epochs, met, residual, nan)
    return rec, p, lr


def _grid(s: Setup, lmax_models: torch.Tensor) -> tuple[list[float], float | None]:
    """The lambdas of the path (internal units) and the ratio by which the automatic grid is
    extended while features are left at its end (None: the user's lambdas, never extended)."""
    if s.user_lam is not None:
        return [float(v) for v in s.user_lam if v > 0], None
    if s.span is None:
        first, top = _span(float(lmax_models.max()), float(s.M.max()), s.lambda_min_ratio)
    else:
        first, top = s.span
    grid = list(np.geomspace(first, top, s.nlambda)) if s.nlambda > 1 else [top]
    return grid, (top / first) ** (1.0 / max(s.nlambda - 1, 1))


def _path_phase(
    p: Params,
    prob: Problem,
    s: Setup,
    grid: list[float],
    ratio: float | None,
    bar: Progress,
    lr_path: torch.Tensor,
) -> tuple[list[Record], list[torch.Tensor]]:
    """Warm-started lambdas from the dense fit until no penalised feature is left.

    Returns the :class:`~lassonetpy.engine.collect.Record` of every lambda and each model's
    step size after it (B,).
    """
    # the path starts without momentum (as a chunk resumed from its dense fit does)
    state = LambdaState(prev=[t.clone() for t in p.tensors()], lr=lr_path.clone())
    # states leave the device at once, compact (dead columns dropped): at d = 5000, K = 1000
    # a full copy per lambda would be 20 MB each
    records: list[Record] = []
    lrs: list[torch.Tensor] = []
    penalised = torch.as_tensor(s.pen_weight > 0, device=s.device)
    alive = torch.ones(s.B, dtype=torch.bool, device=s.device)
    k = 0
    extra = 0
    while k < len(grid):
        lam = grid[k]
        p, ep, conv = train_lambda(p, prob, s.config, lam, state, alive)
        assert state.residual is not None and state.gap is not None
        records.append(
            Record(lam, PathState.compact(p.tensors()), ep, conv, state.residual, state.gap)
        )
        lrs.append(state.lr.clone())
        gn = group_norms(p, s.groups)
        alive = ((gn > 0) & penalised).any(-1)
        n_sel = int((gn > 0).sum(-1).max())
        bar.update(1, f"lambda={lam * s.scale:.3g} max features={n_sel}")
        k += 1
        if not bool(alive.any()):
            break
        if k == len(grid) and ratio is not None and extra < 100:
            grid.append(grid[-1] * ratio)
            extra += 1
            bar.set_total(bar.total + 1)
    return records, lrs
