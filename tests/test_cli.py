"""The ``lassonetpy`` command line end to end: fit, predict, demo, help and bad arguments.

Most tests call :func:`lassonetpy.cli.main` in-process (fast); a few run ``python -m
lassonetpy`` in a subprocess to check what a user sees: exit status, one line on stderr and
no traceback. Small settings (hidden ``--hidden 8``, ``--nlambda 12``) keep each fit short.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lassonetpy import cv_lassonet, lassonet, load
from lassonetpy.cli import build_parser, main, read_csv
from lassonetpy.datasets import load_boston

REPO = Path(__file__).resolve().parents[1]
SMALL = ["--hidden", "8", "--nlambda", "12", "--seed", "0", "--quiet"]
FORMULA = "medv ~ rm + lstat + crim + region + ptratio"


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory) -> Path:
    """Boston with a text factor column (3 levels) and missing values in it and in ``rm``."""
    df = load_boston()
    df["region"] = np.where(df["crim"] > 1.0, "inner", np.where(df["zn"] > 0, "outer", "mid"))
    df.loc[[3, 17, 40], "rm"] = np.nan
    df.loc[[5, 60], "region"] = None
    path = tmp_path_factory.mktemp("cli") / "boston.csv"
    df.to_csv(path, index=False)
    return path


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _subprocess(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("LASSONETPY_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "lassonetpy", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


# ------------------------------------------------------------------------------ reading
def test_read_csv_text_columns_are_factors_and_empty_or_NA_is_missing(csv_file):
    df = read_csv(csv_file)
    assert not pd.api.types.is_numeric_dtype(df["region"])
    assert int(df["region"].isna().sum()) == 2
    assert int(df["rm"].isna().sum()) == 3
    assert read_csv(csv_file, na_values=[""])["rm"].isna().sum() == 3


# ------------------------------------------------------------------------------ fit
def test_fit_writes_model_plots_and_summary(csv_file, tmp_path, capsys):
    out = tmp_path / "res"
    code, stdout, _ = _run(["fit", str(csv_file), FORMULA, "--out", str(out), *SMALL], capsys)
    assert code == 0
    assert "Df" in stdout and "%Dev" in stdout and "Lambda" in stdout
    assert "most important first" in stdout
    for name in ("model.lnp", "summary.json", "path.png", "importance.png"):
        assert (out / name).stat().st_size > 0, name
    assert not (out / "cv.png").exists()
    s = json.loads((out / "summary.json").read_text())
    assert s["family"] == "gaussian" and s["formula"] == FORMULA
    assert s["n_rows_read"] == 506 and s["n_dropped"] == 5 and s["n"] == 501
    assert s["terms"] == ["rm", "lstat", "crim", "region", "ptratio"]
    assert sorted(s["selected"]["by_importance"]) == sorted(s["terms"])
    assert len(s["path"]["lambda"]) == len(s["path"]["df"]) and s["path"]["lambda"][0] == 0

    # the CLI's fit is the library's fit: same data, same settings, same numbers
    df = read_csv(csv_file)
    lib = lassonet(FORMULA, df, hidden=(8,), nlambda=12, seed=0, verbose=False)
    saved = load(out / "model.lnp")
    np.testing.assert_array_equal(saved.lambdas, lib.lambdas)
    np.testing.assert_allclose(saved.predict(df.dropna(), s=0), lib.predict(df.dropna(), s=0))


def test_fit_with_cv_and_predict_round_trip(csv_file, tmp_path, capsys):
    out = tmp_path / "cv"
    code, stdout, _ = _run(
        ["fit", str(csv_file), FORMULA, "--cv", "4", "--out", str(out), *SMALL], capsys
    )
    assert code == 0
    assert "Mean-Squared Error" in stdout and "lambda_1se" in stdout
    assert (out / "cv.png").stat().st_size > 0
    s = json.loads((out / "summary.json").read_text())
    cv = s["cv"]
    assert cv["nfolds"] == 4 and cv["lambda_1se"] >= cv["lambda_min"]
    assert s["lambdas_chosen"] == {"lambda_min": cv["lambda_min"], "lambda_1se": cv["lambda_1se"]}
    assert len(s["selected"]["lambda_1se"]) == cv["nzero_1se"]

    df = read_csv(csv_file)
    lib = cv_lassonet(FORMULA, df, nfolds=4, hidden=(8,), nlambda=12, seed=0, verbose=False)
    assert lib.lambda_min == pytest.approx(cv["lambda_min"])
    assert lib.lambda_1se == pytest.approx(cv["lambda_1se"])

    # predict at lambda_1se (read from summary.json next to the model), to a file
    pred_file = tmp_path / "pred.csv"
    code, _, err = _run(
        [
            "predict",
            str(out / "model.lnp"),
            str(csv_file),
            "--s",
            "lambda.1se",
            "--out",
            str(pred_file),
        ],
        capsys,
    )
    assert code == 0
    assert "5 row(s) with missing values" in err
    pred = pd.read_csv(pred_file)
    assert len(pred) == 506 and pred.columns.tolist() == [f"s{cv['index_1se']}"]
    col = pred.iloc[:, 0]
    assert col.isna().sum() == 5  # the incomplete rows stay, with empty predictions
    complete = df.dropna()
    expected = lib.predict(complete, s="lambda_1se", type="response")
    np.testing.assert_allclose(col[complete.index].to_numpy(), expected.to_numpy(), rtol=1e-6)

    # a directory works as MODEL; stdout output; --df
    code, stdout, _ = _run(["predict", str(out), str(csv_file), "--df", "2", "--quiet"], capsys)
    assert code == 0 and len(stdout.strip().splitlines()) == 507


def test_predict_classes_of_a_multinomial_fit(csv_file, tmp_path, capsys):
    out = tmp_path / "m"
    code, _, _ = _run(
        [
            "fit",
            str(csv_file),
            "region ~ rm + lstat + ptratio",
            "--family",
            "multinomial",
            "--out",
            str(out),
            *SMALL,
        ],
        capsys,
    )
    assert code == 0
    code, stdout, _ = _run(["predict", str(out), str(csv_file), "--s", "0", "--quiet"], capsys)
    assert code == 0
    head = stdout.splitlines()[0].split(",")
    assert head == ["inner", "mid", "outer"]
    code, stdout, _ = _run(
        ["predict", str(out), str(csv_file), "--s", "0", "--type", "class", "--quiet"], capsys
    )
    labels = {ln for ln in stdout.splitlines()[1:] if ln}
    assert labels <= {"inner", "mid", "outer", '""'}


def test_predict_na_rows_fail(csv_file, tmp_path, capsys):
    out = tmp_path / "f"
    assert _run(["fit", str(csv_file), FORMULA, "--out", str(out), *SMALL], capsys)[0] == 0
    code, _, err = _run(["predict", str(out), str(csv_file), "--na-rows", "fail"], capsys)
    assert code == 1 and err.startswith("lassonetpy: error:") and "NA" in err


# ------------------------------------------------------------------------------ errors
BAD = {
    "missing file": (["fit", "no-such-file.csv", "y ~ ."], "no-such-file.csv"),
    "bad formula": (["fit", "{csv}", "medv ~ rm +"], "formula"),
    "unknown column": (["fit", "{csv}", "medv ~ nope"], "nope"),
    "unknown family": (["fit", "{csv}", "medv ~ rm", "--family", "gaussiann"], "family"),
    "wrong response": (["fit", "{csv}", "region ~ rm", "--family", "binomial"], "binomial"),
    "bad hidden": (["fit", "{csv}", "medv ~ rm", "--hidden", "big"], "--hidden"),
    "missing formula": (["fit", "{csv}"], "formula"),
    "cv too few folds": (["fit", "{csv}", "medv ~ rm", "--cv", "1"], "fold"),
    "model not found": (["predict", "nope.lnp", "{csv}"], "nope.lnp"),
    "not a model": (["predict", "{csv}", "{csv}"], "not a lassonetpy model"),
    "unknown command": (["fitt"], "invalid choice"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_arguments_one_line_no_traceback(case, csv_file, capsys):
    argv, needle = BAD[case]
    argv = [a.replace("{csv}", str(csv_file)) for a in argv]
    if argv[0] == "fit" and "--hidden" not in argv:
        argv += SMALL
    code: int | str | None
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: malformed command line
        code = exc.code
    err = capsys.readouterr().err
    assert code not in (0, None)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "error:" in lines[0] and needle in lines[0], lines[0]
    assert "Traceback" not in err


def test_subprocess_errors_exit_nonzero_without_traceback(csv_file, tmp_path):
    for argv in (
        ["fit", "missing.csv", "y ~ ."],
        ["fit", str(csv_file), "medv ~ rm + ", "--quiet"],
        ["fit", str(csv_file), "medv ~ rm", "--family", "gamma", "--quiet"],
    ):
        r = _subprocess(*argv, cwd=tmp_path)
        assert r.returncode == 1, (argv, r.stderr)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("lassonetpy: error: "), r.stderr
        assert "Traceback" not in r.stderr and r.stdout == ""


# ------------------------------------------------------------------------------ help
@pytest.mark.parametrize("cmd", [[], ["fit"], ["predict"], ["demo"]])
def test_help(cmd, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*cmd, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: lassonetpy")
    if cmd == ["fit"]:
        assert "--family" in out and "--cv" in out and "--out" in out
        assert "--nlambda" not in out  # hidden speed knob


def test_subprocess_help_and_no_command():
    r = _subprocess("--help")
    assert r.returncode == 0 and "fit" in r.stdout and "predict" in r.stdout
    r = _subprocess()
    assert r.returncode == 2 and "usage:" in r.stderr


def test_parser_defaults():
    a = build_parser().parse_args(["fit", "d.csv", "y ~ ."])
    assert (a.family, a.cv, a.hidden, a.M, a.seed) == ("gaussian", None, (100,), 10.0, 0)
    assert build_parser().parse_args(["fit", "d.csv", "y ~ .", "--hidden", "64,32"]).hidden == (
        64,
        32,
    )


# ------------------------------------------------------------------------------ demo
def test_demo_quick(tmp_path, capsys):
    code, out, _ = _run(["demo", "--quick", "--out", str(tmp_path / "demo"), "--quiet"], capsys)
    assert code == 0
    for needle in (
        "Measure: Multinomial Deviance",
        "lambda_1se",
        "Selected proteins",
        "Held-out accuracy",
        "path.png",
    ):
        assert needle in out, needle
    acc = [
        float(ln.rsplit("accuracy", 1)[1])
        for ln in out.splitlines()
        if "accuracy 0" in ln or "accuracy 1" in ln
    ]
    assert len(acc) == 3 and all(0.3 < a <= 1 for a in acc)  # 8 classes: chance is 0.125
    assert (tmp_path / "demo" / "path.png").stat().st_size > 0
    assert (tmp_path / "demo" / "cv.png").stat().st_size > 0


def test_demo_split_is_by_mouse_and_stratified():
    from lassonetpy._demo import mice_data, mouse_folds, mouse_split

    data, mouse = mice_data()
    test = mouse_split(data["class"], mouse, 0.2, seed=0)
    assert not set(mouse[test]) & set(mouse[~test])
    assert data.loc[test, "class"].nunique() == 8
    fid = mouse_folds(data.loc[~test, "class"], mouse[~test], 10, seed=0)
    per_mouse = pd.Series(fid).groupby(mouse[~test]).nunique()
    assert (per_mouse == 1).all() and sorted(set(fid)) == list(range(1, 11))
