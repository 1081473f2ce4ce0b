r"""Risk sets sorted once, and the Cox partial likelihood on them (numpy).

**Layout.** Rows are sorted once by (stratum, time) and laid out in an (S, width) grid, one
stratum per row of the grid (padded at the end of shorter strata). The risk set of an event
time ``t`` in stratum ``s`` is every row of ``s`` with time ``>= t`` (a row censored at ``t`` is
still at risk at ``t``, as in ``survival::coxph``, statsmodels and lifelines): on the grid, the
slots from the first row of ``t``'s tie block to the end of the stratum's row. So every risk-set
sum ``S_g = sum_{j in R_g} w_j exp(eta_j)`` is one reverse cumulative sum per grid row, taken
in log space (log-cumsum-exp, stable for any ``eta``), read at the first slot of each event
time's block. :mod:`lassonetpy.families.cox` does the same in torch.

**Scaling (glmnet's coxnet).** With weights ``w`` rescaled to mean 1 over the ``n`` rows with
positive weight, the loss is ``-loglik / n``; with unit weights ``-loglik`` is exactly what
``survival::coxph``, statsmodels' ``PHReg.loglike`` and lifelines compute. Breslow:

.. math:: \mathrm{loglik} = \sum_g \Big[\sum_{i \in D_g} w_i \eta_i - W_g \log S_g\Big],

Efron (weighted as in ``survival`` and lifelines: ``m_g`` events with positive weight at time
``g``, ``T_g`` their share of ``S_g``, ``\bar w_g = W_g / m_g``):

.. math:: \mathrm{loglik} = \sum_g \Big[\sum_{i \in D_g} w_i \eta_i
   - \bar w_g \sum_{k=0}^{m_g - 1} \log\big(S_g - \tfrac{k}{m_g} T_g\big)\Big].

The deviance is ``2 (loglik_sat - loglik) / n`` with glmnet's saturated log-likelihood
``-sum_g W_g log W_g`` (Breslow; Efron adds ``-sum_g \bar w_g log(m_g! / m_g^{m_g})``, its value
when every event outranks the rest of its risk set).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import bad_value

__all__ = [
    "TIES",
    "check_ties",
    "RiskSets",
    "cox_loss",
    "cox_deviance",
    "BaselineHazard",
    "breslow_baseline",
]

#: Tie methods, the default first (R ``coxph``'s default).
TIES = ("efron", "breslow")


def check_ties(ties: Any) -> str:
    """Validate a tie method name.

    Examples
    --------
    >>> check_ties("Breslow")
    'breslow'
    """
    if isinstance(ties, str) and ties.lower() in TIES:
        return ties.lower()
    raise bad_value("ties", "'efron' or 'breslow'", ties)


@dataclass(frozen=True)
class RiskSets:
    """The risk-set structure of a survival response (rows sorted once).

    Attributes
    ----------
    n, n_strata, width : int
        Rows, strata ``S`` and the grid's width (the largest stratum).
    layout : ndarray of int64, shape (S * width,)
        Row at each grid slot; ``n`` marks padding.
    slot : ndarray of int64, shape (n,)
        Grid slot of each row.
    group_start : ndarray of int64, shape (G,)
        For each event time ``g`` (a time with at least one event, per stratum): the slot of
        the first row with that time (where its risk set begins).
    group_stratum : ndarray of int64, shape (G,)
        Stratum of each event time; ``group_time`` (G,) the time itself.
    event_rows, event_group : ndarray of int64, shape (D,)
        The rows with an event, ordered by event time, and the event time of each.

    Examples
    --------
    >>> import numpy as np
    >>> rs = RiskSets.build(np.array([4.0, 2.0, 2.0, 7.0]), np.array([1.0, 1.0, 0.0, 0.0]),
    ...                     np.zeros(4, dtype=int))
    >>> rs.group_time.tolist(), rs.event_rows.tolist()
    ([2.0, 4.0], [1, 0])
    """

    n: int
    n_strata: int
    width: int
    layout: np.ndarray
    slot: np.ndarray
    group_start: np.ndarray
    group_stratum: np.ndarray
    group_time: np.ndarray
    event_rows: np.ndarray
    event_group: np.ndarray

    @property
    def n_groups(self) -> int:
        """Number of event times ``G`` (over all strata)."""
        return int(self.group_start.shape[0])

    @classmethod
    def build(cls, time: np.ndarray, status: np.ndarray, strata: np.ndarray) -> RiskSets:
        """Sort the rows by (stratum, time) and find the tie blocks of event times."""
        time = np.asarray(time, dtype=np.float64)
        status = np.asarray(status, dtype=np.float64)
        strata = np.asarray(strata, dtype=np.int64)
        n = time.shape[0]
        S = int(strata.max()) + 1 if n else 1
        order = np.lexsort((time, strata))
        st, tm, ev = strata[order], time[order], status[order] > 0
        counts = np.bincount(st, minlength=S)
        width = int(counts.max()) if n else 0
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        q = np.arange(n) - first[st]
        sorted_slot = st * width + q
        slot = np.empty(n, dtype=np.int64)
        slot[order] = sorted_slot
        layout = np.full(S * width, n, dtype=np.int64)
        layout[sorted_slot] = order
        # tie blocks: runs of equal (stratum, time) in sorted order
        new = np.ones(n, dtype=bool)
        new[1:] = (st[1:] != st[:-1]) | (tm[1:] != tm[:-1])
        block = np.cumsum(new) - 1
        block_slot = sorted_slot[new]
        has_event = np.bincount(block, weights=ev, minlength=int(block[-1]) + 1 if n else 0) > 0
        group_of_block = np.cumsum(has_event) - 1
        blocks = np.flatnonzero(has_event)
        ev_pos = np.flatnonzero(ev)
        return cls(
            n=n,
            n_strata=S,
            width=width,
            layout=layout,
            slot=slot,
            group_start=block_slot[blocks].astype(np.int64),
            group_stratum=(block_slot[blocks] // max(width, 1)).astype(np.int64),
            group_time=tm[new][blocks],
            event_rows=order[ev_pos].astype(np.int64),
            event_group=group_of_block[block[ev_pos]].astype(np.int64),
        )

    def group_first_event(self) -> np.ndarray:
        """Index (into ``event_rows``) of the first event of each event time, shape (G,)."""
        return np.searchsorted(self.event_group, np.arange(self.n_groups))


def _log_weights(weights: Any, n: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Weights normalised to sum to 1, their logs (-inf at 0) and ``n`` (rows with w > 0)."""
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
        raise bad_value("weights", f"{n} finite values >= 0 with a positive sum", weights)
    w = w / w.sum()
    with np.errstate(divide="ignore"):
        lw = np.log(w)
    return w, lw, float((w > 0).sum())


def _rev_logcumsumexp(a: np.ndarray) -> np.ndarray:
    """``log sum_{k >= j} exp(a_k)`` along the last axis."""
    with np.errstate(invalid="ignore"):
        return np.logaddexp.accumulate(a[..., ::-1], axis=-1)[..., ::-1]


def _risk_terms(
    eta: np.ndarray, rs: RiskSets, weights: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Per event time: ``log S_g`` (L, G), ``W_g``, ``m_g`` (G,); per event: weight, eta."""
    w, lw, nb = _log_weights(weights, rs.n)
    a = eta + lw  # (L, n)
    L = a.shape[0]
    a_pad = np.concatenate([a, np.full((L, 1), -np.inf)], axis=1)
    grid = a_pad[:, rs.layout].reshape(L, rs.n_strata, rs.width)
    logS = _rev_logcumsumexp(grid).reshape(L, -1)[:, rs.group_start]
    we = w[rs.event_rows]
    Wg = np.bincount(rs.event_group, weights=we, minlength=rs.n_groups)
    mg = np.bincount(rs.event_group, weights=(we > 0).astype(float), minlength=rs.n_groups)
    return logS, Wg, mg, we, a[:, rs.event_rows], nb


def _loglik_terms(eta: np.ndarray, rs: RiskSets, weights: Any, ties: str) -> tuple:
    """``loglik`` with sum-one weights (L,), and ``W_g``, ``m_g``, ``n`` for the constants."""
    logS, Wg, mg, we, a_e, nb = _risk_terms(eta, rs, weights)
    pos = we > 0
    sum_w_eta = (np.where(pos, eta[:, rs.event_rows], 0.0) * we).sum(-1)
    has = Wg > 0
    if ties == "breslow":
        log_terms = np.where(has, Wg * np.where(has, logS, 0.0), 0.0).sum(-1)
        return sum_w_eta - log_terms, Wg, mg, nb
    grp = rs.event_group
    starts = rs.group_first_event()
    with np.errstate(invalid="ignore", divide="ignore"):
        amax = np.maximum.reduceat(a_e, starts, axis=-1) if a_e.shape[-1] else a_e
        amax = np.where(np.isfinite(amax), amax, 0.0)
        logT = np.log(np.add.reduceat(np.exp(a_e - amax[:, grp]), starts, axis=-1)) + amax
    r = np.where(has, np.minimum(np.exp(logT - np.where(has, logS, 0.0)), 1.0), 0.0)
    excl: np.ndarray = np.cumsum(pos) - pos.astype(np.int64)  # positive events before each
    k = excl - excl[starts][grp]
    frac = np.where(pos, k / np.maximum(mg[grp], 1.0), 0.0)
    wbar = np.where(has, Wg / np.maximum(mg, 1.0), 0.0)
    terms = np.where(pos, np.where(has[grp], logS[:, grp], 0.0) + np.log1p(-frac * r[:, grp]), 0.0)
    return sum_w_eta - (wbar[grp] * terms).sum(-1), Wg, mg, nb


def _as_2d(eta: Any, n: int) -> tuple[np.ndarray, bool]:
    e = np.asarray(eta, dtype=np.float64)
    single = e.ndim == 1
    e = e[None] if single else e
    if e.ndim != 2 or e.shape[1] != n:
        raise bad_value("eta", f"(n,) or (L, n) linear predictors with n = {n}", f"shape {e.shape}")
    return e, single


def cox_loss(
    eta: Any, rs: RiskSets, weights: Any = None, ties: str = "efron"
) -> float | np.ndarray:
    """Negative log partial likelihood per observation (glmnet's scaling).

    Parameters
    ----------
    eta : array-like of shape (n,) or (L, n)
        Linear predictors (one fit, or one per row of ``eta``).
    rs : RiskSets
        From :meth:`RiskSets.build` on the response.
    weights : array-like of shape (n,), optional
        Observation weights (rows with weight 0 are left out entirely).
    ties : {"efron", "breslow"}

    Returns
    -------
    float or ndarray of shape (L,)
        ``-loglik / n`` with weights rescaled to mean 1 over the rows with positive weight.

    Examples
    --------
    >>> import numpy as np
    >>> rs = RiskSets.build(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.0]), np.zeros(3, int))
    >>> bool(np.isclose(cox_loss(np.zeros(3), rs), (np.log(3) + np.log(2)) / 3))
    True
    """
    e, single = _as_2d(eta, rs.n)
    ll, Wg, _, nb = _loglik_terms(e, rs, weights, check_ties(ties))
    out = -ll + np.log(nb) * Wg.sum()
    return float(out[0]) if single else out


def _saturated(Wg: np.ndarray, mg: np.ndarray, nb: float, ties: str) -> float:
    """Saturated log-likelihood per observation (sum-one weights ``W_g``)."""
    has = Wg > 0
    out = -float((Wg[has] * np.log(nb * Wg[has])).sum())
    if ties == "efron" and has.any():
        m = mg[has].astype(np.int64)
        log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, int(m.max()) + 1)))])
        out -= float((Wg[has] / m * (log_fact[m] - m * np.log(m))).sum())
    return out


def cox_deviance(
    eta: Any, rs: RiskSets, weights: Any = None, ties: str = "efron", total: bool = False
) -> float | np.ndarray:
    """Partial-likelihood deviance ``2 (loglik_sat - loglik)``, per observation or in total.

    Parameters
    ----------
    eta, rs, weights, ties
        As in :func:`cox_loss`.
    total : bool
        False: divided by ``n`` (what the path reports); True: the sum, with weights rescaled to
        mean 1 (glmnet's ``coxnet.deviance`` with its default ``std.weights = TRUE``).

    Returns
    -------
    float or ndarray of shape (L,)

    Examples
    --------
    >>> import numpy as np
    >>> rs = RiskSets.build(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.0]), np.zeros(3, int))
    >>> round(float(cox_deviance(np.zeros(3), rs, ties="breslow", total=True)), 6)
    3.583519
    """
    t = check_ties(ties)
    e, single = _as_2d(eta, rs.n)
    ll, Wg, mg, nb = _loglik_terms(e, rs, weights, t)
    loss = -ll + np.log(nb) * Wg.sum()
    out = 2.0 * (loss + _saturated(Wg, mg, nb, t))
    if total:
        out = out * nb
    return float(out[0]) if single else out


@dataclass(frozen=True)
class BaselineHazard:
    """Breslow's baseline cumulative hazard of a Cox fit, per stratum and per fit.

    ``H0(t) = sum over event times t_g <= t of W_g / S_g`` (``W_g`` the weight of the events
    at ``t_g``, ``S_g`` the risk-set sum of ``w exp(eta)``), right-continuous as in R's
    ``basehaz`` and lifelines (statsmodels reports the value just before each event time).

    Attributes
    ----------
    levels : tuple
        Stratum labels in code order (``()`` without strata).
    time : ndarray of shape (T,)
        Event times, stratum by stratum, increasing within a stratum.
    stratum : ndarray of int64, shape (T,)
        Stratum code of each time.
    cumhaz : ndarray of shape (L, T)
        ``H0`` at each time (including its jump), for each of ``L`` fits.
    """

    levels: tuple
    time: np.ndarray
    stratum: np.ndarray
    cumhaz: np.ndarray

    def at(self, times: Any, index: int) -> np.ndarray:
        """``H0`` of fit ``index`` at ``times`` in every stratum: shape (S, len(times))."""
        t = np.asarray(times, dtype=np.float64).ravel()
        S = max(1, len(self.levels))
        out = np.zeros((S, t.shape[0]))
        for s in range(S):
            sel = self.stratum == s
            ts, hs = self.time[sel], self.cumhaz[index, sel]
            k = np.searchsorted(ts, t, side="right")
            out[s] = np.where(k > 0, hs[np.maximum(k - 1, 0)] if hs.size else 0.0, 0.0)
        return out


def breslow_baseline(
    eta: Any, rs: RiskSets, weights: Any = None, levels: tuple = ()
) -> BaselineHazard:
    """Breslow's baseline cumulative hazard for each of ``L`` linear predictors.

    Parameters
    ----------
    eta : array-like of shape (n,) or (L, n)
        Linear predictors of the training rows (the link that predictions will use).
    rs : RiskSets
        Risk sets of the training response.
    weights : array-like of shape (n,), optional
        Observation weights.
    levels : tuple
        Stratum labels, kept for look-ups.

    Returns
    -------
    BaselineHazard

    Examples
    --------
    >>> import numpy as np
    >>> rs = RiskSets.build(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.0]), np.zeros(3, int))
    >>> breslow_baseline(np.zeros(3), rs).cumhaz.round(4).tolist()
    [[0.3333, 0.8333]]
    """
    e, _ = _as_2d(eta, rs.n)
    logS, Wg, _, _, _, _ = _risk_terms(e, rs, weights)
    with np.errstate(divide="ignore"):
        jump = np.where(Wg > 0, np.exp(np.log(np.where(Wg > 0, Wg, 1.0)) - logS), 0.0)
    cum = np.empty_like(jump)
    for s in range(rs.n_strata):
        sel = rs.group_stratum == s
        cum[:, sel] = np.cumsum(jump[:, sel], axis=-1)
    return BaselineHazard(
        levels=tuple(levels), time=rs.group_time.copy(), stratum=rs.group_stratum.copy(), cumhaz=cum
    )
