"""Inputs streamed from disk (memmap / iterator of chunks) against the in-memory fit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lassonetpy.engine.rows as rows_mod
from lassonetpy.engine import fit_path
from lassonetpy.engine.rows import ChunkedRows, from_chunks, is_out_of_core
from lassonetpy.errors import InputError


def _data(n=150, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=3.0, scale=2.0, size=(n, d))
    y = X[:, 0] + np.sin(X[:, 1]) + 0.3 * rng.normal(size=n)
    return X, y


def _memmap(tmp_path, X, name="X.npy"):
    np.save(tmp_path / name, X)
    return np.load(tmp_path / name, mmap_mode="r")


@pytest.fixture
def small_chunks(monkeypatch):
    # 40 rows of 6 float32 columns per chunk: several chunks even on small data
    monkeypatch.setattr(rows_mod, "CHUNK_BYTES", 40 * 6 * 4)


KW = dict(hidden=(6,), nlambda=8, dtype="float64", seed=1)


def test_detects_out_of_core_inputs(tmp_path):
    X, _ = _data()
    assert is_out_of_core(_memmap(tmp_path, X))
    assert not is_out_of_core(X)
    assert not is_out_of_core(X.tolist())
    import pandas as pd

    assert not is_out_of_core(pd.DataFrame(X))


def test_streaming_statistics_equal_numpy(tmp_path, small_chunks):
    X, _ = _data()
    w = np.random.default_rng(1).uniform(0.5, 2.0, size=X.shape[0])
    r = ChunkedRows(_memmap(tmp_path, X), torch.float64, torch.device("cpu"))
    assert r.chunk_rows == 40
    r.standardize(w, True)
    mu = np.average(X, axis=0, weights=w)
    sd = np.sqrt(np.average((X - mu) ** 2, axis=0, weights=w))
    np.testing.assert_allclose(r.center, mu, rtol=1e-12)
    np.testing.assert_allclose(r.scale, sd, rtol=1e-10)
    np.testing.assert_allclose(r.materialize().numpy(), (X - mu) / sd, rtol=1e-10, atol=1e-12)


def test_full_batch_fit_from_a_memmap_equals_the_in_memory_fit(tmp_path, small_chunks, monkeypatch):
    X, y = _data()
    ref = fit_path(X, y, **KW)
    # the chunked fit must never hold all rows at once
    monkeypatch.setattr(ChunkedRows, "materialize", lambda self: pytest.fail("materialised"))
    got = fit_path(_memmap(tmp_path, X), y, **KW)
    # the chunked lambda_max sums its gradient over blocks: equal up to rounding (~1e-13)
    np.testing.assert_allclose(got.lambdas, ref.lambdas, rtol=1e-10)
    np.testing.assert_array_equal(got.n_selected, ref.n_selected)
    np.testing.assert_allclose(got.objective, ref.objective, rtol=1e-7)
    np.testing.assert_allclose(got.deviance, ref.deviance, rtol=1e-7)
    Xt = _data(seed=5)[0][:20]
    np.testing.assert_allclose(got.predict(Xt, 3), ref.predict(Xt, 3), rtol=1e-6, atol=1e-9)


def test_mini_batches_from_a_memmap_equal_in_memory_mini_batches(tmp_path, small_chunks):
    X, y = _data(n=200)
    kw = dict(KW, batch_size=50, max_epochs=20, max_epochs_dense=30, family="binomial")
    yb = (y > np.median(y)).astype(int)
    ref = fit_path(X, yb, **kw)
    got = fit_path(_memmap(tmp_path, X), yb, **kw)
    np.testing.assert_array_equal(got.n_selected, ref.n_selected)
    # the same mini-batches; rows inside a batch are read in file order, so sums differ in
    # rounding only (amplified a little by the noisy stopping rule)
    np.testing.assert_allclose(got.objective, ref.objective, rtol=1e-5)


def test_from_chunks_writes_a_memmap_that_fits_like_the_array(tmp_path):
    X, y = _data()
    blocks = (X[i : i + 37] for i in range(0, len(X), 37))  # a one-pass iterator
    Xm = from_chunks(blocks, tmp_path / "X.npy", dtype=np.float64)
    assert isinstance(Xm, np.memmap) and Xm.shape == X.shape
    np.testing.assert_array_equal(np.asarray(Xm), X)
    got = fit_path(Xm, y, **KW)
    ref = fit_path(X, y, **KW)
    np.testing.assert_allclose(got.objective, ref.objective, rtol=1e-7)


def test_from_chunks_rejects_ragged_or_empty_input(tmp_path):
    with pytest.raises(InputError, match=r"chunks.*same number of columns"):
        from_chunks([np.zeros((2, 3)), np.zeros((2, 4))], tmp_path / "a.npy")
    with pytest.raises(InputError, match=r"chunks.*empty"):
        from_chunks(iter([]), tmp_path / "b.npy")


def test_non_finite_value_on_disk_is_named(tmp_path):
    X, y = _data()
    X[97, 4] = np.nan
    with pytest.raises(InputError, match=r"row 97, column 4"):
        fit_path(_memmap(tmp_path, X), y, **KW)


def test_lassonet_and_cv_accept_a_memmap(tmp_path):
    import lassonetpy as ln

    X, y = _data(n=120)
    Xm = _memmap(tmp_path, X)
    kw = dict(hidden=(6,), nlambda=6, seed=2, verbose=False, dtype="float64")
    fit_m = ln.lassonet(X=Xm, y=y, **kw)
    fit_a = ln.lassonet(X=X, y=y, **kw)
    np.testing.assert_allclose(fit_m.predict(X[:10]), fit_a.predict(X[:10]), rtol=1e-6)
    cv_m = ln.cv_lassonet(X=Xm, y=y, nfolds=3, **kw)
    cv_a = ln.cv_lassonet(X=X, y=y, nfolds=3, **kw)
    np.testing.assert_allclose(cv_m.cvm, cv_a.cvm, rtol=1e-6)
    with pytest.raises(InputError, match="exclude"):
        ln.lassonet(X=Xm, y=y, exclude=[0], **kw)
    y_na = y.copy()
    y_na[3] = np.nan
    with pytest.raises(InputError, match="NA"):
        ln.lassonet(X=Xm, y=y_na, **kw)
