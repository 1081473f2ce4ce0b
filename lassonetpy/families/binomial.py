"""Binomial (logistic) family: ``loss = -sum_i w_i [y_i eta_i - log(1 + exp(eta_i))]``."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ._base import Family, ResponseInfo, class_codes, weighted_mean


class Binomial(Family):
    """Two-class logistic regression, ``-loglik / n`` as in glmnet.

    ``y`` may hold any two labels (strings, bools, 0/1, a categorical); the second class (in
    sorted or category order) is the event, modelled by ``eta = log(p / (1 - p))``.

    Examples
    --------
    >>> from lassonetpy.families import get_family
    >>> info = get_family("binomial").prepare(["no", "yes", "yes"])
    >>> info.classes.tolist(), info.y.tolist()
    (['no', 'yes'], [0.0, 1.0, 1.0])
    """

    name = "binomial"

    def prepare(self, y: Any, weights: np.ndarray | None = None) -> ResponseInfo:
        codes, classes = class_codes(y, self.name, 2, 2)
        return ResponseInfo(y=codes.astype(np.float64), n_outputs=1, classes=classes)

    def loss(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        e = eta[..., 0]
        return (w * (F.softplus(e) - y * e)).sum(-1)

    def loss_grad(
        self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        e = eta[..., 0]
        loss = (w * (F.softplus(e) - y * e)).sum(-1)
        return loss, (w * (torch.sigmoid(e) - y)).unsqueeze(-1)

    def deviance(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return 2.0 * self.loss(eta, y, w)

    def null_eta(self, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        p = weighted_mean(y, w).clamp(1e-6, 1 - 1e-6)
        return torch.log(p / (1 - p))

    def intercept_shift(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        # Newton steps on the one-dimensional convex problem (a fixed number: the same
        # operations for every model, whatever the batch)
        e = eta[..., 0]
        delta = torch.zeros(e.shape[0], 1, dtype=e.dtype, device=e.device)
        for _ in range(8):
            pr = torch.sigmoid(e + delta)
            g = (w * (pr - y)).sum(-1, keepdim=True)
            h = (w * pr * (1 - pr)).sum(-1, keepdim=True)
            delta = delta - (g / h.clamp_min(torch.finfo(e.dtype).tiny)).clamp(-4.0, 4.0)
        return delta.unsqueeze(-1)

    def conjugate(self, a: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        q = (a[..., 0] + y).clamp(0.0, 1.0)
        return (w * (torch.xlogy(q, q) + torch.xlogy(1 - q, 1 - q))).sum(-1)

    def inverse_link(self, eta: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-eta))
