"""Tests for the formula layer, ``lassonetpy.formula.design``, on the real data in ``shared/data``.

Run: ``OMP_NUM_THREADS=1 python -m pytest tests/test_design.py -q``.
Expectations are built independently with pandas / numpy (and patsy for splines).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lassonetpy.errors import FormulaError, InputError, InputTypeError, LassoNetError
from lassonetpy.formula.design import Design, DesignSpec, build_design


# --------------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def boston(shared_data):
    return pd.read_csv(shared_data / "boston.csv")


@pytest.fixture(scope="module")
def dv(shared_data):
    """Doctor visits: 6 string factors (gender, private, freepoor, ...) and numbers."""
    return pd.read_csv(shared_data / "doctorvisits.csv")


@pytest.fixture(scope="module")
def pbc(shared_data):
    """PBC: NAs in 12 columns, a string factor (sex) and a dotted name (alk.phos)."""
    return pd.read_csv(shared_data / "pbc.csv")


@pytest.fixture(scope="module")
def mice(shared_data):
    return pd.read_csv(shared_data / "mice_protein.csv")


STRING_FACTORS = ["gender", "private", "freepoor", "freerepat", "nchronic", "lchronic"]

# A formula with a factor, a spline, numeric transforms, poly, scale and an interaction.
RICH = (
    "time ~ C(stage) + bs(age, df=4) + np.log(bili) + poly(albumin, 2) + scale(chol) "
    "+ sex + sex:protime + np.sqrt(`alk.phos`)"
)


def _plain(value):
    """True if value holds only str/int/float/bool/list/dict/None (what JSON holds)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


# --------------------------------------------------------------------------- expansion
def test_dot_expands_to_every_other_column(boston):
    d = build_design("medv ~ .", boston)
    predictors = [c for c in boston.columns if c != "medv"]
    assert d.column_names == predictors
    assert d.term_names == predictors
    assert d.groups == [[j] for j in range(len(predictors))]
    np.testing.assert_array_equal(d.X, boston[predictors].to_numpy(dtype=float))
    assert d.X.dtype == np.float64
    pd.testing.assert_series_equal(d.y, boston["medv"])
    assert d.response_name == "medv" and d.n_dropped == 0


def test_minus_removes_a_term_and_intercept_never_appears(boston):
    d = build_design("medv ~ . - black", boston)
    assert "black" not in d.column_names and len(d.column_names) == boston.shape[1] - 2
    base = build_design("medv ~ crim + rm", boston).X
    for f in ["medv ~ crim + rm - 1", "medv ~ 0 + crim + rm", "medv ~ 1 + crim + rm"]:
        dd = build_design(f, boston)
        assert dd.column_names == ["crim", "rm"]
        np.testing.assert_array_equal(dd.X, base)


def test_transformed_and_multi_column_response(boston, pbc):
    d = build_design("np.log(medv) ~ .", boston)
    assert "medv" not in d.column_names and d.X.shape[1] == boston.shape[1] - 1
    np.testing.assert_allclose(d.y.to_numpy(), np.log(boston["medv"].to_numpy()), rtol=1e-15)
    assert d.response_name == "np.log(medv)"

    d = build_design("time + status ~ . - id", pbc)
    assert isinstance(d.y, pd.DataFrame) and list(d.y.columns) == ["time", "status"]
    assert not {"time", "status", "id"} & set(d.column_names)
    pd.testing.assert_frame_equal(d.y, pbc.loc[d.row_index, ["time", "status"]])


def test_string_response_is_left_untouched(mice):
    d = build_design("class ~ DYRK1A_N + ITSN1_N + Genotype", mice)
    expected = mice.loc[d.row_index, "class"]
    pd.testing.assert_series_equal(d.y, expected)
    assert d.y.dtype == mice["class"].dtype and set(d.y) == set(mice["class"].dropna())


# --------------------------------------------------------------------------- factors
def test_every_factor_level_is_kept(dv):
    d = build_design("visits ~ .", dv)
    for col in STRING_FACTORS:
        dummies = pd.get_dummies(dv[col]).astype(float)  # independent full one-hot coding
        names = [f"{col}[{lvl}]" for lvl in dummies.columns]
        idx = [d.column_names.index(n) for n in names]
        np.testing.assert_array_equal(d.X[:, idx], dummies.to_numpy())
        assert d.groups[d.term_names.index(col)] == idx
    n_levels = sum(dv[c].nunique() for c in STRING_FACTORS)
    n_numeric = dv.shape[1] - 1 - len(STRING_FACTORS)
    assert d.X.shape == (len(dv), n_levels + n_numeric)


def test_factor_levels_kept_with_other_terms_and_interaction(dv):
    d = build_design("visits ~ age + C(private) + gender + age:gender + income", dv)
    names = d.column_names
    assert [n for n in names if n.startswith("gender[")] == ["gender[female]", "gender[male]"]
    assert [n for n in names if n.startswith("C(private)")] == ["C(private)[no]", "C(private)[yes]"]
    for lvl in ["female", "male"]:
        j = names.index(f"age:gender[{lvl}]")
        expected = dv["age"].to_numpy() * (dv["gender"] == lvl).to_numpy()
        np.testing.assert_array_equal(d.X[:, j], expected)
    assert len(d.groups[d.term_names.index("age:gender")]) == 2


def test_bool_column_is_a_factor(boston):
    df = boston.assign(chas=boston["chas"].astype(bool))
    d = build_design("medv ~ chas + rm", df)
    assert d.column_names == ["chas[False]", "chas[True]", "rm"]
    np.testing.assert_array_equal(d.X[:, 1], df["chas"].to_numpy(dtype=float))
    np.testing.assert_array_equal(d.X[:, 0] + d.X[:, 1], np.ones(len(df)))


# --------------------------------------------------------------------------- groups
def test_groups_match_formulaic_term_slices(pbc):
    import formulaic

    d = build_design(RICH, pbc)
    kept = pbc.loc[d.row_index]
    ref = formulaic.model_matrix(RICH, kept, ensure_full_rank=False, na_action="raise")
    spec = ref.rhs.model_spec
    slices = {str(t): s for t, s in spec.term_slices.items() if str(t) != "1"}
    assert d.term_names == list(slices)
    offset = spec.term_slices[next(iter(spec.term_slices))].stop  # the intercept column
    assert d.groups == [list(range(s.start - offset, s.stop - offset)) for s in slices.values()]
    np.testing.assert_array_equal(d.X, np.asarray(ref.rhs)[:, offset:])
    # every column in exactly one group, and term_of_column agrees with groups
    assert sorted(j for g in d.groups for j in g) == list(range(d.X.shape[1]))
    for k, g in enumerate(d.groups):
        assert (d.term_of_column[g] == k).all()
    assert d.term_of_column.dtype.kind == "i"


def test_spline_and_interaction_groups(pbc):
    patsy = pytest.importorskip("patsy")
    d = build_design("time ~ bs(age, df=4) + sex + bili:albumin", pbc)
    assert d.term_names == ["bs(age, df=4)", "sex", "bili:albumin"]
    assert d.groups == [[0, 1, 2, 3], [4, 5], [6]]
    kept = pbc.loc[d.row_index]
    basis = np.asarray(patsy.dmatrix("bs(age, df=4) - 1", kept))  # R-compatible reference
    np.testing.assert_allclose(d.X[:, :4], basis, atol=1e-12)
    np.testing.assert_array_equal(d.X[:, 6], (kept["bili"] * kept["albumin"]).to_numpy())


# --------------------------------------------------------------------------- NA handling
@pytest.mark.parametrize(
    "formula, used",
    [
        (
            "time + status ~ . - id",
            [
                "time",
                "status",
                "trt",
                "age",
                "sex",
                "ascites",
                "hepato",
                "spiders",
                "edema",
                "bili",
                "chol",
                "albumin",
                "copper",
                "alk.phos",
                "ast",
                "trig",
                "platelet",
                "protime",
                "stage",
            ],
        ),
        ("time ~ bili + sex + np.log(trig)", ["time", "bili", "sex", "trig"]),
        ("trt ~ age + bili", ["trt", "age", "bili"]),  # NA only in the response
    ],
)
def test_na_omit_matches_pandas_dropna(pbc, formula, used):
    d = build_design(formula, pbc)
    complete = pbc.dropna(subset=used)
    assert d.n_dropped == len(pbc) - len(complete) > 0
    pd.testing.assert_index_equal(d.row_index, complete.index)
    assert d.X.shape[0] == len(complete)


def test_na_omit_on_mice(mice):
    d = build_design("class ~ . - MouseID", mice)
    assert d.n_dropped == len(mice) - len(mice.drop(columns="MouseID").dropna())
    assert np.isfinite(d.X).all()


def test_na_fail_names_columns_and_counts(pbc):
    with pytest.raises(FormulaError, match=r"na_action='fail'.*'chol': 134.*'trig': 136"):
        build_design("time ~ bili + chol + trig", pbc, na_action="fail")
    d = build_design("time ~ bili + age", pbc, na_action="fail")  # no NA there: fine
    assert d.n_dropped == 0


def test_input_frame_is_never_modified(pbc, dv):
    for df, f in [(pbc, RICH), (pbc, "time ~ ."), (dv.assign(flag=dv["age"] > 0.3), "visits ~ .")]:
        before = copy.deepcopy(df)
        d = build_design(f, df)
        d.spec.transform(df.loc[d.row_index])
        pd.testing.assert_frame_equal(df, before)


# --------------------------------------------------------------------------- replay
@pytest.mark.parametrize("formula", [RICH, "time + status ~ . - id"])
def test_transform_on_training_rows_reproduces_X(pbc, formula):
    d = build_design(formula, pbc)
    newdata = pbc.loc[d.row_index].drop(columns=["time", "status"])  # no response needed
    X = d.spec.transform(newdata)
    assert X.dtype == np.float64 and X.shape == d.X.shape
    np.testing.assert_array_equal(X, d.X)


def test_transform_on_doctorvisits_reproduces_X(dv):
    d = build_design("visits ~ . + age:gender + bs(income, df=3)", dv)
    np.testing.assert_array_equal(d.spec.transform(dv), d.X)


@pytest.fixture(scope="module")
def rich(pbc):
    return build_design(RICH, pbc)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_transform_is_row_wise(rich, pbc, data):
    """Any subset of rows, in any order, with repeats, gives the same rows of X."""
    n = rich.X.shape[0]
    rows = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=40))
    newdata = pbc.loc[rich.row_index[rows]]
    np.testing.assert_array_equal(rich.spec.transform(newdata), rich.X[rows])


def test_transform_unseen_level(dv):
    d = build_design("visits ~ gender + age", dv)
    new = dv.head(3).assign(gender=["female", "other", "male"])
    with pytest.raises(FormulaError, match=r"factor 'gender'.*'other'.*'female', 'male'"):
        d.spec.transform(new)
    d = build_design("visits ~ C(illness) + age", dv)  # numeric column used as a factor
    with pytest.raises(FormulaError, match=r"categories outside"):
        d.spec.transform(dv.head(3).assign(illness=[1, 99, 2]))


def test_transform_missing_column_and_na(pbc):
    d = build_design("time ~ bili + sex + albumin", pbc)
    with pytest.raises(FormulaError, match=r"missing column\(s\) \['albumin'\]"):
        d.spec.transform(pbc.drop(columns="albumin"))
    new = pbc.head(5).copy()
    new.loc[new.index[2], "bili"] = np.nan
    with pytest.raises(FormulaError, match=r"NA counts \{'bili': 1\}.*never drops rows"):
        d.spec.transform(new)
    with pytest.raises(FormulaError, match=r"numeric in column 'bili'"):
        d.spec.transform(pbc.head(2).assign(bili=["a", "b"]))
    with pytest.raises(InputTypeError, match="`newdata` must be a pandas DataFrame"):
        d.spec.transform(pbc.head(2).to_numpy())
    assert d.spec.transform(pbc.head(0)).shape == (0, 4)


# --------------------------------------------------------------------------- save / load
@pytest.mark.parametrize(
    "formula",
    [
        RICH,
        "visits ~ C(gender) + bs(age, df=4) + income:gender + np.log(income + 1) + flag",
        "visits ~ cr(age, df=4) + center(income) + standardize(illness) + C(health)",
    ],
)
def test_to_dict_json_round_trip(dv, pbc, formula):
    data = pbc if formula == RICH else dv.assign(flag=dv["age"] > 0.3)
    d = build_design(formula, data)
    raw = d.spec.to_dict()
    assert _plain(raw)
    loaded = DesignSpec.from_dict(json.loads(json.dumps(raw, allow_nan=False)))
    assert loaded == d.spec
    assert loaded.column_names == tuple(d.column_names) and loaded.groups == d.spec.groups
    newdata = data.loc[d.row_index].iloc[::3]  # a different frame than the training one
    np.testing.assert_array_equal(loaded.transform(newdata), d.spec.transform(newdata))
    np.testing.assert_array_equal(loaded.transform(data.loc[d.row_index]), d.X)


def test_loaded_spec_works_in_a_fresh_process(pbc, tmp_path, shared_data):
    """No hidden state: a spec saved as JSON replays exactly in another interpreter."""
    d = build_design(RICH, pbc)
    (tmp_path / "spec.json").write_text(json.dumps(d.spec.to_dict()))
    np.save(tmp_path / "X.npy", d.X)
    code = (
        "import json, sys, numpy as np, pandas as pd\n"
        "from lassonetpy.formula.design import DesignSpec\n"
        f"spec = DesignSpec.from_dict(json.load(open({str(tmp_path / 'spec.json')!r})))\n"
        f"pbc = pd.read_csv({str(shared_data / 'pbc.csv')!r})\n"
        "rows = pbc.dropna(subset=list(spec.variables) + ['time'])\n"
        f"X = spec.transform(rows)\n"
        f"assert np.array_equal(X, np.load({str(tmp_path / 'X.npy')!r})), 'mismatch'\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_from_dict_rejects_foreign_dicts():
    with pytest.raises(InputError, match="DesignSpec.to_dict"):
        DesignSpec.from_dict({"formula": "y ~ x"})


# --------------------------------------------------------------------------- exclude
def test_exclude_terms_and_columns(boston, dv):
    a = build_design("medv ~ .", boston, exclude=["black", "zn"])
    b = build_design("medv ~ . - black - zn", boston)
    assert a.column_names == b.column_names
    np.testing.assert_array_equal(a.X, b.X)

    d = build_design("visits ~ gender + age", dv, exclude="gender[male]")
    assert d.column_names == ["gender[female]", "age"] and d.groups == [[0], [1]]
    np.testing.assert_array_equal(d.spec.transform(dv), d.X)
    with pytest.raises(FormulaError, match=r"unknown name\(s\) \['gendr'\].*'gender'"):
        build_design("visits ~ gender + age", dv, exclude=["gendr"])


# --------------------------------------------------------------------------- errors
def test_missing_column_suggests_close_matches(boston):
    with pytest.raises(FormulaError, match=r"unknown name\(s\) \['crm'\].*Did you mean 'crim'"):
        build_design("medv ~ crm + rm", boston)
    with pytest.raises(FormulaError, match=r"\['lstatt'\].*Available columns: 'crim'"):
        build_design("medv ~ np.log(lstatt)", boston)


@pytest.mark.parametrize(
    "formula, data, cls, pattern",
    [
        (3, None, InputTypeError, r"`formula` must be a string.*got 3"),
        ("medv crim", None, FormulaError, r"with '~'.*got 'medv crim'"),
        ("medv ~ crim +* rm", None, FormulaError, r"valid formula.*formulaic says.*\+\*"),
        ("medv ~ (crim + rm", None, FormulaError, r"valid formula.*matching"),
        ("medv ~ crim | rm", None, FormulaError, r"no '\|' parts"),
        ("medv ~ 1", None, FormulaError, r"at least one predictor"),
        ("medv ~ crim", "array", InputTypeError, r"`data` must be a pandas DataFrame"),
        ("medv ~ crim", "empty", InputError, r"non-empty DataFrame; got shape \(0, 14\)"),
        ("medv ~ crim + z", "allna", FormulaError, r"all-NA.*\['z'\]"),
        ("medv ~ crim + u + v", "disjoint", FormulaError, r"0 of 506 rows complete"),
        pytest.param(
            "medv ~ np.log(zn)",
            None,
            FormulaError,
            r"non-finite values in column\(s\) \['np.log",
            marks=pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning"),
        ),
    ],
    ids=[
        "type",
        "no-tilde",
        "syntax",
        "paren",
        "bar",
        "no-predictor",
        "ndarray",
        "empty",
        "all-na",
        "no-rows",
        "inf",
    ],
)
def test_build_errors(boston, formula, data, cls, pattern):
    frames = {
        None: boston,
        "array": boston.to_numpy(),
        "empty": boston.head(0),
        "allna": boston.assign(z=np.nan),
        "disjoint": boston.assign(
            u=np.where(np.arange(506) % 2, np.nan, 1.0), v=np.where(np.arange(506) % 2, 1.0, np.nan)
        ),
    }
    with pytest.raises(cls, match=pattern) as info:
        build_design(formula, frames[data])
    assert isinstance(info.value, LassoNetError)


def test_bad_na_action_and_exclude(boston):
    with pytest.raises(InputError, match=r"`na_action` must be 'omit' or 'fail'; got 'drop'"):
        build_design("medv ~ crim", boston, na_action="drop")
    with pytest.raises(FormulaError, match="leaving at least one term"):
        build_design("medv ~ crim", boston, exclude="crim")


def test_repr_and_types(boston):
    d = build_design("medv ~ crim + rm", boston)
    assert isinstance(d, Design)
    assert (
        repr(d) == "<Design 'medv ~ crim + rm': 506 rows x 2 columns in 2 terms, "
        "0 rows dropped (NA)>"
    )
    assert repr(d.spec) == "DesignSpec('medv ~ crim + rm': 2 columns in 2 terms)"
