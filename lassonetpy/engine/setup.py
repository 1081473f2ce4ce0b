"""The first phases of :func:`~lassonetpy.engine.fit_path`: validate the arguments
(:func:`validate` -> :class:`Setup`), then standardise the columns and build the batch's
:class:`~lassonetpy.engine.objective.Problem` (:func:`build_problem`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..errors import bad_value
from ..families import Family, ResponseInfo, get_family
from .checks import (
    check_device,
    check_dtype,
    check_hidden,
    check_lambda_seq,
    check_matrix,
    check_number,
    check_threads,
    check_vector,
)
from .objective import Problem, TrainConfig, pad_rows, thresholds
from .prox import GroupIndex
from .result import PathResult
from .rows import ChunkedRows, is_out_of_core

__all__ = ["Setup", "validate", "build_problem"]


@dataclass(frozen=True)
class Setup:
    """Validated arguments of one :func:`~lassonetpy.engine.fit_path` call (numpy, no data
    on the device yet). ``rows`` wraps ``X``; ``masks`` (B, n) are the models' training rows;
    ``pen_weight`` (G,) the penalty weight of each group; ``user_lam`` the user's lambdas in
    internal units (None: automatic grid); ``span`` a batch's grid span (chunks)."""

    family: Family
    info: ResponseInfo
    rows: ChunkedRows
    out_of_core: bool
    hidden: tuple[int, ...]
    device: torch.device
    dtype: torch.dtype
    weights: np.ndarray
    masks: np.ndarray
    M: np.ndarray
    children: np.ndarray
    groups: GroupIndex | None
    pen_weight: np.ndarray
    offset: np.ndarray | None
    nlambda: int
    lambda_min_ratio: float
    user_lam: np.ndarray | None
    span: tuple[float, float] | None
    seed: int | None
    threads: int
    phase: str
    start: PathResult | None
    config: TrainConfig
    body: Any = None  # a BodyNetwork (engine/body.py): a user's module instead of the MLP

    @property
    def n(self) -> int:
        return int(self.rows.shape[0])

    @property
    def d(self) -> int:
        return int(self.rows.shape[1])

    @property
    def B(self) -> int:
        return int(self.masks.shape[0])

    @property
    def scale(self) -> float:
        """Response scale: internal lambdas and losses are in units of it."""
        return float(self.info.scale)


def _check_M(M: Any, B: int) -> np.ndarray:
    try:
        Mv = np.asarray(M, dtype=np.float64)
    except (TypeError, ValueError):
        Mv = np.array([np.nan])
    if isinstance(M, bool) or Mv.ndim > 1 or (Mv.ndim == 1 and Mv.shape[0] not in (1, B)):
        Mv = np.array([np.nan])
    Mv = np.broadcast_to(Mv, (B,)).copy()
    if not np.isfinite(Mv).all() or (Mv < 0).any():
        raise bad_value("M", f"a number >= 0 (or {B} of them, one per model)", M)
    return Mv


def _check_children(children: Any, B: int) -> np.ndarray:
    if children is None:
        return np.arange(B)
    try:
        c = np.asarray(children)
        ok = c.shape == (B,) and c.dtype.kind in "iu" and bool((c >= 0).all())
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise bad_value("seed_children", f"{B} non-negative integers (one per model)", children)
    return c.astype(np.int64)


def _check_span(span: Any) -> tuple[float, float] | None:
    if span is None:
        return None
    try:
        a, b = (float(v) for v in span)
    except (TypeError, ValueError):
        a, b = np.nan, np.nan
    if not (np.isfinite(a) and np.isfinite(b) and 0 < a <= b):
        raise bad_value("lambda_span", "two finite lambdas 0 < first <= last", span)
    return a, b


def _group_index(groups: Any, d: int) -> GroupIndex | None:
    """Groups ordered by their first column (columns in no group are singletons)."""
    if groups is None:
        return None
    try:
        members = GroupIndex(groups, d).members
    except (ValueError, TypeError) as e:
        raise bad_value(
            "groups",
            "a partition of the columns (lists of column indices or one label per column)",
            groups,
            str(e),
        ) from None
    gi = GroupIndex(sorted(members, key=min), d)
    return None if gi.singletons else gi


def _penalty_factor(pf: Any, gi: GroupIndex | None, d: int) -> np.ndarray:
    """Penalty factor per group, from one value per column or one per group."""
    G = d if gi is None else gi.n_groups
    if pf is None:
        return np.ones(G)
    arr = np.asarray(pf, dtype=np.float64) if np.ndim(pf) else np.array([np.nan])
    if gi is not None and arr.shape == (d,) and G != d:
        per_group = np.array([arr[m[0]] for m in gi.members])
        if any(not np.all(arr[m] == arr[m[0]]) for m in gi.members):
            raise bad_value("penalty_factor", "the same value for every column of a group", pf)
        arr = per_group
    out = check_vector(arr, "penalty_factor", G, nonneg=True)
    if not out.sum() > 0:
        raise bad_value("penalty_factor", "non-negative with at least one positive entry", pf)
    return out


def _sync_every(dev: torch.device) -> int:
    """Epochs between host synchronisations of the path: every epoch on the CPU (a sync costs
    nothing there and a converged model leaves the batch at once), every 8 on an accelerator
    (converged models are frozen on the device in between; the results are the same)."""
    return 1 if dev.type == "cpu" else 8


def _masks(masks: Any, n: int) -> np.ndarray:
    if masks is None:
        return np.ones((1, n))
    mk = np.asarray(masks, dtype=np.float64)
    if mk.ndim == 1:
        mk = mk[None, :]
    if mk.ndim != 2 or mk.shape[1] != n or not np.isin(mk, (0.0, 1.0)).all():
        raise bad_value("masks", f"a (B, {n}) array of 0/1 or bool", f"shape {mk.shape}")
    if (mk.sum(1) < 2).any():
        raise bad_value("masks", "at least 2 training rows per model", mk.sum(1).tolist())
    return mk


def _offset(offset: Any, n: int, O: int, scale: float) -> np.ndarray | None:
    if offset is None:
        return None
    off_a = np.asarray(offset, dtype=np.float64)
    if off_a.ndim == 1:
        off_a = off_a[:, None]
    if off_a.shape not in ((n, 1), (n, O)) or not np.isfinite(off_a).all():
        raise bad_value("offset", f"finite, of shape ({n},) or ({n}, {O})", f"shape {off_a.shape}")
    return np.broadcast_to(off_a / scale, (n, O))  # the network works on the scaled response


def validate(
    X: Any,
    y: Any,
    family: Any,
    *,
    hidden: Any,
    M: Any,
    nlambda: Any,
    lambda_: Any,
    lambda_min_ratio: Any,
    groups: Any,
    penalty_factor: Any,
    weights: Any,
    offset: Any,
    masks: Any,
    dropout: Any,
    gamma: Any,
    gamma_skip: Any,
    batch_size: Any,
    lr: Any,
    max_epochs_dense: Any,
    max_epochs: Any,
    tol: Any,
    seed: Any,
    device: Any,
    dtype: Any,
    seed_children: Any,
    threads: Any = None,
    phase: Any,
    start: Any,
    lambda_span: Any,
    body: Any = None,
) -> Setup:
    """Check every argument of :func:`~lassonetpy.engine.fit_path` (its documentation says
    what each must be) and return them validated; an error names the first bad argument."""
    fam = get_family(family)
    hidden_t = check_hidden(hidden)
    dev = check_device(device)
    dt = check_dtype(dtype)
    out_of_core = is_out_of_core(X)
    rows = ChunkedRows(X if out_of_core else check_matrix(X, "X"), dt, dev)
    n, d = rows.shape
    nlambda = int(check_number(nlambda, "nlambda", low=1, integer=True))
    check_number(lambda_min_ratio, "lambda_min_ratio", low=0, high=1, low_open=True, high_open=True)
    check_number(dropout, "dropout", low=0, high=1, high_open=True)
    for name, val in (("gamma", gamma), ("gamma_skip", gamma_skip)):
        check_number(val, name, low=0)
    check_number(lr, "lr", low=0, low_open=True)
    check_number(tol, "tol", low=0, low_open=True)
    max_epochs_dense = int(check_number(max_epochs_dense, "max_epochs_dense", low=1, integer=True))
    max_epochs = int(check_number(max_epochs, "max_epochs", low=1, integer=True))
    if batch_size is not None:
        batch_size = int(check_number(batch_size, "batch_size", low=1, integer=True))
    if seed is not None:
        seed = int(check_number(seed, "seed", low=0, integer=True))
    n_threads = check_threads(threads)
    w = np.ones(n) if weights is None else check_vector(weights, "weights", n, nonneg=True)
    if not w.sum() > 0:
        raise bad_value("weights", "non-negative with a positive sum", weights)
    n_y = len(y) if hasattr(y, "__len__") else None
    if n_y != n:
        raise bad_value("y", f"of length n = {n} (the rows of X)", f"length {n_y}")
    info = fam.prepare(y, w)
    if not fam.row_separable:  # e.g. Cox: a risk set spans all rows of a model
        if out_of_core:
            raise bad_value(
                "X",
                f"an in-memory matrix for family {fam.name!r}",
                f"an on-disk array ({type(X).__name__})",
                "Its loss is not a sum over rows, so it cannot be computed block by block; "
                "load X into memory (np.asarray(X)).",
            )
        if batch_size is not None and batch_size < n:
            raise bad_value(
                "batch_size",
                f"None (full batch) for family {fam.name!r}",
                batch_size,
                "Its loss is not a sum over rows: a mini-batch is not an estimate of it.",
            )
    mk = _masks(masks, n)
    B = mk.shape[0]
    Mv = _check_M(M, B)
    children = _check_children(seed_children, B)
    if phase not in ("full", "dense", "refine"):
        raise bad_value("phase", "'full', 'dense' or 'refine'", phase)
    if phase == "refine" and (not isinstance(start, PathResult) or B != 1):
        raise bad_value(
            "start", "with phase='refine', the PathResult of the one model to refine", start
        )
    if start is not None and (
        not isinstance(start, PathResult)
        or start.n_models != B
        or start.lambdas[0] != 0
        or start.x_center.shape != (d,)
    ):
        raise bad_value(
            "start", f"a phase='dense' PathResult of the same {B} model(s) and {d} columns", start
        )
    span = _check_span(lambda_span)
    gi = _group_index(groups, d)
    G = d if gi is None else gi.n_groups
    sizes = np.ones(d) if gi is None else np.asarray(gi.sizes, dtype=np.float64)
    pf = _penalty_factor(penalty_factor, gi, d)
    off = _offset(offset, n, info.n_outputs, float(info.scale))
    net = None
    if body is not None:
        net = _body(body, d, info.n_outputs, dt, dev, out_of_core, dropout, phase, start)
        hidden_t = (net.K,)
    cfg = TrainConfig(
        gamma=gamma,
        gamma_skip=gamma_skip,
        dropout=dropout,
        batch_size=batch_size,
        lr_dense=lr,
        max_epochs_dense=max_epochs_dense,
        max_epochs=max_epochs,
        tol=tol,
        check_every=5,
        **thresholds(tol, dt),
        sync_every=_sync_every(dev),
    )
    return Setup(
        family=fam,
        info=info,
        rows=rows,
        out_of_core=out_of_core,
        hidden=hidden_t,
        device=dev,
        dtype=dt,
        weights=w,
        masks=mk,
        M=Mv,
        children=children,
        groups=gi,
        pen_weight=pf * G / pf.sum() * np.sqrt(sizes),
        offset=off,
        nlambda=nlambda,
        lambda_min_ratio=float(lambda_min_ratio),
        user_lam=None if lambda_ is None else check_lambda_seq(lambda_) / float(info.scale),
        span=span,
        seed=seed,
        threads=n_threads,
        phase=phase,
        start=start,
        config=cfg,
        body=net,
    )


def _body(
    body: Any,
    d: int,
    O: int,
    dt: torch.dtype,
    dev: torch.device,
    out_of_core: bool,
    dropout: Any,
    phase: Any,
    start: Any,
) -> Any:
    """The adaptor of a user's ``body`` (engine/body.py), after the checks of what it cannot
    be combined with."""
    from .body import BodyNetwork

    if out_of_core:
        raise bad_value(
            "X",
            "an in-memory matrix with `body`",
            "an on-disk array",
            "A body with batch norm needs all of a model's rows in one pass.",
        )
    if dropout > 0:
        raise bad_value(
            "dropout",
            "0 with `body` (it acts on the built-in network's hidden units)",
            dropout,
            "Put torch.nn.Dropout layers in the body instead.",
        )
    if phase != "full" or start is not None:
        raise bad_value(
            "body",
            "None when a batch is fitted in chunks (phase='dense' or start=)",
            body,
            "Fit the batch in one piece (n_tasks=None, parallel=None).",
        )
    return BodyNetwork(body, d, O, dt, dev)


def build_problem(
    s: Setup, standardize: bool, pad: bool = False
) -> tuple[Problem, np.random.SeedSequence]:
    """Standardise the columns and put the batch's data on the device.

    One streaming pass gives the column statistics (``s.rows.center``, ``s.rows.scale``); in
    memory, the standardised copy is then filled block by block (no float64 temporaries of the
    whole matrix). Blocks are copied into torch's own (64-byte aligned) memory: a view of a
    numpy array keeps numpy's alignment, which varies between processes and changes how
    vectorised kernels round, so a chunk on a Dask worker would not repeat a local run.
    ``pad`` appends zero-weight rows up to whole vector chunks (:func:`~lassonetpy.engine.
    objective.row_pad`; :func:`~lassonetpy.engine.fit_path` asks for it, so that a model's
    fit does not depend on its batch; callers that index the rows themselves do not).
    Returns the problem and the ``SeedSequence(seed)`` the models are initialised from.
    """
    dev, dt = s.device, s.dtype
    s.rows.standardize(s.weights, standardize)
    Xs: torch.Tensor | ChunkedRows = s.rows if s.out_of_core else s.rows.materialize()
    wm = s.masks * s.weights[None, :]
    wm = wm / wm.sum(1, keepdims=True)
    # Randomness: one SeedSequence; model b is initialised from its b-th child, so model 0 of
    # a batch starts exactly like a plain fit with the same seed. No global RNG is touched.
    ss = np.random.SeedSequence(s.seed)
    gen = torch.Generator(device=dev)
    gen.manual_seed(int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1)))
    y = s.family.target(s.info, dt, dev).clone()
    w = torch.tensor(wm, dtype=dt, device=dev)
    off = None if s.offset is None else torch.tensor(s.offset, dtype=dt, device=dev)
    if pad and isinstance(Xs, torch.Tensor) and s.family.row_separable:  # objective.row_pad
        # (a family whose loss is not a sum over rows, e.g. Cox, has no neutral padding row)
        Xs, y, w, off = pad_rows(Xs, y, w, off)
    prob = Problem(
        X=Xs,
        y=y,
        w=w,
        offset=off,
        family=s.family,
        pen_weight=torch.as_tensor(s.pen_weight, dtype=dt, device=dev),
        M=torch.as_tensor(s.M, dtype=dt, device=dev).unsqueeze(-1),
        groups=s.groups,
        generator=gen,
        n_real=s.n,
    )
    return prob, ss
