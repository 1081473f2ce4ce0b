"""Property-based tests of the front end (hypothesis): any small frame, any formula of its names.

Frames have 5 to 24 rows and 1 to 4 predictors of random kinds (floats with NaN, constant or
huge columns, integers, text factors with a missing value, booleans, pandas Categoricals,
nullable integers), with names drawn from a pool that includes awkward ones (``C``, ``np``,
``scale``, ``lambda``, ``x.1``). The response is numeric (gaussian) or a class label
(binomial/multinomial), possibly with NaN. Formulas are built from the names: ``.``, sums,
interactions, ``C(...)``, ``np.log(...)``, ``I(... ** 2)``, removals, and now and then a
name that is not a column.

The property: ``lassonet`` (and ``cv_lassonet``) either raises the package's own error or
returns a fit that predicts finite values on the rows it was fitted on, and on the whole frame
either predicts or raises the package's error; the frame is never modified. Runs are
deterministic (``derandomize=True``, no example database) and small (a 2-unit hidden layer,
3 lambdas).
"""

from __future__ import annotations

import keyword
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lassonetpy import cv_lassonet, lassonet
from lassonetpy.errors import LassoNetError

TINY = dict(hidden=(2,), nlambda=3, max_epochs=5, seed=0, verbose=False)
NAMES = ["x", "z", "g", "w2", "C", "np", "scale", "lambda", "x.1", "age_", "Q"]
KINDS = ["float", "float_nan", "constant", "huge", "int", "text", "bool", "category", "Int64"]
CI = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # deterministic in CI: the same examples on every run, nothing stored between runs


def _column(draw: Any, kind: str, n: int) -> Any:
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if kind == "float":
        return rng.normal(size=n)
    if kind == "float_nan":
        v = rng.normal(size=n)
        v[rng.random(n) < 0.2] = np.nan
        return v
    if kind == "constant":
        return np.full(n, 3.5)
    if kind == "huge":
        return rng.normal(size=n) * 1e12
    if kind == "int":
        return rng.integers(-3, 4, size=n)
    if kind == "text":
        v = rng.choice(["lo", "mid", "hi"][: draw(st.integers(1, 3))], size=n).astype(object)
        if draw(st.booleans()):
            v[0] = None
        return v
    if kind == "bool":
        return rng.random(n) < 0.5
    if kind == "category":
        return pd.Categorical(rng.choice(["a", "b"], size=n), categories=["b", "a", "c"])
    return pd.array(rng.integers(0, 5, size=n), dtype="Int64")  # nullable integers


@st.composite
def frames(draw: Any) -> tuple[pd.DataFrame, str, str]:
    """(frame, formula, family)."""
    n = draw(st.integers(5, 24))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    data = {nm: _column(draw, draw(st.sampled_from(KINDS)), n) for nm in names}
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    kind = draw(st.sampled_from(["numeric", "numeric_nan", "two", "three"]))
    if kind.startswith("numeric"):
        y: Any = rng.normal(size=n)
        if kind == "numeric_nan":
            y[rng.random(n) < 0.2] = np.nan
        family = "gaussian"
    else:
        y = rng.choice(["u", "v", "w"][: 2 if kind == "two" else 3], size=n)
        family = "binomial" if kind == "two" else "multinomial"
    frame = pd.DataFrame({"y": y, **data})

    def term(nm: str) -> str:
        q = nm if nm.isidentifier() and not keyword.iskeyword(nm) else f"`{nm}`"
        wrap = draw(st.sampled_from(["", "", "", "C", "log", "sq"]))
        return {"": q, "C": f"C({q})", "log": f"np.log({q})", "sq": f"I({q} ** 2)"}[wrap]

    if draw(st.booleans()):
        rhs = "."
    else:
        chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
        rhs = " + ".join(term(nm) for nm in chosen)
        if len(chosen) > 1 and draw(st.booleans()):
            rhs += f" + {term(chosen[0])}:{term(chosen[1])}"
    if draw(st.integers(0, 9)) == 0:
        rhs += " + nothere"
    if rhs == "." and draw(st.booleans()):
        rhs += f" - {term(names[0])}"
    return frame, f"y ~ {rhs}", family


def _predicts_on_its_rows(fit: Any, frame: pd.DataFrame) -> None:
    spec = fit.design
    used = [*spec.variables, *spec.response_variables]
    rows = frame.dropna(subset=used)
    assert fit.n_obs == len(rows) and fit.n_dropped == len(frame) - len(rows)
    pred = fit.predict(rows)
    assert pred.shape == (len(rows), len(fit)) or pred.shape[0] == len(rows)
    assert np.isfinite(pred.to_numpy(dtype=float)).all()
    assert np.isfinite(fit.coef().to_numpy()).all()
    try:  # the whole frame: rows with NA (or with levels seen only there) are refused
        whole = fit.predict(frame, s=0)
    except LassoNetError:
        assert frame[list(spec.variables)].isna().any(axis=None) or len(rows) < len(frame)
    else:
        assert len(whole) == len(frame) and np.isfinite(whole.to_numpy(dtype=float)).all()


@settings(max_examples=30, **CI)
@given(frames())
def test_lassonet_fits_and_predicts_or_raises_its_own_error(case):
    frame, formula, family = case
    before = frame.copy(deep=True)
    try:
        fit = lassonet(formula, frame, family, **TINY)
    except LassoNetError as err:
        assert "\n" not in str(err), str(err)
    else:
        _predicts_on_its_rows(fit, frame)
    pd.testing.assert_frame_equal(frame, before)


@settings(max_examples=8, **CI)
@given(frames())
def test_cv_lassonet_fits_and_predicts_or_raises_its_own_error(case):
    frame, formula, family = case
    try:
        cv = cv_lassonet(formula, frame, family, nfolds=3, **TINY)
    except LassoNetError:
        return
    assert np.isfinite(cv.cvm).all() and cv.lambda_min <= cv.lambda_1se
    _predicts_on_its_rows(cv.path, frame)
