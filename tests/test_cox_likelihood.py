"""The Cox partial likelihood, its gradient, deviance, C-index and baseline hazard, against
independent references: statsmodels ``PHReg`` (log-likelihood, baseline hazard), lifelines
(weighted Efron log-likelihood, concordance index, baseline), duplicated rows (weights) and
closed forms written here. Real data with tied times (GBSG2, veteran, lung)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from lifelines import CoxPHFitter
from lifelines.utils import concordance_index as lifelines_cindex
from statsmodels.duration.hazard_regression import PHReg

from lassonetpy.datasets import load_gbsg2, load_veteran
from lassonetpy.families import Cox, get_family
from lassonetpy.survival import (
    RiskSets,
    as_surv,
    breslow_baseline,
    concordance_index,
    cox_deviance,
    cox_loss,
)


def _design(df: pd.DataFrame, event: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = pd.get_dummies(df.drop(columns=["time", event]), drop_first=True, dtype=float)
    X = X.to_numpy()
    return (X - X.mean(0)) / X.std(0), df["time"].to_numpy(float), df[event].to_numpy(float)


@pytest.fixture(scope="module")
def gbsg2():
    df = load_gbsg2()
    X, t, d = _design(df, "cens")
    return df, X, t, d


@pytest.fixture(scope="module")
def lung(shared_data):
    df = pd.read_csv(shared_data / "lung.csv").dropna()
    df["status"] = (df["status"] == 2).astype(int)  # R's coding: 1 censored, 2 dead
    df = df.drop(columns=["inst"])
    return df


def _torch_loss(eta, t, d, strata, w, ties, grad=False):
    fam = get_family("cox", ties=ties)
    y = pd.DataFrame({"time": t, "status": d})
    if strata is not None:
        y["strata"] = strata
    target = fam.target(fam.prepare(y), torch.float64, torch.device("cpu"))
    e = torch.as_tensor(np.atleast_2d(eta))[..., None]
    ww = torch.as_tensor(np.atleast_2d(w / w.sum(-1, keepdims=True)))
    return fam.loss_grad(e, target, ww) if grad else fam.loss(e, target, ww)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("stratified", [False, True])
def test_loss_equals_statsmodels_phreg_at_fixed_coefficients(gbsg2, ties, stratified):
    df, X, t, d = gbsg2
    assert pd.Series(t[d > 0]).duplicated().sum() > 10  # tied event times
    strata = df["horTh"].to_numpy() if stratified else None
    rng = np.random.default_rng(1)
    n = len(t)
    for scale in (0.0, 0.3, 1.0):
        b = rng.normal(size=X.shape[1]) * scale
        ref = -PHReg(t, X, status=d, ties=ties, strata=strata).loglike(b) / n
        r = as_surv(pd.DataFrame({"time": t, "status": d}), strata=strata)
        rs = RiskSets.build(r.time, r.status, r.strata)
        assert cox_loss(X @ b, rs, ties=ties) == pytest.approx(ref, rel=1e-12)
        got = _torch_loss(X @ b, t, d, strata, np.ones(n), ties)
        assert float(got[0]) == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_loss_on_lung_with_tied_times_and_status_coded_1_2(lung, ties):
    X, t, d = _design(lung, "status")
    b = np.linspace(-0.3, 0.3, X.shape[1])
    ref = -PHReg(t, X, status=d, ties=ties).loglike(b) / len(t)
    got = _torch_loss(X @ b, t, d, None, np.ones(len(t)), ties)
    assert float(got[0]) == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("stratified", [False, True])
def test_weighted_efron_equals_lifelines(stratified):
    df = load_veteran()
    X, t, d = _design(df, "status")
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=len(t))
    w = w / w.mean()  # our scaling: weights of mean 1 (glmnet's)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    frame["time"], frame["status"], frame["w"] = t, d, w
    kw = {}
    if stratified:
        frame["g"] = df["prior"].to_numpy()
        kw["strata"] = ["g"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cph = CoxPHFitter().fit(frame, "time", "status", weights_col="w", robust=True, **kw)
    b = cph.params_.to_numpy()
    got = _torch_loss(X @ b, t, d, frame["g"].to_numpy() if stratified else None, w, "efron")
    assert float(got[0]) == pytest.approx(-cph.log_likelihood_ / len(t), rel=1e-9)


def test_breslow_integer_weights_equal_duplicated_rows(gbsg2):
    _, X, t, d = gbsg2
    w = np.random.default_rng(2).integers(1, 4, size=len(t)).astype(float)
    rep = np.repeat(np.arange(len(t)), w.astype(int))
    b = np.linspace(-0.4, 0.4, X.shape[1])
    ref = -PHReg(t[rep], X[rep], status=d[rep], ties="breslow").loglike(b) / len(rep)
    # loss = -loglik / n with weights rescaled to mean 1: the duplicated data's loss, up to
    # the constant that the rescaling adds (log of the mean weight per unit event weight)
    got = float(_torch_loss(X @ b, t, d, None, w, "breslow")[0])
    const = (w * d).sum() / w.sum() * np.log(w.mean())
    assert got + const == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_closed_form_gradient(ties):
    df = load_veteran()
    _, t, d = _design(df, "status")
    n = len(t)
    rng = np.random.default_rng(3)
    eta = rng.normal(size=(2, n)) * 0.7
    w = np.ones((2, n))
    w[1, rng.choice(n, 40, replace=False)] = 0.0  # a CV fold left out
    strata = df["trt"].to_numpy()
    _, g = _torch_loss(eta, t, d, strata, w, ties, grad=True)
    g = g[..., 0].numpy()
    assert np.abs(g.sum(1)).max() < 1e-12  # no intercept: shifting eta changes nothing
    assert np.all(g[1, w[1] == 0] == 0)
    h = 1e-6
    for b in range(2):
        for j in rng.choice(n, 12, replace=False):
            ep, em = eta.copy(), eta.copy()
            ep[b, j] += h
            em[b, j] -= h
            fd = _torch_loss(ep, t, d, strata, w, ties) - _torch_loss(em, t, d, strata, w, ties)
            assert float(fd[b]) / (2 * h) == pytest.approx(g[b, j], abs=1e-8)


def test_deviance_is_glmnets_formula(gbsg2):
    """2 (loglik_sat - loglik) / n, with loglik from statsmodels and loglik_sat = -sum d_g log
    d_g over tied event times (glmnet's coxnet.deviance, Breslow)."""
    _, X, t, d = gbsg2
    b = np.linspace(-0.2, 0.5, X.shape[1])
    ll = PHReg(t, X, status=d, ties="breslow").loglike(b)
    counts = pd.Series(t[d > 0]).value_counts().to_numpy()
    lsat = -(counts * np.log(counts)).sum()
    rs = RiskSets.build(t, d, np.zeros(len(t), int))
    n = len(t)
    assert cox_deviance(X @ b, rs, ties="breslow") == pytest.approx(2 * (lsat - ll) / n, rel=1e-12)
    fam = Cox("breslow")
    target = fam.target(fam.prepare(np.column_stack([t, d])), torch.float64, torch.device("cpu"))
    e = torch.as_tensor(X @ b)[None, :, None]
    dev = fam.deviance(e, target, torch.full((1, n), 1 / n, dtype=torch.float64))
    assert float(dev[0]) == pytest.approx(2 * (lsat - ll) / n, rel=1e-12)
    # Efron's saturated model: every event outranks its risk set; the deviance stays >= 0
    assert float(cox_deviance(50.0 * (t.max() - t) / t.max() * d, rs, ties="efron")) >= 0


def test_c_index_equals_lifelines_with_tied_times_and_scores(gbsg2):
    _, X, t, d = gbsg2
    eta = X @ np.linspace(-0.5, 0.5, X.shape[1])
    for risk in (eta, np.round(eta, 1), np.round(eta)):  # more and more tied scores
        assert concordance_index(t, d, risk) == pytest.approx(
            lifelines_cindex(t, -risk, d), abs=1e-12
        )
    both = concordance_index(t, d, np.stack([eta, -eta]))
    assert both[0] == pytest.approx(1 - both[1], abs=1e-12)  # no tied scores
    assert np.isnan(concordance_index(t, np.zeros_like(d), eta))  # no event: undefined


def test_c_index_within_strata_counts_pairs_by_brute_force():
    df = load_veteran()
    t, d = df["time"].to_numpy(float), df["status"].to_numpy(float)
    g = df["trt"].to_numpy()
    r = np.round(df["karno"].to_numpy(float) / -10)
    num = den = 0.0
    for i in range(len(t)):
        for j in range(len(t)):
            if d[i] and g[i] == g[j] and (t[j] > t[i] or (t[j] == t[i] and not d[j])):
                den += 1
                num += 1.0 if r[i] > r[j] else (0.5 if r[i] == r[j] else 0.0)
    assert concordance_index(t, d, r, strata=g) == pytest.approx(num / den, abs=1e-12)


@pytest.mark.parametrize("stratified", [False, True])
def test_breslow_baseline_equals_statsmodels(gbsg2, stratified):
    df, X, t, d = gbsg2
    strata = df["menostat"].to_numpy() if stratified else None
    model = PHReg(t, X, status=d, ties="breslow", strata=strata)
    params = np.linspace(-0.4, 0.3, X.shape[1])  # the identity holds for any coefficients
    r = as_surv(np.column_stack([t, d]), strata=strata)
    rs = RiskSets.build(r.time, r.status, r.strata)
    base = breslow_baseline(X @ params, rs, levels=r.levels)
    for s, (times, cumhaz, _) in enumerate(model.baseline_cumulative_hazard(params)):
        sel = base.stratum == s
        np.testing.assert_array_equal(base.time[sel], times)
        # statsmodels reports the hazard just before each event time; ours includes its jump
        h = base.cumhaz[0, sel]
        np.testing.assert_allclose(np.r_[0.0, h[:-1]], cumhaz, rtol=1e-10, atol=1e-14)


def test_breslow_baseline_equals_lifelines():
    df = load_veteran()
    X, t, d = _design(df, "status")
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    frame["time"], frame["status"] = t, d
    cph = CoxPHFitter().fit(frame, "time", "status")
    b = cph.params_.to_numpy()
    rs = RiskSets.build(t, d, np.zeros(len(t), int))
    base = breslow_baseline(X @ b, rs)
    # lifelines' baseline is at the mean covariates
    ref = cph.baseline_cumulative_hazard_.iloc[:, 0]
    ref = ref[ref.index.isin(base.time)].to_numpy() * np.exp(-X.mean(0) @ b)
    np.testing.assert_allclose(base.cumhaz[0], ref, rtol=1e-8)
