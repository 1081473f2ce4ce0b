"""Pictures for image data: the selected pixels, and originals beside their reconstructions.

Pure plotting on arrays (no torch, no engine); matplotlib is imported inside the functions,
which return the Axes and never call ``plt.show()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import bad_value

__all__ = ["check_shape", "plot_selected_pixels", "plot_reconstructions"]


def check_shape(shape: Any, n_columns: int) -> tuple[int, int]:
    """``shape`` as ``(rows, cols)`` with ``rows * cols == n_columns``, or a clear error.

    Examples
    --------
    >>> check_shape((28, 28), 784)
    (28, 28)
    """
    try:
        r, c = (int(v) for v in shape)
        ok = r > 0 and c > 0 and (r, c) == tuple(shape)
    except (TypeError, ValueError):
        ok, r, c = False, 0, 0
    if not ok or r * c != n_columns:
        raise bad_value(
            "shape",
            f"(rows, cols) of an image with {n_columns} pixels (one per column of the design)",
            shape,
        )
    return r, c


def plot_selected_pixels(
    background: np.ndarray,
    selected: np.ndarray,
    shape: tuple[int, int],
    *,
    title: str = "",
    ax: Any = None,
    color: str = "tab:red",
) -> Any:
    """The background image in grey with the selected pixels marked in colour.

    Parameters
    ----------
    background : ndarray of shape (rows * cols,)
        E.g. the mean image of the training rows.
    selected : ndarray of shape (rows * cols,), bool
        The selected pixels.
    shape : (int, int)
        Image shape (row-major pixel order).
    title : str
        Axes title.
    ax : matplotlib Axes, optional
        Where to draw.
    color : str
        Colour of the selected pixels.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_selected_pixels(np.arange(4.0), np.array([1, 0, 0, 1], bool), (2, 2))
    >>> len(ax.images)
    2
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    if ax is None:
        _, ax = plt.subplots(figsize=(3.2, 3.2))
    img = np.asarray(background, dtype=np.float64).reshape(shape)
    ax.imshow(img, cmap="gray_r", alpha=0.45, interpolation="nearest")
    mask = np.ma.masked_where(~np.asarray(selected, bool).reshape(shape), np.ones(shape))
    ax.imshow(mask, cmap=ListedColormap([color]), vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_reconstructions(
    originals: np.ndarray,
    reconstructions: np.ndarray,
    shape: tuple[int, int],
    *,
    selected: np.ndarray | None = None,
    ncols: int = 3,
    title: str = "",
    vmin: float | None = None,
    vmax: float | None = None,
) -> np.ndarray:
    """Originals (left block) beside their reconstructions (right block), like the paper's
    Figure 6.

    Parameters
    ----------
    originals, reconstructions : ndarray of shape (m, rows * cols)
        The images, row-major.
    shape : (int, int)
        Image shape.
    selected : ndarray of shape (rows * cols,), bool, optional
        Selected pixels, outlined on the originals.
    ncols : int
        Images per row in each block.
    title : str
        Figure title.
    vmin, vmax : float, optional
        Grey scale limits (default: those of the originals).

    Returns
    -------
    ndarray of matplotlib Axes, shape (nrows, 2 * ncols)
        Left ``ncols`` columns: originals; right ``ncols``: reconstructions.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> X = np.random.default_rng(0).random((4, 9))
    >>> plot_reconstructions(X, X, (3, 3), ncols=2).shape
    (2, 4)
    """
    import matplotlib.pyplot as plt

    orig = np.asarray(originals, dtype=np.float64)
    rec = np.asarray(reconstructions, dtype=np.float64)
    if orig.ndim != 2 or rec.shape != orig.shape:
        raise bad_value("reconstructions", f"of the shape of the originals {orig.shape}", rec.shape)
    m = orig.shape[0]
    ncols = max(1, min(int(ncols), m))
    nrows = int(np.ceil(m / ncols))
    lo = float(orig.min()) if vmin is None else vmin
    hi = float(orig.max()) if vmax is None else vmax
    fig, axes = plt.subplots(
        nrows, 2 * ncols, figsize=(1.25 * 2 * ncols + 0.3, 1.25 * nrows + 0.5), squeeze=False
    )
    for k in range(nrows * ncols):
        r, c = divmod(k, ncols)
        for block, imgs in ((0, orig), (ncols, rec)):
            ax = axes[r, block + c]
            ax.set_xticks([])
            ax.set_yticks([])
            if k >= m:
                ax.axis("off")
                continue
            ax.imshow(imgs[k].reshape(shape), cmap="gray_r", vmin=lo, vmax=hi)
            if block == 0 and selected is not None:
                sel = np.asarray(selected, bool).reshape(shape)
                ys, xs = np.nonzero(sel)
                ax.scatter(xs, ys, s=1.5, c="tab:red", marker="s", linewidths=0)
    axes[0, 0].set_title("original", fontsize=9, loc="left")
    axes[0, ncols].set_title("reconstruction", fontsize=9, loc="left")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return axes
