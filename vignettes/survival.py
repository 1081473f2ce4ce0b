# %% [markdown]
# # Survival: a Cox LassoNet
#
# `family="cox"` fits LassoNet with the Cox proportional hazards model: the network's output
# is a log relative hazard, trained on the negative log partial likelihood (Efron's or
# Breslow's ties, scaled as glmnet's coxnet). The response is `Surv(time, status)` in the
# formula; `strata(g)` gives a stratified model, as in R's `coxph` and glmnet. This vignette
# looks at the data with Kaplan-Meier curves, fits the path, cross-validates it with the
# C-index, checks the choice on a test set, and draws the chosen model's survival curves by
# risk group beside the Kaplan-Meier curves of the same patients.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from statsmodels.duration.survfunc import SurvfuncRight

from lassonetpy import assess, cv_lassonet, lassonet, plot_survival
from lassonetpy.datasets import load_gbsg2

QUICK = os.environ.get("LASSONETPY_VIGNETTE_QUICK") == "1"
SETTINGS = dict(hidden=(8,), nlambda=15) if QUICK else dict(hidden=(32,), nlambda=60)
NFOLDS = 5 if QUICK else 10
print("settings:", SETTINGS, "| folds:", NFOLDS)

# %% [markdown]
# ## The data: GBSG2
#
# `load_gbsg2()` is the German Breast Cancer Study Group 2 trial: 686 women with node-positive
# breast cancer, followed for recurrence-free survival (`time` in days, `cens` = 1 for a
# recurrence or death). Eight covariates: hormonal therapy (`horTh`), age, menopausal status,
# tumour size and grade, positive lymph nodes, progesterone and oestrogen receptors. A quarter
# of the women, drawn at random, are kept aside as a test set.

# %%
gbsg = load_gbsg2()
rng = np.random.default_rng(11)
is_test = rng.permutation(len(gbsg)) < len(gbsg) // 4
train, test = gbsg[~is_test], gbsg[is_test]
print(f"training rows: {len(train)} ({int(train['cens'].sum())} events) | test rows: "
      f"{len(test)} ({int(test['cens'].sum())} events)")  # fmt: skip
gbsg.head()

# %% [markdown]
# ## Kaplan-Meier curves
#
# statsmodels' `SurvfuncRight` estimates the survival function of each group without a
# model. Women on hormonal therapy do better, which the model should pick up.

# %%
fig, ax = plt.subplots(figsize=(6.4, 4.2))
for level, rows in train.groupby("horTh", observed=True):
    km = SurvfuncRight(rows["time"], rows["cens"])
    ax.step(np.r_[0, km.surv_times], np.r_[1, km.surv_prob], where="post",
            label=f"hormonal therapy: {level} ({len(rows)})")  # fmt: skip
ax.set_xlabel("days")
ax.set_ylabel("recurrence-free survival")
ax.set_ylim(0, 1.02)
ax.legend(frameon=False)
ax.set_title("Kaplan-Meier, training rows")

# %% [markdown]
# ## The path
#
# The formula reads as in R. Every term is a selection group, so the three levels of `tgrade`
# enter and leave together. There is no intercept: the partial likelihood does not change
# when a constant is added to the risk score, so the null model is a risk score of 0, and
# `%Dev` is measured against its partial likelihood.

# %%
fit = lassonet("Surv(time, cens) ~ .", train, family="cox", seed=0, verbose=False, **SETTINGS)
fit

# %% [markdown]
# The coefficient paths of the skip (linear) layer against log lambda, and the order in which
# the terms leave the model.

# %%
ax = fit.plot(label=True)
ax.set_title("GBSG2: skip-layer coefficients along the path")

# %%
fit.importance()

# %% [markdown]
# ## Cross-validation with the C-index
#
# `cv_lassonet(..., family="cox")` uses the partial-likelihood deviance by default, computed
# per fold the way `cv.glmnet` does (the fold's contribution to the full data's partial
# likelihood, so folds with few events still count). `type_measure="C"` uses Harrell's
# concordance index instead: the share of comparable pairs of patients whose risk scores are
# in the order of their failures (larger is better). Folds are stratified on the event
# indicator, so each holds its share of events.

# %%
cv = cv_lassonet("Surv(time, cens) ~ .", train, family="cox", type_measure="C", nfolds=NFOLDS,
                 seed=0, verbose=False, **SETTINGS)  # fmt: skip
cv

# %%
ax = cv.plot()
ax.set_title(f"GBSG2: {NFOLDS}-fold CV, C-index")

# %% [markdown]
# ## On the test set
#
# `assess` computes every Cox measure on new data: the partial-likelihood deviance per
# observation and the C-index, here at `lambda_min` and `lambda_1se`.

# %%
pd.DataFrame({s: assess(cv, test, s=s) for s in ("lambda_min", "lambda_1se")}).T

# %% [markdown]
# ## Survival curves by risk group
#
# The Breslow estimate of the baseline cumulative hazard `H0(t)` is kept for every fit on the
# path, so `predict(type="survival", times=...)` gives each patient's curve
# `S(t | x) = exp(-H0(t) exp(risk score))`:

# %%
cv.predict(test.head(4), type="survival", times=[365, 730, 1825]).round(3)

# %% [markdown]
# Test patients split into thirds by their predicted risk: for each third, the mean of the
# predicted curves (solid) beside the Kaplan-Meier curve of the same patients (dashed). Where
# the two agree, the model's risk groups are calibrated on data it has not seen.

# %%
risk = cv.predict(test)  # the risk score (link) at lambda_min
groups = pd.qcut(risk, 3, labels=["low risk", "medium risk", "high risk"])
ax = plot_survival(cv, test, groups=groups)
ax.set_title("Test set: predicted survival by risk third vs Kaplan-Meier")

# %% [markdown]
# ## A stratified model
#
# `strata(horTh)` gives each treatment arm its own baseline hazard (the covariates act
# proportionally within each arm) and removes `horTh` from the predictors. Survival curves then
# use the baseline of each patient's stratum.

# %%
fit_s = lassonet("Surv(time, cens) ~ . + strata(horTh)", train, family="cox", seed=0,
                 verbose=False, **SETTINGS)  # fmt: skip
print("terms:", fit_s.term_names)
s_mid = fit_s.lambdas[len(fit_s) // 3]
fit_s.predict(test.head(4), s=s_mid, type="survival", times=[365, 730, 1825]).round(3)

# %% [markdown]
# ## Against the lasso on the same folds
#
# `M = 0` is the Cox lasso (glmnet's coxnet with `alpha = 1` on standardised columns). With
# the same `foldid`, the two cross-validations compare on equal terms.

# %%
cv0 = cv_lassonet("Surv(time, cens) ~ .", train, family="cox", type_measure="C", M=0,
                  foldid=cv.foldid, seed=0, verbose=False, **SETTINGS)  # fmt: skip
pd.DataFrame(
    {
        "CV C-index at lambda_min": [cv.cvm[cv.index_min], cv0.cvm[cv0.index_min]],
        "terms": [int(cv.nzero[cv.index_min]), int(cv0.nzero[cv0.index_min])],
        "test C-index": [assess(cv, test)["C"], assess(cv0, test)["C"]],
    },
    index=["LassoNet (M = 10)", "lasso (M = 0)"],
).round(3)
