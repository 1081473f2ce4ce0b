"""The family protocol: what the trainer needs to know about a response distribution.

A family turns the user's response into a float tensor (:meth:`Family.prepare`), computes the
per-model loss on a batch of linear predictors (:meth:`Family.loss`), the deviance, the null
(intercept-only) linear predictor, and the inverse link. The trainer never branches on a
family's name.

Scaling (glmnet's): with observation weights ``w`` normalised to sum to one over a model's
training rows, the loss is ``sum_i w_i * l_i``; for gaussian ``l_i = (y_i - eta_i)^2 / 2`` (so
``RSS / (2n)`` with unit weights), for the likelihood families ``l_i`` is the negative
log-likelihood of one observation (``-loglik / n``). The penalty is ``lambda * sum_j ||theta_j||``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..errors import ResponseError


@dataclass(frozen=True)
class ResponseInfo:
    """How a response was encoded, kept with the fit to decode predictions.

    Attributes
    ----------
    y : numpy.ndarray
        Encoded response, float64: shape (n,) or (n, q).
    n_outputs : int
        Number of network outputs.
    classes : numpy.ndarray or None
        Class labels (binomial, multinomial), in code order.
    center, scale : numpy.ndarray or float
        Affine map of the linear predictor back to the response scale (gaussian families train
        on a centred and scaled response; the loss in original units is ``scale**2`` times the
        internal loss, and ``lambda_internal = lambda / scale``).
    output_names : list of str
        Names of the outputs (e.g. response columns).
    output_scale : numpy.ndarray or None
        Per-output scale on top of ``scale`` (family ``reconstruction``: the standard deviation
        of each reconstructed column; predictions are ``center + scale * output_scale * eta``).
        None means 1 for every output.
    """

    y: np.ndarray
    n_outputs: int
    classes: np.ndarray | None = None
    center: Any = 0.0
    scale: float = 1.0
    output_names: list[str] = field(default_factory=list)
    output_scale: np.ndarray | None = None


class Family:
    """Base class of response families.

    Subclasses set ``name`` and implement :meth:`prepare`, :meth:`loss`, :meth:`deviance`,
    :meth:`null_eta` and :meth:`inverse_link`. Tensors carry a leading model dimension ``B``:
    ``eta`` is (B, n, n_outputs), ``w`` is (B, n) with rows summing to one. ``y`` is whatever
    :meth:`target` returned (a tensor for the row-separable families); the engine only passes it
    back to the family's methods (and, when ``row_separable``, takes rows of it).

    Attributes
    ----------
    name : str
        Registry name.
    intercept : bool
        False when the loss does not change with a constant added to ``eta`` (Cox): the output
        bias is then not a parameter of the model, and predictions of the linear predictor
        leave it out.
    row_separable : bool
        True when the loss is a sum over rows, so that losses of row blocks add up (on-disk
        ``X``) and a mini-batch estimates it. False (Cox: risk sets span all rows) makes the
        engine refuse an on-disk ``X`` and ``batch_size``.
    """

    name: str = "family"
    intercept: bool = True
    row_separable: bool = True

    def params(self) -> dict[str, Any]:
        """Constructor arguments (JSON-able), so that ``get_family(name, **params)`` rebuilds it."""
        return {}

    def prepare(self, y: Any, weights: np.ndarray | None = None) -> ResponseInfo:
        """Validate and encode the response; raise :class:`ResponseError` if it does not fit."""
        raise NotImplementedError

    def target(self, info: ResponseInfo, dtype: torch.dtype, device: torch.device) -> Any:
        """The encoded response as used by :meth:`loss` (a tensor unless the family says
        otherwise; it must support ``clone()``)."""
        return torch.as_tensor(info.y, dtype=dtype, device=device)

    def loss(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """Weighted mean loss per model, shape (B,)."""
        raise NotImplementedError

    def loss_grad(
        self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Loss per model (B,) and its gradient with respect to ``eta`` (B, n, O).

        The default uses autograd on :meth:`loss`; built-in families give closed forms.
        """
        with torch.enable_grad():
            e = eta.detach().requires_grad_(True)
            loss = self.loss(e, y, w)
            (g,) = torch.autograd.grad(loss.sum(), e)
        return loss.detach(), g

    def deviance(self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """Weighted mean deviance per model, shape (B,) (``2 * (loglik_sat - loglik) / n``)."""
        raise NotImplementedError

    def null_eta(self, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """Linear predictor of the intercept-only model per model, shape (B, n_outputs)."""
        raise NotImplementedError

    # -- optional: the convex dual, for the duality gap of the M = 0 (GLM) problem ---------
    def intercept_shift(
        self, eta: torch.Tensor, y: torch.Tensor, w: torch.Tensor
    ) -> torch.Tensor | None:
        """The shift ``delta`` (B, 1, O) of every row's linear predictor that minimises
        ``loss(eta + delta)``: the best intercept given the rest of the fit. None when the
        family does not provide it (then no duality gap is computed)."""
        return None

    def conjugate(self, a: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor | None:
        """``sum_i w_i l_i*(a_i)`` per model (B,): the convex conjugate of the per-row loss
        ``l_i(eta) = l(eta, y_i)`` at ``a`` (B, n, O), a scaled derivative ``s * l_i'(eta_i)``
        with ``0 <= s <= 1``. None when not provided (then no duality gap is computed).

        With it, ``-conjugate(s * l'(eta), ...)`` is the dual objective of the penalised GLM at a
        feasible dual point, and the duality gap bounds the distance of the objective to its
        minimum (:mod:`lassonetpy.engine.stopping`)."""
        return None

    def inverse_link(self, eta: np.ndarray) -> np.ndarray:
        """Mean response from the linear predictor (numpy)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def as_numeric_1d(y: Any, family: str) -> np.ndarray:
    """Turn ``y`` into a finite float vector or raise a :class:`ResponseError`."""
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ResponseError(
            f"`y` must be one column for family {family!r}; got shape {arr.shape}. "
            "Use family='mgaussian' for several numeric responses."
        )
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise ResponseError(
                f"`y` must be numeric for family {family!r}; got values of type "
                f"{arr.dtype} such as {arr[:3].tolist()!r}. Use family='binomial' or "
                "'multinomial' for class labels."
            ) from None
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ResponseError(
            f"`y` must be finite; got {int(bad.sum())} NaN/inf value(s), first at row "
            f"{int(np.flatnonzero(bad)[0])}. Drop or impute those rows."
        )
    return arr


def class_codes(
    y: Any, family: str, min_classes: int, max_classes: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Encode class labels (strings, bools, ints, categoricals) as codes 0..C-1."""
    cats = getattr(getattr(y, "cat", None), "categories", None)
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ResponseError(
            f"`y` must be one column of class labels for family {family!r}; got shape {arr.shape}."
        )
    missing = _isna(arr)
    if missing.any():
        raise ResponseError(
            f"`y` must not contain missing labels; got {int(missing.sum())} at rows "
            f"{np.flatnonzero(missing)[:5].tolist()}."
        )
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ResponseError("`y` must be finite class labels; got NaN/inf.")
    if cats is not None:
        present = set(arr.tolist())
        classes = np.asarray([c for c in cats if c in present], dtype=object)
    else:
        classes = np.unique(arr)
    if len(classes) < min_classes or (max_classes is not None and len(classes) > max_classes):
        want = f"exactly {min_classes}" if max_classes == min_classes else f"at least {min_classes}"
        hint = ""
        if family == "binomial" and len(classes) > 2:
            hint = " Use family='multinomial' for more than two classes."
        raise ResponseError(
            f"`y` must have {want} distinct classes for family {family!r}; got {len(classes)}: "
            f"{list(classes)[:10]!r}.{hint}"
        )
    lookup = {c: i for i, c in enumerate(classes.tolist())}
    codes = np.fromiter((lookup[v] for v in arr.tolist()), dtype=np.int64, count=len(arr))
    return codes, classes


def _isna(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "f":
        return np.isnan(arr)
    if arr.dtype.kind == "O":
        return np.array(
            [v is None or (isinstance(v, float) and np.isnan(v)) for v in arr], dtype=bool
        )
    return np.zeros(arr.shape, dtype=bool)


def weighted_mean(y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Per-model weighted mean of ``y`` (n,) or (n, q) with ``w`` (B, n) summing to one."""
    if y.dim() == 1:
        return (w * y).sum(-1, keepdim=True)
    return (w.unsqueeze(-1) * y).sum(1)  # per model: a shared GEMM would depend on the batch
