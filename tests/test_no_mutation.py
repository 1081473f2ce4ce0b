"""Inputs are never modified: every public function and method, on frames and on arrays.

The inputs are deliberately varied: a frame with a non-default, unsorted string index and
columns in no particular order, holding floats with NaN, integers, booleans, text with a
missing value, a pandas Categorical and a nullable integer column; read-only and writable,
C- and Fortran-ordered arrays; lists and dicts of arguments. After every call each input must
equal a deep copy taken before (values, dtypes, index, column order, ``attrs``, ``flags``,
array flags such as ``writeable`` and memory order). The command line must leave its CSV
files byte for byte as they were.
"""

from __future__ import annotations

import copy
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from lassonetpy import (  # noqa: E402
    assess,
    confusion,
    cv_lassonet,
    cva_lassonet,
    lassonet,
    load,
    stability_selection,
)
from lassonetpy.cli import main, read_csv  # noqa: E402
from lassonetpy.datasets import load_boston  # noqa: E402

SM = dict(hidden=(4,), nlambda=5, seed=0, verbose=False, max_epochs=20)


def _frame() -> pd.DataFrame:
    b = load_boston().iloc[:90]
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "lstat": b["lstat"].to_numpy(),
            "medv": b["medv"].to_numpy(),
            "rm": np.where(np.arange(90) % 17 == 3, np.nan, b["rm"].to_numpy()),
            "rad": b["rad"].to_numpy().astype("int64"),
            "river": b["chas"].to_numpy() == 1,
            "town": np.where(np.arange(90) % 23 == 5, None, rng.choice(["north", "south"], 90)),
            "zone": pd.Categorical(rng.choice(["a", "b", "c"], 90), categories=["c", "a", "b"]),
            "age": pd.array(b["age"].round().astype(int), dtype="Int64"),
            "w": rng.uniform(0.5, 2.0, 90),
            "expensive": np.where(b["medv"].to_numpy() > 22, "yes", "no"),
        },
        index=pd.Index([f"r{i}" for i in rng.permutation(90)], name="row"),
    )
    df.attrs["source"] = "boston"
    return df


class Snapshot:
    """Deep copies of inputs, compared in full after the calls."""

    def __init__(self, **inputs: Any) -> None:
        self.inputs = inputs
        self.copies = {k: self._copy(v) for k, v in inputs.items()}

    @staticmethod
    def _copy(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            return v.copy(order="K"), v.flags.writeable, v.flags.c_contiguous, v.flags.f_contiguous
        if isinstance(v, (pd.DataFrame, pd.Series)):
            return v.copy(deep=True), dict(v.attrs), v.flags.allows_duplicate_labels
        return copy.deepcopy(v)

    def check(self, after: str) -> None:
        for k, v in self.inputs.items():
            was = self.copies[k]
            where = f"{k} changed by {after}"
            if isinstance(v, np.ndarray):
                arr, writeable, c, f = was
                assert v.dtype == arr.dtype and v.shape == arr.shape, where
                assert np.array_equal(v, arr, equal_nan=v.dtype.kind == "f"), where
                assert (v.flags.writeable, v.flags.c_contiguous, v.flags.f_contiguous) == (
                    writeable,
                    c,
                    f,
                ), where
            elif isinstance(v, pd.DataFrame):
                frame, attrs, dup = was
                pd.testing.assert_frame_equal(v, frame, check_exact=True, obj=where)
                assert list(v.columns) == list(frame.columns), where
                assert v.index.equals(frame.index) and v.index.name == frame.index.name, where
                assert (v.dtypes == frame.dtypes).all(), where
                assert dict(v.attrs) == attrs and v.flags.allows_duplicate_labels == dup, where
            elif isinstance(v, pd.Series):
                series, attrs, _ = was
                pd.testing.assert_series_equal(v, series, check_exact=True, obj=where)
            else:
                assert v == was, where


def test_no_public_function_or_method_modifies_its_inputs(tmp_path):
    df = _frame()
    new = df.dropna().iloc[::7].copy()
    X = np.asfortranarray(df[["lstat", "rad", "w"]].to_numpy())
    X_ro = df[["lstat", "rad", "w"]].to_numpy()
    X_ro.setflags(write=False)
    y = df["medv"].to_numpy()
    y_ro = y.copy()
    y_ro.setflags(write=False)
    y_series = df["medv"].copy()
    weights = df["w"].to_numpy()
    offset = np.linspace(-0.5, 0.5, 90)
    foldid = np.tile([1, 2, 3], 30)
    M, lam, pf, groups, excl = [0.0, 5.0], [0.5, 1.0, 2.0], {"x3": 0.5}, [[0, 1]], ["x3"]
    snap = Snapshot(
        df=df, new=new, X=X, X_ro=X_ro, y=y, y_ro=y_ro, y_series=y_series, weights=weights,
        offset=offset, foldid=foldid, M=M, lam=lam, pf=pf, groups=groups, excl=excl,
    )  # fmt: skip
    formula = "medv ~ lstat + rm + rad + river + town + zone + age"

    def step(name: str, fn: Any) -> Any:
        out = fn()
        plt.close("all")
        snap.check(name)
        return out

    fit = step("lassonet(formula)", lambda: lassonet(formula, df, weights="w", **SM))
    ofit = step("lassonet(offset=)", lambda: lassonet(formula, df, offset=offset, **SM))
    lfit = step("lassonet(lambda_=)", lambda: lassonet(formula, df, lambda_=lam, **SM))
    afit = step(
        "lassonet(X=)",
        lambda: lassonet(X=X, y=y_series, weights=weights, groups=groups, penalty_factor=pf, **SM),
    )
    rfit = step("lassonet(read-only X)", lambda: lassonet(X=X_ro, y=y_ro, exclude=excl, **SM))
    bfit = step(
        "lassonet(binomial)", lambda: lassonet("expensive ~ lstat + rm", df, "binomial", **SM)
    )
    cv = step("cv_lassonet", lambda: cv_lassonet(formula, df, foldid=foldid, keep=True, **SM))
    cva = step("cva_lassonet", lambda: cva_lassonet("medv ~ lstat + rm", df, M=M, nfolds=3, **SM))
    st = step("stability_selection", lambda: stability_selection(formula, df, B=2, **SM))
    for name, call in {
        "predict": lambda: fit.predict(new),
        "predict(s=, type=)": lambda: fit.predict(new, s=[0, 1.0], type="response"),
        "predict(newoffset=)": lambda: ofit.predict(new, s=0, newoffset=offset[: len(new)]),
        "predict(lambda_ fit)": lambda: lfit.predict(new, s=1.0),
        "predict(arrays)": lambda: afit.predict(X, s=0),
        "predict(read-only)": lambda: rfit.predict(X_ro, s=0),
        "predict(class)": lambda: bfit.predict(new, s=0, type="class"),
        "coef": lambda: fit.coef(s=lam),
        "coef(df=)": lambda: fit.coef(df=[1, 3]),
        "nonzero": lambda: fit.nonzero(df=3),
        "importance": fit.importance,
        "summary": lambda: str(fit.summary()),
        "repr": lambda: repr(fit) + repr(cv) + repr(cva) + repr(st),
        "plot": lambda: (fit.plot(label=True), fit.plot(xvar="dev"), fit.plot_importance()),
        "cv methods": lambda: (cv.predict(new), cv.coef(), cv.nonzero(), cv.table(), cv.plot()),
        "cva methods": lambda: (cva.predict(new), cva.coef(), cva.to_frame(), cva.plot()),
        "stability methods": lambda: (st.selected(0.5), st.max_prob, st.to_frame(), st.plot()),
        "assess": lambda: (assess(fit, new), assess(cv, new), assess(afit, X, newy=y, s=0)),
        "confusion": lambda: confusion(bfit, new, s=0),
        "save/load": lambda: (fit.save(tmp_path / "f.lnp"), load(tmp_path / "f.lnp").predict(new)),
    }.items():
        step(name, call)


def test_the_command_line_leaves_its_csv_files_unchanged(tmp_path, capsys):
    data, new = tmp_path / "data.csv", tmp_path / "new.csv"
    df = _frame().reset_index(drop=True).drop(columns=["zone", "age"])
    df.to_csv(data, index=False)
    df.head(9).to_csv(new, index=False)
    before = {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in (data, new)}
    read_csv(data)
    out = tmp_path / "res"
    argv = ["fit", data, "medv ~ lstat + rm + town", "--out", out, "--hidden", "4", "--nlambda"]
    assert main([str(a) for a in [*argv, "5", "--quiet", "--cv", "3"]]) == 0
    pred = tmp_path / "pred.csv"
    assert main([str(a) for a in ["predict", out, new, "--s", "lambda_min", "--out", pred]]) == 0
    assert {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in (data, new)} == before
    assert len(pd.read_csv(pred)) == 9
    capsys.readouterr()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")
