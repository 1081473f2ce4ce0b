"""Test-set measures of a path or CV fit: glmnet's ``assess.glmnet`` and ``confusion.glmnet``.

Both functions take a :class:`~lassonetpy.LassoNetPath` or a :class:`~lassonetpy.CVLassoNet`
and new data that **include the response**: for a formula fit, ``newdata`` must hold the
columns of the formula's left-hand side (it is evaluated as in training, e.g.
``np.log(y) ~ .``); for an array fit, give ``newy``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .cv import CVLassoNet
from .errors import InputTypeError, ResponseError, bad_value
from .formula.newdata import _newoffset, _newx
from .formula.newdata import response_of as _response
from .path import LassoNetPath
from .report.measures import assess_measures, confusion_table, measure_name
from .survfit import assess_cox, is_cox

__all__ = ["assess", "confusion"]


def _unpack(fit: Any, s: Any) -> tuple[LassoNetPath, Any]:
    """The path and the lambda(s) to use; ``s=None``: CV -> "lambda_min", path -> all."""
    if isinstance(fit, CVLassoNet):
        return fit.path, fit._s("lambda_min" if s is None else s)
    if isinstance(fit, LassoNetPath):
        _supervised(fit)
        if isinstance(s, str):
            raise bad_value(
                "s",
                "a lambda >= 0 or a list of them (for a path)",
                s,
                "'lambda_min' / 'lambda_1se' belong to cv_lassonet results.",
            )
        return fit, s
    raise bad_value("fit", "a LassoNetPath or a CVLassoNet", type(fit).__name__, cls=InputTypeError)


def _supervised(path: LassoNetPath) -> LassoNetPath:
    if path.family == "reconstruction":
        raise bad_value(
            "fit",
            "a fit with a response",
            "an unsupervised path (family 'reconstruction')",
            "Its measure is the reconstruction error: compare fit.predict(newdata, df=k) "
            "with newdata.",
        )
    return path


def _encode(path: LassoNetPath, y: Any, n: int, arg: str = "newy") -> np.ndarray:
    """Response -> what :mod:`lassonetpy.report.measures` takes: class codes, or floats.

    ``arg`` names where the response came from (``"newy"``, or ``"newdata"``'s left side)."""
    arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1 and path.family != "mgaussian":
        arr = arr[:, 0]
    if arr.shape[0] != n:
        raise bad_value("newy", f"one value per row of `newdata` ({n})", f"length {arr.shape[0]}")
    if path.classes is not None:
        lookup = {c: i for i, c in enumerate(np.asarray(path.classes).tolist())}
        vals = arr.tolist()
        if unknown := sorted({str(v) for v in vals if v not in lookup}):
            raise ResponseError(
                f"`{arg}` must hold a response with the fit's classes "
                f"{list(lookup)[:10]}; got unknown label(s) {unknown[:10]}."
            )
        return np.array([lookup[v] for v in vals], dtype=np.float64)
    try:
        out = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError):
        raise ResponseError(
            f"`{arg}` must hold a numeric response for family {path.family!r}; got values "
            f"such as {arr[:3].tolist()!r}."
        ) from None
    if not np.isfinite(out).all():
        raise ResponseError(
            f"`{arg}` must hold a finite response (no NA) to assess the fit; got "
            f"{int((~np.isfinite(out)).sum())} NA/inf value(s). Drop those rows first."
        )
    return out


def _yarg(newy: Any) -> str:
    return "newdata" if newy is None else "newy"


def _predictions(
    path: LassoNetPath, newdata: Any, s: Any, newoffset: Any
) -> tuple[list[int], bool, np.ndarray]:
    """Path indices, scalar flag and response-scale predictions (k, n[, n_outputs])."""
    idx, scalar = path._indices(s, None)
    X, _ = _newx(path, newdata)
    off = _newoffset(path, newoffset, newdata, X.shape[0])
    res = path._result
    pred = np.stack([res.predict(X, i, 0, offset=off, type="response") for i in idx])
    return idx, scalar, pred[..., 0] if pred.shape[-1] == 1 else pred


def assess(
    fit: Any,
    newdata: Any,
    s: Any = None,
    *,
    newy: Any = None,
    weights: Any = None,
    newoffset: Any = None,
    newstrata: Any = None,
) -> pd.Series | pd.DataFrame:
    """Every measure valid for the family on new data, like glmnet's ``assess.glmnet``.

    Parameters
    ----------
    fit : LassoNetPath or CVLassoNet
        The fitted model.
    newdata : pandas.DataFrame or array-like
        Rows to assess. For a formula fit, a DataFrame with the predictors and the response.
    s : float, str or list, optional
        Which fit(s): a lambda (snaps to the path) or a list; for a CVLassoNet also
        ``"lambda_min"`` / ``"lambda_1se"``. Default: ``"lambda_min"`` for a CVLassoNet (as
        its ``predict``), every lambda for a path.
    newy : array-like, optional
        The response of ``newdata`` (required for array fits; overrides the formula's).
    weights : array-like, optional
        Observation weights of the rows.
    newoffset : array-like or str, optional
        Required when the fit used an offset.
    newstrata : array-like, optional
        Stratified cox array fits: the stratum of each row (pairs and risk sets stay within a
        stratum; formula fits read the ``strata(...)`` columns).

    Returns
    -------
    pandas.Series or pandas.DataFrame
        One fit: a Series indexed by measure key (``"deviance"``, ``"class"``, ``"auc"``,
        ``"mse"``, ``"mae"``: the family's valid measures; cox: ``"deviance"``, the partial
        likelihood deviance of the new rows per observation, and ``"C"``, Harrell's
        C-index), named ``"s<index>"``. Several
        fits: a DataFrame with one row per fit (index ``"s<index>"``) and one column per
        measure. ``.attrs["measure_names"]`` gives the display names.

    Examples
    --------
    >>> from lassonetpy import assess, lassonet
    >>> from lassonetpy.datasets import load_boston
    >>> df = load_boston()
    >>> fit = lassonet("medv ~ .", df.iloc[:400], hidden=(8,), nlambda=8, seed=0,
    ...                verbose=False)
    >>> a = assess(fit, df.iloc[400:], s=0)
    >>> a.index.tolist(), a.name
    (['deviance', 'mse', 'mae'], 's0')
    >>> assess(fit, df.iloc[400:]).shape == (len(fit), 3)
    True
    """
    path, s = _unpack(fit, s)
    if is_cox(path.family):
        idx, scalar, vals = assess_cox(path, newdata, s, newy, weights, newoffset, newstrata)
    else:
        idx, scalar, pred = _predictions(path, newdata, s, newoffset)
        y = _encode(path, _response(path, newdata, newy), pred.shape[1], _yarg(newy))
        vals = assess_measures(path.family, y, pred, weights)
    names = {k: measure_name(k, path.family) for k in vals}
    labels = [f"s{i}" for i in idx]
    if scalar:
        out: pd.Series | pd.DataFrame = pd.Series(
            {k: float(v[0]) for k, v in vals.items()}, name=labels[0], dtype=np.float64
        )
    else:
        out = pd.DataFrame(
            {k: np.asarray(v, dtype=np.float64) for k, v in vals.items()},
            index=pd.Index(labels, name="s"),
        )
    out.attrs["measure_names"] = names
    return out


def confusion(
    fit: Any, newdata: Any, s: Any = None, *, newy: Any = None, newoffset: Any = None
) -> pd.DataFrame:
    """Confusion table of a classification fit on new data, like glmnet's ``confusion.glmnet``.

    Parameters
    ----------
    fit : LassoNetPath or CVLassoNet
        A binomial or multinomial fit.
    newdata : pandas.DataFrame or array-like
        Rows to classify; for a formula fit, with the response column.
    s : float or str, optional
        One fit: a lambda, or for a CVLassoNet ``"lambda_min"`` (default) / ``"lambda_1se"``.
        Required for a path.
    newy : array-like, optional
        True classes (required for array fits).
    newoffset : array-like or str, optional
        Required when the fit used an offset.

    Returns
    -------
    pandas.DataFrame
        Counts: rows the true classes (index ``"True"``), columns the predicted classes
        (``"Predicted"``); it sums to the number of rows. ``.attrs`` holds
        ``"percent_correct"`` and ``"misclassification"`` (fractions).

    Examples
    --------
    >>> from lassonetpy import confusion, lassonet
    >>> from lassonetpy.datasets import load_mice_protein
    >>> mice = load_mice_protein()[["class", "DYRK1A_N", "ITSN1_N", "BDNF_N", "SOD1_N"]]
    >>> fit = lassonet("class ~ .", mice, family="multinomial", hidden=(8,), nlambda=5,
    ...                seed=0, verbose=False)
    >>> tab = confusion(fit, mice.dropna(), s=0)
    >>> tab.shape, int(tab.to_numpy().sum()) == len(mice.dropna())
    ((8, 8), True)
    """
    path, s = _unpack(fit, s)
    if path.classes is None:
        raise bad_value(
            "fit",
            "a binomial or multinomial fit",
            f"family {path.family!r}",
            "A confusion table needs classes.",
        )
    if s is None or np.ndim(s) != 0:
        raise bad_value("s", "one lambda (a confusion table is for one fit)", s)
    _, _, pred = _predictions(path, newdata, s, newoffset)
    y = _encode(path, _response(path, newdata, newy), pred.shape[1], _yarg(newy))
    p = pred[0]
    codes = (p > 0.5).astype(int) if p.ndim == 1 else np.argmax(p, axis=1)
    return confusion_table(y.astype(int), codes, list(path.classes))
