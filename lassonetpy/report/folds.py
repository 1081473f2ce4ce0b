"""Cross-validation folds: fold labels per observation and the weight of each fold (numpy).

glmnet's ``foldid``: :func:`make_folds` deals observations out to folds ``1..K`` at random or
stratified by class; :func:`check_foldid` checks and renumbers given labels;
:func:`fold_weight_sums` gives each fold's sum of observation weights. The rest of the CV
arithmetic is in :mod:`lassonetpy.report.cv_stats`, which re-exports these names.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputTypeError, bad_value
from .measure_compute import _check_weights, _Text

__all__ = ["make_folds", "check_foldid", "fold_weight_sums"]

_NFOLDS_HINT = "Cross-validation needs at least 3 folds (as in glmnet); nfolds=10 is recommended."


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def make_folds(n: int, nfolds: int = 10, *, y_codes: Any = None, seed: Any = None) -> np.ndarray:
    """Assign each of ``n`` observations to one of ``nfolds`` folds.

    Without ``y_codes`` this is glmnet's ``sample(rep(seq(nfolds), length = n))``: fold sizes
    differ by at most one, the order is random. With ``y_codes`` the folds are stratified:
    rows are ordered by class (randomly within a class) and dealt out to the folds in turn, so
    within every class, and overall, fold counts differ by at most one; the fold labels are then
    permuted at random.

    Parameters
    ----------
    n : int
        Number of observations.
    nfolds : int, default 10
        Number of folds, ``3 <= nfolds <= n``.
    y_codes : array_like, shape (n,), optional
        Class of every observation (any labels: codes, strings, ...) for stratified folds.
    seed : int, numpy.random.Generator or None, optional
        Passed to :func:`numpy.random.default_rng`; the global RNG is never used.

    Returns
    -------
    numpy.ndarray of int, shape (n,)
        Fold labels ``1..nfolds`` (glmnet's ``foldid``).

    Raises
    ------
    InputError
        If ``nfolds`` is not an integer in ``[3, n]`` or ``y_codes`` has the wrong length.

    Examples
    --------
    >>> f = make_folds(10, 3, seed=0)
    >>> sorted(np.bincount(f)[1:].tolist())
    [3, 3, 4]
    >>> y = np.array([0] * 6 + [1] * 3)
    >>> f = make_folds(9, 3, y_codes=y, seed=0)
    >>> [np.bincount(f[y == c], minlength=4)[1:].tolist() for c in (0, 1)]
    [[2, 2, 2], [1, 1, 1]]
    >>> make_folds(5, 2)
    Traceback (most recent call last):
    ...
    lassonetpy.errors.InputError: `nfolds` must be an integer with 3 <= nfolds <= n (n = 5); \
got 2. Cross-validation needs at least 3 folds (as in glmnet); nfolds=10 is recommended.
    """
    if not _is_int(n) or n < 1:
        raise bad_value("n", "a positive integer (the number of observations)", n)
    n = int(n)
    if not _is_int(nfolds) or not 3 <= nfolds <= n:
        hint = _NFOLDS_HINT
        if _is_int(nfolds) and nfolds > n:
            hint = f"There are only {n} observations: use at most nfolds={n} (leave-one-out)."
        raise bad_value("nfolds", f"an integer with 3 <= nfolds <= n (n = {n})", nfolds, hint)
    nfolds = int(nfolds)
    try:
        rng = np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise bad_value("seed", "None, a non-negative integer or a numpy Generator", seed) from None
    if y_codes is None:
        return rng.permutation(np.arange(n) % nfolds) + 1
    yc = np.asarray(y_codes)
    if yc.ndim != 1 or yc.shape[0] != n:
        raise bad_value("y_codes", f"a 1-D array of length n = {n}", _Text(f"shape {yc.shape}"))
    if yc.dtype.kind == "f" and not np.isfinite(yc).all():
        raise bad_value("y_codes", "free of NaN", _Text("NaN values"))
    try:
        _, codes = np.unique(yc, return_inverse=True)
    except TypeError:
        raise bad_value("y_codes", "sortable class labels", yc[:5]) from None
    order = np.lexsort((rng.random(n), codes.ravel()))
    slot = np.empty(n, dtype=np.int64)
    slot[order] = np.arange(n) % nfolds
    return rng.permutation(nfolds)[slot] + 1


def check_foldid(foldid: Any, n: int) -> np.ndarray:
    """Validate user fold labels and renumber them ``1..K``.

    Any integer labels are accepted (e.g. 0-based, or with gaps); they are mapped in sorted
    order to ``1..K``. At least 3 distinct folds are required, as in glmnet.

    Parameters
    ----------
    foldid : array_like of int, shape (n,)
        Fold label of every observation.
    n : int
        Number of observations.

    Returns
    -------
    numpy.ndarray of int, shape (n,)
        Labels ``1..K``.

    Raises
    ------
    InputError
        Wrong length, non-integer or missing labels, or fewer than 3 folds.
    InputTypeError
        Booleans or non-numeric labels.

    Examples
    --------
    >>> check_foldid([0, 0, 1, 1, 5, 5], 6).tolist()
    [1, 1, 2, 2, 3, 3]
    >>> check_foldid([1, 2, 3], 4)
    Traceback (most recent call last):
    ...
    lassonetpy.errors.InputError: `foldid` must be a vector of length n = 4 (one fold label per \
observation); got length 3.
    """
    arr = np.asarray(foldid)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.shape[0] != n:
        got = _Text(f"length {arr.shape[0]}" if arr.ndim == 1 else f"shape {arr.shape}")
        raise bad_value(
            "foldid", f"a vector of length n = {n} (one fold label per observation)", got
        )
    if arr.dtype.kind not in "iuf":
        raise bad_value("foldid", "integer fold labels", arr[:5], cls=InputTypeError)
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            raise bad_value(
                "foldid",
                "integer fold labels without NaN",
                arr,
                f"{int((~np.isfinite(arr)).sum())} missing label(s).",
            )
        if (arr != np.round(arr)).any():
            raise bad_value("foldid", "integer fold labels", arr[arr != np.round(arr)][:5])
    labels, inv = np.unique(arr, return_inverse=True)
    if labels.size < 3:
        raise bad_value(
            "foldid", "labels of at least 3 distinct folds", labels.tolist(), _NFOLDS_HINT
        )
    return inv.ravel().astype(np.int64) + 1


def fold_weight_sums(foldid: Any, weights: Any = None) -> np.ndarray:
    """Sum of observation weights in each fold (glmnet's ``tapply(weights, foldid, sum)``).

    Parameters
    ----------
    foldid : array_like of int, shape (n,)
        Fold labels (renumbered by :func:`check_foldid`).
    weights : array_like, shape (n,), optional
        Observation weights (default all 1).

    Returns
    -------
    numpy.ndarray, shape (K,)

    Examples
    --------
    >>> fold_weight_sums([1, 1, 2, 3, 3, 3]).tolist()
    [2.0, 1.0, 3.0]
    """
    fid = check_foldid(foldid, np.shape(foldid)[0])
    w = _check_weights(weights, fid.size)
    return np.bincount(fid - 1, weights=w)
