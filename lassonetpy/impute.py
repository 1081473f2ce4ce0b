r"""LassoNet matrix completion (the paper's Section 7, Alg. 5): :func:`lassonet_impute`.

1. Columns are standardised on their observed entries; a share of the observed entries is
   held out for validation (``validation``).
2. Alg. 5: row-mean start, then rounds of training the reconstruction network and replacing
   every unobserved entry by its reconstruction, until the imputations stop changing (the
   round report is kept). As written, Alg. 5 would let the network copy each observed entry
   from its own input; it is trained as a denoising network instead, on copies of the rows
   with a share of the observed entries hidden and scored (:mod:`lassonetpy.engine.impute`).
3. The Group-Hier-Prox path from that network: each point completes the matrix from fewer
   input columns. The completion with the smallest validation error is ``completed``;
   ``complete(df=k)`` gives the completion from at most ``k`` columns.
"""

from __future__ import annotations

import sys
import types
import warnings
from typing import Any

import numpy as np
import pandas as pd

from .api import _format_call
from .engine import fit_path
from .engine.impute import alternate, to_original_units
from .errors import InputTypeError, LassoNetWarning, _short, bad_value
from .families import Reconstruction
from .imputed import ImputeResult, _ro
from .path import LassoNetPath

__all__ = ["lassonet_impute"]


# --------------------------------------------------------------------------------------------
def _numeric_data(data: Any) -> tuple[np.ndarray, pd.Index, pd.Index]:
    if isinstance(data, pd.DataFrame):
        if bad := [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])]:
            raise bad_value(
                "data",
                "numeric in every column",
                f"non-numeric column(s) {_short(bad, 200)}",
                "Drop them, or encode them as numbers (e.g. pd.get_dummies) first.",
                cls=InputTypeError,
            )
        if any(pd.api.types.is_bool_dtype(data[c]) for c in data.columns):
            raise bad_value(
                "data",
                "numeric (not bool) in every column",
                [c for c in data.columns if pd.api.types.is_bool_dtype(data[c])],
                "Convert them with .astype(float).",
                cls=InputTypeError,
            )
        X = data.to_numpy(dtype=np.float64, na_value=np.nan)
        return X, data.index, data.columns
    try:
        X = np.array(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise bad_value("data", "a numeric DataFrame or matrix", data, cls=InputTypeError) from None
    if X.ndim != 2:
        raise bad_value("data", "a 2-D table (rows, columns)", f"shape {X.shape}")
    return X, pd.RangeIndex(X.shape[0]), pd.Index([f"x{j + 1}" for j in range(X.shape[1])])


def _validation_mask(validation: Any, observed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n, d = observed.shape
    if isinstance(validation, (pd.DataFrame, np.ndarray)):
        v = np.asarray(validation, dtype=bool)
        if v.shape != (n, d):
            raise bad_value("validation", f"a boolean mask of shape {(n, d)}", f"shape {v.shape}")
        if (v & ~observed).any():
            raise bad_value(
                "validation",
                "a mask of observed entries only",
                f"{int((v & ~observed).sum())} missing",
            )
        return v
    if isinstance(validation, bool) or not isinstance(validation, (int, float)):
        raise bad_value("validation", "a share in [0, 0.5] or a boolean mask", validation)
    if not 0 <= validation <= 0.5:
        raise bad_value("validation", "a share of the observed entries in [0, 0.5]", validation)
    v = observed & (rng.random((n, d)) < validation)
    # every row and column keeps an observed training entry
    for axis in (1, 0):
        left = (observed & ~v).any(axis=axis)
        for k in np.flatnonzero(~left & observed.any(axis=axis)):
            line = v[k] if axis == 1 else v[:, k]
            line[np.flatnonzero(line)[0]] = False
    return v


def lassonet_impute(
    data: Any,
    *,
    hidden: int | tuple[int, ...] | None = None,
    M: float = 10.0,
    copies: int = 4,
    mask_fraction: float = 0.5,
    validation: Any = 0.1,
    max_rounds: int = 30,
    round_tol: float = 1e-3,
    nlambda: int = 50,
    relax: bool = True,
    lambda_min_ratio: float = 1e-2,
    tol: float = 1e-4,
    max_epochs: int = 500,
    seed: int | None = None,
    dtype: str = "float32",
    device: str = "cpu",
    verbose: bool = True,
) -> ImputeResult:
    """Complete a table with missing entries by LassoNet (the paper's Alg. 5).

    Columns are standardised on their observed entries. The reconstruction network is
    trained from a row-mean start; each round imputes every unobserved entry with it and
    trains on (warm start) until the imputations stop changing. It learns as a denoising
    network: on ``copies`` of the rows with ``mask_fraction`` of each row's observed entries
    hidden from its input and scored (trained on inputs that hold the entries it is scored
    on, the network would copy them). The Group-Hier-Prox path from the final network then
    gives completions from fewer and fewer input columns.

    Parameters
    ----------
    data : pandas.DataFrame or array-like
        Numeric table with NaN (or ``pd.NA``) where entries are missing; never modified.
    hidden : int or tuple of int, optional
        Hidden layer sizes (default: one layer as wide as the number of columns).
    M : float, default 10
        Hierarchy multiplier.
    copies : int, default 4
        Training copies of the rows (each with other hidden entries).
    mask_fraction : float, default 0.5
        Share of each row's observed entries hidden in each copy.
    validation : float or boolean mask, default 0.1
        Share of the observed entries held out to measure each completion (and to choose
        ``completed``), or a mask of the entries to hold out. 0: none.
    max_rounds, round_tol : int, float
        Alg. 5 stops after ``max_rounds`` rounds, when the imputations change by less than
        ``round_tol`` (relative root mean square) in a round, or when the validation error
        improves on its best by less than ``round_tol`` (relative).
    nlambda, lambda_min_ratio, tol, max_epochs
        The path's settings, as in :func:`lassonetpy.lassonet`.
    relax : bool, default True
        Complete from each point of the path with a network refitted without penalty on its
        columns (the paper's protocol: the reconstruction network retrained from scratch),
        not with the path's shrunken network. All refits train as one batch
        (``relaxed`` holds them as a :class:`~lassonetpy.relax.RelaxedFit`).
    seed : int, optional
        Makes the completion reproducible (validation entries, copies, networks).
    dtype, device : str
        As in :func:`lassonetpy.lassonet`.
    verbose : bool, default True
        Progress bars.

    Returns
    -------
    ImputeResult
        ``completed`` (a DataFrame like ``data``), ``path``, ``complete(df=k)``,
        ``columns_needed(df=k)``, ``validation_error``, ``rounds``, ``plot()``.

    Raises
    ------
    InputTypeError
        Non-numeric columns.
    InputError
        No missing entry, a column with no observed entry, a bad argument.

    Warns
    -----
    LassoNetWarning
        Rows with no observed entry (completed from the other rows alone: column means).

    Examples
    --------
    >>> from lassonetpy import lassonet_impute
    >>> from lassonetpy.datasets import load_mice_protein, mice_protein_features
    >>> df = load_mice_protein()[[*mice_protein_features()[:6], "BAD_N", "BCL2_N"]].dropna(how="all")
    >>> imp = lassonet_impute(df, hidden=(8,), nlambda=8, max_rounds=2, seed=0, verbose=False)
    >>> int(df.isna().sum().sum()) == imp.n_missing
    True
    >>> bool((imp.completed[df.notna()] == df[df.notna()]).sum().sum() == df.notna().sum().sum())
    True
    """
    args = dict(locals())
    X, index, columns = _numeric_data(data)
    n, d = X.shape
    if n < 3 or d < 2:
        raise bad_value("data", "a table of at least 3 rows and 2 columns", f"shape {(n, d)}")
    if np.isinf(X).any():
        raise bad_value("data", "finite where observed", "inf values")
    observed = ~np.isnan(X)
    if observed.all():
        raise bad_value(
            "data",
            "a table with missing entries (NaN) to complete",
            "no missing entry",
            "For selecting columns that reconstruct the others, use lassonet('~ .', data).",
        )
    if empty := [str(columns[j]) for j in np.flatnonzero(~observed.any(0))]:
        raise bad_value(
            "data",
            "free of columns with no observed entry",
            f"only missing values in {_short(empty, 200)}",
            "Nothing can be learnt about them: drop them.",
        )
    if (no_row := ~observed.any(1)).any():
        warnings.warn(
            f"{int(no_row.sum())} row(s) of `data` have no observed entry (first: "
            f"{index[np.flatnonzero(no_row)[0]]!r}); they are completed from the other rows "
            "alone (about the column means).",
            LassoNetWarning,
            stacklevel=2,
        )
    for name, v, lo in (("copies", copies, 1), ("max_rounds", max_rounds, 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise bad_value(name, f"an integer >= {lo}", v)
    if not 0 < float(mask_fraction) < 1:
        raise bad_value("mask_fraction", "a share in (0, 1)", mask_fraction)
    rng = np.random.default_rng(seed)
    val = _validation_mask(validation, observed, rng)
    train = observed & ~val
    w = train.sum(0)
    mu = np.where(train, X, 0.0).sum(0) / w
    sd = np.sqrt(np.where(train, (np.nan_to_num(X) - mu) ** 2, 0.0).sum(0) / w)
    sd = np.where(sd > 1e-12 * np.maximum(1.0, np.abs(mu)), sd, 1.0)
    Z = np.where(observed, (np.nan_to_num(X) - mu) / sd, 0.0)

    def val_error(completion: np.ndarray) -> float:
        return float(((completion - Z)[val] ** 2).mean()) if val.any() else float("nan")

    hid = (d,) if hidden is None else ((hidden,) if isinstance(hidden, int) else tuple(hidden))
    kw: dict[str, Any] = dict(hidden=hid, M=M, seed=seed, dtype=dtype, device=device)
    dense, Xc, completion, target, rounds = alternate(
        Z,
        train,
        copies=copies,
        mask_fraction=mask_fraction,
        max_rounds=max_rounds,
        round_tol=round_tol,
        validate_fn=val_error,
        verbose=verbose,
        **kw,
    )
    if verbose:
        print("lassonet_impute: the Group-Hier-Prox path", file=sys.stderr)
    res = fit_path(
        Xc,
        target,
        Reconstruction(),
        start=dense,
        standardize=False,
        nlambda=nlambda,
        lambda_min_ratio=lambda_min_ratio,
        tol=tol,
        max_epochs=max_epochs,
        verbose=verbose,
        **kw,
    )
    res = to_original_units(res, mu, sd)
    inputs = mu + sd * completion
    names = [str(c) for c in columns]
    call = _format_call(args, skip=("data", "verbose"), name="lassonet_impute", fn=lassonet_impute)
    settings = {k: args[k] for k in ("M", "nlambda", "lambda_min_ratio", "tol", "seed")}
    settings.update(hidden=list(hid), standardize=True, dtype=dtype, device=device)
    path = LassoNetPath._from_result(
        res,
        0,
        call=call,
        design=None,
        column_names=names,
        term_names=names,
        input_columns=names,
        kept_columns=tuple(range(d)),
        n_obs=n,
        n_dropped=0,
        has_offset=False,
        settings=settings,
    )
    relaxed = None
    if relax:
        if verbose:
            print("lassonet_impute: refitting the path's column sets", file=sys.stderr)
        relaxed = _refit_points(path, Xc, target, mu, sd, kw, dense)
    preds = []
    for i in range(len(path)):
        if relaxed is not None and relaxed._refit_of[i] >= 0:
            preds.append(np.asarray(relaxed.predict(inputs, s=float(path.lambdas[i]))))
        else:
            preds.append(res.predict(inputs, i))
    preds_a = np.stack(preds)
    verr = None
    best = 0
    if val.any():
        verr = np.array([(((p - np.nan_to_num(X)) / sd)[val] ** 2).mean() for p in preds_a])
        best = int(np.argmin(verr))
    report = pd.DataFrame(rounds).set_index("round")
    timing = {
        "rounds": float(report["seconds"].sum()),
        "path": float(res.timing.get("path", np.nan)),
        "total": float(report["seconds"].sum() + res.timing.get("total", 0.0)),
    }
    return ImputeResult(
        call=call,
        path=path,
        validation_error=None if verr is None else _ro(verr),
        index_best=best,
        rounds=report,
        relaxed=relaxed,
        converged=len(report) < max_rounds,
        n_missing=int((~observed).sum()),
        n_validation=int(val.sum()),
        timing=types.MappingProxyType(timing),
        _data=_ro(X),
        _inputs=_ro(inputs),
        _preds=_ro(preds_a),
        _index=index,
        _columns=columns,
    )


def _refit_points(
    path: LassoNetPath,
    Xc: np.ndarray,
    target: Any,
    mu: np.ndarray,
    sd: np.ndarray,
    kw: dict[str, Any],
    warm: Any = None,
) -> Any:
    """One unpenalised refit per distinct non-empty column set of the path, in one batch, on
    the final training copies; returned as a RelaxedFit in the data's units."""
    from .engine.refit import fit_refits
    from .relax import _assemble

    sel = path.selected
    firsts: dict[bytes, int] = {}
    for i in range(len(path)):
        if sel[i].any():
            firsts.setdefault(sel[i].tobytes(), i)
    points = np.array(sorted(firsts.values()), dtype=np.int64)
    slot = {sel[i].tobytes(): r for r, i in enumerate(points)}
    refit_of = np.array([slot.get(sel[i].tobytes(), -1) for i in range(len(path))])
    init: Any = "random"
    if warm is not None:  # start every refit from the dense network, masked to its columns
        init = [t.expand(len(points), *t.shape[1:]).clone() for t in warm.states[0].tensors()]
    r = fit_refits(Xc, target, Reconstruction(), sel[points], standardize=False, init=init, **kw)
    r = to_original_units(r, mu, sd)
    hid = tuple(kw["hidden"])
    return _assemble(
        path,
        points,
        refit_of,
        [hid],
        np.zeros(len(points), dtype=np.int64),
        {0: r},
        {0: np.arange(len(points))},
        None,
        kw.get("seed"),
    )
