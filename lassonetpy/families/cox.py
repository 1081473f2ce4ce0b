r"""Cox proportional hazards family: the negative log partial likelihood, batched in torch.

The loss is not a sum over rows, but with the rows sorted once (:class:`CoxTarget`, built from
:class:`lassonetpy.survival.RiskSets`) every risk-set sum of every model of a batch is one
reverse log-cumsum-exp over a (B, strata, width) grid. A model's row weights ``w`` (zero
outside its CV fold) enter the sums, so each model of a batch gets exactly the partial
likelihood of its own rows and CV folds stay one batch. The formulas and the scaling
(glmnet's: ``-loglik / n``) are in :mod:`lassonetpy.survival.risk`; this module computes the
same numbers in torch, with a closed-form gradient:

.. math:: \frac{\partial\,\mathrm{loss}}{\partial \eta_j} = w_j e^{\eta_j}
    \Big[\sum_{g:\, t_g \le t_j} A_g - 1(j \in D_{g(j)})\, C_{g(j)}\Big] - w_j d_j,

``A_g = \bar w_g \sum_k 1 / (S_g - \frac{k}{m_g} T_g)`` (Breslow: ``W_g / S_g``) and
``C_g = \bar w_g \sum_k \frac{k}{m_g} / (S_g - \frac{k}{m_g} T_g)`` (Breslow: 0). The sum over
event times up to ``t_j`` is a forward log-cumsum-exp on the same grid.

There is no intercept: the partial likelihood does not change when a constant is added to
``eta`` (the network's output bias gets a zero gradient), the null model is ``eta = 0``, and
predictions of the linear predictor leave the constant out (``Family.intercept`` is False).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..survival import RiskSets, as_surv, check_ties
from ._base import Family, ResponseInfo

__all__ = ["Cox", "CoxTarget"]


class _ByWeights:
    """What the partial likelihood needs that depends on the row weights ``w`` only."""

    def __init__(self, y: CoxTarget, w: torch.Tensor, efron: bool) -> None:
        self.w, self.version = w, w._version
        B, dt = w.shape[0], w.dtype
        grp = y.event_group
        self.lw = torch.log(w)  # -inf outside a model's rows
        we = w[:, y.event_rows]  # (B, D)
        pos = we > 0
        posf = pos.to(dt)
        self.we = we
        self.Wg = torch.zeros(B, y.G, dtype=dt, device=w.device).index_add_(1, grp, we)
        self.has = self.Wg > 0
        Wsafe = torch.where(self.has, self.Wg, torch.ones_like(self.Wg))
        self.logW = torch.where(self.has, torch.log(Wsafe), torch.full_like(Wsafe, -torch.inf))
        nb = (w > 0).sum(-1).to(dt)
        # -loglik / n with weights of mean 1: log(n) per unit of event weight
        self.const = torch.log(nb) * self.Wg.sum(-1)
        lsat = -(torch.where(self.has, self.Wg * torch.log(nb.unsqueeze(-1) * Wsafe), 0.0)).sum(-1)
        if efron:
            mg = torch.zeros_like(self.Wg).index_add_(1, grp, posf)
            excl = torch.cumsum(posf, -1) - posf  # positive events before each event
            k = excl - excl[:, y.group_first_event][:, grp]
            self.frac = torch.where(pos, k / mg[:, grp].clamp_min(1.0), torch.zeros_like(k))
            wbar = torch.where(self.has, self.Wg / mg.clamp_min(1.0), torch.zeros_like(self.Wg))
            self.wbar_e = posf * wbar[:, grp]  # (B, D): each event's share of its time's weight
            m = mg.clamp_min(1.0)
            lsat = lsat - torch.where(
                self.has, wbar * (torch.lgamma(m + 1) - m * torch.log(m)), 0.0
            ).sum(-1)
        self.lsat = lsat


class CoxTarget:
    """The risk-set structure of a response on the device (what :class:`Cox` losses take).

    Built once per fit by :meth:`Cox.target`; the engine only passes it back to the family.
    The quantities that depend on the row weights only are computed once per weight tensor
    (a few are kept, matched by identity and version: the engine passes the same ``w`` at every
    epoch of a lambda).
    """

    def __init__(self, rs: RiskSets, device: torch.device) -> None:
        def lt(a: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(np.ascontiguousarray(a), dtype=torch.long, device=device)

        self.n, self.S, self.width, self.G = rs.n, rs.n_strata, rs.width, rs.n_groups
        self.padded = bool((rs.layout == rs.n).any())
        # the grid in reverse time order: a forward log-cumsum-exp gives the risk-set sums
        rev = rs.layout.reshape(rs.n_strata, rs.width)[:, ::-1].ravel()
        self.layout_rev = lt(rev)
        q = rs.group_start % max(rs.width, 1)
        self.group_start_rev = lt(rs.group_start - q + (rs.width - 1 - q))
        self.group_start = lt(rs.group_start)
        self.slot = lt(rs.slot)
        self.event_rows = lt(rs.event_rows)
        self.event_group = lt(rs.event_group)
        self.group_first_event = lt(rs.group_first_event())
        self._cache: list[_ByWeights] = []

    def by_weights(self, w: torch.Tensor, efron: bool) -> _ByWeights:
        """The weight-dependent quantities of ``w`` (cached by identity and version)."""
        for c in self._cache:
            if c.w is w and c.version == w._version and hasattr(c, "frac") >= efron:
                return c
        c = _ByWeights(self, w, efron)
        self._cache = [c, *self._cache[:7]]
        return c

    def clone(self) -> CoxTarget:
        """The structure is never modified: a clone is the object itself."""
        return self

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"CoxTarget(n={self.n}, strata={self.S}, event_times={self.G})"


class Cox(Family):
    """Cox proportional hazards, ``-log partial likelihood / n`` as in glmnet's coxnet.

    Parameters
    ----------
    ties : {"efron", "breslow"}
        How tied event times enter the partial likelihood (``"efron"``: R ``coxph``'s default;
        ``"breslow"``: glmnet's only method).

    Notes
    -----
    The response is a survival response (:func:`lassonetpy.survival.as_surv`): a frame with
    ``time`` and ``status`` (and ``strata``), or an (n, 2) array. ``info.y`` holds
    ``[time, status, stratum code]``.

    Examples
    --------
    >>> import numpy as np
    >>> from lassonetpy.families import get_family
    >>> fam = get_family("cox", ties="breslow")
    >>> info = fam.prepare(np.array([[5.0, 1], [3.0, 0], [9.0, 1]]))
    >>> y = fam.target(info, torch.float64, torch.device("cpu"))
    >>> w = torch.full((1, 3), 1 / 3, dtype=torch.float64)
    >>> round(float(fam.loss(torch.zeros(1, 3, 1, dtype=torch.float64), y, w)), 6)  # log(2)/3
    0.231049
    """

    name = "cox"
    intercept = False
    row_separable = False

    def __init__(self, ties: str = "efron") -> None:
        self.ties = check_ties(ties)

    def params(self) -> dict[str, Any]:
        return {"ties": self.ties}

    def __repr__(self) -> str:
        return f"Cox(ties={self.ties!r})"

    def prepare(self, y: Any, weights: np.ndarray | None = None) -> ResponseInfo:
        r = as_surv(y)
        return ResponseInfo(y=r.as_array(), n_outputs=1)

    def target(self, info: ResponseInfo, dtype: torch.dtype, device: torch.device) -> Any:
        y = np.asarray(info.y)
        rs = RiskSets.build(y[:, 0], y[:, 1], y[:, 2].astype(np.int64))
        return CoxTarget(rs, torch.device(device))

    # ---------------------------------------------------------------- the partial likelihood
    def _terms(self, eta: torch.Tensor, y: CoxTarget, w: torch.Tensor) -> dict[str, Any]:
        e = eta[..., 0]  # (B, n)
        B = e.shape[0]
        c = y.by_weights(w, self.ties == "efron")
        a = e + c.lw  # log(w e^eta), -inf outside a model's rows
        if y.padded:
            pad = torch.full((B, 1), -torch.inf, dtype=a.dtype, device=a.device)
            grid = torch.cat([a, pad], 1)[:, y.layout_rev]
        else:
            grid = a[:, y.layout_rev]
        lcs = torch.logcumsumexp(grid.view(B, y.S, y.width), dim=-1).view(B, -1)
        logS = torch.where(c.has, lcs[:, y.group_start_rev], 0.0)  # (B, G) risk-set sums
        sum_w_eta = (c.we * e[:, y.event_rows]).sum(-1)
        out: dict[str, Any] = {"a": a, "logS": logS, "c": c}
        if self.ties == "breslow":
            out["loglik"] = sum_w_eta - (c.Wg * logS).sum(-1)
            return out
        grp = y.event_group
        ratio = torch.exp(a[:, y.event_rows] - logS[:, grp])  # w_e e^eta_e / S_g <= 1
        r = torch.zeros_like(logS).index_add_(1, grp, ratio).clamp(max=1.0)  # T_g / S_g
        one_minus = 1.0 - c.frac * r[:, grp]  # >= 1 / m_g
        Le = logS[:, grp] + torch.log(one_minus)
        out.update(loglik=sum_w_eta - (c.wbar_e * Le).sum(-1), ratio=ratio, one_minus=one_minus)
        return out

    def loss(self, eta: torch.Tensor, y: Any, w: torch.Tensor) -> torch.Tensor:
        t = self._terms(eta, y, w)
        return -t["loglik"] + t["c"].const

    def loss_grad(
        self, eta: torch.Tensor, y: Any, w: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        t = self._terms(eta, y, w)
        a, logS, c = t["a"], t["logS"], t["c"]
        loss = -t["loglik"] + c.const
        B = a.shape[0]
        grp = y.event_group
        ninf = torch.full_like(logS, -torch.inf)
        if self.ties == "breslow":
            logA = torch.where(c.has, c.logW - logS, ninf)  # A_g = W_g / S_g
            corr = c.we
        else:
            inv = c.wbar_e / t["one_minus"]  # wbar_g S_g / (S_g - k/m T_g)
            sum_inv = torch.zeros_like(logS).index_add_(1, grp, inv)
            sum_frac = torch.zeros_like(logS).index_add_(1, grp, inv * c.frac)
            logA = torch.where(c.has, torch.log(torch.where(c.has, sum_inv, 1.0)) - logS, ninf)
            # the events' own correction w_j e^eta_j C_g
            corr = c.we + t["ratio"] * sum_frac[:, grp]
        slots = torch.full((B, y.S * y.width), -torch.inf, dtype=a.dtype, device=a.device)
        slots[:, y.group_start] = logA
        logH = torch.logcumsumexp(slots.view(B, y.S, y.width), dim=-1).view(B, -1)[:, y.slot]
        g = torch.exp(a + logH)  # w_j e^eta_j sum_{t_g <= t_j} A_g (0 outside the rows)
        g.index_add_(1, y.event_rows, -corr)
        return loss, g.unsqueeze(-1)

    def deviance(self, eta: torch.Tensor, y: Any, w: torch.Tensor) -> torch.Tensor:
        t = self._terms(eta, y, w)
        return 2.0 * (-t["loglik"] + t["c"].const + t["c"].lsat)

    def null_eta(self, y: Any, w: torch.Tensor) -> torch.Tensor:
        return torch.zeros(w.shape[0], 1, dtype=w.dtype, device=w.device)

    def inverse_link(self, eta: np.ndarray) -> np.ndarray:
        return np.exp(eta)
