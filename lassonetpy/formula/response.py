"""Responses the family accepts that still cannot be fitted (used by :mod:`.inputs`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ResponseError, _short, _Text, bad_value
from ..families import Family, get_family

__all__ = ["check_response", "family_with_ties"]


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
