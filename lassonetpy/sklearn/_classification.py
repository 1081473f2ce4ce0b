"""LassoNetClassifier and LassoNetClassifierCV (scikit-learn classifiers)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets

from ..errors import bad_value
from ._base import (
    CV_DOC,
    CV_FITTED_DOC,
    ENGINE_DEFAULTS,
    FITTED_DOC,
    PARAMS_DOC,
    PLAIN_DOC,
    LassoNetBase,
    PlainFit,
    cv_fit,
    cv_fit_doc,
)

__all__ = ["LassoNetClassifier", "LassoNetClassifierCV"]

_D = ENGINE_DEFAULTS


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


class LassoNetClassifier(PlainFit, _Classification):  # noqa: D101
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
        return cv_fit(self, X, y, sample_weight, groups, classifier=True)

    fit.__doc__ = cv_fit_doc("cv_lassonet, folds stratified by class")


LassoNetClassifier.__doc__ = f"""LassoNet classification path as a scikit-learn classifier.

    Two classes: the binomial family (``-loglik / n``); more: multinomial, where a
    feature's weights for all classes form one group. Labels may be any type;
    ``classes_`` holds them sorted. ``predict_proba`` columns follow ``classes_``.

    Parameters
    ----------{PLAIN_DOC}
    {PARAMS_DOC}
{FITTED_DOC}
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

LassoNetClassifierCV.__doc__ = f"""LassoNet classification with lambda chosen by cross-validation.

    Parameters
    ----------{CV_DOC}
    {PARAMS_DOC}
{FITTED_DOC}{CV_FITTED_DOC}
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
