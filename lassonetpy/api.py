"""The front door: :func:`lassonet` fits a LassoNet path from a formula or from arrays.

The private helpers :func:`_prepare` (user arguments -> validated arrays, groups, penalty
factors and fit settings; in :mod:`lassonetpy.formula.inputs`) and :func:`_build_path` (an engine
result -> :class:`LassoNetPath`) are shared with :mod:`lassonetpy.cv`, so a cross-validated
fit sees exactly the data, groups and settings that :func:`lassonet` would use::

    prep = _prepare(formula, data, family, weights=..., **fit_kwargs)
    result = prep.fit(masks=masks)            # engine.fit_path on the prepared arrays
    path = _build_path(prep, result, model=0, call=_format_call(args, name="cv_lassonet",
                                                                 fn=cv_lassonet))
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

import numpy as np
import pandas as pd

from .engine import PathResult
from .errors import _short
from .families import Family
from .formula.inputs import FIT_ARGS, Prepared, _prepare
from .path import LassoNetPath
from .survfit import baseline_of

__all__ = ["lassonet"]


def _value_text(v: Any) -> str:
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (pd.DataFrame, np.ndarray)) and v.ndim == 2:
        return f"<{type(v).__name__} {v.shape[0]}x{v.shape[1]}>"
    if isinstance(v, (pd.Series, np.ndarray)):
        return f"<{type(v).__name__} {len(v)}>" if len(v) > 6 else repr(np.asarray(v).tolist())
    if isinstance(v, (list, tuple)) and len(v) > 8:
        return f"<{type(v).__name__} of {len(v)}>"
    if isinstance(v, (list, tuple)):
        inner = ", ".join(_value_text(x) for x in v) + (
            "," if len(v) == 1 and isinstance(v, tuple) else ""
        )
        return ("[%s]" if isinstance(v, list) else "(%s)") % inner
    if isinstance(v, dict) and len(v) <= 8:
        return "{" + ", ".join(f"{_value_text(k)}: {_value_text(x)}" for k, x in v.items()) + "}"
    if isinstance(v, Family):
        return repr(v.name)
    return _short(v, 60)


def _same(a: Any, b: Any) -> bool:
    try:
        return (
            type(a) is type(b)
            and bool(a == b)
            or (
                isinstance(a, (int, float))
                and isinstance(b, (int, float))
                and not isinstance(a, bool)
                and a == b
            )
        )
    except (TypeError, ValueError):
        return False


def _format_call(
    args: dict[str, Any],
    skip: tuple[str, ...] = ("data", "verbose"),
    name: str = "lassonet",
    fn: Any = None,
) -> str:
    """glmnet's ``Call:`` line: ``name(arg=value, ...)`` with only non-default arguments.

    Parameters
    ----------
    args : dict
        Argument values as the user passed them (e.g. ``locals()`` at the top of the call).
    skip : tuple of str
        Arguments never shown (``data`` is the user's frame; ``verbose`` does not change a fit).
    name : str
        Function name to show.
    fn : callable, optional
        Function whose signature gives the defaults (default :func:`lassonet`).

    Returns
    -------
    str
    """
    sig = inspect.signature(fn or lassonet)
    shown = [
        f"{k}={_value_text(v)}"
        for k, v in args.items()
        if k in sig.parameters
        and k not in skip
        and not _same(v, sig.parameters[k].default)
        and v is not None
    ]
    return f"{name}({', '.join(shown)})"


def _build_path(
    prepared: Prepared, result: PathResult, model: int = 0, call: str = ""
) -> LassoNetPath:
    """Turn one model of an engine result into a :class:`LassoNetPath`.

    Parameters
    ----------
    prepared : Prepared
        What :func:`_prepare` returned for this fit (names, spec, NA counts).
    result : PathResult
        From ``prepared.fit(...)``; may hold several models (e.g. CV folds).
    model : int
        Which model of the batch (0: the full-data fit by convention).
    call : str
        The ``Call:`` line (see :func:`_format_call`).

    Returns
    -------
    LassoNetPath
    """
    settings = {k: v for k, v in prepared.fit_kwargs.items() if k not in ("verbose", "lambda_")}
    settings["hidden"] = list(result.hidden)
    settings["M"] = float(result.M[model])
    return LassoNetPath._from_result(
        result,
        model,
        call=call,
        design=prepared.spec,
        column_names=prepared.column_names,
        term_names=prepared.term_names,
        input_columns=prepared.input_columns,
        kept_columns=prepared.kept_columns,
        n_obs=int(prepared.X.shape[0]),
        n_dropped=prepared.n_dropped,
        has_offset=prepared.offset is not None,
        settings=settings,
        baseline=baseline_of(prepared, result, model),
        _train=prepared,
    )


def lassonet(
    formula: str | None = None,
    data: pd.DataFrame | None = None,
    family: str | Family = "gaussian",
    *,
    X: Any = None,
    y: Any = None,
    hidden: int | tuple[int, ...] = (100,),
    M: float = 10.0,
    nlambda: int = 100,
    df_resolution: int = 100,
    lambda_: Any = None,
    lambda_min_ratio: float = 1e-2,
    standardize: bool = True,
    weights: Any = None,
    offset: Any = None,
    penalty_factor: Any = None,
    exclude: Any = None,
    groups: Any = None,
    na_action: str = "omit",
    ties: str | None = None,
    strata: Any = None,
    dropout: float = 0.0,
    gamma: float = 0.0,
    gamma_skip: float = 0.0,
    batch_size: int | None = None,
    tol: float = 1e-4,
    max_epochs: int = 500,
    seed: int | None = None,
    threads: int | None = None,
    device: str = "cpu",
    dtype: str = "float32",
    verbose: bool = True,
    body: Any = None,
) -> LassoNetPath:
    r"""Fit a LassoNet along a path of penalties, glmnet style.

    Minimises, first at ``lambda = 0`` (the dense fit), then along an increasing grid with
    warm starts until no penalised term is left,

    .. math::

        \mathrm{loss}(\theta, W) + \lambda \sum_g p_g \sqrt{|g|}\,\|\theta_g\|_2
        \quad\text{s.t.}\quad \|W^{(0)}_g\|_\infty \le M \|\theta_g\|_2 ,

    with glmnet's scaling of the loss: gaussian ``RSS / (2n)``; binomial, multinomial and
    poisson ``-loglik / n``; mgaussian the sum of the responses' ``RSS / (2n)``; cox the
    negative log partial likelihood over ``n``. ``theta`` is
    the skip (linear) layer, ``W`` the network, ``g`` runs over terms (a factor's dummies, a
    spline basis, an interaction are one group) and ``p_g`` are the penalty factors.
    ``M = 0`` is the (group) lasso.

    Parameters
    ----------
    formula : str, optional
        E.g. ``"y ~ ."``, ``"y ~ x1 + C(g) + bs(x2, df=4) + x1:x3"``, ``"y1 + y2 ~ ."``
        (mgaussian), ``"Surv(time, status) ~ . + strata(g)"`` (cox). Factors keep every level
        (no baseline); the network has biases, so an intercept term changes nothing.
    data : pandas.DataFrame, optional
        The data of ``formula``; never modified.
    family : {"gaussian", "binomial", "multinomial", "poisson", "mgaussian", "cox"} or Family
        Response distribution. Class labels may be strings, bools, numbers or categoricals.
        ``"cox"``: proportional hazards with the response ``Surv(time, status)`` (status 1 =
        event, 0 = censored, or booleans; times > 0); no intercept.
    X, y : array-like, optional
        Array interface instead of ``formula``/``data``: numeric ``X`` (n, d) (column names
        kept from a DataFrame, else ``x1..xd``) and ``y`` (labels allowed; for cox an (n, 2)
        array ``[time, status]``, a frame with ``time`` and ``status`` or a record array).
    hidden : int or tuple of int, default (100,)
        Hidden layer sizes.
    M : float, default 10
        Hierarchy multiplier; 0 gives the linear (group) lasso.
    nlambda : int, default 100
        Number of lambdas on the automatic grid (the path may stop earlier).
    df_resolution : int, default 100
        The path holds a fit with exactly ``k`` terms for every ``k`` below
        ``min(number of terms, df_resolution)``: where a step of the grid removes several
        terms, lambdas are inserted between its ends (bisection, warm-started) until each
        count has its own fit, so ``coef(df=k)`` and ``nonzero(df=k)`` mean exactly ``k``.
        Terms that leave within a relative 1e-3 of lambda of each other are reported as ties
        (``missing_df``). ``0`` keeps the plain grid; ignored with ``lambda_``.
    lambda_ : array-like, optional
        Increasing lambdas to use instead of the automatic grid (the dense fit comes first).
    lambda_min_ratio : float, default 0.01
        First grid lambda as a fraction of the smallest lambda that empties a linear model.
    standardize : bool, default True
        Standardise the columns (coefficients are always reported on the original scale).
    weights : array-like or str, optional
        Observation weights aligned with the rows of ``data`` (or ``X``) before NA rows are
        dropped, or the name of a column of ``data`` (then not used as a predictor).
    offset : array-like or str, optional
        Added to the linear predictor (e.g. ``np.log(exposure)`` for poisson); like
        ``weights``. ``predict`` then needs ``newoffset``.
    penalty_factor : dict or sequence, optional
        ``{term: factor}`` (others 1) or one factor per term; 0 = never penalised (the term
        is in every model of the path). Rescaled to sum to the number of terms, as in glmnet.
    exclude : str or list, optional
        Terms or columns to leave out (formula: as :func:`~lassonetpy.formula.design.build_design`;
        arrays: column names or indices).
    groups : dict, list of lists or labels, optional
        Array interface only: columns (indices or names) that enter and leave together,
        ``{"name": [cols]}``, ``[[0, 1], [2, 3]]`` or one label per column.
    na_action : {"omit", "fail"}, default "omit"
        Drop rows with NA in the variables used (R's ``na.omit``; the count is printed when
        ``verbose`` and kept in ``n_dropped``) or raise.
    ties : {"efron", "breslow"}, optional
        Cox only: how tied event times enter the partial likelihood (default ``"efron"``, R
        ``coxph``'s; glmnet uses ``"breslow"``).
    strata : array-like or str, optional
        Cox only: stratum labels aligned with the rows (or a column name of ``data``, then not a
        predictor), for a stratified partial likelihood; in a formula ``strata(g)`` does the
        same.
    dropout, gamma, gamma_skip : float, default 0
        Dropout on hidden units; L2 penalties on the hidden weights and on the skip weights.
    batch_size : int, optional
        Mini-batch size (full batch by default).
    tol : float, default 1e-4
        Relative optimality tolerance at each lambda. At ``M = 0`` (the lasso) the penalised
        objective is certified (duality gap) within ``tol`` of its minimum, relative to its
        value above the saturated model's; with ``M > 0``, where the objective has no
        minimiser, a lambda stops when its KKT residual (proximal-gradient step per unit step,
        or the largest optimality violation of a dropped term) is below ``5 sqrt(tol)`` times
        that of the null model. Lambdas that reach ``max_epochs`` first are flagged with
        ``*`` by ``print`` and listed by a :class:`~lassonetpy.errors.ConvergenceWarning`.
    max_epochs : int, default 500
        Epoch limit per lambda (and per stage of the dense fit).
    seed : int, optional
        Makes the fit reproducible (no global random state is touched).
    threads : int, optional
        Torch threads used by the fit, restored afterwards (default 1: never oversubscribes
        a shared machine; pass the number of free cores for a large fit on a quiet one).
    device : str, default "cpu"
        ``"cpu"`` or ``"cuda"``.
    dtype : {"float32", "float64"}, default "float32"
        Precision of training.
    verbose : bool, default True
        Show a progress bar and the NA message (on stderr).
    body : torch.nn.Module, optional
        Any PyTorch network to use instead of the built-in MLP (``hidden`` is then ignored).
        Its first layer (the first registered submodule with parameters; for
        ``nn.Sequential`` its first element) must be ``torch.nn.Linear(d, K)`` over the ``d``
        design columns, and the input must enter only through it; its output is ``(n,
        n_outputs)``. The package adds the skip layer ``theta`` (and an intercept unless the
        body is an ``nn.Sequential`` ending in a ``Linear`` with a bias), applies Hier-Prox to
        ``(theta, W0)`` (``W0`` the first layer's weight) after every step, and trains the
        rest by autograd along the same path (dense fit, grid, warm starts, stopping rule);
        ``cv_lassonet(..., body=...)`` cross-validates it. Every model starts from the
        module's own weights (the module is copied, never changed) and a seeded ``theta``.
        Batch norm trains on each model's rows with positive weight (train mode, unweighted
        batch statistics); every stored path point keeps those statistics as running
        statistics, so ``predict`` (evaluation mode) reproduces the training outputs on the
        training rows. Not with ``dropout=`` (put ``nn.Dropout`` in the body), ``save``, an
        on-disk ``X``, ``relax``, or a batch split into tasks (``parallel``, ``n_tasks``).
        See ``docs/body.md``; :class:`lassonetpy.HierProx` is the building block for a
        training loop of your own.

    Returns
    -------
    LassoNetPath
        The whole path: ``print`` it, then ``coef``, ``predict``, ``plot``, ``summary``.

    Raises
    ------
    FormulaError, ResponseError, InputError, FamilyError
        Bad formula or data, a response that does not fit the family, bad arguments.

    Examples
    --------
    >>> from lassonetpy import lassonet
    >>> from lassonetpy.datasets import load_boston
    >>> fit = lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=10, seed=0,
    ...                verbose=False)
    >>> fit.call
    'lassonet(formula="medv ~ .", hidden=(8,), nlambda=10, seed=0)'
    >>> int(fit.df[0]), int(fit.df[-1]), float(fit.lambdas[0])
    (12, 0, 0.0)
    """
    args = dict(locals())
    fit_kwargs = {k: args[k] for k in FIT_ARGS}
    prep = _prepare(
        formula,
        data,
        family,
        X=X,
        y=y,
        weights=weights,
        offset=offset,
        penalty_factor=penalty_factor,
        exclude=exclude,
        groups=groups,
        na_action=na_action,
        ties=ties,
        strata=strata,
        **fit_kwargs,
    )
    if verbose and prep.n_dropped:
        print(
            f"lassonet: {prep.n_dropped} row(s) with missing values dropped (na.omit); "
            f"{prep.X.shape[0]} used.",
            file=sys.stderr,
        )
    return _build_path(prep, prep.fit(), 0, call=_format_call(args))
