# %% [markdown]
# # Unsupervised feature selection: which pixels reconstruct a digit?
#
# Section 6 of the LassoNet paper (Lemhadri et al., 2021) drops the response: a *decoder*
# network reconstructs every column of the data from the columns it selects, and the group
# penalty (Group-Hier-Prox, the paper's Alg. 4) removes a column from the reconstruction of
# all the others at once. The path then runs from the dense decoder, which sees every column,
# to the empty one, which predicts every column by its mean. Each point is a set of columns
# you could measure, and everything else is reconstructed from them.
#
# In lassonetpy this is a formula without a left-hand side, `lassonet("~ .", data)`, or
# `lassonet(X=X)` with no `y`. The result is an ordinary `LassoNetPath`. This vignette uses
# the MNIST images, as the paper's Figures 6-9 do: which pixels, and how well do the
# selected ones reconstruct a held-out digit?

# %%
import gzip
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from lassonetpy import lassonet

QUICK = os.environ.get("LASSONETPY_VIGNETTE_QUICK") == "1"
# quick: 14 x 14 images (means of 2 x 2 pixels), few of them, a tiny network
N_TRAIN, SIDE = (600, 14) if QUICK else (2000, 28)
SETTINGS = dict(hidden=(8,)) if QUICK else dict(hidden=(32,))
print("training images:", N_TRAIN, "| image side:", SIDE, "| settings:", SETTINGS)


# %% [markdown]
# ## The data
#
# The 10,000 MNIST test images (the set the paper uses) live in the shared data folder next to
# the repository (`../shared/data`, or the folder named by `LASSONETPY_SHARED_DATA`); nothing
# is downloaded. Pixels are kept in their units (0 to 1, not standardised): they are
# comparable already, and standardising would give the near-empty border pixels, which are
# almost always 0, as much weight as the centre. `standardize=False` keeps them as they are.


# %%
def shared_data() -> Path:
    here = Path(globals().get("__file__", Path.cwd() / "vignette.py")).resolve().parent
    env = os.environ.get("LASSONETPY_SHARED_DATA")
    for cand in (env, here.parents[1] / "shared" / "data", Path.cwd().parent / "shared" / "data"):
        if cand and (Path(cand) / "mnist-t10k-images-idx3-ubyte.gz").exists():
            return Path(cand)
    raise FileNotFoundError(
        "MNIST not found: set LASSONETPY_SHARED_DATA to the folder holding "
        "mnist-t10k-images-idx3-ubyte.gz"
    )


def read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        b = f.read()
    dims = [int.from_bytes(b[4 + 4 * i : 8 + 4 * i], "big") for i in range(b[3])]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * b[3]).reshape(dims)


images = read_idx(shared_data() / "mnist-t10k-images-idx3-ubyte.gz") / 255.0
labels = read_idx(shared_data() / "mnist-t10k-labels-idx1-ubyte.gz")
if SIDE == 14:
    images = images.reshape(-1, 14, 2, 14, 2).mean((2, 4))
X = images.reshape(len(images), -1)
X_train, X_test, y_test = X[:N_TRAIN], X[8000:], labels[8000:]
print(f"{X_train.shape[0]} training images, {X_test.shape[0]} held out, {X.shape[1]} pixels")

# %% [markdown]
# ## The path
#
# No `y`: `lassonet` fits the unsupervised path (family `reconstruction`). The table `print`
# shows (`Df`, `%Var`, `Lambda`) has one row per lambda, so for 784 columns `summary()` is
# the better overview. `%Var` is the share of the pixels' total variance that the
# reconstruction explains on the training images.

# %%
fit = lassonet(X=X_train, standardize=False, seed=0, verbose=False, **SETTINGS)
fit.summary()

# %% [markdown]
# Explained variance against the number of pixels the decoder reads:

# %%
fig, ax = plt.subplots(figsize=(5.5, 3.5))
ax.plot(fit.n_features, 100 * fit.dev_ratio, "o-", ms=3)
ax.set_xscale("symlog", linthresh=10)
ax.set_xlabel("pixels selected")
ax.set_ylabel("% of the variance explained (training)")
ax.set_title("The unsupervised path on MNIST")
ax.grid(alpha=0.3)

# %% [markdown]
# ## Which pixels?
#
# `plot_selected` draws the pixels of one fit over the mean image. `df=50` is the fit with
# the most pixels not exceeding 50. The selected pixels spread over the area where strokes
# vary most; the empty border never enters.

# %%
k50 = int(fit.df[fit.df <= 50].max())
fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
for ax, k in zip(axes, (10, 25, 50), strict=True):
    fit.plot_selected(df=k, shape=(SIDE, SIDE), ax=ax)
fig.tight_layout()

# %% [markdown]
# ## Reconstructions from the selected pixels
#
# The penalty that removes pixels also shrinks the decoder at that point of the path, so the
# path's own network reconstructs poorly where few pixels are left. `relax` refits the decoder
# without penalty on the selected pixels alone (the paper retrains its networks the same
# way). Below, the paper's Figure 6: held-out digits beside their reconstructions from
# the refitted decoder. Each reconstruction reads only the pixels marked in red.

# %%
rf = fit.relax(df=k50)
rf

# %%
pick = np.concatenate([np.flatnonzero(y_test == c)[:1] for c in range(10)])[:9]
axes = rf.plot_reconstruction(X_test[pick], df=k50, shape=(SIDE, SIDE), ncols=3)

# %% [markdown]
# ## Better than chance?
#
# The held-out mean squared error (pixel units) of three reconstructions from the same number
# of pixels: the path's own network, the refitted decoder, and a least-squares decoder from
# LassoNet's pixels, from random pixels (median of 20 draws) and from principal feature
# analysis (PFA: the pixels nearest the centres of a k-means clustering of the principal
# axes' loadings), which is a strong classical baseline.


# %%
def linear_mse(cols: np.ndarray) -> float:
    mu = X_train.mean(0)
    A = X_train[:, cols] - mu[cols]
    coef = np.linalg.solve(A.T @ A + 1e-2 * np.eye(len(cols)), A.T @ (X_train - mu))
    pred = (X_test[:, cols] - mu[cols]) @ coef + mu
    return float(((pred - X_test) ** 2).mean())


def pfa(k: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    _, _, Vt = np.linalg.svd(X_train - X_train.mean(0), full_matrices=False)
    A = Vt[:k].T
    km = KMeans(n_clusters=k, n_init=4, random_state=0).fit(A)
    dist = ((A - km.cluster_centers_[km.labels_]) ** 2).sum(1)
    return np.array([np.flatnonzero(km.labels_ == c)[np.argmin(dist[km.labels_ == c])]
                     for c in range(k)])  # fmt: skip


rng = np.random.default_rng(1)
rows = {}
for k in sorted({int(v) for v in fit.df if 10 <= v <= 50}):
    i = int(np.flatnonzero(fit.df == k)[0])
    rows[k] = {
        "path network": float(((fit.predict(X_test, s=fit.lambdas[i]) - X_test) ** 2).mean()),
        "linear, LassoNet pixels": linear_mse(np.flatnonzero(fit.selected[i])),
        "linear, random pixels": np.median(
            [linear_mse(rng.choice(X.shape[1], k, replace=False)) for _ in range(20)]
        ),
        "linear, PFA pixels": linear_mse(pfa(k)),
    }
rows[k50]["refitted decoder"] = float(((rf.predict(X_test, df=k50) - X_test) ** 2).mean())
pd.DataFrame(rows).T.rename_axis("pixels").round(4)

# %% [markdown]
# ## What the numbers say
#
# The numbers quoted here come from the full rendering (28 x 28 pixels, 2000 training images,
# hidden layer of 32, seed 0; `bench/bench_paper2.py` has more seeds and data). Quick
# settings give other numbers.
#
# - LassoNet's pixels beat random pixels: with the same least-squares decoder, their held-out
#   error is lower at every number of pixels between 10 and 50 on the path.
# - They do not beat principal feature analysis: PFA's pixels reconstruct better still. The
#   group penalty shrinks the whole decoder while it removes columns, and the columns left
#   when few remain are the ones that were cheapest to keep under that shrinkage, not the
#   best set (the unsupervised LassoNet behaves here like the other group-lasso
#   autoencoders that Abid, Balin and Zou, 2019, compare with PFA). On the MICE protein data
#   the effect is stronger: the unsupervised path keeps groups of correlated proteins, and its
#   columns reconstruct no better than random ones (BENCHMARKS.md).
# - The path's own network is far behind both, because of that shrinkage; the refitted
#   decoder (`relax`) removes it and gives the reconstructions of the figure.
