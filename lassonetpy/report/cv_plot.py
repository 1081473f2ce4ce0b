"""The cross-validation curve plot, like glmnet's ``plot.cv.glmnet``.

matplotlib is imported only inside :func:`plot_cv`; the function never calls ``plt.show()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import bad_value
from .measures import _Text

__all__ = ["plot_cv"]


def _dense_position(log_pos: np.ndarray) -> float:
    """Where the dense fit (lambda = 0) is drawn on the log-lambda axis: just left of the rest."""
    if log_pos.size == 0:
        return 0.0
    span = float(log_pos.max() - log_pos.min())
    step = float(np.median(np.diff(np.sort(log_pos)))) if log_pos.size > 1 else 0.0
    gap = max(3.0 * step, 0.05 * span)
    return float(log_pos.min() - (gap if gap > 0 else 1.0))


def _thin(x: np.ndarray, min_gap: float) -> np.ndarray:
    """Indices of ``x`` (any order) keeping labels at least ``min_gap`` apart, greedy in x."""
    order = np.argsort(x, kind="stable")
    keep: list[int] = []
    last = -np.inf
    for i in order:
        if x[i] - last >= min_gap:
            keep.append(int(i))
            last = x[i]
    return np.asarray(keep, dtype=np.intp)


def plot_cv(
    lambdas: Any,
    cvm: Any,
    cvsd: Any,
    nzero: Any,
    lambda_min: float,
    lambda_1se: float,
    *,
    measure_name: str,
    ax: Any = None,
    sign_lambda: int = 1,
) -> Any:
    """Plot a CV curve with error bars against log(lambda), as ``plot.cv.glmnet``.

    Red points at ``cvm`` with grey error bars from ``cvlo = cvm - cvsd`` to
    ``cvup = cvm + cvsd``, the number of selected features (``nzero``) along the top axis, and
    dotted vertical lines at ``lambda_min`` and ``lambda_1se``.

    **The dense fit.** LassoNet paths start at lambda = 0, which has no place on a log axis. It
    is drawn anyway, as a hollow red diamond with its error bar, one gap beyond the smallest
    positive lambda (on the left; on the right when ``sign_lambda=-1``), marked "λ=0" at the
    bottom of the plot. The gap (3 grid steps, at least 5% of the log-lambda range) is not to
    scale. When the dense fit is chosen, the dotted line for ``lambda_min`` / ``lambda_1se``
    goes through it.

    Parameters
    ----------
    lambdas : array_like, shape (L,)
        Lambda values (>= 0; any order).
    cvm, cvsd : array_like, shape (L,)
        Mean CV error and its standard error (:func:`lassonetpy.report.cv_stats.cv_summary`). NaN
        points are not drawn.
    nzero : array_like of int, shape (L,)
        Number of selected features (or terms) at each lambda, on the full-data path.
    lambda_min, lambda_1se : float
        The chosen lambdas (:func:`lassonetpy.report.cv_stats.choose_lambda`).
    measure_name : str
        The y-axis label, e.g. ``"Binomial Deviance"``
        (:func:`lassonetpy.report.measures.measure_name`).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made if omitted.
    sign_lambda : {1, -1}, default 1
        Plot against ``sign_lambda * log(lambda)`` (glmnet's ``sign.lambda``); -1 puts the
        sparse models on the left and labels the axis "-log(Lambda)".

    Returns
    -------
    matplotlib.axes.Axes
        The axes. The top axis (nzero labels) is ``ax.child_axes[0]``; the two vertical lines
        have gids ``"lambda_min"`` and ``"lambda_1se"``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> lam = np.array([0.0, 0.01, 0.02, 0.04, 0.08])
    >>> ax = plot_cv(lam, [1.2, 1.0, 0.95, 1.05, 1.6], [0.1] * 5, [20, 12, 8, 4, 1],
    ...              0.02, 0.04, measure_name="Mean-Squared Error")
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('log(Lambda)', 'Mean-Squared Error')
    >>> sorted(line.get_gid() for line in ax.lines if line.get_gid())
    ['lambda_1se', 'lambda_min']
    """
    lam = np.asarray(lambdas, dtype=np.float64)
    if lam.ndim != 1 or lam.size == 0:
        raise bad_value("lambdas", "a non-empty 1-D array", _Text(f"shape {lam.shape}"))
    if not np.isfinite(lam).all() or (lam < 0).any():
        raise bad_value("lambdas", "finite values >= 0", lam)
    arrays = {}
    for name, v in (("cvm", cvm), ("cvsd", cvsd), ("nzero", nzero)):
        a = np.asarray(v, dtype=np.float64)
        if a.shape != lam.shape:
            raise bad_value(
                name, f"an array of shape {lam.shape} like `lambdas`", _Text(f"shape {a.shape}")
            )
        arrays[name] = a
    m, sd, nz = arrays["cvm"], arrays["cvsd"], arrays["nzero"]
    if sign_lambda not in (1, -1):
        raise bad_value("sign_lambda", "1 or -1", sign_lambda)
    for name, v in (("lambda_min", lambda_min), ("lambda_1se", lambda_1se)):
        if not (isinstance(v, (int, float, np.number)) and np.isfinite(v) and v >= 0):
            raise bad_value(name, "a finite number >= 0", v)

    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.4, 4.8))

    pos = lam > 0
    log_pos = np.log(lam[pos])
    x0 = _dense_position(log_pos)

    def to_x(v: np.ndarray | float) -> np.ndarray:
        v = np.asarray(v, dtype=np.float64)
        with np.errstate(divide="ignore"):
            return sign_lambda * np.where(v > 0, np.log(np.where(v > 0, v, 1.0)), x0)

    x = to_x(lam)
    draw = ~np.isnan(m)
    sd0 = np.where(np.isnan(sd), 0.0, sd)
    ax.errorbar(
        x[draw],
        m[draw],
        yerr=sd0[draw],
        fmt="none",
        ecolor="darkgrey",
        elinewidth=1.0,
        capsize=2.0,
        zorder=1,
    )
    reg = draw & pos
    ax.scatter(x[reg], m[reg], s=14, color="red", zorder=2, label="cvm")
    dense = draw & ~pos
    if dense.any():
        ax.scatter(
            x[dense],
            m[dense],
            s=30,
            marker="D",
            facecolors="white",
            edgecolors="red",
            linewidths=1.2,
            zorder=3,
            label="dense fit (λ=0)",
        )
        ax.annotate(
            "λ=0",
            xy=(sign_lambda * x0, 0.0),
            xycoords=ax.get_xaxis_transform(),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize="small",
            color="0.35",
        )

    ax.axvline(
        float(to_x(lambda_min)), linestyle=":", color="black", linewidth=1.0, gid="lambda_min"
    )
    ax.axvline(
        float(to_x(lambda_1se)), linestyle=":", color="black", linewidth=1.0, gid="lambda_1se"
    )

    span = float(np.ptp(x)) if x.size > 1 else 1.0
    keep = _thin(x, span / 25.0)
    top = ax.secondary_xaxis("top")
    top.set_xticks(x[keep], labels=[str(int(round(v))) if np.isfinite(v) else "" for v in nz[keep]])
    top.tick_params(axis="x", length=0, labelsize="small")

    ax.set_xlabel("-log(Lambda)" if sign_lambda < 0 else "log(Lambda)")
    ax.set_ylabel(measure_name)
    return ax
