"""A survival response: event or censoring ``time``, ``status`` (1 = event) and strata, checked.

:func:`as_surv` accepts what users of glmnet, scikit-survival and lifelines hold:

- a data frame with columns ``time`` and ``status`` (or ``event``), and optionally ``strata``
  (this is what the formula's ``Surv(time, status)`` and ``strata(g)`` produce);
- a numpy structured array with fields ``time`` and ``status`` / ``event`` (scikit-survival);
- a two-column array ``[time, status]`` (glmnet's legacy matrix).

Times must be finite and positive (glmnet's rule), ``status`` 0/1 or booleans, with at least
one event. Strata are any labels; they are coded ``0..S-1`` in sorted order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ResponseError, bad_value

__all__ = ["SurvResponse", "as_surv", "strata_codes"]

_STATUS_NAMES = ("status", "event", "cens", "death", "dead")


class _Got(str):
    """A description shown as-is (no quotes) after ``got`` in an error message."""

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class SurvResponse:
    """A checked survival response.

    Attributes
    ----------
    time : ndarray of float64, shape (n,)
        Event or censoring times, finite and > 0.
    status : ndarray of float64, shape (n,)
        1.0 = event, 0.0 = censored.
    strata : ndarray of int64, shape (n,)
        Stratum code of each row, ``0..S-1`` (all 0 without strata).
    levels : tuple
        Stratum labels in code order (``()`` without strata).
    """

    time: np.ndarray
    status: np.ndarray
    strata: np.ndarray
    levels: tuple

    @property
    def n_strata(self) -> int:
        """Number of strata ``S`` (1 without strata)."""
        return max(1, len(self.levels))

    def as_array(self) -> np.ndarray:
        """``[time, status, stratum code]`` as an (n, 3) float64 array."""
        return np.column_stack([self.time, self.status, self.strata.astype(np.float64)])


def strata_codes(labels: Any, arg: str = "strata") -> tuple[np.ndarray, tuple]:
    """Code stratum labels ``0..S-1`` in sorted order.

    Parameters
    ----------
    labels : array-like of shape (n,)
        Any sortable labels (strings, numbers, booleans, a categorical); no missing values.
    arg : str
        Argument name for error messages.

    Returns
    -------
    (ndarray of int64, tuple)
        The codes and the labels in code order.

    Examples
    --------
    >>> codes, levels = strata_codes(["b", "a", "b"])
    >>> codes.tolist(), levels
    ([1, 0, 1], ('a', 'b'))
    """
    cats = getattr(getattr(labels, "cat", None), "categories", None)
    arr = np.asarray(labels, dtype=object if cats is not None else None)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise bad_value(arg, "one label per row", f"shape {arr.shape}", cls=ResponseError)
    missing = np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in arr])
    if missing.any():
        raise bad_value(
            arg,
            "free of missing values",
            _Got(
                f"{int(missing.sum())} missing label(s), first at row {int(np.flatnonzero(missing)[0])}"
            ),
            "Drop those rows or give them a stratum of their own.",
            cls=ResponseError,
        )
    if cats is not None:
        present = set(arr.tolist())
        levels = tuple(c for c in cats if c in present)
    else:
        try:
            levels = tuple(np.unique(arr).tolist())
        except TypeError:
            raise bad_value(arg, "sortable labels", arr[:5].tolist(), cls=ResponseError) from None
    lookup = {v: i for i, v in enumerate(levels)}
    codes = np.fromiter((lookup[v] for v in arr.tolist()), dtype=np.int64, count=arr.shape[0])
    return codes, levels


def _column(y: Any, names: tuple[str, ...]) -> tuple[str, Any] | None:
    fields = getattr(getattr(y, "dtype", None), "names", None)
    cols = list(fields) if fields else [str(c) for c in getattr(y, "columns", [])]
    for name in names:
        if name in cols:
            return name, y[name]
    return None


def _split(y: Any, arg: str) -> tuple[Any, Any, Any]:
    """``time``, ``status`` and strata (or None) from a frame, a record array or a matrix."""
    named = getattr(getattr(y, "dtype", None), "names", None) or hasattr(y, "columns")
    if named:
        cols = (
            list(y.dtype.names)
            if getattr(getattr(y, "dtype", None), "names", None)
            else [str(c) for c in y.columns]
        )
        t = _column(y, ("time",))
        s = _column(y, _STATUS_NAMES)
        g = _column(y, ("strata",))
        extra = [c for c in cols if c not in {t and t[0], s and s[0], g and g[0]}]
        if t is None or s is None or extra:
            raise bad_value(
                arg,
                "a survival response: columns 'time' and 'status' (or 'event'), optionally "
                "'strata'",
                f"columns {cols}",
                "In a formula write Surv(time, status) on the left.",
                cls=ResponseError,
            )
        return t[1], s[1], None if g is None else g[1]
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 2:
        return arr[:, 0], arr[:, 1], None
    if arr.ndim == 2 and arr.shape[1] == 3:
        raise bad_value(
            arg,
            "two columns [time, status]",
            "three columns",
            "Counting-process (start, stop] data are not supported; give one row per subject.",
            cls=ResponseError,
        )
    raise bad_value(
        arg,
        "a survival response: a frame with 'time' and 'status', or an (n, 2) array [time, status]",
        f"shape {arr.shape}",
        "In a formula write Surv(time, status) on the left.",
        cls=ResponseError,
    )


def _times(t: Any) -> np.ndarray:
    try:
        time = np.asarray(t, dtype=np.float64)
    except (TypeError, ValueError):
        raise bad_value(
            "time", "numbers", np.asarray(t, dtype=object)[:3].tolist(), cls=ResponseError
        ) from None
    bad = ~np.isfinite(time) | (time <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise bad_value(
            "time",
            "finite and > 0 (survival times)",
            _Got(f"{int(bad.sum())} bad value(s), e.g. {float(time[i])!r} at row {i}"),
            "Drop rows with missing times (na_action='omit'); a zero time can be replaced by a "
            "small positive one, as glmnet requires.",
            cls=ResponseError,
        )
    return time


def _status(s: Any) -> np.ndarray:
    raw = np.asarray(s)
    if raw.dtype.kind == "b":
        return raw.astype(np.float64)
    try:
        st = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise bad_value(
            "status", "0/1 or booleans (1 = event)", raw[:5].tolist(), cls=ResponseError
        ) from None
    bad = ~np.isin(st, (0.0, 1.0))
    if bad.any():
        vals = np.unique(st[bad])[:5].tolist()
        hint = (
            "Status coded 1 = censored, 2 = event (as in R's lung and pbc data)? Write "
            "Surv(time, status == 2)."
            if set(np.unique(st).tolist()) <= {1.0, 2.0}
            else "Use 1 for an event and 0 for censoring, e.g. Surv(time, status == 2)."
        )
        raise bad_value(
            "status", "0 (censored) or 1 (event), or booleans", vals, hint, cls=ResponseError
        )
    return st


def as_surv(y: Any, strata: Any = None, *, arg: str = "y") -> SurvResponse:
    """Check a survival response and return it as arrays.

    Parameters
    ----------
    y : DataFrame, structured array or array of shape (n, 2)
        See the module docstring.
    strata : array-like of shape (n,), optional
        Stratum labels (instead of a ``strata`` column of ``y``).
    arg : str
        Name of ``y`` in error messages.

    Returns
    -------
    SurvResponse

    Raises
    ------
    ResponseError
        Times not finite and positive, status not 0/1, no event, strata with missing labels,
        a response that is not a survival response.

    Examples
    --------
    >>> import numpy as np
    >>> r = as_surv(np.array([[5.0, 1], [3.0, 0], [9.0, 1]]))
    >>> r.time.tolist(), r.status.tolist(), r.n_strata
    ([5.0, 3.0, 9.0], [1.0, 0.0, 1.0], 1)
    >>> as_surv(np.array([[5.0, 1], [3.0, 2]]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lassonetpy.errors.ResponseError: `status` must be 0 (censored) or 1 (event), ... Surv(time, status == 2).
    """
    t, s, g = _split(y, arg)
    time, status = _times(t), _status(s)
    if time.shape != status.shape or time.ndim != 1:
        raise bad_value(arg, "time and status of equal length", f"{time.shape} and {status.shape}")
    if not status.any():
        raise bad_value(
            "status",
            "1 (an event) for at least one row: the partial likelihood needs events",
            "only censored rows (all 0)",
            cls=ResponseError,
        )
    if g is not None and strata is not None:
        raise bad_value(
            "strata", "given once (as strata= or as a strata column)", "both", cls=ResponseError
        )
    g = strata if strata is not None else g
    if g is None:
        return SurvResponse(time, status, np.zeros(time.shape[0], dtype=np.int64), ())
    codes, levels = strata_codes(g)
    if codes.shape[0] != time.shape[0]:
        raise bad_value("strata", f"one label per row ({time.shape[0]})", f"{codes.shape[0]}")
    return SurvResponse(time, status, codes, levels)
