r"""Stability selection for LassoNet: :func:`stability_selection` and :class:`StabilitySelection`.

Meinshausen & Bühlmann (2010, JRSS-B 72:417) fit the selection procedure on many random
subsamples of half the rows and keep the terms that are selected on most of them;
Shah & Samworth (2013, JRSS-B 75:55) draw the subsamples as **complementary pairs** (the
two disjoint halves of one random split). Here every subsample is one model of **one batched
engine call** (row masks), so all of them share one lambda grid, and the selection probability
of every term at every lambda of that grid is the fraction of subsamples whose model has the
term (a non-zero skip weight in its group). With ``parallel=`` the subsamples are split into
chunks and fitted on a Dask cluster (identical to the local run whatever the split; see
:mod:`lassonetpy.engine.parallel`).

**Error control.** For a lambda region :math:`\Lambda` (the largest lambdas of the grid)
let :math:`q_\Lambda` be the expected number of terms selected by a subsample's model at some
lambda of :math:`\Lambda` (estimated by the average over the subsamples). Keeping the terms
whose largest selection probability over :math:`\Lambda` is at least :math:`\pi_{thr} \in
(1/2, 1]` gives, for the number :math:`V` of falsely selected noise terms,

.. math::  E[V] \le \frac{q_\Lambda^2}{(2\pi_{thr} - 1)\,p}

(Meinshausen & Bühlmann, Theorem 1; by Shah & Samworth it holds for complementary pairs as
well) with ``p`` the number of penalised terms, **if** the noise terms are exchangeable and
the procedure is not worse than random guessing, and the subsamples have ``floor(n/2)`` rows
(``fraction=0.5``). The region is chosen from ``q``: the largest lambdas whose
:math:`\hat q_\Lambda \le q`. :meth:`StabilitySelection.error_bound` reports the bound
(with the estimated :math:`\hat q_\Lambda`, so it is itself an estimate).
"""

from __future__ import annotations

import math
import time
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _pickling
from .api import _format_call, lassonet
from .engine.checks import check_number
from .engine.parallel import fit_batch
from .errors import InputError, InputTypeError, bad_value
from .formula.inputs import FIT_ARGS, _prepare

__all__ = ["stability_selection", "StabilitySelection"]

_PREP_ARGS = ("weights", "offset", "penalty_factor", "exclude", "groups", "na_action")


def _ro(a: Any) -> np.ndarray:
    out = np.array(a, copy=True)
    out.setflags(write=False)
    return out


def subsample_masks(
    n: int, B: int, fraction: float, complementary_pairs: bool, rng: np.random.Generator
) -> np.ndarray:
    """Row masks of the subsamples, shape ``(2B or B, n)``.

    Each subsample has ``floor(fraction * n)`` rows drawn without replacement; with
    complementary pairs, subsamples ``2i`` and ``2i + 1`` are disjoint (the two halves of one
    random permutation).

    Examples
    --------
    >>> m = subsample_masks(7, 2, 0.5, True, np.random.default_rng(0))
    >>> m.shape, m.sum(1).tolist(), bool((m[0] & m[1]).any())
    ((4, 7), [3, 3, 3, 3], False)
    """
    size = int(math.floor(fraction * n))
    rows = []
    for _ in range(B):
        perm = rng.permutation(n)
        parts = [perm[:size], perm[size : 2 * size]] if complementary_pairs else [perm[:size]]
        for part in parts:
            m = np.zeros(n, dtype=bool)
            m[part] = True
            rows.append(m)
    return np.vstack(rows)


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


def stability_selection(
    formula: str | None = None,
    data: Any = None,
    family: Any = "gaussian",
    *,
    X: Any = None,
    y: Any = None,
    B: int = 50,
    fraction: float = 0.5,
    complementary_pairs: bool = True,
    q: float | None = None,
    seed: int | None = None,
    parallel: Any = None,
    n_tasks: int | None = None,
    verbose: bool = True,
    **lassonet_kwargs: Any,
) -> StabilitySelection:
    """Stability selection (Meinshausen & Bühlmann; complementary pairs of Shah & Samworth).

    Fits LassoNet paths on ``B`` random subsamples (``2 B`` with complementary pairs) as
    **one batch** of models on a common lambda grid and reports how often each term is
    selected at each lambda.

    Parameters
    ----------
    formula, data, family, X, y
        As in :func:`lassonetpy.lassonet` (formula or array interface).
    B : int, default 50
        Number of subsamples, or of complementary pairs (then ``2 B`` fits).
    fraction : float, default 0.5
        Subsample size as a fraction of the rows (``floor(fraction * n)`` rows); at most 0.5
        with complementary pairs. The error bound needs 0.5.
    complementary_pairs : bool, default True
        Draw the subsamples as the two disjoint halves of ``B`` random splits.
    q : float, optional
        Size of the lambda region used by ``max_prob``, ``selected`` and ``error_bound``
        (the average number of terms the subsamples' models select there). Default
        ``sqrt(0.8 p)`` (``p`` penalised terms), for which the bound is 1 at threshold 0.9.
    seed : int, optional
        Seeds the subsamples and the networks (subsample ``b`` uses child ``b`` of
        ``SeedSequence(seed)``); no global random state is used.
    parallel : None, "dask" or dask.distributed.Client
        Where the fits run (see :func:`lassonetpy.cv_lassonet`).
    n_tasks : int, optional
        Number of chunks of subsamples (default: one locally, one per subsample on Dask).
    verbose : bool, default True
        Progress bar.
    **lassonet_kwargs
        Any other argument of :func:`lassonetpy.lassonet` (``hidden``, ``M``, ``nlambda``,
        ``weights``, ``penalty_factor``, ...). The columns are standardised on all rows (one
        standardisation for the batch), as in :func:`~lassonetpy.cv_lassonet`.

    Returns
    -------
    StabilitySelection

    Raises
    ------
    InputError
        Bad ``B``, ``fraction`` (or more than half with complementary pairs), ``q``, and
        everything :func:`lassonetpy.lassonet` raises.

    Examples
    --------
    >>> from lassonetpy import stability_selection
    >>> from lassonetpy.datasets import load_boston
    >>> st = stability_selection("medv ~ .", load_boston(), B=5, hidden=(8,), nlambda=10,
    ...                          seed=0, verbose=False)
    >>> st.n_subsamples, int(st.subsamples.sum(1).min())
    (10, 253)
    >>> float(st.max_prob["lstat"]) >= 0.6
    True
    """
    t0 = time.perf_counter()
    args = dict(locals())
    allowed = (set(FIT_ARGS) | set(_PREP_ARGS)) - {"seed", "verbose", "df_resolution"}
    if unknown := sorted(set(lassonet_kwargs) - allowed):
        raise InputTypeError(
            f"Unknown argument(s) {unknown} for stability_selection(); it takes B, fraction, "
            "complementary_pairs, q, seed, parallel, n_tasks, verbose and the arguments of "
            f"lassonet(): {sorted(allowed)}."
        )
    B = int(check_number(B, "B", low=1, integer=True))
    if not isinstance(complementary_pairs, (bool, np.bool_)):
        raise bad_value("complementary_pairs", "True or False", complementary_pairs)
    check_number(fraction, "fraction", low=0, high=1, low_open=True, high_open=True)
    if complementary_pairs and fraction > 0.5:
        raise bad_value(
            "fraction",
            "at most 0.5 with complementary_pairs=True (the two subsamples are disjoint)",
            fraction,
        )
    prep = _prepare(formula, data, family, X=X, y=y, seed=seed, verbose=verbose, **lassonet_kwargs)
    n = prep.X.shape[0]
    size = int(math.floor(fraction * n))
    if size < 2:
        raise bad_value(
            "fraction", f"large enough for at least 2 of the {n} rows per subsample", fraction
        )
    masks = subsample_masks(
        n, B, float(fraction), bool(complementary_pairs), np.random.default_rng(seed)
    )
    w = np.ones(n) if prep.weights is None else prep.weights
    if (np.where(masks, w, 0).sum(1) <= 0).any():
        raise bad_value(
            "weights", "positive on some rows of every subsample", "zero-weight subsample"
        )
    n_terms = len(prep.term_names)
    penalized = np.ones(n_terms, bool) if prep.penalty_factor is None else prep.penalty_factor > 0
    p = int(penalized.sum())
    qv = float(math.sqrt(0.8 * p)) if q is None else check_number(q, "q", low=0, low_open=True)

    t_fit = time.perf_counter()
    result = fit_batch(
        prep, masks, parallel=parallel, n_tasks=n_tasks, verbose=verbose, label="subsamples"
    )[0]
    t_fit = time.perf_counter() - t_fit
    # a term is selected when some column of its group has a non-zero skip weight
    sel = np.stack([result.selected[:, :, g].any(-1) for g in prep.groups], -1)

    own = {k: args[k] for k in ("B", "fraction", "complementary_pairs", "q", "seed")}
    fit_args = {k: args[k] for k in ("formula", "family", "X", "y")}
    fit_args.update(lassonet_kwargs)
    inner = [
        c[c.index("(") + 1 : -1]
        for c in (
            _format_call(fit_args, fn=lassonet),
            _format_call(own, name="stability_selection", fn=stability_selection),
        )
    ]
    call = f"stability_selection({', '.join(c for c in inner if c)})"
    return StabilitySelection(
        call=call,
        lambdas=_ro(result.lambdas),
        probabilities=_ro(sel.mean(0)),
        selections=_ro(sel),
        term_names=tuple(prep.term_names),
        penalized=_ro(penalized),
        subsamples=_ro(masks),
        fraction=float(fraction),
        complementary_pairs=bool(complementary_pairs),
        q=qv,
        timing=types.MappingProxyType(
            {
                "fit": t_fit,
                "total": time.perf_counter() - t0,
                **{f"engine_{k}": float(v) for k, v in result.timing.items()},
            }
        ),
    )
