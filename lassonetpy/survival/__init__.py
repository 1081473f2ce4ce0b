"""Survival data and the arithmetic of the Cox model, in numpy (no torch).

A base layer like :mod:`lassonetpy.errors`: the Cox family (torch), the report layer
(cross-validation measures, plots) and the front ends all build on it.

- :mod:`~lassonetpy.survival.response`: a survival response (``time``, ``status``, strata)
  from a frame, a structured array or a two-column array, checked (:func:`as_surv`).
- :mod:`~lassonetpy.survival.risk`: the risk sets of a response, sorted once
  (:class:`RiskSets`); the negative log partial likelihood (Breslow or Efron ties), the
  saturated log-likelihood and the deviance; the Breslow baseline cumulative hazard.
- :mod:`~lassonetpy.survival.concordance`: Harrell's C-index.
"""

from __future__ import annotations

from .concordance import concordance_index
from .response import SurvResponse, as_surv, strata_codes
from .risk import (
    TIES,
    BaselineHazard,
    RiskSets,
    breslow_baseline,
    check_ties,
    cox_deviance,
    cox_loss,
)

__all__ = [
    "SurvResponse",
    "as_surv",
    "strata_codes",
    "RiskSets",
    "TIES",
    "check_ties",
    "cox_loss",
    "cox_deviance",
    "BaselineHazard",
    "breslow_baseline",
    "concordance_index",
]
