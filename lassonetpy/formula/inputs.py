"""User arguments of :func:`lassonetpy.lassonet` -> validated arrays, groups and settings.

:func:`_prepare` is shared by :func:`lassonetpy.lassonet` and :func:`lassonetpy.cv_lassonet`:
both see exactly the same rows, columns, groups, penalty factors, weights and offsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..engine import PathResult, fit_path
from ..engine.rows import is_out_of_core
from ..errors import (
    FormulaError,
    InputError,
    InputTypeError,
    _short,
    _Text,
    bad_value,
)
from ..families import Family, get_family
from .design import Design, DesignSpec, build_design
from .response import (
    check_response,
    family_with_ties,
    reconstruction_target,
    unsupervised_family,
)
from .surv import _strata_na, _strata_values, with_strata

__all__ = ["Prepared", "FIT_ARGS", "_prepare"]

#: Arguments of :func:`lassonet` forwarded unchanged to :func:`lassonetpy.engine.fit_path`.
FIT_ARGS = (
    "hidden",
    "M",
    "nlambda",
    "df_resolution",
    "lambda_",
    "lambda_min_ratio",
    "standardize",
    "dropout",
    "gamma",
    "gamma_skip",
    "batch_size",
    "tol",
    "max_epochs",
    "seed",
    "threads",
    "device",
    "dtype",
    "verbose",
    "body",
)


@dataclass(frozen=True)
class Prepared:
    """User arguments turned into what :func:`~lassonetpy.engine.fit_path` needs.

    Attributes
    ----------
    family : str or Family
        As given (validated).
    X : ndarray of shape (n, p)
        float64 inputs of the kept rows (NA rows dropped, ``exclude`` applied).
    y : pandas.Series, pandas.DataFrame or ndarray
        Response of the kept rows (class labels stay labels).
    weights, offset : ndarray or None
        Observation weights (n,) and offset (n,) or (n, n_outputs) of the kept rows.
    groups : list of list of int
        Columns of each term (a partition of ``range(p)``, in term order).
    penalty_factor : ndarray of shape (n_terms,) or None
        Penalty factor of each term (None: all ones).
    column_names, term_names : tuple of str
        Names of the columns of ``X`` and of the terms (one per group).
    design : Design or None
        The formula design (None for the array interface); ``spec`` replays it.
    input_columns : tuple of str or None
        Array interface: names of all columns of the user's ``X`` before ``exclude``.
    kept_columns : tuple of int or None
        Array interface: which of ``input_columns`` are in ``X``.
    n_dropped : int
        Rows dropped for NA (in the formula's variables, ``y``, weights or offset).
    rows : ndarray of int
        Positions of the kept rows in ``data`` (or ``X``).
    row_index : pandas.Index
        Index labels of the kept rows (positions for arrays).
    fit_kwargs : dict
        Remaining :func:`~lassonetpy.engine.fit_path` arguments (hidden, M, nlambda, ...).
    """

    family: str | Family
    X: np.ndarray
    y: Any
    weights: np.ndarray | None
    offset: np.ndarray | None
    groups: list[list[int]]
    penalty_factor: np.ndarray | None
    column_names: tuple[str, ...]
    term_names: tuple[str, ...]
    design: Design | None
    input_columns: tuple[str, ...] | None
    kept_columns: tuple[int, ...] | None
    n_dropped: int
    rows: np.ndarray
    row_index: pd.Index
    fit_kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def spec(self) -> DesignSpec | None:
        """The formula spec (None for the array interface)."""
        return None if self.design is None else self.design.spec

    def fit(self, masks: Any = None, **overrides: Any) -> PathResult:
        """Run :func:`~lassonetpy.engine.fit_path` on the prepared data.

        Parameters
        ----------
        masks : array-like of shape (B, n), optional
            Training rows of each model (e.g. CV folds; model 0 is usually the full data).
        **overrides
            Replace entries of ``fit_kwargs`` (e.g. ``verbose=False``).

        Returns
        -------
        PathResult
        """
        kw = {**self.fit_kwargs, **overrides}
        return fit_path(
            self.X,
            self.y,
            self.family,
            groups=self.groups,
            penalty_factor=self.penalty_factor,
            weights=self.weights,
            offset=self.offset,
            masks=masks,
            **kw,
        )


def _is_name(value: Any) -> bool:
    return isinstance(value, str)


def _row_values(value: Any, arg: str, n: int, data: pd.DataFrame | None) -> np.ndarray | None:
    """weights/offset: a column name of ``data`` or an array aligned with its rows."""
    if value is None:
        return None
    if _is_name(value):
        if data is None:
            raise bad_value(arg, "an array (a column name needs `data`)", value)
        if value not in data.columns:
            raise bad_value(
                arg,
                "an array or the name of a column of `data`",
                value,
                f"Columns: {_short(list(data.columns), 200)}.",
                cls=FormulaError,
            )
        value = data[value]
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise bad_value(arg, "numeric", value, cls=InputTypeError) from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim not in (1, 2) or arr.shape[0] != n:
        raise bad_value(
            arg,
            f"of length {n} (the rows of {'`data`' if data is not None else '`X`'}"
            ", before NA rows are dropped)",
            f"shape {arr.shape}",
        )
    if np.isinf(arr).any():
        raise bad_value(arg, "finite", value, "Found inf.")
    return arr


def _na_rows(arr: np.ndarray | None) -> np.ndarray | bool:
    if arr is None:
        return False
    return np.isnan(arr) if arr.ndim == 1 else np.isnan(arr).any(axis=1)


def _name_groups(groups: Any, names: list[str]) -> tuple[list[list[int]], list[str]]:
    """User groups (dict, list of lists of indices/names, or a label per column) -> partition."""
    d = len(names)
    lookup = {nm: j for j, nm in enumerate(names)}

    def col(c: Any) -> int:
        if isinstance(c, str):
            if c not in lookup:
                raise bad_value(
                    "groups", "column indices or names of `X`", c, f"Columns: {_short(names, 200)}."
                )
            return lookup[c]
        if isinstance(c, (int, np.integer)) and not isinstance(c, bool) and 0 <= c < d:
            return int(c)
        raise bad_value("groups", f"column indices in 0..{d - 1} or column names", c)

    if isinstance(groups, dict):
        items = [(str(k), [col(c) for c in v]) for k, v in groups.items()]
    else:
        groups = list(groups)
        if groups and all(np.ndim(g) == 0 for g in groups):  # a label per column
            if len(groups) != d:
                raise bad_value("groups", f"one label per column ({d})", f"{len(groups)} labels")
            by: dict[Any, list[int]] = {}
            for j, lab in enumerate(groups):
                by.setdefault(lab, []).append(j)
            items = [(str(k) if isinstance(k, str) else f"group{k}", v) for k, v in by.items()]
        else:
            members = [[col(c) for c in g] for g in groups]
            items = [
                (names[m[0]] if len(m) == 1 else f"group{k + 1}", m) for k, m in enumerate(members)
            ]
    seen: set[int] = set()
    for _, m in items:
        if not m or seen & set(m) or len(set(m)) != len(m):
            raise bad_value("groups", "non-empty and non-overlapping", groups)
        seen |= set(m)
    items += [(names[j], [j]) for j in range(d) if j not in seen]
    return [m for _, m in items], [nm for nm, _ in items]


def _penalty(pf: Any, terms: tuple[str, ...]) -> np.ndarray | None:
    if pf is None:
        return None
    if isinstance(pf, dict):
        if unknown := [k for k in pf if k not in terms]:
            raise bad_value(
                "penalty_factor",
                "a dict keyed by term names",
                unknown,
                f"Terms: {_short(list(terms), 300)}.",
            )
        out = np.ones(len(terms))
        for k, v in pf.items():
            out[terms.index(k)] = v
        pf = out
    try:
        arr = np.asarray(pf, dtype=np.float64)
    except (TypeError, ValueError):
        raise bad_value("penalty_factor", "numbers", pf, cls=InputTypeError) from None
    if arr.ndim != 1 or arr.shape[0] != len(terms):
        raise bad_value(
            "penalty_factor",
            f"a dict {{term: factor}} or one value per term ({len(terms)})",
            f"shape {arr.shape}",
        )
    if not np.isfinite(arr).all() or (arr < 0).any() or not arr.sum() > 0:
        raise bad_value("penalty_factor", "finite, >= 0, with at least one positive value", pf)
    return arr


def _formula_data(
    formula: Any,
    data: Any,
    weights: Any,
    offset: Any,
    exclude: Any,
    na_action: str,
    strata: Any = None,
) -> tuple[Design, np.ndarray | None, np.ndarray | None, int, np.ndarray, np.ndarray | None]:
    if not isinstance(data, pd.DataFrame):
        raise bad_value("data", "a pandas DataFrame", data, cls=InputTypeError)
    n = len(data)
    w = _row_values(weights, "weights", n, data)
    off = _row_values(offset, "offset", n, data)
    st = _strata_values(strata, n, data)
    frame = data.drop(columns=[v for v in (weights, offset, strata) if _is_name(v)])
    na = _na_rows(w) | _na_rows(off) | _strata_na(st)
    if np.any(na) and na_action == "fail":
        raise bad_value(
            "weights` / `offset` / `strata",
            "free of NA when na_action='fail'",
            f"{int(np.sum(na))} NA value(s)",
            "Use na_action='omit'.",
        )
    pos = np.flatnonzero(~np.asarray(na, dtype=bool)) if np.any(na) else np.arange(n)
    if n and not len(pos):
        raise bad_value("weights", "not NA in every row", "only NA in weights/offset")
    design = build_design(
        formula, frame.iloc[pos].reset_index(drop=True), na_action=na_action, exclude=exclude
    )
    rows = pos[np.asarray(design.row_index, dtype=np.int64)]
    return (
        design,
        None if w is None else w[rows],
        None if off is None else off[rows],
        n - len(rows),
        rows,
        None if st is None else st[rows],
    )


def _array_data(
    X: Any,
    y: Any,
    weights: Any,
    offset: Any,
    exclude: Any,
    groups: Any,
    na_action: str,
    strata: Any = None,
) -> dict[str, Any]:
    if y is None and is_out_of_core(X):
        raise bad_value(
            "X", "in memory for the unsupervised path (no `y`)", f"<{type(X).__name__}>"
        )
    if is_out_of_core(X):
        if strata is not None:
            raise bad_value("strata", "None when X is on disk", "labels", cls=InputError)
        return _disk_data(X, y, weights, offset, exclude, groups)
    names = [str(c) for c in X.columns] if isinstance(X, pd.DataFrame) else None
    if names is not None and len(set(names)) < len(names):
        dup = sorted({c for c in names if names.count(c) > 1})
        raise bad_value(
            "X",
            "a DataFrame with unique column names",
            _Text(f"duplicated name(s) {dup}"),
            "Rename the columns first (coefficients and predictions are matched by name).",
        )
    try:
        Xa = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(
            "`X` must be a numeric matrix; got non-numeric values. Encode "
            "categorical columns first, or use the formula interface."
        ) from None
    if Xa.ndim == 1:
        Xa = Xa[:, None]
    if Xa.ndim != 2 or 0 in Xa.shape:
        raise bad_value("X", "a non-empty 2-D matrix (n_samples, n_features)", f"shape {Xa.shape}")
    n, d = Xa.shape
    names = names or [f"x{j + 1}" for j in range(d)]
    ya: Any
    if y is None:  # unsupervised: no response
        ya = np.zeros((n, 0))
    else:
        ya = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    if ya.shape[0] != n:
        raise bad_value("y", f"of length {n} (the rows of X)", f"length {ya.shape[0]}")
    if ya.dtype.names:  # a record array (e.g. scikit-survival's survival response)
        y = pd.DataFrame({k: ya[k] for k in ya.dtype.names})
        ya = y.to_numpy()
    y_na = pd.isna(ya.reshape(n, -1)).any(axis=1)
    w, off = _row_values(weights, "weights", n, None), _row_values(offset, "offset", n, None)
    st = _strata_values(strata, n, None)
    na = np.isnan(Xa).any(axis=1) | y_na | _na_rows(w) | _na_rows(off) | _strata_na(st)
    if na.any() and na_action == "fail":
        raise bad_value(
            "X",
            "free of NA when na_action='fail'",
            f"{int(na.sum())} row(s) with NA",
            "Use na_action='omit' to drop them.",
        )
    if na.all():
        raise bad_value("X", "left with rows after dropping NA", "no complete row")
    rows = np.flatnonzero(~na)
    excl = [exclude] if isinstance(exclude, (str, int)) else list(exclude or [])
    drop = set()
    for e in excl:
        if isinstance(e, str) and e in names:
            drop.add(names.index(e))
        elif isinstance(e, (int, np.integer)) and 0 <= e < d:
            drop.add(int(e))
        else:
            raise bad_value("exclude", "column names or indices of `X`", e)
    members, term_names = _name_groups(groups if groups is not None else [], names)
    kept = [j for j in range(d) if j not in drop]
    if not kept:
        raise bad_value("exclude", "a list leaving at least one column", exclude)
    new = {j: k for k, j in enumerate(kept)}
    grp = [(nm, [new[j] for j in m if j in new]) for nm, m in zip(term_names, members, strict=True)]
    grp = [(nm, m) for nm, m in grp if m]
    return dict(
        X=Xa[np.ix_(rows, np.asarray(kept, dtype=np.intp))],
        y=ya[rows] if not isinstance(y, (pd.Series, pd.DataFrame)) else y.iloc[rows],
        weights=None if w is None else w[rows],
        offset=None if off is None else off[rows],
        strata=None if st is None else st[rows],
        groups=[m for _, m in grp],
        term_names=tuple(nm for nm, _ in grp),
        column_names=tuple(names[j] for j in kept),
        input_columns=tuple(names),
        kept_columns=tuple(kept),
        n_dropped=int(na.sum()),
        rows=rows,
    )


def _disk_data(X: Any, y: Any, weights: Any, offset: Any, exclude: Any, groups: Any) -> dict:
    """An on-disk ``X`` (memmap, h5py/zarr dataset) is passed through unread: the engine streams
    it (and rejects NaN/inf with the row and column). Rows cannot be dropped or columns
    excluded without rewriting the file, so those options are errors here."""
    n, d = (int(v) for v in X.shape)
    if exclude:
        raise bad_value(
            "exclude",
            "empty when X is on disk (a memmap)",
            exclude,
            "Write only the columns to keep, or use `penalty_factor` to leave some unpenalised.",
        )
    ya = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    if ya.shape[0] != n:
        raise bad_value("y", f"of length {n} (the rows of X)", f"length {ya.shape[0]}")
    w, off = _row_values(weights, "weights", n, None), _row_values(offset, "offset", n, None)
    na = pd.isna(ya.reshape(n, -1)).any(axis=1) | _na_rows(w) | _na_rows(off)
    if np.any(na):
        raise bad_value(
            "y",
            "free of NA when X is on disk (rows of a memmap are not dropped)",
            f"{int(np.sum(na))} row(s) with NA in y, weights or offset",
        )
    names = [f"x{j + 1}" for j in range(d)]
    members, term_names = _name_groups(groups if groups is not None else [], names)
    return dict(
        X=X,
        y=ya if not isinstance(y, (pd.Series, pd.DataFrame)) else y,
        weights=w,
        offset=off,
        groups=[list(m) for m in members],
        term_names=tuple(term_names),
        column_names=tuple(names),
        input_columns=tuple(names),
        kept_columns=tuple(range(d)),
        n_dropped=0,
        rows=np.arange(n),
    )


def _prepare(
    formula: Any = None,
    data: Any = None,
    family: str | Family = "gaussian",
    *,
    X: Any = None,
    y: Any = None,
    weights: Any = None,
    offset: Any = None,
    penalty_factor: Any = None,
    exclude: Any = None,
    groups: Any = None,
    na_action: str = "omit",
    ties: Any = None,
    strata: Any = None,
    **fit_kwargs: Any,
) -> Prepared:
    """Validate user arguments of :func:`lassonet` and build the arrays to fit.

    Parameters
    ----------
    formula, data, family, X, y, weights, offset, penalty_factor, exclude, groups, na_action
        As in :func:`lassonet`.
    ties, strata
        Cox fits: the tie method, and stratum labels (or a column name of ``data``).
    **fit_kwargs
        The other :func:`lassonet` arguments (``hidden``, ``M``, ...), kept in
        ``Prepared.fit_kwargs`` for :func:`~lassonetpy.engine.fit_path`.

    Returns
    -------
    Prepared
        ``prepared.fit(masks=...)`` trains; :func:`_build_path` turns the result into a path.
    """
    family = family_with_ties(family, ties)  # fail fast on a bad family name
    if na_action not in ("omit", "fail"):
        raise bad_value("na_action", "'omit' or 'fail'", na_action)
    if unknown := sorted(set(fit_kwargs) - set(FIT_ARGS)):
        raise InputTypeError(f"Unknown argument(s) {unknown}; fit arguments are {list(FIT_ARGS)}.")
    if (formula is None) == (X is None):
        raise InputError(
            "Give either `formula` and `data` (formula interface) or `X` and `y` "
            "(array interface); got " + ("both." if X is not None else "neither.")
        )
    if formula is not None:
        if X is not None or y is not None or groups is not None:
            raise InputError(
                "`X`, `y` and `groups` belong to the array interface; with a "
                "formula every term is a group and the response is its left side."
            )
        design, w, off, n_dropped, rows, st = _formula_data(
            formula, data, weights, offset, exclude, na_action, strata
        )
        if unsupervised := design.y is None:
            family = unsupervised_family(family, formula, offset)
        if design.strata is not None:
            if st is not None:
                raise bad_value(
                    "strata", "None when the formula has strata()", strata, cls=FormulaError
                )
            st = design.strata
        parts: dict[str, Any] = dict(
            X=design.X,
            y=None if design.y is None else design.y.reset_index(drop=True),
            strata=st,
            weights=w,
            offset=off,
            groups=design.groups,
            term_names=tuple(design.term_names),
            column_names=tuple(design.column_names),
            input_columns=None,
            kept_columns=None,
            n_dropped=n_dropped,
            rows=rows,
        )
        row_index = data.index[rows]
    else:
        if data is not None:
            raise InputError("`data` goes with `formula`; with `X` and `y` leave it out.")
        if unsupervised := y is None:
            family = unsupervised_family(family, None, offset)
        parts = _array_data(X, y, weights, offset, exclude, groups, na_action, strata)
        design, row_index = (
            None,
            (X.index[parts["rows"]] if isinstance(X, pd.DataFrame) else pd.Index(parts["rows"])),
        )
    if unsupervised:  # the decoder reconstructs the columns of X
        parts["y"] = reconstruction_target(parts, fit_kwargs.get("standardize", True))
    w = parts["weights"]
    if w is not None and (w < 0).any():
        neg = np.flatnonzero(w < 0)
        raise bad_value(
            "weights",
            "non-negative",
            _Text(
                f"{float(w[neg[0]])!r} at row {int(parts['rows'][neg[0]])} ({len(neg)} negative)"
            ),
        )
    if w is not None and not w.sum() > 0:
        raise bad_value(
            "weights", "non-negative with a positive sum", _Text(f"all {len(w)} weights 0")
        )
    n_rows = int(parts["X"].shape[0])
    if n_rows < 2:
        where = "`data`" if formula is not None else "`X`"
        raise bad_value(
            "data" if formula is not None else "X",
            "left with at least 2 rows after dropping rows with NA",
            _Text(f"{n_rows} row(s) of {n_rows + parts['n_dropped']} in {where}"),
            cls=FormulaError if formula is not None else InputError,
        )
    st = parts.pop("strata", None)
    if st is not None:
        if get_family(family).name != "cox":
            raise bad_value("strata", "None unless family='cox' (a stratified Cox model)", "labels")
        parts["y"] = with_strata(parts["y"], st)
    check_response(family, parts["y"], w)
    return Prepared(
        family=family,
        design=design,
        row_index=row_index,
        penalty_factor=_penalty(penalty_factor, parts["term_names"]),
        fit_kwargs=dict(fit_kwargs),
        **parts,
    )
