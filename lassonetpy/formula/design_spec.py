"""The replayable design spec: plain (JSON-able) data that rebuilds ``X`` on new data.

A :class:`DesignSpec` holds the terms, names, groups, factor levels and formulaic's transform
and encoder state, encoded as numbers, strings, lists and dicts (:func:`_encode` /
:func:`_decode`), and rebuilds formulaic's ``ModelSpec`` on every ``transform``, so a spec
read back with ``from_dict`` runs the same code. :mod:`lassonetpy.formula.design` makes specs
and re-exports the class. No torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import formulaic
import numpy as np
import pandas as pd
from formulaic.parser.types import Factor, Term

from ..errors import FormulaError, InputError, InputTypeError, bad_value
from .materialize import (
    _fail,
    _finite,
    _is_factor,
    _materialize,
    _model_spec,
    _na_counts,
    _names,
    _prepare,
    _suggest,
)
from .surv import strata_labels

_FORMAT = "lassonetpy.DesignSpec"


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
    >>> from lassonetpy.formula.design import build_design
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
        >>> from lassonetpy.formula.design import build_design
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
        >>> from lassonetpy.formula.design import build_design
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
        >>> from lassonetpy.formula.design import build_design
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
        >>> from lassonetpy.formula.design import build_design
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
