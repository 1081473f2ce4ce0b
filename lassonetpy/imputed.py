"""The result of :func:`lassonetpy.lassonet_impute`: :class:`ImputeResult` (immutable).

It holds the completed table (observed entries as given), the Group-Hier-Prox path of the
reconstruction network, the completion of every path point (so ``complete(df=k)`` is a
look-up), their validation errors, and the report of Alg. 5's rounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError, bad_value
from .path import LassoNetPath
from .report.impute_plot import plot_completion_error
from .report.printing import format_lambda

__all__ = ["ImputeResult"]


def _ro(a: Any) -> np.ndarray:
    out = np.array(a, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, repr=False, eq=False)
class ImputeResult:
    """A LassoNet matrix completion; never modified.

    Attributes
    ----------
    call : str
        The call.
    path : LassoNetPath
        The Group-Hier-Prox path of the reconstruction network (family ``reconstruction``):
        ``print``, ``coef``, ``nonzero``, ``plot``; ``predict`` reconstructs complete rows.
    validation_error : ndarray of shape (L,) or None
        Mean squared error (standardised units) of each point's completion on the held-out
        entries (None with ``validation=0``).
    index_best : int
        The path point of ``completed`` (smallest validation error; the dense point without
        validation entries).
    rounds : pandas.DataFrame
        Alg. 5's rounds: epochs, relative change of the imputations, validation error.
    converged : bool
        Whether Alg. 5 stopped (imputations or validation error no longer changing) before
        ``max_rounds``.
    relaxed : RelaxedFit or None
        The refits of the path's column sets (``relax=True``) that the completions use.
    n_missing, n_validation : int
        Missing entries, and observed entries held out for validation.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from lassonetpy import lassonet_impute
    >>> from lassonetpy.datasets import load_mice_protein, mice_protein_features
    >>> df = load_mice_protein()[[*mice_protein_features()[:6], "BAD_N", "BCL2_N"]].dropna(how="all")
    >>> imp = lassonet_impute(df, hidden=(8,), nlambda=8, max_rounds=2, seed=0, verbose=False)
    >>> bool(imp.completed.notna().all().all()), imp.completed.shape == df.shape
    (True, True)
    """

    call: str
    path: LassoNetPath
    validation_error: np.ndarray | None
    index_best: int
    rounds: pd.DataFrame
    converged: bool
    relaxed: Any
    n_missing: int
    n_validation: int
    timing: Mapping[str, float]
    _data: np.ndarray  # the input values (NaN where missing), read-only
    _inputs: np.ndarray  # the inputs of the completions (original units), read-only
    _preds: np.ndarray  # (L, n, d) completion of every point, read-only
    _index: pd.Index
    _columns: pd.Index

    def __len__(self) -> int:
        return len(self.path)

    @property
    def n_columns(self) -> np.ndarray:
        """Input columns each point's completion needs, shape (L,)."""
        return self.path.n_features

    @property
    def completed(self) -> pd.DataFrame:
        """The completed data (a new frame; index and columns as the input): observed entries
        as given, missing ones from the best completion."""
        return self.complete(s=float(self.path.lambdas[self.index_best]))

    def columns_needed(self, s: Any = None, df: Any = None) -> list[str]:
        """Names of the input columns a completion uses.

        Parameters
        ----------
        s, df : optional
            One path point, as in :meth:`LassoNetPath.coef` (default: the best one).

        Returns
        -------
        list of str

        Examples
        --------
        >>> from lassonetpy import lassonet_impute
        >>> from lassonetpy.datasets import load_mice_protein, mice_protein_features
        >>> df = load_mice_protein()[[*mice_protein_features()[:6], "BAD_N", "BCL2_N"]].dropna(how="all")
        >>> imp = lassonet_impute(df, hidden=(8,), nlambda=8, max_rounds=2, seed=0,
        ...                       verbose=False)
        >>> len(imp.columns_needed(df=3)) <= 3
        True
        """
        i = self._one(s, df)
        return [str(c) for c, on in zip(self._columns, self.path.selected[i], strict=True) if on]

    def _one(self, s: Any, df: Any) -> int:
        if s is None and df is None:
            return self.index_best
        idx, scalar = self.path._indices(s, df)
        if not scalar:
            raise bad_value("s` / `df", "one lambda or one number of columns", s or df)
        return idx[0]

    def complete(self, s: Any = None, df: Any = None) -> pd.DataFrame:
        """The data completed by one point of the path.

        Parameters
        ----------
        s, df : optional
            One point, as in :meth:`LassoNetPath.coef`: ``df=k`` is the completion from at most
            ``k`` input columns. Default: the best point (``completed``).

        Returns
        -------
        pandas.DataFrame
            Observed entries as given; missing ones from that completion.

        Examples
        --------
        >>> from lassonetpy import lassonet_impute
        >>> from lassonetpy.datasets import load_mice_protein, mice_protein_features
        >>> df = load_mice_protein()[[*mice_protein_features()[:6], "BAD_N", "BCL2_N"]].dropna(how="all")
        >>> imp = lassonet_impute(df, hidden=(8,), nlambda=8, max_rounds=2, seed=0,
        ...                       verbose=False)
        >>> bool(imp.complete(df=2).notna().all().all())
        True
        """
        i = self._one(s, df)
        vals = np.where(np.isnan(self._data), self._preds[i], self._data)
        return pd.DataFrame(vals, index=self._index.copy(), columns=self._columns.copy())

    def plot(self, ax: Any = None, reference: dict[str, float] | None = None) -> Any:
        """Validation error against the number of columns each completion uses.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw.
        reference : dict, optional
            Horizontal lines ``{label: error}`` to compare with.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from lassonetpy import lassonet_impute
        >>> from lassonetpy.datasets import load_mice_protein, mice_protein_features
        >>> df = load_mice_protein()[[*mice_protein_features()[:6], "BAD_N", "BCL2_N"]].dropna(how="all")
        >>> imp = lassonet_impute(df, hidden=(8,), nlambda=8, max_rounds=2, seed=0,
        ...                       verbose=False)
        >>> imp.plot().get_ylabel()
        'Validation MSE (standardised)'
        """
        if self.validation_error is None:
            raise InputError(
                "plot() shows the validation error, and this completion held out no entries "
                "(validation=0). Run lassonet_impute with validation > 0."
            )
        return plot_completion_error(
            self.n_columns, self.validation_error, self.index_best, reference=reference, ax=ax
        )

    def __repr__(self) -> str:
        n, d = self._data.shape
        r = self.rounds
        conv = "converged" if self.converged else "not converged (max_rounds reached)"
        lines = [
            f"Call: {self.call}",
            "",
            f"Data: {n} rows x {d} columns, {self.n_missing} missing entries "
            f"({100 * self.n_missing / (n * d):.1f}%); {self.n_validation} observed entries "
            "held out for validation.",
            f"Alg. 5: {len(r)} rounds, {conv}; last change {r['change'].iloc[-1]:.3g}.",
            f"Path: {len(self)} points, from {int(self.n_columns[0])} columns down to "
            f"{int(self.n_columns[-1])}.",
        ]
        i = self.index_best
        if self.validation_error is not None:
            e = self.validation_error
            lines.append(
                f"Best completion: s{i}, {int(self.n_columns[i])} columns, validation MSE "
                f"{e[i]:.4g} (dense: {e[0]:.4g}; lambda = {format_lambda(self.path.lambdas[i])})."
            )
            ks = sorted({int(k) for k in self.n_columns}, reverse=True)
            show = [k for k in ks if k in _milestones(ks)]
            rows = []
            for k in show:
                j = int(self.path._indices(None, k)[0][0])
                rows.append(f"  {k:>5}  {e[j]:>10.4g}  s{j}")
            lines += ["", "  Columns  Valid. MSE  point", *rows]
        return "\n".join(lines)


def _milestones(ks: list[int]) -> set[int]:
    if len(ks) <= 8:
        return set(ks)
    pos = np.unique(np.linspace(0, len(ks) - 1, 8).round().astype(int))
    return {ks[p] for p in pos}
