"""Formula layer: formula + DataFrame -> ``X``, raw ``y``, term groups and a replayable spec.

glmnetUtils' rules on formulaic: non-numeric columns (object, string, category, bool) are
factors with **every** level (``ensure_full_rank=False``); no intercept column (the network has
biases; ``- 1`` changes nothing); one selection group per term; rows with NA in a used variable
are dropped (``"omit"``) or refused (``"fail"``); prediction never drops rows. A
:class:`DesignSpec` is plain data and rebuilds formulaic's ``ModelSpec`` on every ``transform``,
so ``from_dict`` runs the same code. Limits: formulaic transforms, ``np.`` and builtins only (no
user functions); transform state of numbers, strings, lists, dicts or numeric arrays; contrasts
come from the formula text (formulaic keeps them in its state for introspection only).

This module builds a :class:`Design` (term groups, NA policy); the spec is
:mod:`lassonetpy.formula.design_spec` (re-exported here) and the formulaic plumbing both share
is :mod:`lassonetpy.formula.materialize`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from formulaic import Formula
from formulaic.errors import FormulaicError
from formulaic.formula import SimpleFormula
from formulaic.parser.types import Factor, Term

from ..errors import FormulaError, InputError, InputTypeError, bad_value
from .design_spec import DesignSpec, _drop_contrasts, _encode
from .materialize import (
    _clean,
    _fail,
    _finite,
    _is_factor,
    _levels,
    _materialize,
    _model_spec,
    _na_counts,
    _prepare,
    _suggest,
    _variables,
)
from .surv import SURV, check_surv_lhs, is_surv_term, strata_labels, strata_terms, surv_transform

__all__ = ["Design", "DesignSpec", "build_design"]


@dataclass(frozen=True, slots=True, repr=False)
class Design:
    """A materialised design: ``X``, the raw response and the spec that replays it.

    Attributes
    ----------
    X : ndarray of shape (n_kept, p)
        float64 model matrix; no intercept; factors with every level.
    y : pandas.Series, pandas.DataFrame or None
        Raw response of the kept rows (labels stay labels); a DataFrame for several
        left-hand columns; None for ``"~ x1 + x2"``.
    spec : DesignSpec
        Replays the design on new data.
    n_dropped, row_index : int, pandas.Index
        Number of rows dropped for NA; ``data`` index labels of the kept rows.
    strata : ndarray or None
        Stratum label of each kept row (formulas with ``strata(...)``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.0, None, 4.0], "x": [1.0, 2.0, 3.0, 4.0],
    ...                    "g": ["a", "b", "b", "c"]})
    >>> d = build_design("y ~ .", df)
    >>> d.X.shape, d.n_dropped, d.groups, d.term_of_column.tolist()
    ((3, 4), 1, [[0], [1, 2, 3]], [0, 1, 1, 1])
    """

    X: np.ndarray
    y: pd.Series | pd.DataFrame | None
    spec: DesignSpec
    n_dropped: int
    row_index: pd.Index
    strata: np.ndarray | None = None

    @property
    def column_names(self) -> list[str]:
        """Names of the columns of ``X``."""
        return list(self.spec.column_names)

    @property
    def term_names(self) -> list[str]:
        """Formula term labels, one per group."""
        return list(self.spec.term_names)

    @property
    def groups(self) -> list[list[int]]:
        """Column indices of each term (a selection group per term)."""
        return [list(g) for g in self.spec.groups]

    @property
    def term_of_column(self) -> np.ndarray:
        """Term number of each column: int array of shape (p,)."""
        return np.repeat(np.arange(len(self.spec.groups)), [len(g) for g in self.spec.groups])

    @property
    def response_name(self) -> str | None:
        """Left-hand side label (``"y"``, ``"np.log(y)"``, ``"y1 + y2"``) or None."""
        return self.spec.response_name

    def __repr__(self) -> str:
        n, p = self.X.shape
        return (
            f"<Design {self.spec.formula!r}: {n} rows x {p} columns in "
            f"{len(self.spec.groups)} terms, {self.n_dropped} rows dropped (NA)>"
        )


def _response(lhs: list[Term], kept: pd.DataFrame) -> pd.Series | pd.DataFrame | None:
    """Plain columns stay raw (labels untouched); transformed terms go through formulaic;
    ``Surv(time, status)`` gives a frame with columns ``time`` and ``status``."""
    if len(lhs) == 1 and is_surv_term(lhs[0]):
        ctx = {SURV: surv_transform}
        surv = _materialize(_model_spec(lhs), kept, "data", context=ctx)
        return pd.DataFrame(surv.to_numpy(), columns=["time", "status"], index=kept.index)
    parts = [
        kept[t.factors[0].expr].copy()
        if len(t.factors) == 1 and t.factors[0].eval_method is Factor.EvalMethod.LOOKUP
        else pd.DataFrame(_materialize(_model_spec([t]), kept, "data"))
        for t in lhs
    ]
    if not parts:
        return None
    y = pd.concat(parts, axis=1) if len(parts) > 1 else parts[0]
    return y.iloc[:, 0] if isinstance(y, pd.DataFrame) and y.shape[1] == 1 else y


def build_design(
    formula: str,
    data: pd.DataFrame,
    *,
    na_action: str = "omit",
    exclude: str | list[str] | None = None,
) -> Design:
    """Evaluate a model formula on a data frame, R style.

    Parameters
    ----------
    formula : str
        E.g. ``"y ~ ."``, ``"y ~ x1 + C(g) + bs(x2, df=4) + x1:x3"``, ``"y ~ . - x4"``,
        ``"np.log(y) ~ ."``, ``"y1 + y2 ~ ."``. ``.`` is every column not on the left.
    data : pandas.DataFrame
        The data; never modified.
    na_action : {"omit", "fail"}, default "omit"
        Drop rows with NA in any variable the formula uses (R's ``na.omit``), or raise.
    exclude : str or list of str, optional
        Like glmnet's ``exclude``: term names (removed as if subtracted in the formula) or
        column names (dropped from ``X``, e.g. the level ``"g[a]"``).

    Returns
    -------
    Design
        ``X``, ``y``, ``spec``, names, groups, ``n_dropped`` and ``row_index``.

    Raises
    ------
    FormulaError
        Bad formula, unknown column or ``exclude`` name, NA problems, non-finite columns.
    InputError, InputTypeError
        Bad ``data`` or ``na_action``; ``formula`` not a string.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "x": [0.1, 0.4, 0.2, 0.9],
    ...                    "g": ["a", "b", "a", "c"]})
    >>> d = build_design("y ~ x + g", df)
    >>> d.column_names, d.term_names, d.groups
    (['x', 'g[a]', 'g[b]', 'g[c]'], ['x', 'g'], [[0], [1, 2, 3]])
    """
    if not isinstance(formula, str):
        raise bad_value("formula", "a string like 'y ~ x1 + x2'", formula, cls=InputTypeError)
    if "~" not in formula:
        raise bad_value(
            "formula",
            "a string with '~' like 'y ~ x1 + x2'",
            formula,
            "Put the response left of '~', the predictors right.",
            cls=FormulaError,
        )
    if not isinstance(data, pd.DataFrame):
        raise bad_value("data", "a pandas DataFrame", data, cls=InputTypeError)
    if 0 in data.shape:
        raise _fail("data", "a non-empty DataFrame", f"shape {data.shape}", cls=InputError)
    if not all(isinstance(c, str) for c in data.columns) or data.columns.has_duplicates:
        raise bad_value(
            "data",
            "a DataFrame with unique string column names",
            list(data.columns),
            "Rename the columns first.",
        )
    if na_action not in ("omit", "fail"):
        raise bad_value("na_action", "'omit' or 'fail'", na_action)
    excl = [exclude] if isinstance(exclude, str) else list(exclude or [])
    if not all(isinstance(e, str) for e in excl):
        raise bad_value("exclude", "a term or column name, or a list of them", exclude)

    try:
        parsed = Formula(
            formula, _context={"__formulaic_variables_available__": list(data.columns)}
        )
    except (FormulaicError, SyntaxError) as err:  # SyntaxError: a Python term like C(lambda)
        raise bad_value(
            "formula",
            "a valid formula",
            formula,
            f"formulaic says: {_clean(err)}",
            cls=FormulaError,
        ) from err
    simple = isinstance(parsed, SimpleFormula)
    lhs_all = [] if simple else getattr(parsed, "lhs", [])
    rhs_all = parsed if simple else getattr(parsed, "rhs", None)
    if not isinstance(rhs_all, SimpleFormula):
        raise bad_value(
            "formula", "a formula with one '~' and no '|' parts", formula, cls=FormulaError
        )
    lhs = [t for t in lhs_all if t.degree > 0]
    rhs = [t for t in rhs_all if t.degree > 0 and str(t) not in excl]
    surv = check_surv_lhs(lhs, formula)
    rhs, strata_vars = strata_terms(rhs, list(data.columns))
    if strata_vars:  # strata variables are not predictors: `.` leaves them out
        avail = [c for c in data.columns if c not in strata_vars]
        again = Formula(formula, _context={"__formulaic_variables_available__": avail})
        rhs_again = again if isinstance(again, SimpleFormula) else getattr(again, "rhs", [])
        rhs_again = [t for t in rhs_again if t.degree > 0 and str(t) not in excl]
        rhs, _ = strata_terms(rhs_again, list(data.columns))
    if not rhs:
        raise (
            bad_value("exclude", "a list leaving at least one term", exclude, cls=FormulaError)
            if excl
            else bad_value(
                "formula",
                "a formula with at least one predictor",
                formula,
                "The intercept is implicit (the network has biases).",
                cls=FormulaError,
            )
        )
    variables = _variables(rhs, data)
    response_variables = _variables(lhs, data, known=(SURV,) if surv else ())
    used = [
        c for c in data.columns if c in variables or c in response_variables or c in strata_vars
    ]

    na = _na_counts(data, used)
    if empty := [c for c, n in na.items() if n == len(data)]:
        raise _fail(
            "data",
            "free of all-NA columns used by the formula",
            f"only NA in {empty}",
            f"Leave them out, e.g. 'y ~ . - {empty[0]}'.",
        )
    if na and na_action == "fail":
        raise _fail(
            "data",
            "free of NA in the formula's columns when na_action='fail'",
            f"NA counts {na}",
            "Use na_action='omit' to drop these rows.",
        )
    keep = ~data[used].isna().any(axis=1).to_numpy()
    if not keep.any():
        raise _fail(
            "data",
            "left with at least one row after dropping rows with NA",
            f"0 of {len(data)} rows complete; NA counts {na}",
            "Leave the sparsest columns out of the formula.",
        )
    kept = data.loc[keep, used]
    if cplx := [c for c in used if kept[c].dtype.kind == "c"]:
        raise _fail(
            "data",
            "real numbers in the columns the formula uses",
            f"complex column(s) {cplx}",
            "Take .real, .imag or abs() of them first.",
        )

    bools = tuple(v for v in variables if pd.api.types.is_bool_dtype(kept[v]))
    levels = {v: _levels(kept[v]) for v in variables if _is_factor(kept[v])}
    mm = _materialize(_model_spec(rhs), _prepare(kept[variables], bools), "data")
    model_columns = tuple(str(c) for c in mm.columns)
    dropped = [e for e in excl if e not in {str(t) for t in rhs_all}]
    if unknown := [e for e in dropped if e not in model_columns]:
        avail = [str(t) for t in rhs_all if t.degree > 0] + list(model_columns)
        raise _fail(
            "exclude",
            "names of terms or columns of the design",
            f"unknown name(s) {unknown}",
            _suggest(unknown, avail, "terms and columns"),
        )
    column_names: list[str] = []
    groups, term_names = [], []
    for term, where in mm.model_spec.term_slices.items():
        if cols := [c for c in model_columns[where] if c not in dropped]:
            term_names.append(str(term))
            groups.append(tuple(range(len(column_names), len(column_names) + len(cols))))
            column_names.extend(cols)
    if not column_names:
        raise bad_value("exclude", "a list leaving at least one column", excl, cls=FormulaError)
    X = mm[column_names].to_numpy(dtype=np.float64, copy=True)
    _finite(X, tuple(column_names), "data")

    state = mm.model_spec
    spec = DesignSpec(
        formula=formula,
        terms=tuple(
            tuple((f.expr, f.eval_method.value, f.kind.value) for f in t.factors) for t in rhs
        ),
        term_names=tuple(term_names),
        column_names=tuple(column_names),
        model_columns=model_columns,
        groups=tuple(groups),
        variables=tuple(variables),
        response_name=" + ".join(str(t) for t in lhs) or None,
        response_variables=tuple(response_variables),
        strata_variables=tuple(strata_vars),
        factor_levels=levels,
        bool_variables=bools,
        transform_state=_encode(state.transform_state, "transform state"),
        encoder_state={
            e: [k.value, _encode(_drop_contrasts(s), f"state of {e}")]
            for e, (k, s) in state.encoder_state.items()
        },
    )
    return Design(
        X=X,
        y=_response(lhs, kept),
        spec=spec,
        n_dropped=int((~keep).sum()),
        row_index=data.index[keep],
        strata=strata_labels(kept, strata_vars) if strata_vars else None,
    )
