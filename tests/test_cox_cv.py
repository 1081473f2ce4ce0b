"""Cross-validation of cox fits (glmnet's grouped partial-likelihood deviance, the C-index,
folds stratified on status, a fold without events), assess on new data, and bad input: each
a clear error or warning of the package's own kind."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines.utils import concordance_index as lifelines_cindex
from statsmodels.duration.hazard_regression import PHReg

from lassonetpy import assess, cv_lassonet, lassonet
from lassonetpy.datasets import load_boston, load_veteran
from lassonetpy.engine import fit_path
from lassonetpy.errors import (
    FormulaError,
    InputError,
    LassoNetWarning,
    ResponseError,
)
from lassonetpy.families import Cox

KW = dict(hidden=(4,), nlambda=6, seed=0, verbose=False)


@pytest.fixture(scope="module")
def vet():
    df = load_veteran()
    X = pd.get_dummies(df.drop(columns=["time", "status"]), dtype=float).to_numpy()
    return df, X, df[["time", "status"]].to_numpy(float)


def _deviance(eta: np.ndarray, t: np.ndarray, d: np.ndarray) -> float:
    """glmnet's total Breslow deviance 2 (lsat - loglik), from statsmodels' log-likelihood."""
    ll = PHReg(t, eta[:, None], status=d, ties="breslow").loglike(np.array([1.0]))
    counts = pd.Series(t[d > 0]).value_counts().to_numpy()
    return 2 * (-(counts * np.log(counts)).sum() - ll)


def test_cv_deviance_is_glmnets_grouped_form_and_folds_are_stratified(vet):
    df, X, y = vet
    cv = cv_lassonet(X=X, y=y, family=Cox("breslow"), nfolds=4, **KW)
    t, d = y[:, 0], y[:, 1]
    events = np.bincount(cv.foldid, weights=d)[1:]
    censored = np.bincount(cv.foldid, weights=1 - d)[1:]
    assert events.max() - events.min() <= 1 and censored.max() - censored.min() <= 1
    # the same batch through the engine gives the fold models on all rows
    masks = np.vstack([np.ones(len(t), bool)] + [cv.foldid != k for k in range(1, 5)])
    res = fit_path(X, y, Cox("breslow"), masks=masks, hidden=(4,), nlambda=6, seed=0)
    np.testing.assert_array_equal(res.lambdas, cv.lambdas)
    for k in range(1, 5):
        fold = cv.foldid == k
        for i in (1, 3):
            eta = res.predict(X, i, model=k)[:, 0]
            full, train = _deviance(eta, t, d), _deviance(eta[~fold], t[~fold], d[~fold])
            expected = (full - train) / d[fold].sum()
            assert cv.fold_errors[k - 1, i] == pytest.approx(expected, rel=1e-6)
    assert cv.measure_name == "Partial Likelihood Deviance"
    fw = events
    np.testing.assert_allclose(cv.cvm, fw @ cv.fold_errors / fw.sum(), rtol=1e-12)


def test_cv_c_index_per_fold_equals_lifelines(vet):
    df, X, y = vet
    cv = cv_lassonet(X=X, y=y, family="cox", type_measure="C", nfolds=3, keep=True, **KW)
    assert cv.measure_name == "C-index"
    assert cv.cvm[cv.index_min] == np.nanmax(cv.cvm)  # larger is better
    t, d = y[:, 0], y[:, 1]
    for k in range(1, 4):
        fold = cv.foldid == k
        for i in (1, 4):
            link = cv.fit_preval[fold, i]  # out-of-fold links (keep=True)
            ref = lifelines_cindex(t[fold], -link, d[fold])
            assert cv.fold_errors[k - 1, i] == pytest.approx(ref, abs=1e-12)
    p = cv.predict(X[:2], type="survival", times=[50.0, 100.0])
    assert p.shape == (2, 2) and (p <= 1).all() and (np.diff(p, axis=1) <= 0).all()


def test_a_fold_without_events_is_skipped_with_a_warning(vet):
    df, X, y = vet
    d = y[:, 1]
    foldid = np.where(d == 0, 4, np.arange(len(d)) % 3 + 1)  # fold 4: the 9 censored rows
    with pytest.warns(LassoNetWarning, match=r"Fold\(s\) \[4\] hold no event"):
        cv = cv_lassonet(X=X, y=y, family="cox", foldid=foldid, **KW)
    assert np.isnan(cv.fold_errors[3]).all() and np.isfinite(cv.fold_errors[:3]).all()
    fw = np.bincount(foldid, weights=d)[1:4]
    np.testing.assert_allclose(cv.cvm, fw @ cv.fold_errors[:3] / fw.sum(), rtol=1e-12)
    with pytest.raises(InputError, match="leaving no event to train on"):
        cv_lassonet(X=X, y=y, family="cox", foldid=np.where(d == 1, 1, np.arange(len(d)) % 3))


def test_assess_on_new_data(vet):
    df, _, _ = vet
    train, test = df.iloc[:100], df.iloc[100:]
    fit = lassonet("Surv(time, status) ~ .", train, family="cox", ties="breslow", **KW)
    a = assess(fit, test)
    assert list(a.columns) == ["deviance", "C"] and len(a) == len(fit)
    link = fit.predict(test, s=fit.lambdas[2])
    ref = lifelines_cindex(test["time"], -link, test["status"])
    assert a.loc["s2", "C"] == pytest.approx(ref, abs=1e-12)
    n = len(test)
    dev = _deviance(link.to_numpy(), test["time"].to_numpy(float), test["status"].to_numpy(float))
    assert a.loc["s2", "deviance"] == pytest.approx(dev / n, rel=1e-8)  # per observation


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "time, status, match",
    [
        ([-1.0, 2.0, 3.0, 4.0], [1, 0, 1, 1], r"`time` must be finite and > 0.*-1\.0 at row 0"),
        ([0.0, 2.0, 3.0, 4.0], [1, 0, 1, 1], r"`time` must be finite and > 0.*0\.0 at row 0"),
        ([1.0, np.nan, 3.0, 4.0], [1, 0, 1, 1], r"`time` must be finite and > 0.*nan at row 1"),
        ([1.0, 2.0, 3.0, 4.0], [1, 2, 1, 2], r"`status` must be 0 \(censored\).*status == 2"),
        ([1.0, 2.0, 3.0, 4.0], [0, 0, 0, 0], r"`status` must be 1 \(an event\) for at least one"),
    ],
)
def test_bad_survival_responses(time, status, match):
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ResponseError, match=match):
        fit_path(X, np.column_stack([time, status]), "cox", hidden=(2,), nlambda=2)


def test_bad_formulas_and_arguments(vet):
    df, X, y = vet
    for formula, match in [
        ("Surv(time) ~ .", r"`Surv\(\)` must have 2 positional arguments.*got 1"),
        ("Surv(time, status, trt) ~ .", r"got 3 .*Counting-process"),
        ("Surv(time, status) ~ karno:strata(trt)", r"strata\(\) as a term of its own"),
    ]:
        with pytest.raises(FormulaError, match=match):
            lassonet(formula, df, family="cox", **KW)
    nan_df = df.assign(time=df["time"].astype(float).where(df.index != 3))
    with pytest.raises(FormulaError, match=r"NA counts \{'time': 1\}"):
        lassonet("Surv(time, status) ~ .", nan_df, family="cox", na_action="fail", **KW)
    with pytest.raises(InputError, match=r"`ties` must be None unless family='cox'"):
        lassonet("medv ~ .", load_boston(), ties="efron", **KW)
    with pytest.raises(InputError, match=r"`strata` must be None unless family='cox'"):
        lassonet(X=X, y=y[:, 0], strata=df["trt"], **KW)
    with pytest.raises(InputError, match=r"`ties` must be 'efron' or 'breslow'; got 'exact'"):
        lassonet(X=X, y=y, family="cox", ties="exact", **KW)
    with pytest.raises(InputError, match=r"`batch_size` must be None \(full batch\) for family"):
        lassonet(X=X, y=y, family="cox", batch_size=32, **KW)
    with pytest.raises(ResponseError, match=r"Counting-process"):
        lassonet(X=X, y=np.column_stack([y, y[:, 0]]), family="cox", **KW)
    with pytest.raises(InputError, match=r"`type_measure` must be one of 'deviance', 'C'"):
        cv_lassonet(X=X, y=y, family="cox", type_measure="auc", nfolds=3, **KW)
    with pytest.raises(InputError, match=r"'C', the concordance index, is for family='cox'"):
        cv_lassonet("medv ~ .", load_boston(), type_measure="C", nfolds=3, **KW)


def test_on_disk_x_is_refused(vet, tmp_path):
    _, X, y = vet
    mm = np.lib.format.open_memmap(tmp_path / "X.npy", mode="w+", shape=X.shape)
    mm[:] = X
    with pytest.raises(InputError, match=r"`X` must be an in-memory matrix for family 'cox'"):
        lassonet(X=mm, y=y, family="cox", **KW)


def test_bad_survival_predictions(vet):
    df, _, _ = vet
    fit = lassonet("Surv(time, status) ~ . + strata(trt)", df, family="cox", **KW)
    with pytest.raises(InputError, match=r"`times` must be the times at which to predict"):
        fit.predict(df, s=0, type="survival")
    with pytest.raises(InputError, match=r"`times` must be finite numbers >= 0"):
        fit.predict(df, s=0, type="survival", times=[-1.0])
    with pytest.raises(InputError, match=r"`times` must be None unless type='survival'"):
        fit.predict(df, s=0, times=[1.0])
    with pytest.raises(InputError, match=r"`newstrata` must be strata of the fit \[1, 2\]"):
        fit.predict(df.assign(trt=3), s=0, type="survival", times=[10.0])
    with pytest.raises(FormulaError, match=r"missing column\(s\) \['trt'\]"):
        fit.predict(df.drop(columns="trt"), s=0, type="survival", times=[10.0])
    gauss = lassonet("medv ~ .", load_boston(), **KW)
    with pytest.raises(InputError, match=r"type='survival' is for cox fits"):
        gauss.predict(load_boston(), s=0, type="survival", times=[1.0])
    with pytest.raises(InputError, match=r"`type` must be 'link' or 'response' for family 'cox'"):
        fit.predict(df, s=0, type="class")
