"""What :func:`lassonetpy.engine.fit_path` returns (:class:`PathResult`), and how the results
of a batch's chunks are joined (:func:`concat_results`) or a batch is cut (:func:`take_models`)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from ..errors import ConvergenceWarning, bad_value
from ..families import Family, ResponseInfo
from .checks import check_matrix
from .network import Params, forward, stored_params
from .states import PathState

__all__ = ["PathResult", "take_models", "concat_results", "warn_unconverged"]


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
        Epochs used at each lambda (at ``L = 0`` the dense fit's); ``converged`` tells whether
        the stopping test of ``tol`` was met before ``max_epochs`` (a model with no feature
        left, which stops training, counts as converged).
    residual : ndarray of shape (B, L)
        Relative KKT residual at the last epoch of each lambda: the norm of the
        proximal-gradient step per unit step size, or the largest violation of a zero
        feature's optimality condition if larger, over the norm of the loss gradient at the
        null model (:mod:`lassonetpy.engine.stopping`). NaN where the model did not train.
        With dropout or mini-batches: the last relative change of the objective.
    gap : ndarray of shape (B, L)
        Relative duality gap at the last epoch where one is computed (convex models: ``M =
        0``), else NaN: the penalised objective is within ``gap`` times (objective minus the
        saturated loss) of its minimum.
    threads : int
        Torch threads the fit ran with.
    lr : ndarray of shape (B,)
        Path step size of each model (NaN in a ``phase="dense"`` result).
    states : list of PathState
        Network parameters of every model at each path point, with the input columns that
        are zero in every model left out (:class:`lassonetpy.engine.states.PathState`; indexing it
        gives the full tensors). Use :meth:`params` for one model.
    body : BodyNetwork or None
        The adaptor of a user's module (``fit_path(..., body=)``, :mod:`lassonetpy.engine.body`);
        its states then hold the module's parameters (and batch-norm statistics).
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
    residual: np.ndarray | None = None
    gap: np.ndarray | None = None
    threads: int = 1
    body: Any = field(default=None, repr=False)  # engine/body.py: a user's module, or None

    def unconverged(self, model: int = 0) -> np.ndarray:
        """Indices of the path points (0 = dense fit) where ``model`` did not converge."""
        return np.flatnonzero(~np.asarray(self.converged[model], dtype=bool))

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
        return stored_params(t, int(self.response.n_outputs), self.body)

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
        osc = self.response.output_scale
        eta = self.response.center + self.response.scale * (eta if osc is None else osc * eta)
        if type == "link":
            return eta
        if type == "response":
            return self.family.inverse_link(eta)
        raise bad_value("type", "'link' or 'response'", type)


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
    >>> from lassonetpy.engine import fit_path
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
    for k in ("residual", "gap"):
        if getattr(result, k) is not None:
            ch[k] = getattr(result, k)[ix]
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
    >>> from lassonetpy.engine import fit_path
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
    for name in ("residual", "gap"):
        arrs = [getattr(r, name) for r in parts]
        changes[name] = (
            None if any(a is None for a in arrs) else cat([pad(a, np.nan) for a in arrs])
        )
    changes["threads"] = max(r.threads for r in parts)
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


def warn_unconverged(
    result: PathResult, what: str = "model", stacklevel: int = 2, max_epochs: int | None = None
) -> None:
    """A :class:`~lassonetpy.errors.ConvergenceWarning` listing the path points where the
    stopping test was not met (glmnet's "convergence for kth lambda value not reached").

    Parameters
    ----------
    result : PathResult
        A fitted batch.
    what : str
        How to call the models in the message (e.g. ``"fold"``).
    stacklevel : int
        Passed to :func:`warnings.warn`.
    max_epochs : int, optional
        The epoch limit, quoted in the message.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from lassonetpy.engine import fit_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(80, 3)); y = X[:, 0] + 0.1 * rng.normal(size=80)
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     res = fit_path(X, y, hidden=(4,), nlambda=5, max_epochs=1, seed=0)
    >>> "not reached" in str(w[-1].message)
    True
    """
    bad = ~np.asarray(result.converged, dtype=bool)
    if not bad.any():
        return
    L = bad.shape[1]
    parts = []
    for b in np.flatnonzero(bad.any(1)):
        idx = np.flatnonzero(bad[b])
        shown = ", ".join(str(i) for i in idx[:12]) + (", ..." if len(idx) > 12 else "")
        head = f"{what} {b}: " if bad.shape[0] > 1 else ""
        parts.append(f"{head}{len(idx)} of {L} (path indices {shown})")
    limit = f"max_epochs={max_epochs}" if max_epochs is not None else "the epoch limit"
    models = "; ".join(parts[:5]) + (f"; and {len(parts) - 5} more" if len(parts) > 5 else "")
    warnings.warn(
        f"Convergence not reached within {limit} at {models} (index 0 is the dense fit). "
        "Those fits did not meet the optimality test of `tol` (see `converged`, `residual`, "
        "`gap`); raise `max_epochs` or loosen `tol`.",
        ConvergenceWarning,
        stacklevel=stacklevel + 1,
    )
