"""The per-lambda records of a path -> :class:`~lassonetpy.engine.result.PathResult`:
coefficients on the original scale, intercepts, loss, objective, deviance, in stacks of path
points (one forward pass for many points)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from .network import forward, stored_params
from .objective import Problem, group_norms, sub_problem, summed_over_rows
from .result import PathResult
from .setup import Setup
from .states import PathState

__all__ = ["collect", "Record"]


class Record(NamedTuple):
    """What the path keeps of one lambda (B models): the lambda (internal units), the
    compact networks, epochs (B,), converged (B,), the relative KKT residual (B,) and the
    relative duality gap (B,, NaN where none) at the last epoch."""

    lam: float
    state: PathState
    epochs: torch.Tensor
    converged: torch.Tensor
    residual: torch.Tensor
    gap: torch.Tensor


def collect(
    records: list,
    s: Setup,
    prob: Problem,
    null_dev: torch.Tensor,
    lr_path: torch.Tensor,
    timing: dict[str, float],
    lambda_max: torch.Tensor,
) -> PathResult:
    """The path's records evaluated on the training rows of every model, as a
    :class:`PathResult` in original units."""
    fam, info, hidden, Mv, gi, d = s.family, s.info, s.hidden, s.M, s.groups, s.d
    x_center, x_scale, pen_weight = s.rows.center, s.rows.scale, s.pen_weight
    scale = float(info.scale)
    # per-output scale (family reconstruction: each column's standard deviation)
    osc = np.ones(info.n_outputs) if info.output_scale is None else np.asarray(info.output_scale)
    # (lambda, state, epochs, converged) tuples of callers without the stopping quantities
    records = [r if isinstance(r, Record) else _with_measures(r) for r in records]
    lambdas = np.array([r.lam for r in records]) * scale
    sel: list = []
    ngr: list = []
    beta: list = []
    a0: list = []
    loss: list = []
    obj: list = []
    devi: list = []
    states: list = []
    dev = prob.w.device
    B = prob.w.shape[0]
    nw = len(hidden)
    O = int(info.n_outputs)
    K = int(records[0].state.first.shape[1]) - O
    # the records are evaluated in stacks of R path points (R * B models in one forward pass):
    # one GEMM instead of a loop over lambdas; R bounded so activations stay under ~64 MiB
    n_rows = prob.w.shape[1] if isinstance(prob.X, torch.Tensor) else prob.X.chunk_rows
    R = max(1, min(len(records), (1 << 24) // max(1, B * (K + O) * n_rows)))
    with torch.no_grad():
        for r0 in range(0, len(records), R):
            part = records[r0 : r0 + R]
            ts = [
                x.to(dev)
                for x in (torch.cat(z, 0) for z in zip(*(r.state.tensors() for r in part)))
            ]
            p = stored_params(ts, O, s.body, nw)
            Rb = len(part)
            lam_v = torch.tensor([r.lam for r in part], dtype=p.first.dtype, device=dev)
            th_all = p.theta.double().cpu().numpy().reshape(Rb, B, O, d)
            ng_all = (group_norms(p, gi) > 0).sum(-1).cpu().numpy().reshape(Rb, B)
            q = p.clone()
            q.theta.zero_()
            mlp0 = forward(q, torch.zeros(1, d, dtype=p.first.dtype, device=dev))[:, 0, :]
            mlp0_all = mlp0.double().cpu().numpy().reshape(Rb, B, O)
            # one pass gives the loss and the deviance of every model at every point
            prob_r = sub_problem(prob, torch.arange(B, device=dev).repeat(Rb))
            lo, dv = (v.view(Rb, B) for v in summed_over_rows(p, prob_r, [fam.loss, fam.deviance]))
            pe = (group_norms(p, gi) * prob.pen_weight).sum(-1).view(Rb, B)
            ob = lo + lam_v.unsqueeze(-1) * pe
            for i, rec in enumerate(part):
                th = th_all[i]  # (B, O, d)
                sel.append(np.linalg.norm(th, axis=1) > 0)
                ngr.append(ng_all[i])
                beta.append(scale * osc[:, None] * th / x_scale)
                a0.append(info.center + scale * osc * (mlp0_all[i] - th @ (x_center / x_scale)))
                loss.append(scale**2 * lo[i].double().cpu().numpy())
                obj.append(scale**2 * ob[i].double().cpu().numpy())
                devi.append(scale**2 * dv[i].double().cpu().numpy())
                states.append(rec.state)
    nd = scale**2 * null_dev.double().cpu().numpy()
    devi_a = np.stack(devi, 1)
    members = gi.members if gi is not None else [[j] for j in range(d)]
    return PathResult(
        family=fam,
        response=info,
        hidden=hidden,
        M=Mv,
        lambdas=lambdas,
        x_center=x_center,
        x_scale=x_scale,
        groups=members,
        penalty_weight=pen_weight,
        selected=np.stack(sel, 1),
        n_selected=np.stack(sel, 1).sum(-1),
        n_groups=np.stack(ngr, 1),
        beta=np.stack(beta, 1),
        a0=np.stack(a0, 1),
        loss=np.stack(loss, 1),
        objective=np.stack(obj, 1),
        deviance=devi_a,
        null_deviance=nd,
        dev_ratio=1 - devi_a / nd[:, None],
        epochs=_stack(records, "epochs"),
        converged=_stack(records, "converged"),
        residual=_stack(records, "residual").astype(np.float64),
        gap=_stack(records, "gap").astype(np.float64),
        threads=s.threads,
        lr=lr_path.double().cpu().numpy(),
        states=states,
        timing=timing,
        lambda_max_internal=lambda_max.double().cpu().numpy(),
        body=s.body,
    )


def _with_measures(r: tuple) -> Record:
    """A ``(lambda, state, epochs, converged)`` record with NaN residual and gap."""
    nan = torch.full(r[2].shape, float("nan"), dtype=torch.float64)
    return Record(r[0], r[1], r[2], r[3], nan, nan)


def _stack(records: list[Record], name: str) -> np.ndarray:
    """Per-model values of every record, as (B, L)."""
    return np.stack([getattr(r, name).cpu().numpy() for r in records], 1)
