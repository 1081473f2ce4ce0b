r"""Harrell's concordance index (C-index) of risk scores against survival times.

A pair ``(i, j)`` is *comparable* when ``i`` has an event and ``j`` is known to outlive it:
``t_j > t_i``, or ``t_j = t_i`` with ``j`` censored (a row censored at an event time was still at
risk then). Two events at the same time are not comparable. The pair is concordant when the
earlier failure has the higher risk, ``r_i > r_j``; tied risks count one half:

.. math:: C = \frac{\sum_{(i,j)} w_i w_j \,[1(r_i > r_j) + \tfrac12 1(r_i = r_j)]}
                  {\sum_{(i,j)} w_i w_j}.

These are lifelines' ``concordance_index`` rules (with ``-risk`` as its predicted survival) and
``survival::concordance``'s (which ``glmnet::Cindex`` calls). With strata, only pairs in the same
stratum are compared. Written by hand (pure numpy, in blocks of events): statsmodels has no
C-index and lifelines is not a dependency of the package.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import bad_value

__all__ = ["concordance_index"]

_BLOCK = 1 << 22  # pair-comparisons per block (memory bound of the vectorised loop)


def concordance_index(
    time: Any, status: Any, risk: Any, weights: Any = None, strata: Any = None
) -> float | np.ndarray:
    """Harrell's C-index (see the module docstring).

    Parameters
    ----------
    time, status : array-like of shape (n,)
        Observed times and event indicators (1 = event).
    risk : array-like of shape (n,) or (L, n)
        Risk scores (higher = earlier failure), e.g. a Cox linear predictor; one row per fit.
    weights : array-like of shape (n,), optional
        Observation weights (a pair weighs ``w_i w_j``).
    strata : array-like of shape (n,), optional
        Compare only pairs within a stratum.

    Returns
    -------
    float or ndarray of shape (L,)
        NaN when no pair is comparable (e.g. no event) or a risk is NaN.

    Examples
    --------
    >>> concordance_index([1, 2, 3, 4], [1, 1, 0, 1], [4.0, 3.0, 2.0, 1.0])
    1.0
    >>> concordance_index([1, 2, 3], [1, 0, 1], [1.0, 1.0, 0.0])
    0.75
    """
    t = np.asarray(time, dtype=np.float64)
    d = np.asarray(status, dtype=np.float64) > 0
    r = np.asarray(risk, dtype=np.float64)
    single = r.ndim == 1
    r = r[None] if single else r
    n = t.shape[0]
    if t.ndim != 1 or d.shape != (n,) or r.ndim != 2 or r.shape[1] != n:
        raise bad_value(
            "risk", f"(n,) or (L, n) scores with n = {n} like `time`", f"shape {r.shape}"
        )
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    g = np.zeros(n) if strata is None else np.asarray(strata)
    ev = np.flatnonzero(d & (w > 0))
    L = r.shape[0]
    num = np.zeros(L)
    den = 0.0
    step = max(1, _BLOCK // max(1, n * L))
    for b0 in range(0, ev.shape[0], step):
        e = ev[b0 : b0 + step]
        later = (t[None, :] > t[e, None]) | ((t[None, :] == t[e, None]) & ~d[None, :])
        pw = np.where(later & (g[None, :] == g[e, None]), w[e, None] * w[None, :], 0.0)
        den += pw.sum()
        re, rj = r[:, e, None], r[:, None, :]
        score = (re > rj) + 0.5 * (re == rj)
        num += (score * pw).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, num / den, np.nan)
    out = np.where(np.isnan(r).any(axis=1), np.nan, out)
    return float(out[0]) if single else out
