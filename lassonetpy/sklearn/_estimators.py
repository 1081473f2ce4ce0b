"""LassoNetRegressor, LassoNetClassifier and their CV variants (scikit-learn estimators)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets

from ..errors import bad_value
from ._base import (
    ENGINE_DEFAULTS,
    PARAMS_DOC,
    LassoNetBase,
    check_s_df,
    foldid_from_cv,
    path_index,
)

__all__ = [
    "LassoNetRegressor",
    "LassoNetClassifier",
    "LassoNetRegressorCV",
    "LassoNetClassifierCV",
]

_D = ENGINE_DEFAULTS
_CHOICES = ("lambda_min", "lambda_1se")


class _Regression(RegressorMixin, LassoNetBase):
    """Fitting and predicting for the regressors (gaussian, mgaussian, poisson)."""

    family: str

    def _family(self, y: np.ndarray) -> str:
        if self.family not in ("gaussian", "poisson"):
            raise bad_value("family", "'gaussian' or 'poisson'", self.family)
        if y.ndim == 2 and y.shape[1] > 1:
            if self.family != "gaussian":
                raise bad_value(
                    "family",
                    "'gaussian' for a 2-D y (several responses: mgaussian)",
                    self.family,
                )
            return "mgaussian"
        return self.family

    def _prepare_y(self, X: Any, y: Any, sample_weight: Any) -> tuple[Any, Any, Any, str]:
        X, y, w = self._validate_fit(X, y, sample_weight, multi_output=True)
        y = np.asarray(y, dtype=np.float64)
        self._y_2d = y.ndim == 2
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        fam = self._family(y)
        return X, y, w, fam

    def predict(self, X: Any) -> np.ndarray:
        """Predict the mean response with the chosen fit of the path.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs (the columns of the training ``X``).

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        X = self._validate_predict(X)
        out = self._predict_path(X, "response")
        if self._y_2d and out.ndim == 1:
            out = out[:, None]
        return out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


class _Classification(ClassifierMixin, LassoNetBase):
    """Fitting and predicting for the classifiers (binomial, multinomial)."""

    def _prepare_y(self, X: Any, y: Any, sample_weight: Any) -> tuple[Any, Any, Any, str]:
        X, y, w = self._validate_fit(X, y, sample_weight)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise bad_value(
                "y",
                "at least 2 classes (a classifier can't train when only one class is present)",
                f"1 class: {self.classes_.tolist()!r}",
            )
        fam = "binomial" if len(self.classes_) == 2 else "multinomial"
        return X, y, w, fam

    def _check_classes(self) -> None:
        got = self.path_.classes
        if (
            got is None
            or len(got) != len(self.classes_)
            or not all(a == b for a, b in zip(got, self.classes_, strict=True))
        ):  # pragma: no cover - the families sort labels as np.unique does
            raise RuntimeError(f"class order {got!r} differs from classes_ {self.classes_!r}")

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities of the chosen fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        X = self._validate_predict(X)
        p = self._predict_path(X, "response")
        if p.ndim == 1:  # binomial: P(classes_[1])
            p = np.column_stack([1.0 - p, p])
        return p

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class of the chosen fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)  # checks that the estimator is fitted first
        return self.classes_[np.argmax(proba, axis=1)]


# ------------------------------------------------------------------------------ plain
class _Plain:
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


_PLAIN_DOC = """
    s : float, optional
        The lambda whose fit predicts (snaps to the nearest lambda of the path, on a log
        scale; beyond the end of the path: the last, input-free fit).
    df : int, optional
        Instead of ``s``: the fit with the most features not exceeding ``df``. With neither
        ``s`` nor ``df`` the dense fit (lambda = 0) predicts; the path is fitted anyway
        (``path_``), so ``feature_importances_`` and the other fits are there."""

_FITTED_DOC = """
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

_CV_DOC = """
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

_CV_FITTED_DOC = """
    cv_ : CVLassoNet
        The cross-validation (``print(est.cv_)``, ``est.cv_.plot()``, ``cvm``, ``cvsd``).
    lambda_min_, lambda_1se_ : float
        glmnet's two choices of lambda."""


def _cv_fit(est: Any, X: Any, y: Any, sample_weight: Any, groups: Any, classifier: bool) -> Any:
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


def _cv_fit_doc(what: str) -> str:
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


class LassoNetRegressor(_Plain, _Regression):  # noqa: D101 - docstring assembled below
    def __init__(
        self,
        *,
        family: str = "gaussian",
        s: float | None = None,
        df: int | None = None,
        hidden: Any = _D["hidden"],
        M: float = _D["M"],
        nlambda: int = _D["nlambda"],
        lambda_seq: Any = None,
        lambda_min_ratio: float = _D["lambda_min_ratio"],
        standardize: bool = True,
        dropout: float = 0.0,
        gamma: float = 0.0,
        gamma_skip: float = 0.0,
        batch_size: int | None = None,
        tol: float = _D["tol"],
        max_epochs: int = _D["max_epochs"],
        random_state: Any = None,
        device: str = "cpu",
        dtype: str = "float32",
        verbose: bool = False,
    ) -> None:
        self.family = family
        self.s = s
        self.df = df
        self.hidden = hidden
        self.M = M
        self.nlambda = nlambda
        self.lambda_seq = lambda_seq
        self.lambda_min_ratio = lambda_min_ratio
        self.standardize = standardize
        self.dropout = dropout
        self.gamma = gamma
        self.gamma_skip = gamma_skip
        self.batch_size = batch_size
        self.tol = tol
        self.max_epochs = max_epochs
        self.random_state = random_state
        self.device = device
        self.dtype = dtype
        self.verbose = verbose


class LassoNetClassifier(_Plain, _Classification):  # noqa: D101
    def __init__(
        self,
        *,
        s: float | None = None,
        df: int | None = None,
        hidden: Any = _D["hidden"],
        M: float = _D["M"],
        nlambda: int = _D["nlambda"],
        lambda_seq: Any = None,
        lambda_min_ratio: float = _D["lambda_min_ratio"],
        standardize: bool = True,
        dropout: float = 0.0,
        gamma: float = 0.0,
        gamma_skip: float = 0.0,
        batch_size: int | None = None,
        tol: float = _D["tol"],
        max_epochs: int = _D["max_epochs"],
        random_state: Any = None,
        device: str = "cpu",
        dtype: str = "float32",
        verbose: bool = False,
    ) -> None:
        self.s = s
        self.df = df
        self.hidden = hidden
        self.M = M
        self.nlambda = nlambda
        self.lambda_seq = lambda_seq
        self.lambda_min_ratio = lambda_min_ratio
        self.standardize = standardize
        self.dropout = dropout
        self.gamma = gamma
        self.gamma_skip = gamma_skip
        self.batch_size = batch_size
        self.tol = tol
        self.max_epochs = max_epochs
        self.random_state = random_state
        self.device = device
        self.dtype = dtype
        self.verbose = verbose


class LassoNetRegressorCV(_Regression):  # noqa: D101
    def __init__(
        self,
        *,
        family: str = "gaussian",
        cv: Any = 10,
        type_measure: str = "default",
        lambda_choice: str = "lambda_min",
        hidden: Any = _D["hidden"],
        M: float = _D["M"],
        nlambda: int = _D["nlambda"],
        lambda_seq: Any = None,
        lambda_min_ratio: float = _D["lambda_min_ratio"],
        standardize: bool = True,
        dropout: float = 0.0,
        gamma: float = 0.0,
        gamma_skip: float = 0.0,
        batch_size: int | None = None,
        tol: float = _D["tol"],
        max_epochs: int = _D["max_epochs"],
        random_state: Any = None,
        device: str = "cpu",
        dtype: str = "float32",
        verbose: bool = False,
    ) -> None:
        self.family = family
        self.cv = cv
        self.type_measure = type_measure
        self.lambda_choice = lambda_choice
        self.hidden = hidden
        self.M = M
        self.nlambda = nlambda
        self.lambda_seq = lambda_seq
        self.lambda_min_ratio = lambda_min_ratio
        self.standardize = standardize
        self.dropout = dropout
        self.gamma = gamma
        self.gamma_skip = gamma_skip
        self.batch_size = batch_size
        self.tol = tol
        self.max_epochs = max_epochs
        self.random_state = random_state
        self.device = device
        self.dtype = dtype
        self.verbose = verbose

    def fit(self, X: Any, y: Any, sample_weight: Any = None, groups: Any = None) -> Any:  # noqa: D102
        return _cv_fit(self, X, y, sample_weight, groups, classifier=False)

    fit.__doc__ = _cv_fit_doc("cv_lassonet: the full fit and every fold in one batch")


class LassoNetClassifierCV(_Classification):  # noqa: D101
    def __init__(
        self,
        *,
        cv: Any = 10,
        type_measure: str = "default",
        lambda_choice: str = "lambda_min",
        hidden: Any = _D["hidden"],
        M: float = _D["M"],
        nlambda: int = _D["nlambda"],
        lambda_seq: Any = None,
        lambda_min_ratio: float = _D["lambda_min_ratio"],
        standardize: bool = True,
        dropout: float = 0.0,
        gamma: float = 0.0,
        gamma_skip: float = 0.0,
        batch_size: int | None = None,
        tol: float = _D["tol"],
        max_epochs: int = _D["max_epochs"],
        random_state: Any = None,
        device: str = "cpu",
        dtype: str = "float32",
        verbose: bool = False,
    ) -> None:
        self.cv = cv
        self.type_measure = type_measure
        self.lambda_choice = lambda_choice
        self.hidden = hidden
        self.M = M
        self.nlambda = nlambda
        self.lambda_seq = lambda_seq
        self.lambda_min_ratio = lambda_min_ratio
        self.standardize = standardize
        self.dropout = dropout
        self.gamma = gamma
        self.gamma_skip = gamma_skip
        self.batch_size = batch_size
        self.tol = tol
        self.max_epochs = max_epochs
        self.random_state = random_state
        self.device = device
        self.dtype = dtype
        self.verbose = verbose

    def fit(self, X: Any, y: Any, sample_weight: Any = None, groups: Any = None) -> Any:  # noqa: D102
        return _cv_fit(self, X, y, sample_weight, groups, classifier=True)

    fit.__doc__ = _cv_fit_doc("cv_lassonet, folds stratified by class")


LassoNetRegressor.__doc__ = f"""LassoNet regression path as a scikit-learn regressor.

    ``fit`` fits the whole path (:func:`lassonetpy.lassonet` on arrays) and keeps the fit
    chosen by ``s`` or ``df`` for ``predict``; ``path_`` is the whole
    :class:`~lassonetpy.LassoNetPath`. A 2-D ``y`` with several columns is the multi-response
    gaussian family (mgaussian). Loss: ``RSS / (2n)`` (gaussian), ``-loglik / n`` (poisson).

    Parameters
    ----------
    family : {{"gaussian", "poisson"}}, default "gaussian"
        Response distribution (``predict`` returns the mean: counts for poisson).{_PLAIN_DOC}
    {PARAMS_DOC}
{_FITTED_DOC}

    See Also
    --------
    LassoNetRegressorCV : lambda chosen by cross-validation.
    lassonetpy.lassonet : the formula interface.

    Examples
    --------
    >>> from lassonetpy.datasets import load_boston
    >>> from lassonetpy.sklearn import LassoNetRegressor
    >>> df = load_boston()
    >>> X, y = df.drop(columns="medv"), df["medv"]
    >>> est = LassoNetRegressor(df=5, hidden=(8,), nlambda=10, random_state=0).fit(X, y)
    >>> int(est.support_.sum()) <= 5, est.predict(X.head(3)).shape
    (True, (3,))
    >>> est.feature_names_in_[:3].tolist()
    ['crim', 'zn', 'indus']
    """

LassoNetClassifier.__doc__ = f"""LassoNet classification path as a scikit-learn classifier.

    Two classes: the binomial family (``-loglik / n``); more: multinomial, where a
    feature's weights for all classes form one group. Labels may be any type;
    ``classes_`` holds them sorted. ``predict_proba`` columns follow ``classes_``.

    Parameters
    ----------{_PLAIN_DOC}
    {PARAMS_DOC}
{_FITTED_DOC}
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    See Also
    --------
    LassoNetClassifierCV : lambda chosen by cross-validation.

    Examples
    --------
    >>> from lassonetpy.datasets import load_spam
    >>> from lassonetpy.sklearn import LassoNetClassifier
    >>> spam = load_spam().iloc[::4]
    >>> X, y = spam.drop(columns="type"), spam["type"]
    >>> clf = LassoNetClassifier(df=10, hidden=(8,), nlambda=10, random_state=0).fit(X, y)
    >>> clf.classes_.tolist(), clf.predict_proba(X.head(2)).shape
    (['nonspam', 'spam'], (2, 2))
    """

LassoNetRegressorCV.__doc__ = f"""LassoNet regression with lambda chosen by cross-validation.

    ``fit`` runs :func:`lassonetpy.cv_lassonet` (the full-data path and the fold paths are
    one batch of models on one lambda grid) and predicts with the full-data fit at
    ``lambda_min`` (or ``lambda_1se``).

    Parameters
    ----------
    family : {{"gaussian", "poisson"}}, default "gaussian"
        Response distribution.{_CV_DOC}
    {PARAMS_DOC}
{_FITTED_DOC}{_CV_FITTED_DOC}

    Examples
    --------
    >>> from lassonetpy.datasets import load_boston
    >>> from lassonetpy.sklearn import LassoNetRegressorCV
    >>> df = load_boston()
    >>> X, y = df.drop(columns="medv"), df["medv"]
    >>> est = LassoNetRegressorCV(cv=3, hidden=(8,), nlambda=8, random_state=0).fit(X, y)
    >>> est.lambda_ == est.lambda_min_ <= est.lambda_1se_
    True
    """

LassoNetClassifierCV.__doc__ = f"""LassoNet classification with lambda chosen by cross-validation.

    Parameters
    ----------{_CV_DOC}
    {PARAMS_DOC}
{_FITTED_DOC}{_CV_FITTED_DOC}
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    Examples
    --------
    >>> from lassonetpy.datasets import load_spam
    >>> from lassonetpy.sklearn import LassoNetClassifierCV
    >>> spam = load_spam().iloc[::4]
    >>> X, y = spam.drop(columns="type"), spam["type"]
    >>> clf = LassoNetClassifierCV(cv=3, type_measure="class", lambda_choice="lambda_1se",
    ...                            hidden=(8,), nlambda=8, random_state=0).fit(X, y)
    >>> clf.lambda_ == clf.lambda_1se_, clf.cv_.measure_name
    (True, 'Misclassification Error')
    """
