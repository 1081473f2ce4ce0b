"""Groups of input columns for Group-Hier-Prox: their gather/scatter indices (GroupIndex).

Part of :mod:`lassonetpy.engine.prox` (torch only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch


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
