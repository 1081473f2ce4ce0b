"""Formula layer: formula + DataFrame -> ``X``, raw ``y``, term groups and a replayable spec.

glmnetUtils' rules on formulaic: non-numeric columns (object, string, category, bool) are
factors with **every** level (``ensure_full_rank=False``); no intercept column (the network has
biases; ``- 1`` changes nothing); one selection group per term; rows with NA in a used variable
are dropped (``"omit"``) or refused (``"fail"``); prediction never drops rows. A
:class:`DesignSpec` is plain data and rebuilds formulaic's ``ModelSpec`` on every ``transform``,
so ``from_dict`` runs the same code. Limits: formulaic transforms, ``np.`` and builtins only (no
user functions); transform state of numbers, strings, lists, dicts or numeric arrays; contrasts
come from the formula text (formulaic keeps them in its state for introspection only).
"""

from __future__ import annotations

import builtins
import difflib
import math
import re
import warnings
from dataclasses import dataclass, fields
from typing import Any

import formulaic
import numpy as np
import pandas as pd
from formulaic import Formula, ModelSpec
from formulaic.errors import DataMismatchWarning, FormulaicError
from formulaic.formula import SimpleFormula
from formulaic.parser.types import Factor, Term
from formulaic.transforms import TRANSFORMS
from formulaic.utils.variables import get_required_variables

from ..errors import FormulaError, InputError, InputTypeError, bad_value
from .surv import SURV, check_surv_lhs, is_surv_term, strata_labels, strata_terms, surv_transform

__all__ = ["Design", "DesignSpec", "build_design"]

_FORMAT = "lassonetpy.DesignSpec"


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


def _encode(value: Any, where: str) -> Any:
    """JSON-able form of a formulaic state value; :func:`_decode` inverts it exactly."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biufU":
        return {"__np__": value.dtype.str, "value": _encode(value.item(), where)}
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        data = [_encode(v, where) for v in value.ravel().tolist()]
        return {"__nd__": value.dtype.str, "shape": list(value.shape), "data": data}
    if isinstance(value, (list, tuple)):
        items = [_encode(v, where) for v in value]
        return items if isinstance(value, list) else {"__tuple__": items}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: _encode(v, where) for k, v in value.items()}
        return {"__items__": [[_encode(k, where), _encode(v, where)] for k, v in value.items()]}
    raise bad_value(
        where,
        "numbers, strings, lists, dicts or numeric arrays",
        value,
        "This transform's state cannot be stored as plain data.",
        cls=FormulaError,
    )


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__np__" in value:
        return np.dtype(value["__np__"]).type(_decode(value["value"]))
    if "__float__" in value:
        return float(value["__float__"])
    if "__nd__" in value:
        data = [_decode(v) for v in value["data"]]
        return np.array(data, dtype=np.dtype(value["__nd__"])).reshape(value["shape"])
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__items__" in value:
        return {_decode(k): _decode(v) for k, v in value["__items__"]}
    return {k: _decode(v) for k, v in value.items()}


def _drop_contrasts(state: Any) -> Any:
    """formulaic keeps a ``ContrastsState`` for introspection only; ``categories`` rule."""
    if isinstance(state, dict):
        return {
            k: _drop_contrasts(v) for k, v in state.items() if type(v).__name__ != "ContrastsState"
        }
    return state


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


@dataclass(frozen=True, slots=True, repr=False)
class DesignSpec:
    """Everything needed to rebuild ``X`` on new data, held as plain (JSON-able) data.

    Attributes
    ----------
    formula, response_name : str
        The formula as written; its left-hand side (None if absent).
    terms : tuple
        Right-hand-side terms, each a tuple of ``(expr, eval_method, kind)`` factors.
    term_names, column_names, model_columns, variables, response_variables : tuple of str
        Term labels; ``X`` columns; all columns before ``exclude``; data columns read by
        the right-hand side (needed in ``newdata``) and by the left-hand side.
    groups : tuple of tuple of int
        Column indices of each term (one selection group per term).
    factor_levels, bool_variables, transform_state, encoder_state
        Training levels of non-numeric variables (bools: ``[False, True]``); formulaic's
        state per factor expression (e.g. spline knots, factor categories).
    strata_variables : tuple of str
        Columns of ``strata(...)`` (survival formulas): they label each row's stratum and
        are not predictors (:meth:`strata` reads them from new data).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0], "x": [0.5, 1.5, 2.5], "g": ["a", "b", "a"]})
    >>> spec = build_design("y ~ x + g", df).spec
    >>> spec.column_names
    ('x', 'g[a]', 'g[b]')
    >>> spec.transform(pd.DataFrame({"x": [9.0], "g": ["b"]})).tolist()
    [[9.0, 0.0, 1.0]]
    """

    formula: str
    terms: tuple[tuple[tuple[str, str, str], ...], ...]
    term_names: tuple[str, ...]
    column_names: tuple[str, ...]
    model_columns: tuple[str, ...]
    groups: tuple[tuple[int, ...], ...]
    variables: tuple[str, ...]
    response_name: str | None
    response_variables: tuple[str, ...]
    factor_levels: dict[str, list[Any]]
    bool_variables: tuple[str, ...]
    transform_state: dict[str, Any]
    encoder_state: dict[str, Any]
    formulaic_version: str = formulaic.__version__
    strata_variables: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (
            f"DesignSpec({self.formula!r}: {len(self.column_names)} columns in "
            f"{len(self.term_names)} terms)"
        )

    def transform(self, newdata: pd.DataFrame) -> np.ndarray:
        """Build the model matrix of ``newdata`` exactly as in training.

        Parameters
        ----------
        newdata : pandas.DataFrame
            Every column in ``variables`` (not the response); no NA; only known levels.

        Returns
        -------
        ndarray of shape (len(newdata), len(column_names))
            float64, columns in ``column_names`` order.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0], "x": [1.0, 2.0, 4.0]})
        >>> build_design("y ~ np.log2(x)", df).spec.transform(pd.DataFrame({"x": [8.0]}))
        array([[3.]])
        """
        if not isinstance(newdata, pd.DataFrame):
            raise bad_value("newdata", "a pandas DataFrame", newdata, cls=InputTypeError)
        available = list(newdata.columns)
        if missing := [v for v in self.variables if v not in available]:
            raise _fail(
                "newdata",
                "a data frame with every variable the formula uses",
                f"missing column(s) {missing}",
                _suggest(missing, available, "columns"),
            )
        if len(newdata) == 0:
            return np.empty((0, len(self.column_names)))
        if na := _na_counts(newdata, list(self.variables)):
            raise _fail(
                "newdata",
                "free of NA in the columns the formula uses",
                f"NA counts {na}",
                "Prediction never drops rows: impute or remove them first.",
            )
        for name in self.variables:
            col, levels = newdata[name], self.factor_levels.get(name)
            if levels is None and (_is_factor(col) or col.dtype.kind == "c"):
                raise _fail(
                    "newdata",
                    f"numeric in column {name!r}, as in training",
                    f"dtype {col.dtype}",
                    "Convert the column to numbers.",
                )
            if levels is not None and (unseen := pd.unique(col[~col.isin(levels)]).tolist()):
                raise _fail(
                    "newdata",
                    f"limited to the levels of factor {name!r} seen in training",
                    f"unseen level(s) {unseen}",
                    f"Known levels: {levels}.",
                )
        terms = [Term([Factor(e, eval_method=m, kind=k) for e, m, k in t]) for t in self.terms]
        encoder = {e: (Factor.Kind(k), _decode(s)) for e, (k, s) in self.encoder_state.items()}
        spec = _model_spec(
            terms, transform_state=_decode(self.transform_state), encoder_state=encoder
        )
        frame = _prepare(newdata[list(self.variables)], self.bool_variables)
        mm = _materialize(spec, frame, "newdata")
        if tuple(mm.columns) != self.model_columns or mm.shape[0] != len(newdata):
            raise FormulaError(
                f"`newdata` gave a model matrix of shape {mm.shape} with "
                f"columns {_names(list(mm.columns))}; expected {len(newdata)} "
                f"rows and columns {_names(list(self.model_columns))}."
            )
        X = mm[list(self.column_names)].to_numpy(dtype=np.float64, copy=True)
        _finite(X, self.column_names, "newdata")
        return X

    def strata(self, newdata: pd.DataFrame) -> np.ndarray | None:
        """Stratum label of every row of ``newdata`` (None when the formula has no strata).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"time": [1.0, 2.0, 3.0], "status": [1, 0, 1],
        ...                    "x": [0.5, 1.5, 2.5], "g": ["a", "b", "a"]})
        >>> spec = build_design("Surv(time, status) ~ . + strata(g)", df).spec
        >>> spec.column_names, spec.strata(df).tolist()
        (('x',), ['a', 'b', 'a'])
        """
        if not self.strata_variables:
            return None
        if not isinstance(newdata, pd.DataFrame):
            raise bad_value("newdata", "a pandas DataFrame", newdata, cls=InputTypeError)
        if missing := [v for v in self.strata_variables if v not in newdata.columns]:
            raise _fail(
                "newdata",
                "a data frame with the formula's strata() columns",
                f"missing column(s) {missing}",
            )
        if na := _na_counts(newdata, list(self.strata_variables)):
            raise _fail("newdata", "free of NA in the strata() columns", f"NA counts {na}")
        return strata_labels(newdata, self.strata_variables)

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as str/int/float/bool/list/dict/None only (JSON, no pickle).

        Returns
        -------
        dict
            Feed it (also after ``json.dumps``/``json.loads``) to :meth:`from_dict`.

        Examples
        --------
        >>> import json, pandas as pd
        >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "x": [0.1, 0.4, 0.2, 0.9]})
        >>> spec = build_design("y ~ scale(x)", df).spec
        >>> DesignSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
        True
        """

        def plain(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return [plain(v) for v in value] if isinstance(value, (tuple, list)) else value

        return {
            "format": _FORMAT,
            "version": 1,
            **{f.name: plain(getattr(self, f.name)) for f in fields(self)},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DesignSpec:
        """Rebuild a spec from :meth:`to_dict` output.

        Parameters
        ----------
        d : dict
            As made by :meth:`to_dict`, possibly after a JSON round trip.

        Returns
        -------
        DesignSpec
            Equal to the original, so ``transform`` gives identical output.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0], "g": ["a", "b", "c"]})
        >>> DesignSpec.from_dict(build_design("y ~ g", df).spec.to_dict()).column_names
        ('g[a]', 'g[b]', 'g[c]')
        """
        if not isinstance(d, dict) or d.get("format") != _FORMAT or d.get("version") != 1:
            raise bad_value(
                "d",
                f"a dict made by DesignSpec.to_dict (format {_FORMAT!r}, version 1)",
                d,
                cls=InputError,
            )
        depth = {
            "terms": 2,
            "groups": 1,
            "term_names": 0,
            "column_names": 0,
            "model_columns": 0,
            "variables": 0,
            "response_variables": 0,
            "bool_variables": 0,
            "strata_variables": 0,
        }

        def tup(value: Any, level: int) -> Any:
            return tuple(tup(v, level - 1) for v in value) if level >= 0 else value

        # fields added later (with defaults) may be absent from older dicts
        return cls(
            **{f.name: tup(d[f.name], depth.get(f.name, -1)) for f in fields(cls) if f.name in d}
        )


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
