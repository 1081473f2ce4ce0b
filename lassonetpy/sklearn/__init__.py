"""scikit-learn estimators over the LassoNet engine (needs ``pip install "lassonetpy[sklearn]"``).

* :class:`LassoNetRegressor`, :class:`LassoNetClassifier`: fit the whole path, predict with
  the fit chosen by ``s`` (a lambda) or ``df`` (most features kept); ``path_`` is the
  :class:`~lassonetpy.LassoNetPath`.
* :class:`LassoNetRegressorCV`, :class:`LassoNetClassifierCV`: lambda chosen by the package's
  batched cross-validation (:func:`lassonetpy.cv_lassonet`); ``cv_`` is the
  :class:`~lassonetpy.CVLassoNet`.
* :class:`LassoNetSelector`: a ``SelectorMixin`` transformer keeping the k features that leave
  the path last, or those of the fit at a lambda.

Importing :mod:`lassonetpy` never imports scikit-learn; this module does.
"""

from __future__ import annotations

try:
    import sklearn  # noqa: F401
except ImportError as err:  # pragma: no cover - the test environment has scikit-learn
    raise ImportError(
        "lassonetpy.sklearn needs scikit-learn >= 1.6: pip install 'lassonetpy[sklearn]'"
    ) from err

from ._classification import LassoNetClassifier, LassoNetClassifierCV
from ._regression import LassoNetRegressor, LassoNetRegressorCV
from ._selector import LassoNetSelector

__all__ = [
    "LassoNetRegressor",
    "LassoNetClassifier",
    "LassoNetRegressorCV",
    "LassoNetClassifierCV",
    "LassoNetSelector",
]
