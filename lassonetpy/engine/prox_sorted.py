"""Hier-Prox's exact solve: a column's new skip norm from its largest hidden weights, sorted.

Part of :mod:`lassonetpy.engine.prox` (torch and numpy only). :func:`_solve_sorted` is the
paper's formula on sorted magnitudes (Appendix A); :func:`_solve` finds, for the binding columns
that :mod:`~lassonetpy.engine.prox_columns` gathers, the few entries that can be clipped and
sorts only those (on the CPU in numpy, whose sort and calls cost less).
"""

from __future__ import annotations

import numpy as np
import torch


def _solve_sorted(
    srt: torch.Tensor, c: torch.Tensor, M: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """New skip norm from the ``k`` largest magnitudes of each column, sorted: ``srt`` (n, k).

    ``c = ||v|| - lambda`` and ``M`` are (n,). Exact whenever the ``k`` entries include every
    entry that is clipped at the optimum (zero padding is allowed: zeros are never counted).
    Also returns ``s*``, the number of clipped entries.
    """
    k = srt.shape[-1]
    if srt.dtype != torch.float64 and srt.device.type == "cpu":
        # in float64 like the numpy route, so that the route (chosen by the size of the whole
        # batch's sorted block) never changes a model's result
        val, s = _solve_sorted(srt.double(), c.double(), M.double())
        return val.to(srt.dtype), s
    csum = torch.cumsum(srt, dim=-1)
    csum = torch.cat([torch.zeros_like(csum[..., :1]), csum], dim=-1)  # s = 0..k
    steps = torch.arange(k + 1, dtype=srt.dtype, device=srt.device)
    Mx = M.unsqueeze(-1)
    # ||b_s|| = (||v|| - lambda + M * sum_{i<=s} |u_(i)|)_+ / (1 + s M^2);  w_s = M ||b_s||
    bnorm = (c.unsqueeze(-1) + Mx * csum).clamp_min(0) / (1 + steps * Mx * Mx)
    # s* = #{s >= 1 : |u_(s)| >= w_{s-1}}; the condition is monotone in s (paper, Appendix A).
    cond = (srt >= Mx * bnorm[..., :k]) & (srt > 0)
    s_star = cond.sum(dim=-1, keepdim=True)
    return torch.gather(bnorm, -1, s_star).squeeze(-1), s_star.squeeze(-1)


def _solve_sorted_np(
    srt: np.ndarray, c: np.ndarray, M: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_solve_sorted` for numpy arrays: (new norms, ``s*``).

    Few entries: in numpy and in float64 (numpy's calls cost less than torch's; its float32
    sums would round more than torch's). Many: torch's (faster) elementwise kernels, on row
    blocks that keep the temporaries small (large fresh temporaries cost page faults).
    """
    n, k = srt.shape
    if srt.size <= _NUMPY_SOLVE_MAX:
        csum = np.zeros((n, k + 1))
        np.cumsum(srt, axis=-1, dtype=np.float64, out=csum[:, 1:])
        steps = np.arange(k + 1, dtype=np.float64)
        Mx = M.astype(np.float64)[:, None]
        bnorm = np.maximum(c.astype(np.float64)[:, None] + Mx * csum, 0)
        bnorm /= 1 + steps * Mx * Mx
        cond = (srt >= Mx * bnorm[:, :k]) & (srt > 0)
        s_star = cond.sum(axis=-1)
        return bnorm[np.arange(n), s_star].astype(srt.dtype), s_star
    st, ct, Mt = (torch.from_numpy(np.ascontiguousarray(x)) for x in (srt, c, M))
    rows = max(1, _SOLVE_BLOCK // (k + 1))
    if n <= rows:
        val, s = _solve_sorted(st, ct, Mt)
        return val.numpy(), s.numpy()
    out = np.empty(n, dtype=srt.dtype)
    s_out = np.empty(n, dtype=np.int64)
    for r0 in range(0, n, rows):
        val, s = _solve_sorted(st[r0 : r0 + rows], ct[r0 : r0 + rows], Mt[r0 : r0 + rows])
        out[r0 : r0 + rows] = val.numpy()
        s_out[r0 : r0 + rows] = s.numpy()
    return out, s_out


# Tuning constants (measured on a 2-core AMD EPYC, see docs/architecture.md; the screening's
# own are in prox_columns.py):
# sorted blocks with at most this many entries are solved in numpy, larger ones in torch;
_NUMPY_SOLVE_MAX = 1 << 12
# ... in blocks of about this many entries;
_SOLVE_BLOCK = 1 << 18
# sort the binding columns whole if they hold at most this many entries in all (fewer torch
# calls), otherwise only their candidate entries;
_DENSE_MAX = 1 << 17
# lower-bound refinement steps (one pass over the binding columns each) while some column
# has more candidates than _REFINE_ABOVE;
_DENSE_STEPS = 12
_REFINE_ABOVE = 32
# more candidates than this in all: list them column by column instead of a lexsort;
_LEXSORT_MAX = 1 << 15


def _lower_bound(
    c: np.ndarray, M: np.ndarray, S: np.ndarray, m: np.ndarray | float, L: int, eps: float
) -> np.ndarray:
    """``w_m = M (c + M S) / (1 + m M^2)`` (float64) minus a rounding allowance, floored at 0.

    ``S`` is a sum of at most ``L`` entries, computed with machine epsilon ``eps``; the
    allowance covers its rounding error.
    """
    den = 1 + m * (M * M)
    w = M * (c + M * S) / den
    slack = (64 + L) * eps * M * (np.abs(c) + M * S) / den
    return np.maximum(w - slack, 0.0)


def _solve(
    A: torch.Tensor,
    c: torch.Tensor,
    M: torch.Tensor,
    a1: torch.Tensor,
    valid: torch.Tensor | None,
) -> torch.Tensor:
    """New skip norms (B, n) of binding columns given as magnitudes ``A`` (B, L, n).

    ``c = ||v|| - lambda``, ``M``, ``a1 = max(A)`` and ``valid`` are (B, n); every valid
    column satisfies ``a1 > M (c)_+``, ``c + M sum(A) > 0`` and ``M > 0``.

    Only the entries clipped at the optimum enter the answer, and they all exceed the optimal
    cap ``w* = M ||b*||``. The sequence ``w_s`` (see :func:`_solve_sorted`) rises up to
    ``s*`` and falls after it, and ``w_{s+1}`` is a weighted mean of ``w_s`` and the
    ``(s+1)``-th largest entry. Hence ``w_1`` (from ``a1`` alone) is a lower bound on ``w*``,
    and so is ``w_m`` for ``m`` = the number of entries above a lower bound (a Michelot-type
    step; it strictly lowers ``m`` until ``m = s*``). The entries above the bound, the
    candidates, include all clipped ones; only they are sorted (zero-padded to the longest
    candidate list), which keeps the solution exact. Few short columns are sorted whole, as
    are all columns off the CPU.
    """
    B, L, n = A.shape
    if not _numpy_ok(A):  # off the CPU: sort the columns whole
        srt = torch.sort(A.mT.reshape(B * n, L), dim=-1, descending=True).values
        return _solve_sorted(srt, c.reshape(-1), M.reshape(-1))[0].view(B, n)
    # On the CPU numpy is used: its sort is several times faster than torch's on the nearly
    # tied values that the hierarchy constraint produces, and its calls cost less.
    An = A.detach().numpy()
    cn = c.detach().numpy().reshape(-1)
    Mn = M.detach().numpy().reshape(-1)
    if A.numel() <= _DENSE_MAX:
        srt_n = np.sort(An, axis=1)[:, ::-1].transpose(0, 2, 1).reshape(B * n, L)
        return torch.from_numpy(_solve_sorted_np(srt_n, cn, Mn)[0]).view(B, n)
    c64 = cn.astype(np.float64)
    M64 = Mn.astype(np.float64)
    a1n = a1.reshape(-1).detach().numpy().astype(np.float64)
    eps = float(np.finfo(An.dtype).eps)
    t = _lower_bound(c64, M64, a1n, 1.0, 1, eps)
    if valid is not None:
        t[~valid.reshape(-1).numpy()] = np.inf
    tc = _round_down(t, An.dtype)
    mask = An > tc.reshape(B, 1, n)  # the candidates
    cnt = np.count_nonzero(mask, axis=1).reshape(-1)
    # Michelot-type steps on the dense block while some column has many candidates (a
    # feature entering the model with a tiny skip weight clips many entries); each step is
    # one pass, and a column whose count stops changing has reached m = s*.
    for _ in range(_DENSE_STEPS):
        if cnt.max(initial=0) <= _REFINE_ABOVE:
            break
        S = (An * mask).sum(axis=1).reshape(-1).astype(np.float64)
        t = np.maximum(t, _lower_bound(c64, M64, S, cnt, L, eps))
        tc = _round_down(t, An.dtype)
        mask = An > tc.reshape(B, 1, n)
        new_cnt = np.count_nonzero(mask, axis=1).reshape(-1)
        done = np.array_equal(new_cnt, cnt)
        cnt = new_cnt
        if done:
            break
    kmax = int(cnt.max(initial=0))
    if 4 * int(cnt.sum()) > An.size:  # candidates are most entries: sort the columns whole
        top = np.sort(An, axis=1)[:, ::-1][:, :kmax]  # the kmax largest, decreasing
        srt_d = top.transpose(0, 2, 1).reshape(B * n, kmax)
        return torch.from_numpy(_solve_sorted_np(srt_d, cn, Mn)[0]).view(B, n)
    start = np.cumsum(cnt) - cnt
    P = np.zeros((B * n, kmax), dtype=An.dtype)
    if int(cnt.sum()) > _LEXSORT_MAX:  # many: list them column by column, then sort rows
        flat = np.flatnonzero(np.ascontiguousarray(mask.transpose(0, 2, 1)))
        grp, k = flat // L, flat % L
        vals = An[grp // n, k, grp % n]
        P[grp, np.arange(grp.size) - start[grp]] = vals
        P = -np.sort(-P, axis=-1)
    else:
        flat = np.flatnonzero(mask)
        grp = (flat // (L * n)) * n + flat % n  # column (group) of each candidate
        vals = An.reshape(-1)[flat]
        order = np.lexsort((-vals, grp))  # by column, then decreasing
        grp, vals = grp[order], vals[order]
        P[grp, np.arange(grp.size) - start[grp]] = vals
    res = _solve_sorted_np(P, cn, Mn)[0]
    return torch.from_numpy(res).view(B, n)


def _round_down(t: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``t`` in ``dtype``, rounded down (so that it stays a lower bound)."""
    tc = t.astype(dtype)
    return np.where(tc > t, np.nextafter(tc, tc.dtype.type(-np.inf)), tc)


def _numpy_ok(x: torch.Tensor) -> bool:
    return x.device.type == "cpu" and x.dtype in (torch.float32, torch.float64)
