"""The unsupervised path (the paper's Section 6, Alg. 3): lassonet("~ .", data), lassonet(X=X).

References: at M = 0 the unsupervised path is the multi-task group lasso of the standardised
columns on themselves (scikit-learn's MultiTaskLasso); on MNIST the selected pixels must
reconstruct held-out images better than random pixels (the same linear decoder for both).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import lassonetpy as ln
from lassonetpy.datasets import load_mice_protein, mice_protein_features
from lassonetpy.errors import FormulaError, InputError

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from paper2_baselines import random_columns, read_idx  # noqa: E402


@pytest.fixture(scope="module")
def mice10() -> pd.DataFrame:
    return load_mice_protein()[mice_protein_features()[:10]].dropna().iloc[:300]


def _standardise(X: np.ndarray) -> np.ndarray:
    return (X - X.mean(0)) / X.std(0)


def test_m0_is_the_multitask_group_lasso_of_the_standardised_columns(mice10):
    from sklearn.linear_model import MultiTaskLasso

    fit = ln.lassonet(
        X=mice10, M=0, hidden=(4,), lambda_=[0.05, 0.2], tol=1e-9, max_epochs=20000,
        dtype="float64", seed=0, verbose=False,
    )  # fmt: skip
    Z = _standardise(mice10.to_numpy())
    sd = mice10.to_numpy().std(0)
    for i, lam in ((1, 0.05), (2, 0.2)):
        ref = MultiTaskLasso(alpha=lam, tol=1e-12, max_iter=100000).fit(Z, Z)
        theta = fit.beta[i] * sd[None, :] / sd[:, None]  # back to standardised units

        def objective(C: np.ndarray, b: np.ndarray, lam: float = lam) -> float:
            r = Z - Z @ C.T - b
            return 0.5 * (r * r).sum() / len(Z) + lam * np.linalg.norm(C, axis=0).sum()

        mine = objective(theta, Z.mean(0) - Z.mean(0) @ theta.T)
        assert mine == pytest.approx(objective(ref.coef_, ref.intercept_), rel=1e-6)
        assert np.abs(theta - ref.coef_).max() < 3e-3, i
        assert (np.linalg.norm(theta, axis=0) > 0).tolist() == (
            np.linalg.norm(ref.coef_, axis=0) > 0
        ).tolist()


def test_formula_and_array_interfaces_agree_and_print_variance(mice10):
    kw = dict(hidden=(8,), nlambda=12, seed=0, verbose=False)
    f = ln.lassonet("~ .", mice10, **kw)
    g = ln.lassonet(X=mice10, **kw)
    assert f.family == "reconstruction"
    np.testing.assert_allclose(f.dev_ratio, g.dev_ratio)
    text = repr(f)
    assert "%Var" in text and "variance of the standardised columns" in text
    assert f.output_names == list(mice10.columns)
    # the dense fit reconstructs nearly everything; the empty fit explains nothing
    assert f.dev_ratio[0] > 0.9 and abs(f.dev_ratio[-1]) < 1e-6


def test_predict_reconstructs_every_column_in_original_units_from_the_selected_ones(mice10):
    f = ln.lassonet("~ .", mice10, hidden=(8,), nlambda=15, seed=0, verbose=False)
    k = int(f.df[(f.df > 0) & (f.df < 10)].max())
    new = mice10.iloc[:5]
    full = f.predict(new, df=k)
    assert isinstance(full, pd.DataFrame) and list(full.columns) == list(mice10.columns)
    assert full.index.equals(new.index)
    # only the selected columns are needed
    only = f.predict(new[f.nonzero(df=k)], df=k)
    pd.testing.assert_frame_equal(only, full)
    # original units: the empty model predicts the training means
    empty = f.predict(new, s=f.lambdas[-1])
    np.testing.assert_allclose(empty.to_numpy()[0], mice10.mean().to_numpy(), rtol=2e-3)


def test_save_and_load_keep_the_reconstruction(mice10):
    f = ln.lassonet("~ .", mice10, hidden=(8,), nlambda=10, seed=0, verbose=False)
    file = os.path.join(tempfile.mkdtemp(), "u.lnp")
    f.save(file)
    g = ln.load(file)
    pd.testing.assert_frame_equal(g.predict(mice10.head(4), s=0), f.predict(mice10.head(4), s=0))


def test_a_factor_is_one_input_group_and_its_dummies_are_outputs():
    df = load_mice_protein()[[*mice_protein_features()[:4], "Genotype"]].dropna().iloc[:200]
    f = ln.lassonet("~ .", df, hidden=(4,), nlambda=8, seed=0, verbose=False)
    assert "Genotype" in f.term_names
    assert [c for c in f.output_names if c.startswith("Genotype")] == [
        "Genotype[Control]",
        "Genotype[Ts65Dn]",
    ]
    g = f.groups[f.term_names.index("Genotype")]
    assert len(g) == 2 and (f.selected[:, g[0]] == f.selected[:, g[1]]).all()


def test_bad_inputs_give_clear_errors(mice10):
    with pytest.raises(FormulaError, match=r"response.*family 'binomial'.*one-sided"):
        ln.lassonet("~ .", mice10, family="binomial")
    with pytest.raises(InputError, match=r"`y` must be given with `X` for family 'poisson'"):
        ln.lassonet(X=mice10, family="poisson")
    with pytest.raises(InputError, match=r"`offset` must be None for the unsupervised path"):
        ln.lassonet("~ .", mice10, offset=np.zeros(len(mice10)))
    with pytest.raises(InputError, match=r"`formula` must be a response for cv_lassonet"):
        ln.cv_lassonet("~ .", mice10)
    fit = ln.lassonet("~ .", mice10, hidden=(4,), nlambda=6, seed=0, verbose=False)
    with pytest.raises(InputError, match=r"`fit` must be a fit with a response"):
        ln.assess(fit, mice10)
    with pytest.raises(InputError, match=r"`shape` must be"):
        fit.plot_selected(df=5, shape=(3, 3))


def test_mnist_pixels_reconstruct_better_than_random_pixels(shared_data):
    """The paper's MNIST claim, at 14 x 14 (2 x 2 means of the pixels) for speed: at every
    number of pixels between 10 and 50 on the path, the pixels LassoNet selects reconstruct
    held-out images better (the same linear decoder: least squares with a tiny ridge) than
    the median of 20 random draws of as many pixels. (Principal feature analysis does
    better still: bench/bench_paper2.py reports it.)"""
    X = read_idx(shared_data / "mnist-t10k-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0
    X = X.reshape(-1, 14, 2, 14, 2).mean((2, 4)).reshape(-1, 196)
    Xtr, Xte = X[:800], X[9000:9400]
    fit = ln.lassonet(X=Xtr, hidden=(8,), standardize=False, seed=0, verbose=False)

    def ols(cols: np.ndarray) -> float:  # least squares, with a small ridge for stability
        from sklearn.linear_model import Ridge

        r = Ridge(alpha=1e-2).fit(Xtr[:, cols], Xtr)
        return float(((r.predict(Xte[:, cols]) - Xte) ** 2).mean())

    ks = sorted({int(k) for k in fit.n_features if 10 <= k <= 50})
    assert len(ks) >= 3, fit.n_features
    rng = np.random.default_rng(1)
    ratios = []
    for k in ks:
        i = int(np.flatnonzero(fit.n_features == k)[0])
        mine = ols(np.flatnonzero(fit.selected[i]))
        rand = float(np.median([ols(random_columns(196, k, rng)) for _ in range(20)]))
        assert mine < rand, (k, mine, rand)
        ratios.append(mine / rand)
    assert np.mean(ratios) < 0.9, ratios  # measured: 0.69-0.91, mean 0.82
    ax = fit.plot_selected(df=ks[-1], shape=(14, 14))
    assert f"{ks[-1]} selected pixels" in ax.get_title()
    axes = fit.plot_reconstruction(Xte[:4], df=ks[-1], shape=(14, 14), ncols=2)
    assert axes.shape == (2, 4)
