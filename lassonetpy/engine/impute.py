r"""The engine of LassoNet matrix completion (the paper's Alg. 5), in standardised units.

Alg. 5 alternates between training the reconstruction network on the observed entries and
replacing the missing entries by its reconstruction, then runs the Group-Hier-Prox path from
the final network. Trained as written -- inputs holding the very entries the loss scores --
the skip layer's identity map reproduces every observed entry, so the imputations never move
(measured on MICE protein: the first round's imputations are where the method stays; see
docs/architecture.md). The network is therefore trained the way denoising autoencoders are:
on ``copies`` of the rows in each of which a random ``mask_fraction`` of the observed entries
is *hidden* -- treated as missing in the input -- and the loss scores only the hidden entries.
Each round then imputes, with the current network, every entry missing from an input (hidden,
truly missing, held out for validation), in the copies and in the data itself.

:func:`alternate` runs the rounds (warm-started Adam between them) and returns the dense
network as a ``phase="dense"`` :class:`PathResult`, the final inputs and a round report;
the path is then :func:`~lassonetpy.engine.fit_path` with ``start=`` that result.
:func:`to_original_units` maps a result fitted on standardised columns back to the data's
units (inputs and outputs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from ..families import Reconstruction, ReconstructionTarget
from .collect import collect
from .grid import null_fit
from .network import Params, forward, init_params
from .progress import Progress
from .result import PathResult
from .setup import build_problem, validate
from .states import PathState
from .trainer import summed_over_rows, train_dense

__all__ = ["alternate", "to_original_units", "row_mean_start"]


def row_mean_start(Z: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """Alg. 5, line 3: every entry not visible is its row's mean of the visible ones (0, the
    column mean in standardised units, for a row with none)."""
    cnt = visible.sum(1, keepdims=True)
    mean = np.where(visible, Z, 0.0).sum(1, keepdims=True) / np.maximum(cnt, 1)
    return np.where(visible, Z, np.where(cnt > 0, mean, 0.0))


def _init(s: Any, prob: Any, ss: np.random.SeedSequence, eta0: torch.Tensor) -> Params:
    child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, 0))
    g = torch.Generator().manual_seed(int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)))
    p = init_params(1, s.d, s.hidden, s.info.n_outputs, generator=g, dtype=s.dtype, device=s.device)
    with torch.no_grad():
        (eta_sum,) = summed_over_rows(p, prob, [lambda eta, y, w: eta.sum(1)], offset=False)
        p.biases[-1] = p.biases[-1] + eta0 - eta_sum / s.n
    return p


def alternate(
    Z: np.ndarray,
    observed: np.ndarray,
    *,
    copies: int = 4,
    mask_fraction: float = 0.5,
    hidden: tuple[int, ...] = (100,),
    M: float = 10.0,
    max_rounds: int = 10,
    round_tol: float = 1e-3,
    validate_fn: Callable[[np.ndarray], float] | None = None,
    seed: int | None = None,
    lr: float = 3e-3,
    max_epochs: int = 1000,
    tol: float = 1e-5,
    gamma: float = 0.0,
    dtype: Any = "float32",
    device: Any = "cpu",
    verbose: bool = False,
) -> tuple[PathResult, np.ndarray, np.ndarray, ReconstructionTarget, list[dict[str, float]]]:
    """Alg. 5's alternation on standardised data.

    Parameters
    ----------
    Z : ndarray of shape (n, d)
        Standardised data (values outside ``observed`` are ignored).
    observed : ndarray of shape (n, d), bool
        Entries the network may see and learn from (validation entries excluded).
    copies, mask_fraction : int, float
        Training copies of the rows, and the share of each row's observed entries hidden in
        each copy (at least one entry stays visible).
    hidden, M, lr, max_epochs, tol, gamma, dtype, device
        Network and dense-fit settings (as :func:`~lassonetpy.engine.fit_path`).
    max_rounds, round_tol
        At most ``max_rounds`` rounds; stop when the imputations of the data change by less
        than ``round_tol`` (relative, root mean square) in a round, or when the validation
        error (with ``validate_fn``) improves on its best by less than ``round_tol``
        (relative).
    validate_fn : callable, optional
        ``completion (n, d) -> error``, recorded each round.
    seed : int, optional
        Copies, hidden entries and the network's initialisation.
    verbose : bool
        Progress bar.

    Returns
    -------
    dense : PathResult
        The final network (``phase="dense"`` form, for ``fit_path(start=...)``).
    inputs : ndarray of shape (copies * n, d)
        The copies' final inputs (standardised).
    completion : ndarray of shape (n, d)
        The data with every unobserved entry imputed by the final network.
    target : ReconstructionTarget
        The copies' target (hidden entries in the loss), for the path.
    rounds : list of dict
        Per round: ``round``, ``epochs``, ``change``, ``validation`` (NaN without
        ``validate_fn``), ``seconds``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> Z = rng.normal(size=(60, 1)) @ np.ones((1, 5)) + 0.1 * rng.normal(size=(60, 5))
    >>> obs = rng.random(Z.shape) > 0.2
    >>> dense, X, done, target, rounds = alternate(Z, obs, hidden=(4,), max_rounds=2, seed=0)
    >>> X.shape, done.shape, len(rounds) <= 2
    ((240, 5), (60, 5), True)
    """
    t0 = time.perf_counter()
    n, d = Z.shape
    rng = np.random.default_rng(seed)
    Zo = np.where(observed, Z, 0.0)
    hide = np.zeros((copies, n, d), dtype=bool)
    for c in range(copies):
        h = observed & (rng.random((n, d)) < mask_fraction)
        # keep at least one visible entry per row that has one
        none_left = observed.any(1) & ~(observed & ~h).any(1)
        for i in np.flatnonzero(none_left):
            keep = rng.choice(np.flatnonzero(observed[i]))
            h[i, keep] = False
        hide[c] = h
    H = hide.reshape(copies * n, d)
    vis = np.tile(observed, (copies, 1)) & ~H
    Zc = np.tile(Zo, (copies, 1))
    Xc = row_mean_start(Zc, vis)
    fill_c = ~vis
    X0 = row_mean_start(Zo, observed)
    fill0 = ~observed
    target = ReconstructionTarget(
        values=Zc, mask=H, center=np.zeros(d), scale=np.ones(d), names=None
    )
    s = validate(
        Xc,
        target,
        Reconstruction(),
        hidden=hidden,
        M=M,
        nlambda=1,
        lambda_=None,
        lambda_min_ratio=0.01,
        groups=None,
        penalty_factor=None,
        weights=None,
        offset=None,
        masks=None,
        dropout=0.0,
        gamma=gamma,
        gamma_skip=0.0,
        batch_size=None,
        lr=lr,
        max_epochs_dense=max_epochs,
        max_epochs=1,
        tol=tol,
        seed=seed,
        device=device,
        dtype=dtype,
        seed_children=None,
        phase="dense",
        start=None,
        lambda_span=None,
    )
    prob, ss = build_problem(s, standardize=False)
    eta0 = null_fit(prob, s.info.n_outputs)
    with torch.no_grad():
        eta_null = eta0.unsqueeze(1).expand(-1, s.n, -1)
        prob.null_loss = s.family.loss(eta_null, prob.y, prob.w)
        null_dev = s.family.deviance(eta_null, prob.y, prob.w)
    p = _init(s, prob, ss, eta0)
    assert isinstance(prob.X, torch.Tensor)
    fill_t = torch.as_tensor(fill_c, device=s.device)
    X0_t = torch.tensor(X0, dtype=s.dtype, device=s.device)
    fill0_t = torch.as_tensor(fill0, device=s.device)
    bar = Progress(max_rounds, "rounds", verbose)
    rounds: list[dict[str, float]] = []
    total_epochs = torch.zeros(1, dtype=torch.long)
    for r in range(1, max_rounds + 1):
        t_r = time.perf_counter()
        p, ep = train_dense(p, prob, s.config)
        total_epochs += ep.cpu()
        with torch.no_grad():
            out_c = forward(p, prob.X)[0]
            prob.X.copy_(torch.where(fill_t, out_c, prob.X))
            out0 = forward(p, X0_t)[0]
            new0 = torch.where(fill0_t, out0, X0_t)
            diff = (new0 - X0_t)[fill0_t]
            base = X0_t[fill0_t]
            change = float(diff.norm() / base.norm().clamp_min(1e-12))
            X0_t = new0
        completion = X0_t.double().cpu().numpy()
        val = float("nan") if validate_fn is None else float(validate_fn(completion))
        rounds.append(
            {
                "round": r,
                "epochs": int(ep.sum()),
                "change": change,
                "validation": val,
                "seconds": time.perf_counter() - t_r,
            }
        )
        bar.update(
            1, f"round {r}: change {change:.2g}" + ("" if val != val else f", val {val:.3g}")
        )
        if change < round_tol:
            break
        # the paper's stopping criterion: the validation error stops improving
        prev = [q["validation"] for q in rounds[:-1]]
        if prev and val == val and val > min(prev) * (1 - round_tol):
            break
    bar.set_total(bar.n)
    bar.close()
    ones = torch.ones(1, dtype=torch.bool)
    records = [(0.0, PathState.compact(p.tensors()), total_epochs, ones)]
    timing = {"dense": time.perf_counter() - t0, "path": 0.0, "total": time.perf_counter() - t0}
    lr_nan = torch.full((1,), float("nan"), dtype=torch.float64)
    dense = collect(records, s, prob, null_dev, lr_nan, timing, torch.zeros(1))
    return dense, prob.X.double().cpu().numpy(), completion, target, rounds


def to_original_units(res: PathResult, center: np.ndarray, scale: np.ndarray) -> PathResult:
    """A result fitted on standardised columns (inputs and outputs ``(x - center) / scale``,
    ``standardize=False``) expressed in the data's units: predictions take and return
    original values, coefficients and intercepts are on the original scale."""
    c = np.asarray(center, dtype=np.float64)
    sd = np.asarray(scale, dtype=np.float64)
    beta = res.beta * sd[:, None] / sd[None, :]  # (B, L, O, d): output o, input j
    a0 = c + sd * res.a0 - beta @ c
    info = replace(res.response, center=c, scale=1.0, output_scale=sd)
    return replace(res, x_center=c, x_scale=sd, beta=beta, a0=a0, response=info)
