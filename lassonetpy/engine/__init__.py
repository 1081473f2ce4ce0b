"""The array-level engine: a batch of LassoNet models trained along a lambda path.

Layer rule: nothing here imports the formula layer, the report layer or the front ends.
``prox`` imports only torch and numpy; ``network`` and ``trainer`` see a family only through
its loss and gradient.
"""

from .fit import fit_path
from .grid import grid_span
from .result import PathResult, concat_results, take_models, warn_unconverged

__all__ = [
    "fit_path",
    "PathResult",
    "grid_span",
    "concat_results",
    "take_models",
    "warn_unconverged",
]
