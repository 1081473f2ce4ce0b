r"""Cross-validation arithmetic that needs no network: folds, per-fold errors, cvm/cvsd, 1-SE rule.

Pure numpy (no torch). The pieces follow ``cv.glmnet``:

1. :func:`make_folds` / :func:`check_foldid`: fold labels ``1..K`` per observation
   (glmnet's ``foldid``), random or stratified by class, from ``numpy.random.default_rng(seed)``
   (in :mod:`lassonetpy.report.folds`, re-exported here with :func:`fold_weight_sums`).
2. :func:`fold_errors`: from out-of-fold predictions at every lambda, the weighted mean error
   of each fold (glmnet's ``cvcompute``, ``grouped=TRUE``), or the AUC of each fold.
3. :func:`cv_summary`: ``cvm``, ``cvsd``, ``cvup``, ``cvlo`` over folds (glmnet's ``cvstats``).
4. :func:`choose_lambda`: ``lambda_min`` and ``lambda_1se`` (glmnet's ``getOptcv.glmnet``), for
   LassoNet's *increasing* lambda order (index 0 is the dense fit, lambda 0).

Examples
--------
The whole chain on a made-up gaussian problem with three lambdas:

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> y = rng.normal(size=30)
>>> foldid = make_folds(30, 5, seed=1)
>>> preds = np.stack([y + rng.normal(scale=s, size=30) for s in (0.5, 0.3, 1.0)])
>>> errs = fold_errors("mse", y, preds, foldid, None, "gaussian")
>>> errs.shape
(5, 3)
>>> stats = cv_summary(errs, fold_weight_sums(foldid))
>>> choice = choose_lambda([0.0, 0.1, 0.5], stats.cvm, stats.cvsd)
>>> choice.index_min
1
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np

from ..errors import InputError, LassoNetWarning, bad_value
from .folds import check_foldid, fold_weight_sums, make_folds
from .measure_compute import _auc_1d, _check_inputs, _check_weights, _pointwise, _Text
from .measure_registry import check_measure, family_name

__all__ = [
    "make_folds",
    "check_foldid",
    "fold_weight_sums",
    "fold_errors",
    "cv_summary",
    "choose_lambda",
    "CVStats",
    "LambdaChoice",
]


class CVStats(NamedTuple):
    """Summary of a CV curve over lambdas, every field of shape (L,).

    Attributes
    ----------
    cvm : numpy.ndarray
        Weighted mean of the fold errors.
    cvsd : numpy.ndarray
        Estimated standard error of ``cvm``.
    cvup, cvlo : numpy.ndarray
        ``cvm + cvsd`` and ``cvm - cvsd``.
    """

    cvm: np.ndarray
    cvsd: np.ndarray
    cvup: np.ndarray
    cvlo: np.ndarray


class LambdaChoice(NamedTuple):
    """The lambdas chosen by CV and their 0-based positions in the lambda sequence.

    Attributes
    ----------
    lambda_min : float
        The largest lambda attaining the best ``cvm``.
    lambda_1se : float
        The largest lambda whose ``cvm`` is within one SE of the best (``>= lambda_min``).
    index_min, index_1se : int
        0-based indices of those lambdas (glmnet's ``index``, which is 1-based).
    """

    lambda_min: float
    lambda_1se: float
    index_min: int
    index_1se: int


# --------------------------------------------------------------------------------------------
# per-fold errors
# --------------------------------------------------------------------------------------------
def fold_errors(
    measure: str, y: Any, preds_by_lambda: Any, foldid: Any, weights: Any, family: Any
) -> np.ndarray:
    """Error of every fold at every lambda, from out-of-fold predictions.

    For a per-observation measure (deviance, mse, mae, class) a fold's error is the weighted
    mean over its observations (glmnet's ``cvcompute``); for ``"auc"`` it is the AUC of the
    fold's observations (glmnet's ``cv.lognet``).

    Parameters
    ----------
    measure : str
        A measure valid for ``family`` (see :func:`lassonetpy.report.measures.measures_for`).
    y : array_like
        Encoded response of all ``n`` observations: (n,) (class codes for binomial /
        multinomial), (n, q) for mgaussian.
    preds_by_lambda : array_like, shape (L, n) or (L, n, C) / (L, n, q)
        Out-of-fold predictions on the response scale: row ``i`` at lambda ``l`` comes from the
        model trained without the fold of ``i``. A fold whose path stopped before lambda ``l``
        should have NaN there (see :func:`cv_summary`).
    foldid : array_like of int, shape (n,)
        Fold labels (any integers; renumbered ``1..K`` by :func:`check_foldid`).
    weights : array_like, shape (n,) or None
        Observation weights (None = all 1).
    family : str or Family

    Returns
    -------
    numpy.ndarray, shape (K, L)
        Row ``k`` is fold ``k + 1``. NaN where any prediction of the fold is NaN, and for AUC
        in a fold holding a single class (a warning says so).

    Examples
    --------
    >>> y = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    >>> preds = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 7.0],
    ...                   [2.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    >>> fold_errors("mse", y, preds, [1, 1, 2, 2, 3, 3], None, "gaussian")
    array([[0. , 0.5],
           [0. , 0. ],
           [0.5, 0. ]])
    """
    fam = family_name(family)
    m = check_measure(measure, fam, arg="measure")
    yy, pp, _ = _check_inputs(fam, y, preds_by_lambda, pred_name="preds_by_lambda")
    n = yy.shape[0]
    fid = check_foldid(foldid, n)
    K = int(fid.max())
    w = _check_weights(weights, n)
    L = pp.shape[0]
    if m == "auc":
        out = np.full((K, L), np.nan)
        single = []
        for k in range(K):
            rows = fid == k + 1
            yk, wk = yy[rows], w[rows]
            if np.unique(yk[wk > 0]).size < 2:
                single.append(k + 1)
                continue
            for j in range(L):
                out[k, j] = _auc_1d(yk, pp[j, rows], wk)
        if single:
            warnings.warn(
                f"AUC is undefined in fold(s) {single}: only one class there; those folds are "
                "left out of cvm. Use stratified folds (make_folds(..., y_codes=y)), fewer "
                "folds, or type_measure='deviance'.",
                LassoNetWarning,
                stacklevel=2,
            )
        return out
    E = _pointwise(m, fam, yy, pp)  # (L, n)
    onehot = np.zeros((n, K))
    onehot[np.arange(n), fid - 1] = 1.0
    nan = np.isnan(E)
    Ew = np.where(w > 0, np.where(nan, 0.0, E) * w, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (Ew @ onehot) / (w @ onehot)
    out[(nan.astype(np.float64) @ onehot) > 0] = np.nan
    return out.T.copy()


# --------------------------------------------------------------------------------------------
# cvm, cvsd
# --------------------------------------------------------------------------------------------
def _carry_forward(E: np.ndarray) -> np.ndarray:
    """Replace each NaN by the last non-NaN value to its left in the same row."""
    L = E.shape[1]
    idx = np.where(np.isnan(E), 0, np.arange(L)[None, :])
    np.maximum.accumulate(idx, axis=1, out=idx)
    return E[np.arange(E.shape[0])[:, None], idx]


def cv_summary(fold_errors: Any, fold_weights: Any) -> CVStats:
    """Mean CV error and its standard error at every lambda, as glmnet's ``cvstats``.

    With fold errors ``e_kl``, fold weights ``W_k`` (sum of observation weights in fold ``k``)
    and ``N_l`` the number of folds with a value at lambda ``l``::

        cvm_l  = sum_k W_k e_kl / sum_k W_k
        cvsd_l = sqrt( [sum_k W_k (e_kl - cvm_l)^2 / sum_k W_k] / (N_l - 1) )

    that is, in R, ``cvm = apply(cvraw, 2, weighted.mean, w = weights, na.rm = TRUE)`` and
    ``cvsd = sqrt(apply(scale(cvraw, cvm, FALSE)^2, 2, weighted.mean, w = weights,
    na.rm = TRUE) / (N - 1))``.

    **Missing values.** NaN marks a lambda that a fold's path did not reach. A LassoNet path
    ends when no feature is left; the fold's model at any larger lambda would be that same
    empty (intercept-only) model, so its error there is the last one computed: each NaN is
    replaced by the last non-NaN value to its left in the fold's row ("carried forward").
    glmnet instead drops the fold at those lambdas, so the sparse end of its curve averages
    fewer folds and can jump. A NaN with no value to its left (e.g. an AUC fold holding one
    class) stays missing: that fold is left out at that lambda and ``N_l`` drops, as with
    glmnet's ``na.rm = TRUE``. ``cvsd`` is NaN where fewer than 2 folds have a value. Infinite
    errors are kept (they make ``cvm`` infinite, never the minimum).

    Parameters
    ----------
    fold_errors : array_like, shape (K, L)
        Error of each fold at each lambda (:func:`fold_errors`).
    fold_weights : array_like, shape (K,)
        Sum of observation weights in each fold (:func:`fold_weight_sums`).

    Returns
    -------
    CVStats
        ``(cvm, cvsd, cvup, cvlo)``, each of shape (L,).

    Examples
    --------
    >>> e = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 4.0]])
    >>> s = cv_summary(e, [1.0, 1.0, 2.0])
    >>> s.cvm.tolist()
    [2.25, 3.0]
    >>> s.cvsd.round(4).tolist()
    [0.5863, 0.7071]
    """
    E = np.asarray(fold_errors, dtype=np.float64)
    if E.ndim != 2 or E.shape[0] < 1 or E.shape[1] < 1:
        raise bad_value("fold_errors", "a 2-D array (n_folds, n_lambda)", _Text(f"shape {E.shape}"))
    K = E.shape[0]
    w = np.asarray(fold_weights, dtype=np.float64)
    if w.shape != (K,):
        raise bad_value(
            "fold_weights", f"a vector of length {K} (one per fold)", _Text(f"shape {w.shape}")
        )
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise bad_value("fold_weights", "finite, >= 0, with a positive sum", w)
    E = _carry_forward(E)
    valid = ~np.isnan(E)
    W = np.where(valid, w[:, None], 0.0)
    N = valid.sum(0)
    sw = W.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cvm = np.where(W > 0, W * np.where(valid, E, 0.0), 0.0).sum(0) / sw
        dev2 = np.where(W > 0, W * np.where(valid, E - cvm, 0.0) ** 2, 0.0).sum(0)
        cvsd = np.sqrt(dev2 / sw / (N - 1))
    cvm = np.where(sw > 0, cvm, np.nan)
    cvsd = np.where((N >= 2) & (sw > 0), cvsd, np.nan)
    return CVStats(cvm, cvsd, cvm + cvsd, cvm - cvsd)


# --------------------------------------------------------------------------------------------
# the 1-SE rule
# --------------------------------------------------------------------------------------------
def choose_lambda(lambdas: Any, cvm: Any, cvsd: Any, *, maximize: bool = False) -> LambdaChoice:
    """``lambda_min`` and ``lambda_1se`` by glmnet's rule (``getOptcv.glmnet``).

    * ``lambda_min``: the **largest** lambda whose ``cvm`` equals the minimum (exact ties go to
      the sparser model, as glmnet's ``max(lambda[idmin])``).
    * ``lambda_1se``: the largest lambda with ``cvm <= cvm[min] + cvsd[min]``: the sparsest
      model within one standard error of the best. Always ``>= lambda_min``.

    With ``maximize=True`` (AUC) the rule is applied to ``-cvm``: ``lambda_min`` maximises
    ``cvm`` and ``lambda_1se`` is the largest lambda with ``cvm >= cvm[max] - cvsd[max]``.
    The order of ``lambdas`` does not matter; LassoNet's is increasing, index 0 being the dense
    fit (lambda 0). NaN values of ``cvm`` are ignored; a NaN ``cvsd`` at the minimum counts as
    0 (then ``lambda_1se = lambda_min``).

    Parameters
    ----------
    lambdas : array_like, shape (L,)
    cvm, cvsd : array_like, shape (L,)
        From :func:`cv_summary`.
    maximize : bool, default False
        True for measures where larger is better (``"auc"``, see
        :func:`lassonetpy.report.measures.is_maximized`).

    Returns
    -------
    LambdaChoice
        ``(lambda_min, lambda_1se, index_min, index_1se)``, indices 0-based.

    Examples
    --------
    >>> lam = [0.0, 0.1, 0.2, 0.4, 0.8]
    >>> cvm = [1.30, 1.00, 1.05, 1.09, 2.00]
    >>> cvsd = [0.10, 0.10, 0.10, 0.10, 0.10]
    >>> choose_lambda(lam, cvm, cvsd)
    LambdaChoice(lambda_min=0.1, lambda_1se=0.4, index_min=1, index_1se=3)
    >>> choose_lambda(lam, [0.6, 0.8, 0.85, 0.75, 0.5], cvsd, maximize=True)
    LambdaChoice(lambda_min=0.2, lambda_1se=0.4, index_min=2, index_1se=3)
    """
    lam = np.asarray(lambdas, dtype=np.float64)
    m = np.asarray(cvm, dtype=np.float64)
    sd = np.asarray(cvsd, dtype=np.float64)
    if lam.ndim != 1 or lam.size == 0:
        raise bad_value("lambdas", "a non-empty 1-D array", _Text(f"shape {lam.shape}"))
    if not np.isfinite(lam).all():
        raise bad_value("lambdas", "finite", lam)
    for name, a in (("cvm", m), ("cvsd", sd)):
        if a.shape != lam.shape:
            raise bad_value(
                name, f"an array of shape {lam.shape} like `lambdas`", _Text(f"shape {a.shape}")
            )
    c = -m if maximize else m
    ok = ~np.isnan(c)
    if not ok.any():
        raise InputError(
            "`cvm` must have at least one non-NaN value; got all NaN. Every fold "
            "failed to produce an error (check the predictions and the folds)."
        )
    cmin = np.min(c[ok])
    lambda_min = float(np.max(lam[ok & (c <= cmin)]))
    index_min = int(np.flatnonzero(lam == lambda_min)[0])
    se = sd[index_min]
    semin = c[index_min] + (0.0 if np.isnan(se) else se)
    lambda_1se = float(np.max(lam[ok & (c <= semin)]))
    index_1se = int(np.flatnonzero(lam == lambda_1se)[0])
    return LambdaChoice(lambda_min, lambda_1se, index_min, index_1se)
