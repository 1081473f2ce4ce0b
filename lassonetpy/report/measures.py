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

from typing import Any

import numpy as np

from ..errors import bad_value
from .measure_compute import _Text, auc, compute, pointwise
from .measure_registry import (
    FAMILY_MEASURES,
    MEASURES,
    PROB_MIN,
    Measure,
    check_measure,
    default_measure,
    family_name,
    is_maximized,
    measure_name,
    measures_for,
)

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
