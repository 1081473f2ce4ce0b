"""The Hier-Prox step as a building block for a training loop of your own (:class:`HierProx`).

LassoNet's training is "gradient step, then Hier-Prox on the skip weights ``theta`` and the
first layer's weight ``W0``". ``lassonet(..., body=module)`` runs that loop (with its grid,
stopping rule and warm starts) for any module whose first layer is ``nn.Linear``; this class is
the step alone, for people who write the loop themselves (another optimiser, a scheduler,
mini-batches from a DataLoader, a custom loss).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from ..errors import InputError, InputTypeError, bad_value
from .prox import GroupIndex, group_hier_prox, hier_prox

__all__ = ["HierProx"]


def _weight(x: Any, name: str) -> torch.Tensor:
    if isinstance(x, nn.Linear):
        return x.weight
    if isinstance(x, torch.Tensor):
        return x
    raise bad_value(name, "a torch.nn.Linear or a weight tensor", x, cls=InputTypeError)


class HierProx:
    """Hier-Prox (or Group-Hier-Prox) applied in place to a skip layer and a first layer.

    Parameters
    ----------
    theta : torch.nn.Linear or torch.Tensor
        The skip (linear) layer ``Linear(d, O)`` or its weight, of shape (O, d) or (d,).
    layer : torch.nn.Linear or torch.Tensor
        The network's first layer ``Linear(d, K)`` or its weight (K, d).
    M : float, default 10
        Hierarchy multiplier: after a step, ``||W0_j||_inf <= M ||theta_j||`` (``M = 0``: the
        lasso, ``W0 = 0``).
    groups : list of lists of int, or a label per column, optional
        Columns that enter and leave together (Group-Hier-Prox); a group's penalty is
        ``lam * sqrt(|g|) * ||theta_g||_F`` (the package's weighting).

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from lassonetpy import HierProx
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> X = torch.randn(200, 5); y = X[:, :1] * 2 + torch.sin(X[:, 1:2])
    >>> skip = nn.Linear(5, 1); net = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1))
    >>> prox = HierProx(skip, net[0], M=10)
    >>> opt = torch.optim.SGD([*skip.parameters(), *net.parameters()], lr=0.05)
    >>> for lam in [0.0, 1.0, 4.0]:
    ...     for _ in range(300):
    ...         opt.zero_grad()
    ...         loss = ((skip(X) + net(X) - y) ** 2).mean() / 2
    ...         loss.backward()
    ...         opt.step()
    ...         prox.step(lam, lr=0.05)
    ...     print(lam, prox.support().tolist())
    0.0 [True, True, True, True, True]
    1.0 [True, True, False, False, True]
    4.0 [True, True, False, False, False]
    """

    def __init__(
        self, theta: Any, layer: Any, *, M: float = 10.0, groups: Any = None
    ) -> None:  # fmt: skip
        self.theta = _weight(theta, "theta")
        self.W = _weight(layer, "layer")
        d = self.theta.shape[-1]
        if self.W.dim() != 2 or self.W.shape[-1] != d or self.theta.dim() not in (1, 2):
            raise bad_value(
                "layer",
                f"a first layer over the same {d} columns as theta (weight of shape (K, {d}))",
                f"weight of shape {tuple(self.W.shape)} with theta {tuple(self.theta.shape)}",
            )
        if isinstance(M, bool) or not isinstance(M, (int, float)) or not M >= 0 or math.isinf(M):
            raise bad_value("M", "a finite number >= 0", M)
        self.M = float(M)
        self.groups = None if groups is None else GroupIndex(groups, d)
        if self.groups is not None:
            self._pen = torch.tensor(self.groups.sizes, dtype=torch.float64).sqrt()

    def step(self, lam: float, lr: float) -> None:
        """Apply the proximal step of ``lam * penalty`` for a gradient step of size ``lr``
        (call it right after ``optimizer.step()``); updates both weights in place."""
        for v, name in ((lam, "lam"), (lr, "lr")):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
                raise InputError(f"`{name}` must be a number >= 0; got {v!r}.")
        with torch.no_grad():
            th = self.theta if self.theta.dim() == 2 else self.theta.unsqueeze(0)
            if self.groups is None:
                new_t, new_W = hier_prox(th, self.W, lambda_=lam * lr, M=self.M)
            else:
                pen = (lam * lr * self._pen).to(th)
                new_t, new_W = group_hier_prox(th, self.W, self.groups, lambda_=pen, M=self.M)
            self.theta.copy_(new_t.reshape(self.theta.shape))
            self.W.copy_(new_W)

    def penalty(self) -> torch.Tensor:
        """``sum_g sqrt(|g|) ||theta_g||`` (differentiable; times ``lam`` it is the penalty)."""
        th = self.theta if self.theta.dim() == 2 else self.theta.unsqueeze(0)
        col = (th * th).sum(0)
        if self.groups is None:
            return col.sqrt().sum()
        gid = self.groups.group_of_column(col.device)
        sq = col.new_zeros(self.groups.n_groups).index_add(0, gid, col)
        return (sq.sqrt() * self._pen.to(sq)).sum()

    def support(self) -> torch.Tensor:
        """Columns with a non-zero skip weight (d,), bool."""
        th = self.theta if self.theta.dim() == 2 else self.theta.unsqueeze(0)
        return (th.detach() != 0).any(0)

    def __repr__(self) -> str:
        g = "" if self.groups is None else f", groups={self.groups.n_groups}"
        return f"HierProx(d={self.theta.shape[-1]}, K={self.W.shape[0]}, M={self.M:g}{g})"
