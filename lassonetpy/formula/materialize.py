"""Formula terms evaluated on a data frame with formulaic (no torch).

What the design layer shares: which data columns a term reads, factor levels and the column
preparation (bools as factors, nullable numbers as floats), NA counts, formulaic's
``ModelSpec`` with glmnetUtils' settings and its model matrix, and the error messages.
:mod:`lassonetpy.formula.design` builds designs with them and
:mod:`lassonetpy.formula.design_spec` replays them.
"""

from __future__ import annotations

import builtins
import difflib
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
from formulaic import ModelSpec
from formulaic.errors import DataMismatchWarning
from formulaic.formula import SimpleFormula
from formulaic.parser.types import Factor, Term
from formulaic.transforms import TRANSFORMS
from formulaic.utils.variables import get_required_variables

from ..errors import FormulaError, bad_value


def _fail(arg: str, expected: str, got: str, hint: str = "", cls: type = FormulaError) -> Any:
    """The package's message template, with ``got`` as ready-made text."""
    return cls(f"`{arg}` must be {expected}; got {got}." + (f" {hint}" if hint else ""))


def _clean(err: BaseException) -> str:
    """The error as one line (formulaic's messages span lines and use terminal colours)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", f"{type(err).__name__}: {err}")
    return " ".join(text.split())


def _names(names: list[Any], limit: int = 20) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def _suggest(unknown: list[str], available: list[str], what: str) -> str:
    hints = [
        f"Did you mean {_names(close)} for {u!r}?"
        for u in unknown
        if (close := difflib.get_close_matches(u, available, n=3))
    ]
    return " ".join([*hints, f"Available {what}: {_names(list(dict.fromkeys(available)))}."])


def _na_counts(frame: pd.DataFrame, columns: list[str]) -> dict[str, int]:
    return {c: int(n) for c, n in frame[columns].isna().sum().items() if n > 0}


def _is_factor(col: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col)


def _variables(terms: list[Term], data: pd.DataFrame, known: tuple[str, ...] = ()) -> list[str]:
    """Data columns the terms read (in data order); unknown names (not in ``known``) raise."""
    cols = list(data.columns)
    used: set[str] = set()
    unknown: set[str] = set()
    for factor in (f for t in terms for f in t.factors):
        if factor.eval_method is Factor.EvalMethod.LOOKUP:
            (used if factor.expr in cols else unknown).add(factor.expr)
        elif factor.eval_method is Factor.EvalMethod.PYTHON:
            for var in get_required_variables(factor.expr):
                if str(var) in cols:  # `alk.phos` is a column, not attribute phos of alk
                    used.add(str(var))
                elif var.root in cols:
                    used.add(var.root)
                elif (
                    var.root not in TRANSFORMS
                    and not hasattr(builtins, var.root)
                    and var.root not in known
                ):
                    unknown.add(str(var))
    if unknown:
        raise _fail(
            "formula",
            "built from columns of `data`",
            f"unknown name(s) {sorted(unknown)}",
            _suggest(sorted(unknown), cols, "columns"),
        )
    return [c for c in cols if c in used]


def _levels(col: pd.Series) -> list[Any]:
    if pd.api.types.is_bool_dtype(col):
        return [False, True]
    cats = (
        col.cat.categories
        if isinstance(col.dtype, pd.CategoricalDtype)
        else (pd.Categorical(col).categories)
    )
    out = [v.item() if isinstance(v, np.generic) else v for v in cats]
    if odd := [v for v in out if not isinstance(v, (str, bool, int, float))]:
        raise bad_value(
            "data",
            f"strings, numbers or bools in factor {col.name!r}",
            odd[0],
            "Convert the column (e.g. .astype(str)).",
            cls=FormulaError,
        )
    return out


def _prepare(frame: pd.DataFrame, bools: tuple[str, ...]) -> pd.DataFrame:
    """Bool columns become factors with levels [False, True]; nullable numbers become float."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if name in bools:
            out[name] = pd.Categorical(col, categories=[False, True])
        elif isinstance(col.dtype, pd.api.extensions.ExtensionDtype) and not _is_factor(col):
            out[name] = col.astype("float64")
    return out


def _model_spec(terms: list[Term], **state: Any) -> ModelSpec:
    return ModelSpec(
        formula=SimpleFormula(terms, _ordering="none"),
        materializer="pandas",
        ensure_full_rank=False,
        na_action="raise",
        output="pandas",
        **state,
    )


def _materialize(
    spec: ModelSpec, frame: pd.DataFrame, arg: str, context: dict | None = None
) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataMismatchWarning)  # unseen level: no silent NaN row
        try:
            return spec.get_model_matrix(frame, context=context or {})
        except Exception as err:
            msg = f"The formula cannot be evaluated on `{arg}`: {_clean(err)}"
            raise FormulaError(msg) from err


def _finite(X: np.ndarray, names: tuple[str, ...], arg: str) -> None:
    if (bad := ~np.isfinite(X).all(axis=0)).any():
        raise _fail(
            arg,
            "free of values that give inf or NaN in the model matrix",
            f"non-finite values in column(s) {[names[j] for j in np.flatnonzero(bad)]}",
            "Filter the rows or change the transform (np.log(0) is -inf).",
        )
