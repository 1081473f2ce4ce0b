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


class CoxTarget:
    """The risk-set structure of a response on the device (what :class:`Cox` losses take).

    Built once per fit by :meth:`Cox.target`; the engine only passes it back to the family.
    """

    def __init__(self, rs: RiskSets, device: torch.device) -> None:
        def lt(a: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(np.ascontiguousarray(a), dtype=torch.long, device=device)

        self.n, self.S, self.width, self.G = rs.n, rs.n_strata, rs.width, rs.n_groups
        self.layout = lt(rs.layout)
        self.slot = lt(rs.slot)
        self.group_start = lt(rs.group_start)
        self.event_rows = lt(rs.event_rows)
        self.event_group = lt(rs.event_group)
        self.group_first_event = lt(rs.group_first_event())

    def clone(self) -> CoxTarget:
        """The structure is never modified: a clone is the object itself."""
        return self

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"CoxTarget(n={self.n}, strata={self.S}, event_times={self.G})"


def _rev_lcse(x: torch.Tensor) -> torch.Tensor:
    return torch.logcumsumexp(x.flip(-1), dim=-1).flip(-1)


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
    >>> float(fam.loss(torch.zeros(1, 3, 1, dtype=torch.float64), y, w))  # log(2) / 3
    0.23104906018664842
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
        lw = torch.log(w)  # -inf outside a model's rows
        a = e + lw
        pad = torch.full((B, 1), -torch.inf, dtype=a.dtype, device=a.device)
        grid = torch.cat([a, pad], 1)[:, y.layout].view(B, y.S, y.width)
        logS = _rev_lcse(grid).reshape(B, -1)[:, y.group_start]  # (B, G)
        grp = y.event_group
        we = w[:, y.event_rows]  # (B, D)
        pos = we > 0
        posf = pos.to(e.dtype)
        Wg = torch.zeros(B, y.G, dtype=e.dtype, device=e.device).index_add_(1, grp, we)
        has = Wg > 0
        logS = torch.where(has, logS, torch.zeros_like(logS))
        e_ev = e[:, y.event_rows]
        out: dict[str, Any] = {
            "a": a,
            "logS": logS,
            "Wg": Wg,
            "has": has,
            "we": we,
            "sum_w_eta": (we * torch.where(pos, e_ev, torch.zeros_like(e_ev))).sum(-1),
            "nb": (w > 0).sum(-1).to(e.dtype),
        }
        if self.ties == "breslow":
            out["loglik"] = out["sum_w_eta"] - (Wg * logS).sum(-1)
            return out
        mg = torch.zeros_like(Wg).index_add_(1, grp, posf)
        a_ev = a[:, y.event_rows]
        amax = torch.full_like(Wg, -torch.inf).scatter_reduce(
            1, grp.expand(B, -1), a_ev, reduce="amax", include_self=True
        )
        amax = torch.where(torch.isfinite(amax), amax, torch.zeros_like(amax))
        Tsum = torch.zeros_like(Wg).index_add_(1, grp, torch.exp(a_ev - amax[:, grp]))
        logT = torch.log(Tsum) + amax
        r = torch.where(has, torch.exp(logT - logS).clamp(max=1.0), torch.zeros_like(logS))
        excl = torch.cumsum(posf, -1) - posf  # positive events before each event
        k = excl - excl[:, y.group_first_event][:, grp]
        frac = torch.where(pos, k / mg[:, grp].clamp_min(1.0), torch.zeros_like(k))
        wbar = torch.where(has, Wg / mg.clamp_min(1.0), torch.zeros_like(Wg))
        one_minus = 1.0 - frac * r[:, grp]  # >= 1 / m_g
        Le = logS[:, grp] + torch.log(one_minus)
        out.update(
            loglik=out["sum_w_eta"] - (posf * wbar[:, grp] * Le).sum(-1),
            mg=mg,
            pos=pos,
            frac=frac,
            wbar=wbar,
            one_minus=one_minus,
        )
        return out

    def loss(self, eta: torch.Tensor, y: Any, w: torch.Tensor) -> torch.Tensor:
        t = self._terms(eta, y, w)
        return -t["loglik"] + torch.log(t["nb"]) * t["Wg"].sum(-1)

    def loss_grad(
        self, eta: torch.Tensor, y: Any, w: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        t = self._terms(eta, y, w)
        loss = -t["loglik"] + torch.log(t["nb"]) * t["Wg"].sum(-1)
        a, logS, Wg, has, we = t["a"], t["logS"], t["Wg"], t["has"], t["we"]
        B = a.shape[0]
        grp = y.event_group
        ninf = torch.full_like(logS, -torch.inf)
        if self.ties == "breslow":
            logA = torch.where(has, torch.log(torch.where(has, Wg, 1.0)) - logS, ninf)
            cterm = None
        else:
            posf = t["pos"].to(a.dtype)
            inv = posf / t["one_minus"]  # (B, D): S_g / (S_g - k/m T_g)
            sum_inv = torch.zeros_like(Wg).index_add_(1, grp, inv)
            sum_frac = torch.zeros_like(Wg).index_add_(1, grp, inv * t["frac"])
            wbar = t["wbar"]
            logA = torch.where(has, torch.log(torch.where(has, wbar * sum_inv, 1.0)) - logS, ninf)
            # the correction for the events themselves: w_j e^eta_j C_g
            cterm = torch.exp(a[:, y.event_rows] - logS[:, grp]) * (wbar * sum_frac)[:, grp]
        slots = torch.full((B, y.S * y.width), -torch.inf, dtype=a.dtype, device=a.device)
        slots[:, y.group_start] = logA
        logH = torch.logcumsumexp(slots.view(B, y.S, y.width), dim=-1).reshape(B, -1)[:, y.slot]
        g = torch.exp(a + logH)  # w_j e^eta_j sum_{t_g <= t_j} A_g (0 outside the rows)
        g = torch.nan_to_num(g, nan=0.0)
        corr = we if cterm is None else we + cterm
        g = g.index_add(1, y.event_rows, -corr)
        return loss, g.unsqueeze(-1)

    def deviance(self, eta: torch.Tensor, y: Any, w: torch.Tensor) -> torch.Tensor:
        t = self._terms(eta, y, w)
        loss = -t["loglik"] + torch.log(t["nb"]) * t["Wg"].sum(-1)
        Wg, has, nb = t["Wg"], t["has"], t["nb"]
        Wsafe = torch.where(has, Wg, torch.ones_like(Wg))
        lsat = -(torch.where(has, Wg * torch.log(nb.unsqueeze(-1) * Wsafe), 0.0)).sum(-1)
        if self.ties == "efron":
            m = t["mg"].clamp_min(1.0)
            lsat = lsat - torch.where(
                has, t["wbar"] * (torch.lgamma(m + 1) - m * torch.log(m)), 0.0
            ).sum(-1)
        return 2.0 * (loss + lsat)

    def null_eta(self, y: Any, w: torch.Tensor) -> torch.Tensor:
        return torch.zeros(w.shape[0], 1, dtype=w.dtype, device=w.device)

    def inverse_link(self, eta: np.ndarray) -> np.ndarray:
        return np.exp(eta)
