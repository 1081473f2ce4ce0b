# %% [markdown]
# # Getting started with lassonetpy
#
# LassoNet (Lemhadri, Ruan, Abraham and Tibshirani, *JMLR* 2021) is a neural network with a
# linear *skip* layer, in which a feature may use the hidden layers only as much as its
# linear coefficient allows: `|W_j| <= M |theta_j|`. With an L1 penalty on `theta`, features
# leave the model altogether, hidden units included, as the penalty `lambda` grows.
# `lassonetpy` fits the whole path of such networks, from the dense fit (`lambda = 0`) until
# no feature is left, and gives it the interface of R's glmnet: a formula on a data frame,
# `print`, `coef`, `predict(s=...)` and `plot`.
#
# This vignette fits a regression path on the Boston housing data and reads it.
# (Set `LASSONETPY_VIGNETTE_QUICK=1` to run it with a tiny network, as the tests do.)

# %%
import os
import tempfile

import numpy as np
import pandas as pd

import lassonetpy
from lassonetpy import lassonet
from lassonetpy.datasets import load_boston

QUICK = os.environ.get("LASSONETPY_VIGNETTE_QUICK") == "1"
SETTINGS = dict(hidden=(8,), nlambda=20) if QUICK else dict(hidden=(100,), nlambda=100)
print("lassonetpy", lassonetpy.__version__, "| settings:", SETTINGS)

# %% [markdown]
# ## The data: a factor and missing values
#
# `load_boston()` returns the 506 Boston census tracts (the `black` column is removed, see
# the dataset's docstring). To show how factors and missing values are handled we make two
# factors from numeric codes, `chas` (the tract bounds the Charles River) and `rad` (an index
# of access to radial highways, 9 levels), and, since these data have no missing values, we
# blank out 20 values of `ptratio` and 10 of `lstat` at random.

# %%
df = load_boston()
df["chas"] = df["chas"].map({0: "no", 1: "yes"})
df["rad"] = pd.Categorical(df["rad"])
rng = np.random.default_rng(1)
df.loc[rng.choice(len(df), 20, replace=False), "ptratio"] = np.nan
df.loc[rng.choice(len(df), 10, replace=False), "lstat"] = np.nan
print(df.dtypes.value_counts().to_string())
print("rows with a missing value:", int(df.isna().any(axis=1).sum()))
df.head()

# %% [markdown]
# ## Fitting the path
#
# `lassonet(formula, data, family)` reads the formula with formulaic. `"medv ~ ."` means
# every other column. Non-numeric columns are factors, coded with **every** level (no
# baseline level, as glmnetUtils does), and a factor's columns form one group: they enter
# and leave the model together, so `Df` counts *terms*, not columns. Rows with a missing
# value in a variable of the formula are dropped, as R's `na.omit` does, and the count is
# reported. The data frame itself is never modified.
#
# Columns are standardised internally (`standardize=True`), and everything reported
# (coefficients, lambdas, predictions) is on the original scale. `seed` makes the fit
# reproducible; `verbose=False` turns off the progress bar.

# %%
fit = lassonet("medv ~ .", df, seed=0, verbose=False, **SETTINGS)
print("rows used:", fit.n_obs, "| dropped for NA:", fit.n_dropped)
print("terms:", fit.term_names)
print("columns:", len(fit.column_names), "e.g.", fit.column_names[7:11])

# %% [markdown]
# ## Printing the path
#
# The table is glmnet's: for every lambda, `Df` (terms selected) and `%Dev` (the percentage
# of the null deviance explained on the training rows). Row 0 is the dense fit. The lambda
# is on glmnet's scale: the loss is `RSS / (2n)` and the penalty `lambda * sum_j |theta_j|`
# (for the linear part; a group of `k` columns is penalised by `sqrt(k)` times its
# Euclidean norm). A network holds on to its features longer than a linear model would,
# so the lambdas reach higher than a lasso's.

# %%
fit

# %% [markdown]
# `summary()` gives a shorter report: the data, the selected terms at a few points of the
# path, and how the training went.

# %%
print(fit.summary())

# %% [markdown]
# ## Coefficients and selected terms
#
# `coef(s=...)` returns the skip-layer (linear) coefficients on the original scale, one
# column per requested fit, labelled `s<i>` by the path index. `s` is a lambda, which snaps
# to the nearest fitted lambda (networks are never interpolated); `df=k` picks the fit with
# the most terms not exceeding `k`, which is how the paper reports "k selected features".
# These coefficients describe only the linear part of the model: the network adds nonlinear
# effects of the same features on top.

# %%
fit.coef(df=[3, 6, 12]).round(3)

# %%
print("3 terms:", fit.nonzero(df=3))
print("6 terms:", fit.nonzero(df=6))

# %% [markdown]
# `importance()` gives, for every term, the lambda at which it leaves the path for good:
# the later it leaves, the more the model needs it.

# %%
fit.importance()

# %% [markdown]
# ## Predicting
#
# `predict(newdata, s=..., df=...)` replays the formula on new data: factor levels are
# matched with the training levels (an unseen level is an error, never a silent zero) and
# the result keeps the row index of `newdata`. Without `s` or `df` you get every fit of the
# path. Prediction never drops rows, so rows with missing values must be completed or
# removed first.

# %%
new = df.dropna().sample(5, random_state=0)
pd.DataFrame(
    {
        "medv": new["medv"],
        "dense": fit.predict(new, s=0),
        "6 terms": fit.predict(new, df=6),
        "3 terms": fit.predict(new, df=3),
    }
).round(2)

# %% [markdown]
# ## Plots
#
# `plot()` draws the coefficient paths against log lambda, like glmnet's `plot.glmnet`, with
# the number of selected terms on the top axis. Lines share a colour within a term (the
# nine `rad` columns, for instance). The dense fit has lambda = 0 and sits at the left edge,
# joined to the path by dotted lines.

# %%
ax = fit.plot(label=True)
_ = ax.set_title("Boston: LassoNet coefficient paths")

# %% [markdown]
# The skip coefficients shrink long before a term leaves the model: the network keeps
# using a term while its linear coefficient is already small, so most curves above sit in
# a flat band near zero and one cannot see where terms leave. `yvar="importance"` draws
# instead each term's whole first-layer footprint, `||theta_g|| + ||W0_g||`, as a share of
# its largest value on the path: every curve falls to zero exactly where its term leaves.
# A dot on the axis marks each exit (the lambda of `importance()`), and the names stand
# above the plot at their exits. (With many terms, `label=k` names only the last `k` to
# leave.)

# %%
ax = fit.plot(yvar="importance", label=True)

# %% [markdown]
# `plot_importance()` draws `importance()` as bars on a log-lambda axis. (`plot` also takes
# `xvar="norm"` or `xvar="dev"` for the L1 norm or the fraction of deviance explained on
# the x axis.)

# %%
ax = fit.plot_importance()

# %% [markdown]
# ## M = 0 is the lasso
#
# The hierarchy multiplier `M` bounds how much the network may use a feature relative to
# its linear coefficient. `M = 0` switches the network off: the path is the (group) lasso
# path, and lambda means exactly what it means in glmnet or in scikit-learn's
# `Lasso(alpha=lambda)` on standardised columns. The linear model holds far fewer features
# at a given lambda.

# %%
lasso = lassonet("medv ~ .", df, M=0, seed=0, verbose=False, **SETTINGS)
lam = float(lasso.lambdas[len(lasso) // 3])
print(
    f"at lambda = {lam:.3g}: lasso keeps {len(lasso.nonzero(s=lam))} terms, "
    f"LassoNet (M=10) keeps {len(fit.nonzero(s=lam))}"
)
print(
    "largest lambda on each path:",
    round(float(lasso.lambdas[-1]), 2),
    round(float(fit.lambdas[-1]), 2),
)

# %% [markdown]
# ## Saving and loading
#
# `save()` writes the whole path (every network, the formula spec and the factor levels) to
# one file made of tensors and JSON, with no pickled code; `lassonetpy.load()` restores it,
# and the restored path predicts exactly as the original.

# %%
file = os.path.join(tempfile.mkdtemp(), "boston.lnp")
fit.save(file)
back = lassonetpy.load(file)
print("identical predictions:", bool((back.predict(new) == fit.predict(new)).all().all()))

# %% [markdown]
# ## Where next
#
# - the *cross-validation* vignette chooses lambda with `cv_lassonet` and reports test-set
#   measures with `assess` and `confusion`;
# - the *mice-feature-selection* vignette draws the paper's Figure 1: test accuracy against
#   the number of selected proteins.
