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
from typing import Any

import numpy as np

from .api import _format_call, lassonet
from .engine.checks import check_number
from .engine.parallel import fit_batch
from .errors import InputTypeError, bad_value
from .formula.inputs import FIT_ARGS, _prepare
from .stability_result import StabilitySelection

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
