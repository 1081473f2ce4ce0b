"""The path's optimisation loop for a batch of LassoNet models trained in lock-step.

The lambda path uses accelerated proximal gradient with a step size ``1 / L`` from a power
iteration at the dense solution (:mod:`.stepsize`; halved where a lambda diverges) and
Hier-Prox on ``(theta, W0)`` after every step. A model stops at a lambda when the optimality
test of :mod:`.stopping` passes (duality gap for convex models, KKT residual otherwise). A
converged model leaves the working set (its momentum kept), so a batched run follows the same
trajectory as a run of that model alone; every per-model quantity is computed from that
model's numbers only (:mod:`.objective`), so the batch does not change a model's rounding
either. The full-batch path synchronises with the host once per epoch on the CPU.

The problem, the objective's pieces (:mod:`.objective`), the dense fit (:mod:`.dense`) and the
step size (:mod:`.stepsize`) live in their own modules and are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from .dense import train_dense
from .grid import null_fit, set_null
from .network import Params
from .noisy import train_lambda_noisy
from .objective import (
    Problem,
    TrainConfig,
    check_finite,
    flat,
    gradients,
    group_norms,
    l2_terms,
    objective_terms,
    penalty,
    per_model,
    prox_step,
    sub_problem,
    summed_over_rows,
)
from .stepsize import step_size
from .stopping import dual_extra, gap_available, kkt_excess

__all__ = [
    "Problem",
    "TrainConfig",
    "LambdaState",
    "gradients",
    "group_norms",
    "summed_over_rows",
    "objective_terms",
    "train_dense",
    "train_lambda",
    "step_size",
]


@dataclass
class LambdaState:
    """Optimiser state carried along the path: previous iterates and step sizes.

    After each :func:`train_lambda` call, ``residual`` (B,) holds every model's relative KKT
    residual at its last epoch and ``gap`` (B,) its relative duality gap (NaN where none is
    computed): the stopping quantities of :mod:`.stopping`.
    """

    prev: list[torch.Tensor]
    lr: torch.Tensor
    # loss at the last extrapolated point of the previous lambda (full batch), per model (NaN:
    # unknown): the start of the next lambda's divergence test, without a forward pass
    loss: torch.Tensor | None = None
    residual: torch.Tensor | None = None
    gap: torch.Tensor | None = None
    # epochs since the last momentum restart (B,), for the convex models' momentum schedule
    since: torch.Tensor | None = None


def train_lambda(
    p: Params,
    prob: Problem,
    cfg: TrainConfig,
    lam: float | torch.Tensor,
    state: LambdaState,
    alive: torch.Tensor,
) -> tuple[Params, torch.Tensor, torch.Tensor]:
    """Accelerated proximal gradient epochs at one (internal) lambda until convergence.

    Each step extrapolates ``y = x + beta (x - x_prev)``, takes a gradient step at ``y`` and
    applies Hier-Prox to ``(theta, W0)`` (FISTA with a fixed momentum ``beta``). Its fixed
    points are the stationary points of the penalised objective; a proximal step after a
    plain momentum-SGD step (as in the official package) would instead solve the problem
    for ``lambda * (1 - momentum)``. ``lam`` is one lambda or one per model (B,); ``alive``
    (B,) marks models that still have features to lose; the others are skipped. Returns new
    parameters, the epochs used (B,) and a converged flag (B,); the stopping quantities are
    left in ``state.residual`` and ``state.gap``.
    """
    B = p.n_models
    lam_t = torch.as_tensor(lam, dtype=p.first.dtype, device=p.first.device).expand(B)
    noisy = cfg.dropout > 0 or (cfg.batch_size is not None and cfg.batch_size < prob.n_real)
    if noisy:
        return train_lambda_noisy(p, prob, cfg, lam_t, state, alive)
    return _FullBatch(p, prob, cfg, lam_t, state, alive).run()


_MAX_RESTARTS = 8  # per model and lambda
_WINDOW = 10  # epochs of the slow-descent test of non-convex models


class _FullBatch:
    """Full-batch epochs at one lambda; every quantity the stopping test needs comes with the
    step itself (no extra forward pass).

    Momentum restarts when the step turns back (the gradient restart of O'Donoghue and
    Candes), and a model whose objective at ``y`` exceeds its start by 10 % of its distance
    to the saturated loss (or is not finite) restarts this lambda with half the step. The
    working set holds the models still training; it shrinks as they converge.
    """

    def __init__(
        self,
        p: Params,
        prob: Problem,
        cfg: TrainConfig,
        lam: torch.Tensor,
        state: LambdaState,
        alive: torch.Tensor,
    ) -> None:
        self.p, self.prob, self.cfg, self.lam, self.state = p, prob, cfg, lam, state
        B = p.n_models
        dev, dt = p.first.device, p.first.dtype
        if prob.null_score is None:  # a problem built by hand: its null model sets the scales
            set_null(prob, null_fit(prob, p.n_outputs))
        # results, written as models finish; they stay the caller's tensors (read only) until
        # the first partial write, so a batch whose models finish together copies nothing
        self.full, self.prev_full = list(p.tensors()), list(state.prev)
        self.owned = False
        loss0 = self._start_loss()
        start_obj = loss0 + lam * penalty(p, prob) + l2_terms(p, cfg)
        sat = prob.sat_loss if prob.sat_loss is not None else torch.zeros_like(start_obj)
        self.limit = start_obj + 0.1 * (start_obj - sat).abs() + 1e-12
        self.epochs = torch.zeros(B, dtype=torch.long, device=dev)
        self.converged = torch.zeros(B, dtype=torch.bool, device=dev)
        self.residual = torch.full((B,), float("nan"), dtype=dt, device=dev)
        self.gap = torch.full((B,), float("nan"), dtype=dt, device=dev)
        self.last_loss = loss0.clone()
        self.lr_full = state.lr.clone()
        if state.since is None:
            state.since = torch.ones(B, dtype=dt, device=dev)
        self.since_full = state.since.clone()
        convex = prob.M[:, 0] == 0  # the lasso: a convex problem in (theta, intercept)
        self.convex = convex
        self.use_gap = gap_available(prob, cfg) & (lam > 0)
        # a convex model without a duality gap (lambda = 0, Cox, unpenalised groups, rows on
        # disk) meets the tighter residual test
        self.res_tol = torch.where(convex, cfg.res_tol_convex, cfg.res_tol)
        self.alive = alive.bool()
        self.ia = torch.nonzero(alive).flatten()
        self.work: dict[str, Any] = {}

    def _start_loss(self) -> torch.Tensor:
        """Loss at the start of this lambda: carried from the previous one where known, else
        one forward pass of the models that need it (the others' values do not change)."""
        known = self.state.loss
        if known is None:
            return objective_terms(self.p, self.prob)[0]
        missing = torch.nonzero(~torch.isfinite(known)).flatten()
        if len(missing) == 0:
            return known
        sub = self.p.like([t.index_select(0, missing) for t in self.p.tensors()])
        (lo,) = summed_over_rows(sub, sub_problem(self.prob, missing), [self.prob.family.loss])
        return known.index_copy(0, missing, lo)

    # -------------------------------------------------------------- working set
    def select(self, keep: torch.Tensor | None) -> None:
        """Start (``keep`` None) or shrink the working set to the models ``keep`` marks."""
        work, B = self.work, self.p.n_models
        src: dict[str, Any]
        if keep is None:
            src = {
                "x": self.full,
                "prev": self.prev_full,
                "start": self.p.tensors(),
                "lr": self.lr_full,
                "limit": self.limit,
                "lam": self.lam,
                "use_gap": self.use_gap,
                "convex": self.convex,
                "res_tol": self.res_tol,
                "epochs": self.epochs,
                "since": self.since_full,
                "retries": torch.zeros_like(self.epochs),
                "best": torch.full_like(self.lr_full, float("inf")),
                "hist": self.lr_full.new_full((B, _WINDOW), float("inf")),
            }
            rows = self.ia
            if len(self.ia) == B:  # every model trains: work on the tensors themselves
                work.update(src, prob=self.prob)
                return
        else:
            src, rows = work, torch.nonzero(keep).flatten()
            self.ia = self.ia[rows]
        for k, v in list(src.items()):
            if k != "prob":
                work[k] = [t.index_select(0, rows) for t in v] if isinstance(v, list) else v[rows]
        work["prob"] = self.prob if len(self.ia) == B else sub_problem(self.prob, self.ia)

    def finish(self, fin: torch.Tensor, done: torch.Tensor, every: bool, meas: dict) -> None:
        """Write the models ``fin`` of the working set back to the results."""
        work, ia = self.work, self.ia
        outs = (
            (self.lr_full, work["lr"]),
            (self.since_full, work["since"]),
            (self.epochs, work["epochs"]),
            (self.converged, done),
            (self.last_loss, meas["loss"]),
            (self.residual, meas["residual"]),
            (self.gap, meas["gap"]),
        )
        if every and len(ia) == self.p.n_models:  # all finish together: take them as they are
            self.full[:] = work["x"]
            self.prev_full[:] = work["prev"]
            for t_full, t in outs:
                t_full.copy_(t)
            return
        if not self.owned:
            self.full[:] = [t.clone() for t in self.full]
            self.prev_full[:] = [t.clone() for t in self.prev_full]
            self.owned = True
        gi = ia[fin]
        for t_full, t in zip(self.full, work["x"]):
            t_full.index_copy_(0, gi, t[fin])
        for t_full, t in zip(self.prev_full, work["prev"]):
            t_full.index_copy_(0, gi, t[fin])
        for t_full, t in outs:
            t_full.index_copy_(0, gi, t[fin])

    # -------------------------------------------------------------- one epoch
    def epoch(self, act: torch.Tensor | None) -> dict[str, torch.Tensor]:
        """One proximal-gradient step of the working set; ``act`` (models still stepping since
        the last host sync, None: all) freezes the others on the device."""
        work, cfg = self.work, self.cfg
        params, prev, lr, sprob = work["x"], work["prev"], work["lr"], work["prob"]
        lam = work["lam"]
        k = work["since"]
        beta = torch.full_like(lr, cfg.momentum)
        convex = work["convex"]
        if cfg.momentum_convex > 0:
            beta = torch.where(convex, cfg.momentum_convex, beta)
        else:  # FISTA's schedule
            beta = torch.where(convex, (k - 1) / (k + 2), beta)
        if act is None:
            ys = [x + per_model(beta, x) * (x - xp) for x, xp in zip(params, prev)]
            lr_eff = lr
        else:
            beta = beta * act
            ys = [x + per_model(beta, x) * (x - xp) for x, xp in zip(params, prev)]
            lr_eff = lr * act
        yp = self.p.like(ys)
        use_gap = work["use_gap"]
        extra = dual_extra(sprob, lam, sprob.pen_weight) if bool(use_gap.any()) else None
        loss_y, grads, extras = gradients(yp, sprob, cfg, extra=extra)
        obj_y = loss_y + lam * penalty(yp, sprob)
        if cfg.gamma > 0 or cfg.gamma_skip > 0:
            obj_y = obj_y + l2_terms(yp, cfg)
        # separate multiply and subtract (no fused multiply-add): the same rounding in any batch
        zs = [y_ - per_model(lr_eff, y_) * g for y_, g in zip(ys, grads)]
        zp = self.p.like(zs)
        prox_step(zp, sprob, (lam * lr_eff).unsqueeze(-1))
        flat_z, flat_y = flat(zs), flat(ys)
        step = flat_z - flat_y
        r0 = sprob.null_score
        assert r0 is not None
        excess = kkt_excess(yp, grads[0], lam, sprob) / r0
        residual = torch.maximum(torch.linalg.vector_norm(step, dim=-1) / lr / r0, excess)
        ok = residual <= work["res_tol"]
        # Models without a duality gap also stop when no dropped feature violates its
        # optimality condition and the objective's best value fell by less than `slow_tol` of
        # the objective scale per epoch over the last `_WINDOW` epochs: with M > 0 the
        # objective has no minimiser (see stopping.py), nor has the dense fit of separable
        # classes.
        best = torch.minimum(work["best"], torch.where(torch.isfinite(obj_y), obj_y, work["best"]))
        hist = torch.cat([work["hist"][:, 1:], best.unsqueeze(1)], 1)
        fell = hist[:, 0] - best
        slow = (fell <= _WINDOW * cfg.slow_tol * sprob.obj_scale(obj_y)) & (
            excess <= work["res_tol"]
        )
        ok = ok | (slow & ~work["use_gap"])  # a convex model at lambda = 0 may have no minimum
        gap = torch.full_like(residual, float("nan"))
        if extra is not None:
            dual, _ = extras
            sat = sprob.sat_loss if sprob.sat_loss is not None else torch.zeros_like(obj_y)
            rel = (obj_y - dual) / (obj_y - sat).clamp_min(torch.finfo(obj_y.dtype).tiny)
            gap = torch.where(use_gap, rel, gap)
            ok = torch.where(use_gap, rel <= cfg.gap_tol, ok)
        # gradient restart: the step (x+ - y) points against the move (x+ - x)
        turn = (step * (flat_z - flat(params))).sum(-1) < 0
        new_prev = [torch.where(per_model(turn, z), z, x) for z, x in zip(zs, params)]
        since = torch.where(turn, 1.0, k + 1)
        # objective above the start's limit (or not finite: NaN compares False)
        bad = ~(obj_y <= work["limit"])
        done = ok & ~bad
        if act is None:
            work["epochs"] = work["epochs"] + 1
            work["since"] = since
        else:  # a frozen model keeps its momentum and its counts
            moving = act > 0
            work["since"] = torch.where(moving, since, k)
            new_prev = [
                torch.where(per_model(moving, z), q, xp) for z, q, xp in zip(zs, new_prev, prev)
            ]
            work["epochs"] = work["epochs"] + moving.long()
            bad &= moving
            done &= moving
        work["prev"], work["x"] = new_prev, zs
        work["best"], work["hist"] = best, hist
        return {"done": done, "bad": bad, "loss": loss_y, "obj": obj_y, "residual": residual,
                "gap": gap}  # fmt: skip

    def restart(self, bad: torch.Tensor) -> None:
        """Diverging models restart this lambda from its start, with half their step."""
        work = self.work
        for k, (x, s0) in enumerate(zip(work["x"], work["start"])):
            kk = per_model(bad, x)
            x.copy_(torch.where(kk, s0, x))
            work["prev"][k] = torch.where(kk, x, work["prev"][k])
        work["lr"] = torch.where(bad, work["lr"] / 2, work["lr"])
        work["retries"] = work["retries"] + bad.long()
        work["best"] = torch.where(bad, float("inf"), work["best"])
        work["hist"] = torch.where(bad.unsqueeze(1), float("inf"), work["hist"])

    # -------------------------------------------------------------- the loop
    def run(self) -> tuple[Params, torch.Tensor, torch.Tensor]:
        cfg, state = self.cfg, self.state
        gave_up = torch.zeros_like(self.converged)
        if len(self.ia):
            self.select(None)
        # Host synchronisation: on the CPU at every epoch (free there); on an accelerator
        # every `cfg.sync_every` epochs, and in between a converged model is frozen on the
        # device (step and momentum zero), so the results do not depend on how often the host
        # looks.
        act: torch.Tensor | None = None
        done_acc: torch.Tensor | None = None
        for ep in range(cfg.max_epochs if len(self.ia) else 0):
            meas = self.epoch(act)
            done, bad = meas["done"], meas["bad"]
            if done_acc is not None:
                done = done | done_acc
            last = ep == cfg.max_epochs - 1
            if cfg.sync_every > 1 and not last and (ep + 1) % cfg.sync_every:
                self.restart(bad)  # no host sync: restart and freeze on the device
                act, done_acc = (~done).to(self.work["lr"].dtype), done
                continue
            n_done, n_bad = (int(v) for v in torch.stack([done.sum(), bad.sum()]).tolist())
            act, done_acc = None, None
            over = self.work["retries"] >= _MAX_RESTARTS  # restarted too often at this lambda
            n_over = int((over & bad).sum()) if n_bad else 0
            finished = done
            if n_over:  # give up on those models here (an error if they are not finite)
                check_finite(
                    torch.where(over & bad & ~torch.isfinite(meas["obj"]), torch.nan, 0.0),
                    "the path",
                )
                gave_up.index_fill_(0, self.ia[over & bad], True)
                finished = done | (over & bad)
                bad = bad & ~over
                n_bad -= n_over
            if n_bad:
                self.restart(bad)
            n_fin = n_done + n_over
            if n_fin or last:
                fin = torch.ones_like(done) if last else finished
                every = last or n_fin == len(self.ia)
                self.finish(fin, done, every, meas)
                if every:
                    break
                self.select(~finished)
        state.prev, state.lr, state.since = self.prev_full, self.lr_full, self.since_full
        # a model that gave up ends at a diverged point: its next start loss is recomputed
        state.loss = torch.where(gave_up, torch.nan, self.last_loss)
        state.residual, state.gap = self.residual, self.gap
        # a model with no feature left does not train: it is converged
        return self.p.like(self.full), self.epochs, self.converged | ~self.alive
