"""Tests for the datasets shipped in ``lassonetpy.datasets``.

Run: ``OMP_NUM_THREADS=1 python -m pytest tests/test_datasets.py -q``.

The equality and checksum tests compare the shipped files with the originals in
``<repo>/../shared/data``, or in ``$LASSONETPY_SHARED_DATA`` when that folder does not exist.
If neither is there, those tests fail with a message saying so. They are never skipped silently.
"""

from __future__ import annotations

import doctest
import gzip
import hashlib
import importlib
import os
import socket
from importlib import resources
from pathlib import Path
from pkgutil import iter_modules

import numpy as np
import pandas as pd
import pytest

import lassonetpy.datasets as ds
from lassonetpy.datasets import (
    MICE_PROTEIN_FEATURES,
    list_datasets,
    load_boston,
    load_doctorvisits,
    load_gbsg2,
    load_mice_protein,
    load_spam,
    load_veteran,
    mice_protein_features,
)

LOADERS = {
    "mice_protein": load_mice_protein,
    "boston": load_boston,
    "doctorvisits": load_doctorvisits,
    "veteran": load_veteran,
    "spam": load_spam,
    "gbsg2": load_gbsg2,
}

# Documented changes with respect to the source CSV: column -> categorical levels, in order.
CATEGORICALS = {
    "mice_protein": {
        "Genotype": ["Control", "Ts65Dn"],
        "Treatment": ["Memantine", "Saline"],
        "Behavior": ["C/S", "S/C"],
        "class": ["c-CS-m", "c-CS-s", "c-SC-m", "c-SC-s", "t-CS-m", "t-CS-s", "t-SC-m", "t-SC-s"],
    },
    "boston": {},
    "doctorvisits": {
        "gender": ["male", "female"],
        **{c: ["no", "yes"] for c in ("private", "freepoor", "freerepat", "nchronic", "lchronic")},
    },
    "veteran": {"celltype": ["squamous", "smallcell", "adeno", "large"]},
    "spam": {"type": ["nonspam", "spam"]},
    "gbsg2": {"horTh": ["no", "yes"], "menostat": ["Pre", "Post"], "tgrade": ["I", "II", "III"]},
}
DROPPED = {"boston": ["black"]}


# --------------------------------------------------------------------------- source data
@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder with the original CSVs and their SHA256SUMS (never skipped silently)."""
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    if default.is_dir():
        return default
    env = os.environ.get("LASSONETPY_SHARED_DATA")
    if env and Path(env).is_dir():
        return Path(env)
    pytest.fail(
        f"Original data folder not found: {default} does not exist and LASSONETPY_SHARED_DATA "
        f"is {'unset' if not env else repr(env) + ' (not a directory)'}. Point "
        "LASSONETPY_SHARED_DATA to the shared/data folder that holds mice_protein.csv, "
        "boston.csv, doctorvisits.csv, veteran.csv, spam.csv, gbsg2.csv and SHA256SUMS.",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def source_sums(shared_data: Path) -> dict[str, str]:
    sums = {}
    for line in (shared_data / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            sums[name.lstrip("*")] = digest
    return sums


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _shipped_bytes(name: str) -> bytes:
    return gzip.decompress(
        resources.files("lassonetpy.datasets").joinpath(f"{name}.csv.gz").read_bytes()
    )


# --------------------------------------------------------------------------- equality with sources
@pytest.mark.parametrize("name", list(LOADERS))
def test_source_file_is_intact(name, shared_data, source_sums):
    raw = (shared_data / f"{name}.csv").read_bytes()
    assert _sha256(raw) == source_sums[f"{name}.csv"], f"{name}.csv differs from SHA256SUMS"


@pytest.mark.parametrize("name", ["mice_protein", "doctorvisits", "veteran", "spam", "gbsg2"])
def test_shipped_file_is_byte_identical_to_source(name, source_sums):
    assert _sha256(_shipped_bytes(name)) == source_sums[f"{name}.csv"]


def test_shipped_boston_is_source_without_black(shared_data):
    src = (shared_data / "boston.csv").read_text(encoding="ascii").splitlines()
    k = src[0].split(",").index('"black"')
    expected = []
    for line in src:
        fields = line.split(",")
        del fields[k]
        expected.append(",".join(fields))
    assert _shipped_bytes("boston").decode("ascii").splitlines() == expected
    assert "black" not in _shipped_bytes("boston").decode("ascii")


@pytest.mark.parametrize("name", list(LOADERS))
def test_loader_equals_source_up_to_documented_changes(name, shared_data):
    orig = pd.read_csv(shared_data / f"{name}.csv")
    got = LOADERS[name]()
    expected = orig.drop(columns=DROPPED.get(name, []))
    for col, levels in CATEGORICALS[name].items():
        assert not orig[col].isna().any()
        assert set(orig[col]) == set(levels), f"{name}.{col}: levels do not match the data"
        expected[col] = orig[col].astype(pd.CategoricalDtype(levels))
        # the labels themselves, row by row (not only via the categorical dtype)
        assert got[col].astype(str).tolist() == orig[col].tolist()
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # the numeric values bit for bit, NaN positions included
    num = expected.select_dtypes("number").columns
    assert len(num) > 0
    np.testing.assert_array_equal(got[num].to_numpy(), expected[num].to_numpy())


# --------------------------------------------------------------------------- list_datasets
def test_list_datasets_matches_loaders():
    tab = list_datasets()
    assert list(tab.columns) == ["name", "loader", "rows", "columns", "task", "response", "license"]
    assert tab["name"].tolist() == list(LOADERS)
    for row in tab.itertuples(index=False):
        loader = getattr(ds, row.loader)
        assert loader is LOADERS[row.name]
        df = loader()
        assert df.shape == (row.rows, row.columns)
        for resp in row.response.split(", "):
            assert resp in df.columns
    assert dict(zip(tab["name"], tab["task"], strict=True)) == {
        "mice_protein": "multiclass",
        "boston": "regression",
        "doctorvisits": "count",
        "veteran": "survival",
        "spam": "binary",
        "gbsg2": "survival",
    }
    tab.loc[0, "rows"] = -1  # a fresh table each call
    assert list_datasets().loc[0, "rows"] == 1080


def test_all_public_names_exist():
    for name in ds.__all__:
        assert hasattr(ds, name), name


# --------------------------------------------------------------------------- MICE
def test_mice_shape_and_columns():
    df = load_mice_protein()
    assert df.shape == (1080, 82)
    feats = mice_protein_features()
    assert len(feats) == 77 and len(set(feats)) == 77
    assert feats[0] == "DYRK1A_N" and feats[-1] == "CaNA_N"
    assert tuple(feats) == MICE_PROTEIN_FEATURES
    assert list(df.columns) == ["MouseID", *feats, "Genotype", "Treatment", "Behavior", "class"]


def test_mice_features_returns_a_new_list():
    a = mice_protein_features()
    a.append("junk")
    a[0] = "changed"
    assert mice_protein_features()[0] == "DYRK1A_N"
    assert len(mice_protein_features()) == 77
    assert isinstance(MICE_PROTEIN_FEATURES, tuple)


def test_mice_dtypes():
    df = load_mice_protein()
    for col in MICE_PROTEIN_FEATURES:
        assert df[col].dtype == np.float64, col
    assert pd.api.types.is_string_dtype(df["MouseID"])
    assert not isinstance(df["MouseID"].dtype, pd.CategoricalDtype)
    assert df["MouseID"].is_unique
    for col, levels in CATEGORICALS["mice_protein"].items():
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
        assert list(df[col].cat.categories) == levels
        assert not df[col].cat.ordered


def test_mice_missing_values():
    df = load_mice_protein()
    X = df[mice_protein_features()]
    assert int(X.isna().sum().sum()) == 1396
    assert int(df.isna().sum().sum()) == 1396  # none outside the protein columns
    per_col = X.isna().sum()
    assert int((per_col > 0).sum()) == 49
    assert per_col[["BCL2_N", "H3MeK4_N", "BAD_N", "EGR1_N", "H3AcK18_N"]].tolist() == [
        285, 270, 213, 210, 180,
    ]  # fmt: skip
    assert int((X.isna().sum(axis=1) == 43).sum()) == 3
    assert int((X.isna().sum(axis=1) == 0).sum()) == 552


def test_mice_class_counts_and_design():
    df = load_mice_protein()
    assert df["class"].value_counts().to_dict() == {
        "c-CS-m": 150, "c-SC-m": 150, "c-CS-s": 135, "c-SC-s": 135,
        "t-CS-m": 135, "t-SC-m": 135, "t-SC-s": 135, "t-CS-s": 105,
    }  # fmt: skip
    assert df["Genotype"].value_counts().to_dict() == {"Control": 570, "Ts65Dn": 510}
    assert df["Treatment"].value_counts().to_dict() == {"Memantine": 570, "Saline": 510}
    assert df["Behavior"].value_counts().to_dict() == {"S/C": 555, "C/S": 525}
    # class = <genotype>-<behavior>-<treatment>
    built = (
        df["Genotype"].astype(str).str[0].str.lower()
        + "-"
        + df["Behavior"].astype(str).str.replace("/", "")
        + "-"
        + df["Treatment"].astype(str).str[0].str.lower()
    )
    assert (built == df["class"].astype(str)).all()
    # 72 mice x 15 replicates, one class per mouse (documented in Notes)
    mouse = df["MouseID"].str.rsplit("_", n=1).str[0]
    assert mouse.nunique() == 72
    assert set(mouse.value_counts()) == {15}
    assert df.groupby(mouse)["class"].nunique().max() == 1


# --------------------------------------------------------------------------- other datasets
def test_boston():
    df = load_boston()
    assert df.shape == (506, 13)
    assert "black" not in df.columns
    assert list(df.columns) == [
        "crim", "zn", "indus", "chas", "nox", "rm", "age", "dis", "rad", "tax", "ptratio",
        "lstat", "medv",
    ]  # fmt: skip
    assert df[["chas", "rad", "tax"]].dtypes.eq(np.int64).all()
    assert df.drop(columns=["chas", "rad", "tax"]).dtypes.eq(np.float64).all()
    assert int(df.isna().sum().sum()) == 0
    assert int((df["medv"] == 50).sum()) == 16
    assert set(df["chas"]) == {0, 1}


def test_doctorvisits():
    df = load_doctorvisits()
    assert df.shape == (5190, 12)
    assert df.columns[0] == "visits"
    assert df["visits"].dtype == np.int64
    assert df["visits"].between(0, 9).all()
    assert int(df["visits"].sum()) == 1566
    assert df["visits"].value_counts().sort_index().tolist() == [
        4141, 782, 174, 30, 24, 9, 12, 12, 5, 1,
    ]  # fmt: skip
    for col in ("illness", "reduced", "health"):
        assert df[col].dtype == np.int64
    for col in ("age", "income"):
        assert df[col].dtype == np.float64
    for col, levels in CATEGORICALS["doctorvisits"].items():
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
        assert list(df[col].cat.categories) == levels
    assert all(  # no string columns left: all strings became categoricals
        pd.api.types.is_numeric_dtype(df[c]) or isinstance(df[c].dtype, pd.CategoricalDtype)
        for c in df
    )
    assert df["gender"].value_counts().to_dict() == {"female": 2702, "male": 2488}
    assert df["freepoor"].value_counts().to_dict() == {"no": 4968, "yes": 222}
    assert int(df.isna().sum().sum()) == 0


def test_veteran():
    df = load_veteran()
    assert df.shape == (137, 8)
    assert list(df.columns) == [
        "trt", "celltype", "time", "status", "karno", "diagtime", "age", "prior",
    ]  # fmt: skip
    assert df.drop(columns="celltype").dtypes.eq(np.int64).all()
    assert list(df["celltype"].cat.categories) == ["squamous", "smallcell", "adeno", "large"]
    assert df["celltype"].value_counts().to_dict() == {
        "smallcell": 48, "squamous": 35, "adeno": 27, "large": 27,
    }  # fmt: skip
    assert df["status"].value_counts().to_dict() == {1: 128, 0: 9}
    assert df["trt"].value_counts().to_dict() == {1: 69, 2: 68}
    assert set(df["prior"]) == {0, 10}
    assert (df["time"] > 0).all()
    assert int(df.isna().sum().sum()) == 0


def test_gbsg2():
    df = load_gbsg2()
    assert df.shape == (686, 10)
    assert list(df.columns) == [
        "horTh", "age", "menostat", "tsize", "tgrade", "pnodes", "progrec", "estrec", "time",
        "cens",
    ]  # fmt: skip
    assert df.select_dtypes("number").dtypes.eq(np.int64).all()
    assert df["cens"].value_counts().to_dict() == {0: 387, 1: 299}
    assert df["horTh"].value_counts().to_dict() == {"no": 440, "yes": 246}
    assert (df["time"] > 0).all() and int(df["time"].duplicated().sum()) == 112
    assert int(df.isna().sum().sum()) == 0


def test_spam():
    df = load_spam()
    assert df.shape == (4601, 58)
    assert df.columns[-1] == "type"
    assert df.iloc[:, :57].dtypes.eq(np.float64).all()
    assert list(df.columns[48:57]) == [
        "charSemicolon", "charRoundbracket", "charSquarebracket", "charExclamation",
        "charDollar", "charHash", "capitalAve", "capitalLong", "capitalTotal",
    ]  # fmt: skip
    assert list(df["type"].cat.categories) == ["nonspam", "spam"]
    assert df["type"].value_counts().to_dict() == {"nonspam": 2788, "spam": 1813}
    assert df["type"].cat.codes.tolist().count(1) == 1813  # spam is the positive class
    assert int(df.isna().sum().sum()) == 0
    assert (df.iloc[:, :57] >= 0).all().all()


# --------------------------------------------------------------------------- behaviour
@pytest.mark.parametrize("name", list(LOADERS))
def test_loaders_return_a_fresh_copy(name):
    loader = LOADERS[name]
    reference = loader()
    a = loader()
    b = loader()
    assert a is not b
    num = a.select_dtypes("number").columns[0]
    assert not np.shares_memory(a[num].to_numpy(), b[num].to_numpy())
    # mutate a in every way a user might
    a.iloc[0, :] = a.iloc[1, :]
    a[num] = -12345
    cat = next((c for c in a.columns if isinstance(a[c].dtype, pd.CategoricalDtype)), None)
    if cat is not None:
        a[cat] = a[cat].cat.add_categories(["__new__"])
        a.loc[a.index[0], cat] = "__new__"
    del a[a.columns[-1]]
    a.iloc[2:10] = a.iloc[10:18].to_numpy()
    a.columns = [f"x{i}" for i in range(a.shape[1])]
    pd.testing.assert_frame_equal(b, reference, check_exact=True)
    pd.testing.assert_frame_equal(loader(), reference, check_exact=True)


def test_loaders_do_not_use_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a dataset loader tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for loader in LOADERS.values():
        assert len(loader()) > 0


def test_missing_file_gives_a_clear_error():
    with pytest.raises(FileNotFoundError, match="missing from the lassonetpy installation"):
        ds._read_csv("no_such_dataset.csv.gz")


def test_unexpected_category_value_is_an_error_not_nan():
    df = pd.DataFrame({"g": ["a", "b", "zzz"]})
    with pytest.raises(RuntimeError, match="corrupt"):
        ds._as_categorical(df, "g", ["a", "b"])
    df = pd.DataFrame({"g": ["a", None]})
    with pytest.raises(RuntimeError, match="corrupt"):
        ds._as_categorical(df, "g", ["a", "b"])
    df = pd.DataFrame({"g": ["b", "a"]})
    ds._as_categorical(df, "g", ["b", "a"])
    assert list(df["g"].cat.categories) == ["b", "a"]


def test_doctests_in_module_pass():
    attempted = 0
    for mod in (
        ds,
        *(importlib.import_module(f"{ds.__name__}.{m.name}") for m in iter_modules(ds.__path__)),
    ):
        result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, mod.__name__
        attempted += result.attempted
    assert attempted >= 15


def test_every_loader_documents_every_column():
    for name, loader in LOADERS.items():
        doc = loader.__doc__ or ""
        for section in ("Returns", "Notes", "Origin", "License", "Examples"):
            assert section in doc, f"{loader.__name__}: no {section!r} section"
        assert f">>> df = {loader.__name__}(); df.shape" in doc
        cols = loader().columns
        if name == "mice_protein":
            cols = [c for c in cols if c not in MICE_PROTEIN_FEATURES]
            assert "mice_protein_features" in doc
        for col in cols:
            assert col in doc, f"{loader.__name__}: column {col!r} is not documented"
    assert "black" in (load_boston.__doc__ or "")
