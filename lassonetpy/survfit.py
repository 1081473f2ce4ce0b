"""Cox fits in the front ends: the Breslow baseline hazard of every path point (computed once
when the path is built), the cross-validation of Cox paths (glmnet's ``cv.coxnet``), test-set
measures, and survival curves beside Kaplan-Meier (:func:`plot_survival`).

:func:`lassonetpy.lassonet`, :mod:`lassonetpy.cv` and :func:`lassonetpy.assess` call these
helpers; the arithmetic is in :mod:`lassonetpy.survival` and
:mod:`lassonetpy.report.cox_measures`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .engine import PathResult
from .errors import LassoNetWarning, bad_value
from .formula.newdata import (
    _link,
    _newoffset,
    _newx,
    _strata_of,
    resolve,
    response_of,
    survival_curves,
)
from .report.cox_measures import cox_assess, cox_fold_errors
from .report.survival_plot import kaplan_meier, plot_curves
from .survival import BaselineHazard, RiskSets, as_surv, breslow_baseline

__all__ = [
    "is_cox",
    "training_links",
    "baseline_of",
    "cox_cv_errors",
    "check_cox_folds",
    "assess_cox",
    "plot_survival",
]


def is_cox(family: Any) -> bool:
    """A Cox family (by its registry name; front ends only)."""
    return getattr(family, "name", family) == "cox"


def training_links(X: np.ndarray, offset: Any, result: PathResult, model: int) -> np.ndarray:
    """Linear predictor of model ``model`` on ``X`` at every path point, (L, n).

    Without the intercept (``a0``): the Cox link is defined up to a constant, and
    predictions leave it out (at ``M = 0`` it is ``x @ beta``, as in glmnet).
    """
    L = len(result.lambdas)
    out = np.empty((L, X.shape[0]))
    for i in range(L):
        out[i] = result.predict(X, i, model, offset=offset)[:, 0] - result.a0[model, i, 0]
    return out


def baseline_of(prepared: Any, result: PathResult, model: int = 0) -> BaselineHazard | None:
    """Breslow's baseline cumulative hazard at every path point of a Cox fit (else None)."""
    if not is_cox(result.family):
        return None
    r = as_surv(prepared.y)
    eta = training_links(prepared.X, prepared.offset, result, model)
    rs = RiskSets.build(r.time, r.status, r.strata)
    return breslow_baseline(eta, rs, prepared.weights, levels=r.levels)


def check_cox_folds(status: np.ndarray, foldid: np.ndarray, weights: Any) -> None:
    """Every fold's training rows must hold an event (else its model has nothing to fit)."""
    w = np.ones(status.shape[0]) if weights is None else np.asarray(weights)
    ev = (status > 0) & (w > 0)
    bad = [k for k in range(1, int(foldid.max()) + 1) if not ev[foldid != k].any()]
    if bad:
        raise bad_value(
            "foldid",
            "folds whose training rows (the other folds) hold at least one event",
            f"fold(s) {bad} leaving no event to train on",
            "Use fewer folds.",
        )


def cox_cv_errors(
    measure: str, prepared: Any, result: PathResult, foldid: np.ndarray, ties: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fold errors (K, L), fold weights (K,) and out-of-fold links (L, n) of a Cox CV batch.

    Model ``k`` (1..K) of ``result`` is the fit without fold ``k``. The deviance needs each
    fold model's links on *all* rows (glmnet's grouped partial-likelihood deviance); the C-index
    only those of its fold. Folds without an event get NaN (left out of ``cvm``) and a warning.
    """
    K = int(foldid.max())
    r = as_surv(prepared.y)
    links = np.stack(
        [training_links(prepared.X, prepared.offset, result, k) for k in range(1, K + 1)]
    )
    errs, fw, empty = cox_fold_errors(
        measure, r.time, r.status, r.strata, links, foldid, prepared.weights, ties
    )
    if empty:
        warnings.warn(
            f"Fold(s) {empty} hold no event: the partial likelihood and the C-index are "
            "undefined there, so they are left out of cvm (as in glmnet). Folds stratified on "
            "status avoid this; use fewer folds.",
            LassoNetWarning,
            stacklevel=3,
        )
    oof = np.empty(links.shape[1:])
    for k in range(K):
        rows = foldid == k + 1
        oof[:, rows] = links[k][:, rows]
    return errs, fw, oof


def _surv_of(path: Any, newdata: Any, newy: Any, newstrata: Any, n: int) -> Any:
    """The survival response of the new rows (strata from the formula or ``newstrata``)."""
    y = response_of(path, newdata, newy)
    st = newstrata
    if st is None and path.design is not None:
        st = path.design.strata(newdata)
    if getattr(y, "columns", None) is not None and "strata" in y.columns:
        st = None  # already in the response
    r = as_surv(y, strata=st, arg="newy")
    if r.time.shape[0] != n:
        raise bad_value("newy", f"one row per row of `newdata` ({n})", f"{r.time.shape[0]} rows")
    return r


def assess_cox(
    path: Any,
    newdata: Any,
    s: Any,
    newy: Any,
    weights: Any,
    newoffset: Any,
    newstrata: Any,
) -> tuple[list[int], bool, dict[str, np.ndarray]]:
    """:func:`lassonetpy.assess` for a cox fit: indices, scalar flag, ``{deviance, C}``."""
    idx, scalar = resolve(path, s, None)
    X, _ = _newx(path, newdata)
    off = _newoffset(path, newoffset, newdata, X.shape[0])
    links = np.stack([_link(path, X, i, off)[:, 0] for i in idx])
    r = _surv_of(path, newdata, newy, newstrata, X.shape[0])
    ties = path._result.family.ties
    return idx, scalar, cox_assess(r.time, r.status, r.strata, links, weights, ties)


def plot_survival(
    fit: Any,
    newdata: Any,
    s: Any = None,
    groups: Any = None,
    km: bool = True,
    newoffset: Any = None,
    newstrata: Any = None,
    newy: Any = None,
    ax: Any = None,
) -> Any:
    """Predicted survival curves of a cox fit beside the Kaplan-Meier curves of the same rows.

    Parameters
    ----------
    fit : LassoNetPath or CVLassoNet
        A cox fit.
    newdata : pandas.DataFrame or array-like
        The rows (formula fits: a frame, with the response when ``km``).
    s : float or str, optional
        One fit: a lambda (snaps to the path), or for a CVLassoNet ``"lambda_min"`` (its
        default) / ``"lambda_1se"``; for a path the default is the dense fit (``s=0``).
    groups : array-like, optional
        A label per row: one curve per group, the mean of its rows' predicted survival
        curves (the "direct adjusted" curve), beside its Kaplan-Meier curve (statsmodels'
        ``SurvfuncRight``), in the same colour. Default: one predicted curve per row (slice
        ``newdata`` to choose them) and the Kaplan-Meier curve of all rows.
    km : bool
        Draw the Kaplan-Meier curves (dashed).
    newoffset, newstrata : optional
        As in :meth:`LassoNetPath.predict`.
    newy : array-like, optional
        The survival response of the rows, for array fits.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from lassonetpy import lassonet, plot_survival
    >>> from lassonetpy.datasets import load_veteran
    >>> df = load_veteran()
    >>> fit = lassonet("Surv(time, status) ~ .", df, family="cox", hidden=(8,),
    ...                nlambda=5, seed=0, verbose=False)
    >>> ax = plot_survival(fit, df, groups=df["celltype"])
    >>> len(ax.lines)  # a predicted and a Kaplan-Meier curve per cell type
    8
    """
    path = getattr(fit, "path", fit)
    if hasattr(fit, "_s"):
        s = fit._s("lambda_min" if s is None else s)
    s = 0 if s is None else s
    if getattr(path, "baseline", None) is None:
        raise bad_value("fit", "a cox fit", f"family {getattr(path, 'family', fit)!r}")
    idx, scalar = resolve(path, s, None)
    if not scalar:
        raise bad_value("s", "one lambda (one fit)", s)
    base = path.baseline
    X, _ = _newx(path, newdata)
    n = X.shape[0]
    r = _surv_of(path, newdata, newy, newstrata, n) if km else None
    grid = np.unique(np.concatenate([[0.0], base.time]))
    if r is not None:
        grid = grid[grid <= r.time.max()]
    off = _newoffset(path, newoffset, newdata, n)
    codes = _strata_of(path, newdata, newstrata, n)
    S = survival_curves(path, X, idx[0], off, grid, codes)  # (n, T)
    if groups is None:
        labels, member = (
            [f"row {k}" for k in range(n)],
            np.arange(n)[None, :] == np.arange(n)[:, None],
        )
        km_sets = [np.ones(n, dtype=bool)] if r is not None else []
        km_labels = ["all rows"]
    else:
        g = np.asarray(groups, dtype=object)
        if g.shape != (n,):
            raise bad_value("groups", f"one label per row of `newdata` ({n})", f"shape {g.shape}")
        cats = getattr(getattr(groups, "cat", None), "categories", None)
        levels = [c for c in cats if (g == c).any()] if cats is not None else list(dict.fromkeys(g))
        labels = [str(v) for v in levels]
        member = np.stack([g == v for v in levels])
        km_sets = list(member) if r is not None else []
        km_labels = labels
    curves = np.stack([S[m].mean(0) for m in member])
    kms = []
    if r is not None:
        for m in km_sets:
            kms.append(kaplan_meier(r.time[m], r.status[m]))
    title = f"s{idx[0]} (lambda = {path.lambdas[idx[0]]:.4g})"
    return plot_curves(grid, curves, labels, kms, km_labels, title=title, ax=ax)
