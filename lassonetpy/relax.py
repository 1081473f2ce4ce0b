r"""The relaxed LassoNet: refit the selected terms without penalty (glmnet's ``relax``).

Along a path the penalty that removes terms also shrinks the ones that stay. The paper's
evaluation protocol (Section 5, Table 1) therefore "re-trained the feed-forward network from
scratch" on the selected features. :meth:`LassoNetPath.relax` makes that a method:

* every chosen path point is refitted on its selected terms alone: the dense LassoNet fit
  (``lambda = 0``: the hierarchy constraint only) on those columns, a fresh network each, all
  points in one batch of the engine (:func:`lassonetpy.engine.refit.fit_refits`; points that
  select the same terms share one refit);
* the hidden size is the path's, or chosen per point from a list on validation rows (given,
  or a split of the training rows; then the chosen size is refitted on all of them);
* the result, :class:`RelaxedFit`, predicts like the path: ``s=`` / ``df=`` pick the path
  point (glmnet's semantics: the relaxed fit *at* that lambda).

:func:`cv_relaxed` is what ``cv_lassonet(..., relax=True)`` adds: the refits of every model
of the CV batch (full data and folds) at every path point, one engine batch, cross-validated
on the folds' held-out rows (:class:`CVRelaxed`).
"""

from __future__ import annotations

import time
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .engine import take_models
from .engine.refit import as_points, fit_refits
from .errors import InputError, InputTypeError, NotOnPathError, bad_value
from .path import LassoNetPath
from .report.printing import format_lambda

__all__ = ["RelaxedFit", "CVRelaxed", "relax_path", "cv_relaxed"]


def _ro(a: Any) -> np.ndarray:
    out = np.array(a, copy=True)
    out.setflags(write=False)
    return out


# --------------------------------------------------------------------------------------------
# the result
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class RelaxedFit:
    """Networks refitted without penalty on the terms selected at points of a path.

    Built by :meth:`LassoNetPath.relax`; never modified. ``predict``, ``coef`` and
    ``nonzero`` take ``s`` / ``df`` as on the path and use the refit *at* that path point.

    Attributes
    ----------
    call : str
        The path's call followed by the ``relax(...)`` arguments.
    path_index : ndarray of shape (R,)
        Path index of each refit (the first point with its set of terms).
    lambdas, df : ndarray of shape (R,)
        The path's lambda and number of terms at those points.
    dev_ratio : ndarray of shape (R,)
        Fraction of the null deviance the refit explains on its training rows.
    path_dev_ratio : ndarray of shape (R,)
        The same for the path's (penalised) fit at that point.
    hidden : tuple of tuple of int
        Hidden layer sizes of each refit.
    validation : pandas.DataFrame or None
        With several hidden sizes: the validation measure of every size (columns) at every
        refitted point (rows ``"s<i>"``).
    measure_name : str or None
        The validation measure.
    epochs : ndarray of shape (R,)
        Epochs of each refit.

    Examples
    --------
    >>> from lassonetpy import lassonet
    >>> from lassonetpy.datasets import load_boston
    >>> fit = lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=10, seed=0,
    ...                verbose=False)
    >>> rf = fit.relax(df=4)
    >>> rf.df.tolist() == [len(fit.nonzero(df=4))]
    True
    """

    call: str
    path_index: np.ndarray
    lambdas: np.ndarray
    df: np.ndarray
    dev_ratio: np.ndarray
    path_dev_ratio: np.ndarray
    hidden: tuple[tuple[int, ...], ...]
    validation: pd.DataFrame | None
    measure_name: str | None
    epochs: np.ndarray
    _path: LassoNetPath
    _parts: tuple[LassoNetPath, ...]
    _where: np.ndarray  # (R, 2): part and point of each refit
    _refit_of: np.ndarray  # (L,): refit of each path index (-1: none)

    def __len__(self) -> int:
        return len(self.path_index)

    @property
    def family(self) -> str:
        """Name of the response family."""
        return self._path.family

    def _resolve(self, s: Any, df: Any) -> tuple[list[int], bool]:
        if s is None and df is None:
            return list(range(len(self))), False
        idx, scalar = self._path._indices(s, df)
        out = []
        for i in idx:
            r = int(self._refit_of[i])
            if r < 0:
                have = ", ".join(f"s{j}" for j in self.path_index[:12])
                raise NotOnPathError(
                    f"`s` / `df` must pick a refitted point; path point s{i} (lambda = "
                    f"{format_lambda(self._path.lambdas[i])}, {int(self._path.df[i])} terms) "
                    f"was not refitted. Refitted: {have}. Call relax() with it."
                )
            out.append(r)
        return out, scalar

    def _label(self, r: int) -> str:
        return f"s{int(self.path_index[r])}"

    def predict(
        self, newdata: Any, s: Any = None, df: Any = None, type: str = "link", newoffset: Any = None
    ) -> Any:
        """Predict with the refits, like :meth:`LassoNetPath.predict`.

        Parameters
        ----------
        newdata : pandas.DataFrame or array-like
            As for the path.
        s, df : optional
            The path point(s) (default: every refit); each must have been refitted.
        type : {"link", "response", "class"}
            As for the path.
        newoffset : array-like or str, optional
            Required when the fit used an offset.

        Returns
        -------
        pandas.Series / DataFrame or ndarray
            As the path's, with columns ``"s<i>"`` labelled by path index.

        Examples
        --------
        >>> from lassonetpy import lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> df = load_boston()
        >>> fit = lassonet("medv ~ .", df, hidden=(8,), nlambda=10, seed=0, verbose=False)
        >>> fit.relax(df=4).predict(df.head(2), df=4).shape
        (2,)
        """
        idx, scalar = self._resolve(s, df)
        outs = []
        for r in idx:
            part, q = (int(v) for v in self._where[r])
            fit = self._parts[part]
            outs.append(
                fit.predict(newdata, s=float(fit.lambdas[q]), type=type, newoffset=newoffset)
            )
        if scalar:
            out = outs[0]
            return out.rename(self._label(idx[0])) if isinstance(out, pd.Series) else out
        labels = [self._label(r) for r in idx]
        if isinstance(outs[0], pd.Series):
            return pd.DataFrame(dict(zip(labels, outs, strict=True)), index=outs[0].index)
        if isinstance(outs[0], pd.DataFrame):
            return pd.concat(outs, axis=1, keys=labels, names=["s", "output"])
        return np.stack([np.asarray(o) for o in outs], axis=-1)

    def coef(self, s: Any = None, df: Any = None) -> pd.DataFrame:
        """Skip-layer coefficients of the refits (with ``M = 0``: the unpenalised GLM on the
        selected terms, glmnet's relaxed coefficients).

        Parameters
        ----------
        s, df : optional
            As in :meth:`predict` (default: every refit).

        Returns
        -------
        pandas.DataFrame
            As :meth:`LassoNetPath.coef`, columns ``"s<i>"`` labelled by path index.

        Examples
        --------
        >>> from lassonetpy import lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> fit = lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=10, seed=0,
        ...                verbose=False)
        >>> c = fit.relax(df=4).coef()
        >>> int((c.iloc[1:] != 0).sum().iloc[0]) <= 4
        True
        """
        idx, _ = self._resolve(s, df)
        cols = []
        for r in idx:
            part, q = (int(v) for v in self._where[r])
            c = self._parts[part].coef(s=float(self._parts[part].lambdas[q]))
            cols.append(c.iloc[:, 0].rename(self._label(r)))
        return pd.concat(cols, axis=1)

    def nonzero(self, s: Any = None, df: Any = None) -> list[str] | list[list[str]]:
        """The terms of the refits.

        Parameters
        ----------
        s, df : optional
            As in :meth:`predict`.

        Returns
        -------
        list of str, or list of lists of str

        Examples
        --------
        >>> from lassonetpy import lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> fit = lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=10, seed=0,
        ...                verbose=False)
        >>> fit.relax(df=4).nonzero(df=4) == fit.nonzero(df=4)
        True
        """
        idx, scalar = self._resolve(s, df)
        every: list[list[str]] = self._path.nonzero(s=None, df=None)  # type: ignore[assignment]
        out = [every[int(self.path_index[r])] for r in idx]
        return out[0] if scalar else out

    def plot_reconstruction(
        self,
        newdata: Any,
        s: Any = None,
        df: Any = None,
        shape: Any = (28, 28),
        ncols: int = 3,
        show_selected: bool = True,
    ) -> Any:
        """Images beside their reconstructions by the refit at one path point (unsupervised
        paths; as :meth:`LassoNetPath.plot_reconstruction`).

        Parameters
        ----------
        newdata : pandas.DataFrame or array-like
            Images, one per row.
        s, df : optional
            One refitted path point.
        shape : (int, int)
            Image shape.
        ncols : int
            Images per row of each block.
        show_selected : bool
            Mark the selected pixels on the originals.

        Returns
        -------
        ndarray of matplotlib Axes

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np
        >>> from lassonetpy import lassonet
        >>> rng = np.random.default_rng(0)
        >>> X = rng.random((60, 3)) @ rng.random((3, 16))
        >>> fit = lassonet(X=X, hidden=(4,), nlambda=10, seed=0, verbose=False)
        >>> rf = fit.relax(df=16)
        >>> rf.plot_reconstruction(X[:2], df=16, shape=(4, 4), ncols=2).shape
        (1, 4)
        """
        from .unsupervised import plot_reconstruction

        self._resolve(s, df)  # a refitted point, or a clear error
        return plot_reconstruction(
            self._path, newdata, s, df, shape, ncols, show_selected, predictor=self
        )

    def table(self) -> pd.DataFrame:
        """The ``print`` table: path index, terms, deviance explained (refit and path),
        lambda, hidden sizes and epochs, one row per refit.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> from lassonetpy import lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> fit = lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=10, seed=0,
        ...                verbose=False)
        >>> list(fit.relax(df=4).table().columns)
        ['Df', '%Dev', '%Dev path', 'Lambda', 'Hidden', 'Epochs']
        """
        return pd.DataFrame(
            {
                "Df": self.df.astype(int),
                "%Dev": np.round(100 * self.dev_ratio, 2),
                "%Dev path": np.round(100 * self.path_dev_ratio, 2),
                "Lambda": self.lambdas,
                "Hidden": [str(h) for h in self.hidden],
                "Epochs": self.epochs.astype(int),
            },
            index=[self._label(r) for r in range(len(self))],
        )

    def __repr__(self) -> str:
        t = self.table()
        t["Lambda"] = [format_lambda(v) for v in t["Lambda"]]
        pct = "%Var" if self.family == "reconstruction" else "%Dev"
        t = t.rename(columns={"%Dev": pct, "%Dev path": f"{pct} path"})
        lines = [
            f"Relaxed fit: {self.call}",
            "",
            t.to_string(),
            "",
            f"{pct}: deviance explained by the refit on its training rows; {pct} path: by the "
            "penalised fit at that point.",
        ]
        if self.validation is not None:
            lines.append(
                f"Hidden sizes chosen on validation rows by {self.measure_name} "
                "(`.validation` has every size)."
            )
        return "\n".join(lines)


@dataclass(frozen=True, repr=False, eq=False)
class CVRelaxed:
    """Cross-validation of the relaxed fits along a path (``cv_lassonet(..., relax=True)``).

    Attributes
    ----------
    cvm, cvsd : ndarray of shape (L,)
        Mean CV error of the refits at every path point and its standard error.
    lambda_min, lambda_1se : float
        The chosen lambdas for the relaxed fits (glmnet's rules).
    index_min, index_1se : int
        Their path indices.
    fit : RelaxedFit
        The refits of the full-data path at every point.
    fold_errors : ndarray of shape (K, L)
        Error of each fold's refits at each lambda.
    timing : mapping
        Seconds of the refits and of the whole relaxed CV.
    """

    cvm: np.ndarray
    cvsd: np.ndarray
    lambda_min: float
    lambda_1se: float
    index_min: int
    index_1se: int
    fit: RelaxedFit
    fold_errors: np.ndarray
    measure_name: str
    timing: Mapping[str, float]

    def _s(self, s: Any) -> Any:
        if isinstance(s, str):
            key = s.replace(".", "_")
            if key not in ("lambda_min", "lambda_1se"):
                raise bad_value("s", "'lambda_min', 'lambda_1se' or a lambda", s)
            return float(getattr(self, key))
        return s

    def predict(
        self, newdata: Any, s: Any = "lambda_min", type: str = "link", newoffset: Any = None
    ) -> Any:
        """Predict with the full-data refit at ``s`` (default the relaxed ``lambda_min``).

        Parameters
        ----------
        newdata : pandas.DataFrame or array-like
            As for the path.
        s : str or float
            ``"lambda_min"``, ``"lambda_1se"`` or a lambda.
        type : {"link", "response", "class"}
            As for the path.
        newoffset : array-like or str, optional
            Required when the fit used an offset.

        Returns
        -------
        pandas.Series / DataFrame or ndarray

        Examples
        --------
        >>> from lassonetpy import cv_lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> df = load_boston()
        >>> cv = cv_lassonet("medv ~ .", df, nfolds=3, hidden=(4,), nlambda=6, seed=0,
        ...                  relax=True, verbose=False)
        >>> cv.relaxed.predict(df.head(2)).shape
        (2,)
        """
        return self.fit.predict(newdata, s=self._s(s), type=type, newoffset=newoffset)

    def __repr__(self) -> str:
        rows = []
        for name, lam, i in (
            ("min", self.lambda_min, self.index_min),
            ("1se", self.lambda_1se, self.index_1se),
        ):
            rows.append(
                f"{name:<3}  {format_lambda(lam):>8}  {i:>5}  {self.cvm[i]:>9.4g}  "
                f"{self.cvsd[i]:>8.4g}  {int(self.fit._path.df[i]):>7}"
            )
        return "\n".join(
            [
                f"Relaxed (refit without penalty on the selected terms), {self.measure_name}:",
                f"     {'Lambda':>8}  {'Index':>5}  {'Measure':>9}  {'SE':>8}  {'Nonzero':>7}",
                *rows,
            ]
        )


# --------------------------------------------------------------------------------------------
# building refits
# --------------------------------------------------------------------------------------------
def _hidden_list(hidden: Any, default: tuple[int, ...]) -> list[tuple[int, ...]]:
    if hidden is None:
        return [tuple(default)]
    if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
        return [(int(hidden),)]
    if isinstance(hidden, tuple):
        return [tuple(int(h) for h in hidden)]
    if isinstance(hidden, list) and hidden:
        out: list[tuple[int, ...]] = []
        for h in hidden:
            out.extend(_hidden_list(h, default) if not isinstance(h, list) else [()])
        if all(len(h) and min(h) > 0 for h in out):
            return list(dict.fromkeys(out))
    raise bad_value(
        "hidden",
        "an int, a tuple of ints (one hidden size), or a list of them to choose from on "
        "validation rows",
        hidden,
        cls=InputTypeError,
    )


def _refit_tol(path: LassoNetPath, tol: float | None) -> float:
    """The refits' tolerance: given, or the path's dense fit's (``min(tol, 1e-3)``)."""
    if tol is None:
        return min(float(path.settings.get("tol", 1e-2)), 1e-3)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol > 0:
        raise bad_value("tol", "a number > 0", tol)
    return float(tol)


def _engine_kwargs(path: LassoNetPath) -> dict[str, Any]:
    st = dict(path.settings)
    return {
        k: st[k]
        for k in ("gamma", "gamma_skip", "dropout", "batch_size", "standardize", "dtype", "device")
        if k in st
    }


def _train_data(path: LassoNetPath) -> Any:
    prep = path._train
    if prep is None:
        raise InputError(
            "relax() needs the training data, which this path does not hold (a path loaded "
            "from a file keeps only the networks). Fit it again with lassonet(...) and call "
            "relax() on that path."
        )
    return prep


def _response_codes(path: LassoNetPath, y: Any) -> np.ndarray:
    """Encoded response of new rows, in the path's coding (class codes, numbers)."""
    classes = path.classes
    arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    if classes is not None:
        lookup = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
        vals = arr.ravel().tolist()
        if unknown := sorted({str(v) for v in vals if v not in lookup})[:5]:
            raise bad_value(
                "validation",
                f"class labels seen in training ({list(lookup)[:10]})",
                unknown,
            )
        return np.array([lookup[v] for v in vals], dtype=np.float64)
    return arr.astype(np.float64)


def _validation_data(path: LassoNetPath, validation: Any) -> tuple[np.ndarray, np.ndarray]:
    """Design matrix and encoded response of the validation rows."""
    if path.design is not None:
        if not isinstance(validation, pd.DataFrame):
            raise bad_value(
                "validation", "a DataFrame with the formula's variables and response", validation
            )
        spec = path.design
        X = spec.transform(validation)
        if spec.response_name is None:
            return X, X
        if " + ".join(spec.response_variables) != spec.response_name:
            raise bad_value(
                "validation",
                "usable only when the response is plain column(s)",
                spec.response_name,
                "Pass validation=(X, y) with the model matrix and the response instead.",
            )
        cols = list(spec.response_variables)
        y = validation[cols[0]] if len(cols) == 1 else validation[cols]
        return X, _response_codes(path, y)
    if not (isinstance(validation, tuple) and len(validation) == 2):
        raise bad_value("validation", "a tuple (X, y) of held-out rows", validation)
    Xv, yv = validation
    X = np.asarray(Xv, dtype=np.float64)
    if path.family == "reconstruction" and yv is None:
        return X, X
    return X, _response_codes(path, yv)


def _measure(path: LassoNetPath, fit_r: Any, X: np.ndarray, y: np.ndarray, q: int) -> float:
    """Validation error of point ``q`` of a refit result (lower is better)."""
    from .report.measures import pointwise

    pred = fit_r.predict(X, q, 0, type="response")
    fam = path.family
    if fam == "reconstruction":
        r = fit_r.response
        return float((((pred - y) / r.output_scale) ** 2).mean())
    if fam in ("binomial",):
        pred = pred[:, 0]
    elif fam in ("gaussian", "poisson"):
        pred = pred[:, 0]
    m = "class" if path.classes is not None else "deviance"
    return float(np.nanmean(pointwise(m, fam, y, pred)))


def _measure_label(path: LassoNetPath) -> str:
    if path.family == "reconstruction":
        return "mean squared error of the standardised columns"
    return "misclassification error" if path.classes is not None else f"{path.family} deviance"


def _run_refits(
    path: LassoNetPath,
    prep: Any,
    masks: np.ndarray,
    hidden: tuple[int, ...],
    rows: np.ndarray | None,
    seed: Any,
    max_epochs: int,
    tol: float,
    M: Any,
) -> Any:
    return fit_refits(
        prep.X,
        prep.y,
        prep.family,
        masks,
        row_masks=None if rows is None else np.broadcast_to(rows, (len(masks), len(rows))),
        hidden=hidden,
        M=M,
        groups=prep.groups,
        weights=prep.weights,
        offset=prep.offset,
        seed=seed,
        max_epochs=max_epochs,
        tol=tol,
        **_engine_kwargs(path),
    )


def relax_path(
    path: LassoNetPath,
    s: Any = None,
    df: Any = None,
    *,
    hidden: Any = None,
    validation: Any = None,
    validation_fraction: float = 0.2,
    seed: Any = None,
    max_epochs: int = 1000,
    tol: float | None = None,
) -> RelaxedFit:
    """:meth:`LassoNetPath.relax` (documented there)."""
    prep = _train_data(path)
    tol = _refit_tol(path, tol)
    explicit = s is not None or df is not None
    idx = path._indices(s, df)[0] if explicit else list(range(len(path)))
    sel = path.selected
    if explicit and (empty := [i for i in idx if not sel[i].any()]):
        i = empty[0]
        raise bad_value(
            "s" if s is not None else "df",
            "a point of the path with at least one selected term",
            s if s is not None else df,
            f"Path point s{i} (lambda = {format_lambda(path.lambdas[i])}) selects no term: "
            "there is nothing to refit. Choose a smaller lambda or a larger df.",
            cls=NotOnPathError,
        )
    # one refit per distinct set of columns (the first point with it)
    firsts: dict[bytes, int] = {}
    for i in sorted(idx):
        if sel[i].any():
            firsts.setdefault(sel[i].tobytes(), i)
    points = np.array(sorted(firsts.values()), dtype=np.int64)
    if not len(points):
        raise NotOnPathError("relax() found no path point with a selected term to refit.")
    refit_of = np.full(len(path), -1, dtype=np.int64)
    key_of = {k: r for r, k in enumerate(sel[i].tobytes() for i in points)}
    for i in idx:
        if sel[i].any():
            refit_of[i] = key_of[sel[i].tobytes()]
    masks = sel[points]
    sizes = _hidden_list(hidden, tuple(path.settings.get("hidden", (100,))))
    seed = path.settings.get("seed") if seed is None else seed
    M = float(path.settings.get("M", 10.0))
    n = prep.X.shape[0]
    val_table = None
    choice = np.zeros(len(points), dtype=np.int64)
    if len(sizes) > 1:
        if validation is not None:
            Xv, yv = _validation_data(path, validation)
            train_rows = None
        else:
            if not 0 < validation_fraction < 1:
                raise bad_value("validation_fraction", "a number in (0, 1)", validation_fraction)
            rng = np.random.default_rng(seed)
            hold = np.zeros(n, dtype=bool)
            hold[rng.choice(n, size=max(1, round(validation_fraction * n)), replace=False)] = True
            train_rows = ~hold
            Xv = prep.X[hold]
            yv = (
                prep.X[hold]
                if path.family == "reconstruction"
                else _response_codes(path, _rows_of(prep.y, hold))
            )
        scores = np.empty((len(points), len(sizes)))
        fits_by_size = []
        for j, h in enumerate(sizes):
            res = _run_refits(path, prep, masks, h, train_rows, seed, max_epochs, tol, M)
            fits_by_size.append(res)
            for r in range(len(points)):
                scores[r, j] = _measure(path, take_models(res, [r]), Xv, yv, 0)
        choice = np.argmin(scores, axis=1)
        val_table = pd.DataFrame(
            scores, index=[f"s{i}" for i in points], columns=[str(h) for h in sizes]
        )
        if validation is not None:  # trained on every training row already
            members = {j: np.flatnonzero(choice == j) for j in set(choice.tolist())}
            results = {j: take_models(fits_by_size[j], members[j]) for j in members}
        else:
            results, members = {}, {}
            for j in sorted(set(choice.tolist())):
                members[j] = np.flatnonzero(choice == j)
                results[j] = _run_refits(
                    path, prep, masks[members[j]], sizes[j], None, seed, max_epochs, tol, M
                )
    else:
        results = {0: _run_refits(path, prep, masks, sizes[0], None, seed, max_epochs, tol, M)}
        members = {0: np.arange(len(points))}
    return _assemble(path, points, refit_of, sizes, choice, results, members, val_table, seed)


def _rows_of(y: Any, mask: np.ndarray) -> Any:
    return y.iloc[np.flatnonzero(mask)] if isinstance(y, (pd.Series, pd.DataFrame)) else y[mask]


def _assemble(
    path: LassoNetPath,
    points: np.ndarray,
    refit_of: np.ndarray,
    sizes: list[tuple[int, ...]],
    choice: np.ndarray,
    results: dict[int, Any],
    members: dict[int, np.ndarray],
    val_table: pd.DataFrame | None,
    seed: Any,
) -> RelaxedFit:
    """One inner path per hidden size (its points are the refits), and the maps to them."""
    R = len(points)
    where = np.zeros((R, 2), dtype=np.int64)
    parts = []
    dev = np.empty(R)
    epochs = np.empty(R)
    for part, j in enumerate(sorted(results)):
        rows = members[j]
        res = as_points(results[j], path.lambdas[points[rows]])
        settings = dict(path.settings)
        settings["hidden"] = list(sizes[j])
        inner = LassoNetPath._from_result(
            res,
            0,
            call=path.call,
            design=path.design,
            column_names=path.column_names,
            term_names=path.term_names,
            input_columns=path.input_columns,
            kept_columns=path.kept_columns,
            n_obs=path.n_obs,
            n_dropped=path.n_dropped,
            has_offset=path.has_offset,
            settings=settings,
        )
        parts.append(inner)
        where[rows, 0] = part
        where[rows, 1] = np.arange(len(rows))
        dev[rows] = inner.dev_ratio
        epochs[rows] = inner.epochs
    args = [f"points={len(points)}"]
    if len(sizes) > 1:
        args.append(f"hidden={[h[0] if len(h) == 1 else h for h in sizes]}")
    if seed is not None:
        args.append(f"seed={seed}")
    return RelaxedFit(
        call=f"{path.call}.relax({', '.join(args)})",
        path_index=_ro(points),
        lambdas=_ro(path.lambdas[points]),
        df=_ro(path.df[points]),
        dev_ratio=_ro(dev),
        path_dev_ratio=_ro(path.dev_ratio[points]),
        hidden=tuple(sizes[int(choice[r])] for r in range(R)),
        validation=val_table,
        measure_name=_measure_label(path) if val_table is not None else None,
        epochs=_ro(epochs),
        _path=path,
        _parts=tuple(parts),
        _where=_ro(where),
        _refit_of=_ro(refit_of),
    )


# --------------------------------------------------------------------------------------------
# cross-validation of the relaxed fits
# --------------------------------------------------------------------------------------------
def cv_relaxed(
    plan: Any,
    result: Any,
    path: LassoNetPath,
    *,
    seed: Any = None,
    max_epochs: int = 1000,
    tol: float | None = None,
) -> CVRelaxed:
    """The relaxed fits of a CV batch, cross-validated (``cv_lassonet(..., relax=True)``).

    Every model of the batch (model 0 on all rows, model ``k`` without fold ``k``) is refitted
    at every path point on the columns it selected there (one refit per model and distinct
    set of columns; an empty set gives the intercept-only model). All refits are one batch of
    unpenalised fits on column subsets. Fold ``k``'s held-out rows are predicted by model
    ``k``'s refits, which gives the CV curve of the relaxed fits and their ``lambda_min`` and
    ``lambda_1se``; model 0's refits make :attr:`CVRelaxed.fit`.
    """
    from .report.cv_stats import choose_lambda, cv_summary, fold_errors, fold_weight_sums
    from .report.measures import family_name, is_maximized, measure_name

    t0 = time.perf_counter()
    prep = plan.prep
    tol = _refit_tol(path, tol)
    sel = np.asarray(result.selected)  # (B, L, d)
    B, L, _ = sel.shape
    job_of = np.empty((B, L), dtype=np.int64)
    jobs: list[tuple[int, np.ndarray]] = []
    for b in range(B):
        seen: dict[bytes, int] = {}
        for i in range(L):
            key = sel[b, i].tobytes()
            if key not in seen:
                seen[key] = len(jobs)
                jobs.append((b, sel[b, i]))
            job_of[b, i] = seen[key]
    col_masks = np.stack([m for _, m in jobs])
    row_masks = np.stack([plan.masks[b] for b, _ in jobs]).astype(bool)
    seed = path.settings.get("seed") if seed is None else seed
    res = fit_refits(
        prep.X,
        prep.y,
        prep.family,
        col_masks,
        row_masks=row_masks,
        hidden=tuple(path.settings.get("hidden", (100,))),
        M=float(path.settings.get("M", 10.0)),
        groups=prep.groups,
        weights=prep.weights,
        offset=prep.offset,
        seed=seed,
        max_epochs=max_epochs,
        tol=tol,
        **_engine_kwargs(path),
    )
    t_fit = time.perf_counter() - t0
    fid = plan.foldid
    n, O = prep.X.shape[0], int(res.response.n_outputs)
    pred = np.empty((L, n, O))
    for k in range(1, B):
        rows = np.flatnonzero(fid == k)
        Xk = prep.X[rows]
        off = None if prep.offset is None else prep.offset[rows]
        done: dict[int, np.ndarray] = {}
        for i in range(L):
            j = int(job_of[k, i])
            if j not in done:
                done[j] = res.predict(Xk, 0, model=j, offset=off, type="response")
            pred[i, rows] = done[j]
    pred_l = pred[..., 0] if O == 1 else pred
    fam = family_name(plan.family)
    errs = fold_errors(plan.measure, plan.y_enc, pred_l, fid, prep.weights, fam)
    stats = cv_summary(errs, fold_weight_sums(fid, prep.weights))
    choice = choose_lambda(
        result.lambdas, stats.cvm, stats.cvsd, maximize=is_maximized(plan.measure)
    )
    # the full-data model's refits, as a RelaxedFit
    own = [j for j, (b, m) in enumerate(jobs) if b == 0 and m.any()]
    first = {j: int(np.flatnonzero(job_of[0] == j)[0]) for j in own}
    own.sort(key=lambda j: first[j])
    points = np.array([first[j] for j in own], dtype=np.int64)
    refit_of = np.array([own.index(j) if j in own else -1 for j in job_of[0]], dtype=np.int64)
    hidden = tuple(int(h) for h in path.settings.get("hidden", (100,)))
    fit = _assemble(
        path,
        points,
        refit_of,
        [hidden],
        np.zeros(len(points), dtype=np.int64),
        {0: take_models(res, own)},
        {0: np.arange(len(points))},
        None,
        seed,
    )
    total = time.perf_counter() - t0
    return CVRelaxed(
        cvm=_ro(stats.cvm),
        cvsd=_ro(stats.cvsd),
        lambda_min=choice.lambda_min,
        lambda_1se=choice.lambda_1se,
        index_min=choice.index_min,
        index_1se=choice.index_1se,
        fit=fit,
        fold_errors=_ro(errs),
        measure_name=measure_name(plan.measure, fam),
        timing=types.MappingProxyType(
            {"refits": t_fit, "total": total, "n_refits": float(len(jobs))}
        ),
    )
