"""The hand-written backward pass of the batched network against torch.autograd."""

from __future__ import annotations

import zlib

import pytest
import torch

from lassonetpy.engine.network import _forward, forward, forward_backward, init_params
from lassonetpy.families import get_family


def _case(family: str, hidden: tuple[int, ...], B: int = 3, n: int = 25, d: int = 7):
    O = 3 if family == "multinomial" else (2 if family == "mgaussian" else 1)
    gen = torch.Generator().manual_seed(zlib.crc32(f"{family}{hidden}".encode()))
    p = init_params(B, d, hidden, O, generator=gen, dtype=torch.float64, device=torch.device("cpu"))
    X = torch.randn(n, d, dtype=torch.float64, generator=gen)
    if family == "multinomial":
        y = torch.randint(0, O, (n,), generator=gen)
    elif family == "mgaussian":
        y = torch.randn(n, O, dtype=torch.float64, generator=gen)
    elif family == "poisson":
        y = torch.poisson(torch.full((n,), 2.0, dtype=torch.float64), generator=gen)
    elif family == "binomial":
        y = torch.randint(0, 2, (n,), generator=gen).double()
    else:
        y = torch.randn(n, dtype=torch.float64, generator=gen)
    w = torch.rand(B, n, dtype=torch.float64, generator=gen)
    w[:, :3] = 0.0  # rows a model does not train on
    return p, X, y, w / w.sum(1, keepdim=True)


@pytest.mark.parametrize("family", ["gaussian", "binomial", "poisson", "multinomial", "mgaussian"])
@pytest.mark.parametrize("hidden", [(5,), (6, 4), (2, 3, 2)])
def test_gradients_equal_autograd(family, hidden):
    fam = get_family(family)
    p, X, y, w = _case(family, hidden)
    loss, grads = forward_backward(p, X, lambda eta: fam.loss_grad(eta, y, w))
    leaves = [t.clone().requires_grad_() for t in p.tensors()]
    ref = fam.loss(forward(p.like(leaves), X), y, w)
    ref.sum().backward()
    torch.testing.assert_close(loss, ref.detach(), rtol=1e-12, atol=1e-14)
    for g, leaf in zip(grads, leaves):
        torch.testing.assert_close(g, leaf.grad, rtol=1e-10, atol=1e-12)


def test_gradients_with_dropout_equal_autograd_on_the_same_masks():
    fam = get_family("gaussian")
    p, X, y, w = _case("gaussian", (6, 4))
    loss, grads = forward_backward(
        p,
        X,
        lambda eta: fam.loss_grad(eta, y, w),
        dropout=0.3,
        generator=torch.Generator().manual_seed(7),
    )
    leaves = [t.clone().requires_grad_() for t in p.tensors()]
    eta = _forward(p.like(leaves), X, 0.3, torch.Generator().manual_seed(7))[0]
    fam.loss(eta, y, w).sum().backward()
    for g, leaf in zip(grads, leaves):
        torch.testing.assert_close(g, leaf.grad, rtol=1e-10, atol=1e-12)


def test_models_in_a_batch_do_not_interact():
    """Gradient of model b depends only on model b's parameters (and its weights)."""
    fam = get_family("multinomial")
    p, X, y, w = _case("multinomial", (5,), B=3)
    _, grads = forward_backward(p, X, lambda eta: fam.loss_grad(eta, y, w))
    q = p.like([t.clone() for t in p.tensors()])
    for t in q.tensors():
        t[1:] = t[1:] * 3.0 + 1.0  # change models 1 and 2 only
    _, grads_q = forward_backward(q, X, lambda eta: fam.loss_grad(eta, y, w))
    for a, b in zip(grads, grads_q):
        torch.testing.assert_close(a[0], b[0], rtol=0, atol=0)
        assert not torch.allclose(a[1], b[1])
