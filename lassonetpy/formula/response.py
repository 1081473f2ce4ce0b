"""Responses the family accepts that still cannot be fitted, and the response of the
unsupervised path (no response: the columns themselves); used by :mod:`.inputs`."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import FormulaError, ResponseError, _short, _Text, bad_value
from ..families import Family, ReconstructionTarget, get_family

__all__ = [
    "check_response",
    "family_with_ties",
    "unsupervised_family",
    "reconstruction_target",
]


def check_response(family: str | Family, y: Any, weights: np.ndarray | None) -> None:
    """Refuse a response the family accepts that still cannot be fitted.

    A class with fewer than 2 rows of positive weight (glmnet refuses it too), or a numeric
    response with one value (the null deviance is 0, so nothing can be explained).

    Parameters
    ----------
    family : str or Family
        The family of the fit.
    y : array-like
        The response of the rows kept for fitting.
    weights : ndarray or None
        Their observation weights (rows of weight 0 do not count).

    Raises
    ------
    ResponseError
        With the class counts, or the constant value.

    Examples
    --------
    >>> check_response("binomial", ["a", "a", "b", "b"], None)
    >>> check_response("binomial", ["a", "a", "a", "b"], None)
    Traceback (most recent call last):
    ...
    lassonetpy.errors.ResponseError: `y` must be a response with at least 2 rows of every class \
for family 'binomial'; got 1 row(s) of class 'b' (counts {'a': 3, 'b': 1}). Drop the rare \
class's rows or merge it with another class.
    >>> check_response("gaussian", [2.0, 2.0, 2.0], None)
    Traceback (most recent call last):
    ...
    lassonetpy.errors.ResponseError: `y` must be a response that varies (with one value there \
is nothing to explain: the null deviance is 0); got the value 2.0 in all 3 rows.
    """
    try:
        info = get_family(family).prepare(y, weights)
    except AttributeError:  # a family object without the protocol: the engine reports it
        return
    used = np.ones(len(info.y), bool) if weights is None else np.asarray(weights) > 0
    if info.classes is not None:
        counts = np.bincount(np.asarray(info.y, dtype=np.int64)[used], minlength=len(info.classes))
        if (counts < 2).any():
            rare = int(np.argmin(counts))
            table = {str(c): int(k) for c, k in zip(info.classes.tolist(), counts)}
            raise bad_value(
                "y",
                f"a response with at least 2 rows of every class for family "
                f"{get_family(family).name!r}",
                _Text(
                    f"{int(counts[rare])} row(s) of class {info.classes.tolist()[rare]!r}"
                    + ("" if weights is None else " with positive weight")
                    + f" (counts {_short(table, 200)})"
                ),
                "Drop the rare class's rows or merge it with another class.",
                cls=ResponseError,
            )
        return
    yv = np.asarray(info.y, dtype=np.float64).reshape(len(used), -1)[used]
    if yv.shape[0] and (np.ptp(yv, axis=0) == 0).all():
        raise bad_value(
            "y",
            "a response that varies (with one value there is nothing to explain: the null "
            "deviance is 0)",
            _Text(f"the value {_short(np.asarray(y)[used][0].tolist())} in all {yv.shape[0]} rows"),
            cls=ResponseError,
        )


def family_with_ties(family: Any, ties: Any) -> str | Family:
    """The family as given, or a Cox family object with the requested tie method."""
    fam = get_family(family)
    if ties is None:
        return family
    if fam.name != "cox":
        raise bad_value("ties", "None unless family='cox'", ties)
    if not isinstance(family, str):
        raise bad_value("ties", "None with a family object (set it there: Cox(ties=...))", ties)
    return get_family(family, ties=ties)


def unsupervised_family(family: Any, formula: Any, offset: Any) -> str:
    """The family of the unsupervised path (no response), or a clear error."""
    name = family if isinstance(family, str) else getattr(family, "name", "")
    if str(name).lower() not in ("gaussian", "reconstruction"):
        if formula is not None:
            raise bad_value(
                "formula",
                f"a formula with a response, like 'y ~ .', for family {name!r}",
                formula,
                "A one-sided formula ('~ .') fits the unsupervised path, which reconstructs "
                "the columns; it takes family 'gaussian' (the default).",
                cls=FormulaError,
            )
        raise bad_value(
            "y",
            f"given with `X` for family {name!r}",
            None,
            "Without `y`, lassonet fits the unsupervised path (family 'gaussian', the default).",
        )
    if offset is not None:
        raise bad_value("offset", "None for the unsupervised path (no response)", offset)
    return "reconstruction"


def reconstruction_target(parts: dict[str, Any], standardize: bool) -> ReconstructionTarget:
    """The unsupervised path's target: the columns of X, standardised like the inputs (or,
    with ``standardize=False``, only centred: e.g. pixels, whose units are comparable)."""
    X, w = parts["X"], parts["weights"]
    names = list(parts["column_names"])
    mask = np.ones(X.shape, dtype=bool)
    if standardize:
        return ReconstructionTarget(X, mask, names=names)
    ww = np.ones(X.shape[0]) if w is None else np.asarray(w, dtype=np.float64)
    center = (ww / ww.sum()) @ X
    return ReconstructionTarget(X, mask, center=center, scale=np.ones(X.shape[1]), names=names)
