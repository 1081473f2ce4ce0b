r"""Cross-validated LassoNet paths, glmnet's ``cv.glmnet``: :func:`cv_lassonet` and CVLassoNet.

How it works (one engine call):

1. The data are prepared exactly as :func:`lassonetpy.lassonet` prepares them (formula, NA
   rows, groups, weights, offsets).
2. Folds: ``foldid`` if given, else :func:`~lassonetpy.report.cv_stats.make_folds` (stratified by
   class for binomial and multinomial).
3. The full-data fit and the ``K`` fold fits are **one batch** of ``B = 1 + K`` models trained
   in lock-step (model 0: every row; model ``k``: every row outside fold ``k``), so they share
   one lambda grid and the CPU does one large computation instead of ``K + 1`` small ones.
4. Out-of-fold predictions: the rows of fold ``k`` are predicted by model ``k`` at every path
   index (response scale, with their offsets); :func:`~lassonetpy.report.cv_stats.fold_errors`,
   :func:`~lassonetpy.report.cv_stats.cv_summary` and :func:`~lassonetpy.report.cv_stats.choose_lambda`
   (glmnet's 1-SE rule) give ``cvm``, ``cvsd``, ``lambda_min`` and ``lambda_1se``.

**When a fold's path ends early.** The batch continues until *no* model has a feature left, so
every model has a state at every lambda of the shared grid. A model that has lost all its
features is frozen (the engine stops updating it), so at larger lambdas its predictions are
those of its empty (input-free) model: its error is carried forward, never missing. Conversely,
when the full-data model empties first, the path keeps the trailing lambdas (``nzero`` is 0
there) on which some folds still had features.
"""

from __future__ import annotations

import sys
import time
import types
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _pickling
from .api import _build_path, _format_call, lassonet
from .engine import PathResult
from .engine.parallel import fit_batch
from .errors import InputError, InputTypeError, LassoNetWarning, bad_value
from .families import get_family
from .formula.inputs import FIT_ARGS, Prepared, _prepare
from .path import LassoNetPath
from .report.cv_plot import plot_cv
from .report.cv_stats import (
    check_foldid,
    choose_lambda,
    cv_summary,
    fold_errors,
    fold_weight_sums,
    make_folds,
)
from .report.measures import (
    MEASURES,
    _Text,
    check_measure,
    family_name,
    is_maximized,
    measure_name,
    pointwise,
)
from .report.printing import format_lambda
from .survfit import check_cox_folds, cox_cv_errors, is_cox

__all__ = ["cv_lassonet", "CVLassoNet"]

#: lassonet() arguments handled by _prepare (the rest of FIT_ARGS go to the engine).
_PREP_ARGS = (
    "weights",
    "offset",
    "penalty_factor",
    "exclude",
    "groups",
    "na_action",
    "ties",
    "strata",
)
_S_NAMES = {
    "lambda_min": "lambda_min",
    "lambda.min": "lambda_min",
    "lambda_1se": "lambda_1se",
    "lambda.1se": "lambda_1se",
}


def _ro(a: Any) -> np.ndarray:
    out = np.array(a, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, repr=False, eq=False)
class CVLassoNet:
    """A cross-validated LassoNet path (glmnet's ``cv.glmnet`` object); never modified.

    Built by :func:`cv_lassonet`. Path indices run as on :class:`~lassonetpy.LassoNetPath`:
    0 is the dense fit (lambda = 0), then lambda increases.

    Attributes
    ----------
    call : str
        The call, like glmnet's ``Call:`` line.
    lambdas : ndarray of shape (L,)
        The lambda grid shared by the full-data fit and every fold (increasing, 0 first).
    cvm, cvsd : ndarray of shape (L,)
        Mean cross-validated error and its standard error (glmnet's ``cvstats``).
    cvup, cvlo : ndarray of shape (L,)
        ``cvm + cvsd`` and ``cvm - cvsd``.
    nzero : ndarray of shape (L,)
        Terms selected by the full-data fit at each lambda.
    measure, measure_name : str
        The measure's key (``"deviance"``, ``"class"``, ...) and display name
        (``"Multinomial Deviance"``, ...).
    foldid : ndarray of int, shape (n,)
        Fold (1..K) of every row used (rows dropped for NA are not counted).
    lambda_min, lambda_1se : float
        Largest lambda with the best ``cvm``; largest lambda within one SE of it.
    index_min, index_1se : int
        Their path indices (0-based; ``coef``/``predict`` label them ``"s<index>"``).
    path : LassoNetPath
        The full-data fit (glmnet's ``glmnet.fit``).
    fold_errors : ndarray of shape (K, L)
        Error of each fold at each lambda (glmnet's ``cvraw``); one row per observation
        when ``grouped`` is False.
    fit_preval : ndarray of shape (n, L) or (n, n_outputs, L), or None
        Out-of-fold predictions on the response scale (probabilities for classification; the
        linear predictor for cox, as glmnet), only with ``keep=True``.
    grouped : bool
        False when glmnet's fallback to observation-level errors was used (fewer than 3
        observations per fold).
    timing : mapping
        Seconds: ``fit`` (the batched engine call, of which ``dense`` and ``path``),
        ``cv`` (out-of-fold predictions and statistics) and ``total``.

    Examples
    --------
    >>> from lassonetpy import cv_lassonet
    >>> from lassonetpy.datasets import load_boston
    >>> cv = cv_lassonet("medv ~ .", load_boston(), nfolds=3, hidden=(8,), nlambda=8,
    ...                  seed=0, verbose=False)
    >>> cv.measure_name, cv.lambda_1se >= cv.lambda_min
    ('Mean-Squared Error', True)
    >>> cv.fold_errors.shape == (3, len(cv.lambdas))
    True
    """

    call: str
    lambdas: np.ndarray
    cvm: np.ndarray
    cvsd: np.ndarray
    cvup: np.ndarray
    cvlo: np.ndarray
    nzero: np.ndarray
    measure: str
    measure_name: str
    foldid: np.ndarray
    lambda_min: float
    lambda_1se: float
    index_min: int
    index_1se: int
    path: LassoNetPath
    fold_errors: np.ndarray
    fit_preval: np.ndarray | None
    grouped: bool
    timing: Mapping[str, float]
    relaxed: Any = None  # relax=True: a lassonetpy.relax.CVRelaxed

    # ------------------------------------------------------------------ attributes
    @property
    def family(self) -> str:
        """Name of the response family."""
        return self.path.family

    @property
    def nfolds(self) -> int:
        """Number of folds ``K``."""
        return int(self.foldid.max())

    @property
    def classes(self) -> np.ndarray | None:
        """Class labels of classification fits, else None."""
        return self.path.classes

    def __len__(self) -> int:
        return len(self.lambdas)

    def __getstate__(self) -> dict[str, Any]:
        return _pickling.getstate(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        _pickling.setstate(self, state)

    # ------------------------------------------------------------------ choosing s
    def _s(self, s: Any) -> Any:
        """``"lambda_min"`` / ``"lambda_1se"`` (and the dotted spellings) -> their lambdas."""

        def one(v: Any) -> Any:
            if isinstance(v, str):
                if v not in _S_NAMES:
                    raise bad_value(
                        "s",
                        "'lambda_min' or 'lambda_1se' (also written "
                        "'lambda.min', 'lambda.1se'), a lambda >= 0, or a list of "
                        "them",
                        v,
                    )
                return float(getattr(self, _S_NAMES[v]))
            return v

        if s is None or isinstance(s, str) or np.ndim(s) == 0:
            return None if s is None else one(s)
        return [one(v) for v in np.asarray(s, dtype=object).ravel()]

    # ------------------------------------------------------------------ forwarding
    def coef(self, s: Any = "lambda_1se") -> Any:
        """Coefficients of the full-data fit at ``s`` (see :meth:`LassoNetPath.coef`).

        Parameters
        ----------
        s : str, float or list, default "lambda_1se"
            ``"lambda_1se"``, ``"lambda_min"`` (also ``"lambda.1se"``, ``"lambda.min"``), a
            lambda (snaps to the nearest on the path) or a list of these.

        Returns
        -------
        pandas.DataFrame
            Rows ``"(Intercept)"`` and the column names; one column ``"s<index>"`` per fit.

        Examples
        --------
        >>> from lassonetpy import cv_lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> cv = cv_lassonet("medv ~ .", load_boston(), nfolds=3, hidden=(8,), nlambda=8,
        ...                  seed=0, verbose=False)
        >>> cv.coef().columns.tolist() == [f"s{cv.index_1se}"]
        True
        """
        return self.path.coef(s=self._s(s))

    def predict(
        self,
        newdata: Any,
        s: Any = "lambda_min",
        type: str = "link",
        newoffset: Any = None,
        times: Any = None,
        newstrata: Any = None,
    ) -> Any:
        """Predict with the full-data fit at ``s`` (see :meth:`LassoNetPath.predict`).

        Parameters
        ----------
        newdata : pandas.DataFrame or array-like
            As for :meth:`LassoNetPath.predict`.
        s : str, float or list, default "lambda_min"
            As in :meth:`coef`. (glmnet's ``predict.cv.glmnet`` defaults to ``lambda.1se``;
            pass ``s="lambda_1se"`` for the sparser model.)
        type : {"link", "response", "class", "survival"}
            Linear predictor, mean response (probabilities; relative risk for cox), class
            labels, or survival probabilities at ``times`` (cox).
        newoffset : array-like or str, optional
            Required when the fit used an offset.
        times, newstrata : optional
            ``type="survival"`` (see :meth:`LassoNetPath.predict`).

        Returns
        -------
        pandas.Series / DataFrame or ndarray

        Examples
        --------
        >>> from lassonetpy import cv_lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> df = load_boston()
        >>> cv = cv_lassonet("medv ~ .", df, nfolds=3, hidden=(8,), nlambda=8, seed=0,
        ...                  verbose=False)
        >>> cv.predict(df.head(2)).shape
        (2,)
        """
        return self.path.predict(
            newdata,
            s=self._s(s),
            type=type,
            newoffset=newoffset,
            times=times,
            newstrata=newstrata,
        )

    def nonzero(self, s: Any = "lambda_1se") -> Any:
        """Names of the terms selected by the full-data fit at ``s``.

        Parameters
        ----------
        s : str, float or list, default "lambda_1se"
            As in :meth:`coef`.

        Returns
        -------
        list of str, or list of lists of str

        Examples
        --------
        >>> from lassonetpy import cv_lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> cv = cv_lassonet("medv ~ .", load_boston(), nfolds=3, hidden=(8,), nlambda=8,
        ...                  seed=0, verbose=False)
        >>> len(cv.nonzero("lambda_min")) == int(cv.nzero[cv.index_min])
        True
        """
        return self.path.nonzero(s=self._s(s))

    def plot(self, ax: Any = None, sign_lambda: int = 1) -> Any:
        """The CV curve, like ``plot.cv.glmnet``.

        Red points at ``cvm`` with error bars ``cvlo``..``cvup`` against log(lambda), the
        number of selected terms on the top axis, dotted lines at ``lambda_min`` and
        ``lambda_1se``; the dense fit (lambda = 0) is drawn left of the grid as a diamond.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw (a new figure by default).
        sign_lambda : {1, -1}
            -1 plots against -log(lambda) (sparse models on the left).

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from lassonetpy import cv_lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> cv = cv_lassonet("medv ~ .", load_boston(), nfolds=3, hidden=(8,), nlambda=8,
        ...                  seed=0, verbose=False)
        >>> cv.plot().get_ylabel()
        'Mean-Squared Error'
        """
        return plot_cv(
            self.lambdas,
            self.cvm,
            self.cvsd,
            self.nzero,
            self.lambda_min,
            self.lambda_1se,
            measure_name=self.measure_name,
            ax=ax,
            sign_lambda=sign_lambda,
        )

    # ------------------------------------------------------------------ printing
    def table(self) -> Any:
        """The ``print`` table as a DataFrame: rows ``min`` and ``1se``.

        Returns
        -------
        pandas.DataFrame
            Columns ``Lambda``, ``Index``, ``Measure``, ``SE``, ``Nonzero``.

        Examples
        --------
        >>> from lassonetpy import cv_lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> cv = cv_lassonet("medv ~ .", load_boston(), nfolds=3, hidden=(8,), nlambda=8,
        ...                  seed=0, verbose=False)
        >>> cv.table().columns.tolist()
        ['Lambda', 'Index', 'Measure', 'SE', 'Nonzero']
        """
        import pandas as pd

        idx = [self.index_min, self.index_1se]
        return pd.DataFrame(
            {
                "Lambda": [self.lambda_min, self.lambda_1se],
                "Index": idx,
                "Measure": self.cvm[idx],
                "SE": self.cvsd[idx],
                "Nonzero": self.nzero[idx].astype(int),
            },
            index=["min", "1se"],
        )

    def __repr__(self) -> str:
        cells = [
            [
                format_lambda(lam),
                str(i),
                f"{self.cvm[i]:.4g}",
                f"{self.cvsd[i]:.4g}",
                str(int(self.nzero[i])),
            ]
            for lam, i in ((self.lambda_min, self.index_min), (self.lambda_1se, self.index_1se))
        ]
        head = ["Lambda", "Index", "Measure", "SE", "Nonzero"]
        widths = [max(len(h), *(len(c[j]) for c in cells)) for j, h in enumerate(head)]
        lines = [
            f"Call: {self.call}",
            "",
            f"Measure: {self.measure_name}",
            "",
            "     " + "  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)),
        ]
        for name, c in zip(("min", "1se"), cells, strict=True):
            lines.append(
                f"{name:<3}  " + "  ".join(v.rjust(w) for v, w in zip(c, widths, strict=True))
            )
        lines += [
            "",
            f"{self.nfolds} folds{'' if self.grouped else ' (ungrouped)'}; Index: "
            "path index (0 is the dense fit); Nonzero: terms selected by the full-data "
            f"fit (of {len(self.path.term_names)}).",
        ]
        if self.relaxed is not None:
            lines += ["", repr(self.relaxed)]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# cv_lassonet
# ---------------------------------------------------------------------------------------------
def _inner(call: str) -> str:
    return call[call.index("(") + 1 : -1]


def _calls(args: dict[str, Any], kwargs: dict[str, Any]) -> tuple[str, str]:
    """The ``cv_lassonet(...)`` call line and the equivalent ``lassonet(...)`` of the path."""
    fit_args = {k: args[k] for k in ("formula", "family", "X", "y")}
    fit_args.update(kwargs)
    cv_part = _format_call(
        {
            k: args[k]
            for k in ("nfolds", "foldid", "type_measure", "keep", "seed", "relax")
            if k in args
        },
        name="cv_lassonet",
        fn=cv_lassonet,
    )
    fit_call = _format_call(fit_args, fn=lassonet)
    fit_args["seed"] = args["seed"]
    path_call = _format_call(fit_args, fn=lassonet)
    inner = ", ".join(p for p in (_inner(fit_call), _inner(cv_part)) if p)
    return f"cv_lassonet({inner})", path_call


def _user_foldid(foldid: Any, prep: Prepared) -> np.ndarray:
    """User fold labels for the rows of ``data``/``X`` (or for the rows kept after NA)."""
    n = prep.X.shape[0]
    n_in = n + prep.n_dropped
    length = len(foldid) if hasattr(foldid, "__len__") else None
    if length == n_in:
        full = check_foldid(foldid, n_in)
        if n_in == n:
            return full
        try:
            return check_foldid(full[prep.rows], n)
        except InputError as e:
            raise type(e)(f"{e} ({prep.n_dropped} row(s) with NA were dropped first.)") from None
    if prep.n_dropped and length == n:
        return check_foldid(foldid, n)
    rows = f"{n_in}" + (f" (or {n}, the rows left after dropping NA)" if prep.n_dropped else "")
    raise bad_value(
        "foldid",
        f"a vector of length {rows}: one fold label per row of "
        f"{'`data`' if prep.design is not None else '`X`'}",
        _Text(f"length {length}") if length is not None else foldid,
    )


def _oof_predictions(prep: Prepared, result: Any, fid: np.ndarray) -> np.ndarray:
    """Out-of-fold predictions on the response scale, (L, n) or (L, n, n_outputs)."""
    n, L = prep.X.shape[0], len(result.lambdas)
    O = int(result.response.n_outputs)
    pred = np.empty((L, n, O))
    for k in range(1, int(fid.max()) + 1):
        rows = np.flatnonzero(fid == k)
        Xk = prep.X[rows]
        off = None if prep.offset is None else prep.offset[rows]
        for i in range(L):
            pred[i, rows] = result.predict(Xk, i, model=k, offset=off, type="response")
    return pred[..., 0] if O == 1 else pred


def cv_lassonet(
    formula: str | None = None,
    data: Any = None,
    family: Any = "gaussian",
    *,
    X: Any = None,
    y: Any = None,
    nfolds: int = 10,
    foldid: Any = None,
    type_measure: str = "default",
    keep: bool = False,
    seed: int | None = None,
    verbose: bool = True,
    parallel: Any = None,
    n_tasks: int | None = None,
    relax: bool = False,
    **lassonet_kwargs: Any,
) -> CVLassoNet:
    """Cross-validate a LassoNet path, as glmnet's ``cv.glmnet``.

    The full-data fit fixes the lambda grid and every fold follows it: the full fit and the
    ``K`` fold fits are trained together as **one batch** of ``K + 1`` models, in lock-step.
    The error of each fold is measured on its held-out rows at every lambda; ``cvm`` and
    ``cvsd`` summarise the folds and glmnet's rules pick ``lambda_min`` (best ``cvm``) and
    ``lambda_1se`` (the largest lambda within one standard error of it).

    Parameters
    ----------
    formula, data, family, X, y
        As in :func:`lassonetpy.lassonet` (formula or array interface).
    nfolds : int, default 10
        Number of folds, ``3 <= nfolds <= n``; ignored when ``foldid`` is given. Folds are
        stratified by class for binomial and multinomial, by status for cox.
    foldid : array-like of int, optional
        Fold label of every row of ``data`` (or ``X``); any integer labels, at least 3
        distinct. Use the same ``foldid`` to compare settings on the same folds.
    type_measure : {"default", "deviance", "mse", "mae", "class", "auc", "C"}
        Error measure (``"default"``: deviance, which is the mean squared error for gaussian).
        Valid choices depend on the family (:func:`lassonetpy.report.measures.measures_for`). As in
        glmnet, ``"auc"`` with fewer than 10 observations per fold falls back to deviance
        (with a warning), and fewer than 3 observations per fold switch to observation-level
        errors (``grouped=False``). Cox: the partial-likelihood deviance in glmnet's grouped
        form, or ``"C"``, Harrell's C-index (see :mod:`lassonetpy.report.cox_measures`);
        folds are stratified on status, and a fold without an event is left out (warning).
    keep : bool, default False
        Keep the out-of-fold predictions (``fit_preval``).
    seed : int, optional
        Seeds both the fold assignment and the networks (reproducible; no global state).
    verbose : bool, default True
        Progress bar and the NA message (stderr).
    parallel : None, "dask" or dask.distributed.Client, optional
        Where the models run: ``None`` in this process (one batch); ``"dask"`` on the current
        Dask client; or the given client. On Dask the batch is split by folds into
        ``n_tasks`` chunks, each fitted by a task; the result is identical to the local run,
        bit for bit, whatever ``n_tasks`` (a model's fit does not depend on the models sharing
        its batch; with the same torch threads per task: see
        :mod:`lassonetpy.engine.parallel`).
    n_tasks : int, optional
        Number of chunks of models (default: one locally, one per model on Dask). Locally,
        ``n_tasks > 1`` fits the chunks one after the other (less memory).
    relax : bool, default False
        Also cross-validate the relaxed fits (glmnet's ``relax=TRUE``): every model of the
        batch is refitted without penalty on the terms it selected at every lambda (one
        batch of unpenalised fits on column subsets), and the folds' held-out errors of the
        refits give ``relaxed`` (:class:`~lassonetpy.relaxed.CVRelaxed`: ``cvm``, ``lambda_min``,
        ``lambda_1se``, ``predict``). Costs about one dense fit per model and distinct set
        of terms.
    **lassonet_kwargs
        Any other argument of :func:`lassonetpy.lassonet` (``hidden``, ``M``, ``nlambda``,
        ``lambda_``, ``weights``, ``offset``, ``penalty_factor``, ``tol``, ``threads``, ...).

    Returns
    -------
    CVLassoNet
        ``print`` it; ``coef``, ``predict``, ``nonzero``, ``plot``; ``path`` is the full fit.

    Raises
    ------
    InputError
        Bad ``nfolds`` / ``foldid`` / ``type_measure`` for the family, and everything
        :func:`lassonetpy.lassonet` raises.

    Examples
    --------
    >>> from lassonetpy import cv_lassonet
    >>> from lassonetpy.datasets import load_mice_protein
    >>> mice = load_mice_protein()[["class", "DYRK1A_N", "ITSN1_N", "BDNF_N", "SOD1_N"]]
    >>> cv = cv_lassonet("class ~ .", mice, family="multinomial", nfolds=3,
    ...                  type_measure="class", hidden=(8,), nlambda=8, seed=0, verbose=False)
    >>> cv.call
    'cv_lassonet(formula="class ~ .", family="multinomial", hidden=(8,), nlambda=8, \
nfolds=3, type_measure="class", seed=0)'
    >>> cv.measure_name, cv.nfolds
    ('Misclassification Error', 3)
    >>> bool(cv.cvm[cv.index_min] == cv.cvm.min())
    True
    """
    t0 = time.perf_counter()
    args = dict(locals())
    plan = _cv_plan(
        "cv_lassonet",
        formula,
        data,
        family,
        X,
        y,
        nfolds,
        foldid,
        type_measure,
        keep,
        seed,
        verbose,
        lassonet_kwargs,
    )
    call, fit_call = _calls(args, lassonet_kwargs)
    result = fit_batch(plan.prep, plan.masks, parallel=parallel, n_tasks=n_tasks, verbose=verbose)[
        0
    ]
    cv = _cv_from_result(plan, result, call=call, fit_call=fit_call, keep=keep, t0=t0)
    if relax:
        from dataclasses import replace

        from .relax import cv_relaxed

        cv = replace(cv, relaxed=cv_relaxed(plan, result, cv.path, seed=seed))
    return cv


@dataclass(frozen=True)
class _CVPlan:
    """A cross-validation before fitting: prepared data, folds, masks, measure."""

    prep: Prepared
    family: Any
    foldid: np.ndarray
    masks: np.ndarray
    measure: str
    grouped: bool
    y_enc: np.ndarray


def _cv_plan(
    name: str,
    formula: Any,
    data: Any,
    family: Any,
    X: Any,
    y: Any,
    nfolds: int,
    foldid: Any,
    type_measure: str,
    keep: Any,
    seed: Any,
    verbose: bool,
    lassonet_kwargs: dict[str, Any],
    exclude_args: tuple[str, ...] = (),
) -> _CVPlan:
    """Validate the arguments, prepare the data, make the folds and the ``1 + K`` masks."""
    # df_resolution: a batch keeps its common grid (the CV curve's lambdas are the path's)
    allowed = (set(FIT_ARGS) | set(_PREP_ARGS)) - {
        "seed",
        "verbose",
        "df_resolution",
        *exclude_args,
    }
    if unknown := sorted(set(lassonet_kwargs) - allowed):
        raise InputTypeError(
            f"Unknown argument(s) {unknown} for {name}(); it takes "
            "nfolds, foldid, type_measure, keep, seed, verbose, parallel, n_tasks and the "
            f"arguments of lassonet(): {sorted(allowed)}."
        )
    if not isinstance(keep, (bool, np.bool_)):
        raise bad_value("keep", "True or False", keep, cls=InputTypeError)
    fam = get_family(family)
    measure = check_measure(type_measure, family_name(fam))
    prep = _prepare(formula, data, family, X=X, y=y, seed=seed, verbose=verbose, **lassonet_kwargs)
    if prep.family == "reconstruction":
        raise bad_value(
            "formula" if formula is not None else "y",
            f"a response for {name}()",
            formula if formula is not None else None,
            "The unsupervised path (no response) has no CV here: fit it with lassonet('~ .', "
            "data) and compare reconstructions on held-out rows.",
        )
    if verbose and prep.n_dropped:
        print(
            f"{name}: {prep.n_dropped} row(s) with missing values dropped (na.omit); "
            f"{prep.X.shape[0]} used.",
            file=sys.stderr,
        )
    n = prep.X.shape[0]
    fam = get_family(prep.family)  # with its settings (e.g. the tie method of cox)
    info = fam.prepare(prep.y, prep.weights)
    y_enc = info.y if info.classes is not None else info.center + info.scale * info.y

    # stratified folds: by class, or by status for cox (every fold gets its share of events)
    codes = info.y if info.classes is not None else (info.y[:, 1] if is_cox(fam) else None)
    fid = (
        make_folds(n, nfolds, y_codes=codes, seed=seed)
        if foldid is None
        else _user_foldid(foldid, prep)
    )
    K = int(fid.max())
    if is_cox(fam):
        check_cox_folds(info.y[:, 1], fid, prep.weights)
    if foldid is None and info.classes is not None:
        counts = np.bincount(np.asarray(info.y, dtype=np.int64), minlength=len(info.classes))
        if counts.min() < K:
            rare = int(np.argmin(counts))
            warnings.warn(
                f"`nfolds` = {K} is more than the {int(counts[rare])} row(s) of the smallest "
                f"class {info.classes.tolist()[rare]!r}: some folds hold none of it, so their errors do "
                f"not measure it. Use nfolds <= {int(counts[rare])}, or give `foldid`.",
                LassoNetWarning,
                stacklevel=3,
            )
    if measure == "auc" and n / K < 10:
        warnings.warn(
            "Too few (< 10) observations per fold for type_measure='auc'; changed "
            "to type_measure='deviance'. Alternatively, use fewer folds.",
            LassoNetWarning,
            stacklevel=3,
        )
        measure = "deviance"
    # cox: always grouped (glmnet's cv.coxnet enforces it)
    grouped = is_cox(fam) or not (n / K < 3 and MEASURES[measure].per_observation)
    if not grouped:
        warnings.warn(
            f"Option grouped=False enforced in {name}, since < 3 observations "
            "per fold: errors are per observation.",
            LassoNetWarning,
            stacklevel=3,
        )

    w = np.ones(n) if prep.weights is None else prep.weights
    masks = np.vstack([np.ones(n, dtype=bool), fid[None, :] != np.arange(1, K + 1)[:, None]])
    if thin := [k for k in range(1, K + 1) if (masks[k].sum() < 2 or w[masks[k]].sum() <= 0)]:
        raise bad_value(
            "foldid",
            "folds that each leave at least 2 training rows with positive weight",
            f"fold(s) {thin} leaving too few",
        )
    return _CVPlan(prep, fam, fid, masks, measure, grouped, y_enc)


def _cv_from_result(
    plan: _CVPlan,
    result: PathResult,
    *,
    call: str,
    fit_call: str,
    keep: bool,
    t0: float,
) -> CVLassoNet:
    """A :class:`CVLassoNet` from the engine result of the ``1 + K`` models of ``plan``.

    ``result`` holds the full-data model first, then the model of each fold (a slice of a
    larger batch, e.g. one ``M`` of :func:`~lassonetpy.cva_lassonet`, works the same).
    """
    prep, fid, measure, grouped = plan.prep, plan.foldid, plan.measure, plan.grouped
    t_fit = time.perf_counter()
    fam_name = family_name(plan.family)
    if is_cox(plan.family):  # partial likelihood: every fold model on all rows
        errs, fw, pred = cox_cv_errors(measure, prep, result, fid, plan.family.ties)
    elif grouped:
        pred = _oof_predictions(prep, result, fid)
        errs = fold_errors(measure, plan.y_enc, pred, fid, prep.weights, fam_name)
        fw = fold_weight_sums(fid, prep.weights)
    else:
        pred = _oof_predictions(prep, result, fid)
        errs = pointwise(measure, fam_name, plan.y_enc, pred).T
        fw = np.ones(prep.X.shape[0]) if prep.weights is None else prep.weights
    stats = cv_summary(errs, fw)
    choice = choose_lambda(result.lambdas, stats.cvm, stats.cvsd, maximize=is_maximized(measure))
    path = _build_path(prep, result, 0, call=fit_call)
    t1 = time.perf_counter()
    timing = {
        "fit": float(result.timing.get("total", t_fit - t0)),
        "dense": float(result.timing.get("dense", np.nan)),
        "path": float(result.timing.get("path", np.nan)),
        "cv": t1 - t_fit,
        "total": t1 - t0,
    }
    return CVLassoNet(
        call=call,
        lambdas=_ro(result.lambdas),
        cvm=_ro(stats.cvm),
        cvsd=_ro(stats.cvsd),
        cvup=_ro(stats.cvup),
        cvlo=_ro(stats.cvlo),
        nzero=_ro(path.df),
        measure=measure,
        measure_name=measure_name(measure, fam_name),
        foldid=_ro(fid),
        lambda_min=choice.lambda_min,
        lambda_1se=choice.lambda_1se,
        index_min=choice.index_min,
        index_1se=choice.index_1se,
        path=path,
        fold_errors=_ro(errs),
        fit_preval=_ro(np.moveaxis(pred, 0, -1)) if keep else None,
        grouped=grouped,
        timing=types.MappingProxyType(timing),
    )
