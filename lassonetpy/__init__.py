"""lassonetpy: LassoNet feature-sparse neural networks, the R way."""

from . import datasets
from .api import lassonet
from .assess import assess, confusion
from .cv import CVLassoNet, cv_lassonet
from .cva import CVALassoNet, cva_lassonet
from .engine.hier_step import HierProx
from .engine.prox import group_hier_prox, hier_prox, soft_threshold
from .engine.rows import from_chunks
from .impute import lassonet_impute
from .imputed import ImputeResult
from .path import LassoNetPath
from .persist import load
from .relaxed import CVRelaxed, RelaxedFit
from .stability import StabilitySelection, stability_selection
from .survfit import plot_survival

__all__ = [
    "hier_prox",
    "group_hier_prox",
    "soft_threshold",
    "HierProx",
    "lassonet",
    "LassoNetPath",
    "load",
    "cv_lassonet",
    "CVLassoNet",
    "cva_lassonet",
    "CVALassoNet",
    "stability_selection",
    "StabilitySelection",
    "assess",
    "confusion",
    "plot_survival",
    "datasets",
    "from_chunks",
    "lassonet_impute",
    "ImputeResult",
    "RelaxedFit",
    "CVRelaxed",
]
__version__ = "0.1.0.dev0"
