"""lassonetpy: LassoNet feature-sparse neural networks, the R way."""

from . import datasets
from ._persist import load
from .api import lassonet
from .assess import assess, confusion
from .cv import CVLassoNet, cv_lassonet
from .path import LassoNetPath
from .prox import group_hier_prox, hier_prox, soft_threshold
from .rows import from_chunks

__all__ = [
    "hier_prox",
    "group_hier_prox",
    "soft_threshold",
    "lassonet",
    "LassoNetPath",
    "load",
    "cv_lassonet",
    "CVLassoNet",
    "assess",
    "confusion",
    "datasets",
    "from_chunks",
]
__version__ = "0.1.0.dev0"
