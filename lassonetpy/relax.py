r"""The relaxed LassoNet: refit the selected terms without penalty (glmnet's ``relax``).

Along a path the penalty that removes terms also shrinks the ones that stay. The paper's
evaluation protocol (Section 5, Table 1) therefore "re-trained the feed-forward network from
scratch" on the selected features. :meth:`LassoNetPath.relax` makes that a method:

* every chosen path point is refitted on its selected terms alone: the dense LassoNet fit
  (``lambda = 0``: the hierarchy constraint only) on those columns, a fresh network each, all
  points in one batch of the engine (:func:`lassonetpy.engine.refit.fit_refits`; points that
  select the same terms share one refit);
* the hidden size is the path's, or chosen per point from a list on validation rows (given,
  or a split of the training rows; then the chosen size is refitted on all of them);
* the result, :class:`RelaxedFit`, predicts like the path: ``s=`` / ``df=`` pick the path
  point (glmnet's semantics: the relaxed fit *at* that lambda).

:func:`cv_relaxed` is what ``cv_lassonet(..., relax=True)`` adds: the refits of every model
of the CV batch (full data and folds) at every path point, one engine batch, cross-validated
on the folds' held-out rows (:class:`CVRelaxed`).
"""

from __future__ import annotations

import time
import types
from typing import Any

import numpy as np
import pandas as pd

from .engine import take_models
from .engine.refit import as_points, fit_refits
from .errors import InputError, InputTypeError, NotOnPathError, bad_value
from .path import LassoNetPath
from .relaxed import CVRelaxed, RelaxedFit, _ro
from .report.printing import format_lambda

__all__ = ["relax_path", "cv_relaxed"]


# --------------------------------------------------------------------------------------------
# building refits
# --------------------------------------------------------------------------------------------
def _hidden_list(hidden: Any, default: tuple[int, ...]) -> list[tuple[int, ...]]:
    if hidden is None:
        return [tuple(default)]
    if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
        return [(int(hidden),)]
    if isinstance(hidden, tuple):
        return [tuple(int(h) for h in hidden)]
    if isinstance(hidden, list) and hidden:
        out: list[tuple[int, ...]] = []
        for h in hidden:
            out.extend(_hidden_list(h, default) if not isinstance(h, list) else [()])
        if all(len(h) and min(h) > 0 for h in out):
            return list(dict.fromkeys(out))
    raise bad_value(
        "hidden",
        "an int, a tuple of ints (one hidden size), or a list of them to choose from on "
        "validation rows",
        hidden,
        cls=InputTypeError,
    )


def _refit_tol(path: LassoNetPath, tol: float | None) -> float:
    """The refits' tolerance: given, or the path's dense fit's (``min(tol, 1e-3)``)."""
    if tol is None:
        return min(float(path.settings.get("tol", 1e-4)), 1e-3)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol > 0:
        raise bad_value("tol", "a number > 0", tol)
    return float(tol)


def _engine_kwargs(path: LassoNetPath) -> dict[str, Any]:
    st = dict(path.settings)
    return {
        k: st[k]
        for k in ("gamma", "gamma_skip", "dropout", "batch_size", "standardize", "dtype", "device")
        if k in st
    }


def _no_body(path: LassoNetPath) -> None:
    """Relaxed refits train the built-in network: not for a fit with a custom ``body``."""
    if path.settings.get("body") is not None:
        raise bad_value(
            "body",
            "None for relaxed fits (the refits train the built-in network)",
            path.settings["body"],
            "Refit the selected columns with your own module instead.",
        )


def _train_data(path: LassoNetPath) -> Any:
    _no_body(path)
    prep = path._train
    if prep is None:
        raise InputError(
            "relax() needs the training data, which this path does not hold (a path loaded "
            "from a file keeps only the networks). Fit it again with lassonet(...) and call "
            "relax() on that path."
        )
    return prep


def _response_codes(path: LassoNetPath, y: Any) -> np.ndarray:
    """Encoded response of new rows, in the path's coding (class codes, numbers)."""
    classes = path.classes
    arr = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    if classes is not None:
        lookup = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
        vals = arr.ravel().tolist()
        if unknown := sorted({str(v) for v in vals if v not in lookup})[:5]:
            raise bad_value(
                "validation",
                f"class labels seen in training ({list(lookup)[:10]})",
                unknown,
            )
        return np.array([lookup[v] for v in vals], dtype=np.float64)
    return arr.astype(np.float64)


def _validation_data(path: LassoNetPath, validation: Any) -> tuple[np.ndarray, np.ndarray]:
    """Design matrix and encoded response of the validation rows."""
    if path.design is not None:
        if not isinstance(validation, pd.DataFrame):
            raise bad_value(
                "validation", "a DataFrame with the formula's variables and response", validation
            )
        spec = path.design
        X = spec.transform(validation)
        if spec.response_name is None:
            return X, X
        if " + ".join(spec.response_variables) != spec.response_name:
            raise bad_value(
                "validation",
                "usable only when the response is plain column(s)",
                spec.response_name,
                "Pass validation=(X, y) with the model matrix and the response instead.",
            )
        cols = list(spec.response_variables)
        y = validation[cols[0]] if len(cols) == 1 else validation[cols]
        return X, _response_codes(path, y)
    if not (isinstance(validation, tuple) and len(validation) == 2):
        raise bad_value("validation", "a tuple (X, y) of held-out rows", validation)
    Xv, yv = validation
    X = np.asarray(Xv, dtype=np.float64)
    if path.family == "reconstruction" and yv is None:
        return X, X
    return X, _response_codes(path, yv)


def _measure(path: LassoNetPath, fit_r: Any, X: np.ndarray, y: np.ndarray, q: int) -> float:
    """Validation error of point ``q`` of a refit result (lower is better)."""
    from .report.measures import pointwise

    pred = fit_r.predict(X, q, 0, type="response")
    fam = path.family
    if fam == "reconstruction":
        r = fit_r.response
        return float((((pred - y) / r.output_scale) ** 2).mean())
    if fam in ("binomial",):
        pred = pred[:, 0]
    elif fam in ("gaussian", "poisson"):
        pred = pred[:, 0]
    m = "class" if path.classes is not None else "deviance"
    return float(np.nanmean(pointwise(m, fam, y, pred)))


def _measure_label(path: LassoNetPath) -> str:
    if path.family == "reconstruction":
        return "mean squared error of the standardised columns"
    return "misclassification error" if path.classes is not None else f"{path.family} deviance"


def _run_refits(
    path: LassoNetPath,
    prep: Any,
    masks: np.ndarray,
    hidden: tuple[int, ...],
    rows: np.ndarray | None,
    seed: Any,
    max_epochs: int,
    tol: float,
    M: Any,
) -> Any:
    return fit_refits(
        prep.X,
        prep.y,
        prep.family,
        masks,
        row_masks=None if rows is None else np.broadcast_to(rows, (len(masks), len(rows))),
        hidden=hidden,
        M=M,
        groups=prep.groups,
        weights=prep.weights,
        offset=prep.offset,
        seed=seed,
        max_epochs=max_epochs,
        tol=tol,
        **_engine_kwargs(path),
    )


def relax_path(
    path: LassoNetPath,
    s: Any = None,
    df: Any = None,
    *,
    hidden: Any = None,
    validation: Any = None,
    validation_fraction: float = 0.2,
    seed: Any = None,
    max_epochs: int = 1000,
    tol: float | None = None,
) -> RelaxedFit:
    """:meth:`LassoNetPath.relax` (documented there)."""
    prep = _train_data(path)
    tol = _refit_tol(path, tol)
    explicit = s is not None or df is not None
    idx = path._indices(s, df)[0] if explicit else list(range(len(path)))
    sel = path.selected
    if explicit and (empty := [i for i in idx if not sel[i].any()]):
        i = empty[0]
        raise bad_value(
            "s" if s is not None else "df",
            "a point of the path with at least one selected term",
            s if s is not None else df,
            f"Path point s{i} (lambda = {format_lambda(path.lambdas[i])}) selects no term: "
            "there is nothing to refit. Choose a smaller lambda or a larger df.",
            cls=NotOnPathError,
        )
    # one refit per distinct set of columns (the first point with it)
    firsts: dict[bytes, int] = {}
    for i in sorted(idx):
        if sel[i].any():
            firsts.setdefault(sel[i].tobytes(), i)
    points = np.array(sorted(firsts.values()), dtype=np.int64)
    if not len(points):
        raise NotOnPathError("relax() found no path point with a selected term to refit.")
    refit_of = np.full(len(path), -1, dtype=np.int64)
    key_of = {k: r for r, k in enumerate(sel[i].tobytes() for i in points)}
    for i in idx:
        if sel[i].any():
            refit_of[i] = key_of[sel[i].tobytes()]
    masks = sel[points]
    sizes = _hidden_list(hidden, tuple(path.settings.get("hidden", (100,))))
    seed = path.settings.get("seed") if seed is None else seed
    M = float(path.settings.get("M", 10.0))
    n = prep.X.shape[0]
    val_table = None
    choice = np.zeros(len(points), dtype=np.int64)
    if len(sizes) > 1:
        if validation is not None:
            Xv, yv = _validation_data(path, validation)
            train_rows = None
        else:
            if not 0 < validation_fraction < 1:
                raise bad_value("validation_fraction", "a number in (0, 1)", validation_fraction)
            rng = np.random.default_rng(seed)
            hold = np.zeros(n, dtype=bool)
            hold[rng.choice(n, size=max(1, round(validation_fraction * n)), replace=False)] = True
            train_rows = ~hold
            Xv = prep.X[hold]
            yv = (
                prep.X[hold]
                if path.family == "reconstruction"
                else _response_codes(path, _rows_of(prep.y, hold))
            )
        scores = np.empty((len(points), len(sizes)))
        fits_by_size = []
        for j, h in enumerate(sizes):
            res = _run_refits(path, prep, masks, h, train_rows, seed, max_epochs, tol, M)
            fits_by_size.append(res)
            for r in range(len(points)):
                scores[r, j] = _measure(path, take_models(res, [r]), Xv, yv, 0)
        choice = np.argmin(scores, axis=1)
        val_table = pd.DataFrame(
            scores, index=[f"s{i}" for i in points], columns=[str(h) for h in sizes]
        )
        if validation is not None:  # trained on every training row already
            members = {j: np.flatnonzero(choice == j) for j in set(choice.tolist())}
            results = {j: take_models(fits_by_size[j], members[j]) for j in members}
        else:
            results, members = {}, {}
            for j in sorted(set(choice.tolist())):
                members[j] = np.flatnonzero(choice == j)
                results[j] = _run_refits(
                    path, prep, masks[members[j]], sizes[j], None, seed, max_epochs, tol, M
                )
    else:
        results = {0: _run_refits(path, prep, masks, sizes[0], None, seed, max_epochs, tol, M)}
        members = {0: np.arange(len(points))}
    return _assemble(path, points, refit_of, sizes, choice, results, members, val_table, seed)


def _rows_of(y: Any, mask: np.ndarray) -> Any:
    return y.iloc[np.flatnonzero(mask)] if isinstance(y, (pd.Series, pd.DataFrame)) else y[mask]


def _assemble(
    path: LassoNetPath,
    points: np.ndarray,
    refit_of: np.ndarray,
    sizes: list[tuple[int, ...]],
    choice: np.ndarray,
    results: dict[int, Any],
    members: dict[int, np.ndarray],
    val_table: pd.DataFrame | None,
    seed: Any,
) -> RelaxedFit:
    """One inner path per hidden size (its points are the refits), and the maps to them."""
    R = len(points)
    where = np.zeros((R, 2), dtype=np.int64)
    parts = []
    dev = np.empty(R)
    epochs = np.empty(R)
    for part, j in enumerate(sorted(results)):
        rows = members[j]
        res = as_points(results[j], path.lambdas[points[rows]])
        settings = dict(path.settings)
        settings["hidden"] = list(sizes[j])
        inner = LassoNetPath._from_result(
            res,
            0,
            call=path.call,
            design=path.design,
            column_names=path.column_names,
            term_names=path.term_names,
            input_columns=path.input_columns,
            kept_columns=path.kept_columns,
            n_obs=path.n_obs,
            n_dropped=path.n_dropped,
            has_offset=path.has_offset,
            settings=settings,
        )
        parts.append(inner)
        where[rows, 0] = part
        where[rows, 1] = np.arange(len(rows))
        dev[rows] = inner.dev_ratio
        epochs[rows] = inner.epochs
    args = [f"points={len(points)}"]
    if len(sizes) > 1:
        args.append(f"hidden={[h[0] if len(h) == 1 else h for h in sizes]}")
    if seed is not None:
        args.append(f"seed={seed}")
    return RelaxedFit(
        call=f"{path.call}.relax({', '.join(args)})",
        path_index=_ro(points),
        lambdas=_ro(path.lambdas[points]),
        df=_ro(path.df[points]),
        dev_ratio=_ro(dev),
        path_dev_ratio=_ro(path.dev_ratio[points]),
        hidden=tuple(sizes[int(choice[r])] for r in range(R)),
        validation=val_table,
        measure_name=_measure_label(path) if val_table is not None else None,
        epochs=_ro(epochs),
        _path=path,
        _parts=tuple(parts),
        _where=_ro(where),
        _refit_of=_ro(refit_of),
    )


# --------------------------------------------------------------------------------------------
# cross-validation of the relaxed fits
# --------------------------------------------------------------------------------------------
def cv_relaxed(
    plan: Any,
    result: Any,
    path: LassoNetPath,
    *,
    seed: Any = None,
    max_epochs: int = 1000,
    tol: float | None = None,
) -> CVRelaxed:
    """The relaxed fits of a CV batch, cross-validated (``cv_lassonet(..., relax=True)``).

    Every model of the batch (model 0 on all rows, model ``k`` without fold ``k``) is refitted
    at every path point on the columns it selected there (one refit per model and distinct
    set of columns; an empty set gives the intercept-only model). All refits are one batch of
    unpenalised fits on column subsets. Fold ``k``'s held-out rows are predicted by model
    ``k``'s refits, which gives the CV curve of the relaxed fits and their ``lambda_min`` and
    ``lambda_1se``; model 0's refits make :attr:`CVRelaxed.fit`.
    """
    from .report.cv_stats import choose_lambda, cv_summary, fold_errors, fold_weight_sums
    from .report.measures import family_name, is_maximized, measure_name

    t0 = time.perf_counter()
    _no_body(path)
    prep = plan.prep
    tol = _refit_tol(path, tol)
    sel = np.asarray(result.selected)  # (B, L, d)
    B, L, _ = sel.shape
    job_of = np.empty((B, L), dtype=np.int64)
    jobs: list[tuple[int, np.ndarray]] = []
    for b in range(B):
        seen: dict[bytes, int] = {}
        for i in range(L):
            key = sel[b, i].tobytes()
            if key not in seen:
                seen[key] = len(jobs)
                jobs.append((b, sel[b, i]))
            job_of[b, i] = seen[key]
    col_masks = np.stack([m for _, m in jobs])
    row_masks = np.stack([plan.masks[b] for b, _ in jobs]).astype(bool)
    seed = path.settings.get("seed") if seed is None else seed
    res = fit_refits(
        prep.X,
        prep.y,
        prep.family,
        col_masks,
        row_masks=row_masks,
        hidden=tuple(path.settings.get("hidden", (100,))),
        M=float(path.settings.get("M", 10.0)),
        groups=prep.groups,
        weights=prep.weights,
        offset=prep.offset,
        seed=seed,
        max_epochs=max_epochs,
        tol=tol,
        **_engine_kwargs(path),
    )
    t_fit = time.perf_counter() - t0
    fid = plan.foldid
    n, O = prep.X.shape[0], int(res.response.n_outputs)
    pred = np.empty((L, n, O))
    for k in range(1, B):
        rows = np.flatnonzero(fid == k)
        Xk = prep.X[rows]
        off = None if prep.offset is None else prep.offset[rows]
        done: dict[int, np.ndarray] = {}
        for i in range(L):
            j = int(job_of[k, i])
            if j not in done:
                done[j] = res.predict(Xk, 0, model=j, offset=off, type="response")
            pred[i, rows] = done[j]
    pred_l = pred[..., 0] if O == 1 else pred
    fam = family_name(plan.family)
    errs = fold_errors(plan.measure, plan.y_enc, pred_l, fid, prep.weights, fam)
    stats = cv_summary(errs, fold_weight_sums(fid, prep.weights))
    choice = choose_lambda(
        result.lambdas, stats.cvm, stats.cvsd, maximize=is_maximized(plan.measure)
    )
    # the full-data model's refits, as a RelaxedFit
    own = [j for j, (b, m) in enumerate(jobs) if b == 0 and m.any()]
    first = {j: int(np.flatnonzero(job_of[0] == j)[0]) for j in own}
    own.sort(key=lambda j: first[j])
    points = np.array([first[j] for j in own], dtype=np.int64)
    refit_of = np.array([own.index(j) if j in own else -1 for j in job_of[0]], dtype=np.int64)
    hidden = tuple(int(h) for h in path.settings.get("hidden", (100,)))
    fit = _assemble(
        path,
        points,
        refit_of,
        [hidden],
        np.zeros(len(points), dtype=np.int64),
        {0: take_models(res, own)},
        {0: np.arange(len(points))},
        None,
        seed,
    )
    total = time.perf_counter() - t0
    return CVRelaxed(
        cvm=_ro(stats.cvm),
        cvsd=_ro(stats.cvsd),
        lambda_min=choice.lambda_min,
        lambda_1se=choice.lambda_1se,
        index_min=choice.index_min,
        index_1se=choice.index_1se,
        fit=fit,
        fold_errors=_ro(errs),
        measure_name=measure_name(plan.measure, fam),
        timing=types.MappingProxyType(
            {"refits": t_fit, "total": total, "n_refits": float(len(jobs))}
        ),
    )
