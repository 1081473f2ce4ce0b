r"""A fit for every feature count: lambdas refined between grid points where a step of the
grid removes more than one term (issue "trust at the defaults", point 2).

On a geometric grid several terms often leave between two neighbouring lambdas (on MICE
protein the default path of 67 fits had a fit with exactly ``k`` proteins for only 40 of
``k = 1..77``), so ``coef(df=k)`` meant "at most ``k``" and which terms were kept near ``k``
depended on the grid. After the path, :func:`refine_path` bisects (geometrically) every
interval of the path whose two ends straddle a missing count ``k < K``: each new lambda is
warm-started from the fit at the interval's lower end and trained to the same stopping test
as a grid point. All the open intervals of a round train together as one lock-step batch of
copies of the model (each at its own lambda), so a round costs about one lambda of the path.
Rounds repeat until every count ``k < K`` between the path's ends has a fit, or an interval
is narrower than a relative ``1e-3`` in lambda (terms that leave there leave together: an
exact tie, reported), or ``max_rounds`` is reached. The step from the dense fit (lambda = 0)
to the grid's first lambda is not refined: below the grid's start, fits are slow (a nearly
separable binomial lasso at 1e-4 of ``lambda_max`` ran out of epochs) and the grid's span is
the user's choice (``lambda_min_ratio``); terms that leave there are reported as missing.

Only the model being refined matters: its refined fits depend on its own path and data,
never on the other models of a batch (the front ends refine a single model: the fit of
:func:`~lassonetpy.lassonet`, the full-data model of a CV), so a split batch refines the same.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .collect import Record
from .network import Params
from .objective import Problem, TrainConfig, group_norms, sub_problem
from .states import PathState
from .trainer import LambdaState, train_lambda

__all__ = ["refine_path", "missing_counts", "TIE_RATIO"]

TIE_RATIO = 1e-3  # intervals narrower than this (relative, in lambda) are not split further


def _counts(records: list[Record], groups: object, O: int, nw: int) -> list[int]:
    """Selected groups (terms) of model 0 at each record."""
    out = []
    for r in records:
        t = r.state.tensors(0)
        p = Params(t[0], t[1 : 1 + nw], t[1 + nw :], O)
        out.append(int((group_norms(p, groups) > 0).sum()))  # type: ignore[arg-type]
    return out


def missing_counts(counts: list[int], K: int) -> list[int]:
    """Counts ``k < K`` between the smallest and largest of ``counts`` that no fit has.

    Examples
    --------
    >>> missing_counts([5, 5, 3, 0], K=10)
    [1, 2, 4]
    >>> missing_counts([5, 5, 3, 0], K=3)
    [1, 2]
    """
    have = set(counts)
    lo, hi = min(counts), max(counts)
    return [k for k in range(lo + 1, min(hi, K)) if k not in have]


def _open(records: list[Record], counts: list[int], missing: list[int]) -> list[int]:
    """Intervals ``(i, i + 1)`` that straddle a missing count and can still be split."""
    out = []
    miss = set(missing)
    for i in range(len(records) - 1):
        a, b = sorted((counts[i], counts[i + 1]))
        if not any(a < k < b for k in miss):
            continue
        lo, hi = records[i].lam, records[i + 1].lam
        if lo > 0 and hi > lo * (1 + TIE_RATIO):
            out.append(i)
    return out


def refine_path(
    records: list[Record],
    lrs: list[torch.Tensor],
    prob: Problem,
    cfg: TrainConfig,
    K: int,
    *,
    n_outputs: int,
    n_hidden_layers: int,
    max_rounds: int = 12,
    on_round: Callable[[int, int], None] | None = None,
) -> tuple[list[Record], list[torch.Tensor], list[int]]:
    """Insert fits between the records of one model's path until every count ``k < K`` has one.

    Parameters
    ----------
    records : list of Record
        The path of one model (B = 1), increasing in lambda (internal units); the first is
        the dense fit at lambda = 0.
    lrs : list of torch.Tensor of shape (1,)
        The step size the path had after each record (a refined fit starts with the step of
        its interval's lower end).
    prob : Problem
        The model's problem (one model).
    cfg : TrainConfig
        The path's training settings (stopping test, epoch limit).
    K : int
        Counts ``0 .. K - 1`` are wanted (between the path's smallest and largest count).
    n_outputs, n_hidden_layers : int
        Shape of the network (to rebuild :class:`Params` from the records).
    max_rounds : int
        Bisection rounds at most (each halves every open interval in log-lambda).
    on_round : callable, optional
        Called as ``on_round(round, n_intervals)`` before each round (progress).

    Returns
    -------
    records, lrs : lists
        The refined path (the input records and the new ones, increasing in lambda).
    ties : list of int
        Counts still missing at the end: terms that left together within a relative
        ``TIE_RATIO`` of lambda (or when ``max_rounds`` ran out).
    """
    O, nw = n_outputs, n_hidden_layers
    dev = prob.w.device
    recs = list(records)
    steps = list(lrs)
    counts = _counts(recs, prob.groups, O, nw)
    for rnd in range(max_rounds):
        missing = missing_counts(counts, K)
        jobs = _open(recs, counts, missing) if missing else []
        if not jobs:
            break
        if on_round is not None:
            on_round(rnd, len(jobs))
        J = len(jobs)
        ts = [
            torch.cat(z, 0).to(device=dev, dtype=prob.w.dtype)
            for z in zip(*(recs[i].state.tensors(0) for i in jobs))
        ]
        p = Params(ts[0], ts[1 : 1 + nw], ts[1 + nw :], O)
        mids = []
        for i in jobs:
            mids.append(float((recs[i].lam * recs[i + 1].lam) ** 0.5))
        lam = torch.tensor(mids, dtype=prob.w.dtype, device=dev)
        sub = sub_problem(prob, torch.zeros(J, dtype=torch.long, device=dev))
        state = LambdaState(
            prev=[t.clone() for t in p.tensors()],
            lr=torch.cat([steps[i].to(device=dev, dtype=prob.w.dtype) for i in jobs]),
        )
        alive = torch.ones(J, dtype=torch.bool, device=dev)
        p, ep, conv = train_lambda(p, sub, cfg, lam, state, alive)
        assert state.residual is not None and state.gap is not None
        tens = p.tensors()
        new = [
            (
                jobs[j],
                Record(
                    mids[j],
                    PathState.compact([t[j : j + 1] for t in tens]),
                    ep[j : j + 1],
                    conv[j : j + 1],
                    state.residual[j : j + 1],
                    state.gap[j : j + 1],
                ),
                state.lr[j : j + 1].clone(),
            )
            for j in range(J)
        ]
        for i, rec, lr in reversed(new):  # insert from the back: earlier indices stay valid
            recs.insert(i + 1, rec)
            steps.insert(i + 1, lr)
            counts.insert(i + 1, _counts([rec], prob.groups, O, nw)[0])
    return recs, steps, missing_counts(counts, K)
