"""lassonetpy: LassoNet feature-sparse neural networks, the R way."""
from .prox import group_hier_prox, hier_prox, soft_threshold

__all__ = ["hier_prox", "group_hier_prox", "soft_threshold"]
__version__ = "0.1.0.dev0"
