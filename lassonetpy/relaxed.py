"""The relaxed LassoNet's results: :class:`RelaxedFit` (``fit.relax()``) and :class:`CVRelaxed`
(``cv_lassonet(..., relax=True)``), immutable; :mod:`lassonetpy.relax` builds them.

A relaxed fit is a set of networks refitted without penalty on the terms selected at points
of a path. It predicts like the path: ``s`` / ``df`` pick the path point, and the refit at
that point answers (glmnet's semantics for ``relax``). ``coef`` gives the refits' skip-layer
coefficients (at ``M = 0``, the unpenalised GLM on the selected terms); ``print`` sets each
refit's explained deviance beside the penalised fit's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import NotOnPathError, bad_value
from .path import LassoNetPath
from .report.printing import format_lambda

__all__ = ["RelaxedFit", "CVRelaxed"]


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
