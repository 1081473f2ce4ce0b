"""Text reports of a path: glmnet's ``print`` table and a ``summary``; pure functions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["format_path", "format_summary", "PathSummary", "format_lambda"]


def format_lambda(lam: float) -> str:
    """A lambda with 4 significant digits, as glmnet's ``signif(lambda, 4)`` prints it.

    Parameters
    ----------
    lam : float
        The value.

    Returns
    -------
    str

    Examples
    --------
    >>> format_lambda(0.0), format_lambda(1156.117), format_lambda(0.048712)
    ('0', '1156', '0.04871')
    """
    return f"{lam:.4g}"


def _pct_label(path: Any) -> str:
    """``%Var`` for the unsupervised path (the deviance is the reconstruction's RSS), else
    glmnet's ``%Dev``."""
    return "%Var" if path.family == "reconstruction" else "%Dev"


def format_path(path: Any) -> str:
    """The ``Call:`` line and the table ``Df  %Dev  Lambda``, one row per lambda.

    Row labels are path indices (``s<i>`` in ``coef``/``predict``); row 0 is the dense fit.
    ``Df`` counts selected terms, ``%Dev`` is ``round(100 * dev_ratio, 2)``; a ``*`` marks
    lambdas that hit the epoch limit before converging.

    Parameters
    ----------
    path : LassoNetPath
        The path to print.

    Returns
    -------
    str
    """
    idx = [str(i) for i in range(len(path))]
    lam = [format_lambda(v) for v in path.lambdas]
    dev = [f"{round(100 * v, 2) + 0.0:.2f}" for v in path.dev_ratio]
    df = [str(int(v)) for v in path.df]
    pct = _pct_label(path)
    w0, w1, w2, w3 = (
        max(len(x) for x in col) for col in (idx, df + ["Df"], dev + [pct], lam + ["Lambda"])
    )
    head = f"{'':>{w0}}  {'Df':>{w1}}  {pct:>{w2}}  {'Lambda':>{w3}}"
    lines = [f"Call: {path.call}", "", head]
    for i, row in enumerate(zip(idx, df, dev, lam, strict=True)):
        mark = "" if path.converged[i] else " *"
        lines.append(f"{row[0]:>{w0}}  {row[1]:>{w1}}  {row[2]:>{w2}}  {row[3]:>{w3}}{mark}")
    lines += [
        "",
        f"Df: terms selected (of {len(path.term_names)}); row 0 is the dense fit (lambda = 0).",
    ]
    if pct == "%Var":
        lines.append("%Var: variance of the standardised columns explained by the reconstruction.")
    if not path.converged.all():
        lines.append(
            f"*: not converged ({int((~path.converged).sum())} of {len(path)}): the epoch limit "
            "came before the optimality test of `tol` (raise max_epochs or tol)."
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class PathSummary:
    """What :meth:`LassoNetPath.summary` reports; prints as text.

    Attributes
    ----------
    text : str
        The whole report.
    table : pandas.DataFrame
        Selected terms at a few points of the path: ``point``, ``index``, ``lambda``,
        ``df``, ``pct_dev`` and ``terms`` (a list of names).
    """

    text: str
    table: pd.DataFrame

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


def _names(names: list[str], total: int, width: int = 60) -> str:
    if len(names) == total and total > 1:
        return f"(all {total})"
    if not names:
        return "(none)"
    out = ""
    for k, nm in enumerate(names):
        more = f", ... (+{len(names) - k})"
        if len(out) + len(nm) + 2 > width - len(more):
            return out + more
        out = nm if not out else out + ", " + nm
    return out


def _points(path: Any) -> list[tuple[str, int]]:
    df, n_terms = path.df, len(path.term_names)
    pts = [("dense", 0)]
    drop = np.flatnonzero(df < df[0])
    if len(drop):
        pts.append(("first drop", int(drop[0])))
    half = np.flatnonzero(df <= n_terms / 2)
    if len(half) and n_terms > 1:
        pts.append(("about half", int(half[0])))
    some = np.flatnonzero(df > 0)
    if len(some):
        pts.append(("last non-empty", int(some[-1])))
    out: list[tuple[str, int]] = []
    for name, i in pts:
        if i not in [j for _, j in out]:
            out.append((name, i))
    return sorted(out, key=lambda p: p[1])


def format_summary(path: Any) -> PathSummary:
    """Build the :class:`PathSummary` of a path.

    Parameters
    ----------
    path : LassoNetPath
        The path to describe.

    Returns
    -------
    PathSummary
    """
    n_terms, n_cols = len(path.term_names), len(path.column_names)
    selected = path.nonzero()
    rows = [
        {
            "point": name,
            "index": i,
            "lambda": float(path.lambdas[i]),
            "df": int(path.df[i]),
            "pct_dev": round(100 * float(path.dev_ratio[i]), 2),
            "terms": selected[i],
        }
        for name, i in _points(path)
    ]
    table = pd.DataFrame(rows, columns=["point", "index", "lambda", "df", "pct_dev", "terms"])
    st = path.settings
    hidden = tuple(st.get("hidden", ()))
    lam_pos = path.lambdas[path.lambdas > 0]
    lines = [f"LassoNet path, family {path.family!r}", f"Call: {path.call}", ""]
    na = f" ({path.n_dropped} dropped for missing values)" if path.n_dropped else ""
    lines.append(f"Observations:  {path.n_obs}{na}")
    lines.append(f"Predictors:    {n_cols} columns in {n_terms} terms")
    if path.classes is not None:
        lines.append(f"Classes:       {_names([str(c) for c in path.classes], -1)}")
    net = f"hidden={hidden}"
    if st.get("body") is not None:  # a user's module (first layer of width hidden[0])
        net = f"body={type(st['body']).__name__} (first layer {hidden[0]} units)"
    lines.append(f"Network:       {net}, M={st.get('M', float('nan')):g}")
    rng = (
        f"from 0 (dense) to {format_lambda(lam_pos.max())}"
        if len(lam_pos)
        else "the dense fit only"
    )
    lines.append(f"Path:          {len(path)} lambdas, {rng}")
    pf_zero = [t for t, imp in path.importance().items() if math.isinf(imp)]
    if pf_zero:
        lines.append(f"Never dropped: {_names(pf_zero, -1)}")
    lines += ["", "Selected terms along the path:"]
    w = max(len(r["point"]) for r in rows)
    lines.append(f"  {'':<{w}}  {'s':>4}  {'Lambda':>8}  {'Df':>4}  {_pct_label(path):>6}  Terms")
    for r in rows:
        lines.append(
            f"  {r['point']:<{w}}  {r['index']:>4}  {format_lambda(r['lambda']):>8}  "
            f"{r['df']:>4}  {r['pct_dev']:>6.2f}  {_names(r['terms'], n_terms)}"
        )
    tm = path.timing
    conv = path.converged
    state = (
        f"all {len(conv)} path points converged"
        if conv.all()
        else f"NOT CONVERGED at {int((~conv).sum())} of {len(conv)} path points "
        f"(indices {np.flatnonzero(~conv)[:10].tolist()}"
        f"{', ...' if (~conv).sum() > 10 else ''}; 0 is the dense fit)"
    )
    threads = int(getattr(path, "threads", 1))
    tol = st.get("tol")
    lines += [
        "",
        f"Training:      {tm.get('total', float('nan')):.2f} s on {threads} thread"
        f"{'' if threads == 1 else 's'} (dense fit {tm.get('dense', float('nan')):.2f} s), "
        f"{int(path.epochs.sum())} epochs ({int(path.epochs[0])} dense)",
        f"Convergence:   {state}" + (f", tol={tol:g}" if isinstance(tol, (int, float)) else ""),
    ]
    return PathSummary(text="\n".join(lines), table=table)
