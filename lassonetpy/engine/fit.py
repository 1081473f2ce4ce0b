r"""The array-level core: :func:`fit_path` trains a batch of LassoNet models along a lambda path.

For each model ``b`` (a row mask selects its training rows: CV folds, subsamples) it minimises

.. math::

    \mathrm{loss}_b(\theta, W) + \lambda \sum_g p_g \sqrt{|g|}\, \|\theta_g\|_2
    \quad\text{s.t.}\quad \|W^{(0)}_g\|_\infty \le M \|\theta_g\|_2

(``loss`` scaled as in glmnet, see :mod:`lassonetpy.families`; ``p_g`` the penalty factors,
rescaled to sum to the number of groups as in glmnet; ``g`` runs over features or groups of
features), first at ``lambda = 0`` (the dense fit), then along an increasing grid with warm
starts until no penalised feature is left. All models run in lock-step on one grid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
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
    check_vector,
)
from .network import Params, forward, init_params
from .progress import Progress
from .prox import GroupIndex
from .rows import ChunkedRows, is_out_of_core
from .states import PathState
from .trainer import (
    LambdaState,
    Problem,
    TrainConfig,
    _sub_problem,
    gradients,
    group_norms,
    step_size,
    summed_over_rows,
    train_dense,
    train_lambda,
)

__all__ = ["fit_path", "PathResult", "grid_span", "concat_results", "take_models"]


@dataclass(frozen=True)
class PathResult:
    """Everything :func:`fit_path` computed, as plain arrays (read-only by convention).

    Attributes
    ----------
    lambdas : ndarray of shape (L,)
        Penalties in original units, increasing; ``lambdas[0] == 0`` is the dense fit.
    selected : ndarray of shape (B, L, d), bool
        Columns with a non-zero skip weight.
    n_selected : ndarray of shape (B, L)
        Number of selected columns; ``n_groups`` counts selected groups.
    beta : ndarray of shape (B, L, n_outputs, d)
        Skip (linear) coefficients on the original scale of ``X`` and ``y``.
    a0 : ndarray of shape (B, L, n_outputs)
        Intercepts: fitted linear predictor at the column means minus nothing (the network's
        nonlinear part is centred at the means), so at ``M = 0`` it is the GLM intercept.
    loss, objective, deviance, dev_ratio : ndarray of shape (B, L)
        Training loss (family scaling, original units), penalised objective, deviance and
        fraction of the null deviance explained, on each model's training rows.
    null_deviance : ndarray of shape (B,)
    epochs : ndarray of shape (B, L)
        Epochs used at each lambda; ``converged`` tells whether the tolerance was met.
    lr : ndarray of shape (B,)
        Path step size of each model (NaN in a ``phase="dense"`` result).
    states : list of PathState
        Network parameters of every model at each path point, with the input columns that
        are zero in every model left out (:class:`lassonetpy.engine.states.PathState`; indexing it
        gives the full tensors). Use :meth:`params` for one model.
    lambda_max_internal : ndarray of shape (B,)
        Each model's ``lambda_max`` after its dense fit (the smallest lambda at which its
        input-free model is stationary) in the engine's internal units: multiply by
        ``response.scale`` for original units. Kept exactly as computed, so that the chunks of a
        split batch derive the batch's grid bit for bit (:func:`grid_span`).
    """

    family: Family
    response: ResponseInfo
    hidden: tuple[int, ...]
    M: np.ndarray
    lambdas: np.ndarray
    x_center: np.ndarray
    x_scale: np.ndarray
    groups: list[list[int]]
    penalty_weight: np.ndarray
    selected: np.ndarray
    n_selected: np.ndarray
    n_groups: np.ndarray
    beta: np.ndarray
    a0: np.ndarray
    loss: np.ndarray
    objective: np.ndarray
    deviance: np.ndarray
    null_deviance: np.ndarray
    dev_ratio: np.ndarray
    epochs: np.ndarray
    converged: np.ndarray
    lr: np.ndarray
    states: list[PathState] = field(repr=False)
    timing: dict[str, float] = field(default_factory=dict)
    lambda_max_internal: np.ndarray | None = None

    @property
    def classes(self) -> np.ndarray | None:
        """Class labels of classification families, else None."""
        return self.response.classes

    @property
    def n_models(self) -> int:
        """Number of models ``B`` trained together."""
        return self.selected.shape[0]

    def params(self, index: int, model: int = 0) -> Params:
        """Network parameters of one model at path point ``index`` (batch dimension 1)."""
        t = self.states[index].tensors(model)
        nw = (len(t) - 1) // 2
        return Params(t[0], t[1 : 1 + nw], t[1 + nw :], int(self.response.n_outputs))

    def predict(
        self, X: Any, index: int, model: int = 0, *, offset: Any = None, type: str = "link"
    ) -> np.ndarray:
        """Predictions of one model at one path point.

        Parameters
        ----------
        X : array-like of shape (n, d)
            New inputs, on the original scale.
        index : int
            Path point (0 = dense fit).
        model : int, optional
            Model in the batch.
        offset : array-like, optional
            Offset added to the linear predictor (as at fit time).
        type : {"link", "response"}
            Linear predictor, or mean response (probabilities for classification).

        Returns
        -------
        ndarray of shape (n, n_outputs)
        """
        Xa = check_matrix(X, "X", min_rows=1)
        if Xa.shape[1] != self.x_center.shape[0]:
            raise bad_value(
                "X", f"a matrix with {self.x_center.shape[0]} columns", f"shape {Xa.shape}"
            )
        if not -len(self.lambdas) <= index < len(self.lambdas):
            raise bad_value("index", f"an integer in 0..{len(self.lambdas) - 1}", index)
        p = self.params(index, model)
        Z = torch.tensor((Xa - self.x_center) / self.x_scale, dtype=p.first.dtype)
        with torch.no_grad():
            eta = forward(p, Z)[0].double().numpy()
        if offset is not None:
            eta = (
                eta
                + np.asarray(offset, dtype=np.float64).reshape(eta.shape[0], -1)
                / self.response.scale
            )
        eta = self.response.center + self.response.scale * eta
        if type == "link":
            return eta
        if type == "response":
            return self.family.inverse_link(eta)
        raise bad_value("type", "'link' or 'response'", type)


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


_PER_MODEL_PATH = (
    "selected",
    "n_selected",
    "n_groups",
    "beta",
    "a0",
    "loss",
    "objective",
    "deviance",
    "dev_ratio",
)


def take_models(result: PathResult, idx: Any) -> PathResult:
    """The models ``idx`` of a batch result (same grid), as a result of their own.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 3)); y = X[:, 0]
    >>> res = fit_path(X, y, masks=np.ones((3, 40)), hidden=(4,), lambda_=[0.1, 1.0], seed=0)
    >>> take_models(res, [2, 0]).n_models
    2
    """
    ix = np.asarray(idx, dtype=np.int64)
    ch: dict[str, Any] = {
        k: getattr(result, k)[ix]
        for k in (*_PER_MODEL_PATH, "epochs", "converged", "M", "null_deviance", "lr")
    }
    if result.lambda_max_internal is not None:
        ch["lambda_max_internal"] = result.lambda_max_internal[ix]
    tix = torch.as_tensor(ix)
    ch["states"] = [PathState.compact([t[tix] for t in st]) for st in result.states]
    return replace(result, **ch)


def concat_results(parts: list[PathResult], order: Any = None) -> PathResult:
    """Join the results of the chunks of one batch into the single batch's result.

    A chunk whose path ended earlier (all its models empty) is padded with what the single
    batch holds for a frozen model: its last state repeated, 0 epochs, converged.

    Parameters
    ----------
    parts : list of PathResult
        Chunk results on the same grid (their lambdas are prefixes of the longest one's).
    order : array-like of int, optional
        Position in the joined batch of each model of the concatenated chunks (default:
        chunks in order).

    Returns
    -------
    PathResult

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 4)); y = X[:, 0] + 0.1 * rng.normal(size=60)
    >>> kw = dict(hidden=(4,), seed=0, lambda_=[0.01, 0.1, 1.0])
    >>> a = fit_path(X, y, **kw)
    >>> b = fit_path(X, y, masks=np.arange(60) % 2 == 0, seed_children=[1], **kw)
    >>> concat_results([a, b]).beta.shape[:2]
    (2, 4)
    """
    longest = max(parts, key=lambda r: len(r.lambdas))
    L = len(longest.lambdas)
    for r in parts:
        k = len(r.lambdas)
        if not np.allclose(r.lambdas, longest.lambdas[:k], rtol=1e-12, atol=0):
            raise bad_value(
                "parts", "chunk results on one lambda grid", [len(q.lambdas) for q in parts]
            )

    def pad(a: np.ndarray, fill: Any = None) -> np.ndarray:
        k = a.shape[1]
        if k == L:
            return a
        tail = (
            np.repeat(a[:, -1:], L - k, axis=1)
            if fill is None
            else np.full((a.shape[0], L - k, *a.shape[2:]), fill, dtype=a.dtype)
        )
        return np.concatenate([a, tail], axis=1)

    perm = None
    if order is not None:
        perm = np.argsort(np.asarray(order))

    def cat(arrs: list[np.ndarray]) -> np.ndarray:
        out = np.concatenate(arrs, axis=0)
        return out if perm is None else out[perm]

    changes: dict[str, Any] = {
        name: cat([pad(getattr(r, name)) for r in parts]) for name in _PER_MODEL_PATH
    }
    changes["epochs"] = cat([pad(r.epochs, 0) for r in parts])
    changes["converged"] = cat([pad(r.converged, True) for r in parts])
    for name in ("M", "null_deviance", "lr"):
        changes[name] = cat([getattr(r, name) for r in parts])
    changes["lambda_max_internal"] = (
        None
        if any(r.lambda_max_internal is None for r in parts)
        else cat([np.asarray(r.lambda_max_internal) for r in parts])
    )
    states = []
    for i in range(L):
        ts = [torch.cat(z, 0) for z in zip(*(r.states[min(i, len(r.lambdas) - 1)] for r in parts))]
        states.append(
            PathState.compact(ts if perm is None else [t[torch.as_tensor(perm)] for t in ts])
        )
    changes["states"] = states
    changes["lambdas"] = longest.lambdas
    timing: dict[str, float] = {}
    for r in parts:
        for key, v in r.timing.items():
            timing[key] = timing.get(key, 0.0) + float(v)
    changes["timing"] = timing
    return replace(longest, **changes)


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


def _null_fit(prob: Problem, O: int) -> torch.Tensor:
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


def _null_model(p: Params, prob: Problem, eta0: torch.Tensor) -> Params:
    """``p`` with no inputs (theta = W0 = 0) and the output bias set to the null fit."""
    q = p.clone()
    q.first.zero_()
    const = forward(q, prob.X[:1])[:, 0, :]  # (B, O), the same for every row
    q.biases[-1] = q.biases[-1] - const + eta0
    return q


def _lambda_max(p: Params, prob: Problem, eta0: torch.Tensor) -> torch.Tensor:
    """Smallest lambda at which the input-free model is a fixed point of the prox step (B,)."""
    q = _null_model(p, prob, eta0)
    _, grads = gradients(q, prob, TrainConfig())
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
    tol: float = 1e-2,
    seed: int | None = None,
    device: Any = "cpu",
    dtype: Any = "float32",
    verbose: bool = False,
    seed_children: Any = None,
    phase: str = "full",
    start: PathResult | None = None,
    lambda_span: tuple[float, float] | None = None,
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
        Convergence at each lambda: a model stops when one more epoch would lower its
        objective by less than ``tol / 10`` times the null model's loss (``/ 20`` when
        ``tol < 1e-3``, ``/ 40`` when ``tol < 1e-6``), i.e. less than ``tol / 2`` over five
        epochs (like glmnet, relative to the null deviance). The dense fit stops when its objective
        changed by less than ``min(tol, 1e-3)`` times the null loss over 5 epochs: it is the
        start of the whole path. Use 1e-4 or less for a precise solution at every lambda.
    seed : int, optional
        Makes the fit reproducible; no global random state is used.
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
    phase : {"full", "dense"}
        ``"dense"`` stops after the dense fit: the result holds only ``lambdas = [0]``, the
        dense networks and ``lambda_max_internal`` (the first phase of a split batch).
    start : PathResult, optional
        A ``phase="dense"`` result of the same models and data: its dense networks are taken
        instead of training them again (the second phase of a split batch).
    lambda_span : (float, float), optional
        First and last lambda of the automatic grid, in internal units, instead of the ones
        derived from this batch's ``lambda_max``; a chunk passes the span of the whole batch
        (:func:`grid_span`), so every chunk runs on the batch's grid, bit for bit. Ignored
        with ``lambda_``.

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
    fam = get_family(family)
    hidden_t = check_hidden(hidden)
    dev = check_device(device)
    dt = check_dtype(dtype)
    out_of_core = is_out_of_core(X)
    rows = ChunkedRows(X if out_of_core else check_matrix(X, "X"), dt, dev)
    n, d = rows.shape
    nlambda = int(check_number(nlambda, "nlambda", low=1, integer=True))
    check_number(lambda_min_ratio, "lambda_min_ratio", low=0, high=1, low_open=True, high_open=True)
    for name, val in (("dropout", dropout),):
        check_number(val, name, low=0, high=1, high_open=True)
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
    w = np.ones(n) if weights is None else check_vector(weights, "weights", n, nonneg=True)
    if not w.sum() > 0:
        raise bad_value("weights", "non-negative with a positive sum", weights)
    n_y = len(y) if hasattr(y, "__len__") else None
    if n_y != n:
        raise bad_value("y", f"of length n = {n} (the rows of X)", f"length {n_y}")
    info = fam.prepare(y, w)
    O = info.n_outputs

    if masks is None:
        mk = np.ones((1, n))
    else:
        mk = np.asarray(masks, dtype=np.float64)
        if mk.ndim == 1:
            mk = mk[None, :]
        if mk.ndim != 2 or mk.shape[1] != n or not np.isin(mk, (0.0, 1.0)).all():
            raise bad_value("masks", f"a (B, {n}) array of 0/1 or bool", f"shape {mk.shape}")
        if (mk.sum(1) < 2).any():
            raise bad_value("masks", "at least 2 training rows per model", mk.sum(1).tolist())
    B = mk.shape[0]
    Mv = _check_M(M, B)
    children = _check_children(seed_children, B)
    if phase not in ("full", "dense"):
        raise bad_value("phase", "'full' or 'dense'", phase)
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
    pen_weight = pf * G / pf.sum() * np.sqrt(sizes)

    off = None
    if offset is not None:
        off_a = np.asarray(offset, dtype=np.float64)
        if off_a.ndim == 1:
            off_a = off_a[:, None]
        if off_a.shape not in ((n, 1), (n, O)) or not np.isfinite(off_a).all():
            raise bad_value(
                "offset", f"finite, of shape ({n},) or ({n}, {O})", f"shape {off_a.shape}"
            )
        off_a = off_a / float(info.scale)  # the network works on the scaled response
        off = torch.tensor(np.broadcast_to(off_a, (n, O)), dtype=dt, device=dev)

    # one streaming pass for the column statistics; in memory, the standardised copy is then
    # filled block by block (no float64 temporaries of the whole matrix). Blocks are copied
    # into torch's own (64-byte aligned) memory: a view of a numpy array keeps numpy's
    # alignment, which varies between processes and changes how vectorised kernels round, so
    # a chunk on a Dask worker would not repeat a local run.
    rows.standardize(w, standardize)
    x_center, x_scale = rows.center, rows.scale
    Xs: torch.Tensor | ChunkedRows = rows if out_of_core else rows.materialize()
    wm = mk * w[None, :]
    wm = wm / wm.sum(1, keepdims=True)
    # Randomness: one SeedSequence; model b is initialised from its b-th child, so model 0 of
    # a batch starts exactly like a plain fit with the same seed. No global RNG is touched.
    ss = np.random.SeedSequence(seed)
    gen = torch.Generator(device=dev)
    gen.manual_seed(int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1)))
    prob = Problem(
        X=Xs,
        y=fam.target(info, dt, dev).clone(),
        w=torch.tensor(wm, dtype=dt, device=dev),
        offset=off,
        family=fam,
        pen_weight=torch.as_tensor(pen_weight, dtype=dt, device=dev),
        M=torch.as_tensor(Mv, dtype=dt, device=dev).unsqueeze(-1),
        groups=gi,
        generator=gen,
    )
    cfg = TrainConfig(
        gamma=gamma,
        gamma_skip=gamma_skip,
        dropout=dropout,
        batch_size=batch_size,
        lr_dense=lr,
        max_epochs_dense=max_epochs_dense,
        max_epochs=max_epochs,
        tol=tol,
        tol_dense=min(tol, 1e-3),
        # a tight tolerance needs a longer window to measure a slow decrease
        check_every=5 if tol >= 1e-3 else (10 if tol >= 1e-6 else 20),
        sync_every=_sync_every(dev),
    )
    eta0 = _null_fit(prob, O)
    with torch.no_grad():
        prob.null_loss = fam.loss(
            eta0.unsqueeze(1).expand(-1, n, -1) + (off if off is not None else 0), prob.y, prob.w
        )
    scale = float(info.scale)
    user_lam = None if lambda_ is None else check_lambda_seq(lambda_) / scale
    bar = Progress(1 + (nlambda if user_lam is None else len(user_lam)), "path", verbose)
    if start is None:
        inits = []
        for c in children:
            # child c of SeedSequence(seed), as ss.spawn() would make it
            child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, int(c)))
            g = torch.Generator().manual_seed(
                int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))
            )
            inits.append(init_params(1, d, hidden_t, O, generator=g, dtype=dt, device=dev))
        p = inits[0].like([torch.cat(ts, 0) for ts in zip(*(q.tensors() for q in inits))])
        with torch.no_grad():
            (eta_sum,) = summed_over_rows(p, prob, [lambda eta, y, w: eta.sum(1)], offset=False)
            p.biases[-1] = p.biases[-1] + eta0 - eta_sum / n
        bar.update(0, "dense fit")
        p, dense_epochs = train_dense(p, prob, cfg)
        bar.update(1, "dense fit done")
    else:
        nw = len(hidden_t)
        ts = [t.to(dtype=dt, device=dev).clone() for t in start.states[0].tensors()]
        p = Params(ts[0], ts[1 : 1 + nw], ts[1 + nw :], O)
        dense_epochs = torch.as_tensor(start.epochs[:, 0], dtype=torch.long, device=dev)
        bar.update(1, "dense fit given")
    t_dense = time.perf_counter() - t0

    with torch.no_grad():
        null_dev = prob.family.deviance(
            eta0.unsqueeze(1).expand(-1, n, -1) + (off if off is not None else 0), prob.y, prob.w
        )
    lmax_models = _lambda_max(p, prob, eta0)
    ones = torch.ones(B, dtype=torch.bool, device=dev)

    def collect(records: list, lr: torch.Tensor, t_path: float) -> PathResult:
        return _collect(
            records,
            fam,
            info,
            hidden_t,
            Mv,
            x_center,
            x_scale,
            gi,
            d,
            pen_weight,
            prob,
            cfg,
            null_dev,
            lr,
            {"dense": t_dense, "path": t_path, "total": time.perf_counter() - t0},
            lmax_models,
        )

    if phase == "dense":
        bar.close()
        nan = torch.full((B,), float("nan"), dtype=torch.float64)
        return collect([(0.0, PathState.compact(p.tensors()), dense_epochs, ones)], nan, 0.0)
    if user_lam is None:
        if span is None:
            first, top = _span(float(lmax_models.max()), float(Mv.max()), lambda_min_ratio)
        else:
            first, top = span
        grid = list(np.geomspace(first, top, nlambda)) if nlambda > 1 else [top]
        ratio = (top / first) ** (1.0 / max(nlambda - 1, 1))
    else:
        grid = [float(v) for v in user_lam if v > 0]
        ratio = None
    # Step size: 1/L at the dense fit is only a start. The curvature grows towards the
    # input-free model, and the trainer halves a model's step whenever a lambda diverges, so
    # the step adapts along the path (the null model's 1/L, up to 30x smaller on MICE, would
    # make every earlier lambda crawl).
    lr_path = step_size(p, prob, cfg)
    state = LambdaState(prev=[t.clone() for t in p.tensors()], lr=lr_path)

    records: list[tuple[float, PathState, torch.Tensor, torch.Tensor]] = []
    # states leave the device at once, compact (dead columns dropped): at d = 5000, K = 1000
    # a full copy per lambda would be 20 MB each
    records.append((0.0, PathState.compact(p.tensors()), dense_epochs, ones))
    penalised = torch.as_tensor(pen_weight > 0, device=dev)
    alive = ones.clone()
    k = 0
    extra = 0
    while k < len(grid):
        lam = grid[k]
        p, ep, conv = train_lambda(p, prob, cfg, lam, state, alive)
        records.append((lam, PathState.compact(p.tensors()), ep, conv))
        gn = group_norms(p, gi)
        alive = ((gn > 0) & penalised).any(-1)
        n_sel = int((gn > 0).sum(-1).max())
        bar.update(1, f"lambda={lam * scale:.3g} max features={n_sel}")
        k += 1
        if not bool(alive.any()):
            break
        if k == len(grid) and ratio is not None and extra < 100:
            grid.append(grid[-1] * ratio)
            extra += 1
            bar.set_total(bar.total + 1)
    bar.set_total(bar.n)
    bar.close()
    return collect(records, lr_path, time.perf_counter() - t0 - t_dense)


def _collect(
    records,
    fam,
    info,
    hidden,
    Mv,
    x_center,
    x_scale,
    gi,
    d,
    pen_weight,
    prob,
    cfg,
    null_dev,
    lr_path,
    timing,
    lambda_max,
) -> PathResult:
    scale = float(info.scale)
    lambdas = np.array([r[0] for r in records]) * scale
    sel, ngr, beta, a0, loss, obj, devi, epochs, conv, states = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    dev = prob.w.device
    B = prob.w.shape[0]
    nw = len(hidden)
    O = int(info.n_outputs)
    K = int(records[0][1].first.shape[1]) - O
    # the records are evaluated in stacks of R path points (R * B models in one forward pass):
    # one GEMM instead of a loop over lambdas; R bounded so activations stay under ~64 MiB
    n_rows = prob.w.shape[1] if isinstance(prob.X, torch.Tensor) else prob.X.chunk_rows
    R = max(1, min(len(records), (1 << 24) // max(1, B * (K + O) * n_rows)))
    with torch.no_grad():
        for r0 in range(0, len(records), R):
            part = records[r0 : r0 + R]
            ts = [
                x.to(dev) for x in (torch.cat(z, 0) for z in zip(*(r[1].tensors() for r in part)))
            ]
            p = Params(ts[0], ts[1 : 1 + nw], ts[1 + nw :], O)
            Rb = len(part)
            lam_v = torch.tensor([r[0] for r in part], dtype=p.first.dtype, device=dev)
            th_all = p.theta.double().cpu().numpy().reshape(Rb, B, O, d)
            ng_all = (group_norms(p, gi) > 0).sum(-1).cpu().numpy().reshape(Rb, B)
            q = p.clone()
            q.theta.zero_()
            mlp0 = forward(q, torch.zeros(1, d, dtype=p.first.dtype, device=dev))[:, 0, :]
            mlp0_all = mlp0.double().cpu().numpy().reshape(Rb, B, O)
            # one pass gives the loss and the deviance of every model at every point
            prob_r = _sub_problem(prob, torch.arange(B, device=dev).repeat(Rb))
            lo, dv = (v.view(Rb, B) for v in summed_over_rows(p, prob_r, [fam.loss, fam.deviance]))
            pe = (group_norms(p, gi) * prob.pen_weight).sum(-1).view(Rb, B)
            ob = lo + lam_v.unsqueeze(-1) * pe
            for i, (_, st, ep, cv) in enumerate(part):
                th = th_all[i]  # (B, O, d)
                sel.append(np.linalg.norm(th, axis=1) > 0)
                ngr.append(ng_all[i])
                beta.append(scale * th / x_scale)
                a0.append(info.center + scale * (mlp0_all[i] - th @ (x_center / x_scale)))
                loss.append(scale**2 * lo[i].double().cpu().numpy())
                obj.append(scale**2 * ob[i].double().cpu().numpy())
                devi.append(scale**2 * dv[i].double().cpu().numpy())
                epochs.append(ep.cpu().numpy())
                conv.append(cv.cpu().numpy())
                states.append(st)
    nd = scale**2 * null_dev.double().cpu().numpy()
    devi_a = np.stack(devi, 1)
    members = gi.members if gi is not None else [[j] for j in range(d)]
    return PathResult(
        family=fam,
        response=info,
        hidden=hidden,
        M=Mv,
        lambdas=lambdas,
        x_center=x_center,
        x_scale=x_scale,
        groups=members,
        penalty_weight=pen_weight,
        selected=np.stack(sel, 1),
        n_selected=np.stack(sel, 1).sum(-1),
        n_groups=np.stack(ngr, 1),
        beta=np.stack(beta, 1),
        a0=np.stack(a0, 1),
        loss=np.stack(loss, 1),
        objective=np.stack(obj, 1),
        deviance=devi_a,
        null_deviance=nd,
        dev_ratio=1 - devi_a / nd[:, None],
        epochs=np.stack(epochs, 1),
        converged=np.stack(conv, 1),
        lr=lr_path.double().cpu().numpy(),
        states=states,
        timing=timing,
        lambda_max_internal=lambda_max.double().cpu().numpy(),
    )
