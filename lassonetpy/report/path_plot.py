"""Plots of a path (coefficient paths, importance); matplotlib is imported inside functions.

Every function draws on ``ax`` (a new figure if None), returns the Axes and never calls
``plt.show()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import bad_value

__all__ = ["plot_path", "plot_importance", "path_x"]

_MAX_LABELS = 30  # label=True names at most this many lines (the largest at the line ends)


def path_x(path: Any, xvar: str) -> tuple[np.ndarray, str]:
    """x positions of the path points for ``xvar`` and the axis label.

    For ``"lambda"`` the positions are ``log(lambda)``; the dense fit (lambda = 0, which a
    log axis cannot show) sits one and a half grid steps left of the smallest positive
    lambda.

    Parameters
    ----------
    path : LassoNetPath
        The path.
    xvar : {"lambda", "norm", "dev"}
        Log lambda, L1 norm of the coefficients, or fraction of deviance explained.

    Returns
    -------
    x : ndarray of shape (L,)
    label : str
    """
    if xvar == "lambda":
        lam = np.asarray(path.lambdas, dtype=np.float64)
        pos = lam > 0
        x = np.zeros(len(lam))
        x[pos] = np.log(lam[pos])
        if pos.any() and (~pos).any():
            steps = np.diff(np.sort(x[pos]))
            gap = 1.5 * float(np.median(steps)) if len(steps) else 1.0
            x[~pos] = x[pos].min() - max(gap, 1e-3)
        return x, "log(Lambda)"
    if xvar == "norm":
        return np.abs(path.beta).sum(axis=(1, 2)), "L1 Norm"
    if xvar == "dev":
        return np.asarray(path.dev_ratio, dtype=np.float64), "Fraction Deviance Explained"
    raise bad_value("xvar", "'lambda', 'norm' or 'dev'", xvar)


def _axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _spread(y: np.ndarray, gap: float, lo: float, hi: float) -> np.ndarray:
    """Move label positions apart (at least ``gap``) within ``[lo, hi]``, keeping order."""
    order = np.argsort(y)
    out = np.clip(y[order].astype(np.float64), lo, hi)
    for k in range(1, len(out)):
        out[k] = max(out[k], out[k - 1] + gap)
    if len(out):
        out[-1] = min(out[-1], hi)
    for k in range(len(out) - 2, -1, -1):
        out[k] = min(out[k], out[k + 1] - gap)
    res = np.empty_like(out)
    res[order] = out
    return res


def _ticks(x: np.ndarray, min_dist: float, limit: int = 8) -> np.ndarray:
    """Indices of path points for the top axis: spread out, at most ``limit``."""
    chosen: list[int] = []
    for i in np.argsort(x):
        if not chosen or x[i] - x[chosen[-1]] >= min_dist:
            chosen.append(int(i))
    step = max(1, int(np.ceil(len(chosen) / limit)))
    return np.asarray(chosen[::step], dtype=int)


def plot_path(path: Any, xvar: str = "lambda", label: bool = False, ax: Any = None) -> Any:
    """Coefficient paths like glmnet's ``plot.glmnet``; see :meth:`LassoNetPath.plot`.

    One line per column, coloured by term (a factor's levels share a colour). For several
    outputs (multinomial, mgaussian) the line is the L2 norm of the column's coefficients
    over the outputs. The dense fit (lambda = 0) is joined to the path by dotted lines and
    marked by a dashed vertical line; it is drawn at the left edge for ``"lambda"``, and for
    ``"norm"`` it is moved next to the path when its norm is far larger. When the dense
    coefficients dwarf the penalised ones, the y axis is fitted to the penalised path and
    off-scale dense values are shown as triangles at the edge. The top axis shows the
    number of selected terms.

    Parameters
    ----------
    path : LassoNetPath
        The path.
    xvar : {"lambda", "norm", "dev"}
        See :func:`path_x`.
    label : bool
        Write column names at the line ends (left for ``"lambda"``, right otherwise); with
        more than 30 columns only the 30 largest there are named.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    x, xlabel = path_x(path, xvar)
    x = x.copy()
    ax = _axes(ax, (7.5, 4.8))
    beta = np.asarray(path.beta)
    multi = beta.shape[1] > 1
    coefs = np.linalg.norm(beta, axis=1) if multi else beta[:, 0, :]
    term_of = np.empty(coefs.shape[1], dtype=int)
    for t, g in enumerate(path.groups):
        term_of[list(g)] = t
    cmap = plt.get_cmap("tab10" if len(path.groups) <= 10 else "tab20")
    dense = len(x) > 2 and path.lambdas[0] == 0
    note = " dense\n (λ = 0)"
    if dense and xvar == "norm":
        rest = x[1:]
        span = float(rest.max() - rest.min()) or 1.0
        if x[0] > rest.max() + 0.5 * span:
            note += f"\n L1 = {x[0]:.3g}"
            x[0] = rest.max() + 0.15 * span
    ylim = None
    if dense:
        rest = coefs[1:]
        lo_p, hi_p = min(float(rest.min()), 0.0), max(float(rest.max()), 0.0)
        span = (hi_p - lo_p) or 1.0
        if coefs[0].min() < lo_p - span or coefs[0].max() > hi_p + span:
            ylim = (lo_p - 0.08 * span, hi_p + 0.08 * span)
            note += "\n (off scale: ▲▼)"
    for j in range(coefs.shape[1]):
        color = cmap(term_of[j] % cmap.N)
        if dense:
            ax.plot(x[:2], coefs[:2, j], color=color, lw=1, ls=":", alpha=0.8)
            ax.plot(x[1:], coefs[1:, j], color=color, lw=1.2, label=path.column_names[j])
        else:
            ax.plot(x, coefs[:, j], color=color, lw=1.2, label=path.column_names[j])
    ax.axhline(0.0, color="0.55", lw=0.7, zorder=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Coefficient norm over outputs" if multi else "Coefficients")
    lo, hi = float(x.min()), float(x.max())
    pad = 0.04 * (hi - lo if hi > lo else 1.0)
    room = 0.18 * (hi - lo) if label else 0.0
    ax.set_xlim(
        lo - pad - (room if xvar == "lambda" else 0.0),
        hi + pad + (room if xvar != "lambda" else 0.0),
    )
    if ylim is not None:
        ax.set_ylim(*ylim)
        for j, v in enumerate(coefs[0]):
            if not ylim[0] <= v <= ylim[1]:
                ax.plot(
                    x[0],
                    min(max(v, ylim[0]), ylim[1]),
                    marker="^" if v > 0 else "v",
                    ms=5,
                    color=cmap(term_of[j] % cmap.N),
                    clip_on=False,
                )
    if dense:
        ax.axvline(x[0], color="0.35", lw=0.8, ls="--", zorder=0)
        # along the dashed line, at the bottom: the column names (left of the line for
        # "lambda", at the other end otherwise) never run into it
        ax.text(
            x[0],
            0.02,
            " " + " ".join(note.split()).replace(") (", "), "),
            transform=ax.get_xaxis_transform(),
            rotation=90,
            ha="left",
            va="bottom",
            fontsize=7.5,
            color="0.3",
            zorder=5,
        )
    if label:
        end = int(np.argmin(x)) if xvar == "lambda" else int(np.argmax(x))
        y0, y1 = ax.get_ylim()
        cols = np.argsort(-np.abs(coefs[end]), kind="stable")[:_MAX_LABELS]
        gap = min(0.03, 0.92 / len(cols)) * (y1 - y0)
        ys = _spread(coefs[end, cols], gap, y0 + gap / 2, y1 - gap / 2)
        for j, yj in zip(cols, ys, strict=True):
            ax.text(
                x[end],
                yj,
                f" {path.column_names[j]} ",
                va="center",
                fontsize=7,
                ha="right" if xvar == "lambda" else "left",
                color=cmap(term_of[j] % cmap.N),
            )
    top = ax.twiny()
    top.set_xlim(ax.get_xlim())
    pick = _ticks(x, 0.07 * (ax.get_xlim()[1] - ax.get_xlim()[0]))
    top.set_xticks(x[pick])
    top.set_xticklabels([str(int(v)) for v in np.asarray(path.df)[pick]], fontsize=8)
    top.set_xlabel("Terms selected", fontsize=9)
    return ax


def plot_importance(path: Any, top: int | None = None, ax: Any = None) -> Any:
    """Horizontal bars of :meth:`LassoNetPath.importance` on a log lambda axis.

    Terms that never leave the path (e.g. ``penalty_factor = 0``) get a hatched bar running
    past the largest lambda, labelled "never dropped".

    Parameters
    ----------
    path : LassoNetPath
        The path.
    top : int, optional
        Only the ``top`` most important terms.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if top is not None and (
        isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1
    ):
        raise bad_value("top", "a positive integer or None", top)
    imp = path.importance()
    if top is not None:
        imp = imp.iloc[:top]
    ax = _axes(ax, (6.5, 1.2 + 0.28 * len(imp)))
    lam = np.asarray(path.lambdas, dtype=np.float64)
    lam_pos = lam[lam > 0]
    base = float(lam_pos.min()) / 2 if len(lam_pos) else 1e-3
    cap = float(lam_pos.max()) * 2.5 if len(lam_pos) else 1.0
    vals = imp.to_numpy(dtype=np.float64)
    never = ~np.isfinite(vals)
    right = np.where(never, cap, vals)
    y = np.arange(len(imp))
    bars = ax.barh(y, right - base, left=base, color=np.where(never, "C1", "C0"), height=0.7)
    for b, nv in zip(bars, never, strict=True):
        if nv:
            b.set_hatch("//")
            ax.text(
                cap,
                b.get_y() + b.get_height() / 2,
                " never dropped",
                va="center",
                ha="right",
                fontsize=7,
                color="white",
            )
    ax.set_xscale("log")
    ax.set_yticks(y)
    ax.set_yticklabels([str(t) for t in imp.index], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(base, cap * 1.05)
    ax.set_xlabel("Lambda at which the term leaves the path (log scale)")
    ax.set_title("Term importance", fontsize=10)
    return ax
