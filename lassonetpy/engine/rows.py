"""Inputs that stay on disk: rows read in chunks from a memory-mapped (or any row-sliceable) array.

A fit normally standardises ``X`` once and keeps it in device memory. When ``X`` is a
:class:`numpy.memmap` (or another 2-D array-like that is not an in-memory ndarray, e.g. an
h5py or zarr dataset), :func:`lassonetpy.engine.fit_path` wraps it in :class:`ChunkedRows`
instead: every full pass (statistics, objective, full-batch gradient) streams it in chunks of
``chunk_rows`` rows, and a mini-batch reads only its own rows. Memory then grows with the chunk
and the network, not with ``n``. Losses and gradients are sums over rows with weights
normalised once over all rows, so the chunked sums are the in-memory values (tested).

:func:`from_chunks` writes an iterator of row blocks (e.g. from a database cursor or a file
reader) to a ``.npy`` file and returns it memory-mapped, which is the iterator route.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import InputError, bad_value

__all__ = ["ChunkedRows", "is_out_of_core", "from_chunks", "CHUNK_BYTES"]

CHUNK_BYTES = 1 << 26  # 64 MiB of float32 per chunk by default


def is_out_of_core(X: Any) -> bool:
    """True for inputs streamed in chunks: a memmap, or a 2-D array-like that is not in memory."""
    if isinstance(X, np.memmap):
        return True
    if isinstance(X, (np.ndarray, torch.Tensor, list, tuple)) or hasattr(X, "iloc"):
        return False
    return getattr(X, "ndim", None) == 2 and hasattr(X, "shape") and hasattr(X, "__getitem__")


class ChunkedRows:
    """Standardised rows of an on-disk matrix, read on demand.

    Parameters
    ----------
    source : array-like of shape (n, d)
        Sliceable by rows (``source[a:b]``, ``source[sorted_index_array]``).
    dtype, device : torch dtype and device of the returned blocks.
    chunk_rows : int, optional
        Rows per chunk of a full pass (default: 64 MiB of float32).

    Examples
    --------
    >>> import numpy as np, torch
    >>> rows = ChunkedRows(np.arange(12.0).reshape(6, 2), torch.float64, torch.device("cpu"),
    ...                    chunk_rows=4)
    >>> rows.standardize(np.ones(6), True)
    >>> [tuple(x.shape) for _, x in rows.chunks()]
    [(4, 2), (2, 2)]
    """

    def __init__(
        self,
        source: Any,
        dtype: torch.dtype,
        device: torch.device,
        chunk_rows: int | None = None,
    ) -> None:
        shape = tuple(getattr(source, "shape", ()))
        if len(shape) != 2 or shape[0] < 2 or shape[1] < 1:
            raise bad_value("X", "a 2-D matrix with at least 2 rows and 1 column", f"shape {shape}")
        self.source = source
        self.n, self.d = int(shape[0]), int(shape[1])
        self.dtype, self.device = dtype, device
        self.chunk_rows = int(chunk_rows or max(1, CHUNK_BYTES // (4 * self.d)))
        self.center = np.zeros(self.d)
        self.scale = np.ones(self.d)
        self.constant = np.zeros(self.d, dtype=bool)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n, self.d)

    def _raw(self, start: int, stop: int) -> np.ndarray:
        block = np.asarray(self.source[start:stop], dtype=np.float64)
        if not np.isfinite(block).all():
            r, c = np.argwhere(~np.isfinite(block))[0]
            raise InputError(
                f"`X` must be finite; got {block[r, c]!r} at row {start + r}, column {c}. Drop or "
                "impute such rows before fitting."
            )
        return block

    def standardize(self, w: np.ndarray, on: bool) -> None:
        """Weighted column means and standard deviations in one streaming pass (and the
        finiteness check of every value)."""
        ww = w / w.sum()
        shift = self._raw(0, 1)[0]  # shifted sums: no cancellation for large column means
        s1 = np.zeros(self.d)
        s2 = np.zeros(self.d)
        for a in range(0, self.n, self.chunk_rows):
            b = min(a + self.chunk_rows, self.n)
            z = self._raw(a, b) - shift
            s1 += ww[a:b] @ z
            s2 += ww[a:b] @ (z * z)
        mu = shift + s1
        sd = np.sqrt(np.maximum(s2 - s1 * s1, 0.0))
        # A constant column carries no information (glmnet leaves it out): it is centred even
        # without standardisation, so it is exactly 0 and its weights, which start at 0
        # (fit._dense_phase), never get a gradient.
        self.constant = ~(sd > 1e-12 * np.maximum(1.0, np.abs(mu)))
        if not on:
            self.center = np.where(self.constant, mu, 0.0)
            return
        self.center = mu
        self.scale = np.where(self.constant, 1.0, sd)

    def materialize(self) -> torch.Tensor:
        """All rows, standardised, as one (n, d) tensor on the device (filled block by block)."""
        out = torch.empty(self.n, self.d, dtype=self.dtype, device=self.device)
        for sl, block in self.chunks():
            out[sl] = block
        return out

    def _to_tensor(self, block: np.ndarray) -> torch.Tensor:
        z = (block - self.center) / self.scale
        return torch.tensor(z, dtype=self.dtype, device=self.device)  # own, aligned memory

    def chunks(self) -> Iterator[tuple[slice, torch.Tensor]]:
        """``(rows, block)`` over all rows in order."""
        for a in range(0, self.n, self.chunk_rows):
            b = min(a + self.chunk_rows, self.n)
            yield slice(a, b), self._to_tensor(self._raw(a, b))

    def __getitem__(self, idx: Any) -> torch.Tensor:
        """Rows ``idx`` (a slice, or an index tensor/array in increasing order), standardised."""
        if isinstance(idx, slice):
            a, b, _ = idx.indices(self.n)
            return self._to_tensor(self._raw(a, b))
        ix = idx.cpu().numpy() if isinstance(idx, torch.Tensor) else np.asarray(idx)
        block = np.asarray(self.source[ix], dtype=np.float64)
        if not np.isfinite(block).all():
            raise InputError("`X` must be finite; a mini-batch read a NaN/inf value.")
        return self._to_tensor(block)


def from_chunks(chunks: Iterable[Any], path: str | Path, dtype: Any = np.float32) -> np.memmap:
    """Write an iterator of row blocks to a ``.npy`` file and return it memory-mapped.

    Two passes over ``chunks`` are not needed: blocks are appended to a temporary raw file,
    then the ``.npy`` header is written once the row count is known.

    Parameters
    ----------
    chunks : iterable of array-like of shape (n_i, d)
        Row blocks with the same number of columns.
    path : str or Path
        Where to write the ``.npy`` file (overwritten).
    dtype : numpy dtype, default float32

    Returns
    -------
    numpy.memmap of shape (sum n_i, d), read-only

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "X.npy")
    >>> X = from_chunks((np.full((3, 2), i) for i in range(4)), f)
    >>> X.shape, float(X[-1, 0])
    ((12, 2), 3.0)
    """
    path = Path(path)
    raw = path.with_suffix(path.suffix + ".part")
    n, d = 0, None
    with open(raw, "wb") as fh:
        for i, c in enumerate(chunks):
            block = np.asarray(c, dtype=dtype)
            if block.ndim == 1:
                block = block[None, :]
            if block.ndim != 2 or (d is not None and block.shape[1] != d):
                raise bad_value(
                    "chunks",
                    f"2-D blocks with the same number of columns ({d})",
                    f"block {i} of shape {block.shape}",
                )
            d = block.shape[1]
            n += block.shape[0]
            fh.write(np.ascontiguousarray(block).tobytes())
    if d is None or n == 0:
        raw.unlink(missing_ok=True)
        raise bad_value("chunks", "at least one non-empty block", "an empty iterator")
    out = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(n, d))
    step = max(1, CHUNK_BYTES // (out.itemsize * d))
    with open(raw, "rb") as fh:
        for a in range(0, n, step):
            b = min(a + step, n)
            out[a:b] = np.frombuffer(fh.read((b - a) * d * out.itemsize), dtype=dtype).reshape(
                b - a, d
            )
    out.flush()
    del out
    raw.unlink()
    return np.load(path, mmap_mode="r")
