"""Hier-Prox column by column: screening, the binding columns' solve, the new weights.

Part of :mod:`lassonetpy.engine.prox` (torch and numpy only). One pass over ``|W|`` gives each
column's maximum and sum; columns whose constraint does not bind keep their hidden weights,
columns that are certainly zero are zeroed, and only the binding ones are gathered and solved
exactly (:mod:`~lassonetpy.engine.prox_sorted`). Small problems run the same screening in
numpy; off the CPU every column is sorted whole, without host synchronisation.
"""

from __future__ import annotations

import numpy as np
import torch

from .prox_sorted import _numpy_ok, _solve, _solve_sorted, _solve_sorted_np

# Tuning constants (measured on a 2-core AMD EPYC, see docs/architecture.md; the solve's own
# are in prox_sorted.py):
# W with at most this many entries: the whole screening in numpy (fewer, cheaper calls);
_SMALL = 1 << 17
# reduce over |W| in row chunks of about this many elements (cache-resident, no full-size
# temporary);
_CHUNK = 1 << 18
# if more than 1 / _FULL_PASS_FRACTION of the columns change, clamp W in one full pass.
_FULL_PASS_FRACTION = 8


def _host_branches(t: torch.Tensor) -> bool:
    """Whether a data-dependent branch may read a value on the host.

    On the CPU that is free and lets the rare cases (tiny norms, many clipped entries) be
    skipped; on an accelerator each read is a synchronisation, so the branches are made on
    the device instead (same results).
    """
    return t.device.type == "cpu"


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
