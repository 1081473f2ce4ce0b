# %% [markdown]
# # Cross-validation and reporting
#
# `cv_lassonet` is glmnet's `cv.glmnet` for LassoNet paths. The full-data fit fixes the
# lambda grid, and each of the `K` fold fits follows the same grid. The full fit and the
# folds are trained together, as one batch of `K + 1` networks. For every lambda, the error
# on each held-out fold gives `cvm` (the mean over folds) and `cvsd` (its standard error).
# glmnet's two rules then choose a lambda: `lambda_min` minimises `cvm`, and `lambda_1se` is
# the largest lambda whose `cvm` is within one standard error of that minimum (a sparser
# model that is statistically as good).
#
# This vignette cross-validates a spam classifier, checks the choice on a held-out test set
# with `assess` and `confusion`, and then compares LassoNet with the lasso on the same folds.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from lassonetpy import assess, confusion, cv_lassonet
from lassonetpy.datasets import load_boston, load_spam

QUICK = os.environ.get("LASSONETPY_VIGNETTE_QUICK") == "1"
SPAM = dict(hidden=(8,), nlambda=15, nfolds=5) if QUICK else dict(hidden=(32,), nlambda=50)
BOSTON = dict(hidden=(8,), nlambda=20) if QUICK else dict(hidden=(100,), nlambda=100)
print("spam settings:", SPAM, "| Boston settings:", BOSTON)

# %% [markdown]
# ## Spam: a training set and a test set
#
# `load_spam()` has 4601 e-mails, 57 word, character and capital-letter frequencies, and the
# class `type` (`nonspam` / `spam`). We keep a quarter of each class aside as a test set.

# %%
spam = load_spam()
rng = np.random.default_rng(2021)
is_test = np.zeros(len(spam), dtype=bool)
for _, rows in spam.groupby("type", observed=True).indices.items():
    is_test[rng.choice(rows, size=len(rows) // 4, replace=False)] = True
train, test = spam[~is_test], spam[is_test]
if QUICK:  # a smaller training set keeps the test run short
    train = train.sample(1000, random_state=0)
print("training rows:", len(train), "| test rows:", len(test))
print(train["type"].value_counts().to_string())

# %% [markdown]
# ## Cross-validating the path
#
# Folds are stratified by class for binomial and multinomial fits. The default measure is
# the deviance; `type_measure` also takes `"class"` (misclassification), `"auc"`, `"mse"` and
# `"mae"`. `seed` fixes the folds and the networks. Printing the result gives glmnet's table:
# the two chosen lambdas, their path index, the CV error with its standard error, and the
# number of terms selected by the full-data fit.

# %%
cv = cv_lassonet("type ~ .", train, family="binomial", seed=0, verbose=False, **SPAM)
cv

# %% [markdown]
# `plot()` is glmnet's `plot.cv.glmnet`: the CV error with one-standard-error bars against
# log lambda, the number of selected terms on the top axis, and dotted lines at
# `lambda_min` (left) and `lambda_1se` (right). The dense fit, lambda = 0, cannot sit on a
# log axis; it is the diamond at the left.

# %%
ax = cv.plot()
_ = ax.set_title("Spam: 10-fold CV" if not QUICK else "Spam: 5-fold CV (quick settings)")

# %% [markdown]
# The chosen lambdas, and what they select. `nonzero`, `coef` and `predict` accept
# `s="lambda_min"` or `s="lambda_1se"` (R's spellings `"lambda.min"` / `"lambda.1se"` work
# too); `coef` defaults to `lambda_1se` and `predict` to `lambda_min`.

# %%
print(
    f"lambda_min = {cv.lambda_min:.4g} (index {cv.index_min}, {int(cv.nzero[cv.index_min])} terms)"
)
print(
    f"lambda_1se = {cv.lambda_1se:.4g} (index {cv.index_1se}, {int(cv.nzero[cv.index_1se])} terms)"
)
dropped = sorted(set(cv.path.term_names) - set(cv.nonzero("lambda_1se")))
print("left out at lambda_1se:", ", ".join(dropped) if dropped else "(none)")

# %% [markdown]
# Which terms matter most? `coef("lambda_1se")` gives the skip-layer coefficients, but in
# a LassoNet these are only the linear part of the model: the hidden layer carries much of
# each feature's effect, so a skip coefficient's size (even its sign) need not match the
# feature's overall effect. The order in which terms leave the path is a better guide: the
# ten terms that stay longest are

# %%
cv.path.importance().head(10).to_frame("lambda at which the term leaves")

# %% [markdown]
# ## Checking the choice on the test set
#
# `assess(fit, newdata, s=)` computes every measure that suits the family on new data, as
# glmnet's `assess.glmnet` does. For a binomial fit these are the deviance, the
# misclassification rate, the AUC, and the mean squared and absolute errors of the
# probabilities. `confusion` gives the confusion table.

# %%
report = pd.DataFrame({s: assess(cv, test, s=s) for s in ("lambda_min", "lambda_1se")})
report.loc["terms"] = [cv.nzero[cv.index_min], cv.nzero[cv.index_1se]]
report.round(4)

# %%
tab = confusion(cv, test, s="lambda_1se")
print(tab)
print(f"percent correct: {100 * tab.attrs['percent_correct']:.1f}%")

# %% [markdown]
# `assess` on the path itself (`cv.path`) without `s` measures every lambda. Drawing the
# test misclassification next to the CV curve shows whether CV picked a sensible region.
# Both curves use the same data splits as above; the test error comes from the 1150 rows
# that no fit has seen.

# %%
cv_class = cv_lassonet(
    "type ~ .",
    train,
    family="binomial",
    type_measure="class",
    foldid=cv.foldid,
    seed=0,
    verbose=False,
    **{k: v for k, v in SPAM.items() if k != "nfolds"},
)
along = assess(cv_class.path, test)
x = np.log(np.where(cv_class.lambdas > 0, cv_class.lambdas, np.nan))
fig, ax = plt.subplots(figsize=(7, 4))
ax.errorbar(
    x,
    cv_class.cvm,
    yerr=cv_class.cvsd,
    fmt="o",
    ms=3,
    color="tab:red",
    ecolor="0.7",
    label="10-fold CV (training rows)" if not QUICK else "CV",
)
ax.plot(x, along["class"].to_numpy(), "-", color="tab:blue", label="test set")
ax.axvline(np.log(cv_class.lambda_min), ls=":", color="0.3")
ax.axvline(np.log(cv_class.lambda_1se), ls=":", color="0.3")
ax.set_xlabel("log(Lambda)")
ax.set_ylabel("Misclassification error")
ax.set_title("Spam: CV error and test error along the path")
ax.legend()
print(
    f"CV picks {int(cv_class.nzero[cv_class.index_min])} terms at lambda_min; "
    f"test error there {along['class'].iloc[cv_class.index_min]:.4f}; "
    f"best test error on the path {along['class'].min():.4f}"
)

# %% [markdown]
# ## LassoNet or the lasso? Compare on the same folds
#
# `foldid` gives every model the same folds, so their CV curves can be compared point by
# point. Here the Boston housing regression: LassoNet with the default hierarchy multiplier
# `M = 10` against `M = 0`, which turns the network off and gives the lasso. Lambdas are on
# different scales for the two models (the network keeps features at larger lambdas), so
# we compare the curves against the number of terms selected.

# %%
boston = load_boston()
cv_net = cv_lassonet("medv ~ .", boston, seed=1, verbose=False, **BOSTON)
cv_lasso = cv_lassonet(
    "medv ~ .", boston, M=0, foldid=cv_net.foldid, seed=1, verbose=False, **BOSTON
)
summary = pd.DataFrame(
    {
        name: {
            "CV MSE at lambda_min": c.cvm[c.index_min],
            "SE": c.cvsd[c.index_min],
            "terms at lambda_min": int(c.nzero[c.index_min]),
            "CV MSE at lambda_1se": c.cvm[c.index_1se],
            "terms at lambda_1se": int(c.nzero[c.index_1se]),
        }
        for name, c in (("LassoNet (M=10)", cv_net), ("lasso (M=0)", cv_lasso))
    }
)
summary.round(3)

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for name, c, colour in (
    ("LassoNet (M=10)", cv_net, "tab:red"),
    ("lasso (M=0)", cv_lasso, "tab:blue"),
):
    best = pd.DataFrame({"terms": c.nzero, "cvm": c.cvm}).groupby("terms")["cvm"].min()
    ax.plot(best.index, best.to_numpy(), "o-", ms=4, color=colour, label=name)
ax.set_xlabel("Terms selected")
ax.set_ylabel("CV mean squared error (best at that size)")
ax.set_title("Boston: LassoNet and the lasso on the same folds")
_ = ax.legend()

# %% [markdown]
# With one to three terms the two models are about equally good; from there on the
# network's nonlinear use of the same features pays off, and its CV error falls well below
# the lasso's.
#
# ## Reporting
#
# A short, complete report of a cross-validated fit states the data (rows used and
# dropped), the model (family, hidden layers, `M`), the folds (`K`, stratified or given by
# `foldid`, and the seed), the measure, both chosen lambdas with their CV error, standard
# error and number of terms, and the test-set measures if a test set was kept apart. All of
# it is on the objects:

# %%
c = cv
print(
    f"{c.path.family} LassoNet, hidden={c.path.settings['hidden']}, "
    f"M={c.path.settings['M']:g}; {c.path.n_obs} rows ({c.path.n_dropped} dropped for NA)"
)
print(
    f"{c.nfolds}-fold CV, {c.measure_name}: lambda_min = {c.lambda_min:.4g} "
    f"(CV {c.cvm[c.index_min]:.4f} +- {c.cvsd[c.index_min]:.4f}, "
    f"{int(c.nzero[c.index_min])} terms); lambda_1se = {c.lambda_1se:.4g} "
    f"(CV {c.cvm[c.index_1se]:.4f} +- {c.cvsd[c.index_1se]:.4f}, "
    f"{int(c.nzero[c.index_1se])} terms)"
)
a = assess(c, test, s="lambda_1se")
print(
    f"test set ({len(test)} rows) at lambda_1se: misclassification {a['class']:.4f}, "
    f"AUC {a['auc']:.4f}"
)
print(f"training time: {c.timing['total']:.1f} s for {c.nfolds + 1} networks trained together")
