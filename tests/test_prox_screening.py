"""Tests of the fast paths of :func:`lassonetpy.hier_prox` (column screening and selection).

The operator sorts only what it must: columns whose constraint does not bind are passed
through, columns that are certainly zero are zeroed, and binding columns are solved from their
candidate entries (entries above a lower bound on the optimal cap) instead of a full sort. Each
path is checked against something independent of it:

* the brute-force global minimiser of ``tests/test_prox.py`` (small sizes);
* closed forms for the screened classes (unchanged columns, zero columns);
* the plain algorithm (every column sorted whole, the torch fallback used off the CPU), which
  shares no selection code with the fast path, on larger and adversarial inputs;
* the unbatched call, for the batched one (padded column lists of different lengths).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_prox import HYP, _p, _t, check_all_columns, prox_problem

import lassonetpy.engine.prox_columns as PC
import lassonetpy.engine.prox_sorted as PS
from lassonetpy.engine.prox import group_hier_prox, hier_prox

F64 = torch.float64
F32 = torch.float32


def _set(mp, name, value):
    """Set a tuning constant (or ``_numpy_ok``) in every prox module that reads it."""
    mods = [mod for mod in (PC, PS) if hasattr(mod, name)]
    assert mods, name
    for mod in mods:
        mp.setattr(mod, name, value)


@pytest.fixture
def plain(monkeypatch):
    """A context that runs the operator the plain way: every binding column sorted whole."""

    def run(fn, *args, **kw):
        with monkeypatch.context() as m:
            _set(m, "_numpy_ok", lambda x: False)  # torch sort of whole columns
            _set(m, "_FULL_PASS_FRACTION", 10**9)  # W rewritten in one clamping pass
            return fn(*args, **kw)

    return run


def _force_candidates(monkeypatch, refine_above=None, chunk=None, dense=False):
    """Screening on (no small-problem shortcut); binding columns by candidates unless dense."""
    _set(monkeypatch, "_SMALL", 0)
    if not dense:
        _set(monkeypatch, "_DENSE_MAX", 0)
    if refine_above is not None:
        _set(monkeypatch, "_REFINE_ABOVE", refine_above)
    if chunk is not None:
        _set(monkeypatch, "_CHUNK", chunk)


def _assert_same(a, b, rtol=1e-13, atol=1e-15):
    for x, y in zip(a, b, strict=True):
        torch.testing.assert_close(x, y, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------------------------
# 1. Candidate selection: global optimality and agreement with the plain algorithm
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["gathered-sort", "candidates", "always-refine"], ids=lambda x: x)
@settings(max_examples=200, **HYP)
@given(problem=prox_problem(max_out=3, max_k=12, max_d=4, lead_shapes=((), (3,))))
def test_screening_paths_global_optimality(problem, mode):
    """Screening on, binding columns sorted whole or by candidates (with refinement steps)."""
    theta, W, lam, M, lb = problem
    with pytest.MonkeyPatch.context() as m:
        _force_candidates(
            m,
            refine_above=0 if mode == "always-refine" else None,
            chunk=4,
            dense=mode == "gathered-sort",
        )
        t, w = hier_prox(_t(theta), _t(W), lambda_=_p(lam), M=_p(M), lambda_bar=_p(lb))
    check_all_columns(_t(theta), _t(W), t, w, lam, M, lb)


def _hard_columns(rng, K, d, kind):
    """Inputs whose binding columns clip many entries, have ties or near-ties."""
    if kind == "normal":
        W = rng.normal(size=(K, d)) / math.sqrt(d)
    elif kind == "ties":
        W = rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0], size=(K, d)) / math.sqrt(d)
    elif kind == "near-constant":
        W = (1.0 + rng.normal(size=(K, d)) * 1e-9) * rng.choice([-1.0, 1.0], size=(K, d))
    elif kind == "heavy-tail":
        W = rng.standard_cauchy(size=(K, d)) / d
    else:  # sparse spikes
        W = rng.normal(size=(K, d)) * 1e-3
        W[rng.integers(0, K, size=d), np.arange(d)] = 5.0
    return W


@pytest.mark.parametrize("dtype", [F64, F32], ids=["f64", "f32"])
@pytest.mark.parametrize("kind", ["normal", "ties", "near-constant", "heavy-tail", "spikes"])
@pytest.mark.parametrize("M", [10.0, 0.3, 0.01], ids=["M10", "M0.3", "M0.01"])
def test_candidate_path_equals_plain_sort(kind, M, dtype, plain, monkeypatch):
    """K = 300 (candidate path by default): the same result as sorting every column whole.

    Small M clips many entries per column (the refinement steps and long candidate lists);
    the lambdas span columns that are not binding, binding, and zero.
    """
    rng = np.random.default_rng(abs(hash((kind, M))) % 2**32)
    K, d = 300, 60
    theta = _t(rng.normal(size=(2, d)) * rng.choice([0.01, 0.1, 1.0], size=d), dtype)
    W = _t(_hard_columns(rng, K, d, kind), dtype)
    lam = _t(rng.uniform(0, 2, size=d), dtype)
    slow = plain(hier_prox, theta, W, lambda_=lam, M=M)
    tol = dict(rtol=1e-12, atol=1e-14) if dtype == F64 else dict(rtol=2e-6, atol=1e-7)
    # few entries: the numpy route
    _assert_same(hier_prox(theta, W, lambda_=lam, M=M), slow, **tol)
    # screening, binding columns sorted whole
    _set(monkeypatch, "_SMALL", 0)
    _assert_same(hier_prox(theta, W, lambda_=lam, M=M), slow, **tol)
    # screening and candidates
    _set(monkeypatch, "_DENSE_MAX", 0)
    fast = hier_prox(theta, W, lambda_=lam, M=M)
    _assert_same(fast, slow, **tol)
    # the same bits with chunked statistics (tiny chunks), candidates listed column by
    # column (the route for many), fewer refinement steps, a blocked solve
    for name, value in [
        ("_CHUNK", 7 * d),
        ("_LEXSORT_MAX", 0),
        ("_DENSE_STEPS", 1),
        ("_SOLVE_BLOCK", 100),
        ("_NUMPY_SOLVE_MAX", 0),
    ]:
        _set(monkeypatch, name, value)
        _assert_same(hier_prox(theta, W, lambda_=lam, M=M), fast, **tol)


def test_candidate_path_at_benchmark_shape(plain):
    """(d, K) = (2000, 1000) random inputs as in bench/bench_prox.py, and a path-like state."""
    g = torch.Generator().manual_seed(0)
    d, K = 2000, 1000
    v = torch.randn(1, d, generator=g, dtype=F64)
    u = torch.randn(K, d, generator=g, dtype=F64) / math.sqrt(d)
    fast = hier_prox(v, u, lambda_=0.1, M=10.0)
    _assert_same(fast, plain(hier_prox, v, u, lambda_=0.1, M=10.0), rtol=1e-12, atol=1e-15)
    # some columns bind, most do not: both classes are present
    changed = (fast[1] != u).any(dim=0)
    assert 0 < int(changed.sum()) < d // 2


# ----------------------------------------------------------------------------------------------
# 2. Screened classes: closed forms
# ----------------------------------------------------------------------------------------------


@pytest.fixture(params=["small", "screening"])
def path(request, monkeypatch):
    """Run a test both through the small-problem shortcut and through the screening."""
    _set(monkeypatch, "_SMALL", 10**9 if request.param == "small" else 0)
    return request.param


@pytest.mark.parametrize("dtype", [F64, F32], ids=["f64", "f32"])
def test_not_binding_columns_pass_through(dtype, path):
    """max|W_j| < M (||v_j|| - lambda): b = (1 - lambda/||v_j||) v_j and W_j unchanged."""
    rng = np.random.default_rng(1)
    d, K, M, lam = 50, 400, 2.0, 0.3
    theta = rng.normal(size=(3, d)) + 2.0
    nv = np.linalg.norm(theta, axis=0)
    assert nv.min() > lam
    frac = rng.uniform(0, 0.999, size=d)
    W = rng.uniform(-1, 1, size=(K, d))
    W = W / np.abs(W).max(axis=0) * frac * M * (nv - lam)
    t, w = hier_prox(_t(theta, dtype), _t(W, dtype), lambda_=lam, M=M)
    assert torch.equal(w, _t(W, dtype))
    expected = _t(theta, dtype) * (1 - lam / torch.linalg.vector_norm(_t(theta, dtype), dim=0))
    torch.testing.assert_close(t, expected, rtol=4 * torch.finfo(dtype).eps, atol=0)


@pytest.mark.parametrize("dtype", [F64, F32], ids=["f64", "f32"])
def test_certainly_zero_columns(dtype, path):
    """||v_j|| - lambda + M ||W_j||_1 <= 0 gives (0, 0); slightly above it does not."""
    rng = np.random.default_rng(2)
    d, K, M = 40, 300, 0.5
    theta = rng.normal(size=(1, d)) * 0.1
    W = rng.normal(size=(K, d)) * 1e-3
    s = np.linalg.norm(theta, axis=0) + M * np.abs(W).sum(axis=0)
    lam = s * np.where(np.arange(d) % 2 == 0, 1.01, 0.9)  # even columns: zero
    t, w = hier_prox(_t(theta, dtype), _t(W, dtype), lambda_=_t(lam, dtype), M=M)
    even = np.arange(d) % 2 == 0
    assert torch.count_nonzero(t[:, even]) == 0 and torch.count_nonzero(w[:, even]) == 0
    assert bool((t[:, ~even] != 0).all())
    if dtype == F64:
        check_all_columns(_t(theta), _t(W), t, w, lam, M, 0.0)


def test_few_zero_columns_with_hidden_weights(plain, monkeypatch):
    """A few certainly-zero columns with non-zero W among binding and free ones (the column
    fixes differ from the binding set); the same as the plain algorithm."""
    _set(monkeypatch, "_SMALL", 0)
    rng = np.random.default_rng(9)
    d, K, M, lam = 64, 300, 2.0, 0.5
    theta = rng.normal(size=(2, d)) + 3.0  # not binding ...
    W = rng.normal(size=(K, d)) * 1e-3
    theta[:, :4] = 1e-3  # ... except: 4 certainly zero (W != 0)
    W[:, :4] *= 0.3
    assert np.all(np.linalg.norm(theta[:, :4], axis=0) + M * np.abs(W[:, :4]).sum(0) < lam)
    theta[:, 4:8] = 0.3  # and 4 binding
    W[:, 4:8] *= 1e3
    t, w = hier_prox(_t(theta), _t(W), lambda_=lam, M=M)
    assert torch.count_nonzero(t[:, :4]) == 0 and torch.count_nonzero(w[:, :4]) == 0
    assert torch.equal(w[:, 8:], _t(W[:, 8:]))
    assert bool((w[:, 4:8] != _t(W[:, 4:8])).any(dim=0).all())
    _assert_same((t, w), plain(hier_prox, _t(theta), _t(W), lambda_=lam, M=M))
    check_all_columns(_t(theta), _t(W), t, w, lam, M, 0.0)


def test_zero_and_mixed_columns_with_lambda_and_M_edges(path):
    """Zero W columns, zero theta columns, lambda = 0 and M = 0, all in one call."""
    rng = np.random.default_rng(3)
    d, K = 8, 200
    theta = rng.normal(size=(2, d))
    W = rng.normal(size=(K, d))
    W[:, 0] = 0.0  # no hidden weights
    theta[:, 1] = 0.0  # no skip weight, big hidden weights: the zero_dir case
    W[:, 1] *= 10
    theta[:, 2] = 0.0
    W[:, 2] = 0.0  # nothing at all
    for lam, M in [(0.0, 1.0), (0.5, 0.0), (0.0, 0.0), (0.7, 3.0)]:
        t, w = hier_prox(_t(theta), _t(W), lambda_=lam, M=M)
        check_all_columns(_t(theta), _t(W), t, w, lam, M, 0.0)
        assert torch.count_nonzero(w[:, 0]) == 0 and torch.count_nonzero(w[:, 2]) == 0
        assert torch.count_nonzero(t[:, 2]) == 0
        if M == 0:
            assert torch.count_nonzero(w) == 0


# ----------------------------------------------------------------------------------------------
# 3. Batched: padded lists of binding columns
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("K", [30, 300], ids=["dense-sort", "candidates"])
@pytest.mark.parametrize("lb", [0.0, 0.02], ids=["lb0", "lb0.02"])
def test_batched_models_with_different_binding_sets(K, lb, path):
    """B = 4 models: none binding, all binding, some binding, all zero; per-model lambda/M."""
    rng = np.random.default_rng(4)
    B, d = 4, 30
    theta = rng.normal(size=(B, 2, d))
    W = rng.normal(size=(B, K, d)) / math.sqrt(K)
    theta[0] *= 100  # model 0: nothing binds
    theta[1] *= 1e-3  # model 1: everything binds
    lam = _t([[0.0], [0.0], [0.5], [1e6]])  # model 3: everything zero
    M = _t([[1.0], [5.0], [2.0], [1.0]])
    t, w = hier_prox(_t(theta), _t(W), lambda_=lam, M=M, lambda_bar=lb)
    for b in range(B):
        tb, wb = hier_prox(
            _t(theta[b]), _t(W[b]), lambda_=float(lam[b]), M=float(M[b]), lambda_bar=lb
        )
        torch.testing.assert_close(t[b], tb, rtol=1e-14, atol=1e-15)
        torch.testing.assert_close(w[b], wb, rtol=1e-14, atol=1e-15)
    assert torch.equal(w[0], _t(W[0])) if lb == 0 else True
    assert torch.count_nonzero(t[3]) == 0 and torch.count_nonzero(w[3]) == 0
    if K == 30:
        check_all_columns(_t(theta), _t(W), t, w, lam.numpy(), M.numpy(), lb)


@settings(max_examples=60, **HYP)
@given(prox_problem(max_out=2, max_k=10, max_d=5, lead_shapes=((2,), (3, 2)), per_feature=False))
def test_batched_equals_loop_on_candidate_path(problem):
    theta, W, lam, M, lb = problem
    with pytest.MonkeyPatch.context() as m:
        _force_candidates(m)
        t, w = hier_prox(_t(theta), _t(W), lambda_=lam, M=M, lambda_bar=lb)
        for idx in np.ndindex(*theta.shape[:-2]):
            ti, wi = hier_prox(_t(theta[idx]), _t(W[idx]), lambda_=lam, M=M, lambda_bar=lb)
            torch.testing.assert_close(t[idx], ti, rtol=1e-14, atol=1e-15)
            torch.testing.assert_close(w[idx], wi, rtol=1e-14, atol=1e-15)


# ----------------------------------------------------------------------------------------------
# 4. out=: in-place and into given tensors
# ----------------------------------------------------------------------------------------------


def _inputs(B=3, O=2, K=120, d=40, seed=5, dtype=F64):
    rng = np.random.default_rng(seed)
    theta = _t(rng.normal(size=(B, O, d)) * rng.choice([0.01, 1.0], size=d), dtype)
    W = _t(rng.normal(size=(B, K, d)) / math.sqrt(K), dtype)
    return theta, W


@pytest.mark.parametrize("full_pass", [False, True], ids=["column-fixes", "full-pass"])
@pytest.mark.parametrize("lb", [0.0, 0.05], ids=["lb0", "lb0.05"])
@pytest.mark.parametrize("dtype", [F64, F32], ids=["f64", "f32"])
def test_out_in_place_equals_functional(full_pass, lb, dtype, monkeypatch, path):
    _set(monkeypatch, "_FULL_PASS_FRACTION", 10**9 if full_pass else 0)
    theta, W = _inputs(dtype=dtype)
    lam = torch.tensor([[0.05], [0.2], [0.8]], dtype=dtype)
    ref = hier_prox(theta, W, lambda_=lam, M=3.0, lambda_bar=lb)
    th, w = theta.clone(), W.clone()
    res = hier_prox(th, w, lambda_=lam, M=3.0, lambda_bar=lb, out=(th, w))
    assert res[0] is th and res[1] is w
    _assert_same((th, w), ref, rtol=0, atol=0)
    # into separate tensors: the inputs stay untouched
    o = (torch.empty_like(theta), torch.empty_like(W))
    hier_prox(theta, W, lambda_=lam, M=3.0, lambda_bar=lb, out=o)
    _assert_same(o, ref, rtol=0, atol=0)


def test_out_into_views_of_stacked_first_layer(path):
    """The trainer's layout: theta and W are row blocks of one (B, O + K, d) tensor."""
    theta, W = _inputs(O=1)
    first = torch.cat([theta, W], dim=1)
    ref = hier_prox(theta, W, lambda_=0.1, M=10.0)
    th_view, w_view = first[:, :1], first[:, 1:]
    hier_prox(th_view, w_view, lambda_=0.1, M=10.0, out=(th_view, w_view))
    _assert_same((first[:, :1], first[:, 1:]), ref, rtol=0, atol=0)


def test_out_with_one_dimensional_theta_and_transposed_W(path):
    rng = np.random.default_rng(6)
    theta = _t(rng.normal(size=7))
    W = _t(rng.normal(size=(7, 90))).T  # (90, 7), not contiguous
    ref = hier_prox(theta, W, lambda_=0.2, M=1.0)
    o = (torch.empty(7, dtype=F64), torch.empty(7, 90, dtype=F64).T)
    hier_prox(theta, W, lambda_=0.2, M=1.0, out=o)
    _assert_same(o, ref, rtol=0, atol=0)
    th, w = theta.clone(), W.clone()
    hier_prox(th, w, lambda_=0.2, M=1.0, out=(th, w))
    _assert_same((th, w), ref, rtol=0, atol=0)


@pytest.mark.parametrize(
    "out",
    [
        "not a pair",
        (torch.zeros(2, 5),),
        (torch.zeros(2, 5), torch.zeros(3, 4)),
        (torch.zeros(2, 5, dtype=F64), torch.zeros(3, 5)),
    ],
    ids=["string", "one-tensor", "wrong-shape", "wrong-dtype"],
)
def test_bad_out_raises_naming_out(out):
    with pytest.raises(ValueError, match="`out`"):
        hier_prox(torch.ones(2, 5), torch.ones(3, 5), lambda_=0.1, M=1.0, out=out)


# ----------------------------------------------------------------------------------------------
# 5. group_hier_prox goes through the same column engine
# ----------------------------------------------------------------------------------------------


def test_group_prox_candidate_path_equals_plain(plain, path):
    rng = np.random.default_rng(7)
    d, K = 12, 150
    theta = _t(rng.normal(size=(2, 2, d)) * 0.3)
    W = _t(rng.normal(size=(2, K, d)) / math.sqrt(K))
    groups = [[0, 3, 5], [1, 2], [4, 6, 7, 8]]
    fast = group_hier_prox(theta, W, groups, lambda_=0.2, M=5.0)
    slow = plain(group_hier_prox, theta, W, groups, lambda_=0.2, M=5.0)
    _assert_same(fast, slow, rtol=1e-12, atol=1e-14)


@settings(max_examples=40, **HYP)
@given(st.integers(0, 2**32 - 1))
def test_random_sizes_candidates_vs_dense_sort(seed):
    """Random shapes and scales: the candidate path equals sorting the binding columns whole
    and equals sorting every column (the small-problem shortcut)."""
    rng = np.random.default_rng(seed)
    B, O, K, d = rng.integers(1, 4), rng.integers(1, 4), rng.integers(65, 400), rng.integers(1, 30)
    theta = _t(rng.normal(size=(B, O, d)) * 10.0 ** rng.uniform(-3, 1, size=d))
    W = _t(rng.normal(size=(B, K, d)) * 10.0 ** rng.uniform(-3, 0))
    lam, M = float(rng.uniform(0, 1)), float(10.0 ** rng.uniform(-2, 1.5))
    with pytest.MonkeyPatch.context() as m:
        _set(m, "_SMALL", 0)
        fast = hier_prox(theta, W, lambda_=lam, M=M)
        _set(m, "_DENSE_MAX", 10**12)
        dense = hier_prox(theta, W, lambda_=lam, M=M)
        _set(m, "_SMALL", 10**12)
        small = hier_prox(theta, W, lambda_=lam, M=M)
    _assert_same(fast, dense, rtol=1e-13, atol=1e-15)
    _assert_same(fast, small, rtol=1e-13, atol=1e-15)
