"""Reference methods for the paper's Sections 6-7, written for the comparison (numpy and
scikit-learn only; never imported by lassonetpy): column selections to set against the
unsupervised LassoNet path, their linear reconstruction error, Soft-Impute, and the data.

- ``random_columns``: k columns drawn at random (the floor any selection must beat);
- ``pfa_columns``: principal feature analysis (Lu, Cohen, Zhou and Tian, 2007): rows of the
  first q principal axes clustered by k-means into k clusters, the column nearest to each
  centre kept;
- ``greedy_columns``: correlation-based greedy selection: repeatedly the column whose residual
  is most correlated with the residuals of all the others (summed squared correlations, i.e.
  the largest drop of the linear reconstruction error), residuals then updated;
- ``linear_error`` / ``ols_error``: mean squared error on held-out rows of every column
  (standardised, or only centred for pixels) reconstructed by least squares (tiny ridge)
  from the chosen columns;
- ``soft_impute``: Mazumder, Hastie and Tibshirani (2010), singular value soft-thresholding
  with numpy's SVD, optionally capped at a rank.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_data() -> Path:
    """The shared datasets (``../shared/data`` or ``$LASSONETPY_SHARED_DATA``)."""
    import os

    if DATA.is_dir():
        return DATA
    env = os.environ.get("LASSONETPY_SHARED_DATA")
    if env and Path(env).is_dir():
        return Path(env)
    raise FileNotFoundError(f"{DATA} not found; set LASSONETPY_SHARED_DATA")


def read_idx(path: Path) -> np.ndarray:
    """An MNIST IDX file (gzip) as a uint8 array."""
    with gzip.open(path, "rb") as f:
        b = f.read()
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i : 8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape(dims)


def load_mnist(n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST test set (the paper's 10,000 images) as pixels in [0, 1] and labels."""
    d = shared_data()
    X = read_idx(d / "mnist-t10k-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0
    y = read_idx(d / "mnist-t10k-labels-idx1-ubyte.gz")
    return (X, y) if n is None else (X[:n], y[:n])


def standardise(train: np.ndarray, *others: np.ndarray, scale: bool = True) -> list[np.ndarray]:
    """Centre (and with ``scale`` standardise) on the training rows."""
    mu = train.mean(0)
    sd = train.std(0) if scale else np.ones(train.shape[1])
    sd = np.where(sd > 1e-12, sd, 1.0)
    return [(a - mu) / sd for a in (train, *others)]


def linear_error(
    train: np.ndarray,
    test: np.ndarray,
    cols: np.ndarray | list[int],
    scale: bool = True,
    ridge: float = 1e-2,
) -> float:
    """Held-out MSE of every column (standardised with ``scale``, else centred) reconstructed
    by least squares from ``cols`` (a tiny ridge keeps near-constant columns, e.g. border
    pixels, from blowing up the solve)."""
    Ztr, Zte = standardise(train, test, scale=scale)
    cols = np.asarray(cols, dtype=np.intp)
    if len(cols) == 0:
        return float((Zte**2).mean())
    A = Ztr[:, cols]
    coef = np.linalg.solve(A.T @ A + ridge * np.eye(len(cols)), A.T @ Ztr)
    return float(((Zte[:, cols] @ coef - Zte) ** 2).mean())


def ols_error(train: np.ndarray, test: np.ndarray, cols: np.ndarray | list[int]) -> float:
    """:func:`linear_error` on standardised columns."""
    return linear_error(train, test, cols, scale=True)


def random_columns(d: int, k: int, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(d, size=k, replace=False)


def pfa_columns(
    train: np.ndarray, k: int, q: int | None = None, seed: int = 0, scale: bool = True
) -> np.ndarray:
    """Principal feature analysis: k columns, one per k-means cluster of the loading rows."""
    from sklearn.cluster import KMeans

    (Z,) = standardise(train, scale=scale)
    _, _, Vt = np.linalg.svd(Z, full_matrices=False)
    q = k if q is None else q
    A = Vt[: min(q, Vt.shape[0])].T  # (d, q): row j represents column j
    km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(A)
    out = []
    for c in range(k):
        members = np.flatnonzero(km.labels_ == c)
        dist = ((A[members] - km.cluster_centers_[c]) ** 2).sum(1)
        out.append(int(members[np.argmin(dist)]))
    return np.array(sorted(set(out)))


def greedy_columns(train: np.ndarray, k: int, scale: bool = True) -> np.ndarray:
    """Forward selection by the summed squared correlation of residuals."""
    (R,) = standardise(train, scale=scale)
    chosen: list[int] = []
    for _ in range(k):
        norms = (R * R).sum(0)
        score = np.where(norms > 1e-10, ((R.T @ R) ** 2).sum(1) / np.maximum(norms, 1e-300), -1)
        score[chosen] = -1
        j = int(np.argmax(score))
        chosen.append(j)
        r = R[:, j : j + 1]
        R = R - r @ (r.T @ R) / float((r * r).sum())
    return np.array(chosen)


def soft_impute(
    Z: np.ndarray,
    observed: np.ndarray,
    lam: float,
    rank: int | None = None,
    start: np.ndarray | None = None,
    max_iter: int = 500,
    tol: float = 1e-5,
) -> np.ndarray:
    """Soft-Impute: ``Z_hat = S_lam(P_obs(Z) + P_obs^c(Z_hat))`` until it stops changing
    (singular values soft-thresholded by ``lam``; at most ``rank`` of them kept)."""
    Zh = np.zeros_like(Z) if start is None else start.copy()
    Z0 = np.where(observed, Z, 0.0)
    for _ in range(max_iter):
        U, s, Vt = np.linalg.svd(np.where(observed, Z0, Zh), full_matrices=False)
        s = np.maximum(s - lam, 0.0)
        if rank is not None:
            s[rank:] = 0.0
        new = (U * s) @ Vt
        done = np.linalg.norm(new - Zh) <= tol * max(1.0, np.linalg.norm(Zh))
        Zh = new
        if done:
            break
    return Zh


def soft_impute_cv(
    Z: np.ndarray,
    train: np.ndarray,
    valid: np.ndarray,
    lams: np.ndarray | None = None,
    ranks: tuple[int | None, ...] = (None, 5, 10, 20, 40),
) -> tuple[np.ndarray, dict]:
    """Soft-Impute with the shrinkage and the rank cap chosen on the ``valid`` entries
    (warm starts along decreasing lambda); returns the completion and the choice."""
    if lams is None:
        top = float(np.linalg.svd(np.where(train, Z, 0.0), compute_uv=False)[0])
        lams = top * np.geomspace(0.5, 1e-3, 30)
    best: tuple[float, float, int | None, np.ndarray] | None = None
    for r in ranks:
        Zh = None
        for lam in lams:
            Zh = soft_impute(Z, train, float(lam), rank=r, start=Zh)
            v = float(((Zh - Z)[valid] ** 2).mean())
            if best is None or v < best[0]:
                best = (v, float(lam), r, Zh)
    assert best is not None
    return best[3], {"valid_mse": best[0], "lambda": best[1], "rank": best[2]}
