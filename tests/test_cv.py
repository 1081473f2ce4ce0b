"""Tests of ``cv_lassonet()``, ``CVLassoNet``, ``assess()`` and ``confusion()``.

Run: ``OMP_NUM_THREADS=1 python -m pytest tests/test_cv.py -q``.
Expectations come from facts computed independently of the code under test: fold errors from a
separate engine batch of our own (model ``k`` of a batch depends only on its own rows), cvm/cvsd
recomputed with numpy from the kept out-of-fold predictions, glmnet's 1-SE rule re-applied by
hand, held-out MICE test accuracy, the training deviance the engine reports, and class counts.
"""

from __future__ import annotations

import re
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

from lassonetpy import CVLassoNet, assess, confusion, cv_lassonet, datasets, lassonet
from lassonetpy.engine import fit_path
from lassonetpy.errors import (
    FamilyError,
    FormulaError,
    InputError,
    InputTypeError,
    LassoNetWarning,
    NotOnPathError,
)

matplotlib.use("Agg")

TINY = dict(hidden=(8,), nlambda=8, seed=0, verbose=False)


# --------------------------------------------------------------------------- data and fits
@pytest.fixture(scope="module")
def reg():
    """Small nonlinear regression problem (arrays)."""
    rng = np.random.default_rng(1)
    n, d = 120, 6
    X = rng.normal(size=(n, d))
    y = X[:, 0] + np.sin(2 * X[:, 1]) + 0.5 * rng.normal(size=n)
    return X, y


@pytest.fixture(scope="module")
def boston_cv():
    df = datasets.load_boston()
    return df, cv_lassonet("medv ~ .", df, nfolds=5, keep=True, **TINY)


@pytest.fixture(scope="module")
def mice_small():
    """MICE with 6 proteins, NA rows present (the formula drops them)."""
    cols = ["class", "DYRK1A_N", "ITSN1_N", "BDNF_N", "SOD1_N", "pERK_N", "Ubiquitin_N"]
    return datasets.load_mice_protein()[cols]


@pytest.fixture(scope="module")
def mice_cv(mice_small):
    return cv_lassonet("class ~ .", mice_small, family="multinomial", nfolds=4, keep=True, **TINY)


# --------------------------------------------------------------------------- 1-SE rule
def test_lambda_choice_follows_glmnets_rule(boston_cv):
    _, cv = boston_cv
    assert isinstance(cv, CVLassoNet)
    assert cv.lambda_1se >= cv.lambda_min
    assert cv.lambdas[cv.index_min] == cv.lambda_min
    assert cv.lambdas[cv.index_1se] == cv.lambda_1se
    # re-apply getOptcv.glmnet by hand
    best = np.nanmin(cv.cvm)
    assert cv.lambda_min == cv.lambdas[cv.cvm == best].max()
    bound = cv.cvm[cv.index_min] + cv.cvsd[cv.index_min]
    assert cv.lambda_1se == cv.lambdas[cv.cvm <= bound].max()
    np.testing.assert_allclose(cv.cvup - cv.cvlo, 2 * cv.cvsd)
    np.testing.assert_array_equal(cv.nzero, cv.path.df)
    np.testing.assert_array_equal(cv.lambdas, cv.path.lambdas)


def test_arrays_are_read_only(boston_cv):
    _, cv = boston_cv
    with pytest.raises(ValueError):
        cv.cvm[0] = 0.0
    with pytest.raises(AttributeError):
        cv.lambda_min = 1.0  # type: ignore[misc]


# --------------------------------------------------------------------------- folds
def test_foldid_and_seed_reproducible(reg):
    X, y = reg
    foldid = np.arange(len(y)) % 4
    a = cv_lassonet(X=X, y=y, foldid=foldid, **TINY)
    b = cv_lassonet(X=X, y=y, foldid=foldid, **TINY)
    np.testing.assert_array_equal(a.cvm, b.cvm)
    np.testing.assert_array_equal(a.foldid, foldid + 1)  # labels renumbered 1..K
    c = cv_lassonet(X=X, y=y, nfolds=4, **TINY)
    d = cv_lassonet(X=X, y=y, nfolds=4, **TINY)
    np.testing.assert_array_equal(c.foldid, d.foldid)
    np.testing.assert_array_equal(c.cvm, d.cvm)
    assert sorted(np.bincount(c.foldid)[1:]) == [30, 30, 30, 30]


def test_folds_stratified_for_classes(mice_cv, mice_small):
    y = mice_small.dropna()["class"].to_numpy()
    assert len(mice_cv.foldid) == len(y)
    for cls in np.unique(y):
        counts = np.bincount(mice_cv.foldid[y == cls], minlength=5)[1:]
        assert counts.max() - counts.min() <= 1


def test_foldid_for_rows_of_data_with_na(mice_small):
    """A foldid for every row of `data` is subset to the rows kept after NA."""
    foldid = np.arange(len(mice_small)) % 3 + 1
    cv = cv_lassonet("class ~ .", mice_small, family="multinomial", foldid=foldid, **TINY)
    keep = ~mice_small.isna().any(axis=1).to_numpy()
    np.testing.assert_array_equal(cv.foldid, foldid[keep])


def test_fold_models_train_on_their_own_rows(reg):
    """Fold k's error equals that of model k in a different batch of our own whose model k
    has the same training rows (the other models' rows differ): a model depends only on its
    own rows, and cv_lassonet pairs fold k with the model trained without fold k."""
    X, y = reg
    n = len(y)
    foldid = np.arange(n) % 4 + 1
    lam = [0.01, 0.03, 0.1]
    cv = cv_lassonet(
        X=X, y=y, foldid=foldid, hidden=(8,), lambda_=lam, seed=3, dtype="float64", verbose=False
    )
    for k in (1, 2):
        masks = [np.ones(n, bool)] * k + [foldid != k]  # models 1..k-1: all rows, not folds
        res = fit_path(
            X, y, masks=np.vstack(masks), hidden=(8,), lambda_=lam, seed=3, dtype="float64"
        )
        rows = foldid == k
        mse = [
            np.mean((y[rows] - res.predict(X[rows], i, model=k)[:, 0]) ** 2)
            for i in range(len(res.lambdas))
        ]
        np.testing.assert_allclose(cv.fold_errors[k - 1], mse, rtol=1e-9)
    # and the full-data path is the plain lassonet() fit with the same seed and grid
    single = lassonet(X=X, y=y, hidden=(8,), lambda_=lam, seed=3, dtype="float64", verbose=False)
    np.testing.assert_allclose(cv.path.beta, single.beta, atol=1e-9)


def test_out_of_fold_error_exceeds_training_error(reg):
    """Held-out rows: an overfitting dense network does much worse out of fold than on the
    rows it was trained on (it would not if folds leaked into their models)."""
    X, y = reg
    cv = cv_lassonet(X=X, y=y, nfolds=5, hidden=(64,), nlambda=5, seed=0, verbose=False)
    train_mse = (1 - cv.path.dev_ratio[0]) * cv.path.null_deviance
    assert cv.cvm[0] > 1.3 * train_mse


# --------------------------------------------------------------------------- cvm / cvsd
def test_cvm_cvsd_from_fit_preval(boston_cv):
    df, cv = boston_cv
    y = df["medv"].to_numpy()
    P = cv.fit_preval
    assert P.shape == (len(y), len(cv.lambdas))
    K = cv.nfolds
    e = np.array(
        [
            np.mean((y[cv.foldid == k][:, None] - P[cv.foldid == k]) ** 2, axis=0)
            for k in range(1, K + 1)
        ]
    )
    N = np.bincount(cv.foldid)[1:].astype(float)
    cvm = N @ e / N.sum()
    cvsd = np.sqrt(N @ (e - cvm) ** 2 / N.sum() / (K - 1))
    np.testing.assert_allclose(cv.fold_errors, e, rtol=1e-10)
    np.testing.assert_allclose(cv.cvm, cvm, rtol=1e-10)
    np.testing.assert_allclose(cv.cvsd, cvsd, rtol=1e-10)


def test_multinomial_fit_preval_and_deviance(mice_cv, mice_small):
    y = mice_small.dropna()["class"].to_numpy()
    P = mice_cv.fit_preval
    C = len(mice_cv.classes)
    assert P.shape == (len(y), C, len(mice_cv.lambdas))
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-6)
    codes = np.searchsorted(np.asarray(mice_cv.classes, dtype=str), y.astype(str))
    p_true = np.clip(P[np.arange(len(y)), codes, :], 1e-5, 1 - 1e-5)
    dev = -2 * np.log(p_true)
    e = np.array([dev[mice_cv.foldid == k].mean(axis=0) for k in range(1, 5)])
    N = np.bincount(mice_cv.foldid)[1:].astype(float)
    np.testing.assert_allclose(mice_cv.cvm, N @ e / N.sum(), rtol=1e-8)
    assert mice_cv.measure_name == "Multinomial Deviance"


def test_poisson_offset_enters_out_of_fold_predictions():
    """y ~ Poisson(exposure), predictors pure noise: with offset=log(exposure) the out-of-fold
    means must follow the exposure (they would be flat if the offset were left out)."""
    rng = np.random.default_rng(0)
    n = 200
    t = np.where(np.arange(n) % 2 == 0, 1.0, 50.0)
    X = rng.normal(size=(n, 3))
    y = rng.poisson(t)
    cv = cv_lassonet(
        X=X,
        y=y,
        family="poisson",
        offset=np.log(t),
        nfolds=4,
        keep=True,
        hidden=(4,),
        nlambda=5,
        seed=0,
        verbose=False,
    )
    last = cv.fit_preval[:, -1]  # the input-free models
    np.testing.assert_allclose(last[t == 50.0], 50.0, rtol=0.1)
    np.testing.assert_allclose(last[t == 1.0], 1.0, rtol=0.1)


# --------------------------------------------------------------------------- MICE
def test_mice_cv_minimum_where_test_error_is_low():
    mice = datasets.load_mice_protein()
    feats = list(datasets.MICE_PROTEIN_FEATURES)
    rng = np.random.default_rng(0)
    test = np.zeros(len(mice), bool)
    for cls in mice["class"].unique():  # stratified 20 % test
        idx = np.flatnonzero(mice["class"].to_numpy() == cls)
        test[rng.choice(idx, size=len(idx) // 5, replace=False)] = True
    Xdf = mice[feats]
    means = Xdf[~test].mean()
    X = Xdf.fillna(means).to_numpy()
    y = mice["class"].astype(str).to_numpy()
    cv = cv_lassonet(
        X=X[~test],
        y=y[~test],
        family="multinomial",
        nfolds=5,
        hidden=(16,),
        nlambda=20,
        seed=0,
        verbose=False,
    )
    probs = np.stack([cv.path.predict(X[test], s=lam, type="class") for lam in cv.lambdas])
    acc = (probs == y[test]).mean(axis=1)
    assert acc[cv.index_min] >= 0.95
    assert acc[cv.index_min] >= acc.max() - 0.02
    # the CV curve does rise again towards the sparse end, where the test error is high
    assert cv.cvm[-1] > 5 * cv.cvm[cv.index_min]
    assert acc[-1] < 0.5
    np.testing.assert_array_equal(cv.predict(X[test], type="class"), probs[cv.index_min])


# --------------------------------------------------------------------------- printing
def test_print_table_matches_attributes(boston_cv):
    _, cv = boston_cv
    text = repr(cv)
    assert text.startswith('Call: cv_lassonet(formula="medv ~ ."')
    assert "Measure: Mean-Squared Error" in text
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^(min|1se)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\d+)$", line)
        if m:
            rows[m.group(1)] = [float(v) for v in m.groups()[1:]]
    assert set(rows) == {"min", "1se"}
    for key, i, lam in (("min", cv.index_min, cv.lambda_min), ("1se", cv.index_1se, cv.lambda_1se)):
        got = rows[key]
        np.testing.assert_allclose(got[0], lam, rtol=1e-3)
        assert got[1] == i
        np.testing.assert_allclose(got[2], cv.cvm[i], rtol=1e-3)
        np.testing.assert_allclose(got[3], cv.cvsd[i], rtol=1e-3)
        assert got[4] == cv.nzero[i]
    tab = cv.table()
    assert (
        tab.loc["min", "Index"] == cv.index_min
        and tab.loc["1se", "Nonzero"] == cv.nzero[cv.index_1se]
    )


def test_call_records_arguments(mice_small):
    foldid = np.arange(len(mice_small)) % 3
    cv = cv_lassonet(
        "class ~ .", mice_small, family="multinomial", foldid=foldid, type_measure="class", **TINY
    )
    assert cv.call.startswith(
        'cv_lassonet(formula="class ~ .", family="multinomial", '
        "hidden=(8,), nlambda=8, foldid=<ndarray "
    )
    assert cv.call.endswith('type_measure="class", seed=0)')
    assert cv.path.call == (
        'lassonet(formula="class ~ .", family="multinomial", hidden=(8,), nlambda=8, seed=0)'
    )


def test_plot_artists(boston_cv):
    _, cv = boston_cv
    ax = cv.plot()
    lines = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid()}
    assert set(lines) == {"lambda_min", "lambda_1se"}
    x_min = lines["lambda_min"].get_xdata()[0]
    if cv.lambda_min > 0:
        np.testing.assert_allclose(x_min, np.log(cv.lambda_min))
    np.testing.assert_allclose(
        lines["lambda_1se"].get_xdata()[0], np.log(cv.lambda_1se) if cv.lambda_1se > 0 else x_min
    )
    n_points = sum(
        len(c.get_offsets())
        for c in ax.collections
        if hasattr(c, "get_offsets") and c.get_label() in ("cvm", "dense fit (λ=0)")
    )
    assert n_points == len(cv.lambdas)
    assert ax.get_ylabel() == "Mean-Squared Error" and ax.child_axes
    matplotlib.pyplot.close("all")


# --------------------------------------------------------------------------- forwarding
def test_coef_predict_nonzero_forward_s(boston_cv):
    df, cv = boston_cv
    assert cv.coef().columns.tolist() == [f"s{cv.index_1se}"]
    assert cv.coef("lambda.min").columns.tolist() == [f"s{cv.index_min}"]
    pd.testing.assert_series_equal(
        cv.predict(df.head(5), s="lambda_1se"), cv.path.predict(df.head(5), s=cv.lambda_1se)
    )
    pd.testing.assert_series_equal(
        cv.predict(df.head(5)), cv.path.predict(df.head(5), s=cv.lambda_min)
    )
    assert len(cv.nonzero()) == cv.nzero[cv.index_1se]
    both = cv.coef(["lambda_min", "lambda_1se"])
    assert both.columns.tolist() == [f"s{cv.index_min}", f"s{cv.index_1se}"]


# --------------------------------------------------------------------------- assess / confusion
def test_assess_training_rows_matches_path(boston_cv):
    df, cv = boston_cv
    a = assess(cv.path, df)
    assert list(a.columns) == ["deviance", "mse", "mae"] and len(a) == len(cv.path)
    train_mse = (1 - cv.path.dev_ratio) * cv.path.null_deviance
    np.testing.assert_allclose(a["mse"], train_mse, rtol=1e-4)
    one = assess(cv, df, s="lambda_1se")
    assert one.name == f"s{cv.index_1se}"
    np.testing.assert_allclose(one["mse"], train_mse[cv.index_1se], rtol=1e-4)
    resid = df["medv"] - cv.predict(df)
    np.testing.assert_allclose(assess(cv, df)["mae"], resid.abs().mean(), rtol=1e-10)


def test_assess_and_confusion_classification(mice_cv, mice_small):
    data = mice_small.dropna()
    a = assess(mice_cv, data, s="lambda_min")
    assert list(a.index) == ["deviance", "class", "mse", "mae"]
    pred = mice_cv.predict(data, type="class")
    np.testing.assert_allclose(a["class"], np.mean(pred != data["class"]))
    tab = confusion(mice_cv, data)
    assert int(tab.to_numpy().sum()) == len(data)
    assert int(np.trace(tab.to_numpy())) == int((pred == data["class"]).sum())
    np.testing.assert_allclose(tab.attrs["misclassification"], a["class"])
    # the response is needed in newdata
    with pytest.raises(FormulaError, match="must hold the response"):
        assess(mice_cv, data.drop(columns="class"))


def test_assess_arrays_need_newy(reg):
    X, y = reg
    fit = lassonet(X=X, y=y, **TINY)
    with pytest.raises(InputError, match="`newy` is required"):
        assess(fit, X)
    a = assess(fit, X, s=0, newy=y)
    np.testing.assert_allclose(a["mse"], np.mean((y - fit.predict(X, s=0)) ** 2))
    with pytest.raises(InputError, match="`fit` must be a binomial or multinomial fit"):
        confusion(fit, X, s=0, newy=y)


# --------------------------------------------------------------------------- glmnet fallbacks
def test_auc_falls_back_to_deviance_with_small_folds():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] + rng.normal(size=40) > 0).astype(int)
    with pytest.warns(LassoNetWarning, match="Too few"):
        cv = cv_lassonet(
            X=X,
            y=y,
            family="binomial",
            type_measure="auc",
            nfolds=5,
            hidden=(4,),
            nlambda=4,
            seed=0,
            verbose=False,
        )
    assert cv.measure == "deviance"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cv = cv_lassonet(
            X=X,
            y=y,
            family="binomial",
            type_measure="auc",
            nfolds=3,
            hidden=(4,),
            nlambda=4,
            seed=0,
            verbose=False,
        )
    assert cv.measure == "auc" and cv.measure_name == "AUC"
    assert cv.cvm[cv.index_min] == np.nanmax(cv.cvm)


def test_leave_one_out_is_ungrouped():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2))
    y = X[:, 0] + 0.1 * rng.normal(size=12)
    with pytest.warns(LassoNetWarning, match="grouped=False"):
        cv = cv_lassonet(X=X, y=y, nfolds=12, hidden=(4,), nlambda=3, seed=0, verbose=False)
    assert not cv.grouped and cv.fold_errors.shape == (12, len(cv.lambdas))
    np.testing.assert_allclose(cv.cvm, cv.fold_errors.mean(axis=0))


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kwargs, cls, match",
    [
        pytest.param(
            dict(nfolds=2),
            InputError,
            r"`nfolds` must be an integer with 3 <= nfolds",
            id="nfolds<3",
        ),
        pytest.param(dict(nfolds=500), InputError, r"only 120 observations", id="nfolds>n"),
        pytest.param(
            dict(foldid=[1, 2, 3]),
            InputError,
            r"`foldid` must be a vector of length "
            r"120.*got length 3",
            id="foldid-length",
        ),
        pytest.param(
            dict(foldid=np.arange(120) % 2),
            InputError,
            r"at least 3 distinct folds",
            id="foldid-two-folds",
        ),
        pytest.param(
            dict(type_measure="auc"),
            InputError,
            r"`type_measure` must be one of .* "
            r"'auc' needs family='binomial'",
            id="auc-gaussian",
        ),
        pytest.param(
            dict(type_measure="brier"),
            InputError,
            r"`type_measure` must be one of",
            id="unknown-measure",
        ),
        pytest.param(
            dict(nfold=5), InputTypeError, r"Unknown argument\(s\) \['nfold'\]", id="typo"
        ),
        pytest.param(dict(keep="yes"), InputTypeError, r"`keep` must be True or False", id="keep"),
        pytest.param(dict(family="weibull"), FamilyError, r"`family` must be one of", id="family"),
    ],
)
def test_bad_arguments(reg, kwargs, cls, match):
    X, y = reg
    with pytest.raises(cls, match=match):
        cv_lassonet(X=X, y=y, **{**TINY, **kwargs})


def test_bad_s(boston_cv):
    df, cv = boston_cv
    with pytest.raises(InputError, match=r"`s` must be 'lambda_min' or 'lambda_1se'"):
        cv.coef(s="lambda_best")
    with pytest.raises(NotOnPathError, match="within the path's lambda range"):
        cv.predict(df.head(2), s=1e9)
    with pytest.raises(InputError, match="belong to cv_lassonet results"):
        assess(cv.path, df, s="lambda_min")
