"""Batches split into chunks, locally and on a real Dask cluster (``parallel=``).

References: (1) the single local batch (one engine call): the two-phase machinery on the same
shapes must reproduce it bit for bit; (2) a model's computations do not depend on the models
sharing its batch (issue 9), so ANY split -- ``n_tasks`` of 1, 2 or one per model, locally or
on Dask -- gives the same grid, the same ``cvm`` and the same ``lambda_min``/``lambda_1se`` as
the single batch (observed: bit for bit, non-convex ``M = 10`` included). One
``LocalCluster`` (2 worker processes, one thread each, loopback only) serves the whole module.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from lassonetpy import cv_lassonet, cva_lassonet, stability_selection
from lassonetpy.engine import concat_results, fit_path, grid_span, take_models
from lassonetpy.engine.parallel import _fresh, _Job, _worker_task, fit_batch, resolve_parallel
from lassonetpy.errors import InputError, LassoNetWarning
from lassonetpy.formula.inputs import _prepare

distributed = pytest.importorskip("distributed")

TINY = dict(hidden=(4,), nlambda=6, dtype="float64", verbose=False)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Local runs use one torch thread, like the workers (thread counts change rounding)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    cl = distributed.Client(cluster)
    yield cl
    cl.close()
    cluster.close()


@pytest.fixture(scope="module")
def reg():
    rng = np.random.default_rng(11)
    n, d = 90, 4
    X = rng.normal(size=(n, d))
    y = X[:, 0] - np.cos(2 * X[:, 1]) + 0.4 * rng.normal(size=n)
    return X, y


ARRAYS = ("objective", "beta", "a0", "deviance", "dev_ratio", "lr", "null_deviance")
EXACT = ("selected", "n_selected", "M", "lambda_max_internal")


def _same_result(a, b, rtol=1e-9):
    """Equal to rounding (epoch counts may differ where the objective stopped changing)."""
    np.testing.assert_allclose(a.lambdas, b.lambdas, rtol=1e-14)
    for name in ARRAYS:
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=rtol, atol=1e-12)
    for name in EXACT:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for sa, sb in zip(a.states, b.states, strict=True):
        for ta, tb in zip(sa, sb, strict=True):
            np.testing.assert_allclose(ta.numpy(), tb.numpy(), rtol=rtol, atol=1e-12)


def _identical(a, b):
    np.testing.assert_array_equal(a.lambdas, b.lambdas)
    for name in (*ARRAYS, *EXACT, "epochs", "converged"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for sa, sb in zip(a.states, b.states, strict=True):
        for ta, tb in zip(sa, sb, strict=True):
            assert torch.equal(ta, tb)


# --------------------------------------------------------------------------- engine hooks
def test_two_phases_on_the_same_shapes_are_the_single_batch_bit_for_bit(reg):
    X, y = reg
    masks = np.ones((3, len(y)), bool)
    masks[1, :30], masks[2, 30:60] = False, False
    for tol in (1e-2, 1e-4):
        kw = dict(hidden=(6,), nlambda=5, dtype="float64", seed=4, tol=tol, max_epochs=100)
        whole = fit_path(X, y, masks=masks, **kw)
        dense = fit_path(X, y, masks=masks, phase="dense", **kw)
        assert len(dense.lambdas) == 1
        np.testing.assert_array_equal(dense.states[0][0], whole.states[0][0])
        again = fit_path(X, y, masks=masks, start=dense, lambda_span=grid_span([dense]), **kw)
        _identical(whole, again)


def test_chunks_with_padding_equal_the_single_batch(reg):
    """Convex models (M = 0): a split agrees to rounding; weak-signal models empty first."""
    X, y = reg
    n = len(y)
    weak = np.abs(X[:, 0]) < 0.6
    masks = np.vstack([np.ones(n, bool), np.arange(n) % 3 > 0, weak, weak & (np.arange(n) % 4 > 0)])
    kw = dict(hidden=(4,), nlambda=8, dtype="float64", seed=2, M=0.0, tol=1e-6)
    kw.update(offset=0.1 * X[:, 2], max_epochs_dense=300)
    whole = fit_path(X, y, masks=masks, **kw)
    chunks = [np.array([0, 1]), np.array([3, 2])]  # any order: seed_children says who is who
    dense = [fit_path(X, y, masks=masks[c], seed_children=c, phase="dense", **kw) for c in chunks]
    span = grid_span(dense, 1e-2)
    parts = [
        fit_path(X, y, masks=masks[c], seed_children=c, start=d, lambda_span=span, **kw)
        for c, d in zip(chunks, dense)
    ]
    assert len(parts[1].lambdas) < len(parts[0].lambdas)  # padding is exercised
    joined = concat_results(parts, order=np.concatenate(chunks))
    _same_result(whole, joined)
    k = len(parts[1].lambdas)
    assert (joined.epochs[2:, k:] == 0).all() and joined.converged[2:, k:].all()
    # a chunk on its own grid would differ: the common grid matters
    own = fit_path(X, y, masks=masks[2:], **kw)
    assert not np.allclose(own.lambdas[1:3], whole.lambdas[1:3])
    # take_models is the inverse of concat_results
    _identical(take_models(joined, [0, 1]), parts[0])


def test_local_split_of_a_user_grid_and_the_noise_warning(reg):
    X, y = reg
    prep = _prepare(X=X, y=y, seed=3, M=0.0, tol=1e-6, lambda_=[0.05, 0.2, 1.0], **TINY)
    masks = np.ones((3, len(y)), bool)
    masks[1, :30], masks[2, 30:60] = False, False
    _same_result(fit_batch(prep, masks)[0], fit_batch(prep, masks, n_tasks=3)[0])
    noisy = _prepare(X=X, y=y, seed=3, dropout=0.1, **TINY)
    with pytest.warns(LassoNetWarning, match="random"):
        fit_batch(noisy, masks, n_tasks=2)


# --------------------------------------------------------------------------- on Dask
def test_cv_on_dask_is_the_local_split(client, reg):
    X, y = reg
    kw = dict(X=X, y=y, nfolds=3, seed=1, **TINY)
    local = cv_lassonet(n_tasks=2, **kw)
    remote = cv_lassonet(parallel=client, n_tasks=2, **kw)
    np.testing.assert_array_equal(remote.cvm, local.cvm)
    _identical(remote.path._result, local.path._result)
    assert remote.call == local.call  # where it ran is not part of the model
    # "dask": the current client; default one task per model
    current = cv_lassonet(parallel="dask", **kw)
    per_model = cv_lassonet(n_tasks=4, **kw)
    np.testing.assert_array_equal(current.cvm, per_model.cvm)
    _identical(current.path._result, per_model.path._result)


def test_cv_on_dask_equals_the_single_batch_when_convex(client, reg):
    X, _ = reg
    rng = np.random.default_rng(0)
    off = 0.3 * rng.normal(size=len(X))
    counts = rng.poisson(np.exp(0.5 * X[:, 0] + off))
    kw = dict(X=X, y=counts, family="poisson", nfolds=3, seed=2, offset=off, M=0.0, tol=1e-6)
    local = cv_lassonet(**kw, **TINY)
    remote = cv_lassonet(parallel=client, **kw, **TINY)
    np.testing.assert_allclose(remote.cvm, local.cvm, rtol=1e-9)
    _same_result(remote.path._result, local.path._result)
    print(
        "cv poisson M=0, single batch vs dask: max rel. diff of cvm",
        _max_rel(local.cvm, remote.cvm),
    )


def test_stability_on_dask_is_the_local_split(client, reg):
    X, y = reg
    labels = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    kw = dict(X=X, y=labels, family="binomial", B=2, seed=5, n_tasks=3, **TINY)
    local = stability_selection(**kw)
    remote = stability_selection(parallel=client, **kw)
    np.testing.assert_array_equal(remote.selections, local.selections)
    np.testing.assert_array_equal(remote.subsamples, local.subsamples)
    np.testing.assert_array_equal(remote.lambdas, local.lambdas)


def test_cva_on_dask_split_by_M_is_the_local_run(client, reg):
    X, y = reg
    kw = dict(X=X, y=y, M=[0.0, 3.0], nfolds=3, seed=6, **TINY)
    local = cva_lassonet(**kw)
    remote = cva_lassonet(parallel=client, n_tasks=2, **kw)  # one task per M: same shapes
    for a, b in zip(local.cv, remote.cv, strict=True):
        np.testing.assert_array_equal(b.cvm, a.cvm)
        _identical(b.path._result, a.path._result)
    assert remote.best_M == local.best_M


def test_unpickled_arrays_are_copied_to_aligned_memory():
    """Dask hands a worker arrays at any byte offset; BLAS then rounds differently."""
    X = np.asfortranarray(np.arange(12.0).reshape(4, 3))
    raw = bytearray(X.nbytes + 1)
    odd = np.frombuffer(memoryview(raw)[1:], dtype=np.float64).reshape(3, 4).T  # F order, 1 mod 8
    odd[...] = X  # the buffer is writable: same values
    assert odd.__array_interface__["data"][0] % 8 == 1
    fresh = _fresh(odd)
    assert fresh.__array_interface__["data"][0] % 16 == 0
    assert fresh.flags["F_CONTIGUOUS"] and np.array_equal(fresh, X)


def _max_rel(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300)))


def test_tasks_use_the_workers_thread_count(client, reg):
    """A task runs its fit on its worker's thread count (whatever ``threads`` the caller
    gave), and only for the fit: the worker's own torch setting is left as it was."""
    X, y = reg
    client.run(torch.set_num_threads, 2)  # as if torch had taken every core
    job = _Job(
        X=X,
        y=y,
        family="gaussian",
        groups=[[j] for j in range(X.shape[1])],
        penalty_factor=None,
        weights=None,
        offset=None,
        masks=np.ones((1, len(y)), bool),
        M=None,
        children=np.arange(1),
        kwargs=dict(hidden=(4,), dtype="float64", seed=0, threads=2),
    )
    workers = list(client.scheduler_info()["workers"])
    futs = [
        client.submit(_worker_task, job, np.arange(1), "dense", None, None, workers=[w], pure=False)
        for w in workers
    ]
    assert [r.threads for r in client.gather(futs)] == [1] * len(workers)
    assert client.run(torch.get_num_threads) == {w: 2 for w in workers}
    client.run(torch.set_num_threads, 1)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("bad", ["threads", "Dask", 2, True, object()])
def test_bad_parallel_values(bad):
    with pytest.raises(InputError, match=r"`parallel` must be None .*'dask'.*Client"):
        resolve_parallel(bad)


def test_closed_client_is_refused(client):
    other = distributed.Client(client.cluster, set_as_default=False)
    other.close()
    with pytest.raises(InputError, match="running"):
        resolve_parallel(other)


def test_dask_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(InputError, match=r'pip install "lassonetpy\[dask\]"'):
        resolve_parallel("dask")


def test_local_run_never_imports_dask_and_dask_without_client_is_clear():
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        import lassonetpy
        from lassonetpy import cv_lassonet, stability_selection
        assert "dask" not in sys.modules and "distributed" not in sys.modules
        rng = np.random.default_rng(0)
        X = rng.normal(size=(40, 3)); y = X[:, 0] + 0.1 * rng.normal(size=40)
        cv_lassonet(X=X, y=y, nfolds=3, hidden=(4,), nlambda=4, seed=0, verbose=False)
        cv_lassonet(X=X, y=y, nfolds=3, hidden=(4,), nlambda=4, seed=0, verbose=False,
                    n_tasks=2)
        stability_selection(X=X, y=y, B=1, hidden=(4,), nlambda=4, seed=0, verbose=False)
        assert "dask" not in sys.modules and "distributed" not in sys.modules
        try:
            cv_lassonet(X=X, y=y, nfolds=3, hidden=(4,), nlambda=4, seed=0, verbose=False,
                        parallel="dask")
        except lassonetpy.errors.InputError as e:
            print(e)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert "uses the current Dask client, but there is none" in out.stdout
    assert 'Client("tcp://scheduler:8786")' in out.stdout


# --------------------------------------------------------------------------- any split
@pytest.fixture(scope="module")
def sonar(shared_data):
    import pandas as pd

    return pd.read_csv(shared_data / "sonar.csv")


SONAR = dict(formula="Class ~ .", family="binomial", hidden=(8,), nlambda=12, verbose=False)


def _same_cv(a, b):
    np.testing.assert_array_equal(a.lambdas, b.lambdas)  # the same grid
    np.testing.assert_allclose(a.cvm, b.cvm, rtol=1e-6, atol=0)
    np.testing.assert_allclose(a.cvsd, b.cvsd, rtol=1e-6, atol=0)
    assert (a.lambda_min, a.lambda_1se) == (b.lambda_min, b.lambda_1se)


def test_cv_gives_the_same_answer_however_the_work_is_split(client, sonar):
    """The issue's case: sonar, 4 folds, one seed; locally with n_tasks in {1, 2, number of
    models} and on a 2-worker cluster (one task per model by default)."""
    kw = dict(data=sonar, nfolds=4, seed=0, **SONAR)
    one = cv_lassonet(**kw)  # n_tasks=1: the plain batch of 5 models
    for n_tasks in (2, 5):
        _same_cv(one, cv_lassonet(n_tasks=n_tasks, **kw))
    remote = cv_lassonet(parallel=client, **kw)
    _same_cv(one, remote)
    # bit for bit, in fact: every network of the path
    _identical(one.path._result, remote.path._result)


def test_stability_and_cva_give_the_same_answer_however_split(client, sonar):
    kw = dict(data=sonar, seed=3, **{**SONAR, "hidden": (4,), "nlambda": 8})
    st = stability_selection(B=2, **kw)
    other = stability_selection(B=2, parallel=client, **kw)  # one task per subsample
    np.testing.assert_array_equal(other.lambdas, st.lambdas)
    np.testing.assert_array_equal(other.selections, st.selections)
    kw = dict(nfolds=3, M=[1.0, 10.0], **kw)
    cva = cva_lassonet(**kw)
    split = cva_lassonet(n_tasks=8, **kw)  # one chunk per model
    for a, b in zip(cva.cv, split.cv, strict=True):
        _same_cv(a, b)
    assert split.best_M == cva.best_M
