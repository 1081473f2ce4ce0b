r"""Cox measures for cross-validation and test sets, as glmnet's ``cv.coxnet`` (numpy only).

``"deviance"`` (the default, glmnet's "Partial Likelihood Deviance"), per fold ``k`` in the
*grouped* form of ``cv.glmnet`` (``buildPredmat.coxnetlist``): with ``beta_{-k}`` the fit
without fold ``k``,

.. math:: e_k = \frac{D_{\text{all rows}}(\beta_{-k}) - D_{\text{rows not in } k}(\beta_{-k})}
                     {\sum_{i \in k} w_i d_i},

``D`` the total partial-likelihood deviance (weights rescaled to mean 1 on the rows it
covers). A fold with few events still counts: its rows enter the risk sets of the others.
Folds are weighted by their events (``sum w_i d_i``) in ``cvm``.

``"C"``: Harrell's C-index of the fold's rows under ``beta_{-k}`` (pairs within a stratum),
folds weighted by ``sum w_i``; larger is better.

A fold without an event has no defined error: it gets NaN and weight 0 (left out of
``cvm``), and is reported so that the caller can warn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ResponseError, bad_value
from ..survival import RiskSets, concordance_index, cox_deviance
from .measure_compute import _as_float, _check_weights, _Text

__all__ = ["COX_MEASURES", "cox_fold_errors", "cox_assess", "cox_compute"]

#: Valid ``type_measure`` values for family "cox", default first (glmnet's).
COX_MEASURES = ("deviance", "C")


def cox_fold_errors(
    measure: str,
    time: Any,
    status: Any,
    strata: Any,
    links: Any,
    foldid: Any,
    weights: Any = None,
    ties: str = "efron",
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Error of every fold at every lambda for a Cox CV.

    Parameters
    ----------
    measure : {"deviance", "C"}
    time, status, strata : array-like of shape (n,)
        The response of all rows (strata as codes; zeros without strata).
    links : array-like of shape (K, L, n)
        Linear predictors on **all** rows of the model fitted without fold ``k``, at every
        lambda.
    foldid : array-like of int, shape (n,)
        Fold labels ``1..K``.
    weights : array-like of shape (n,), optional
    ties : {"efron", "breslow"}
        As in the fit.

    Returns
    -------
    (ndarray (K, L), ndarray (K,), list of int)
        Fold errors, fold weights for ``cvm`` and the folds (1-based) without an event.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(1.0, 13.0); d = np.ones(12); f = np.tile([1, 2, 3], 4)
    >>> eta = -np.tile(np.arange(12.0), (3, 1, 1)) / 4
    >>> errs, fw, empty = cox_fold_errors("C", t, d, np.zeros(12), eta, f)
    >>> errs.ravel().tolist(), fw.tolist(), empty
    ([1.0, 1.0, 1.0], [4.0, 4.0, 4.0], [])
    """
    if measure not in COX_MEASURES:
        raise bad_value("measure", f"one of {COX_MEASURES} for family 'cox'", measure)
    t = np.asarray(time, dtype=np.float64)
    d = np.asarray(status, dtype=np.float64)
    g = np.asarray(strata, dtype=np.int64)
    E = np.asarray(links, dtype=np.float64)
    fid = np.asarray(foldid, dtype=np.int64)
    n = t.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    K, L = E.shape[0], E.shape[1]
    errs = np.full((K, L), np.nan)
    fw = np.zeros(K)
    empty: list[int] = []
    rs = RiskSets.build(t, d, g) if measure == "deviance" else None
    for k in range(K):
        rows = fid == k + 1
        events = float((w[rows] * d[rows]).sum())
        if events <= 0:
            empty.append(k + 1)
            continue
        if measure == "deviance":
            assert rs is not None
            full = cox_deviance(E[k], rs, w, ties, total=True)
            train = cox_deviance(E[k], rs, np.where(rows, 0.0, w), ties, total=True)
            errs[k] = (np.asarray(full) - np.asarray(train)) / events
            fw[k] = events
        else:
            errs[k] = concordance_index(t[rows], d[rows], E[k][:, rows], w[rows], g[rows])
            fw[k] = w[rows].sum()
    return errs, fw, empty


def cox_assess(
    time: Any,
    status: Any,
    strata: Any,
    links: Any,
    weights: Any = None,
    ties: str = "efron",
) -> dict[str, np.ndarray]:
    """Cox measures on a test set, like glmnet's ``assess.glmnet`` for ``"cox"``.

    Parameters
    ----------
    time, status, strata : array-like of shape (n,)
        The test response (strata as codes).
    links : array-like of shape (L, n)
        Linear predictors of the test rows, one row per fit.
    weights : array-like of shape (n,), optional
    ties : {"efron", "breslow"}

    Returns
    -------
    dict
        ``"deviance"``: the partial-likelihood deviance of the test rows per observation
        (glmnet reports the total, ``n`` times this); ``"C"``: Harrell's C-index. Arrays (L,).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([1.0, 2.0, 3.0]); d = np.array([1.0, 1.0, 0.0])
    >>> res = cox_assess(t, d, np.zeros(3), np.array([[2.0, 1.0, 0.0]]))
    >>> float(res["C"][0])
    1.0
    """
    t = np.asarray(time, dtype=np.float64)
    d = np.asarray(status, dtype=np.float64)
    g = np.asarray(strata, dtype=np.int64)
    E = np.atleast_2d(np.asarray(links, dtype=np.float64))
    if not (d > 0).any():
        nan = np.full(E.shape[0], np.nan)
        return {"deviance": nan, "C": nan.copy()}
    rs = RiskSets.build(t, d, g)
    return {
        "deviance": np.asarray(cox_deviance(E, rs, weights, ties)),
        "C": np.asarray(concordance_index(t, d, E, weights, g)),
    }


def cox_compute(m: str, family: Any, y: Any, pred: Any, weights: Any) -> float | np.ndarray:
    """:func:`lassonetpy.report.measures.compute` for family "cox".

    ``y`` is (n, 2) or (n, 3) ``[time, status(, stratum code)]``, ``pred`` the relative risks
    ``exp(link)`` (one fit (n,) or several (L, n)); the tie method is the family object's.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[1.0, 1], [2.0, 1], [3.0, 0]])
    >>> cox_compute("C", "cox", y, np.array([3.0, 2.0, 1.0]), None)
    1.0
    """
    yy = _as_float(y, "y")
    if yy.ndim != 2 or yy.shape[1] not in (2, 3):
        raise bad_value(
            "y",
            "an (n, 2) or (n, 3) array [time, status(, stratum code)] for family 'cox'",
            _Text(f"shape {yy.shape}"),
            cls=ResponseError,
        )
    rr = _as_float(pred, "pred")
    single = rr.ndim == 1
    rr = np.atleast_2d(rr)
    if rr.ndim != 2 or rr.shape[1] != yy.shape[0] or not (rr[np.isfinite(rr)] > 0).all():
        raise bad_value(
            "pred",
            f"relative risks > 0 (the response scale, exp(link)), (n,) or (L, n), n = {len(yy)}",
            _Text(f"shape {rr.shape}"),
        )
    strata = yy[:, 2] if yy.shape[1] == 3 else np.zeros(len(yy))
    w = _check_weights(weights, yy.shape[0])
    with np.errstate(divide="ignore"):
        links = np.log(rr)
    ties = getattr(family, "ties", "efron")
    vals = cox_assess(yy[:, 0], yy[:, 1], strata, links, w, ties)[m]
    return float(vals[0]) if single else vals
