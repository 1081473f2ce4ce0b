"""LassoNetRegressor and LassoNetRegressorCV (scikit-learn regressors)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin

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

__all__ = ["LassoNetRegressor", "LassoNetRegressorCV"]

_D = ENGINE_DEFAULTS


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


class LassoNetRegressor(PlainFit, _Regression):  # noqa: D101 - docstring assembled below
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
        return cv_fit(self, X, y, sample_weight, groups, classifier=False)

    fit.__doc__ = cv_fit_doc("cv_lassonet: the full fit and every fold in one batch")


LassoNetRegressor.__doc__ = f"""LassoNet regression path as a scikit-learn regressor.

    ``fit`` fits the whole path (:func:`lassonetpy.lassonet` on arrays) and keeps the fit
    chosen by ``s`` or ``df`` for ``predict``; ``path_`` is the whole
    :class:`~lassonetpy.LassoNetPath`. A 2-D ``y`` with several columns is the multi-response
    gaussian family (mgaussian). Loss: ``RSS / (2n)`` (gaussian), ``-loglik / n`` (poisson).

    Parameters
    ----------
    family : {{"gaussian", "poisson"}}, default "gaussian"
        Response distribution (``predict`` returns the mean: counts for poisson).{PLAIN_DOC}
    {PARAMS_DOC}
{FITTED_DOC}

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

LassoNetRegressorCV.__doc__ = f"""LassoNet regression with lambda chosen by cross-validation.

    ``fit`` runs :func:`lassonetpy.cv_lassonet` (the full-data path and the fold paths are
    one batch of models on one lambda grid) and predicts with the full-data fit at
    ``lambda_min`` (or ``lambda_1se``).

    Parameters
    ----------
    family : {{"gaussian", "poisson"}}, default "gaussian"
        Response distribution.{CV_DOC}
    {PARAMS_DOC}
{FITTED_DOC}{CV_FITTED_DOC}

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
