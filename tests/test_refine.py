"""A fit for every feature count (issue 9, part 2): refinement of the lambda grid and the
grid's start, against independent references (scikit-learn's Lasso at M = 0) and against the
same models fitted alone or in another split of the batch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from lassonetpy.engine.network import init_params
from lassonetpy.engine.trainer import LambdaState, Problem, TrainConfig, train_lambda
from lassonetpy.families import get_family


@pytest.fixture(scope="module")
def boston(shared_data):
    df = pd.read_csv(shared_data / "boston.csv")
    y = df.pop("medv").to_numpy(float)
    X = df.drop(columns=["black"]).to_numpy(float)
    return (X - X.mean(0)) / X.std(0), (y - y.mean()) / y.std()


def _problem(X: np.ndarray, y: np.ndarray, B: int) -> Problem:
    fam = get_family("gaussian")
    info = fam.prepare(y, np.ones(len(y)))
    n = len(y)
    rng = np.random.default_rng(0)
    w = (rng.random((B, n)) > 0.3).astype(float)
    w /= w.sum(1, keepdims=True)
    return Problem(
        X=torch.tensor(X),
        y=fam.target(info, torch.float64, torch.device("cpu")),
        w=torch.tensor(w),
        offset=None,
        family=fam,
        pen_weight=torch.ones(X.shape[1], dtype=torch.float64),
        M=torch.full((B, 1), 5.0, dtype=torch.float64),
        groups=None,
        generator=torch.Generator(),
    )


def test_one_lambda_per_model_equals_each_lambda_alone(boston):
    """``train_lambda`` with a (B,) lambda gives model b what the scalar lambda b gives it."""
    X, y = boston
    B = 3
    prob = _problem(X, y, B)
    p0 = init_params(
        B,
        X.shape[1],
        (6,),
        1,
        generator=torch.Generator().manual_seed(0),
        dtype=torch.float64,
        device=torch.device("cpu"),
    )
    lams = torch.tensor([0.01, 0.1, 0.4], dtype=torch.float64)
    cfg = TrainConfig(tol=1e-6, max_epochs=300)

    def run(lam):
        lr = torch.full((B,), 0.05, dtype=torch.float64)
        st = LambdaState(prev=[t.clone() for t in p0.tensors()], lr=lr)
        return train_lambda(p0.clone(), prob, cfg, lam, st, torch.ones(B, dtype=torch.bool))

    p_vec, ep_vec, _ = run(lams)
    for b in range(B):
        p_b, ep_b, _ = run(float(lams[b]))
        assert int(ep_vec[b]) == int(ep_b[b])
        for t_vec, t_b in zip(p_vec.tensors(), p_b.tensors()):
            torch.testing.assert_close(t_vec[b], t_b[b], rtol=1e-10, atol=1e-12)
    # the lambdas really differ: the largest one leaves the fewest features
    nz = (p_vec.theta.abs().sum(-2) > 0).sum(-1)
    assert nz[2] < nz[0]


# ---- a fit for every term count (engine/refine.py) -------------------------------------------


@pytest.fixture(scope="module")
def mice(shared_data):
    from lassonetpy.datasets import load_mice_protein

    d = load_mice_protein().dropna()
    return d.select_dtypes("number").to_numpy(float), d["class"].to_numpy()


def test_mice_path_has_every_count_up_to_reported_ties(mice):
    """The MICE default path: a fit with exactly k proteins for every k in 1..77, except
    terms that leave together (adjacent lambdas within the tie ratio), which are reported."""
    from lassonetpy.engine import fit_path
    from lassonetpy.engine.refine import TIE_RATIO

    X, y = mice
    res = fit_path(X, y, "multinomial", seed=0)
    plain = fit_path(X, y, "multinomial", seed=0, df_resolution=0)
    ns = res.n_groups[0]
    missing = sorted(set(range(1, X.shape[1])) - set(ns.tolist()))
    plain_missing = sorted(set(range(1, X.shape[1])) - set(plain.n_groups[0].tolist()))
    assert len(plain_missing) > 10  # the grid alone leaves gaps (the reason for refining)
    assert len(missing) <= 8, missing
    for k in missing:  # each is a tie: the two neighbouring fits are within the tie ratio
        i = np.flatnonzero(ns > k)[-1]
        assert ns[i + 1] < k
        assert res.lambdas[i + 1] <= res.lambdas[i] * (1 + TIE_RATIO) * (1 + 1e-9)
    # refinement only adds fits: every grid point of the plain path is kept, unchanged
    idx = np.searchsorted(res.lambdas, plain.lambdas)
    np.testing.assert_array_equal(res.lambdas[idx], plain.lambdas)
    np.testing.assert_array_equal(res.beta[0][idx], plain.beta[0])
    assert np.all(np.diff(res.lambdas) > 0)
    assert res.converged.all()


def test_refined_fits_are_lasso_optima_at_M0(boston):
    """At M = 0 every inserted lambda is a lasso fit: its objective is within 1e-4 of
    scikit-learn's Lasso optimum at that lambda, and every count 0..12 has a fit."""
    from sklearn.linear_model import Lasso

    from lassonetpy.engine import fit_path

    X, y = boston
    plain = fit_path(X, y, M=0.0, hidden=(4,), nlambda=12, seed=0, df_resolution=0)
    res = fit_path(X, y, M=0.0, hidden=(4,), nlambda=12, seed=0, dtype="float64")
    assert len(set(plain.n_groups[0].tolist())) < X.shape[1] + 1  # the coarse grid skips counts
    assert set(res.n_groups[0].tolist()) >= set(range(X.shape[1] + 1)) - set(res_missing(res))
    new = [i for i, lam in enumerate(res.lambdas) if not np.isclose(plain.lambdas, lam).any()]
    assert len(new) >= 3
    for i in new:
        lam = res.lambdas[i]
        sk = Lasso(alpha=lam, tol=1e-14, max_iter=10**6).fit(X, y)
        opt = 0.5 * np.mean((y - sk.predict(X)) ** 2) + lam * np.abs(sk.coef_).sum()
        assert (res.objective[0, i] - opt) / opt < 1e-4, (i, lam)


def res_missing(res) -> list[int]:
    from lassonetpy.engine.refine import missing_counts

    return missing_counts(res.n_groups[0].tolist(), 10**9)


def test_phase_refine_adds_fits_to_one_model_of_a_batch(boston):
    """A batch keeps its common grid; phase='refine' refines one of its models afterwards,
    keeping that model's grid fits and filling its counts, without touching the others."""
    from lassonetpy.engine import fit_path, take_models

    X, y = boston
    masks = np.ones((3, len(y)), bool)
    masks[1, ::3] = False
    masks[2, 1::3] = False
    kw = dict(hidden=(4,), nlambda=15, seed=0)
    batch = fit_path(X, y, masks=masks, **kw)
    one = take_models(batch, [0])
    assert len(res_missing(one)) > 0
    ref = fit_path(X, y, phase="refine", start=one, **kw)
    assert len(ref.lambdas) > len(one.lambdas)
    idx = np.searchsorted(ref.lambdas, one.lambdas)
    np.testing.assert_array_equal(ref.lambdas[idx], one.lambdas)
    np.testing.assert_array_equal(ref.beta[0][idx], one.beta[0])
    assert len(res_missing(ref)) < len(res_missing(one))


@pytest.mark.parametrize("bad", [-1, 2.5, "all", True])
def test_bad_df_resolution(boston, bad):
    from lassonetpy.engine import fit_path
    from lassonetpy.errors import LassoNetError

    X, y = boston
    with pytest.raises(LassoNetError, match="df_resolution"):
        fit_path(X, y, hidden=(4,), nlambda=5, df_resolution=bad)
