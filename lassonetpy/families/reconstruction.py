r"""Reconstruction family: a decoder reconstructs every (standardised) column of a matrix.

The loss of unsupervised feature selection (the paper's Alg. 3) and of matrix completion
(Alg. 5): with column ``o`` standardised to ``z_o = (x_o - c_o) / s_o``,

.. math::

    \mathrm{loss} = \tfrac12 \sum_i w_i \sum_o m_{io} (z_{io} - \eta_{io})^2 ,

where ``m_io`` is 1 for the entries in the loss (0 for missing or held-out entries). With no
missing entry it is the mgaussian loss of the standardised columns, and the path's deviance
ratio is the fraction of their total variance explained. Each input's skip weights over all
``d`` outputs form one group (as for mgaussian), so the same inputs serve every output.
Predictions and coefficients are reported in the columns' original units
(``ResponseInfo.output_scale`` holds ``s``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..errors import ResponseError
from ._base import Family, ResponseInfo

__all__ = ["Reconstruction", "ReconstructionTarget"]


@dataclass(frozen=True)
class ReconstructionTarget:
    """Columns to reconstruct with an explicit loss mask and, optionally, standardisation.

    Attributes
    ----------
    values : ndarray of shape (n, d)
        The columns; entries outside ``mask`` are ignored (NaN allowed there).
    mask : ndarray of shape (n, d), bool
        Entries in the loss.
    center, scale : ndarray of shape (d,), optional
        Standardisation of the columns (default: weighted mean and standard deviation of the
        entries in ``mask``). Matrix completion passes those of all observed entries, so that
        a loss on a subset of them keeps the same units.
    names : list of str, optional
        Column names (default ``x1..xd``).

    Examples
    --------
    >>> import numpy as np
    >>> t = ReconstructionTarget(np.eye(3), np.ones((3, 3), bool))
    >>> len(t), Reconstruction().prepare(t).n_outputs
    (3, 3)
    """

    values: np.ndarray
    mask: np.ndarray
    center: np.ndarray | None = None
    scale: np.ndarray | None = None
    names: list[str] | None = None

    def __len__(self) -> int:
        return int(np.shape(self.values)[0])


def _column_stats(v: np.ndarray, m: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    wm = w[:, None] * m
    tot = wm.sum(0)
    if (empty := np.flatnonzero(tot <= 0)).size:
        raise ResponseError(
            f"Every column needs entries in the loss; column(s) {empty[:10].tolist()} have none."
        )
    v0 = np.where(m, v, 0.0)
    mu = (wm * v0).sum(0) / tot
    var = (wm * (v0 - mu) ** 2).sum(0) / tot
    sd = np.sqrt(var)
    return mu, np.where(sd > 1e-12 * np.maximum(1.0, np.abs(mu)), sd, 1.0)


class Reconstruction(Family):
    """Reconstruction of every standardised column (unsupervised selection, matrix completion).

    ``y`` is the matrix to reconstruct (usually the inputs themselves): an array or DataFrame
    (n, d), whose NaN entries are left out of the loss, or a :class:`ReconstructionTarget`.

    Examples
    --------
    >>> import numpy as np
    >>> info = Reconstruction().prepare(np.array([[1.0, 10.0], [3.0, 30.0]]))
    >>> info.n_outputs, info.center.tolist(), info.output_scale.tolist()
    (2, [2.0, 20.0], [1.0, 10.0])
    """

    name = "reconstruction"

    def prepare(self, y: Any, weights: np.ndarray | None = None) -> ResponseInfo:
        if isinstance(y, ReconstructionTarget):
            names = list(y.names) if y.names is not None else None
            arr = np.asarray(y.values, dtype=np.float64)
            mask = np.asarray(y.mask, dtype=bool)
            center, scale = y.center, y.scale
        else:
            names = [str(c) for c in getattr(y, "columns", [])] or None
            try:
                arr = np.asarray(y, dtype=np.float64)
            except (TypeError, ValueError):
                raise ResponseError(
                    "`y` must be a numeric matrix for family 'reconstruction'."
                ) from None
            mask = ~np.isnan(arr)
            center = scale = None
        if arr.ndim == 1:
            arr, mask = arr[:, None], mask[:, None]
        if arr.ndim != 2 or mask.shape != arr.shape:
            raise ResponseError(
                f"`y` must be a matrix (n, d) for family 'reconstruction'; got shape {arr.shape}."
            )
        if np.isinf(arr[mask]).any():
            raise ResponseError("`y` must be finite where it is in the loss; got inf.")
        w = np.ones(arr.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
        if center is None or scale is None:
            center, scale = _column_stats(arr, mask, w / w.sum())
        center = np.asarray(center, dtype=np.float64)
        scale = np.asarray(scale, dtype=np.float64)
        z = np.where(mask, (np.where(mask, arr, 0.0) - center) / scale, 0.0)
        d = arr.shape[1]
        return ResponseInfo(
            y=np.concatenate([z, mask.astype(np.float64)], axis=1),
            n_outputs=d,
            center=center,
            scale=1.0,
            output_names=names or [f"x{j + 1}" for j in range(d)],
            output_scale=scale,
        )

    def loss(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        d = eta.shape[-1]
        r = (eta - y[..., :d]) * y[..., d:]
        return 0.5 * (w * (r * r).sum(-1)).sum(-1)

    def loss_grad(
        self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        d = eta.shape[-1]
        r = (eta - y[..., :d]) * y[..., d:]
        wr = w.unsqueeze(-1) * r
        return 0.5 * (wr * r).flatten(1).sum(-1), wr

    def deviance(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return 2.0 * self.loss(eta, y, w)

    def null_eta(self, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        d = y.shape[-1] // 2
        m = y[..., d:]
        return (w @ (m * y[..., :d])) / (w @ m).clamp_min(torch.finfo(y.dtype).tiny)

    def inverse_link(self, eta: np.ndarray) -> np.ndarray:
        return eta
