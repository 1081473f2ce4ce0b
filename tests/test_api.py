"""End-to-end tests of ``lassonet()`` and ``LassoNetPath`` on real data.

Run: ``OMP_NUM_THREADS=1 python -m pytest tests/test_api.py -q``.
Expectations come from facts computed independently of the package: deviances recomputed
from predictions with numpy, NA counts from pandas, scikit-learn's Lasso at ``M = 0``, row
duplication for integer weights, a shifted response for offsets.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import lassonetpy
from lassonetpy import LassoNetPath, datasets, lassonet, load
from lassonetpy.errors import (
    FamilyError,
    FormulaError,
    InputError,
    InputTypeError,
    NotOnPathError,
    ResponseError,
)

SMALL = dict(hidden=(8,), nlambda=10, seed=0, verbose=False)


# --------------------------------------------------------------------------- data per family
def _with_na(df: pd.DataFrame, col: str, rows: list[int]) -> pd.DataFrame:
    out = df.copy()
    out.loc[out.index[rows], col] = np.nan
    return out


@pytest.fixture(scope="module")
def frames(shared_data) -> dict[str, tuple[str, pd.DataFrame, str]]:
    """(formula, frame with factors and NA, family) per family."""
    rng = np.random.default_rng(1)
    boston = pd.read_csv(shared_data / "boston.csv").drop(columns="black")
    boston["chas"] = boston["chas"].map({0: "no", 1: "river"})
    boston = _with_na(boston, "crim", [2, 50, 300])
    sonar = pd.read_csv(shared_data / "sonar.csv")[[f"V{j}" for j in range(1, 21)] + ["Class"]]
    sonar["batch"] = rng.choice(["a", "b", "c"], size=len(sonar))
    sonar = _with_na(sonar, "V3", [0, 10])
    mice = datasets.load_mice_protein()
    mice = mice[["class", "Behavior", *datasets.MICE_PROTEIN_FEATURES[:12], "BCL2_N"]]
    dv = pd.read_csv(shared_data / "doctorvisits.csv").iloc[:1500]
    dv = _with_na(dv, "age", [5, 6, 7, 8])
    return {
        "gaussian": ("medv ~ .", boston, "gaussian"),
        "binomial": ("Class ~ .", sonar, "binomial"),
        "multinomial": ("class ~ .", mice, "multinomial"),
        "poisson": ("visits ~ .", dv, "poisson"),
        "mgaussian": ("medv + rm ~ .", boston, "mgaussian"),
    }


@pytest.fixture(scope="module")
def fits(frames) -> dict[str, LassoNetPath]:
    out = {}
    for fam, (formula, df, family) in frames.items():
        before = df.copy()
        out[fam] = lassonet(formula, df, family, **SMALL)
        pd.testing.assert_frame_equal(df, before)  # the input frame is never modified
    return out


def _deviance(family: str, y, pred: np.ndarray, classes) -> float:
    """Deviance from predictions (type='response'), computed from scratch with numpy."""
    if family == "gaussian":
        return float(((y - pred) ** 2).sum())
    if family == "mgaussian":
        return float(((np.asarray(y) - pred) ** 2).sum())
    if family == "poisson":
        y = np.asarray(y, float)
        ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / pred), 0.0)
        return float(2 * (ylogy - (y - pred)).sum())
    if family == "binomial":
        e = (np.asarray(y) == classes[1]).astype(float)
        return float(-2 * (e * np.log(pred) + (1 - e) * np.log(1 - pred)).sum())
    codes = np.searchsorted(np.asarray(classes), np.asarray(y))
    return float(-2 * np.log(pred[np.arange(len(codes)), codes]).sum())


def _null(family: str, y, classes) -> np.ndarray:
    y = np.asarray(y)
    if family in ("gaussian", "mgaussian", "poisson"):
        return np.broadcast_to(y.astype(float).mean(axis=0), y.shape).astype(float)
    if family == "binomial":
        return np.full(len(y), (y == classes[1]).mean())
    freq = np.array([(y == c).mean() for c in classes])
    return np.tile(freq, (len(y), 1))


FAMILIES = ["gaussian", "binomial", "multinomial", "poisson", "mgaussian"]


@pytest.mark.parametrize("family", FAMILIES)
def test_family_end_to_end(family, frames, fits):
    formula, df, _ = frames[family]
    fit = fits[family]
    lhs = [v.strip() for v in formula.split("~")[0].split("+")]
    complete = df.dropna()
    # NA rows dropped as na.omit, counted independently with pandas
    assert fit.n_dropped == len(df) - len(complete) > 0
    assert fit.n_obs == len(complete)
    # path shape: dense first with every term, lambdas increasing, ends with no term
    assert fit.lambdas[0] == 0 and np.all(np.diff(fit.lambdas) > 0)
    assert fit.df[0] == len(fit.term_names) and fit.df[-1] == 0
    assert len(fit) == len(fit.lambdas) == len(fit.df) == len(fit.dev_ratio)
    assert np.all(fit.n_features >= fit.df)
    # dev_ratio equals 1 - deviance / null deviance recomputed from predictions
    y = complete[lhs[0]] if len(lhs) == 1 else complete[lhs]
    classes = fit.classes
    null = _deviance(family, y, _null(family, y, classes), classes)
    for i in (0, len(fit) // 2, len(fit) - 1):
        pred = fit.predict(complete, s=fit.lambdas[i], type="response").to_numpy()
        ratio = 1 - _deviance(family, y, pred, classes) / null
        assert ratio == pytest.approx(fit.dev_ratio[i], abs=2e-4)
    # predict on new data (subset, shuffled, response dropped) equals the training rows
    rows = complete.index[[7, 3, 0, 20]]
    new = complete.loc[rows].drop(columns=lhs)
    for type_ in ("link", "response") + (("class",) if classes is not None else ()):
        full = fit.predict(complete, s=fit.lambdas[2], type=type_)
        part = fit.predict(new, s=fit.lambdas[2], type=type_)
        assert list(part.index) == list(rows)
        if type_ == "class":
            assert (part == full.loc[rows]).all() and set(part) <= set(classes)
        else:
            np.testing.assert_allclose(
                part.to_numpy(), full.loc[rows].to_numpy(), rtol=1e-5, atol=1e-6
            )
    # one row predicts too
    assert len(fit.predict(new.iloc[:1], s=0)) == 1


def test_factor_term_enters_and_leaves_whole(fits):
    for fit in fits.values():
        for g in fit.groups:
            sel = fit.selected[:, list(g)]
            assert (sel.all(axis=1) == sel.any(axis=1)).all()
    fit = fits["poisson"]
    assert fit.term_names.count("gender") == 1 and {"gender[female]", "gender[male]"} <= set(
        fit.column_names
    )


def test_coef_layout(fits):
    c = fits["gaussian"].coef(s=[0, float(fits["gaussian"].lambdas[3])])
    assert c.columns.tolist() == ["s0", "s3"]
    assert c.index.tolist() == ["(Intercept)", *fits["gaussian"].column_names]
    j = fits["gaussian"].column_names.index("chas[river]")
    assert c.loc["chas[river]", "s0"] == fits["gaussian"].beta[0, 0, j]
    m = fits["multinomial"]
    cm = m.coef(df=4)
    assert cm.index.names == ["output", "coefficient"]
    assert cm.index.get_level_values(0).unique().tolist() == [str(c) for c in m.classes]
    block = cm.loc[str(m.classes[0])]
    assert block.shape == (len(m.column_names) + 1, 1)
    # nonzero agrees with coef: selected terms are those with a non-zero coefficient
    nz = m.nonzero(df=4)
    used = {
        m.term_names[t]
        for t, g in enumerate(m.groups)
        if (
            cm.drop(index="(Intercept)", level=1)
            .abs()
            .groupby(level=1)
            .sum()
            .loc[[m.column_names[j] for j in g]]
            .to_numpy()
            > 0
        ).any()
    }
    assert set(nz) == used and len(nz) <= 4


def test_print_table_matches_object(fits):
    fit = fits["binomial"]
    text = repr(fit)
    assert text.startswith('Call: lassonet(formula="Class ~ .", family="binomial", hidden=(8,)')
    rows = [ln.split() for ln in text.splitlines() if re.match(r"^\s*\d+\s", ln)]
    assert len(rows) == len(fit)
    for i, row in enumerate(rows):
        assert int(row[0]) == i and int(row[1]) == fit.df[i]
        assert float(row[2]) == round(100 * fit.dev_ratio[i], 2)
        assert float(row[3]) == pytest.approx(fit.lambdas[i], rel=5e-4, abs=1e-12)


def test_summary(fits):
    fit = fits["gaussian"]
    s = fit.summary()
    text = str(s)
    assert "gaussian" in text and f"Observations:  {fit.n_obs} (3 dropped" in text
    assert s.table["point"].iloc[0] == "dense" and s.table["point"].iloc[-1] == "last non-empty"
    for _, row in s.table.iterrows():
        assert row["df"] == fit.df[row["index"]]
        assert row["terms"] == fit.nonzero(s=fit.lambdas[row["index"]])
    assert "converged" in text or "epoch limit" in text


def test_save_load_roundtrip(fits, frames, tmp_path):
    for fam in ("gaussian", "multinomial", "binomial"):
        fit = fits[fam]
        f = tmp_path / f"{fam}.pt"
        fit.save(f)
        back = load(f)
        _, df, _ = frames[fam]
        new = df.dropna()
        for type_ in ("link", "response"):
            pd.testing.assert_frame_equal(
                back.predict(new, type=type_), fit.predict(new, type=type_), check_exact=True
            )
        a, b = fit._result, back._result
        for name in (
            "lambdas",
            "beta",
            "a0",
            "selected",
            "dev_ratio",
            "epochs",
            "converged",
            "x_center",
            "x_scale",
            "loss",
            "objective",
            "deviance",
            "n_groups",
        ):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        for sa, sb in zip(a.states, b.states, strict=True):
            for ta, tb in zip(sa, sb, strict=True):
                assert ta.dtype == tb.dtype and bool((ta == tb).all())
        assert repr(back) == repr(fit) and back.design == fit.design
        assert back.term_names == fit.term_names and back.n_dropped == fit.n_dropped
        if fit.classes is not None:
            assert back.classes.tolist() == fit.classes.tolist()


def test_load_rejects_unknown_format(tmp_path):
    import torch

    f = tmp_path / "future.pt"
    torch.save({"format": "lassonetpy-path/99", "meta": "{}", "tensors": {}}, f)
    with pytest.raises(InputError, match="lassonetpy-path/1"):
        load(f)
    torch.save({"something": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(InputError, match="format"):
        load(tmp_path / "other.pt")


# --------------------------------------------------------------------------- choosing fits
def test_s_snapping_and_df(fits):
    fit = fits["gaussian"]
    lam = fit.lambdas
    i = 4
    assert fit._indices(lam[i] * 1.01, None) == ([i], True)
    mid_low = np.exp(0.4 * np.log(lam[i]) + 0.6 * np.log(lam[i + 1]))  # nearer i + 1 in log
    assert fit._indices([0, mid_low, lam[-1]], None) == ([0, i + 1, len(lam) - 1], False)
    assert fit.coef(s=lam[i] * 0.99).columns.tolist() == [f"s{i}"]
    with pytest.raises(NotOnPathError, match=r"\[0, "):
        fit.coef(s=lam[-1] * 2)
    with pytest.raises(NotOnPathError):
        fit.predict(pd.DataFrame(), s=-1.0)
    with pytest.raises(InputError, match="not both"):
        fit.coef(s=1.0, df=2)
    with pytest.raises(InputTypeError, match="cv_lassonet"):
        fit.coef(s="lambda_min")
    # df=k: the most terms not exceeding k, found by brute force over the path
    for k in range(0, len(fit.term_names) + 2):
        (j,), _ = fit._indices(None, k)
        best = max(d for d in fit.df if d <= k)
        assert fit.df[j] == best and j == min(np.flatnonzero(fit.df == best))
        assert len(fit.nonzero(df=k)) <= k


def test_penalty_factor_zero_keeps_terms(frames):
    formula, df, _ = frames["gaussian"]
    fit = lassonet(formula, df, penalty_factor={"lstat": 0, "chas": 0}, **SMALL)
    for names in fit.nonzero():
        assert {"lstat", "chas"} <= set(names)
    assert fit.df[-1] == 2
    imp = fit.importance()
    assert np.isinf(imp[["lstat", "chas"]]).all() and np.isfinite(imp.drop(["lstat", "chas"])).all()
    assert 'penalty_factor={"lstat": 0, "chas": 0}' in fit.call
    with pytest.raises(InputError, match="Terms"):
        lassonet(formula, df, penalty_factor={"nope": 0}, **SMALL)


# --------------------------------------------------------------------------- reference checks
def _boston_linear(shared_data):
    df = pd.read_csv(shared_data / "boston.csv")
    return df, "medv ~ crim + rm + ptratio + lstat + age"


def test_coef_at_M0_matches_sklearn_lasso(shared_data):
    from sklearn.linear_model import Lasso

    df, formula = _boston_linear(shared_data)
    lams = [0.05, 0.2, 0.5]
    fit = lassonet(formula, df, M=0, lambda_=lams, dtype="float64", tol=1e-8, **SMALL)
    X = df[["crim", "rm", "ptratio", "lstat", "age"]].to_numpy()
    mu, sd = X.mean(0), X.std(0)
    for i, lam in enumerate(lams, start=1):
        m = Lasso(alpha=lam, tol=1e-12, max_iter=100_000).fit((X - mu) / sd, df["medv"])
        b = m.coef_ / sd
        c = fit.coef(s=lam)[f"s{i}"]
        # objective-based stopping: the objective agrees to ~1e-9, coefficients along the
        # ill-conditioned direction (rm vs lstat) only to a few 1e-3
        np.testing.assert_allclose(c.iloc[1:].to_numpy(), b, atol=5e-3, rtol=1e-3)
        assert c.iloc[0] == pytest.approx(m.intercept_ - b @ mu, rel=2e-3)


def test_integer_weights_equal_duplicated_rows(shared_data):
    df, formula = _boston_linear(shared_data)
    df = df.iloc[:200]
    w = np.where(np.arange(len(df)) % 3 == 0, 2.0, 1.0)
    dup = pd.concat([df, df[w == 2]], ignore_index=True)
    kw = dict(SMALL, M=0, lambda_=[0.1, 0.4], dtype="float64", tol=1e-8)
    a = lassonet(formula, df.assign(w=w), weights="w", **kw)
    b = lassonet(formula, dup, **kw)
    # the engine stops on the objective, so ill-conditioned directions (the intercept) are
    # only accurate to ~1e-3 relative; fitted values are well conditioned
    np.testing.assert_allclose(a.coef(s=[0.1, 0.4]), b.coef(s=[0.1, 0.4]), rtol=3e-3, atol=1e-3)
    np.testing.assert_allclose(a.predict(df, s=[0.1, 0.4]), b.predict(df, s=[0.1, 0.4]), atol=2e-2)
    assert "w" not in a.term_names  # the weights column is not a predictor
    assert a.call.endswith('weights="w")') or 'weights="w"' in a.call


def test_offset_semantics_gaussian_and_poisson(shared_data, frames):
    df, formula = _boston_linear(shared_data)
    o = np.linspace(-5, 5, len(df))
    kw = dict(SMALL, M=0, lambda_=[0.2], dtype="float64", tol=1e-8)
    a = lassonet(formula, df.assign(medv=df["medv"] + o), offset=o, **kw)
    b = lassonet(formula, df, **kw)
    np.testing.assert_allclose(a.coef(s=0.2), b.coef(s=0.2), atol=2e-3)
    pa = a.predict(df, s=0.2, newoffset=o)
    np.testing.assert_allclose(pa - o, b.predict(df, s=0.2), atol=5e-3)
    with pytest.raises(InputError, match="newoffset"):
        a.predict(df, s=0.2)
    # poisson exposure: offset as a column name, NA in it drops the row
    _, dv, _ = frames["poisson"]
    dv = dv.assign(expo=np.log(np.linspace(0.5, 2, len(dv))))
    dv.loc[dv.index[100], "expo"] = np.nan
    fit = lassonet("visits ~ age + gender + illness", dv, "poisson", offset="expo", **SMALL)
    assert fit.n_dropped == 5
    ok = dv.dropna()
    with pytest.raises(InputError, match="None"):
        lassonet("visits ~ age", dv, "poisson", **SMALL).predict(ok, newoffset="expo")
    np.testing.assert_allclose(
        fit.predict(ok, s=0, newoffset="expo", type="response"),
        np.exp(fit.predict(ok, s=0, newoffset=ok["expo"])),
        rtol=1e-6,
    )


# --------------------------------------------------------------------------- array interface
def test_array_interface_labels_groups_exclude(shared_data):
    sonar = pd.read_csv(shared_data / "sonar.csv")
    X = sonar[[f"V{j}" for j in range(1, 13)]].to_numpy()
    y = np.where(sonar["Class"] == "M", "mine", "rock")
    X[4, 2] = np.nan
    fit = lassonet(
        X=X,
        y=y,
        family="binomial",
        groups={"low": [0, 1, 2], "mid": ["x4", "x5"]},
        exclude=["x12"],
        **SMALL,
    )
    assert fit.term_names[:2] == ("low", "mid") and len(fit.term_names) == 2 + 6
    assert fit.column_names[0] == "x1" and "x12" not in fit.column_names and fit.n_dropped == 1
    assert fit.call.startswith('lassonet(family="binomial", X=<ndarray 208x12>')
    p = fit.predict(np.delete(X, 4, axis=0), s=0, type="class")
    assert isinstance(p, np.ndarray) and p.shape == (207,) and set(p) <= {"mine", "rock"}
    both = fit.predict(X[:5][[0, 1, 2, 3]], df=[1, 3])
    assert both.shape == (4, 2)
    # a DataFrame X keeps its names and predicts from a DataFrame by name
    Xdf = sonar[["V1", "V2", "V3"]]
    f2 = lassonet(X=Xdf, y=sonar["Class"], family="binomial", **SMALL)
    assert f2.column_names == ("V1", "V2", "V3")
    out = f2.predict(Xdf.iloc[::-1].head(3)[["V3", "V1", "V2"]], s=0)
    np.testing.assert_allclose(out, f2.predict(Xdf.to_numpy()[::-1][:3], s=0))


# --------------------------------------------------------------------------- plots
def test_plots_render(fits, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fit = fits["gaussian"]
    for xvar in ("lambda", "norm", "dev"):
        ax = fit.plot(xvar=xvar, label=True)
        fig = ax.figure
        assert len(ax.lines) >= len(fit.column_names)
        texts = {t.get_text().strip() for t in ax.texts}
        assert set(fit.column_names) <= texts
        (top,) = [a for a in fig.axes if a is not ax]
        assert top.get_xlabel() == "Terms selected"
        labels = [t.get_text() for t in top.get_xticklabels()]
        assert labels and set(labels) <= {str(int(d)) for d in fit.df}
        fig.savefig(tmp_path / f"path_{xvar}.png")
        assert (tmp_path / f"path_{xvar}.png").stat().st_size > 5000
        plt.close(fig)
    assert any("dense" in t.get_text() for t in fit.plot().texts)
    ax = fits["multinomial"].plot()
    assert ax.get_ylabel() == "Coefficient norm over outputs"
    ax = fit.plot_importance(top=4)
    assert len(ax.patches) == 4
    assert [t.get_text() for t in ax.get_yticklabels()] == fit.importance().index[:4].tolist()
    ax.figure.savefig(tmp_path / "imp.png")
    plt.close("all")
    with pytest.raises(InputError, match="xvar"):
        fit.plot(xvar="nope")


# --------------------------------------------------------------------------- bad input
def test_bad_input_errors(frames, fits):
    formula, df, _ = frames["gaussian"]
    fit = fits["gaussian"]
    with pytest.raises(FormulaError, match="unknown name.*'nox2'"):
        lassonet("medv ~ nox2 + rm", df, **SMALL)
    with pytest.raises(ResponseError, match="numeric"):
        lassonet("chas ~ rm", df, "gaussian", **SMALL)
    with pytest.raises(ResponseError, match="multinomial"):
        lassonet("rad ~ rm", df, "binomial", **SMALL)
    with pytest.raises(FamilyError, match="family"):
        lassonet(formula, df, "gamma", **SMALL)
    with pytest.raises(InputError, match="non-empty"):
        lassonet(formula, df.iloc[:0], **SMALL)
    with pytest.raises(FormulaError, match="all-NA"):
        lassonet(formula, df.assign(zn=np.nan), **SMALL)
    with pytest.raises(FormulaError, match="na_action='fail'"):
        lassonet(formula, df, na_action="fail", **SMALL)
    with pytest.raises(InputError, match="either"):
        lassonet(formula, df, X=np.zeros((3, 2)), **SMALL)
    with pytest.raises(InputError, match="weights"):
        lassonet(formula, df, weights=np.ones(3), **SMALL)
    new = df.dropna().head(3).copy()
    with pytest.raises(FormulaError, match="unseen level"):
        fit.predict(new.assign(chas="lake"), s=0)
    with pytest.raises(FormulaError, match="missing column"):
        fit.predict(new.drop(columns="rm"), s=0)
    with pytest.raises(InputError, match="`type`"):
        fit.predict(new, s=0, type="probability")
    with pytest.raises(InputError, match="binomial and multinomial"):
        fit.predict(new, s=0, type="class")
    with pytest.raises(NotOnPathError, match="df"):
        lassonet(formula, df, penalty_factor={"rm": 0}, **SMALL).coef(df=0)


def test_public_api():
    for name in ("lassonet", "LassoNetPath", "load", "datasets", "hier_prox"):
        assert name in lassonetpy.__all__ and hasattr(lassonetpy, name)
    assert lassonetpy.datasets.load_boston().shape == (506, 13)


def test_path_is_immutable(fits):
    import dataclasses

    fit = fits["gaussian"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.call = "x"
    for arr in (fit.lambdas, fit.beta, fit.df, fit.dev_ratio, fit.selected):
        with pytest.raises(ValueError):
            arr[0] = 1
    with pytest.raises(TypeError):
        fit.settings["M"] = 1.0
