"""What the scikit-learn estimators share: parameters, input checks, the engine call.

The estimators are thin: ``fit`` validates with scikit-learn's own helpers
(``validate_data``, ``_check_sample_weight``), then calls the package's array interface,
:func:`lassonetpy.lassonet` or :func:`lassonetpy.cv_lassonet`, and keeps the
:class:`~lassonetpy.LassoNetPath` as ``path_``. Every prediction reads that path.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..errors import InputError, InputTypeError, bad_value

__all__: list[str] = []

#: parameters every estimator takes, with their defaults (those of :func:`lassonetpy.lassonet`,
#: except ``verbose``, False as in scikit-learn, and ``random_state`` for ``seed``)
ENGINE_DEFAULTS: dict[str, Any] = {
    "hidden": (100,),
    "M": 10.0,
    "nlambda": 100,
    "lambda_seq": None,
    "lambda_min_ratio": 1e-2,
    "standardize": True,
    "dropout": 0.0,
    "gamma": 0.0,
    "gamma_skip": 0.0,
    "batch_size": None,
    "tol": 1e-2,
    "max_epochs": 500,
    "random_state": None,
    "device": "cpu",
    "dtype": "float32",
    "verbose": False,
}

PARAMS_DOC = """hidden : int or tuple of int, default (100,)
        Hidden layer sizes.
    M : float, default 10
        Hierarchy multiplier: a feature may use the hidden layer only as much as
        ``|W0_j| <= M |theta_j|`` allows; 0 is the linear lasso.
    nlambda : int, default 100
        Number of lambdas on the automatic grid (the path may stop earlier).
    lambda_seq : array-like of float, optional
        Increasing lambdas to use instead of the automatic grid (the dense fit comes first).
    lambda_min_ratio : float, default 0.01
        Start of the automatic grid, as a fraction of the lambda that empties a linear model.
    standardize : bool, default True
        Standardise the columns inside the fit (coefficients are reported on the original
        scale).
    dropout, gamma, gamma_skip : float, default 0
        Dropout on hidden units; L2 penalties on the hidden weights and the skip weights.
    batch_size : int, optional
        Mini-batch size (full batch by default).
    tol : float, default 0.01
        Convergence tolerance at each lambda, relative to the null model's loss.
    max_epochs : int, default 500
        Epoch limit per lambda.
    random_state : int, RandomState instance or None, default None
        Seeds the network initialisation (and the folds of the CV estimators): an int makes
        ``fit`` reproducible; no global random state is touched.
    device : str, default "cpu"
        ``"cpu"`` or ``"cuda"``.
    dtype : {"float32", "float64"}, default "float32"
        Precision of training and prediction.
    verbose : bool, default False
        Show the tqdm progress bar of the path."""


def seed_of(random_state: Any) -> int | None:
    """``random_state`` -> the package's integer ``seed`` (None stays None).

    Parameters
    ----------
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        scikit-learn's convention.

    Returns
    -------
    int or None

    Examples
    --------
    >>> seed_of(None) is None, seed_of(3)
    (True, 3)
    >>> import numpy as np
    >>> seed_of(np.random.RandomState(0)) == seed_of(np.random.RandomState(0))
    True
    """
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise bad_value("random_state", "None, an integer >= 0 or a RandomState", random_state)
        return int(random_state)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(check_random_state(random_state).randint(2**31 - 1))
    raise bad_value(
        "random_state",
        "None, an integer >= 0, a numpy RandomState or Generator",
        random_state,
        cls=InputTypeError,
    )


def check_s_df(s: Any, df: Any) -> None:
    """Validate the ``s`` (a lambda) and ``df`` (most terms) parameters of an estimator."""
    if s is not None and df is not None:
        raise InputError(f"Give `s` or `df`, not both; got s={s!r} and df={df!r}.")
    if s is not None and (
        isinstance(s, bool) or not isinstance(s, numbers.Real) or not np.isfinite(float(s)) or s < 0
    ):
        raise bad_value("s", "None or a lambda >= 0", s)
    if df is not None and (isinstance(df, bool) or not isinstance(df, numbers.Integral) or df < 0):
        raise bad_value("df", "None or an integer >= 0 (the most terms kept)", df)


def path_index(path: Any, s: Any, df: Any) -> int:
    """Index of the fit on ``path`` for ``s`` (nearest lambda, log scale) or ``df``.

    Neither given: the dense fit (index 0). A lambda beyond the end of the path is the last
    (input-free) fit; ``df`` below the fewest terms on the path is the last fit too.
    """
    if s is None and df is None:
        return 0
    if df is not None and df < int(np.min(path.df)):
        return len(path) - 1
    if s is not None and s > float(np.max(path.lambdas)):
        return len(path) - 1
    idx, _ = path._indices(s, df)
    return int(idx[0])


class LassoNetBase(BaseEstimator):
    """Shared machinery; not an estimator by itself."""

    # ------------------------------------------------------------------ engine arguments
    def _engine_kwargs(self) -> dict[str, Any]:
        """Arguments of :func:`lassonetpy.lassonet` from the estimator's parameters."""
        out = {
            k: getattr(self, k) for k in ENGINE_DEFAULTS if k not in ("random_state", "lambda_seq")
        }
        hidden = out["hidden"]
        if isinstance(hidden, list):
            out["hidden"] = tuple(hidden)
        out["lambda_"] = None if self.lambda_seq is None else np.asarray(self.lambda_seq, float)
        out["seed"] = seed_of(self.random_state)
        out["verbose"] = bool(self.verbose)
        return out

    # ------------------------------------------------------------------ inputs
    def _validate_fit(
        self, X: Any, y: Any, sample_weight: Any, *, multi_output: bool = False
    ) -> tuple[Any, np.ndarray, np.ndarray | None]:
        """X (numeric frame with names, or array), y, weights; sets ``n_features_in_``."""
        X, y = validate_data(
            self,
            X,
            y,
            reset=True,
            dtype=np.float64,
            y_numeric=False,
            multi_output=multi_output,
            ensure_min_samples=2,
        )
        X = np.array(X, dtype=np.float64)  # a plain, writable, in-memory copy
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
            if not (sample_weight > 0).any():
                raise bad_value(
                    "sample_weight", "weights >= 0 with at least one positive", "all zero"
                )
        return self._named(X), y, sample_weight

    def _named(self, X: np.ndarray) -> Any:
        names = getattr(self, "feature_names_in_", None)
        return pd.DataFrame(X, columns=list(names)) if names is not None else X

    def _validate_predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "path_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return np.array(X, dtype=np.float64)

    # ------------------------------------------------------------------ fitted attributes
    def _set_point(self, path: Any, index: int) -> None:
        """Attributes of the fit at ``index``: ``coef_``, ``intercept_``, ``support_``, ..."""
        self.path_ = path
        self.index_ = int(index)
        self.lambda_ = float(path.lambdas[index])
        beta = np.asarray(path.beta[index], dtype=np.float64)  # (n_outputs, d)
        self.coef_ = beta[0] if beta.shape[0] == 1 else beta
        a0 = np.asarray(path.a0[index], dtype=np.float64)
        self.intercept_ = float(a0[0]) if a0.shape[0] == 1 else a0
        self.support_ = np.asarray(path.selected[index], dtype=bool).copy()
        imp = path.importance().reindex(list(path.term_names))
        per_col = np.empty(len(path.column_names))
        for t, g in enumerate(path.groups):
            per_col[list(g)] = imp.iloc[t]
        self.feature_importances_ = per_col

    def _predict_path(self, X: np.ndarray, type: str) -> np.ndarray:
        """Predictions of the chosen fit (numpy, float64)."""
        out = self.path_.predict(X, s=self.lambda_, type=type)
        return np.asarray(out, dtype=np.float64)

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.input_tags.allow_nan = False
        return tags


def foldid_from_cv(cv: Any, X: Any, y: Any, groups: Any, classifier: bool) -> np.ndarray | None:
    """scikit-learn ``cv`` -> the package's ``foldid`` (None: use ``cv`` as ``nfolds``).

    An integer keeps the package's own folds (stratified by class for classifiers, drawn
    from ``random_state``). A splitter or an iterable of ``(train, test)`` pairs must give
    test sets that partition the rows (K-fold style): each row gets the number of its fold.
    """
    if cv is None:
        return None
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if cv < 3:
            raise bad_value("cv", "an integer >= 3, a K-fold splitter or (train, test) pairs", cv)
        return None
    from sklearn.model_selection import check_cv

    splitter = check_cv(cv, y, classifier=classifier)
    n = X.shape[0]
    foldid = np.zeros(n, dtype=np.int64)
    k = 0
    for k, (_, test) in enumerate(splitter.split(X, y, groups), start=1):
        test = np.asarray(test)
        if (foldid[test] != 0).any():
            raise bad_value(
                "cv",
                "a splitter whose test sets partition the rows (KFold, StratifiedKFold, "
                "GroupKFold, ...)",
                cv,
                "A row was in two test sets.",
            )
        foldid[test] = k
    if (foldid == 0).any():
        raise bad_value(
            "cv",
            "a splitter whose test sets cover every row (KFold, StratifiedKFold, GroupKFold, ...)",
            cv,
            f"{int((foldid == 0).sum())} row(s) were in no test set.",
        )
    if k < 3:
        raise bad_value("cv", "a splitter with at least 3 folds", cv)
    return foldid


# ------------------------------------------------------------------------------ fitting
_CHOICES = ("lambda_min", "lambda_1se")


class PlainFit:
    """``fit`` for the estimators that pick one fit of the path by ``s`` or ``df``."""

    s: Any
    df: Any

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        """Fit the whole path, then keep the fit chosen by ``s`` or ``df``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric inputs (column names of a DataFrame are kept as ``feature_names_in_``).
        y : array-like of shape (n_samples,) (or (n_samples, n_outputs) for regression)
            Response.
        sample_weight : array-like of shape (n_samples,), optional
            Observation weights (glmnet's ``weights``).

        Returns
        -------
        self
        """
        from ..api import lassonet

        check_s_df(self.s, self.df)
        X, y, w, fam = self._prepare_y(X, y, sample_weight)  # type: ignore[attr-defined]
        path = lassonet(X=X, y=y, family=fam, weights=w, **self._engine_kwargs())  # type: ignore[attr-defined]
        self._set_point(path, path_index(path, self.s, self.df))  # type: ignore[attr-defined]
        if hasattr(self, "classes_"):
            self._check_classes()  # type: ignore[attr-defined]
        return self


PLAIN_DOC = """
    s : float, optional
        The lambda whose fit predicts (snaps to the nearest lambda of the path, on a log
        scale; beyond the end of the path: the last, input-free fit).
    df : int, optional
        Instead of ``s``: the fit with the most features not exceeding ``df``. With neither
        ``s`` nor ``df`` the dense fit (lambda = 0) predicts; the path is fitted anyway
        (``path_``), so ``feature_importances_`` and the other fits are there."""

FITTED_DOC = """
    Attributes
    ----------
    path_ : LassoNetPath
        The whole path (``print(est.path_)``, ``est.path_.plot()``, ``coef``, ...).
    index_ : int
        Path index of the fit that predicts; ``lambda_`` its lambda.
    coef_ : ndarray of shape (n_features,) or (n_outputs, n_features)
        Skip-layer (linear) coefficients of that fit, original scale; ``intercept_`` its
        intercept(s).
    support_ : ndarray of shape (n_features,), bool
        Features the fit uses.
    feature_importances_ : ndarray of shape (n_features,)
        The lambda at which each feature leaves the path (inf: never); larger is more
        important.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it was a DataFrame with string column names."""

CV_DOC = """
    cv : int, cross-validation splitter or iterable, default 10
        An integer: that many folds made by the package (stratified by class for the
        classifier, drawn from ``random_state``). A splitter (``KFold``,
        ``StratifiedKFold``, ``GroupKFold`` with ``fit(..., groups=...)``) or
        ``(train, test)`` pairs whose test sets partition the rows. At least 3 folds.
    type_measure : str, default "default"
        The CV error: ``"default"`` (deviance; the mean squared error for gaussian),
        ``"mse"``, ``"mae"``, ``"deviance"``, ``"class"``, ``"auc"`` as the family allows.
    lambda_choice : {"lambda_min", "lambda_1se"}, default "lambda_min"
        Which lambda predicts: the best CV error, or glmnet's one-standard-error rule (the
        sparsest fit within one SE of the best)."""

CV_FITTED_DOC = """
    cv_ : CVLassoNet
        The cross-validation (``print(est.cv_)``, ``est.cv_.plot()``, ``cvm``, ``cvsd``).
    lambda_min_, lambda_1se_ : float
        glmnet's two choices of lambda."""


def cv_fit(est: Any, X: Any, y: Any, sample_weight: Any, groups: Any, classifier: bool) -> Any:
    from ..cv import cv_lassonet

    if est.lambda_choice not in _CHOICES:
        raise bad_value("lambda_choice", "'lambda_min' or 'lambda_1se'", est.lambda_choice)
    X, y, w, fam = est._prepare_y(X, y, sample_weight)
    foldid = foldid_from_cv(est.cv, X, y, groups, classifier)
    kwargs = est._engine_kwargs()
    seed = kwargs.pop("seed")
    verbose = kwargs.pop("verbose")
    folds: dict[str, Any] = {"foldid": foldid} if foldid is not None else {"nfolds": int(est.cv)}
    cv = cv_lassonet(
        X=X,
        y=y,
        family=fam,
        weights=w,
        type_measure=est.type_measure,
        seed=seed,
        verbose=verbose,
        **folds,
        **kwargs,
    )
    est.cv_ = cv
    est.lambda_min_ = float(cv.lambda_min)
    est.lambda_1se_ = float(cv.lambda_1se)
    est._set_point(cv.path, cv.index_min if est.lambda_choice == "lambda_min" else cv.index_1se)
    if classifier:
        est._check_classes()
    return est


def cv_fit_doc(what: str) -> str:
    return f"""Cross-validate the path ({what}) and keep the fit at the chosen lambda.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric inputs.
        y : array-like of shape (n_samples,)
            Response.
        sample_weight : array-like of shape (n_samples,), optional
            Observation weights.
        groups : array-like of shape (n_samples,), optional
            Group labels for a group splitter given as ``cv`` (e.g. ``GroupKFold``).

        Returns
        -------
        self
        """
