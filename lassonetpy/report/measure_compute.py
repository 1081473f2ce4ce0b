"""Computing the measures: input checks, per-observation errors, AUC, a group's value (numpy).

The conventions (encoded ``y``, predictions on the response scale, an optional leading axis of
fits) and the definitions of the measures are in :mod:`lassonetpy.report.measures`, which
re-exports the public names; the registry is :mod:`lassonetpy.report.measure_registry`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError, ResponseError, bad_value
from .measure_registry import MEASURES, PROB_MIN, check_measure, family_name

__all__ = ["pointwise", "compute", "auc"]

# Number of axes of ``y`` for one fit, per family; predictions of multinomial have one more.
_Y_NDIM = {"gaussian": 1, "poisson": 1, "binomial": 1, "multinomial": 1, "mgaussian": 2}
_PRED_NDIM = {"gaussian": 1, "poisson": 1, "binomial": 1, "multinomial": 2, "mgaussian": 2}


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------
class _Text(str):
    """A description shown as-is (no quotes) in the ``got ...`` part of an error message."""

    def __repr__(self) -> str:
        return str(self)


def _as_float(a: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise bad_value(
            name, "numeric", a, "Encode class labels as codes 0..C-1 first.", cls=InputError
        ) from None


def _check_inputs(
    fam: str, y: Any, pred: Any, *, pred_name: str = "pred"
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Float ``y``, ``pred`` with a leading fits axis (always present), and whether ``pred``
    was a single fit (the axis was added)."""
    if fam not in _Y_NDIM:
        raise bad_value(
            "family",
            "a family with per-observation predictions",
            fam,
            "Cox measures need the risk sets: see lassonetpy.report.cox_measures.",
        )
    y = _as_float(y, "y")
    pred = _as_float(pred, pred_name)
    ydim = _Y_NDIM[fam]
    if fam != "mgaussian" and y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != ydim:
        want = "(n,)" if ydim == 1 else "(n, q)"
        raise bad_value(
            "y",
            f"an array of shape {want} for family {fam!r}",
            _Text(f"shape {y.shape}"),
            cls=ResponseError,
        )
    n = y.shape[0]
    if n == 0:
        raise bad_value("y", "non-empty", _Text("an empty array"), cls=ResponseError)
    if not np.isfinite(y).all():
        raise bad_value("y", "finite", _Text("NaN/inf values"), cls=ResponseError)
    pdim = _PRED_NDIM[fam]
    shape0 = pred.shape
    # one-output families: accept a trailing axis of length 1, e.g. (n, 1) or (L, n, 1)
    if (
        pdim == 1
        and pred.ndim >= 2
        and pred.shape[-1] == 1
        and pred.shape[-2] == n
        and not (pred.ndim == 2 and pred.shape[-1] == n)
    ):
        pred = pred[..., 0]
    single = pred.ndim == pdim
    if single:
        pred = pred[None]
    if pred.ndim != pdim + 1 or pred.shape[1] != n:
        one = "n" if pdim == 1 else ("n, C" if fam == "multinomial" else "n, q")
        raise bad_value(
            pred_name,
            f"an array of shape ({one}{',' if pdim == 1 else ''}) or "
            f"(n_fits, {one}) with n = {n} for family {fam!r}",
            _Text(f"shape {shape0}"),
        )
    if fam == "mgaussian" and pred.shape[2] != y.shape[1]:
        raise bad_value(pred_name, f"{y.shape[1]} columns like `y`", _Text(f"shape {shape0}"))
    if fam in ("binomial", "multinomial"):
        C = 2 if fam == "binomial" else pred.shape[2]
        if fam == "multinomial" and C < 2:
            raise bad_value(
                pred_name, "probabilities for at least 2 classes", _Text(f"shape {shape0}")
            )
        if (y != np.round(y)).any() or (y < 0).any() or (y > C - 1).any():
            raise bad_value(
                "y",
                f"class codes 0..{C - 1} for family {fam!r}",
                np.unique(y)[:10],
                "Encode labels as integer codes (the order of the fit's classes).",
                cls=ResponseError,
            )
        finite = pred[np.isfinite(pred)]
        if ((finite < 0) | (finite > 1)).any():
            raise bad_value(
                pred_name,
                "probabilities in [0, 1] (the response scale)",
                _Text(f"values in [{finite.min():.4g}, {finite.max():.4g}]"),
                "Apply the inverse link (predict with type='response').",
            )
    if fam == "poisson":
        if (y < 0).any():
            raise bad_value(
                "y", "counts >= 0 for family 'poisson'", float(y.min()), cls=ResponseError
            )
        finite = pred[np.isfinite(pred)]
        if (finite < 0).any():
            raise bad_value(
                pred_name,
                "means >= 0 (the response scale)",
                float(finite.min()),
                "Apply the inverse link exp(eta) (predict with type='response').",
            )
    return y, pred, single


def _check_weights(weights: Any, n: int, name: str = "weights") -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = _as_float(weights, name)
    if w.ndim != 1 or w.shape[0] != n:
        raise bad_value(name, f"a vector of length {n}", _Text(f"shape {w.shape}"))
    if not np.isfinite(w).all() or (w < 0).any():
        raise bad_value(name, "finite and >= 0", w)
    if w.sum() <= 0:
        raise bad_value(name, "a vector with a positive sum", w)
    return w


# --------------------------------------------------------------------------------------------
# per-observation errors
# --------------------------------------------------------------------------------------------
def _pointwise(m: str, fam: str, y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Per-observation errors, shape (L, n), from checked ``y`` and ``pred`` (L, n, ...).

    NaN predictions give NaN errors (a NaN anywhere in an observation's row of probabilities
    or responses makes its error NaN).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if fam in ("gaussian", "poisson"):
            r = y - pred
            if m == "mae":
                return np.abs(r)
            if m == "mse" or fam == "gaussian":
                return r * r
            # poisson deviance: 2 [y log(y/mu) - (y - mu)]
            ylog = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / pred), 0.0)
            return 2.0 * (ylog - r)
        if fam == "mgaussian":
            r = y - pred
            out = np.abs(r).sum(-1) if m == "mae" else (r * r).sum(-1)
            return out
        if fam == "binomial":
            p = pred
            if m == "mse":
                return 2.0 * (y - p) ** 2
            if m == "mae":
                return 2.0 * np.abs(y - p)
            if m == "class":
                err = np.where(p > 0.5, y == 0, y == 1).astype(np.float64)
                return np.where(np.isnan(p), np.nan, err)
            pc = np.clip(p, PROB_MIN, 1.0 - PROB_MIN)
            return -2.0 * np.where(y == 1, np.log(pc), np.log1p(-pc))
        # multinomial
        P = pred
        codes = y.astype(np.intp)
        C = P.shape[-1]
        if m in ("mse", "mae"):
            Y = np.eye(C)[codes]
            d = Y - P
            return (d * d).sum(-1) if m == "mse" else np.abs(d).sum(-1)
        bad = np.isnan(P).any(-1)
        if m == "class":
            guess = np.argmax(np.where(np.isnan(P), -np.inf, P), axis=-1)
            err = (guess != codes).astype(np.float64)
            return np.where(bad, np.nan, err)
        py = np.take_along_axis(
            P, np.broadcast_to(codes[None, :, None], P.shape[:2] + (1,)), axis=-1
        )[..., 0]
        return -2.0 * np.log(np.clip(py, PROB_MIN, 1.0 - PROB_MIN))


def pointwise(measure: str, family: Any, y: Any, pred: Any) -> np.ndarray:
    """Per-observation errors (not defined for ``"auc"``).

    Parameters
    ----------
    measure : str
        ``"deviance"``, ``"mse"``, ``"mae"`` or ``"class"``.
    family : str or Family
    y : array_like
        Encoded response, (n,) or (n, q) for mgaussian (see :mod:`lassonetpy.report.measures`).
    pred : array_like
        Predictions on the response scale, one fit (n, ...) or several (L, n, ...).

    Returns
    -------
    numpy.ndarray
        (n,) for one fit, (L, n) for several. NaN where the prediction is NaN.

    Examples
    --------
    >>> pointwise("mse", "gaussian", [1.0, 2.0], [1.5, 2.0]).tolist()
    [0.25, 0.0]
    >>> pointwise("deviance", "binomial", [1, 0], [[0.5, 0.5], [1.0, 0.0]]).round(3).tolist()
    [[1.386, 1.386], [0.0, 0.0]]
    """
    fam = family_name(family)
    m = check_measure(measure, fam, arg="measure")
    if not MEASURES[m].per_observation:
        raise bad_value(
            "measure",
            "a per-observation measure",
            measure,
            "AUC is defined on a group of observations: use compute() or auc().",
        )
    yy, pp, one = _check_inputs(fam, y, pred)
    out = _pointwise(m, fam, yy, pp)
    return out[0] if one else out


# --------------------------------------------------------------------------------------------
# AUC
# --------------------------------------------------------------------------------------------
def _auc_1d(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    """Weighted AUC of scores ``p`` for binary ``y`` (0/1); NaN if a class has no weight."""
    if np.isnan(p).any():
        return np.nan
    pos = y == 1
    wpos, wneg = w[pos].sum(), w[~pos].sum()
    if wpos <= 0 or wneg <= 0:
        return np.nan
    # weighted mid-ranks: within a group of tied scores every observation gets the negative
    # weight strictly below the group plus half the negative weight inside it.
    uniq, inv = np.unique(p, return_inverse=True)
    neg_in = np.bincount(inv, weights=np.where(pos, 0.0, w), minlength=uniq.size)
    neg_below = np.cumsum(neg_in) - neg_in
    credit = neg_below[inv] + 0.5 * neg_in[inv]
    return float((w * pos * credit).sum() / (wpos * wneg))


def auc(y: Any, prob: Any, weights: Any = None) -> float | np.ndarray:
    """Area under the ROC curve, rank based, ties counted one half.

    ``AUC = sum_{i: y_i=1} sum_{j: y_j=0} w_i w_j [1(p_i > p_j) + 0.5 * 1(p_i = p_j)]
    / (W_1 W_0)``, the weighted Mann-Whitney statistic, i.e. the rank-sum formula with tied
    scores given their average rank. It is what glmnet's ``auc.mat`` (via
    ``survival::concordance``) and ``sklearn.metrics.roc_auc_score`` compute.

    Parameters
    ----------
    y : array_like, shape (n,)
        Class codes 0/1 (1 = the event, the second class).
    prob : array_like, shape (n,) or (L, n)
        Scores (probabilities of class 1, or any monotone transform of them).
    weights : array_like, shape (n,), optional
        Observation weights.

    Returns
    -------
    float or numpy.ndarray of shape (L,)
        NaN when one class is absent (or has zero weight) or a score is NaN.

    Examples
    --------
    >>> auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    >>> auc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])
    0.875
    """
    yy, pp, one = _check_inputs("binomial", y, prob, pred_name="prob")
    w = _check_weights(weights, yy.shape[0])
    vals = np.array([_auc_1d(yy, row, w) for row in pp])
    return float(vals[0]) if one else vals


# --------------------------------------------------------------------------------------------
# group measures
# --------------------------------------------------------------------------------------------
def compute(
    measure: str, family: Any, y: Any, pred: Any, weights: Any = None
) -> float | np.ndarray:
    """A measure on one group of observations (a test set, or one CV fold).

    Parameters
    ----------
    measure : str
        A name valid for ``family`` (see :func:`measures_for`).
    family : str or Family
    y : array_like
        Encoded response (see :mod:`lassonetpy.report.measures`): (n,) or (n, q).
    pred : array_like
        Predictions on the response scale: one fit (n,), (n, C), (n, q) or a stack of fits
        with a leading axis (L, n, ...).
    weights : array_like, shape (n,), optional
        Observation weights (default all 1).

    Returns
    -------
    float or numpy.ndarray of shape (L,)
        The weighted mean of :func:`pointwise` errors, or the AUC. NaN propagates from the
        predictions.

    Examples
    --------
    >>> compute("mse", "gaussian", [1.0, 2.0, 3.0], [1.0, 2.0, 5.0])
    1.3333333333333333
    >>> compute("mae", "gaussian", [1.0, 2.0, 3.0], [[1.0, 2.0, 5.0], [0.0, 2.0, 3.0]]).tolist()
    [0.6666666666666666, 0.3333333333333333]
    >>> round(compute("deviance", "poisson", [0, 2, 5], [0.5, 2.0, 4.0]), 4)
    0.4105
    """
    fam = family_name(family)
    m = check_measure(measure, fam, arg="measure")
    if fam == "cox":
        from .cox_measures import cox_compute

        return cox_compute(m, family, y, pred, weights)
    if m == "auc":
        return auc(y, pred, weights)
    yy, pp, one = _check_inputs(fam, y, pred)
    w = _check_weights(weights, yy.shape[0])
    vals = _pointwise(m, fam, yy, pp) @ w / w.sum()
    return float(vals[0]) if one else vals
