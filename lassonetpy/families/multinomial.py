"""Multinomial family: ``loss = -sum_i w_i log softmax(eta_i)[y_i]``."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ._base import Family, ResponseInfo, class_codes


class Multinomial(Family):
    """Multi-class logistic regression (softmax), ``-loglik / n``.

    One output per class; a feature's skip weights over the classes form one group (the
    paper's group penalty, glmnet's ``type.multinomial = "grouped"``).

    Examples
    --------
    >>> from lassonetpy.families import get_family
    >>> get_family("multinomial").prepare(["a", "c", "b", "a"]).n_outputs
    3
    """

    name = "multinomial"

    def prepare(self, y: Any, weights: np.ndarray | None = None) -> ResponseInfo:
        codes, classes = class_codes(y, self.name, 2, None)
        return ResponseInfo(y=codes.astype(np.float64), n_outputs=len(classes), classes=classes)

    def target(self, info: ResponseInfo, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
        return torch.as_tensor(info.y, device=device).long()

    def loss(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        lse = torch.logsumexp(eta, dim=-1)
        picked = eta.gather(-1, y.expand(eta.shape[0], -1).unsqueeze(-1)).squeeze(-1)
        return (w * (lse - picked)).sum(-1)

    def loss_grad(
        self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        lse = torch.logsumexp(eta, dim=-1, keepdim=True)
        logp = eta - lse
        idx = y.expand(eta.shape[0], -1).unsqueeze(-1)
        loss = -(w * logp.gather(-1, idx).squeeze(-1)).sum(-1)
        g = torch.exp(logp)
        g.scatter_add_(-1, idx, -torch.ones_like(idx, dtype=g.dtype))
        return loss, g * w.unsqueeze(-1)

    def deviance(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return 2.0 * self.loss(eta, y, w)

    def null_eta(self, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        n_classes = int(y.max()) + 1
        onehot = torch.nn.functional.one_hot(y, n_classes).to(w.dtype)
        p = (w.unsqueeze(-1) * onehot).sum(1).clamp_min(1e-6)  # per model (no shared GEMM)
        return torch.log(p / p.sum(-1, keepdim=True))

    def intercept_shift(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        # iterative proportional fitting: the optimal class intercepts match every class's
        # weighted count (a fixed number of sweeps: the same operations for every model)
        O = eta.shape[-1]
        onehot = torch.nn.functional.one_hot(y, O).to(eta.dtype)
        target = (w.unsqueeze(-1) * onehot).sum(1).clamp_min(torch.finfo(eta.dtype).tiny)  # (B, O)
        delta = torch.zeros(eta.shape[0], 1, O, dtype=eta.dtype, device=eta.device)
        for _ in range(8):
            p = torch.softmax(eta + delta, dim=-1)
            mass = (w.unsqueeze(-1) * p).sum(1).clamp_min(torch.finfo(eta.dtype).tiny)
            delta = delta + torch.log(target / mass).unsqueeze(1)
        return delta - delta.mean(-1, keepdim=True)

    def conjugate(self, a: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        onehot = torch.nn.functional.one_hot(y, a.shape[-1]).to(a.dtype)
        q = (a + onehot).clamp(0.0, 1.0)
        return (w * torch.xlogy(q, q).sum(-1)).sum(-1)

    def inverse_link(self, eta: np.ndarray) -> np.ndarray:
        z = eta - eta.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)
