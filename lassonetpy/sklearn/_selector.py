"""LassoNetSelector: feature selection by a LassoNet path, as a scikit-learn transformer."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.feature_selection import SelectorMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted

from ..errors import InputError, bad_value
from ._base import ENGINE_DEFAULTS, PARAMS_DOC, LassoNetBase, path_index

__all__ = ["LassoNetSelector"]

_D = ENGINE_DEFAULTS
_FAMILIES = ("auto", "gaussian", "poisson", "binomial", "multinomial")


def rank_features(path: Any) -> np.ndarray:
    """Column indices ordered from the last to leave the path to the first.

    Ties (columns leaving at the same lambda) are broken by the norm of the column's skip
    weights at the last fit where it was still selected, larger first. Columns never
    selected (not even by the dense fit) come last.

    Parameters
    ----------
    path : LassoNetPath
        A fitted path.

    Returns
    -------
    ndarray of int, shape (n_columns,)
    """
    sel = np.asarray(path.selected, dtype=bool)  # (L, d)
    L, d = sel.shape
    leave = np.full(d, np.inf)
    last_in = np.zeros(d, dtype=int)
    alive = sel[0].copy()
    for i in range(1, L):
        gone = alive & ~sel[i]
        leave[gone] = path.lambdas[i]
        last_in[gone] = i - 1
        alive &= sel[i]
    last_in[alive] = L - 1
    never_in = ~sel[0]
    leave[never_in] = 0.0
    beta = np.linalg.norm(np.asarray(path.beta, dtype=np.float64), axis=1)  # (L, d)
    size = beta[last_in, np.arange(d)]
    return np.lexsort((-size, -leave))


class LassoNetSelector(SelectorMixin, LassoNetBase):  # noqa: D101
    def __init__(
        self,
        *,
        n_features_to_select: int | float | None = None,
        s: float | None = None,
        family: str = "auto",
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
        self.n_features_to_select = n_features_to_select
        self.s = s
        self.family = family
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

    def _k(self, d: int) -> int | None:
        k = self.n_features_to_select
        if k is None:
            return None if self.s is not None else max(1, d // 2)
        if self.s is not None:
            raise InputError(
                "Give `n_features_to_select` or `s`, not both; got "
                f"n_features_to_select={k!r} and s={self.s!r}."
            )
        if isinstance(k, numbers.Integral) and not isinstance(k, bool) and 1 <= k <= d:
            return int(k)
        if (
            isinstance(k, numbers.Real)
            and not isinstance(k, (bool, numbers.Integral))
            and 0 < k <= 1
        ):
            return max(1, int(round(k * d)))
        raise bad_value(
            "n_features_to_select",
            f"None, an integer in 1..{d} (the number of features), or a fraction in (0, 1]",
            k,
        )

    def _family(self, y: np.ndarray) -> tuple[str, np.ndarray]:
        if self.family not in _FAMILIES:
            raise bad_value("family", " or ".join(repr(f) for f in _FAMILIES), self.family)
        fam = self.family
        if fam == "auto":
            kind = type_of_target(y, input_name="y", raise_unknown=True)
            if kind not in ("binary", "multiclass", "continuous"):
                raise bad_value(
                    "y",
                    "a 1-D response: numbers (regression) or class labels",
                    f"a {kind!r} target",
                    "Pass `family=` explicitly.",
                )
            fam = {"binary": "binomial", "multiclass": "multinomial"}.get(kind, "gaussian")
        if fam in ("binomial", "multinomial"):
            check_classification_targets(y)
        else:
            y = np.asarray(y, dtype=np.float64)
        return fam, y

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LassoNetSelector:
        """Fit the LassoNet path and choose the features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric inputs.
        y : array-like of shape (n_samples,)
            Response: numbers or class labels (see ``family``).
        sample_weight : array-like of shape (n_samples,), optional
            Observation weights.

        Returns
        -------
        self
        """
        from ..api import lassonet

        if self.s is not None and (
            isinstance(self.s, bool) or not isinstance(self.s, numbers.Real) or self.s < 0
        ):
            raise bad_value("s", "None or a lambda >= 0", self.s)
        X, y, w = self._validate_fit(X, y, sample_weight)
        k = self._k(self.n_features_in_)
        fam, y = self._family(y)
        path = lassonet(X=X, y=y, family=fam, weights=w, **self._engine_kwargs())
        self.family_ = fam
        self.ranking_ = rank_features(path)
        if k is None:
            index = path_index(path, self.s, None)
            self._set_point(path, index)
        else:
            self._set_point(path, 0)
            mask = np.zeros(self.n_features_in_, dtype=bool)
            mask[self.ranking_[:k]] = True
            self.support_ = mask
        return self

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self, "support_")
        return self.support_

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags


LassoNetSelector.__doc__ = f"""Select features with a LassoNet path (a scikit-learn transformer).

    ``fit`` fits the whole path on ``(X, y)``; ``transform`` keeps either the
    ``n_features_to_select`` features that leave the path **last** (ranked by the lambda at
    which each leaves; ties by the size of its skip weights just before it leaves), or the
    features selected at the lambda ``s``. Use it in a ``Pipeline`` before any estimator;
    ``set_output(transform="pandas")`` gives DataFrames with the kept column names.

    Parameters
    ----------
    n_features_to_select : int or float, optional
        Number of features to keep (a float in (0, 1]: that fraction). Default: half the
        features, unless ``s`` is given.
    s : float, optional
        Instead: keep the features of the fit at this lambda (nearest on the path).
    family : {{"auto", "gaussian", "poisson", "binomial", "multinomial"}}, default "auto"
        Response family; ``"auto"`` reads ``y``: class labels give binomial or multinomial,
        numbers gaussian.
    {PARAMS_DOC}

    Attributes
    ----------
    support_ : ndarray of shape (n_features,), bool
        The kept features (``get_support()``).
    ranking_ : ndarray of int, shape (n_features,)
        Feature indices from the last to leave the path to the first.
    feature_importances_ : ndarray of shape (n_features,)
        The lambda at which each feature leaves the path (inf: never).
    path_ : LassoNetPath
        The fitted path; ``family_`` its family.
    n_features_in_ : int
        Number of features seen in ``fit``; ``feature_names_in_`` their names (DataFrames).

    Examples
    --------
    >>> from lassonetpy.datasets import load_boston
    >>> from lassonetpy.sklearn import LassoNetSelector
    >>> df = load_boston()
    >>> X, y = df.drop(columns="medv"), df["medv"]
    >>> sel = LassoNetSelector(n_features_to_select=4, hidden=(8,), nlambda=10,
    ...                        random_state=0).fit(X, y)
    >>> sel.set_output(transform="pandas").transform(X).shape
    (506, 4)
    >>> len(sel.get_feature_names_out())
    4
    """
