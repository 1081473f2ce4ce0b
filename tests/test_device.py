"""The same results on every device (``device`` fixture: the CPU, plus CUDA when present).

* Hier-Prox and Group-Hier-Prox in float32 on the device against the float64 CPU operator
  (itself checked against brute-force minimisers in ``test_prox.py``), on inputs that reach
  the rare branches: long columns (top-k selection), tiny and zero skip norms.
* The branches made on the device (what an accelerator runs, to avoid host synchronisation)
  give bit-identical results to the host branches, and read nothing back to the host.
* ``fit_path`` on the device: numpy out, CPU states, batch == loop of single fits, and at
  ``M = 0`` predictions equal the linear model ``a0 + X beta`` of its own coefficients.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lassonetpy.engine import fit_path, prox, prox_columns
from lassonetpy.engine.prox import group_hier_prox, hier_prox


def _inputs(B: int, O: int, K: int, d: int, seed: int = 0, tiny: float = 1e-32):
    """float64 CPU inputs with a tiny-norm column (0) and a zero-norm column (1).

    ``tiny = 1e-32`` reaches the overflow-safe branch (float64 only: its square underflows in
    float32, where the column then counts as zero).
    """
    g = torch.Generator().manual_seed(seed)
    theta = torch.randn(B, O, d, generator=g, dtype=torch.float64)
    W = torch.randn(B, K, d, generator=g, dtype=torch.float64) * 2
    theta[..., 0] = tiny  # ||v|| tiny: the overflow-safe branch
    theta[..., 1] = 0.0  # ||v|| = 0 with worthwhile hidden weights: the first-output branch
    W[..., 1] = 5.0
    W[:, : min(K, 40), 2] = 9.0  # many tied large entries: more than 16 clipped (re-solve)
    lam = torch.linspace(0.05, 0.6, B, dtype=torch.float64).reshape(B, 1)
    M = torch.linspace(0.5, 3.0, B, dtype=torch.float64).reshape(B, 1)
    return theta, W, lam, M


SHAPES = [(1, 1, 10, 7), (3, 2, 300, 9), (2, 8, 100, 77)]


TOL = {torch.float64: dict(rtol=1e-10, atol=1e-12), torch.float32: dict(rtol=1e-4, atol=1e-5)}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_hier_prox_on_device_matches_float64_cpu(device, shape, dtype):
    theta, W, lam, M = _inputs(*shape, tiny=1e-32 if dtype == torch.float64 else 1e-18)
    ref_t, ref_w = hier_prox(theta, W, lambda_=lam, M=M)
    on = [x.to(device=device, dtype=dtype) for x in (theta, W, lam, M)]
    t, w = hier_prox(on[0], on[1], lambda_=on[2], M=on[3], check=False)
    assert t.device.type == torch.device(device).type and t.dtype == dtype
    torch.testing.assert_close(t.cpu().double(), ref_t, **TOL[dtype])
    torch.testing.assert_close(w.cpu().double(), ref_w, **TOL[dtype])
    # the constraint holds exactly on the device too
    bound = on[3].unsqueeze(-1) * torch.linalg.vector_norm(t, dim=-2, keepdim=True)
    assert bool((w.abs() <= bound).all())


@pytest.mark.parametrize("K", [12, 300])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_group_hier_prox_on_device_matches_float64_cpu(device, K, dtype):
    theta, W, lam, M = _inputs(2, 3, K, 8, seed=1, tiny=1e-32 if dtype == torch.float64 else 1e-18)
    groups = [[0, 3], [1, 2, 5], [4], [6, 7]]
    ref_t, ref_w = group_hier_prox(theta, W, groups, lambda_=lam, M=M)
    on = [x.to(device=device, dtype=dtype) for x in (theta, W, lam, M)]
    t, w = group_hier_prox(on[0], on[1], groups, lambda_=on[2], M=on[3], check=False)
    assert t.device.type == torch.device(device).type and t.dtype == dtype
    torch.testing.assert_close(t.cpu().double(), ref_t, **TOL[dtype])
    torch.testing.assert_close(w.cpu().double(), ref_w, **TOL[dtype])


class _HostRead(AssertionError):
    pass


def _no_host_reads(monkeypatch):
    """Make every read of a tensor value into Python raise (a host sync on an accelerator)."""

    def boom(*_a, **_k):
        raise _HostRead("a tensor value was read on the host")

    for name in ("__bool__", "__float__", "__int__", "item", "tolist"):
        monkeypatch.setattr(torch.Tensor, name, boom)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_device_branches_equal_host_branches_and_never_sync(monkeypatch, shape, dtype):
    theta, W, lam, M = (x.to(dtype) for x in _inputs(*shape, seed=2))
    groups = prox.GroupIndex([[0, 3], [1, 2], [4, 5]], theta.shape[-1])
    host = hier_prox(theta, W, lambda_=lam, M=M, check=False)
    host_g = group_hier_prox(theta, W, groups, lambda_=lam, M=M, check=False)
    with monkeypatch.context() as mp:
        mp.setattr(prox_columns, "_host_branches", lambda t: False)
        _no_host_reads(mp)
        dev = hier_prox(theta, W, lambda_=lam, M=M, check=False)
        dev_g = group_hier_prox(theta, W, groups, lambda_=lam, M=M, check=False)
    # the device route sorts every column and sums in the working dtype; the CPU route screens
    # columns and solves the binding ones with float64 sums: equal up to rounding
    for a, b in zip((*host, *host_g), (*dev, *dev_g), strict=True):
        torch.testing.assert_close(a, b, **TOL[dtype])
    # and the host branches do read values (the check above can fail)
    with monkeypatch.context() as mp:
        _no_host_reads(mp)
        with pytest.raises(_HostRead):
            hier_prox(theta, W, lambda_=lam, M=M, check=False)


def _data(n=100, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X[:, 0] + np.sin(2 * X[:, 1]) + 0.3 * rng.normal(size=n)
    return X, y


def test_fit_path_on_device_returns_numpy_and_cpu_states(device):
    X, y = _data()
    res = fit_path(X, y, hidden=(6,), nlambda=12, seed=0, device=device)
    for name in ("lambdas", "beta", "a0", "deviance", "selected", "epochs", "lr"):
        assert isinstance(getattr(res, name), np.ndarray), name
    assert res.n_selected[0, 0] == 5 and res.n_selected[0, -1] == 0
    for st in res.states:
        assert all(t.device.type == "cpu" for t in (st.columns, st.first, *st.rest))
    p = res.predict(X[:7], len(res.lambdas) // 2)
    assert p.shape == (7, 1) and np.isfinite(p).all()
    if device != "cpu":  # the same fit as on the CPU, up to rounding
        ref = fit_path(X, y, hidden=(6,), nlambda=12, seed=0, dtype="float64")
        dev64 = fit_path(X, y, hidden=(6,), nlambda=12, seed=0, dtype="float64", device=device)
        np.testing.assert_allclose(dev64.lambdas, ref.lambdas, rtol=1e-6)
        np.testing.assert_allclose(dev64.dev_ratio[0, :3], ref.dev_ratio[0, :3], atol=1e-4)


def test_batch_equals_loop_on_device(device):
    X, y = _data(120, 6, seed=1)
    m0 = np.ones(120, bool)
    m0[:30] = False
    m1 = np.ones(120, bool)
    m1[60:90] = False
    kw = dict(hidden=(8,), lambda_=[0.01, 0.05, 0.2, 0.8], dtype="float64", seed=3, device=device)
    for masks in ([m0, m1], [m1, m0]):
        batch = fit_path(X, y, masks=masks, **kw)
        single = fit_path(X, y, masks=[masks[0]], **kw)
        L = len(single.lambdas)
        np.testing.assert_allclose(batch.objective[0, :L], single.objective[0, :L], rtol=1e-8)
        np.testing.assert_array_equal(batch.selected[0, :L], single.selected[0, :L])
        np.testing.assert_allclose(
            batch.predict(X, L - 1, 0), single.predict(X, L - 1, 0), rtol=1e-7, atol=1e-9
        )
    assert not np.allclose(batch.objective[0], batch.objective[1])


def test_predict_at_M0_is_the_linear_model(device):
    X, y = _data(90, 4, seed=2)
    res = fit_path(X, y, hidden=(5,), M=0.0, nlambda=8, seed=0, dtype="float64", device=device)
    Xn = np.random.default_rng(9).normal(size=(11, 4))
    for i in range(len(res.lambdas)):
        lin = res.a0[0, i] + Xn @ res.beta[0, i].T
        np.testing.assert_allclose(res.predict(Xn, i), lin, rtol=1e-9, atol=1e-9)
