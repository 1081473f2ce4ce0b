"""Argument checks that raise the package's errors with one message template."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..errors import DeviceError, InputError, InputTypeError, bad_value


def check_matrix(X: Any, name: str = "X", min_rows: int = 2) -> np.ndarray:
    """Return ``X`` as a finite 2-D float64 array or raise."""
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(
            f"`{name}` must be a numeric matrix; got {type(X).__name__} with non-numeric "
            "values. Encode categorical columns first, or use the formula interface."
        ) from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise bad_value(name, "a 2-D matrix (n_samples, n_features)", f"array of shape {arr.shape}")
    if arr.shape[0] < min_rows or arr.shape[1] < 1:
        raise bad_value(
            name, f"a matrix with at least {min_rows} row(s) and 1 column", f"shape {arr.shape}"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputError(
            f"`{name}` must be finite; got {int(bad.sum())} NaN/inf value(s), the first at row "
            f"{r}, column {c} ({arr[r, c]!r}). Drop or impute them (the formula interface drops "
            "rows with NA)."
        )
    return arr


def check_number(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
) -> float:
    """Check a scalar against a range; returns it as float (or int)."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok:
        v = float(value)
        ok = np.isfinite(v)
        if ok and integer:
            ok = v == int(v)
        if ok and low is not None:
            ok = v > low if low_open else v >= low
        if ok and high is not None:
            ok = v < high if high_open else v <= high
    if not ok:
        parts = ["an integer" if integer else "a finite number"]
        if low is not None:
            parts.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            parts.append(
                f"{'and ' if low is not None else ''}{'<' if high_open else '<='} {high:g}"
            )
        raise bad_value(name, " ".join(parts), value)
    return int(value) if integer else float(value)


def check_vector(value: Any, name: str, n: int, *, nonneg: bool = False) -> np.ndarray:
    """A finite float vector of length ``n``."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise bad_value(name, f"a numeric vector of length {n}", value) from None
    if arr.ndim != 1 or arr.shape[0] != n:
        raise bad_value(name, f"a vector of length {n}", f"shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise bad_value(name, "finite", value, "NaN/inf found.")
    if nonneg and (arr < 0).any():
        raise bad_value(name, "non-negative", value)
    return arr


def check_hidden(hidden: Any) -> tuple[int, ...]:
    """Hidden layer sizes: a positive int or a non-empty tuple of positive ints."""
    if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
        hidden = (int(hidden),)
    if (
        not isinstance(hidden, Sequence)
        or len(hidden) == 0
        or not all(
            isinstance(h, (int, np.integer)) and not isinstance(h, bool) and h > 0 for h in hidden
        )
    ):
        raise bad_value(
            "hidden", "a positive integer or a non-empty tuple of positive integers", hidden
        )
    return tuple(int(h) for h in hidden)


def check_device(device: Any) -> torch.device:
    """'cpu', 'cuda', 'cuda:N' or a torch.device that is available here."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise bad_value("device", "'cpu', 'cuda' or 'cuda:N'", device, cls=DeviceError) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise bad_value(
            "device",
            "an available device",
            device,
            "CUDA is not available on this machine; use device='cpu'.",
            cls=DeviceError,
        )
    if dev.type not in ("cpu", "cuda"):
        raise bad_value("device", "'cpu' or 'cuda'", device, cls=DeviceError)
    return dev


def check_dtype(dtype: Any) -> torch.dtype:
    """float32 or float64, by name or torch dtype."""
    table = {
        "float32": torch.float32,
        "float64": torch.float64,
        torch.float32: torch.float32,
        torch.float64: torch.float64,
        np.float32: torch.float32,
        np.float64: torch.float64,
    }
    try:
        return table[dtype]
    except (KeyError, TypeError):
        raise bad_value("dtype", "'float32' or 'float64'", dtype) from None


def check_lambda_seq(lam: Any) -> np.ndarray:
    """A user lambda sequence: finite, >= 0, strictly increasing (dense to sparse)."""
    try:
        arr = np.atleast_1d(np.asarray(lam, dtype=np.float64))
    except (TypeError, ValueError):
        raise bad_value("lambda_", "a sequence of numbers", lam) from None
    if arr.ndim != 1 or arr.size == 0:
        raise bad_value("lambda_", "a non-empty 1-D sequence", lam)
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise bad_value("lambda_", "finite values >= 0", lam)
    if arr.size > 1 and not (np.diff(arr) > 0).all():
        raise bad_value(
            "lambda_",
            "strictly increasing (LassoNet goes from dense to sparse)",
            lam,
            "Sort it in increasing order.",
        )
    return arr


def check_threads(threads: Any) -> int:
    """``threads``: None (one thread) or a positive integer."""
    if threads is None:
        return 1
    return int(check_number(threads, "threads", low=1, integer=True))
