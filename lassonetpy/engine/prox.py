r"""Hierarchical proximal operators (Hier-Prox, Group-Hier-Prox): pure tensor maths.

This module and its parts (``prox_groups``: the groups' indices; ``prox_columns``: the
column-wise operator and its screening; ``prox_sorted``: the exact solve) import only torch
and numpy. For every feature (or group of features) ``j`` it solves exactly (Lemhadri et al.,
JMLR 2021, Alg. 2 and 4, Appendix A, Proposition 1)

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
from typing import Union

import torch

from ..errors import bad_value
from .prox_columns import _prox_columns
from .prox_groups import GroupIndex

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
