"""The unsupervised path's extras (the paper's Section 6): prediction from the measured columns
only, the selected pixels of image data, and originals beside their reconstructions.

``lassonet("~ .", data)`` (or ``lassonet(X=X)`` without ``y``) fits family ``reconstruction``:
a decoder reconstructs every standardised column of the design from the selected ones, each
input's skip weights over all outputs forming one group (Group-Hier-Prox), so that the same
columns serve every output. The result is an ordinary :class:`~lassonetpy.LassoNetPath`; this
module holds what :class:`~lassonetpy.LassoNetPath` delegates to for it.

Factor columns: a factor of the formula is one input term (its dummy columns enter and leave
together) and its dummy columns are outputs, reconstructed by least squares on the standardised
0/1 indicators (a linear-probability reconstruction; ``predict`` returns them as numbers).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .errors import InputTypeError, bad_value
from .report import image_plot

__all__ = ["fill_unselected", "plot_selected", "plot_reconstruction"]


def fill_unselected(path: Any, newdata: Any, idx: list[int]) -> Any:
    """``newdata`` with the columns that no requested fit uses added, if they are absent.

    A reconstruction from ``k`` columns needs only those columns: the others have zero
    weights in the fits ``idx``, so any value does (column means; a factor's first level).
    Only plain columns of the data (formula terms that are column names) are filled.
    """
    if not isinstance(newdata, pd.DataFrame):
        return newdata
    used = path.term_selected[idx].any(axis=0)
    if path.design is None:
        names = list(path.column_names)
        need = {names[j] for g, on in zip(path.groups, used, strict=True) if on for j in g}
        absent = [c for c in names if c not in newdata.columns]
        if not absent or set(absent) & need:
            return newdata
        means = dict(zip(names, path._result.x_center, strict=True))
        return newdata.assign(**{c: means[c] for c in absent})
    spec = path.design
    plain = {t[0][0]: k for k, t in enumerate(spec.terms) if len(t) == 1 and t[0][1] == "lookup"}
    term_index = {name: k for k, name in enumerate(spec.term_names)}
    absent = [v for v in spec.variables if v not in newdata.columns]
    fill: dict[str, Any] = {}
    for v in absent:
        k = plain.get(v)
        if k is None or str(spec.terms[k][0][0]) not in term_index:
            return newdata  # transformed or excluded: let the formula report it
        if used[term_index[spec.terms[k][0][0]]]:
            return newdata  # a selected column is missing: the formula says which
        levels = spec.factor_levels.get(v)
        if levels is not None:
            fill[v] = pd.Categorical([levels[0]] * len(newdata), categories=levels)
        else:
            cols = [j for j, c in enumerate(path.column_names) if c == v]
            fill[v] = float(path._result.x_center[cols[0]]) if cols else 0.0
    return newdata.assign(**fill)


def _one_fit(path: Any, s: Any, df: Any) -> int:
    idx, scalar = path._indices(s, df)
    if not scalar or len(idx) != 1:
        raise bad_value("s` / `df", "one lambda or one number of terms", s if df is None else df)
    return idx[0]


def plot_selected(path: Any, s: Any, df: Any, shape: Any, ax: Any, color: str) -> Any:
    """:meth:`LassoNetPath.plot_selected` (documented there)."""
    i = _one_fit(path, s, df)
    shp = image_plot.check_shape(shape, len(path.column_names))
    k = int(path.n_features[i])
    title = f"{k} selected pixel{'s' * (k != 1)} (lambda = {path.lambdas[i]:.3g})"
    r = path._result
    # the mean image: the reconstruction's column means (also without standardisation)
    mean = np.asarray(r.response.center) if path.family == "reconstruction" else r.x_center
    return image_plot.plot_selected_pixels(
        np.broadcast_to(mean, r.x_center.shape), path.selected[i], shp, title=title, ax=ax,
        color=color,
    )  # fmt: skip


def plot_reconstruction(
    path: Any,
    newdata: Any,
    s: Any,
    df: Any,
    shape: Any,
    ncols: int,
    show_selected: bool,
    predictor: Any = None,
) -> np.ndarray:
    """:meth:`LassoNetPath.plot_reconstruction` (documented there); ``predictor`` (e.g. a
    RelaxedFit of the path) predicts instead of the path."""
    if path.family != "reconstruction":
        raise bad_value(
            "path",
            "an unsupervised path (family 'reconstruction', from lassonet('~ .', data))",
            path.family,
        )
    i = _one_fit(path, s, df)
    shp = image_plot.check_shape(shape, len(path.column_names))
    if isinstance(newdata, pd.DataFrame):
        orig = newdata[list(path.column_names)].to_numpy(dtype=np.float64)
    else:
        try:
            orig = np.asarray(newdata, dtype=np.float64)
        except (TypeError, ValueError):
            raise bad_value("newdata", "numeric images", newdata, cls=InputTypeError) from None
    if orig.ndim != 2 or orig.shape[1] != len(path.column_names):
        raise bad_value(
            "newdata", f"images of {len(path.column_names)} pixels, one per row", orig.shape
        )
    by = path if predictor is None else predictor
    pred = by.predict(newdata if isinstance(newdata, pd.DataFrame) else orig, s=path.lambdas[i])
    rec = np.asarray(pred, dtype=np.float64)
    k = int(path.n_features[i])
    return image_plot.plot_reconstructions(
        orig,
        np.clip(rec, orig.min(), orig.max()),
        shp,
        selected=path.selected[i] if show_selected else None,
        ncols=ncols,
        title=f"{'Refitted r' if predictor is not None else 'R'}econstructions from {k} "
        f"pixel{'s' * (k != 1)} (lambda = {path.lambdas[i]:.3g})",
    )
