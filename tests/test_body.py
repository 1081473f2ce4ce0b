"""Any PyTorch body (``lassonet(..., body=module)``) and the :class:`HierProx` building block.

References, each independent of the code under test:

* the built-in engine: a body equal to the default MLP, started from the same weights, gives
  the same path (df equal at every lambda; coefficients measured equal to ~1e-12 in float64,
  asserted to 1e-8);
* scikit-learn's ``Lasso``: at ``M = 0`` any body is the lasso (objective within 1e-4);
* ``lassonetpy.hier_prox`` / ``group_hier_prox`` for the HierProx step;
* the module itself in train mode: ``predict`` (evaluation mode, stored batch-norm statistics)
  reproduces the trained network's outputs on the training rows.
"""

from __future__ import annotations

import pickle

import matplotlib
import numpy as np
import pytest
import torch
from torch import nn

from lassonetpy import HierProx, cv_lassonet, group_hier_prox, hier_prox, lassonet
from lassonetpy.datasets import load_boston, load_mice_protein, mice_protein_features
from lassonetpy.engine import fit_path
from lassonetpy.engine.network import init_params
from lassonetpy.errors import InputError, InputTypeError

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def boston():
    df = load_boston()
    y = df.pop("medv").to_numpy(float)
    return df.to_numpy(float), y


@pytest.fixture(scope="module")
def mice():
    feats = mice_protein_features()
    df = load_mice_protein()[[*feats, "class"]].dropna()
    return df[feats].to_numpy(float), df["class"].to_numpy()


def _bn_body(d: int, out: int, h1: int = 8, h2: int = 8) -> nn.Module:
    """Two hidden layers with batch norm (eps = 1: see docs/body.md)."""
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(d, h1),
        nn.ReLU(),
        nn.BatchNorm1d(h1, eps=1.0),
        nn.Linear(h1, h2),
        nn.ReLU(),
        nn.BatchNorm1d(h2, eps=1.0),
        nn.Linear(h2, out),
    )


# --------------------------------------------------------------------------- same as built-in
def test_a_body_equal_to_the_default_mlp_gives_the_builtin_path(boston):
    X, y = boston
    d, H, seed = X.shape[1], 8, 0
    # the weights the engine draws for model 0 (child 0 of SeedSequence(seed))
    ss = np.random.SeedSequence(seed)
    child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, 0))
    g = torch.Generator().manual_seed(int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)))
    p = init_params(1, d, (H,), 1, generator=g, dtype=torch.float64, device=torch.device("cpu"))
    body = nn.Sequential(nn.Linear(d, H), nn.ReLU(), nn.Linear(H, 1)).double()
    with torch.no_grad():
        body[0].weight.copy_(p.W0[0])
        body[0].bias.copy_(p.biases[0][0])
        body[2].weight.copy_(p.weights[0][0])
        body[2].bias.copy_(p.biases[1][0])
    before = [t.clone() for t in body.state_dict().values()]
    kw = dict(hidden=(H,), nlambda=20, seed=seed, dtype="float64")
    ref = fit_path(X, y, df_resolution=0, **kw)  # a body path keeps the grid (no refinement)
    got = fit_path(X, y, body=body, **kw)
    np.testing.assert_allclose(got.lambdas, ref.lambdas, rtol=1e-12)  # lambda_max: rounding
    np.testing.assert_array_equal(got.n_selected, ref.n_selected)
    # measured: 8e-13 (coefficients up to 16), the same epochs at every lambda
    np.testing.assert_allclose(got.beta, ref.beta, rtol=0, atol=1e-8)
    np.testing.assert_allclose(got.objective, ref.objective, rtol=1e-9)
    np.testing.assert_allclose(got.predict(X, 5), ref.predict(X, 5), rtol=0, atol=1e-8)
    # the user's module is never changed
    assert all(torch.equal(a, b) for a, b in zip(before, body.state_dict().values()))


# --------------------------------------------------------------------------- batch norm, CV
@pytest.mark.filterwarnings("ignore::lassonetpy.errors.ConvergenceWarning")
def test_a_batch_norm_body_fits_prints_plots_and_cross_validates_on_mice(mice):
    X, y = mice
    body = _bn_body(X.shape[1], 8)
    kw = dict(family="multinomial", body=body, nlambda=6, max_epochs=40, seed=0, verbose=False)
    fit = lassonet(X=X, y=y, **kw)
    text = repr(fit)
    assert "body=Sequential" in text and "Df" in text
    assert fit.df[0] == X.shape[1]
    probs = fit.predict(X[:5], type="response")
    assert probs.shape[:2] == (5, 8) and np.allclose(probs.sum(1), 1)
    assert isinstance(fit.plot(), matplotlib.axes.Axes)
    assert not fit.coef(s=0).empty
    assert "Network:       body=Sequential (first layer 8 units)" in str(fit.summary())
    cv = cv_lassonet(X=X, y=y, nfolds=3, **kw)
    assert "Multinomial Deviance" in repr(cv)
    assert isinstance(cv.plot(), matplotlib.axes.Axes)
    assert np.isfinite(cv.cvm).all()


@pytest.mark.filterwarnings("ignore::lassonetpy.errors.ConvergenceWarning")
def test_predict_reproduces_the_trained_network_on_the_training_rows(boston):
    X, y = boston
    body = _bn_body(X.shape[1], 1)
    for m in body.modules():  # the default eps: statistics must be exact, not just close
        if isinstance(m, nn.BatchNorm1d):
            m.eps = 1e-5
    res = fit_path(X, y, body=body, nlambda=5, max_epochs=50, seed=1, dtype="float64")
    Xs = torch.tensor((X - res.x_center) / res.x_scale)
    for i in (0, 2):
        mod = res.body.module(res.states[i].tensors(), 0)
        assert not mod.training
        theta = res.params(i).theta[0]
        mod.train()  # batch statistics of the training rows, as in training
        with torch.no_grad():
            link = Xs @ theta.T + mod(Xs)
        want = res.response.center + res.response.scale * link.numpy()
        np.testing.assert_allclose(res.predict(X, i), want, rtol=1e-9, atol=1e-9)


# --------------------------------------------------------------------------- M = 0: the lasso
def test_M0_with_a_batch_norm_body_is_the_lasso(boston):
    from sklearn.linear_model import Lasso

    X, y = boston
    Xs = (X - X.mean(0)) / X.std(0)
    lams = [0.05, 0.3, 1.0]
    res = fit_path(
        X, y, M=0, lambda_=lams, body=_bn_body(X.shape[1], 1), tol=1e-8, dtype="float64", seed=0
    )
    for i, lam in enumerate(lams, start=1):
        sk = Lasso(alpha=lam, tol=1e-12, max_iter=200_000).fit(Xs, y)
        r = y - sk.intercept_ - Xs @ sk.coef_
        ref = 0.5 * np.mean(r * r) + lam * np.abs(sk.coef_).sum()
        assert res.objective[0, i] == pytest.approx(ref, rel=1e-4), (lam, res.objective[0, i], ref)
        # the first layer carries nothing at M = 0
        assert float(res.params(i).W0.abs().max()) == 0.0


# --------------------------------------------------------------------------- HierProx
def test_hierprox_step_equals_hier_prox():
    gen = torch.Generator().manual_seed(3)
    theta = torch.randn(2, 6, generator=gen)
    W = torch.randn(5, 6, generator=gen)
    lam, lr, M = 0.7, 0.5, 2.0
    want_t, want_W = hier_prox(theta, W, lambda_=lam * lr, M=M)
    t, w = theta.clone(), W.clone()
    HierProx(t, w, M=M).step(lam, lr)
    torch.testing.assert_close(t, want_t, rtol=0, atol=0)
    torch.testing.assert_close(w, want_W, rtol=0, atol=0)
    # groups: the penalty of a group is weighted by sqrt(its size)
    groups = [[0, 1, 2], [3, 4]]
    pen = lam * lr * torch.tensor([3.0, 2.0, 1.0]).sqrt()
    want_t, want_W = group_hier_prox(theta, W, groups, lambda_=pen, M=M)
    skip, layer = nn.Linear(6, 2), nn.Linear(6, 5)
    with torch.no_grad():
        skip.weight.copy_(theta)
        layer.weight.copy_(W)
    HierProx(skip, layer, M=M, groups=groups).step(lam, lr)
    torch.testing.assert_close(skip.weight.data, want_t)
    torch.testing.assert_close(layer.weight.data, want_W)


def test_a_training_loop_with_sgd_and_hierprox_drops_features_as_lambda_grows():
    torch.manual_seed(0)
    X = torch.randn(300, 6)
    y = 2 * X[:, :1] + torch.sin(2 * X[:, 1:2])
    skip, net = nn.Linear(6, 1), nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Linear(10, 1))
    prox = HierProx(skip, net[0], M=5.0)
    opt = torch.optim.SGD([*skip.parameters(), *net.parameters()], lr=0.05)
    counts = []
    for lam in [0.0, 0.5, 2.0, 50.0]:
        for _ in range(300):
            opt.zero_grad()
            loss = 0.5 * ((skip(X) + net(X) - y) ** 2).mean()
            loss.backward()
            opt.step()
            prox.step(lam, lr=0.05)
        counts.append(int(prox.support().sum()))
        # the hierarchy holds after every step
        assert bool((net[0].weight.abs().amax(0) <= 5.0 * skip.weight.abs()[0] + 1e-6).all())
    assert counts[0] == 6 and counts == sorted(counts, reverse=True) and counts[-1] < 6
    assert float(prox.penalty().detach()) == pytest.approx(float(skip.weight.detach().abs().sum()))


# --------------------------------------------------------------------------- bad bodies
class _Bypass(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.first = nn.Linear(d, 4)
        self.out = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.first(x))) + x[:, :1]


@pytest.mark.parametrize(
    "body, cls, words",
    [
        ("not a module", InputTypeError, ["`body`", "torch.nn.Linear(12, K)", "'not a module'"]),
        (
            nn.Sequential(nn.Conv1d(1, 2, 3), nn.ReLU()),
            InputError,
            ["`body`", "torch.nn.Linear(12, K)", "Conv1d"],
        ),
        (
            nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 1)),
            InputError,
            ["`body`", "in_features=5", "12 columns"],
        ),
        (_Bypass(12), InputError, ["`body`", "only through its first Linear"]),
        (nn.Sequential(nn.Linear(12, 4), nn.Linear(4, 3)), InputError, ["(n, 1) outputs"]),
        (
            nn.Sequential(nn.Linear(12, 4), nn.BatchNorm1d(4, track_running_stats=False)),
            InputError,
            ["running statistics"],
        ),
    ],
)
def test_bad_bodies_raise_clear_errors(boston, body, cls, words):
    X, y = boston
    with pytest.raises(cls) as err:
        lassonet(X=X, y=y, body=body, nlambda=3, verbose=False)
    for w in words:
        assert w in str(err.value)


@pytest.mark.filterwarnings("ignore::lassonetpy.errors.ConvergenceWarning")
def test_what_a_body_fit_does_not_support(boston, tmp_path):
    X, y = boston
    body = nn.Sequential(nn.Linear(12, 4), nn.ReLU(), nn.Linear(4, 1))
    kw = dict(body=body, nlambda=3, max_epochs=20, seed=0, verbose=False)
    with pytest.raises(InputError, match="`dropout` must be 0 with `body`"):
        lassonet(X=X, y=y, dropout=0.2, **kw)
    with pytest.raises(InputError, match="`n_tasks` must be None with `body`"):
        cv_lassonet(X=X, y=y, nfolds=3, n_tasks=2, **kw)
    fit = lassonet(X=X, y=y, **kw)
    with pytest.raises(InputError, match="`body` must be None to save a path"):
        fit.save(tmp_path / "fit.lnp")
    assert not list(tmp_path.iterdir())
    with pytest.raises(InputError, match="`body` must be None for relaxed fits"):
        fit.relax()
    # pickling works (the module's class is importable)
    again = pickle.loads(pickle.dumps(fit))
    np.testing.assert_array_equal(again.predict(X[:4]), fit.predict(X[:4]))
