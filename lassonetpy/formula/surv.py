"""``Surv(time, status)`` on the left of a formula and ``strata(g)`` on the right (no torch).

``Surv`` is evaluated by formulaic as a transform that returns a dict of two numeric columns
(a frame would break formulaic's NA handling), so its arguments may be any Python expression on
the data: ``Surv(time / 365.25, status == 2)``. It takes exactly two arguments: counting-process
``(start, stop]`` data are not supported. ``strata(g)`` (or ``strata(g1, g2)``) must be a term of
its own; it is removed from the design, its variables are not predictors (``.`` leaves them
out), and their values label each row's stratum, as in ``survival::coxph`` and glmnet's
``stratifySurv``.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np
import pandas as pd
from formulaic.parser.types import Term

from ..errors import FormulaError, _short, bad_value

__all__ = [
    "SURV",
    "surv_transform",
    "is_surv_term",
    "check_surv_lhs",
    "strata_terms",
    "strata_labels",
    "with_strata",
]

SURV = "Surv"
_STRATA = "strata"


def surv_transform(*args: Any, **kwargs: Any) -> dict[str, np.ndarray]:
    """The ``Surv`` function formulaic calls: ``{"time": ..., "status": ...}`` as floats.

    Examples
    --------
    >>> surv_transform([3, 5], [True, False])["status"].tolist()
    [1.0, 0.0]
    """
    if kwargs or len(args) != 2:
        raise FormulaError(
            "`Surv()` must have 2 arguments (time, status); got "
            f"{len(args) + len(kwargs)}. Counting-process (start, stop] data are not supported."
        )
    out = {}
    for name, v in zip(("time", "status"), args):
        arr = np.asarray(v)
        out[name] = arr.astype(np.float64) if arr.dtype.kind in "biuf" else arr
    return out


def _call(expr: str, name: str) -> ast.Call | None:
    try:
        node = ast.parse(expr, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
        return node
    return None


def is_surv_term(term: Term) -> bool:
    """A left-hand term ``Surv(...)``."""
    return len(term.factors) == 1 and _call(term.factors[0].expr, SURV) is not None


def check_surv_lhs(lhs: list[Term], formula: str) -> bool:
    """True if the left side is one ``Surv(time, status)`` call; raise if it is malformed."""
    surv = [t for t in lhs if any(SURV + "(" in f.expr.replace(" ", "") for f in t.factors)]
    if not surv:
        return False
    if len(lhs) != 1 or not is_surv_term(lhs[0]):
        raise FormulaError(
            f"`formula` must have Surv(time, status) alone on its left side; got {formula!r}."
        )
    call = _call(lhs[0].factors[0].expr, SURV)
    assert call is not None
    n_args = len(call.args) + len(call.keywords)
    if n_args != 2 or call.keywords:
        raise FormulaError(
            f"`Surv()` must have 2 positional arguments (time, status); got {n_args} in "
            f"{lhs[0].factors[0].expr!r}. Counting-process (start, stop] data are not "
            "supported: give one row per subject."
        )
    return True


def strata_terms(rhs: list[Term], columns: list[str]) -> tuple[list[Term], list[str]]:
    """Split ``strata(...)`` terms off the right side: (other terms, strata variables)."""
    kept: list[Term] = []
    variables: list[str] = []
    for term in rhs:
        calls = [_call(f.expr, _STRATA) for f in term.factors]
        if not any(c is not None for c in calls):
            kept.append(term)
            continue
        if len(term.factors) != 1:
            raise FormulaError(
                f"`formula` must use strata() as a term of its own; got {str(term)!r}. "
                "Interactions with strata are not supported."
            )
        call = calls[0]
        assert call is not None
        names = [a.id for a in call.args if isinstance(a, ast.Name)]
        if call.keywords or not call.args or len(names) != len(call.args):
            raise FormulaError(
                f"`strata()` must name columns of `data`, like strata(g) or strata(g1, g2); "
                f"got {term.factors[0].expr!r}."
            )
        if unknown := [v for v in names if v not in columns]:
            raise FormulaError(
                f"`strata()` must name columns of `data`; got unknown column(s) {unknown}."
            )
        variables += [v for v in names if v not in variables]
    return kept, variables


def strata_labels(frame: pd.DataFrame, variables: tuple[str, ...] | list[str]) -> np.ndarray:
    """Stratum label of every row: the variable's values, or ``"a, b"`` for several.

    Examples
    --------
    >>> df = pd.DataFrame({"g": ["a", "b"], "h": [1, 2]})
    >>> strata_labels(df, ["g", "h"]).tolist()
    ['a, 1', 'b, 2']
    """
    if len(variables) == 1:
        return frame[variables[0]].to_numpy(dtype=object)
    cols = [frame[v].astype(str).to_numpy() for v in variables]
    return np.array([", ".join(vals) for vals in zip(*cols)], dtype=object)


def _strata_values(strata: Any, n: int, data: pd.DataFrame | None) -> np.ndarray | None:
    """``strata=``: a column name of ``data`` or labels aligned with its (or ``X``'s) rows."""
    if strata is None:
        return None
    if isinstance(strata, str) and data is not None:
        if strata not in data.columns:
            raise bad_value(
                "strata",
                "labels or the name of a column of `data`",
                strata,
                f"Columns: {_short(list(data.columns), 200)}.",
                cls=FormulaError,
            )
        strata = data[strata]
    arr = np.asarray(strata, dtype=object)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise bad_value("strata", f"one label per row ({n})", f"shape {arr.shape}")
    return arr


def _strata_na(st: np.ndarray | None) -> np.ndarray | bool:
    return False if st is None else np.asarray(pd.isna(st), dtype=bool)


def with_strata(y: Any, strata: np.ndarray) -> pd.DataFrame:
    """A survival response (frame or (n, 2) array) with a ``strata`` column added."""
    if isinstance(y, pd.DataFrame):
        if "strata" in y.columns:
            raise bad_value("strata", "given once", "a strata column in y and strata=")
        out = y.reset_index(drop=True).copy()
    else:
        arr = np.asarray(y)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise bad_value(
                "y", "an (n, 2) array [time, status] or a frame with time and status", arr.shape
            )
        out = pd.DataFrame({"time": arr[:, 0], "status": arr[:, 1]})
    out["strata"] = np.asarray(strata, dtype=object)
    return out
