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
