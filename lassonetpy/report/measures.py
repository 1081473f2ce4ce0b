r"""Prediction-error measures for cross-validation and test sets, as ``cv.glmnet`` defines them.

Pure numpy (no torch). Every function takes the response ``y`` *encoded as numbers* and
predictions on the **response scale**:

============  ============================  =============================================
family        ``y``                          ``pred`` (one fit)
============  ============================  =============================================
gaussian      (n,) floats                    (n,) fitted values
poisson       (n,) counts >= 0               (n,) means ``mu > 0``
binomial      (n,) class codes 0/1           (n,) probability of class 1 (the 2nd label)
multinomial   (n,) class codes 0..C-1        (n, C) class probabilities
mgaussian     (n, q) floats                  (n, q) fitted values
============  ============================  =============================================

cox: ``y`` is (n, 2) or (n, 3) ``[time, status(, stratum code)]`` and ``pred`` the relative risk
``exp(link)`` (measures in :mod:`lassonetpy.report.cox_measures`; not per observation).

``pred`` may carry one extra *leading* axis of fits, e.g. one per lambda: (L, n) or (L, n, C);
the result then has shape (L,). A trailing axis of length 1 on a one-output family is dropped,
so ``(n, 1)`` from a network works as ``(n,)``.

The measures (``type_measure`` in :func:`~lassonetpy.cv_lassonet`), per observation ``i``, as in
glmnet's ``cv.elnet`` / ``cv.lognet`` / ``cv.multnet`` / ``cv.fishnet`` / ``cv.mrelnet``:

``"deviance"``
    gaussian: ``(y - pred)^2`` (glmnet names it "Mean-Squared Error");
    binomial: ``-2 [y log p + (1 - y) log(1 - p)]``;
    multinomial: ``-2 log p_{i, y_i}``;
    poisson: ``2 [y log(y / mu) - (y - mu)]`` (``y log y = 0`` at ``y = 0``);
    mgaussian: ``sum_k (y_k - pred_k)^2``.
    Probabilities are clipped to ``[1e-5, 1 - 1e-5]`` first (glmnet's ``prob_min``), so one
    confident mistake costs at most ``-2 log(1e-5) = 23.0``.
``"mse"``, ``"mae"``
    squared / absolute error, summed over outputs where there are several: mgaussian sums over
    the ``q`` responses; for binomial and multinomial the error is taken between the one-hot
    ``y`` and the probability vector, summed over the classes, exactly as glmnet does. For
    binomial that is ``2 (y - p)^2`` and ``2 |y - p|`` (twice the usual Brier score / MAE).
``"class"``
    misclassification, 0 or 1: binomial predicts class 1 when ``p > 0.5``; multinomial predicts
    the most probable class (the first one on ties).
``"auc"``
    area under the ROC curve (binomial only), computed on a group of observations, not per
    observation; higher is better. See :func:`auc`.

Weighted means use observation weights ``w``: ``sum_i w_i e_i / sum_i w_i``.

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 1, 1, 0])
>>> p = np.array([0.2, 0.9, 0.6, 0.4])
>>> round(compute("class", "binomial", y, p), 3)
0.0
>>> measure_name("deviance", "binomial")
'Binomial Deviance'
>>> measures_for("poisson")
('deviance', 'mse', 'mae')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import FamilyError, InputError, ResponseError, bad_value

__all__ = [
    "Measure",
    "MEASURES",
    "FAMILY_MEASURES",
    "PROB_MIN",
    "measures_for",
    "default_measure",
    "check_measure",
    "measure_name",
    "is_maximized",
    "pointwise",
    "compute",
    "auc",
    "assess_measures",
    "confusion_table",
    "family_name",
]

#: glmnet's hard-coded probability floor (``prob_min`` in ``cv.lognet``); the ceiling is 1 - it.
PROB_MIN = 1e-5

#: Measures valid for each family, default first (glmnet's ``glmnet.measures()``; lassonetpy
#: names the default ``"deviance"`` everywhere: for the gaussian families it equals ``"mse"``).
FAMILY_MEASURES: dict[str, tuple[str, ...]] = {
    "gaussian": ("deviance", "mse", "mae"),
    "mgaussian": ("deviance", "mse", "mae"),
    "poisson": ("deviance", "mse", "mae"),
    "binomial": ("deviance", "class", "auc", "mse", "mae"),
    "multinomial": ("deviance", "class", "mse", "mae"),
    "cox": ("deviance", "C"),
}

# Number of axes of ``y`` for one fit, per family; predictions of multinomial have one more.
_Y_NDIM = {"gaussian": 1, "poisson": 1, "binomial": 1, "multinomial": 1, "mgaussian": 2}
_PRED_NDIM = {"gaussian": 1, "poisson": 1, "binomial": 1, "multinomial": 2, "mgaussian": 2}

_DEVIANCE_NAMES = {
    "gaussian": "Mean-Squared Error",
    "mgaussian": "Mean-Squared Error",
    "poisson": "Poisson Deviance",
    "binomial": "Binomial Deviance",
    "multinomial": "Multinomial Deviance",
    "cox": "Partial Likelihood Deviance",
}


@dataclass(frozen=True)
class Measure:
    """One CV measure.

    Attributes
    ----------
    name : str
        Key used in ``type_measure`` (``"mse"``, ``"auc"``, ...).
    label : str
        Display name as glmnet prints it (for ``"deviance"`` it depends on the family; see
        :func:`measure_name`).
    maximize : bool
        True when larger is better (only AUC).
    per_observation : bool
        True when the measure is a (weighted) mean of per-observation errors, so a group's value
        is the weighted mean of :func:`pointwise`; False for AUC, which needs the whole group.
    """

    name: str
    label: str
    maximize: bool = False
    per_observation: bool = True


MEASURES: dict[str, Measure] = {
    "deviance": Measure("deviance", "Deviance"),
    "mse": Measure("mse", "Mean-Squared Error"),
    "mae": Measure("mae", "Mean Absolute Error"),
    "class": Measure("class", "Misclassification Error"),
    "auc": Measure("auc", "AUC", maximize=True, per_observation=False),
    # Harrell's concordance (family "cox"; report/cox_measures.py computes it per fold)
    "C": Measure("C", "C-index", maximize=True, per_observation=False),
}


# --------------------------------------------------------------------------------------------
# registry look-ups
# --------------------------------------------------------------------------------------------
def family_name(family: Any) -> str:
    """The family's name from a string or a family object (anything with ``.name``).

    Parameters
    ----------
    family : str or object
        ``"gaussian"``, ``"binomial"``, ... or a :class:`~lassonetpy.families.Family`.

    Returns
    -------
    str

    Examples
    --------
    >>> family_name("Binomial")
    'binomial'
    """
    name = family if isinstance(family, str) else getattr(family, "name", None)
    if not isinstance(name, str) or name.lower() not in FAMILY_MEASURES:
        raise bad_value(
            "family",
            f"one of {sorted(FAMILY_MEASURES)}",
            family,
            "CV measures exist for these families only.",
            cls=FamilyError,
        )
    return name.lower()


def measures_for(family: Any) -> tuple[str, ...]:
    """Measures valid for ``family``, the default first (like ``glmnet.measures(family)``).

    Parameters
    ----------
    family : str or Family

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> measures_for("binomial")
    ('deviance', 'class', 'auc', 'mse', 'mae')
    >>> measures_for("gaussian")
    ('deviance', 'mse', 'mae')
    """
    return FAMILY_MEASURES[family_name(family)]


def default_measure(family: Any) -> str:
    """The default measure of ``family``: always ``"deviance"``.

    For gaussian and mgaussian the deviance *is* the mean squared error (glmnet's default
    ``"mse"``, printed "Mean-Squared Error" either way).

    Examples
    --------
    >>> default_measure("multinomial")
    'deviance'
    """
    return measures_for(family)[0]


def check_measure(measure: Any, family: Any, *, arg: str = "type_measure") -> str:
    """Validate a measure name for a family; ``None`` or ``"default"`` give the default.

    Unlike glmnet, which warns and falls back to the default, an invalid choice is an error.

    Parameters
    ----------
    measure : str or None
        ``"deviance"``, ``"mse"``, ``"mae"``, ``"class"``, ``"auc"``, ``"default"`` or None.
    family : str or Family
    arg : str, optional
        Argument name used in the error message.

    Returns
    -------
    str
        The canonical (lower-case) measure name.

    Raises
    ------
    InputError
        If the measure is unknown or not valid for the family.

    Examples
    --------
    >>> check_measure(None, "poisson")
    'deviance'
    >>> check_measure("AUC", "binomial")
    'auc'
    >>> check_measure("auc", "gaussian")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lassonetpy.errors.InputError: `type_measure` must be one of ... got 'auc'. 'auc' needs ...
    """
    fam = family_name(family)
    valid = FAMILY_MEASURES[fam]
    if measure is None:
        return valid[0]
    if not isinstance(measure, str):
        raise bad_value(arg, "a string naming a measure", measure)
    m = measure.lower()
    if m == "default":
        return valid[0]
    canon = {v.lower(): v for v in valid}
    if m in canon:
        return canon[m]
    choices = ", ".join(repr(v) for v in valid)
    if m in {k.lower() for k in MEASURES}:
        need = {
            "auc": "'auc' needs family='binomial'.",
            "class": "'class' needs family='binomial' or 'multinomial'.",
            "c": "'C', the concordance index, is for family='cox'.",
        }.get(m, "")
        raise bad_value(arg, f"one of {choices} for family {fam!r}", measure, need)
    raise bad_value(
        arg,
        f"one of {choices} for family {fam!r}",
        measure,
        "('C', the concordance index, is for family='cox'.)" if m == "c" else "",
    )


def measure_name(measure: str, family: Any) -> str:
    """Display name of a measure as glmnet prints it (``print(cvfit)``, the plot's y label).

    Examples
    --------
    >>> measure_name("deviance", "poisson")
    'Poisson Deviance'
    >>> measure_name("deviance", "gaussian")
    'Mean-Squared Error'
    >>> measure_name("class", "multinomial")
    'Misclassification Error'
    """
    m = check_measure(measure, family, arg="measure")
    if m == "deviance":
        return _DEVIANCE_NAMES[family_name(family)]
    return MEASURES[m].label


def is_maximized(measure: str) -> bool:
    """True when larger values of ``measure`` are better (``"auc"``).

    Examples
    --------
    >>> is_maximized("auc"), is_maximized("deviance")
    (True, False)
    """
    keys = {k.lower(): k for k in MEASURES}
    if not isinstance(measure, str) or measure.lower() not in keys:
        raise bad_value("measure", f"one of {sorted(MEASURES)}", measure)
    return MEASURES[keys[measure.lower()]].maximize


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
        Encoded response, (n,) or (n, q) for mgaussian (see the module docstring).
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
        Encoded response (see the module docstring): (n,) or (n, q).
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


def assess_measures(family: Any, y: Any, pred_response: Any, weights: Any = None) -> dict[str, Any]:
    """Every measure valid for ``family`` on a test set, like glmnet's ``assess.glmnet``.

    Parameters
    ----------
    family : str or Family
    y : array_like
        Encoded test response (see the module docstring).
    pred_response : array_like
        Predictions on the response scale for one fit (n, ...) or for every lambda (L, n, ...).
    weights : array_like, shape (n,), optional
        Observation weights of the test rows.

    Returns
    -------
    dict
        ``{measure: value}`` in :func:`measures_for` order; floats for one fit, arrays (L,) for
        several.

    Examples
    --------
    >>> res = assess_measures("binomial", [0, 1, 1, 0], [0.2, 0.7, 0.4, 0.1])
    >>> list(res)
    ['deviance', 'class', 'auc', 'mse', 'mae']
    >>> res["class"], res["auc"]
    (0.25, 1.0)
    """
    fam = family_name(family)
    return {m: compute(m, fam, y, pred_response, weights) for m in measures_for(fam)}


def confusion_table(y_codes: Any, pred_codes: Any, classes: Any):
    """Confusion table of true against predicted classes (glmnet's ``confusion.glmnet``).

    Parameters
    ----------
    y_codes : array_like of int, shape (n,)
        True class codes 0..C-1.
    pred_codes : array_like of int, shape (n,)
        Predicted class codes 0..C-1 (e.g. ``argmax`` of the probabilities, or ``p > 0.5``).
    classes : sequence, length C
        Class labels in code order (every class gets a row and a column, even if absent).

    Returns
    -------
    pandas.DataFrame
        Counts; rows are the true classes (index named ``"True"``), columns the predicted
        classes (named ``"Predicted"``); glmnet prints the transpose. ``df.attrs`` holds
        ``"misclassification"`` (off-diagonal share) and ``"percent_correct"`` (glmnet's
        "Percent Correct", a fraction in [0, 1]).

    Examples
    --------
    >>> tab = confusion_table([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], ["a", "b", "c"])
    >>> tab  # doctest: +NORMALIZE_WHITESPACE
    Predicted  a  b  c
    True
    a          1  1  0
    b          0  2  0
    c          1  0  0
    >>> tab.attrs["misclassification"]
    0.4
    """
    import pandas as pd

    labels = list(classes)
    C = len(labels)
    if C < 2:
        raise bad_value("classes", "at least 2 class labels", classes)
    codes = []
    for name, v in (("y_codes", y_codes), ("pred_codes", pred_codes)):
        a = np.asarray(v)
        if (
            a.ndim != 1
            or a.dtype.kind not in "iuf"
            or (a != np.round(a)).any()
            or (a < 0).any()
            or (a > C - 1).any()
        ):
            raise bad_value(name, f"a 1-D array of class codes 0..{C - 1}", v)
        codes.append(a.astype(np.intp))
    yc, pc = codes
    if yc.shape != pc.shape:
        raise bad_value(
            "pred_codes", f"the same length as `y_codes` ({yc.size})", _Text(f"length {pc.size}")
        )
    counts = np.zeros((C, C), dtype=np.int64)
    np.add.at(counts, (yc, pc), 1)
    df = pd.DataFrame(
        counts, index=pd.Index(labels, name="True"), columns=pd.Index(labels, name="Predicted")
    )
    total = counts.sum()
    correct = np.trace(counts) / total if total else np.nan
    df.attrs["percent_correct"] = float(correct)
    df.attrs["misclassification"] = float(1.0 - correct)
    return df
