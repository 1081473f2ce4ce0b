"""The "importance" view of a path: every term's exit is visible, labelled, marked.

The skip coefficients of a LassoNet shrink long before a term leaves while the network
still uses it, so a coefficient plot squeezes most curves into a flat band at zero. Here
each term's whole first-layer footprint ``||theta_g|| + ||W0_g||`` (from
:meth:`LassoNetPath.footprint`) is divided by its largest value on the path, so every
curve runs from about 1 down to 0 where the term leaves. A marker on the x axis shows
where each term leaves (the lambda of :meth:`LassoNetPath.importance`), and the names of
the labelled terms stand above the plot at their exit, spread apart so that none overlaps,
with a leader line down to the exit.

matplotlib is imported inside the functions; nothing here calls ``plt.show()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import bad_value

__all__ = ["plot_exits", "exit_indices", "spread"]

_AUTO_ALL = 20  # label=True names every term up to this many, else the last _AUTO_LAST
_AUTO_LAST = 10


def exit_indices(term_selected: np.ndarray) -> np.ndarray:
    """Path index at which each term first leaves (-1: never), as ``importance()`` reads it.

    Parameters
    ----------
    term_selected : ndarray of shape (L, T), bool
        Selected terms at each path point.

    Returns
    -------
    ndarray of int, shape (T,)

    Examples
    --------
    >>> exit_indices(np.array([[1, 1, 1], [1, 0, 1], [0, 0, 1]], dtype=bool)).tolist()
    [2, 1, -1]
    """
    ts = np.asarray(term_selected, dtype=bool)
    out = np.full(ts.shape[1], -1)
    current = ts[0].copy()
    for i in range(1, ts.shape[0]):
        gone = current & ~ts[i]
        out[gone] = i
        current &= ts[i]
    return out


def spread(pos: np.ndarray, gap: float, lo: float, hi: float) -> np.ndarray:
    """Move positions apart to at least ``gap`` within ``[lo, hi]``, keeping their order.

    Positions already ``gap`` apart do not move; a crowded run is pushed out evenly.

    Parameters
    ----------
    pos : ndarray of shape (k,)
        Wanted positions.
    gap : float
        Smallest distance between neighbours (``(hi - lo) >= (k - 1) * gap`` for a
        solution).
    lo, hi : float
        Bounds.

    Returns
    -------
    ndarray of shape (k,)

    Examples
    --------
    >>> spread(np.array([0.5, 0.5, 0.9]), 0.1, 0.0, 1.0).round(2).tolist()
    [0.45, 0.55, 0.9]
    """
    order = np.argsort(pos, kind="stable")
    want = np.clip(np.asarray(pos, dtype=np.float64)[order], lo, hi)
    k = len(want)
    if k == 0:
        return want
    # minimise sum (y - want)^2 with y[i+1] - y[i] >= gap: shift by i * gap, then an
    # isotonic (pool-adjacent-violators) fit of want - i * gap, clipped to the bounds
    base = want - gap * np.arange(k)
    blocks: list[list[float]] = []  # [mean, size]
    for v in base:
        blocks.append([v, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, n2 = blocks.pop()
            m1, n1 = blocks.pop()
            blocks.append([(m1 * n1 + m2 * n2) / (n1 + n2), n1 + n2])
    fit = np.concatenate([np.full(int(n), m) for m, n in blocks])
    fit = np.clip(fit, lo, hi - gap * (k - 1)) if hi - lo >= gap * (k - 1) else fit
    out = np.empty(k)
    out[order] = fit + gap * np.arange(k)
    return out


def _which_labels(exits: np.ndarray, leave_lambda: np.ndarray, label: Any) -> np.ndarray:
    """Terms to name: all (few terms) or the last ``k`` to leave (never-leaving ones first)."""
    T = len(exits)
    if label is False or label is None:
        return np.zeros(0, dtype=int)
    if label is True:
        k = T if T <= _AUTO_ALL else _AUTO_LAST
    elif isinstance(label, (int, np.integer)) and label >= 0:
        k = min(int(label), T)
    else:
        raise bad_value("label", "True, False or the number of terms to name", label)
    key = np.where(exits < 0, np.inf, leave_lambda)
    return np.argsort(-key, kind="stable")[:k]


def _palette(plt: Any) -> list[Any]:
    """Distinct colours without grey (grey is for the unnamed terms): tab10, then tab20's
    light shades."""
    tab10 = [c for i, c in enumerate(plt.get_cmap("tab10").colors) if i != 7]
    light = [c for i, c in enumerate(plt.get_cmap("tab20").colors) if i % 2 and i != 15]
    return tab10 + light


def plot_exits(path: Any, xvar: str = "lambda", label: Any = True, ax: Any = None) -> Any:
    """Relative first-layer footprint of every term, exits marked and named.

    See :meth:`LassoNetPath.plot` with ``yvar="importance"``.

    Parameters
    ----------
    path : LassoNetPath
        The path.
    xvar : {"lambda", "norm", "dev"}
        x axis, as for the coefficient plot.
    label : bool or int
        Name the terms above the plot at their exits: True names all terms when there are
        at most 20, else the 10 that leave last; an integer ``k`` names the last ``k``.
        Unnamed terms are drawn in grey.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
        Exit markers are lines labelled ``"_exit:<term>"``; the names are annotations
        with gid ``"label:<term>"``.
    """
    import matplotlib.pyplot as plt

    from .path_plot import _axes, path_x

    x, xlabel = path_x(path, xvar)
    x = np.asarray(x, dtype=np.float64).copy()
    fp = np.asarray(path.footprint().to_numpy(), dtype=np.float64)  # (L, T)
    lam = np.asarray(path.lambdas, dtype=np.float64)
    dense = len(x) > 2 and lam[0] == 0
    # each term as a share of its largest value on the penalised path (the dense fit can be
    # far larger: its segment is clipped at 1)
    top = fp[1:].max(axis=0) if dense else fp.max(axis=0)
    rel = fp / np.where(top > 0, top, 1.0)
    ts = np.asarray(path.term_selected, dtype=bool)
    exits = exit_indices(ts)
    leave = np.where(exits >= 0, lam[np.maximum(exits, 0)], np.inf)
    names = list(path.term_names)
    T = len(names)
    named = _which_labels(exits, leave, label)
    ax = _axes(ax, (7.5, 5.2))
    fig = ax.figure
    cmap = plt.get_cmap("tab10" if len(named) <= 10 else "tab20")
    colour = {
        int(t): cmap(r % cmap.N) for r, t in enumerate(sorted(named, key=lambda t: -leave[t]))
    }
    dense = len(x) > 2 and lam[0] == 0
    lo, hi = float(x.min()), float(x.max())
    pad = 0.03 * (hi - lo if hi > lo else 1.0)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(-0.04, 1.06)
    for t in range(T):
        c = colour.get(t, "0.72")
        lw, z = (1.4, 3) if t in colour else (0.8, 2)
        end = exits[t] if exits[t] >= 0 else len(x) - 1
        seg = slice(1 if dense else 0, end + 1)
        ax.plot(x[seg], rel[seg, t], color=c, lw=lw, zorder=z)
        if dense:
            ax.plot(x[:2], np.minimum(rel[:2, t], 1.0), color=c, lw=0.8, ls=":", zorder=z)
        if exits[t] >= 0:
            ax.plot(
                [x[exits[t]]],
                [0.0],
                marker="|" if t not in colour else "o",
                ms=9 if t not in colour else 5,
                mew=1.2,
                color=c,
                ls="none",
                zorder=z + 2,
                clip_on=False,
                label=f"_exit:{names[t]}",
            )
    ax.axhline(0.0, color="0.55", lw=0.7, zorder=0)
    if dense:
        ax.axvline(x[0], color="0.35", lw=0.8, ls="--", zorder=0)
        ax.text(
            x[0],
            0.04,
            " dense fit (λ = 0)",
            transform=ax.get_xaxis_transform(),
            rotation=90,
            ha="left",
            va="bottom",
            fontsize=7.5,
            color="0.3",
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("First-layer footprint ‖θ_g‖ + ‖W0_g‖ (share of its largest)")
    if len(named):
        _name_exits(ax, fig, x, exits, named, names, colour)
    return ax


def _name_exits(
    ax: Any,
    fig: Any,
    x: np.ndarray,
    exits: np.ndarray,
    named: np.ndarray,
    names: list[str],
    colour: dict[int, Any],
) -> None:
    """Names in a band above the curves at their exits (never-leaving terms at the right end).

    The band is inside the axes (titles and layout managers see nothing unusual): its
    height is measured from the longest name, and the names are spread along x so that
    neighbours are at least one line height apart.
    """
    x0, x1 = ax.get_xlim()
    where = np.array([x[exits[t]] if exits[t] >= 0 else x[-1] for t in named])
    frac = (where - x0) / (x1 - x0)
    fig.canvas.draw()  # final geometry (layout managers act at draw time)
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    px_per_pt = fig.dpi / 72.0
    fontsize = 7.5
    gap = 1.3 * fontsize * px_per_pt / max(box.width, 1.0)
    if gap * (len(named) - 1) > 0.98:  # too many names: smaller type, then drop the earliest
        fontsize = max(5.0, fontsize * 0.98 / (gap * (len(named) - 1)))
        gap = 1.3 * fontsize * px_per_pt / max(box.width, 1.0)
        keep = max(1, int(0.98 / gap) + 1)
        named, frac = named[:keep], frac[:keep]
    pos = spread(frac, gap, gap / 2, 1 - gap / 2)
    texts = [names[t] + (" (never leaves)" if exits[t] < 0 else "") for t in named]
    probe = ax.text(0, 0, max(texts, key=len), fontsize=fontsize, rotation=90)
    longest = probe.get_window_extent(renderer).height
    probe.remove()
    base, bottom = 1.08, -0.04
    # a margin: a title or a colour bar added later makes the axes (and the band) shorter
    r = min(1.15 * (longest + 8.0) / max(box.height, 1.0), 0.6)
    top = (base - bottom * r) / (1.0 - r)
    ax.set_ylim(bottom, top)
    ax.set_yticks(np.linspace(0.0, 1.0, 6))
    for t, p, w, text in zip(named, pos, frac, texts, strict=True):
        c = colour[int(t)]
        xt = x0 + p * (x1 - x0)
        xe = x0 + w * (x1 - x0)
        ax.plot([xe, xe], [0.0, 1.0], color=c, lw=0.6, ls=":", zorder=1)
        ann = ax.annotate(
            text,
            xy=(xe, 1.0),
            xytext=(xt, base),
            rotation=90,
            ha="center",
            va="bottom",
            fontsize=fontsize,
            color=c,
            arrowprops={"arrowstyle": "-", "color": c, "lw": 0.6, "shrinkA": 0, "shrinkB": 0},
            gid=f"label:{names[t]}",
        )
        ann.set_clip_on(False)  # never cut a name at the frame
