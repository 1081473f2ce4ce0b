"""Plot of a LassoNet matrix completion: validation error against the number of columns used.

No torch, no engine; matplotlib is imported inside, the Axes returned, ``plt.show()`` never
called.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["plot_completion_error"]


def plot_completion_error(
    n_columns: np.ndarray,
    error: np.ndarray,
    best: int,
    *,
    reference: dict[str, float] | None = None,
    ax: Any = None,
) -> Any:
    """Validation error of the completion from each path point against its number of
    input columns (the paper's Figure 10, right).

    Parameters
    ----------
    n_columns : ndarray of shape (L,)
        Columns each completion needs.
    error : ndarray of shape (L,)
        Validation error of each completion.
    best : int
        Index of the chosen point (marked).
    reference : dict, optional
        Horizontal reference lines ``{label: error}`` (e.g. column means).
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_completion_error(np.array([5, 3, 1]), np.array([0.2, 0.3, 0.6]), 0)
    >>> ax.get_xlabel()
    'Columns used by the completion'
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8))
    k = np.asarray(n_columns, dtype=np.float64)
    e = np.asarray(error, dtype=np.float64)
    ax.plot(k, e, "o-", ms=3, lw=1, color="tab:red", label="LassoNet completion (path)")
    ax.plot(
        [k[best]],
        [e[best]],
        "D",
        ms=8,
        mfc="none",
        color="black",
        label=f"chosen: {int(k[best])} columns",
    )
    for (label, v), style in zip((reference or {}).items(), ("--", ":", "-.", "--"), strict=False):
        ax.axhline(v, ls=style, color="0.4", lw=1)
        ax.text(ax.get_xlim()[1], v, f" {label}", va="bottom", ha="right", fontsize=8, color="0.3")
    ax.set_xlabel("Columns used by the completion")
    ax.set_ylabel("Validation MSE (standardised)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    return ax
