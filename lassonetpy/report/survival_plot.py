"""Survival curves beside Kaplan-Meier curves (matplotlib, imported lazily; no ``plt.show()``).

The Kaplan-Meier estimate is statsmodels' ``SurvfuncRight`` (a maintained implementation, in
the package's dependencies); this module only draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["kaplan_meier", "plot_curves"]


def kaplan_meier(time: Any, status: Any) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier survival as a step function: times (starting at 0) and survival.

    Examples
    --------
    >>> t, s = kaplan_meier([1.0, 2.0, 2.0, 3.0], [1, 1, 0, 1])
    >>> t.tolist(), s.round(3).tolist()
    ([0.0, 1.0, 2.0, 3.0], [1.0, 0.75, 0.5, 0.0])
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    t = np.asarray(time, dtype=np.float64)
    d = np.asarray(status, dtype=np.float64)
    if not (d > 0).any():  # no event: survival stays at 1
        return np.array([0.0, float(t.max()) if t.size else 0.0]), np.array([1.0, 1.0])
    sf = SurvfuncRight(t, d)
    return np.r_[0.0, sf.surv_times], np.r_[1.0, sf.surv_prob]


def plot_curves(
    grid: np.ndarray,
    curves: np.ndarray,
    labels: list[str],
    kms: list[tuple[np.ndarray, np.ndarray]],
    km_labels: list[str],
    *,
    title: str = "",
    ax: Any = None,
) -> Any:
    """Predicted survival curves (solid steps) and Kaplan-Meier curves (dashed, same colour).

    Parameters
    ----------
    grid : ndarray of shape (T,)
        Times of the predicted curves (they change only at the fit's event times).
    curves : ndarray of shape (G, T)
        One predicted curve per group (or row).
    labels : list of str
        Legend labels of the curves.
    kms : list of (times, survival)
        Kaplan-Meier step functions (one per group, or one for all rows); may be empty.
    km_labels : list of str
        Their labels.
    title : str
        Axes title.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_curves(np.array([0.0, 1.0, 2.0]), np.array([[1.0, 0.8, 0.5]]), ["all"],
    ...                  [kaplan_meier([1.0, 2.0], [1, 1])], ["all"])
    >>> len(ax.lines), ax.get_ylabel()
    (2, 'Survival probability')
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2))
    colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    one_km = len(kms) == 1 and len(curves) > 1
    for k, (c, lab) in enumerate(zip(curves, labels)):
        ax.step(grid, c, where="post", color=colors[k % len(colors)], lw=1.6, label=f"{lab}")
    for k, ((t, s), lab) in enumerate(zip(kms, km_labels)):
        color = "black" if one_km else colors[k % len(colors)]
        ax.step(t, s, where="post", color=color, ls="--", lw=1.1, label=f"{lab} (Kaplan-Meier)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel("Time")
    ax.set_ylabel("Survival probability")
    if title:
        ax.set_title(title, fontsize=10)
    if len(curves) + len(kms) <= 12:
        ax.legend(fontsize=8, frameon=False)
    return ax
