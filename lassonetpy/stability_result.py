"""The result of :func:`~lassonetpy.stability_selection`: :class:`StabilitySelection` (frozen).

Selection probabilities along the shared lambda grid, the lambda region chosen from ``q``, the
selected terms, the error bound (see :mod:`lassonetpy.stability` for the method), and the
printed table and plot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _pickling
from .engine.checks import check_number
from .errors import InputError

__all__ = ["StabilitySelection"]


@dataclass(frozen=True, repr=False, eq=False)
class StabilitySelection:
    """Selection probabilities of every term along a LassoNet path; never modified.

    Built by :func:`stability_selection`. Path index 0 is the dense fit (lambda = 0, every term
    selected); the grid is the one shared by all subsample models.

    Attributes
    ----------
    call : str
        The call.
    lambdas : ndarray of shape (L,)
        The common lambda grid (0 first, increasing).
    probabilities : ndarray of shape (L, n_terms)
        Fraction of subsamples whose model selects each term at each lambda.
    selections : ndarray of shape (n_subsamples, L, n_terms), bool
        Whether each subsample's model selects each term at each lambda.
    term_names : tuple of str
        The terms (formula terms or columns / groups of ``X``).
    penalized : ndarray of shape (n_terms,), bool
        False for terms with penalty factor 0 (always in the model; not counted in ``p``).
    subsamples : ndarray of shape (n_subsamples, n), bool
        The rows of each subsample (rows left after NA).
    fraction : float
        Subsample size as a fraction of ``n``.
    complementary_pairs : bool
        Subsamples ``2i`` and ``2i + 1`` are the two halves of one split (Shah & Samworth).
    q : float
        Default size of the lambda region (see :meth:`region`).
    timing : mapping
        Seconds (``fit``, ``total``).

    Examples
    --------
    >>> from lassonetpy import stability_selection
    >>> from lassonetpy.datasets import load_boston
    >>> st = stability_selection("medv ~ .", load_boston(), B=3, hidden=(8,), nlambda=10,
    ...                          seed=0, verbose=False)
    >>> st.probabilities.shape == (len(st.lambdas), len(st.term_names))
    True
    >>> st.n_subsamples, bool((st.probabilities[0] == 1).all())
    (6, True)
    """

    call: str
    lambdas: np.ndarray
    probabilities: np.ndarray
    selections: np.ndarray
    term_names: tuple[str, ...]
    penalized: np.ndarray
    subsamples: np.ndarray
    fraction: float
    complementary_pairs: bool
    q: float
    timing: Mapping[str, float]

    # ------------------------------------------------------------------ attributes
    @property
    def n_subsamples(self) -> int:
        """Number of subsample fits (``2 B`` with complementary pairs)."""
        return int(self.subsamples.shape[0])

    @property
    def p(self) -> int:
        """Number of penalised terms (the ``p`` of the error bound)."""
        return int(self.penalized.sum())

    def _q(self, q: Any) -> float:
        if q is None:
            return self.q
        return check_number(q, "q", low=0, low_open=True)

    def region(self, q: Any = None) -> tuple[int, float]:
        """The lambda region: its first path index and its estimated ``q_Lambda``.

        The region is the path indices ``i, ..., L-1`` with the smallest ``i >= 1`` such that
        the subsamples' models select on average at most ``q`` penalised terms at some lambda
        of the region (the mean size of the union of their selections there).

        Parameters
        ----------
        q : float, optional
            Default: the ``q`` given to :func:`stability_selection`.

        Returns
        -------
        (int, float)
            First path index of the region and the average union size ``q_Lambda <= q``.
        """
        qv = self._q(q)
        pen = self.selections[:, :, self.penalized]
        # union over the lambdas i..L-1 of each subsample's selections: reverse running OR
        union = np.flip(np.logical_or.accumulate(np.flip(pen, 1), axis=1), 1)
        q_hat = union.sum(-1).mean(0)  # (L,), non-increasing
        ok = np.flatnonzero((q_hat <= qv) & (np.arange(len(q_hat)) >= 1))
        i = int(ok[0]) if ok.size else len(q_hat) - 1
        return i, float(q_hat[i])

    @property
    def max_prob(self) -> pd.Series:
        """Largest selection probability of each term over the lambda region (default ``q``)."""
        return self.max_probability()

    def max_probability(self, q: Any = None) -> pd.Series:
        """Largest selection probability of each term over the region for ``q``.

        Parameters
        ----------
        q : float, optional
            Region size (see :meth:`region`).

        Returns
        -------
        pandas.Series
            Indexed by term name.
        """
        i, _ = self.region(q)
        return pd.Series(
            self.probabilities[i:].max(0), index=list(self.term_names), name="max_prob"
        )

    def selected(self, threshold: float = 0.6, q: Any = None) -> list[str]:
        """Terms whose largest selection probability over the region is at least ``threshold``.

        Parameters
        ----------
        threshold : float, default 0.6
            ``pi_thr``, in (0, 1] (the error bound needs more than 0.5).
        q : float, optional
            Region size (see :meth:`region`).

        Returns
        -------
        list of str
            In term order; unpenalised terms are always included.

        Examples
        --------
        >>> from lassonetpy import stability_selection
        >>> from lassonetpy.datasets import load_boston
        >>> st = stability_selection("medv ~ .", load_boston(), B=3, hidden=(8,),
        ...                          nlambda=10, seed=0, verbose=False)
        >>> set(st.selected(0.6)) <= set(st.term_names)
        True
        """
        thr = check_number(threshold, "threshold", low=0, high=1, low_open=True)
        mp = self.max_probability(q)
        return [t for t, v in mp.items() if v >= thr]

    def error_bound(self, threshold: float = 0.6, q: Any = None) -> float:
        """Meinshausen–Bühlmann bound ``q_Lambda^2 / ((2 threshold - 1) p)`` on ``E[V]``.

        See the module notes for its assumptions; ``q_Lambda`` is the subsamples' average.

        Parameters
        ----------
        threshold : float, default 0.6
            ``pi_thr`` in (0.5, 1].
        q : float, optional
            Region size (see :meth:`region`).

        Returns
        -------
        float
            Bound on the expected number of falsely selected (penalised) terms.

        Raises
        ------
        InputError
            ``threshold <= 0.5``, or subsamples not of half size (``fraction != 0.5``), for
            which the bound does not hold.
        """
        thr = check_number(threshold, "threshold", low=0.5, high=1, low_open=True)
        if self.fraction != 0.5:
            raise InputError(
                f"The error bound holds for subsamples of half the rows (fraction=0.5); this "
                f"fit used fraction={self.fraction:g}."
            )
        _, q_hat = self.region(q)
        return q_hat**2 / ((2 * thr - 1) * max(self.p, 1))

    # ------------------------------------------------------------------ output
    def to_frame(self) -> pd.DataFrame:
        """Selection probabilities: one row per lambda (index ``lambda``), one column per term.

        Examples
        --------
        >>> from lassonetpy import stability_selection
        >>> from lassonetpy.datasets import load_boston
        >>> st = stability_selection("medv ~ .", load_boston(), B=2, hidden=(8,),
        ...                          nlambda=6, seed=0, verbose=False)
        >>> st.to_frame().shape == (len(st.lambdas), len(st.term_names))
        True
        """
        return pd.DataFrame(
            np.array(self.probabilities),
            index=pd.Index(np.array(self.lambdas), name="lambda"),
            columns=list(self.term_names),
        )

    def __getstate__(self) -> dict[str, Any]:
        return _pickling.getstate(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        _pickling.setstate(self, state)

    def __repr__(self) -> str:
        return self._text()

    def __str__(self) -> str:
        return self._text()

    def _text(self, threshold: float = 0.6) -> str:
        i, q_hat = self.region()
        mp = self.max_prob
        order = np.argsort(-mp.to_numpy(), kind="stable")
        w = max(4, *(len(t) for t in self.term_names))
        kind = (
            f"complementary pairs, {self.n_subsamples // 2} x 2"
            if self.complementary_pairs
            else f"{self.n_subsamples}"
        )
        size = int(self.subsamples[0].sum())
        lines = [
            f"Call: {self.call}",
            "",
            f"Stability selection: {kind} subsamples of {size} of {self.subsamples.shape[1]} rows",
            f"Lambda region: lambda >= {self.lambdas[i]:.4g} (path index {i}; q = {self.q:g}, "
            f"mean terms selected there {q_hat:.3g})",
            "",
            f"{'Term':<{w}}  max_prob  selected",
        ]
        for j in order:
            t = self.term_names[j]
            mark = "*" if mp.iloc[j] >= threshold else ""
            note = "" if self.penalized[j] else " (unpenalised)"
            lines.append(f"{t:<{w}}  {mp.iloc[j]:8.2f}  {mark:>8}{note}")
        sel = [t for t in self.selected(threshold) if self.penalized[self.term_names.index(t)]]
        lines.append("")
        bound = ""
        if self.fraction == 0.5:
            bound = (
                f"; E[V] <= {self.error_bound(threshold):.3g} (Meinshausen-Buehlmann bound, "
                f"p = {self.p})"
            )
        lines.append(f"Selected at threshold {threshold:g}: {len(sel)} term(s){bound}.")
        return "\n".join(lines)

    def plot(self, ax: Any = None, threshold: float = 0.6, q: Any = None) -> Any:
        """Stability paths: selection probability of each term against log(lambda).

        Terms selected at ``threshold`` are coloured and labelled, the others grey; a dashed
        line marks the threshold and a dotted one the start of the lambda region. The dense
        fit (lambda = 0, probability 1 for all) is left out.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw (a new figure by default).
        threshold : float, default 0.6
            ``pi_thr``.
        q : float, optional
            Region size (see :meth:`region`).

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from lassonetpy import stability_selection
        >>> from lassonetpy.datasets import load_boston
        >>> st = stability_selection("medv ~ .", load_boston(), B=2, hidden=(8,),
        ...                          nlambda=6, seed=0, verbose=False)
        >>> st.plot().get_ylabel()
        'Selection probability'
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.5))
        i0, _ = self.region(q)
        chosen = set(self.selected(threshold, q))
        x = np.log(self.lambdas[1:])
        for j, t in enumerate(self.term_names):
            yv = self.probabilities[1:, j]
            if t in chosen:
                ax.plot(x, yv, lw=1.6, label=t)
            else:
                ax.plot(x, yv, lw=0.8, color="0.7")
        ax.axhline(threshold, ls="--", color="k", lw=0.8)
        ax.axvline(np.log(self.lambdas[i0]), ls=":", color="k", lw=0.8)
        ax.set_xlabel("log(Lambda)")
        ax.set_ylabel("Selection probability")
        ax.set_ylim(-0.02, 1.02)
        if chosen:
            ax.legend(fontsize="small", loc="best")
        return ax
