"""The relaxed LassoNet (refit without penalty on the selected terms): fit.relax, and
cv_lassonet(relax=True).

References: at M = 0 a refit is the unpenalised GLM on the selected columns (numpy's least
squares, statsmodels' logistic regression); the relaxed CV curve at M = 0 is recomputed
from scikit-learn's lasso on each fold and least squares on its selected columns; the
paper's Table 1 protocol on MICE protein (k = 50, hidden size chosen on validation).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lassonetpy as ln
from lassonetpy.datasets import load_boston, load_spam
from lassonetpy.errors import InputError, InputTypeError, NotOnPathError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))


@pytest.fixture(scope="module")
def boston() -> pd.DataFrame:
    return load_boston()


def test_m0_refit_is_least_squares_on_the_selected_columns(boston):
    fit = ln.lassonet(
        "medv ~ .", boston, M=0, hidden=(4,), nlambda=12, dtype="float64", seed=0, verbose=False
    )
    k = int(fit.df[(fit.df >= 3) & (fit.df <= 6)][0])
    rf = fit.relax(df=k, tol=1e-9, max_epochs=50000)
    cols = fit.nonzero(df=k)
    A = np.column_stack([np.ones(len(boston)), boston[cols].to_numpy()])
    ref, *_ = np.linalg.lstsq(A, boston["medv"].to_numpy(), rcond=None)
    c = rf.coef(df=k).iloc[:, 0]
    got = np.r_[c["(Intercept)"], c[cols].to_numpy()]
    np.testing.assert_allclose(got, ref, rtol=2e-3, atol=2e-3)
    assert (c.drop(["(Intercept)", *cols]) == 0).all()
    # the refit explains more than the shrunken fit it replaces
    assert rf.dev_ratio[0] > fit.dev_ratio[rf.path_index[0]]


def test_m0_binomial_refit_is_the_logistic_regression_on_the_selected_columns():
    import statsmodels.api as sm

    spam = load_spam().sample(500, random_state=0)
    fit = ln.lassonet(
        "type ~ .", spam, family="binomial", M=0, hidden=(2,), nlambda=10, dtype="float64",
        seed=0, verbose=False,
    )  # fmt: skip
    k = int(fit.df[fit.df <= 6].max())
    rf = fit.relax(df=k, tol=1e-6, max_epochs=20000)  # Adam: ~4500 epochs
    cols = fit.nonzero(df=k)
    yy = (spam["type"] == fit.classes[1]).astype(float)
    ref = sm.Logit(yy, sm.add_constant(spam[cols])).fit(disp=0).params.to_numpy()
    c = rf.coef(df=k).iloc[:, 0]
    np.testing.assert_allclose(np.r_[c["(Intercept)"], c[cols]], ref, rtol=3e-2)  # 1.6 %


def test_relaxed_predictions_use_the_refit_at_the_path_point(boston):
    fit = ln.lassonet("medv ~ .", boston, hidden=(8,), nlambda=10, seed=0, verbose=False)
    rf = fit.relax()
    assert len(rf) == len({fit.selected[i].tobytes() for i in range(len(fit)) if fit.df[i] > 0})
    k = int(rf.df[len(rf) // 2])
    p = rf.predict(boston.head(5), df=k)
    assert isinstance(p, pd.Series) and p.name == f"s{fit._indices(None, k)[0][0]}"
    # a column the refit does not use changes nothing
    unused = [t for t in fit.term_names if t not in rf.nonzero(df=k)][0]
    other = boston.head(5).assign(**{unused: 1e3})
    pd.testing.assert_series_equal(rf.predict(other, df=k), p)
    many = rf.predict(boston.head(3))
    assert list(many.columns) == [f"s{i}" for i in rf.path_index]
    assert "Relaxed fit" in repr(rf) and "%Dev path" in repr(rf)


def test_hidden_sizes_are_chosen_on_validation_rows(boston):
    tr, va = boston.iloc[::2], boston.iloc[1::2]
    fit = ln.lassonet("medv ~ .", tr, hidden=(8,), nlambda=8, seed=0, verbose=False)
    rf = fit.relax(df=[3, 12], hidden=[2, 16], validation=va)
    assert rf.validation is not None and rf.validation.shape == (2, 2)
    best = rf.validation.to_numpy().argmin(1)
    assert [h[0] for h in rf.hidden] == [(2, 16)[b] for b in best]
    # the validation error of the chosen refit is what the table says
    for r in range(2):
        pred = rf.predict(va, s=float(rf.lambdas[r]))
        mse = float(((pred - va["medv"]) ** 2).mean())
        assert mse == pytest.approx(rf.validation.iloc[r, best[r]], rel=1e-4)


def test_relax_errors(boston):
    fit = ln.lassonet("medv ~ .", boston, hidden=(4,), nlambda=8, seed=0, verbose=False)
    with pytest.raises(NotOnPathError, match=r"selects no term: there is nothing to refit"):
        fit.relax(df=0)
    with pytest.raises(InputTypeError, match=r"`hidden` must be an int"):
        fit.relax(df=5, hidden="big")
    file = os.path.join(tempfile.mkdtemp(), "p.lnp")
    fit.save(file)
    with pytest.raises(InputError, match=r"needs the training data"):
        ln.load(file).relax(df=5)
    rf = fit.relax(df=5)
    with pytest.raises(NotOnPathError, match=r"was not refitted"):
        rf.predict(boston.head(2), s=0)


def test_cv_relax_at_m0_matches_lasso_then_least_squares_on_each_fold(boston):
    from sklearn.linear_model import Lasso

    cv = ln.cv_lassonet(
        "medv ~ .", boston, nfolds=3, M=0, hidden=(2,), lambda_=[0.05, 0.3, 1.0, 3.0],
        dtype="float64", tol=1e-8, relax=True, seed=0, verbose=False,
    )  # fmt: skip
    X = boston.drop(columns="medv").to_numpy()
    y = boston["medv"].to_numpy()
    cvm = []
    for lam in cv.lambdas:
        errs = []
        for k in range(1, 4):
            tr, te = cv.foldid != k, cv.foldid == k
            mu, sd = X[tr].mean(0), X[tr].std(0)
            if lam == 0:
                cols = np.arange(X.shape[1])
            else:
                las = Lasso(alpha=lam, tol=1e-12, max_iter=100000).fit((X[tr] - mu) / sd, y[tr])
                cols = np.flatnonzero(las.coef_)
            A = np.column_stack([np.ones(tr.sum()), X[tr][:, cols]])
            coef, *_ = np.linalg.lstsq(A, y[tr], rcond=None)
            pred = np.column_stack([np.ones(te.sum()), X[te][:, cols]]) @ coef
            errs.append(((pred - y[te]) ** 2).mean())
        cvm.append(np.mean(errs))  # equal fold sizes up to one row
    np.testing.assert_allclose(cv.relaxed.cvm, cvm, rtol=2e-2)
    assert cv.relaxed.lambda_min == cv.lambdas[int(np.argmin(cv.relaxed.cvm))]
    assert "Relaxed (refit" in repr(cv)
    assert cv.relaxed.predict(boston.head(2)).shape == (2,)


def test_mice_refit_at_50_proteins_reaches_the_papers_accuracy(shared_data):
    """Table 1 protocol on MICE protein: 70/10/20 split, the path's fit with at most 50
    proteins, refitted with the hidden size chosen on the validation rows among the paper's
    [k/3, 2k/3, k, 4k/3]: test accuracy at least the paper's 0.958."""
    import common

    os.environ.setdefault("LASSONETPY_SHARED_DATA", str(shared_data))
    sp = common.load_mice(0)
    fit = ln.lassonet(X=sp.Xtr, y=sp.ytr, family="multinomial", seed=0, verbose=False)
    k = int(fit.df[fit.df <= 50].max())
    assert k >= 40
    rf = fit.relax(df=50, hidden=[k // 3, 2 * k // 3, k, 4 * k // 3], validation=(sp.Xva, sp.yva))
    acc = float((rf.predict(sp.Xte, df=50, type="class") == sp.yte).mean())
    assert acc >= 0.958, acc
