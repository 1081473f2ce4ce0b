"""Compact storage of the network parameters at one path point (:class:`PathState`).

Along a LassoNet path most input columns leave the model: a column ``j`` with ``theta_j = 0``
has ``W0_j = 0`` too (the hierarchy constraint ``||W0_j||_inf <= M |theta_j|``). Such a column
carries nothing, yet ``first`` (B, O + K, d) stores it for every model at every lambda. A
:class:`PathState` keeps only the columns that are non-zero in *some* model of the batch (their
indices in ``columns``) and rebuilds the full tensors, exactly, on demand: the dropped entries
are zeros (a dropped ``-0.0`` comes back as ``+0.0``, which compares and computes the same).

It behaves as the read-only sequence of full tensors it replaces (``Params.tensors()`` order:
``first``, the other weights, the biases), so ``state[k]`` and ``list(state)`` still work.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import torch

__all__ = ["PathState"]


@dataclass(frozen=True, eq=False)
class PathState(Sequence[torch.Tensor]):
    """Parameters of ``B`` models at one path point with the all-zero input columns dropped.

    Attributes
    ----------
    columns : torch.Tensor of shape (c,), int64
        Increasing indices of the input columns kept (non-zero in ``first`` of some model).
    first : torch.Tensor of shape (B, O + K, c)
        ``theta`` stacked on ``W0``, restricted to ``columns``.
    rest : tuple of torch.Tensor
        The other weights, then the biases, as in :meth:`lassonetpy.engine.network.Params.tensors`.
    n_features : int
        Number of input columns ``d`` of the full ``first``.

    Examples
    --------
    >>> import torch
    >>> first = torch.zeros(1, 3, 5); first[0, :, 2] = 1.0
    >>> s = PathState.compact([first, torch.ones(1, 1, 2), torch.ones(1, 2), torch.ones(1, 1)])
    >>> s.columns.tolist(), tuple(s.first.shape), bool((s[0] == first).all())
    ([2], (1, 3, 1), True)
    """

    columns: torch.Tensor
    first: torch.Tensor
    rest: tuple[torch.Tensor, ...]
    n_features: int

    @classmethod
    def compact(cls, tensors: Sequence[torch.Tensor]) -> PathState:
        """Detached CPU copy of ``tensors`` (``Params.tensors()`` order), dead columns dropped."""
        first = tensors[0].detach()
        alive = (first != 0).flatten(0, -2).any(0)  # (d,): non-zero (or NaN) somewhere
        cols = torch.nonzero(alive).flatten()
        return cls(
            columns=cols.cpu(),
            first=first.index_select(-1, cols).cpu().contiguous(),
            rest=tuple(t.detach().cpu().clone() for t in tensors[1:]),
            n_features=int(first.shape[-1]),
        )

    @property
    def n_models(self) -> int:
        """Number of models ``B``."""
        return int(self.first.shape[0])

    def full_first(self, model: int | None = None) -> torch.Tensor:
        """``first`` of all models (B, O + K, d), or of ``model`` (1, O + K, d)."""
        f = self.first if model is None else self.first[model : model + 1]
        out = f.new_zeros((*f.shape[:-1], self.n_features))
        out[..., self.columns] = f
        return out

    def tensors(self, model: int | None = None) -> list[torch.Tensor]:
        """The full parameter tensors, of all models or of ``model`` (batch dimension 1)."""
        rest = list(self.rest) if model is None else [t[model : model + 1] for t in self.rest]
        return [self.full_first(model), *rest]

    def select(self, model: int) -> PathState:
        """The state of one model (batch dimension 1), compacted for that model alone."""
        return PathState.compact(self.tensors(model))

    @property
    def nbytes(self) -> int:
        """Bytes held (kept columns, ``first`` and the other tensors)."""
        ts = [self.columns, self.first, *self.rest]
        return sum(t.numel() * t.element_size() for t in ts)

    @property
    def full_nbytes(self) -> int:
        """Bytes the full tensors would hold."""
        f = self.first
        return f.shape[0] * f.shape[1] * self.n_features * f.element_size() + sum(
            t.numel() * t.element_size() for t in self.rest
        )

    # the read-only sequence of full tensors it replaces
    def __len__(self) -> int:
        return 1 + len(self.rest)

    @overload
    def __getitem__(self, k: int) -> torch.Tensor: ...

    @overload
    def __getitem__(self, k: slice) -> list[torch.Tensor]: ...

    def __getitem__(self, k: int | slice) -> torch.Tensor | list[torch.Tensor]:
        if isinstance(k, slice):
            return self.tensors()[k]
        if k in (0, -len(self)):
            return self.full_first()
        return self.rest[k - 1 if k > 0 else k]

    def __iter__(self) -> Iterator[torch.Tensor]:
        return iter(self.tensors())

    def __repr__(self) -> str:
        return (
            f"PathState(models={self.n_models}, columns={self.columns.numel()}/"
            f"{self.n_features}, tensors={len(self)})"
        )
