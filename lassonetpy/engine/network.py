"""The LassoNet network (skip connection + MLP), batched over a leading model dimension.

Parameters of ``B`` models live in one :class:`Params` of stacked tensors:

* ``first`` (B, O + K1, d): the skip weights ``theta = first[:, :O]`` (laid out as a
  ``Linear(d, O).weight``) stacked on the first hidden layer ``W0 = first[:, O:]``, so that the
  skip and first layers of all models are one matrix product with the shared inputs;
* ``biases[0]`` (B, K1): first hidden layer bias;
* ``weights[l]`` (B, K_{l+1}, K_l), ``biases[l + 1]``: further layers, the last one being the
  output layer (B, O, K_last).

``output = X theta^T + MLP(X)``, ReLU activations. Gradients are computed by hand
(:func:`forward_backward`): it is several times cheaper than autograd at the small sizes
LassoNet usually meets, and it keeps the number of tensor operations per step small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch

__all__ = ["Params", "init_params", "forward", "forward_backward", "stored_params"]


@dataclass
class Params:
    """Stacked parameters of a batch of LassoNet models (see module docstring)."""

    first: torch.Tensor
    weights: list[torch.Tensor]
    biases: list[torch.Tensor]
    n_outputs: int
    # a user's module (lassonetpy.engine.body.BodyNetwork) instead of the built-in MLP: then
    # ``weights`` are its other matrices, ``biases`` its vectors (the output bias last) and
    # ``buffers`` its batch-norm statistics (stored states only); None: the MLP
    body: Any = None
    buffers: list[torch.Tensor] = field(default_factory=list)

    @property
    def theta(self) -> torch.Tensor:
        """Skip weights (B, O, d) (a view)."""
        return self.first[:, : self.n_outputs]

    @property
    def W0(self) -> torch.Tensor:
        """First hidden layer weights (B, K1, d) (a view)."""
        return self.first[:, self.n_outputs :]

    def tensors(self) -> list[torch.Tensor]:
        """All parameter tensors: ``first``, the other weights, then the biases (then a body's
        stored buffers, if any)."""
        return [self.first, *self.weights, *self.biases, *self.buffers]

    def like(self, tensors: list[torch.Tensor]) -> Params:
        """Parameters with the same structure built from ``tensors`` (as from :meth:`tensors`)."""
        nw = len(self.weights)
        if self.body is None:
            return Params(
                tensors[0], list(tensors[1 : 1 + nw]), list(tensors[1 + nw :]), self.n_outputs
            )
        nb = len(self.biases)
        return Params(
            tensors[0],
            list(tensors[1 : 1 + nw]),
            list(tensors[1 + nw : 1 + nw + nb]),
            self.n_outputs,
            self.body,
            list(tensors[1 + nw + nb :]),
        )

    def clone(self) -> Params:
        """A deep copy."""
        return self.like([t.detach().clone() for t in self.tensors()])

    def select(self, model: int) -> Params:
        """Parameters of one model, keeping a batch dimension of one."""
        return self.like([t[model : model + 1] for t in self.tensors()])

    @property
    def n_models(self) -> int:
        """Number of models ``B``."""
        return self.first.shape[0]


def stored_params(
    tensors: list[torch.Tensor], n_outputs: int, body: Any = None, n_hidden: int | None = None
) -> Params:
    """Parameters of stored tensors (a path state's ``tensors()``): the built-in network's
    layout (``n_hidden`` layers; default from the number of tensors), or a body's
    (:meth:`lassonetpy.engine.body.BodyNetwork.stored`, evaluation mode)."""
    if body is not None:
        return body.stored(tensors)
    nw = (len(tensors) - 1) // 2 if n_hidden is None else n_hidden
    return Params(tensors[0], list(tensors[1 : 1 + nw]), list(tensors[1 + nw :]), n_outputs)


def init_params(
    B: int,
    d: int,
    hidden: tuple[int, ...],
    n_outputs: int,
    *,
    generator: torch.Generator,
    dtype: torch.dtype,
    device: torch.device,
) -> Params:
    """Initialise ``B`` models like ``torch.nn.Linear`` (uniform in +-1/sqrt(fan_in)).

    Parameters
    ----------
    B, d : int
        Number of models and of input features.
    hidden : tuple of int
        Hidden layer sizes (at least one layer).
    n_outputs : int
        Number of outputs.
    generator : torch.Generator
        Source of randomness (a CPU generator; values are moved to ``device``).
    dtype, device
        Of the returned tensors.

    Returns
    -------
    Params

    Examples
    --------
    >>> import torch
    >>> p = init_params(2, 5, (3,), 1, generator=torch.Generator().manual_seed(0),
    ...                 dtype=torch.float32, device=torch.device("cpu"))
    >>> tuple(p.theta.shape), tuple(p.W0.shape), tuple(p.weights[0].shape)
    ((2, 1, 5), (2, 3, 5), (2, 1, 3))
    """

    def unif(shape: tuple[int, ...], fan_in: int) -> torch.Tensor:
        bound = 1.0 / math.sqrt(max(fan_in, 1))
        t = torch.rand(shape, generator=generator, dtype=torch.float64) * 2 - 1
        return (t * bound).to(dtype=dtype, device=device)

    first = torch.cat([unif((B, n_outputs, d), d), unif((B, hidden[0], d), d)], dim=1)
    sizes = [*hidden, n_outputs]
    weights = [unif((B, sizes[i + 1], sizes[i]), sizes[i]) for i in range(len(sizes) - 1)]
    biases = [unif((B, hidden[0]), d)]
    biases += [unif((B, sizes[i + 1]), sizes[i]) for i in range(len(sizes) - 1)]
    return Params(first.contiguous(), weights, biases, n_outputs)


def _dropout_mask(
    shape: torch.Size, p: float, like: torch.Tensor, gen: torch.Generator | None
) -> torch.Tensor:
    keep = torch.rand(shape, generator=gen, dtype=like.dtype, device=like.device) >= p
    return keep.to(like.dtype) / (1.0 - p)


def _forward(p: Params, X: torch.Tensor, dropout: float, gen: torch.Generator | None):
    # Layout: activations are kept as (B, units, n) ("units-major"), so the first layer of
    # each model is one product  first_b (O+K, d) @ X^T  whose output needs no reshuffling,
    # every later layer is a bmm on contiguous blocks, and the backward pass writes its
    # first-layer gradient straight into one (B, O+K, n) buffer for the second big product.
    # Every product is per model (bmm with the shared X as a stride-0 batch), never one GEMM
    # over all models: a GEMM rounds a row differently with another number of rows, which
    # made a model's fit depend on the models sharing its batch (measured: 144 of 350 model
    # slices differed from a single-model product; none with the per-model bmm).
    B, OK, d = p.first.shape
    O = p.n_outputs
    n = X.shape[0]
    # the first-layer bias rides in the product (baddbmm's input term); the skip rows get none
    zero = torch.zeros(B, O, dtype=p.first.dtype, device=p.first.device)
    bias = torch.cat([zero, p.biases[0]], 1)
    Z = torch.baddbmm(bias.unsqueeze(-1), p.first, X.T.expand(B, d, n))
    h = torch.relu_(Z[:, O:])  # (B, K1, n), in place: Z[:, :O] (the skip part) is untouched
    acts, masks = [h], []
    nl = len(p.weights)
    for i, W in enumerate(p.weights):
        if dropout > 0:
            m = _dropout_mask(h.shape, dropout, h, gen)
            h = h * m
            masks.append(m)
        h = torch.baddbmm(p.biases[i + 1].unsqueeze(-1), W, h)  # (B, out, n)
        if i < nl - 1:
            h = torch.relu(h)
            acts.append(h)
    eta = (h + Z[:, :O]).transpose(1, 2).contiguous()  # (B, n, O)
    return eta, acts, masks


def forward(
    p: Params,
    X: torch.Tensor,
    *,
    dropout: float = 0.0,
    generator: torch.Generator | None = None,
    w: torch.Tensor | None = None,
) -> torch.Tensor:
    """Linear predictor of every model on the shared inputs.

    Parameters
    ----------
    p : Params
        Parameters of ``B`` models.
    X : torch.Tensor of shape (n, d)
        Inputs (already standardised), shared by all models.
    dropout : float, optional
        Dropout probability on hidden units (training only).
    generator : torch.Generator, optional
        Randomness for dropout.
    w : torch.Tensor of shape (B, n), optional
        Row weights: a body (``p.body``) in training runs each model on its rows with
        ``w > 0`` only (batch norm); the built-in network ignores it.

    Returns
    -------
    torch.Tensor of shape (B, n, n_outputs)

    Examples
    --------
    >>> import torch
    >>> p = init_params(3, 4, (5,), 2, generator=torch.Generator().manual_seed(0),
    ...                 dtype=torch.float64, device=torch.device("cpu"))
    >>> forward(p, torch.randn(7, 4, dtype=torch.float64)).shape
    torch.Size([3, 7, 2])
    """
    if p.body is not None:
        return p.body.forward(p, X, w)
    return _forward(p, X, dropout, generator)[0]


def forward_backward(
    p: Params,
    X: torch.Tensor,
    loss_grad,
    *,
    dropout: float = 0.0,
    generator: torch.Generator | None = None,
    w: torch.Tensor | None = None,
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Loss of every model and its gradient with respect to every parameter tensor.

    Parameters
    ----------
    p : Params
        Parameters of ``B`` models.
    X : torch.Tensor of shape (n, d)
        Shared inputs.
    loss_grad : callable
        ``eta (B, n, O) -> (loss (B,), d loss / d eta (B, n, O))``.
    dropout : float, optional
        Dropout probability on hidden units.
    generator : torch.Generator, optional
        Randomness for dropout.
    w : torch.Tensor of shape (B, n), optional
        Row weights (see :func:`forward`).

    Returns
    -------
    loss : torch.Tensor of shape (B,)
    grads : list of torch.Tensor
        In the order of :meth:`Params.tensors`.
    """
    if p.body is not None:  # a user's module: autograd (lassonetpy.engine.body)
        return p.body.forward_backward(p, X, loss_grad, w)
    eta, acts, masks = _forward(p, X, dropout, generator)
    loss, g = loss_grad(eta)
    B, OK, d = p.first.shape
    O = p.n_outputs
    n = X.shape[0]
    nl = len(p.weights)
    gW: list[torch.Tensor] = [torch.empty(0)] * nl
    gb: list[torch.Tensor] = [torch.empty(0)] * (nl + 1)
    # d loss / d Z for the first layer, (B, O+K, n): the skip rows are d loss / d eta
    dZ = torch.empty(B, OK, n, dtype=g.dtype, device=g.device)
    dZ[:, :O] = g.transpose(1, 2)
    delta = dZ[:, :O]  # gradient w.r.t. the current layer's output (B, out, n)
    for i in range(nl - 1, -1, -1):
        h_in = acts[i]
        if dropout > 0:
            h_in = h_in * masks[i]
        gW[i] = torch.bmm(delta, h_in.transpose(1, 2))
        gb[i + 1] = delta.sum(-1)
        back = torch.bmm(p.weights[i].transpose(1, 2), delta)  # (B, in, n)
        if dropout > 0:
            back = back * masks[i]
        out = dZ[:, O:] if i == 0 else torch.empty_like(back)
        delta = torch.ops.aten.threshold_backward.grad_input(back, acts[i], 0.0, grad_input=out)
    gb[0] = delta.sum(-1)
    # per model, as X^T dZ^T: this orientation measured batch-independent where
    # bmm(dZ, X) was not for small shapes (a different kernel for one matrix than for many)
    g_first = torch.bmm(X.T.expand(B, d, n), dZ.transpose(1, 2)).transpose(1, 2)
    return loss, [g_first, *gW, *gb]
