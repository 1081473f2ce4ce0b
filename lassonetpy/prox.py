r"""Hierarchical proximal operators (Hier-Prox, Group-Hier-Prox): pure tensor maths.

This module imports only torch. For every feature (or group of features) ``j`` it solves
exactly (Lemhadri et al., JMLR 2021, Alg. 2 and 4, Appendix A, Proposition 1)

.. math::

    \min_{b, W}\ \tfrac12 \|v_j - b\|_2^2 + \tfrac12 \|u_j - W\|_2^2
        + \lambda \|b\|_2 + \bar\lambda \|W\|_1
    \quad\text{s.t.}\quad \|W\|_\infty \le M \|b\|_2 ,

where ``v_j`` is the feature's skip (linear) weight column, over all outputs, and ``u_j`` its
column of first-layer weights. The global solution needs only the largest hidden weights of
each feature, sorted: a full sort for short columns, otherwise a top-16 selection (``O(K)``)
with a full sort only for the rare columns that clip more entries; all vectorised over features
and over any leading batch dimensions (models). (This module imports torch and, for fast CPU
sorting, numpy.) ``M = 0`` gives (group) soft-thresholding of ``v`` with ``W = 0``;
``lambda_ = 0`` is the projection onto the hierarchy constraint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

import numpy as np
import torch

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
    srt: torch.Tensor, vnorm: torch.Tensor, lam: torch.Tensor, M: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """New skip norm from the k largest magnitudes per column, sorted: ``srt`` (..., G, k).

    Returns the norm (..., G) and ``s*`` (..., G), the number of clipped entries; the answer is
    exact whenever ``s* < k`` or ``k`` covers the whole column.
    """
    k = srt.shape[-1]
    csum = torch.cumsum(srt, dim=-1)
    csum = torch.cat([torch.zeros_like(csum[..., :1]), csum], dim=-1)  # s = 0..k
    steps = torch.arange(k + 1, dtype=srt.dtype, device=srt.device)
    Mx = M.unsqueeze(-1)
    # ||b_s|| = (||v|| - lambda + M * sum_{i<=s} |u_(i)|)_+ / (1 + s M^2);  w_s = M ||b_s||
    bnorm = (vnorm.unsqueeze(-1) - lam.unsqueeze(-1) + Mx * csum).clamp_min(0) / (
        1 + steps * Mx * Mx
    )
    # s* = #{s >= 1 : |u_(s)| >= w_{s-1}}; the condition is monotone in s (paper, Appendix A).
    cond = (srt >= Mx * bnorm[..., :k]) & (srt > 0)
    s_star = cond.sum(dim=-1, keepdim=True)
    return torch.gather(bnorm, -1, s_star).squeeze(-1), s_star.squeeze(-1)


_TOPK = 16


def _top_sorted(at: torch.Tensor, k: int | None) -> torch.Tensor:
    """The ``k`` largest entries of each row, in decreasing order (all of them if k is None).

    On the CPU numpy's sort and partition are used: torch's CPU sort is several times slower
    on the nearly tied values that the hierarchy constraint produces.
    """
    if at.device.type == "cpu" and at.dtype in (torch.float32, torch.float64):
        neg = -at.detach().numpy()
        if k is not None:
            neg = np.partition(neg, k - 1, axis=-1)[..., :k]
        return torch.from_numpy(-np.sort(neg, axis=-1))
    if k is None:
        return torch.sort(at, dim=-1, descending=True).values
    return torch.topk(at, k, dim=-1, sorted=True).values


def _core(
    vnorm: torch.Tensor,
    u: torch.Tensor,
    lam: torch.Tensor,
    M: torch.Tensor,
    lam_bar: torch.Tensor | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Solve the per-column problem.

    ``vnorm``: (..., G) norms of the skip blocks; ``u``: (..., L, G) hidden weights;
    ``lam``, ``M``: broadcastable to (..., G). Returns the new skip norm (..., G) and
    ``S(|u|)`` (..., L, G), the soft-thresholded magnitudes.

    Only the entries clipped at the optimum (``|u_i| > M ||b||``) matter, and they are the
    largest ones of their column. Long columns (more than 256 entries) use a selection of the
    16 largest entries instead of a full sort (``O(L)``); the few columns with 16 or more
    clipped entries are solved again with a full sort.
    """
    a = u.abs()
    if lam_bar is not None:
        a = (a - lam_bar.unsqueeze(-2)).clamp_min(0)
    L = a.shape[-2]
    at = a.transpose(-1, -2)  # (..., G, L)
    lam_b, M_b = torch.broadcast_tensors(lam, M, vnorm)[:2]
    if L <= 256 or not _host_branches(at):  # off the CPU a full sort beats a host sync
        return _solve_sorted(_top_sorted(at, None), vnorm, lam_b, M_b)[0], a
    norm, s_star = _solve_sorted(_top_sorted(at, _TOPK), vnorm, lam_b, M_b)
    redo = s_star >= _TOPK
    if bool(redo.any()):
        idx = redo.nonzero(as_tuple=True)
        full = _top_sorted(at[idx], None)
        norm = norm.index_put(idx, _solve_sorted(full, vnorm[idx], lam_b[idx], M_b[idx])[0])
    return norm, a


def _finish(
    theta_cols: torch.Tensor,
    vnorm: torch.Tensor,
    new_norm: torch.Tensor,
    u: torch.Tensor,
    a: torch.Tensor,
    M: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    pos = vnorm > 0
    safe = torch.where(pos, vnorm, 1)
    scale = torch.where(pos, new_norm / safe, 0).unsqueeze(-2)
    theta_new = theta_cols * scale
    host = _host_branches(scale)
    # tiny ||v||: direction first, then length (no overflow)
    if host and bool((scale > 1e30).any()):
        theta_new = theta_cols / safe.unsqueeze(-2) * torch.where(pos, new_norm, 0).unsqueeze(-2)
    elif not host:  # the same choice, made on the device (no host synchronisation)
        theta_new = torch.where(
            (scale > 1e30).any(),
            theta_cols / safe.unsqueeze(-2) * torch.where(pos, new_norm, 0).unsqueeze(-2),
            theta_new,
        )
    # ||v|| = 0 but the hidden weights are worth keeping: any direction is optimal, take the
    # first output.
    zero_dir = ~pos & (new_norm > 0)
    if not host or bool(zero_dir.any()):
        theta_new = theta_new.clone()
        theta_new[..., 0, :] = torch.where(zero_dir, new_norm, theta_new[..., 0, :])
    # Cap with the norm actually realised, so the constraint holds to the last bit.
    real = torch.linalg.vector_norm(theta_new, dim=-2)
    w = torch.minimum(M * new_norm, M * real).unsqueeze(-2)
    u_new = torch.sign(u) * torch.minimum(a, w)
    return theta_new, u_new


def hier_prox(
    theta: torch.Tensor,
    W: torch.Tensor,
    *,
    lambda_: Scalar,
    M: Scalar,
    lambda_bar: Scalar = 0.0,
    check: bool = True,
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

    Returns
    -------
    theta_new, W_new : torch.Tensor
        New tensors of the input shapes; the inputs are left untouched. They satisfy
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
    vnorm = torch.linalg.vector_norm(th, dim=-2)
    new_norm, a = _core(vnorm, W, lam, Mt, lbt)
    theta_new, W_new = _finish(th, vnorm, new_norm, W, a, Mt)
    if one_d:
        theta_new = theta_new.squeeze(0)
    return theta_new, W_new


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
    vnorm = torch.linalg.vector_norm(tg, dim=-2)
    new_norm, a = _core(vnorm, wg, lam, Mt, lbt)
    t_new, w_new = _finish(tg, vnorm, new_norm, wg, a, Mt)
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
