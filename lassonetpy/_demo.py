"""``lassonetpy demo``: cross-validated LassoNet on the bundled MICE protein data.

The protocol, chosen to give an honest held-out accuracy:

* **Split by mouse.** The 1080 rows are 72 mice measured 15 times each, and every mouse has a
  single class. A random split of rows puts replicates of the same mouse on both sides and
  inflates the test accuracy, so 20% of the mice of each class (15 mice, 2 per class except
  one) form the test set, drawn with a fixed seed.
* **Folds by mouse.** For the same reason the 10 CV folds are made of whole training mice,
  stratified by class, and passed to :func:`~lassonetpy.cv.cv_lassonet` as ``foldid``.
* **Missing values** (1396 cells in 49 proteins; dropping incomplete rows would lose 528 of
  the 1080) are filled with the training-column means, computed on the training mice only and
  applied to both sets. (The LassoNet paper fills with class means, which cannot be applied to
  a test set whose classes are unknown.)
* ``class ~ .`` on the 77 proteins (MouseID, Genotype, Treatment and Behavior are left out:
  the last three spell out the class).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["run_demo", "mouse_split", "mouse_folds", "impute_means", "mice_data"]


def mice_data() -> tuple[pd.DataFrame, np.ndarray]:
    """The 77 proteins and ``class`` of the bundled MICE data, and the mouse of each row."""
    from .datasets import load_mice_protein, mice_protein_features

    raw = load_mice_protein()
    mouse = raw["MouseID"].str.rsplit("_", n=1).str[0].to_numpy()
    return raw[[*mice_protein_features(), "class"]], mouse


def mouse_split(classes: Any, mouse: Any, test_frac: float = 0.2, seed: int = 0) -> np.ndarray:
    """Boolean test mask: ``test_frac`` of the mice of each class (at least one), all rows.

    Parameters
    ----------
    classes, mouse : array-like of shape (n,)
        Class label and mouse id of each row (a mouse has one class).
    test_frac : float
        Fraction of the mice of each class in the test set.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    ndarray of bool, shape (n,)

    Examples
    --------
    >>> cls = np.repeat(["a", "a", "b", "b", "b"], 3)
    >>> mouse = np.repeat(["m1", "m2", "m3", "m4", "m5"], 3)
    >>> int(mouse_split(cls, mouse, 0.2, seed=0).sum())
    6
    """
    rng = np.random.default_rng(seed)
    cls = pd.Series(np.asarray(classes, dtype=str))
    ms = pd.Series(np.asarray(mouse, dtype=str))
    per_mouse = pd.DataFrame({"c": cls, "m": ms}).drop_duplicates("m")
    test: list[str] = []
    for _, g in per_mouse.groupby("c", sort=True):
        mice = np.sort(g["m"].to_numpy())
        k = max(1, int(round(test_frac * len(mice))))
        test += list(rng.choice(mice, size=k, replace=False))
    return ms.isin(test).to_numpy()


def mouse_folds(classes: Any, mouse: Any, nfolds: int = 10, seed: int = 0) -> np.ndarray:
    """Fold labels 1..nfolds per row, whole mice per fold, mice of each class spread evenly.

    Parameters
    ----------
    classes, mouse : array-like of shape (n,)
        Class label and mouse id of each row.
    nfolds : int
        Number of folds (at most the number of mice).
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    ndarray of int, shape (n,)

    Examples
    --------
    >>> cls = np.repeat(["a", "a", "b", "b"], 2)
    >>> mouse = np.repeat(["m1", "m2", "m3", "m4"], 2)
    >>> f = mouse_folds(cls, mouse, nfolds=2, seed=0)
    >>> sorted(set(f.tolist())), bool((f[::2] == f[1::2]).all())
    ([1, 2], True)
    """
    rng = np.random.default_rng(seed)
    cls = np.asarray(classes, dtype=str)
    ms = np.asarray(mouse, dtype=str)
    per_mouse = pd.DataFrame({"c": cls, "m": ms}).drop_duplicates("m")
    fold_of: dict[str, int] = {}
    start = 0
    for _, g in per_mouse.groupby("c", sort=True):
        mice = rng.permutation(np.sort(g["m"].to_numpy()))
        for k, m in enumerate(mice):  # continue the round-robin across classes
            fold_of[m] = (start + k) % nfolds + 1
        start += len(mice)
    return np.array([fold_of[m] for m in ms])


def impute_means(
    train: pd.DataFrame, test: pd.DataFrame, columns: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill NA in ``columns`` of both frames with the training means (new frames returned)."""
    means = train[columns].mean()
    return (train.fillna(means), test.fillna(means))


def _accuracy(pred: Any, truth: Any) -> float:
    return float(np.mean(np.asarray(pred, dtype=str) == np.asarray(truth, dtype=str)))


def _wrap(names: list[str], width: int = 92, indent: str = "  ") -> str:
    lines, cur = [], indent
    for n in names:
        add = n if cur == indent else ", " + n
        if len(cur) + len(add) > width:
            lines.append(cur + ",")
            cur = indent + n
        else:
            cur += add
    lines.append(cur)
    return "\n".join(lines)


def run_demo(
    out: str | Path | None = "lassonetpy-demo",
    quick: bool = False,
    seed: int = 0,
    nfolds: int | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """Run the demo, print its report on stdout and write ``path.png`` and ``cv.png``.

    Parameters
    ----------
    out : str or Path, optional
        Directory for the plots (created); None writes nothing.
    quick : bool
        Smaller settings (hidden (16,), 30 lambdas, 5 folds): seconds instead of a minute.
    seed : int
        Seed of the split, the folds and the networks.
    nfolds : int, optional
        Number of CV folds (default 10, or 5 when ``quick``).
    verbose : bool
        Show the progress bar (stderr).

    Returns
    -------
    dict
        The numbers of the report (accuracies, lambdas, selected proteins, file names).
    """
    from .cv import cv_lassonet
    from .datasets import mice_protein_features

    t0 = time.perf_counter()
    hidden = (16,) if quick else (100,)
    nlambda = 30 if quick else 100
    nfolds = nfolds or (5 if quick else 10)
    data, mouse = mice_data()
    proteins = mice_protein_features()
    is_test = mouse_split(data["class"], mouse, 0.2, seed=seed)
    train, test = impute_means(data[~is_test], data[is_test], proteins)
    m_train = mouse[~is_test]
    foldid = mouse_folds(train["class"], m_train, nfolds, seed=seed)
    n_na = int(data[proteins].isna().sum().sum())

    print("lassonetpy demo: MICE protein expression (bundled with the package)")
    print(
        f"  {len(data)} rows = {len(set(mouse))} mice x 15 replicates; 77 proteins; "
        f"8 classes (genotype x behaviour x treatment)"
    )
    print(
        f"  test set: {len(set(mouse[is_test]))} mice ({int(is_test.sum())} rows), 20% of "
        f"the mice of each class (seed {seed}); training: {len(set(m_train))} mice "
        f"({len(train)} rows)"
    )
    print(f"  missing values: {n_na} cells, filled with the training-column means")
    print(
        f'  cv_lassonet("class ~ .", family="multinomial", hidden={hidden}, M=10, '
        f"nlambda={nlambda}) with {nfolds} folds of whole mice"
    )
    print(flush=True)

    cvfit = cv_lassonet(
        "class ~ .",
        train,
        family="multinomial",
        foldid=foldid,
        hidden=hidden,
        nlambda=nlambda,
        seed=seed,
        verbose=verbose,
    )
    path = cvfit.path
    sys.stderr.flush()
    print(cvfit)
    print()

    chosen: dict[str, dict[str, Any]] = {}
    for key in ("lambda_min", "lambda_1se"):
        lam = float(getattr(cvfit, key))
        sel = [str(t) for t in path.nonzero(s=lam)]
        acc = _accuracy(cvfit.predict(test, s=key, type="class"), test["class"])
        chosen[key] = {"lambda": lam, "selected": sel, "test_accuracy": acc}
    acc_dense = _accuracy(path.predict(test, s=0, type="class"), test["class"])
    lmin, l1se = chosen["lambda_min"], chosen["lambda_1se"]
    print(
        f"Chosen lambda (1-SE rule): lambda_1se = {l1se['lambda']:.4g}, "
        f"{len(l1se['selected'])} of 77 proteins   "
        f"(lambda_min = {lmin['lambda']:.4g}, {len(lmin['selected'])} proteins)"
    )
    print()
    print(f"Selected proteins at lambda_1se ({len(l1se['selected'])}), most important first:")
    imp = path.importance()
    ranked = [t for t in imp.index if t in set(l1se["selected"])]
    print(_wrap(ranked))
    print()
    n_test, k_test = int(is_test.sum()), len(set(mouse[is_test]))
    print(f"Held-out accuracy ({n_test} rows of {k_test} mice never seen in training):")
    rows = [
        ("dense fit (lambda = 0)", 77, acc_dense),
        ("lambda_min", len(lmin["selected"]), lmin["test_accuracy"]),
        ("lambda_1se", len(l1se["selected"]), l1se["test_accuracy"]),
    ]
    for name, k, acc in rows:
        print(f"  {name:<24} {k:>3} proteins   accuracy {acc:.3f}")

    files: list[str] = []
    if out is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        d = Path(out)
        d.mkdir(parents=True, exist_ok=True)
        ax = path.plot()
        ax.set_title("LassoNet path, MICE protein (training mice)", fontsize=10)
        ax.figure.savefig(d / "path.png", dpi=120, bbox_inches="tight")
        plt.close(ax.figure)
        ax = cvfit.plot()
        ax.set_title(f"{nfolds}-fold CV by mouse, MICE protein", fontsize=10)
        ax.figure.savefig(d / "cv.png", dpi=120, bbox_inches="tight")
        plt.close(ax.figure)
        files = [str(d / "path.png"), str(d / "cv.png")]
        print()
        print(f"Wrote {files[0]} and {files[1]}")
    elapsed = time.perf_counter() - t0
    print(f"Done in {elapsed:.0f} s.")
    return {
        "chosen": chosen,
        "test_accuracy_dense": acc_dense,
        "files": files,
        "n_test": n_test,
        "seconds": elapsed,
    }
