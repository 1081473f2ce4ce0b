r"""Hierarchical proximal operators (Hier-Prox, Group-Hier-Prox): pure tensor maths.

This module imports torch and numpy. For every feature (or group of features) ``j`` it solves
exactly (Lemhadri et al., JMLR 2021, Alg. 2 and 4, Appendix A, Proposition 1)

.. math::

    \min_{b, W}\ \tfrac12 \|v_j - b\|_2^2 + \tfrac12 \|u_j - W\|_2^2
        + \lambda \|b\|_2 + \bar\lambda \|W\|_1
    \quad\text{s.t.}\quad \|W\|_\infty \le M \|b\|_2 ,

where ``v_j`` is the feature's skip (linear) weight column, over all outputs, and ``u_j`` its
column of first-layer weights. The global solution needs only the hidden weights that are
clipped, which are the largest of their column. One pass over ``|W|`` (column maxima and sums)
screens the columns: those whose constraint does not bind keep ``W_j`` and need no sort, those
that are certainly zero need none either; only the binding columns are gathered, and of them
only the candidate entries (above a lower bound on the optimal cap) are sorted. The answer is
exact (the same formula on the same sorted entries as a full sort). Everything is vectorised
over features and over any leading batch dimensions (models); small problems run the same
steps in numpy, whose calls cost less. ``M = 0`` gives (group) soft-thresholding of ``v`` with
``W = 0``; ``lambda_ = 0`` is the projection onto the hierarchy constraint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

import numpy as np
import torch

from ..errors import bad_value

__all__ = ["hier_prox", "group_hier_prox", "soft_threshold", "GroupIndex"]

Scalar = Union[float, int, torch.Tensor]  # noqa: UP007 (a runtime alias on Python 3.10)


def soft_threshold(x: torch.Tensor, lambda_: Scalar) -> torch.Tensor:
    """Elementwise soft-thresholding ``sign(x) * max(|x| - lambda_, 0)``.

    Parameters
    ----------
    x : torch.Tensor
        Input tensor.
    lambda_ : float or torch.Tensor
        Threshold (>= 0), broadcastable to ``x``.

    Returns
    -------
    torch.Tensor
        A new tensor of the shape of ``x``.

    Examples
    --------
    >>> import torch
    >>> soft_threshold(torch.tensor([-2.0, 0.5, 3.0]), 1.0)
    tensor([-1.,  0.,  2.])
    """
    return torch.sign(x) * (x.abs() - lambda_).clamp_min(0)


def _as_param(value: Scalar, ref: torch.Tensor, name: str, check: bool) -> torch.Tensor:
    t = torch.as_tensor(value, dtype=ref.dtype, device=ref.device)
    if check:
        if t.numel() == 1:
            val = float(t)
            if not (val >= 0.0) or val == float("inf"):
                raise ValueError(f"`{name}` must be a finite number >= 0; got {value!r}.")
        elif not bool(torch.isfinite(t).all()) or bool((t < 0).any()):
            raise ValueError(f"`{name}` must hold finite values >= 0; got {value!r}.")
    return t.reshape(1) if t.dim() == 0 else t


def _host_branches(t: torch.Tensor) -> bool:
    """Whether a data-dependent branch may read a value on the host.

    On the CPU that is free and lets the rare cases (tiny norms, many clipped entries) be
    skipped; on an accelerator each read is a synchronisation, so the branches are made on
    the device instead (same results).
    """
    return t.device.type == "cpu"


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


# Tuning constants (measured on a 2-core AMD EPYC, see docs/architecture.md):
# sorted blocks with at most this many entries are solved in numpy, larger ones in torch;
_NUMPY_SOLVE_MAX = 1 << 12
# ... in blocks of about this many entries;
_SOLVE_BLOCK = 1 << 18
# W with at most this many entries: the whole screening in numpy (fewer, cheaper calls);
_SMALL = 1 << 17
# reduce over |W| in row chunks of about this many elements (cache-resident, no full-size
# temporary);
_CHUNK = 1 << 18
# sort the binding columns whole if they hold at most this many entries in all (fewer torch
# calls), otherwise only their candidate entries;
_DENSE_MAX = 1 << 17
# lower-bound refinement steps (one pass over the binding columns each) while some column
# has more candidates than _REFINE_ABOVE;
_DENSE_STEPS = 12
_REFINE_ABOVE = 32
# more candidates than this in all: list them column by column instead of a lexsort;
_LEXSORT_MAX = 1 << 15
# if more than 1 / _FULL_PASS_FRACTION of the columns change, clamp W in one full pass.
_FULL_PASS_FRACTION = 8


def _column_stats(
    W3: torch.Tensor, lam_bar3: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Max and sum over the rows of ``A = |W|`` (or ``(|W| - lam_bar)_+``); W3 is (B, L, G)."""
    B, L, G = W3.shape
    rows = max(1, _CHUNK // max(1, G), -(-L // 32))  # per model: the same sums in any batch
    if rows >= L:
        A = W3.abs()
        if lam_bar3 is not None:
            A = A.sub_(lam_bar3).clamp_min_(0)
        return A.amax(dim=-2), A.sum(dim=-2)
    buf = W3.new_empty((B, rows, G))
    amax, S = None, None
    for r0 in range(0, L, rows):
        b = buf[:, : min(rows, L - r0)]
        torch.abs(W3[:, r0 : r0 + rows], out=b)
        if lam_bar3 is not None:
            b.sub_(lam_bar3).clamp_min_(0)
        if amax is None or S is None:
            amax, S = b.amax(dim=-2), b.sum(dim=-2)
        else:
            torch.maximum(amax, b.amax(dim=-2), out=amax)
            S.add_(b.sum(dim=-2))
    assert amax is not None and S is not None
    return amax, S


def _pad_index(mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Column indices of the True entries of each row of ``mask`` (B, G), padded.

    Returns ``J`` (B, n), n = the largest count, and ``valid`` (B, n) (None when every slot
    is valid). A short row is padded with its first listed column (so padded slots repeat a
    real one and give the same results), a row without any with column 0 (invalid).
    """
    B = mask.shape[0]
    if B == 1:
        return mask.nonzero()[:, 1].unsqueeze(0), None
    cnt = mask.sum(-1)
    n = int(cnt.max())
    bi, bj = mask.nonzero(as_tuple=True)
    start = torch.cumsum(cnt, 0) - cnt
    pos = torch.arange(bi.numel(), device=mask.device) - start[bi]
    J = mask.to(torch.uint8).argmax(-1, keepdim=True).expand(B, n).clone()
    J[bi, pos] = bj
    has = cnt > 0
    return J, (None if bool(has.all()) else has.unsqueeze(-1).expand(B, n))


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


def _broadcast_shapes(shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    """``torch.broadcast_shapes`` without its overhead (the shapes are known to broadcast)."""
    n = max(len(s) for s in shapes)
    out = [1] * n
    for s in shapes:
        for i, k in enumerate(s, n - len(s)):
            if k != 1:
                out[i] = k
    return tuple(out)


def _view3(x: torch.Tensor, L: int, G: int) -> torch.Tensor | None:
    try:
        return x.view(-1, L, G)
    except RuntimeError:
        return None


def _same_view(a: torch.Tensor, b: torch.Tensor) -> bool:
    return (
        a.data_ptr() == b.data_ptr()
        and a.shape == b.shape
        and a.stride() == b.stride()
        and a.dtype == b.dtype
    )


def _prox_columns(
    th: torch.Tensor,
    W: torch.Tensor,
    lam: torch.Tensor,
    M: torch.Tensor,
    lam_bar: torch.Tensor | None,
    out: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The operator column by column: ``th`` (..., O, G), ``W`` (..., L, G).

    ``lam``, ``M`` and ``lam_bar`` (None for zero) broadcast to (..., G). ``out`` =
    (theta_out, W_out) receives the result; it may be (th, W) themselves.

    One pass over ``|W|`` (in cache-sized chunks) gives each column's maximum and sum; then

    * ``max |W_j| <= M (||v_j|| - lambda)_+``: the constraint does not bind,
      ``||b|| = (||v_j|| - lambda)_+`` and ``W_j`` is unchanged;
    * ``||v_j|| - lambda + M ||W_j||_1 <= 0``: the column is zero (along the direction of
      ``v_j`` the objective's slope at 0 is ``-(||v_j|| - lambda + M ||W_j||_1)`` and its
      growth is at least quadratic);
    * otherwise the column binds: it is gathered and solved by :func:`_solve`.

    The result ``W`` is a copy of the input with only the changed columns rewritten (or one
    clamping pass when many change).

    Off the CPU the screening would read values on the host (a synchronisation per call), so
    there :func:`_prox_columns_dense` sorts every column instead (same operator).
    """
    if not _host_branches(W):
        return _prox_columns_dense(th, W, lam, M, lam_bar, out)
    O, L, G = th.shape[-2], W.shape[-2], W.shape[-1]
    vnorm = torch.linalg.vector_norm(th, dim=-2)
    c = vnorm - lam
    shapes = [c.shape, W.shape[:-2] + (G,), M.shape]
    if lam_bar is not None:
        shapes.append(lam_bar.shape)
    shape = _broadcast_shapes(shapes)
    lead = shape[:-1]
    W3 = W.expand(lead + (L, G)).reshape(-1, L, G)
    Bf = W3.shape[0]
    c3 = c.expand(shape).reshape(Bf, G)
    M3 = M.expand(shape).reshape(Bf, G)
    lb3 = None if lam_bar is None else lam_bar.expand(shape).reshape(Bf, 1, G)
    # the route is chosen by the size of one model's problem, never by the batch's: the
    # numpy and torch routes round differently
    small = L * G <= _SMALL and _numpy_ok(W3)
    if small:  # few entries: the same screening, all in numpy (its calls cost less)
        new_norm = torch.from_numpy(_small_norms(W3, c3, M3, lb3))
        n = 0
    else:
        amax, S = _column_stats(W3, lb3)
        nn = c3.clamp_min(0)
        bind = (amax > M3 * nn) & (c3 + M3 * S > 0)
        if M3.numel() > 1 or not float(M3.reshape(-1)[0]) > 0:
            bind &= M3 > 0
        J, valid = _pad_index(bind)
        n = J.shape[-1]
        new_norm = nn
    Wg = None
    if n:
        Wg = torch.gather(W3, -1, J.unsqueeze(-2).expand(Bf, L, n))
        Ag = Wg.abs()
        if lb3 is not None:
            Ag = Ag.sub_(lb3.gather(-1, J.unsqueeze(-2))).clamp_min_(0)
        nn_g = nn.gather(-1, J)
        norms = _solve(Ag, c3.gather(-1, J), M3.gather(-1, J), amax.gather(-1, J), valid)
        if valid is not None:
            norms = torch.where(valid, norms, nn_g)
        new_norm = nn.scatter(-1, J, norms)
    new_norm = new_norm.view(shape)

    # skip weights: a non-negative multiple of v
    th = th.expand(lead + (O, G))
    scale = new_norm / vnorm
    if bool((scale <= 1e30).all()):  # the common case: no ||v|| zero or tiny
        theta_new = th * scale.unsqueeze(-2)
    else:
        pos = vnorm > 0
        safe = torch.where(pos, vnorm, 1)
        scale = torch.where(pos, new_norm / safe, 0).unsqueeze(-2)
        theta_new = th * scale
        tiny = scale > 1e30
        if bool(tiny.any()):  # tiny ||v||: direction first, then length (those columns only)
            alt = th / safe.unsqueeze(-2) * torch.where(pos, new_norm, 0).unsqueeze(-2)
            theta_new = torch.where(tiny, alt, theta_new)
        # ||v|| = 0 but the hidden weights are worth keeping: any direction is optimal, take
        # the first output.
        zero_dir = ~pos & (new_norm > 0)
        if bool(zero_dir.any()):
            theta_new[..., 0, :] = torch.where(zero_dir, new_norm, theta_new[..., 0, :])
    # Cap with the norm actually realised, so the constraint holds to the last bit.
    real = torch.linalg.vector_norm(theta_new, dim=-2)
    cap3 = (M * torch.minimum(new_norm, real)).expand(shape).reshape(Bf, G)
    if out is not None:
        theta_new = out[0].copy_(theta_new)

    # hidden weights: sign(u) * min(|u|, cap) = clamp(u, -cap, cap)
    W_out = None if out is None else out[1]
    out3 = None if W_out is None else _view3(W_out, L, G)
    if lb3 is not None:  # every entry moves
        A = (W3.abs() - lb3).clamp_min_(0)
        res = torch.minimum(A, cap3.unsqueeze(-2)).mul_(W3.sign())
        return theta_new, _store(res, W_out, lead + (L, G))
    fix = None if small else amax > cap3
    n_fix = 0 if fix is None else int(fix.sum())
    if fix is None or n_fix * _FULL_PASS_FRACTION > fix.numel():  # one full pass
        capx = cap3.unsqueeze(-2)
        if out3 is not None:
            torch.clamp(W3, -capx, capx, out=out3)
            return theta_new, W_out  # type: ignore[return-value]
        return theta_new, _store(torch.clamp(W3, -capx, capx), W_out, lead + (L, G))
    if out3 is not None:
        res = out3
        if not _same_view(out3, W3):
            res.copy_(W3)
    else:
        res = W3.clone(memory_format=torch.contiguous_format)
    if n_fix and fix is not None:
        if Wg is not None and torch.equal(fix, bind):
            JF, WF = J, Wg
        else:
            JF, _ = _pad_index(fix)  # padded slots repeat a column or hold an unchanged one
            WF = torch.gather(W3, -1, JF.unsqueeze(-2).expand(Bf, L, JF.shape[-1]))
        capF = cap3.gather(-1, JF).unsqueeze(-2)
        res.scatter_(-1, JF.unsqueeze(-2).expand_as(WF), WF.clamp(-capF, capF))
    if out3 is not None:
        return theta_new, W_out  # type: ignore[return-value]
    return theta_new, _store(res, W_out, lead + (L, G))


def _prox_columns_dense(
    th: torch.Tensor,
    W: torch.Tensor,
    lam: torch.Tensor,
    M: torch.Tensor,
    lam_bar: torch.Tensor | None,
    out: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`_prox_columns` without any host synchronisation: every column is sorted whole
    and every data-dependent choice is a ``torch.where`` (for accelerators)."""
    L, G = W.shape[-2], W.shape[-1]
    vnorm = torch.linalg.vector_norm(th, dim=-2)
    c = vnorm - lam
    shapes = [c.shape, W.shape[:-2] + (G,), M.shape]
    A = W.abs()
    if lam_bar is not None:
        shapes.append(lam_bar.shape)
        A = (A - lam_bar.unsqueeze(-2)).clamp_min(0)
    shape = _broadcast_shapes(shapes)
    lead = shape[:-1]
    srt = torch.sort(A.expand(lead + (L, G)).transpose(-1, -2), dim=-1, descending=True).values
    new_norm = _solve_sorted(
        srt.reshape(-1, L), c.expand(shape).reshape(-1), M.expand(shape).reshape(-1)
    )[0].view(shape)
    th = th.expand(lead + th.shape[-2:])
    pos = vnorm > 0
    safe = torch.where(pos, vnorm, 1)
    scale = torch.where(pos, new_norm / safe, 0)
    tiny = (scale > 1e30).unsqueeze(-2)  # tiny ||v||: direction first, then length
    theta_new = torch.where(
        tiny,
        th / safe.unsqueeze(-2) * torch.where(pos, new_norm, 0).unsqueeze(-2),
        th * scale.unsqueeze(-2),
    )
    # ||v|| = 0 but the hidden weights are worth keeping: take the first output's direction
    zero_dir = ~pos & (new_norm > 0)
    theta_new[..., 0, :] = torch.where(zero_dir, new_norm, theta_new[..., 0, :])
    real = torch.linalg.vector_norm(theta_new, dim=-2)
    cap = (M * torch.minimum(new_norm, real)).unsqueeze(-2)
    if lam_bar is None:
        W_new = torch.clamp(W.expand(lead + (L, G)), -cap, cap)
    else:
        W_new = torch.minimum(A.expand(lead + (L, G)), cap) * W.sign()
    if out is None:
        return theta_new, W_new
    return out[0].copy_(theta_new), out[1].copy_(W_new)


def _small_norms(
    W3: torch.Tensor, c3: torch.Tensor, M3: torch.Tensor, lb3: torch.Tensor | None
) -> np.ndarray:
    """New skip norms (B, G) of a small problem, as in :func:`_prox_columns`, in numpy."""
    A = np.abs(W3.detach().numpy())
    if lb3 is not None:
        A = np.maximum(A - lb3.detach().numpy(), 0)
    cn, Mn = c3.detach().numpy(), M3.detach().numpy()
    new = np.maximum(cn, 0)
    bind = (A.max(axis=1, initial=0) > Mn * new) & (cn + Mn * A.sum(axis=1) > 0) & (Mn > 0)
    b, j = np.nonzero(bind)
    if b.size:
        srt = -np.sort(-A[b, :, j], axis=-1)
        new[b, j] = _solve_sorted_np(srt, cn[b, j], Mn[b, j])[0]
    return new


def _store(res3: torch.Tensor, W_out: torch.Tensor | None, shape: tuple[int, ...]) -> torch.Tensor:
    """The (B, L, G) result in the requested shape, written into ``W_out`` if given."""
    res = res3.view(shape)
    if W_out is None:
        return res
    return W_out.copy_(res)


def hier_prox(
    theta: torch.Tensor,
    W: torch.Tensor,
    *,
    lambda_: Scalar,
    M: Scalar,
    lambda_bar: Scalar = 0.0,
    check: bool = True,
    out: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Hierarchical proximal operator (Alg. 2; multi-output columns use the group norm).

    Parameters
    ----------
    theta : torch.Tensor of shape (..., n_outputs, d) or (d,)
        Skip-connection weights, laid out as a ``torch.nn.Linear`` weight. Several outputs per
        feature are penalised by the L2 norm of the feature's column.
    W : torch.Tensor of shape (..., K, d)
        First hidden layer weights (``Linear(d, K).weight``).
    lambda_ : float or torch.Tensor
        Penalty (>= 0) on the skip weights, already multiplied by the step size. A tensor must
        broadcast to ``(..., d)`` (e.g. one value per model, shape ``(B, 1)``, or a penalty
        factor per feature, shape ``(d,)``).
    M : float or torch.Tensor
        Hierarchy multiplier (>= 0), broadcastable to ``(..., d)``.
    lambda_bar : float or torch.Tensor, optional
        L1 penalty on ``W`` (the paper's :math:`\bar\lambda`), default 0.
    check : bool, optional
        Validate that the parameters are finite and non-negative (a host sync for tensors).
    out : tuple of two torch.Tensor, optional
        ``(theta_out, W_out)`` to write the result into, of the shapes and dtypes of
        ``theta`` and ``W``. They may be ``theta`` and ``W`` themselves (an in-place update,
        the fastest form: only the columns whose constraint binds are written) or separate
        tensors, but must not overlap the inputs in any other way.

    Returns
    -------
    theta_new, W_new : torch.Tensor
        New tensors of the input shapes (or the tensors of ``out``); without ``out`` the
        inputs are left untouched. They satisfy
        ``max_k |W_new[..., k, j]| <= M * ||theta_new[..., :, j]||_2``.

    Examples
    --------
    >>> import torch
    >>> theta = torch.tensor([[1.0, -0.2]])
    >>> W = torch.tensor([[3.0, 0.1], [-0.5, 0.0]])
    >>> t, w = hier_prox(theta, W, lambda_=0.1, M=1.0)
    >>> t
    tensor([[ 1.9500, -0.1000]])
    >>> bool((w.abs() <= 1.0 * t.abs() + 1e-7).all())
    True

    With ``M = 0`` it is soft-thresholding:

    >>> hier_prox(theta, W, lambda_=0.5, M=0.0)[0]
    tensor([[0.5000, -0.0000]])

    In place:

    >>> _ = hier_prox(theta, W, lambda_=0.1, M=1.0, out=(theta, W))
    >>> theta
    tensor([[ 1.9500, -0.1000]])
    """
    if not isinstance(theta, torch.Tensor) or not isinstance(W, torch.Tensor):
        raise TypeError("`theta` and `W` must be torch tensors.")
    one_d = theta.dim() == 1
    th = theta.unsqueeze(0) if one_d else theta
    if W.dim() < 2 or W.shape[-1] != th.shape[-1]:
        raise ValueError(
            f"`W` must have shape (..., K, d) with d = {th.shape[-1]} (theta's last dimension); "
            f"got {tuple(W.shape)}."
        )
    lam = _as_param(lambda_, th, "lambda_", check)
    Mt = _as_param(M, th, "M", check)
    lb = lambda_bar
    lbt = None
    if not (isinstance(lb, (int, float)) and lb == 0):
        lbt = _as_param(lb, th, "lambda_bar", check)
    outs = None
    if out is not None:
        outs = _check_out(out, theta, W)
        if one_d:
            outs = (outs[0].unsqueeze(0), outs[1])
    theta_new, W_new = _prox_columns(th, W, lam, Mt, lbt, outs)
    if out is not None:
        return out[0], out[1]
    if one_d:
        theta_new = theta_new.squeeze(0)
    return theta_new, W_new


def _check_out(
    out: object, theta: torch.Tensor, W: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    if not (
        isinstance(out, (tuple, list))
        and len(out) == 2
        and all(isinstance(o, torch.Tensor) for o in out)
    ):
        raise bad_value("out", "a pair of tensors (theta_out, W_out)", out)
    for o, ref, name in ((out[0], theta, "theta"), (out[1], W, "W")):
        if o.shape != ref.shape or o.dtype != ref.dtype or o.device != ref.device:
            raise bad_value(
                "out",
                f"tensors like theta and W; the {name} part must have shape "
                f"{tuple(ref.shape)}, dtype {ref.dtype} and device {ref.device}",
                f"shape {tuple(o.shape)}, dtype {o.dtype}, device {o.device}",
            )
    return out[0], out[1]


class GroupIndex:
    """Precomputed gather/scatter indices for :func:`group_hier_prox`.

    Parameters
    ----------
    groups : sequence of sequences of int, or 1-D integer array of length d
        Either the column indices of each group, or a group label per column. Columns in no
        group become groups of their own (appended after the given groups, in column order).
    d : int
        Number of features (columns).

    Examples
    --------
    >>> gi = GroupIndex([[0, 2], [1]], d=4)
    >>> gi.n_groups, gi.sizes
    (3, [2, 1, 1])
    """

    def __init__(self, groups: Sequence[Sequence[int]] | torch.Tensor | Sequence[int], d: int):
        members = _normalise_groups(groups, d)
        self.d = d
        self.members = members
        self.n_groups = len(members)
        self.sizes = [len(m) for m in members]
        self.max_size = max(self.sizes) if members else 0
        pad = torch.full((self.n_groups, self.max_size), d, dtype=torch.long)
        for g, m in enumerate(members):
            pad[g, : len(m)] = torch.as_tensor(m, dtype=torch.long)
        self.pad = pad  # (G, S) column index, d = padding (a zero column)
        valid = pad < d
        self.valid = valid
        # flat positions (g * S + s) of real entries, and the column each one holds
        flat = torch.arange(self.n_groups * self.max_size).reshape(self.n_groups, self.max_size)
        self.flat_pos = flat[valid]
        self.flat_col = pad[valid]
        self.singletons = self.max_size == 1 and self.n_groups == d
        self._cache: dict[tuple[str, str], Any] = {}

    def group_of_column(self, device: torch.device | str | None = None) -> torch.Tensor:
        """Return the group number of every column, shape ``(d,)`` (cached; do not modify).

        ``device``: where the tensor lives (default the CPU); one copy per device is kept, so
        repeated calls cost nothing.
        """
        dev = torch.device("cpu" if device is None else device)
        key = ("group_of_column", str(dev))
        if key not in self._cache:
            out = torch.empty(self.d, dtype=torch.long)
            for g, m in enumerate(self.members):
                out[list(m)] = g
            self._cache[key] = out.to(dev)
        return self._cache[key]

    def _index_on(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``pad``, ``flat_pos``, ``flat_col`` on ``device`` (cached)."""
        key = ("index", str(device))
        if key not in self._cache:
            self._cache[key] = tuple(t.to(device) for t in (self.pad, self.flat_pos, self.flat_col))
        return self._cache[key]


def _normalise_groups(groups, d: int) -> list[list[int]]:
    if isinstance(groups, torch.Tensor):
        groups = groups.tolist()
    groups = list(groups)
    if groups and all(
        isinstance(g, (int,)) or (hasattr(g, "__int__") and not hasattr(g, "__len__"))
        for g in groups
    ):
        # a label per column
        if len(groups) != d:
            raise ValueError(
                f"`groups` given as one label per column must have length d = {d}; "
                f"got length {len(groups)}."
            )
        order: dict[int, list[int]] = {}
        for j, lab in enumerate(groups):
            order.setdefault(int(lab), []).append(j)
        return list(order.values())
    seen: set[int] = set()
    out: list[list[int]] = []
    for g in groups:
        cols = [int(c) for c in g]
        if not cols:
            raise ValueError("`groups` must not contain an empty group.")
        for c in cols:
            if c < 0 or c >= d:
                raise ValueError(f"`groups` refers to column {c}, outside 0..{d - 1}.")
            if c in seen:
                raise ValueError(f"`groups` must not overlap; column {c} is in two groups.")
            seen.add(c)
        out.append(cols)
    out.extend([j] for j in range(d) if j not in seen)
    return out


def group_hier_prox(
    theta: torch.Tensor,
    W: torch.Tensor,
    groups: GroupIndex | Sequence[Sequence[int]] | Sequence[int],
    *,
    lambda_: Scalar,
    M: Scalar,
    lambda_bar: Scalar = 0.0,
    check: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Group hierarchical proximal operator (Alg. 4) for groups of input columns.

    Every group ``g`` of columns is one unit: its skip block ``theta[..., :, g]`` is
    penalised by its Frobenius norm and ``max |W[..., :, g]| <= M ||theta[..., :, g]||_F``.
    A factor's dummy columns or a spline basis thus enter or leave the model together.

    Parameters
    ----------
    theta : torch.Tensor of shape (..., n_outputs, d) or (d,)
        Skip weights.
    W : torch.Tensor of shape (..., K, d)
        First hidden layer weights.
    groups : GroupIndex, sequence of sequences of int, or sequence of int labels
        The groups (see :class:`GroupIndex`); columns in no group are singletons.
    lambda_ : float or torch.Tensor
        Penalty (>= 0, times the step size); a tensor broadcasts to ``(..., n_groups)``.
    M : float or torch.Tensor
        Hierarchy multiplier (>= 0), broadcastable to ``(..., n_groups)``.
    lambda_bar : float or torch.Tensor, optional
        L1 penalty on ``W``, default 0.
    check : bool, optional
        Validate the parameters.

    Returns
    -------
    theta_new, W_new : torch.Tensor
        New tensors of the input shapes.

    Examples
    --------
    >>> import torch
    >>> theta = torch.tensor([[0.3, 0.4, 2.0]])
    >>> W = torch.zeros(2, 3)
    >>> t, _ = group_hier_prox(theta, W, [[0, 1], [2]], lambda_=1.0, M=0.0)
    >>> t
    tensor([[0., 0., 1.]])
    """
    gi = groups if isinstance(groups, GroupIndex) else GroupIndex(groups, theta.shape[-1])
    if gi.d != theta.shape[-1]:
        raise ValueError(f"`groups` is for d = {gi.d} columns; theta has {theta.shape[-1]}.")
    if W.dim() < 2 or W.shape[-1] != theta.shape[-1]:
        raise ValueError(
            f"`W` must have shape (..., K, d) with d = {theta.shape[-1]} (theta's last dimension); "
            f"got {tuple(W.shape)}."
        )
    if gi.singletons and gi.members == [[j] for j in range(gi.d)]:
        return hier_prox(theta, W, lambda_=lambda_, M=M, lambda_bar=lambda_bar, check=check)
    one_d = theta.dim() == 1
    th = theta.unsqueeze(0) if one_d else theta
    lam = _as_param(lambda_, th, "lambda_", check)
    Mt = _as_param(M, th, "M", check)
    lbt = None
    if not (isinstance(lambda_bar, (int, float)) and lambda_bar == 0):
        lbt = _as_param(lambda_bar, th, "lambda_bar", check)
    S = gi.max_size
    pad, pos, col = gi._index_on(th.device)
    zt = torch.cat([th, torch.zeros_like(th[..., :1])], dim=-1)
    zw = torch.cat([W, torch.zeros_like(W[..., :1])], dim=-1)
    tg = zt[..., pad]  # (..., O, G, S)
    wg = zw[..., pad]  # (..., K, G, S)
    tg = tg.movedim(-2, -1).flatten(-3, -2)  # (..., O*S, G)
    wg = wg.movedim(-2, -1).flatten(-3, -2)  # (..., K*S, G)
    t_new, w_new = _prox_columns(tg, wg, lam, Mt, lbt)
    O, K = th.shape[-2], W.shape[-2]

    def scatter(blocks: torch.Tensor, rows: int, like: torch.Tensor) -> torch.Tensor:
        b = blocks.unflatten(-2, (rows, S)).movedim(-1, -2)  # (..., rows, G, S)
        b = b.flatten(-2)  # (..., rows, G*S)
        out = torch.zeros_like(like)
        out[..., col] = b[..., pos]
        return out

    theta_new = scatter(t_new, O, th)
    W_new = scatter(w_new, K, W)
    if one_d:
        theta_new = theta_new.squeeze(0)
    return theta_new, W_new
