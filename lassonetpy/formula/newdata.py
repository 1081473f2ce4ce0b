"""Choosing fits on a path (``s`` / ``df``) and predicting from them; used by LassoNetPath."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import FormulaError, InputError, InputTypeError, NotOnPathError, _Text, bad_value

__all__ = ["resolve", "predict", "baseline_table", "survival_curves", "response_of"]


def _as_list(value: Any) -> tuple[list[Any], bool]:
    if np.ndim(value) == 0:
        return [value], True
    return list(np.asarray(value, dtype=object).ravel()), False


def resolve(self: Any, s: Any, df: Any) -> tuple[list[int], bool]:
    """Path indices of a LassoNetPath for ``s`` (lambdas) or ``df`` (term counts).

    Both None: every index. Returns the indices and whether a single value was given.
    """
    if s is not None and df is not None:
        raise InputError("Give `s` or `df`, not both.")
    if s is None and df is None:
        return list(range(len(self))), False
    lam, top = self.lambdas, float(self.lambdas.max())
    values, scalar = _as_list(s if df is None else df)
    if not values:
        raise bad_value(
            "s" if df is None else "df",
            "a number or a non-empty list of numbers",
            s if df is None else df,
        )
    out = []
    for v in values:
        if isinstance(v, (int, float, np.integer, np.floating)) and not np.isfinite(v):
            raise bad_value("s" if df is None else "df", "a finite number", v)
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.number)):
            what = (
                "a lambda >= 0 or a list of them"
                if df is None
                else "an integer number of terms or a list of them"
            )
            hint = (
                "('lambda_min' / 'lambda_1se' belong to cv_lassonet results)"
                if isinstance(v, str) and df is None
                else ""
            )
            raise bad_value("s" if df is None else "df", what, v, hint, cls=InputTypeError)
        if df is not None:
            if v < 0 or v != int(v):
                raise bad_value("df", "a non-negative integer", v)
            ok = np.flatnonzero(self.df <= v)
            if not len(ok):
                raise NotOnPathError(
                    f"`df` must be at least {int(self.df.min())}, the fewest "
                    f"terms on the path; got {v!r}."
                )
            out.append(int(ok[np.argmax(self.df[ok])]))  # most terms, then smallest lambda
        elif not 0 <= v <= top * (1 + 1e-9):
            raise NotOnPathError(
                f"`s` must be within the path's lambda range [0, {top:.6g}]; "
                f"got {v!r}. s=0 is the dense fit; use `df=` to choose "
                "by the number of terms."
            )
        elif v == 0:
            out.append(0)
        else:
            pos = np.flatnonzero(lam > 0)
            out.append(int(pos[np.argmin(np.abs(np.log(lam[pos]) - np.log(v)))]))
    return out, scalar


def _newx(self: Any, newdata: Any) -> tuple[np.ndarray, pd.Index | None]:
    if self.design is not None:
        return self.design.transform(newdata), newdata.index
    if isinstance(newdata, pd.DataFrame):
        if missing := [c for c in self.column_names if c not in newdata.columns]:
            raise bad_value(
                "newdata",
                f"a DataFrame with the {len(self.column_names)} columns of `X`",
                _Text(f"missing column(s) {missing}"),
                cls=FormulaError,
            )
        try:
            X = newdata[list(self.column_names)].to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise bad_value(
                "newdata",
                "numeric in the columns of `X`",
                newdata.dtypes.to_dict(),
                cls=InputTypeError,
            ) from None
        index: pd.Index | None = newdata.index
    else:
        try:
            X = np.asarray(newdata, dtype=np.float64)
        except (TypeError, ValueError):
            raise bad_value("newdata", "a numeric matrix", newdata, cls=InputTypeError) from None
        index = None
    if X.ndim != 2:
        raise bad_value("newdata", "a 2-D matrix (rows, columns)", f"shape {X.shape}")
    n_in = len(self.input_columns or ())
    if X.shape[1] == n_in and n_in != len(self.column_names) and index is None:
        X = X[:, list(self.kept_columns or ())]
    if X.shape[1] != len(self.column_names):
        raise bad_value(
            "newdata", f"a matrix with {len(self.column_names)} columns", f"shape {X.shape}"
        )
    if not np.isfinite(X).all():
        raise bad_value(
            "newdata",
            "finite (no NA)",
            "NaN/inf values",
            "Prediction never drops rows: impute or remove them first.",
        )
    return X, index


def _newoffset(self: Any, newoffset: Any, newdata: Any, n: int) -> np.ndarray | None:
    if not self.has_offset:
        if newoffset is not None:
            raise bad_value("newoffset", "None (the fit used no offset)", newoffset)
        return None
    if newoffset is None:
        raise bad_value(
            "newoffset",
            "given: the fit used an offset",
            None,
            "Pass one value per row of `newdata` (e.g. np.log(exposure)); it is required.",
        )
    if isinstance(newoffset, str) and isinstance(newdata, pd.DataFrame):
        if newoffset not in newdata.columns:
            raise bad_value("newoffset", "an array or the name of a column of `newdata`", newoffset)
        newoffset = newdata[newoffset]
    try:
        off = np.asarray(newoffset, dtype=np.float64)
    except (TypeError, ValueError):
        raise bad_value("newoffset", "numbers", newoffset, cls=InputTypeError) from None
    if off.ndim not in (1, 2) or off.shape[0] != n:
        raise bad_value("newoffset", f"one value per row of `newdata` ({n})", f"shape {off.shape}")
    if not np.isfinite(off).all():
        raise bad_value("newoffset", "finite (no NA or inf)", newoffset)
    return off.reshape(n, -1)


def _link(self: Any, X: np.ndarray, i: int, off: np.ndarray | None) -> np.ndarray:
    if X.shape[0] == 0:  # no rows, no predictions (of the right shape and type)
        return np.empty((0, int(self._result.response.n_outputs)))
    eta = self._result.predict(X, i, 0, offset=off, type="link")
    if not getattr(self._result.family, "intercept", True):  # cox: no intercept in the link
        eta = eta - self.a0[i]
    return eta


def _times(times: Any) -> np.ndarray:
    if times is None:
        raise bad_value(
            "times",
            "the times at which to predict survival (type='survival')",
            None,
            "E.g. times=[30, 90, 180].",
        )
    try:
        t = np.asarray(times, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise bad_value("times", "numbers >= 0", times, cls=InputTypeError) from None
    if t.size == 0 or not np.isfinite(t).all() or (t < 0).any():
        raise bad_value("times", "finite numbers >= 0 (at least one)", times)
    return t


def _strata_of(self: Any, newdata: Any, newstrata: Any, n: int) -> np.ndarray:
    """Stratum code of each new row (all 0 for an unstratified fit)."""
    levels = self.baseline.levels
    if not levels:
        if newstrata is not None:
            raise bad_value("newstrata", "None (the fit has no strata)", newstrata)
        return np.zeros(n, dtype=np.int64)
    if newstrata is None and self.design is not None:
        newstrata = self.design.strata(newdata)
    if newstrata is None:
        raise InputError(
            "`newstrata` is required: the fit is stratified. Pass the stratum of each row "
            f"(known strata: {list(levels)[:10]})."
        )
    labels = np.asarray(newstrata, dtype=object).ravel()
    if labels.shape[0] != n:
        raise bad_value("newstrata", f"one label per row ({n})", f"length {labels.shape[0]}")
    lookup = {v: k for k, v in enumerate(levels)}
    if unknown := sorted({str(v) for v in labels.tolist() if v not in lookup}):
        raise bad_value(
            "newstrata", f"strata of the fit {list(levels)[:10]}", unknown[:10], cls=InputError
        )
    return np.array([lookup[v] for v in labels.tolist()], dtype=np.int64)


def survival_curves(
    self: Any, X: np.ndarray, i: int, off: Any, times: np.ndarray, codes: np.ndarray
) -> np.ndarray:
    """``S(t | x) = exp(-H0_s(t) exp(link))`` of fit ``i``: shape (n, len(times))."""
    H0 = self.baseline.at(times, i)  # (S, k)
    eta = _link(self, X, i, off)[:, 0]
    with np.errstate(over="ignore"):
        return np.exp(-H0[codes] * np.exp(eta)[:, None])


def baseline_table(self: Any, s: Any, df: Any) -> pd.DataFrame:
    """:meth:`LassoNetPath.baseline_hazard` (documented there)."""
    if self.baseline is None:
        raise bad_value("fit", "a cox fit (a baseline hazard)", f"family {self.family!r}")
    idx, scalar = resolve(self, s, df)
    if not scalar:
        raise bad_value("s", "one lambda (a baseline hazard is for one fit)", s)
    b = self.baseline
    out = pd.DataFrame({"time": b.time, "cumhaz": b.cumhaz[idx[0]]})
    if b.levels:
        out["strata"] = [b.levels[k] for k in b.stratum]
    return out


def predict(
    self: Any,
    newdata: Any,
    s: Any,
    df: Any,
    type: str,
    newoffset: Any,
    times: Any = None,
    newstrata: Any = None,
) -> Any:
    """:meth:`LassoNetPath.predict` (documented there)."""
    if type not in ("link", "response", "class", "survival"):
        raise bad_value("type", "'link', 'response' or 'class' (or 'survival' for cox fits)", type)
    if type == "class" and self.classes is None:
        raise bad_value(
            "type",
            f"'link' or 'response' for family {self.family!r}",
            type,
            "type='class' is for binomial and multinomial fits.",
        )
    if type == "survival" and getattr(self, "baseline", None) is None:
        raise bad_value(
            "type",
            f"'link' or 'response' for family {self.family!r}",
            type,
            "type='survival' is for cox fits.",
        )
    for arg, val in (("times", times), ("newstrata", newstrata)):
        if type != "survival" and val is not None:
            raise bad_value(arg, "None unless type='survival'", val)
    tt = _times(times) if type == "survival" else None
    idx, scalar = resolve(self, s, df)
    X, index = _newx(self, newdata)
    off = _newoffset(self, newoffset, newdata, X.shape[0])
    if tt is not None:
        codes = _strata_of(self, newdata, newstrata, X.shape[0])
        curves = [survival_curves(self, X, i, off, tt, codes) for i in idx]
        if index is None:
            return curves[0] if scalar else np.stack(curves, axis=-1)
        if scalar:
            return pd.DataFrame(curves[0], index=index, columns=pd.Index(tt, name="time"))
        cols = pd.MultiIndex.from_product([[f"s{i}" for i in idx], tt], names=["s", "time"])
        return pd.DataFrame(np.concatenate(curves, axis=1), index=index, columns=cols)
    outs = []
    for i in idx:
        eta = _link(self, X, i, off)
        if type == "response":
            eta = self._result.family.inverse_link(eta)
        elif type == "class":
            code = (eta[:, 0] > 0).astype(int) if eta.shape[1] == 1 else eta.argmax(axis=1)
            eta = np.asarray(self.classes)[code]
        outs.append(eta[:, 0] if eta.ndim == 2 and eta.shape[1] == 1 else eta)
    labels = [f"s{i}" for i in idx]
    multi = outs[0].ndim == 2
    if index is None:
        return outs[0] if scalar else np.stack(outs, axis=-1)
    if scalar:
        if multi:
            return pd.DataFrame(outs[0], index=index, columns=self.output_names)
        return pd.Series(outs[0], index=index, name=labels[0])
    if multi:
        cols = pd.MultiIndex.from_product([labels, self.output_names], names=["s", "output"])
        return pd.DataFrame(np.concatenate(outs, axis=1), index=index, columns=cols)
    return pd.DataFrame(dict(zip(labels, outs, strict=True)), index=index)


def response_of(path: Any, newdata: Any, newy: Any) -> Any:
    """The response of ``newdata`` (the formula's left side evaluated on it) or ``newy``."""
    if newy is not None:
        return newy
    spec = path.design
    if spec is None:
        raise InputError(
            "`newy` is required for a fit from arrays (X, y): pass the response "
            "of the rows of `newdata`."
        )
    if not isinstance(newdata, pd.DataFrame):
        raise bad_value("newdata", "a pandas DataFrame", newdata, cls=InputTypeError)
    if missing := [v for v in spec.response_variables if v not in newdata.columns]:
        raise FormulaError(
            f"`newdata` must hold the response to assess the fit; missing "
            f"column(s) {missing} of the formula's left side "
            f"{spec.response_name!r}."
        )
    from formulaic import Formula

    from .design import _response as eval_response

    parsed = Formula(
        spec.formula, _context={"__formulaic_variables_available__": list(newdata.columns)}
    )
    lhs = [t for t in getattr(parsed, "lhs", []) if t.degree > 0]
    return eval_response(lhs, newdata[list(spec.response_variables)])
