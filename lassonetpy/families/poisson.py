"""Poisson family (log link): ``loss = sum_i w_i [exp(eta_i) - y_i eta_i]``."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..errors import ResponseError
from ._base import Family, ResponseInfo, as_numeric_1d, weighted_mean


class Poisson(Family):
    """Poisson regression for counts, ``-loglik / n`` (the ``log y!`` constant dropped).

    Use ``offset=np.log(exposure)`` for rates. The deviance is
    ``2 sum_i w_i [y_i log(y_i / mu_i) - (y_i - mu_i)]``.

    Examples
    --------
    >>> from lassonetpy.families import get_family
    >>> get_family("poisson").prepare([0, 2, 5]).y.tolist()
    [0.0, 2.0, 5.0]
    """

    name = "poisson"

    def prepare(self, y: Any, weights: np.ndarray | None = None) -> ResponseInfo:
        arr = as_numeric_1d(y, self.name)
        if (arr < 0).any():
            raise ResponseError(
                f"`y` must be non-negative counts for family 'poisson'; got {int((arr < 0).sum())} "
                f"negative value(s), e.g. {arr[arr < 0][:3].tolist()!r}."
            )
        if not (arr > 0).any():
            raise ResponseError(
                "`y` must have at least one positive count for family 'poisson'; got all zeros."
            )
        return ResponseInfo(y=arr, n_outputs=1)

    def loss(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        e = eta[..., 0]
        return (w * (torch.exp(e) - y * e)).sum(-1)

    def loss_grad(
        self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        e = eta[..., 0]
        mu = torch.exp(e)
        return (w * (mu - y * e)).sum(-1), (w * (mu - y)).unsqueeze(-1)

    def deviance(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        e = eta[..., 0]
        ylogy = torch.where(y > 0, y * torch.log(torch.where(y > 0, y, 1)), 0)
        return 2.0 * (w * (ylogy - y * e - (y - torch.exp(e)))).sum(-1)

    def null_eta(self, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return torch.log(weighted_mean(y, w).clamp_min(1e-10))

    def intercept_shift(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        # exact: sum w exp(eta + delta) = sum w y
        e = eta[..., 0]
        top = e.max(-1, keepdim=True).values
        mass = (w * torch.exp(e - top)).sum(-1, keepdim=True)
        target = (w * y).sum(-1, keepdim=True)
        return (torch.log(target) - torch.log(mass) - top).unsqueeze(-1)

    def conjugate(self, a: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        q = (a[..., 0] + y).clamp_min(0.0)
        return (w * (torch.xlogy(q, q) - q)).sum(-1)

    def inverse_link(self, eta: np.ndarray) -> np.ndarray:
        return np.exp(eta)
