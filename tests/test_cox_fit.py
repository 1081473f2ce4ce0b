"""family="cox" end to end: the M = 0 path against a Lasso-Cox optimum, the unpenalised limit
against statsmodels and lifelines, batches (CV folds) against single fits, formulas against
arrays, survival predictions, save/load. Small networks and short paths (real data)."""

from __future__ import annotations

import os
import tempfile

import matplotlib
import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from scipy.optimize import minimize
from statsmodels.duration.hazard_regression import PHReg

from lassonetpy import lassonet, load, plot_survival
from lassonetpy.datasets import load_gbsg2, load_veteran
from lassonetpy.engine import fit_path
from lassonetpy.families import Cox

matplotlib.use("Agg")

NUMERIC = ["trt", "karno", "diagtime", "age", "prior"]


def _std(X: np.ndarray) -> np.ndarray:
    return (X - X.mean(0)) / X.std(0)


def _lasso_cox_optimum(model: PHReg, lam: float) -> float:
    """min -loglik/n + lam |b|_1 by L-BFGS-B on b = u - v, u, v >= 0 (statsmodels' loglike and
    score): an independent reference optimum. (statsmodels' own ``fit_regularized`` stops short
    on these data: on veteran at 0.1 lambda_max it is 1.2e-4 above this optimum, one variable
    missing, so it cannot serve as the reference at 1e-4.)"""
    p, n = model.exog.shape[1], model.exog.shape[0]

    def f(z: np.ndarray) -> tuple[float, np.ndarray]:
        b = z[:p] - z[p:]
        g = -model.score(b) / n
        return -model.loglike(b) / n + lam * z.sum(), np.r_[g + lam, lam - g]

    opt = minimize(
        f,
        np.zeros(2 * p),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0, None)] * (2 * p),
        options=dict(ftol=1e-15, gtol=1e-12, maxiter=10_000),
    )
    return float(opt.fun)


@pytest.mark.parametrize(
    "data, ties, strata",
    [("gbsg2", "breslow", None), ("veteran", "efron", "trt")],
)
def test_m0_path_is_the_lasso_cox_optimum(data, ties, strata):
    df = load_gbsg2() if data == "gbsg2" else load_veteran()
    event = "cens" if data == "gbsg2" else "status"
    g = None if strata is None else df[strata].to_numpy()
    Xdf = df.drop(columns=["time", event] + ([strata] if strata else []))
    X = _std(pd.get_dummies(Xdf, drop_first=True, dtype=float).to_numpy())
    t, d = df["time"].to_numpy(float), df[event].to_numpy(float)
    model = PHReg(t, X, status=d, ties=ties, strata=g)
    n = len(t)
    lam_max = np.abs(model.score(np.zeros(X.shape[1])) / n).max()
    lams = lam_max * np.array([0.02, 0.1, 0.4])
    y = pd.DataFrame({"time": t, "status": d})
    if g is not None:
        y["strata"] = g
    res = fit_path(
        X, y, Cox(ties), M=0, hidden=(4,), lambda_=lams, standardize=False, dtype="float64",
        tol=1e-8, max_epochs=5000, seed=0,
    )  # fmt: skip
    assert res.lambda_max_internal[0] == pytest.approx(lam_max, rel=1e-9)  # glmnet's
    for i, lam in enumerate(lams, start=1):
        b = res.beta[0, i, 0]
        ours = -model.loglike(b) / n + lam * np.abs(b).sum()
        assert res.objective[0, i] == pytest.approx(ours, rel=1e-10)  # reported = recomputed
        ref = _lasso_cox_optimum(model, lam)
        assert abs(ours - ref) / ref < 1e-4


def test_unpenalised_limit_matches_statsmodels_and_lifelines():
    """M = 0 and lambda -> 0: the Cox model (coefficients, Breslow baseline, survival)."""
    df = load_veteran()
    fit = lassonet(
        "Surv(time, status) ~ " + " + ".join(NUMERIC), df, family="cox", ties="efron", M=0,
        hidden=(4,), lambda_=[1e-9], dtype="float64", tol=1e-9, max_epochs=5000, seed=0,
        verbose=False,
    )  # fmt: skip
    t, d, X = df["time"].to_numpy(float), df["status"].to_numpy(float), df[NUMERIC].to_numpy(float)
    sm = PHReg(t, X, status=d, ties="efron").fit()
    beta = fit.coef(s=1e-9).iloc[:, 0].to_numpy()
    np.testing.assert_allclose(beta, sm.params, rtol=1e-4, atol=1e-6)
    assert list(fit.coef(s=1e-9).index) == NUMERIC  # no intercept row for cox
    link = fit.predict(df, s=1e-9)
    np.testing.assert_allclose(link, X @ beta, rtol=1e-10, atol=1e-10)  # x @ beta, as glmnet
    np.testing.assert_allclose(fit.predict(df, s=1e-9, type="response"), np.exp(link))
    # Breslow baseline at the model's coefficients: statsmodels gives H0 just before each time
    base = fit.baseline_hazard(s=1e-9)
    times, cumhaz, _ = sm.model.baseline_cumulative_hazard(beta)[0]
    np.testing.assert_array_equal(base["time"], times)
    np.testing.assert_allclose(np.r_[0.0, base["cumhaz"].to_numpy()[:-1]], cumhaz, rtol=1e-8)
    # survival curves against lifelines (Breslow baseline, Efron fit)
    frame = df[NUMERIC + ["time", "status"]]
    cph = CoxPHFitter().fit(frame, "time", "status")
    at = np.unique(t[d > 0])[[3, 30, 50, 80]]  # event times (lifelines interpolates between)
    ours = fit.predict(df.head(20), s=1e-9, type="survival", times=at)
    ref = cph.predict_survival_function(frame.head(20), times=at).T.to_numpy()
    np.testing.assert_allclose(ours.to_numpy(), ref, rtol=2e-4)
    assert (np.diff(ours.to_numpy(), axis=1) <= 0).all()


def test_batch_of_fold_models_equals_single_fits():
    df = load_veteran()
    X = _std(pd.get_dummies(df.drop(columns=["time", "status"]), dtype=float).to_numpy())
    y = df[["time", "status"]].to_numpy(float)
    n = len(df)
    fid = np.arange(n) % 3 + 1
    masks = np.vstack([np.ones(n, bool), fid != 1, fid != 2])
    kw = dict(
        hidden=(4,), M=1.0, lambda_=[0.02, 0.05, 0.1, 0.3], standardize=False, dtype="float64",
        seed=0,
    )  # fmt: skip
    batch = fit_path(X, y, "cox", masks=masks, **kw)
    for b in range(3):
        one = fit_path(X[masks[b]], y[masks[b]], "cox", seed_children=[b], **kw)
        np.testing.assert_allclose(batch.loss[b], one.loss[0], rtol=1e-9)
        np.testing.assert_allclose(batch.beta[b], one.beta[0], rtol=1e-7, atol=1e-9)
        np.testing.assert_array_equal(batch.epochs[b], one.epochs[0])


def test_formula_strata_and_array_interface_agree():
    df = load_veteran()
    kw = dict(family="cox", hidden=(4,), nlambda=5, seed=0, verbose=False)
    f1 = lassonet("Surv(time, status) ~ . + strata(trt)", df, **kw)
    assert "trt" not in f1.term_names  # strata variables are not predictors
    f2 = lassonet("Surv(time, status) ~ .", df, strata="trt", **kw)
    np.testing.assert_array_equal(f2.beta, f1.beta)
    dummies = pd.get_dummies(df["celltype"], dtype=float)
    Xa = pd.concat([dummies, df[["karno", "diagtime", "age", "prior"]]], axis=1)
    Xa.columns = list(f1.column_names)
    kw["groups"] = [[0, 1, 2, 3]]  # the factor as one group, as the formula makes it
    f3 = lassonet(X=Xa, y=df[["time", "status"]].to_numpy(), strata=df["trt"], **kw)
    np.testing.assert_allclose(f3.lambdas, f1.lambdas, rtol=1e-12)  # the same up to rounding
    np.testing.assert_allclose(f3.beta, f1.beta, rtol=1e-10, atol=1e-14)
    y_bool = pd.DataFrame({"time": df["time"], "event": df["status"] == 1})
    f4 = lassonet(X=Xa, y=y_bool, strata=df["trt"].to_numpy(), **kw)
    np.testing.assert_array_equal(f4.beta, f3.beta)
    # the stratum of each new row picks its baseline
    s = f1.predict(df.head(4), s=f1.lambdas[2], type="survival", times=[100.0])
    b = f1.baseline_hazard(s=f1.lambdas[2])
    link = f1.predict(df.head(4), s=f1.lambdas[2]).to_numpy()
    for i, g in enumerate(df["trt"].head(4)):
        h = b[(b["strata"] == g) & (b["time"] <= 100)]["cumhaz"].iloc[-1]
        assert s.iloc[i, 0] == pytest.approx(np.exp(-h * np.exp(link[i])), rel=1e-12)
    s3 = f3.predict(Xa.head(4), s=f1.lambdas[2], type="survival", times=[100.0],
                    newstrata=df["trt"].head(4))  # fmt: skip
    np.testing.assert_allclose(s3.to_numpy(), s.to_numpy())


def test_save_load_keeps_ties_and_survival_curves():
    df = load_veteran()
    fit = lassonet(
        "Surv(time, status) ~ . + strata(prior)", df, family="cox", ties="breslow",
        hidden=(4,), nlambda=4, seed=0, verbose=False,
    )  # fmt: skip
    f = os.path.join(tempfile.mkdtemp(), "cox.pt")
    fit.save(f)
    back = load(f)
    assert back._result.family.ties == "breslow"
    kw = dict(s=fit.lambdas[1], type="survival", times=[30.0, 200.0])
    pd.testing.assert_frame_equal(back.predict(df, **kw), fit.predict(df, **kw))


def test_plot_survival_by_risk_group():
    df = load_gbsg2()
    fit = lassonet(
        "Surv(time, cens) ~ .", df, family="cox", hidden=(4,), nlambda=4, seed=0, verbose=False
    )
    risk = pd.qcut(fit.predict(df, s=0), 3, labels=["low", "mid", "high"])
    ax = plot_survival(fit, df, s=0, groups=risk)
    assert len(ax.lines) == 6 and ax.get_ylabel() == "Survival probability"
    # predicted curves are ordered by risk group at the end of follow-up
    ends = [line.get_ydata()[-1] for line in ax.lines[:3]]
    assert ends[0] > ends[1] > ends[2]
    ax = plot_survival(fit, df.head(3), s=0)  # chosen rows, Kaplan-Meier of all of them
    assert len(ax.lines) == 4
    matplotlib.pyplot.close("all")


def test_cox_path_on_the_device(device):
    """The batched loss on the device equals the numpy partial likelihood of its links."""
    from lassonetpy.survival import RiskSets, cox_loss

    df = load_veteran()
    X = pd.get_dummies(df.drop(columns=["time", "status"]), dtype=float).to_numpy()
    y = df[["time", "status"]].to_numpy(float)
    res = fit_path(X, y, "cox", hidden=(4,), nlambda=3, seed=0, device=device)
    rs = RiskSets.build(y[:, 0], y[:, 1], np.zeros(len(y), int))
    for i in range(len(res.lambdas)):
        eta = res.predict(X, i)[:, 0]
        assert res.loss[0, i] == pytest.approx(cox_loss(eta, rs), rel=1e-5)
