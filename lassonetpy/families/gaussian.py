"""Gaussian family: ``loss = sum_i w_i (y_i - eta_i)^2 / 2`` (RSS / 2n with unit weights)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ._base import Family, ResponseInfo, as_numeric_1d, weighted_mean


class Gaussian(Family):
    """Least squares with glmnet's scaling ``RSS / (2n) + lambda * sum_j |theta_j|``.

    The network is trained on the response centred and divided by its standard deviation
    ``s``; the loss reported and the lambdas are in the response's original units
    (``lambda_internal = lambda / s``), so at ``M = 0`` lambda means what it means in glmnet
    and in scikit-learn's ``Lasso(alpha=lambda)``.

    Examples
    --------
    >>> from lassonetpy.families import get_family
    >>> get_family("gaussian").prepare([1.0, 2.0, 3.0]).scale
    0.816496580927726
    """

    name = "gaussian"

    def prepare(self, y: Any, weights: np.ndarray | None = None) -> ResponseInfo:
        arr = as_numeric_1d(y, self.name)
        w = np.ones_like(arr) if weights is None else np.asarray(weights, dtype=np.float64)
        w = w / w.sum()
        mu = float(w @ arr)
        sd = float(np.sqrt(w @ (arr - mu) ** 2))
        if not sd > 0:
            sd = 1.0
        return ResponseInfo(y=(arr - mu) / sd, n_outputs=1, center=mu, scale=sd)

    def loss(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        r = y - eta[..., 0]
        return 0.5 * (w * r * r).sum(-1)

    def loss_grad(
        self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        wr = w * (eta[..., 0] - y)
        return 0.5 * (wr * (eta[..., 0] - y)).sum(-1), wr.unsqueeze(-1)

    def deviance(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return 2.0 * self.loss(eta, y, w)

    def null_eta(self, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return weighted_mean(y, w)

    def intercept_shift(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return (w * (y - eta[..., 0])).sum(-1).view(-1, 1, 1)

    def conjugate(self, a: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        a0 = a[..., 0]
        return (w * (0.5 * a0 * a0 + a0 * y)).sum(-1)

    def inverse_link(self, eta: np.ndarray) -> np.ndarray:
        return eta


class MGaussian(Family):
    """Multi-response least squares: ``loss = sum_i w_i ||y_i - eta_i||^2 / 2``.

    Each feature's skip weights over the ``q`` responses form one group (L2 norm), so all
    responses share the selected features. Responses are centred and divided by one common
    scale (the root mean variance), which keeps the objective equivalent.

    Examples
    --------
    >>> import numpy as np
    >>> from lassonetpy.families import get_family
    >>> get_family("mgaussian").prepare(np.array([[1.0, 0.0], [3.0, 2.0]])).n_outputs
    2
    """

    name = "mgaussian"

    def prepare(self, y: Any, weights: np.ndarray | None = None) -> ResponseInfo:
        from ..errors import ResponseError

        names = [str(c) for c in getattr(y, "columns", [])]
        arr = np.asarray(y)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ResponseError(
                f"`y` must be a matrix (n, q) for family 'mgaussian'; got shape {arr.shape}."
            )
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise ResponseError("`y` must be numeric for family 'mgaussian'.") from None
        if not np.isfinite(arr).all():
            raise ResponseError(
                f"`y` must be finite; got {int((~np.isfinite(arr)).sum())} NaN/inf value(s)."
            )
        w = np.ones(arr.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
        w = w / w.sum()
        mu = w @ arr
        var = w @ (arr - mu) ** 2
        s = float(np.sqrt(var.mean()))
        if not s > 0:
            s = 1.0
        names = names or [f"y{k + 1}" for k in range(arr.shape[1])]
        return ResponseInfo(
            y=(arr - mu) / s, n_outputs=arr.shape[1], center=mu, scale=s, output_names=names
        )

    def loss(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        r = y - eta
        return 0.5 * (w * (r * r).sum(-1)).sum(-1)

    def loss_grad(
        self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        r = eta - y
        wr = w.unsqueeze(-1) * r
        return 0.5 * (wr * r).flatten(1).sum(-1), wr

    def deviance(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return 2.0 * self.loss(eta, y, w)

    def null_eta(self, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return weighted_mean(y, w)

    def intercept_shift(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return (w.unsqueeze(-1) * (y - eta)).sum(1, keepdim=True)

    def conjugate(self, a: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return (w * (0.5 * a * a + a * y).sum(-1)).sum(-1)

    def inverse_link(self, eta: np.ndarray) -> np.ndarray:
        return eta
