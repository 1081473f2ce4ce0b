"""Faults: an interrupted fit or cross-validation, and a save that fails, leave nothing behind.

``KeyboardInterrupt`` is raised deterministically by wrapping the trainer's per-lambda (or
dense) step so that its n-th call raises. Afterwards the process-wide state a user may rely on
is exactly as before (torch threads and random state, numpy's and Python's random state,
warnings filters, numpy error handling, matplotlib's rcParams, grad mode, default dtype,
environment, open progress bars) and the next fit is identical to one made before the
interrupt. A save that fails (interrupt, full disk, no permission) leaves neither a partial
``.lnp`` nor a temporary file, and an existing file of that name stays intact.
"""

from __future__ import annotations

import os
import random
import stat
import sys
import warnings
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest
import torch

import lassonetpy.engine.fit as fitmod
from lassonetpy import cv_lassonet, lassonet, load, stability_selection
from lassonetpy.cli import main
from lassonetpy.datasets import load_boston
from lassonetpy.errors import SaveError

SM = dict(hidden=(4,), nlambda=5, seed=0, max_epochs=20)


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return load_boston().iloc[:80].reset_index(drop=True)


def _global_state() -> dict[str, Any]:
    tqdm = sys.modules.get("tqdm")
    return {
        "torch threads": torch.get_num_threads(),
        "torch interop threads": torch.get_num_interop_threads(),
        "torch rng": torch.random.get_rng_state().numpy().tobytes(),
        "numpy rng": repr(np.random.get_state()),
        "python rng": random.getstate(),
        "warnings filters": list(warnings.filters),
        "numpy errstate": np.geterr(),
        "rcParams": {k: repr(v) for k, v in matplotlib.rcParams.items()},
        "grad mode": torch.is_grad_enabled(),
        "default dtype": torch.get_default_dtype(),
        "deterministic": torch.are_deterministic_algorithms_enabled(),
        "environment": dict(os.environ),
        "cwd": os.getcwd(),
        "open tqdm bars": len(getattr(getattr(tqdm, "tqdm", None), "_instances", ())),
    }


def _interrupt_at(monkeypatch: pytest.MonkeyPatch, name: str, n: int) -> dict[str, int]:
    """Make the n-th call of ``engine.fit.<name>`` raise KeyboardInterrupt."""
    real, calls = getattr(fitmod, name), {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(fitmod, name, flaky)
    return calls


def _same_fit(a: Any, b: Any) -> None:
    np.testing.assert_array_equal(a.lambdas, b.lambdas)
    np.testing.assert_array_equal(a.beta, b.beta)


def _lassonet(d: pd.DataFrame) -> Any:
    return lassonet("medv ~ .", d, **SM)


_BEFORE: dict[Any, Any] = {}
RUNS = {
    "lassonet, path": (_lassonet, "train_lambda", 3),
    "lassonet, dense fit": (_lassonet, "train_dense", 1),
    "cv_lassonet": (lambda d: cv_lassonet("medv ~ .", d, nfolds=3, **SM).path, "train_lambda", 2),
    "cv_lassonet in chunks": (
        lambda d: cv_lassonet("medv ~ .", d, nfolds=3, n_tasks=2, **SM).path,
        "train_lambda",
        4,
    ),
    "stability_selection": (
        lambda d: stability_selection("medv ~ .", d, B=2, **SM),
        "train_lambda",
        2,
    ),
}


@pytest.mark.parametrize("name", RUNS)
def test_interrupt_leaves_no_trace_and_the_next_fit_is_unchanged(name, df, monkeypatch, capsys):
    run, where, n = RUNS[name]
    if run not in _BEFORE:  # a fit made before any interrupt (shared by runs of one function)
        _BEFORE[run] = run(df)
    before_fit = _BEFORE[run]
    # a user's own settings, which the interrupted fit must leave alone
    torch.manual_seed(123)
    np.random.seed(7)
    random.seed(5)
    frame = df.copy(deep=True)
    with warnings.catch_warnings(), np.errstate(divide="ignore"):
        warnings.simplefilter("ignore", DeprecationWarning)
        state = _global_state()
        with monkeypatch.context() as m:
            calls = _interrupt_at(m, where, n)
            with pytest.raises(KeyboardInterrupt):
                run(df)
            assert calls["n"] == n
        assert _global_state() == state
    pd.testing.assert_frame_equal(df, frame)
    after = run(df)
    if name == "stability_selection":
        np.testing.assert_array_equal(after.probabilities, before_fit.probabilities)
    else:
        _same_fit(after, before_fit)
    capsys.readouterr()


def test_cli_fit_interrupted_exits_130_and_writes_nothing(df, tmp_path, monkeypatch, capsys):
    data = tmp_path / "boston.csv"
    df.to_csv(data, index=False)
    out = tmp_path / "res"
    argv = ["fit", str(data), "medv ~ .", "--out", str(out), "--hidden", "4", "--nlambda", "6"]
    monkeypatch.delenv("LASSONETPY_DEBUG", raising=False)
    with monkeypatch.context() as m:
        _interrupt_at(m, "train_lambda", 2)
        assert main(argv) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())
    # an earlier result in the same directory survives a later interrupted run
    assert main([*argv, "--quiet"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with monkeypatch.context() as m:
        _interrupt_at(m, "train_lambda", 2)
        assert main([*argv, "--seed", "1", "--quiet"]) == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# ------------------------------------------------------------------------------------ save
@pytest.fixture(scope="module")
def fits(df) -> tuple[Any, Any]:
    return (
        lassonet("medv ~ rm + lstat", df, **{**SM, "verbose": False}),
        lassonet("medv ~ rm + lstat + crim", df, **{**SM, "verbose": False}),
    )


def _partial_then(exc: BaseException):
    def fake_save(obj: Any, f: Any, *args: Any, **kwargs: Any) -> None:
        f.write(b"PK\x03\x04 half a file")
        raise exc

    return fake_save


@pytest.mark.parametrize(
    "exc, raises",
    [
        (KeyboardInterrupt(), KeyboardInterrupt),
        (OSError(28, "No space left on device"), SaveError),
    ],
    ids=["interrupt", "disk full"],
)
def test_failed_save_leaves_no_partial_file(exc, raises, fits, tmp_path, monkeypatch):
    old, new = fits
    fresh, kept = tmp_path / "fresh.lnp", tmp_path / "kept.lnp"
    old.save(kept)
    content = kept.read_bytes()
    with monkeypatch.context() as m:
        m.setattr(torch, "save", _partial_then(exc))
        for target in (fresh, kept):
            with pytest.raises(raises) as info:
                new.save(target)
            if raises is SaveError:
                assert "No space left on device" in str(info.value)
                assert "`path`" in str(info.value) and str(target) in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.lnp"]  # no temporary files
    assert kept.read_bytes() == content
    assert load(kept).column_names == old.column_names


def test_save_to_an_unwritable_directory_is_a_clear_error(fits, tmp_path, monkeypatch):
    def refuse(*args: Any, **kwargs: Any) -> int:
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as m:  # chmod does not stop root, so refuse like the kernel
        m.setattr(os, "open", refuse)
        with pytest.raises(SaveError, match=r"`path` must be a file in a writable directory.*"):
            fits[0].save(tmp_path / "x.lnp")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SaveError, match="create it first"):
        fits[0].save(tmp_path / "missing" / "x.lnp")


def test_save_replaces_atomically_with_ordinary_permissions(fits, tmp_path):
    old, new = fits
    target = tmp_path / "fit.lnp"
    old.save(target)
    new.save(target)
    assert load(target).column_names == new.column_names
    assert [p.name for p in tmp_path.iterdir()] == ["fit.lnp"]
    plain = tmp_path / "plain"
    with open(plain, "wb"):
        pass
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


def test_saved_file_names_its_writer_and_a_newer_one_says_both_versions(fits, tmp_path):
    import lassonetpy

    f = tmp_path / "fit.lnp"
    fits[0].save(f)
    blob = torch.load(f, weights_only=True)
    assert blob["written_by"] == lassonetpy.__version__
    blob["format"], blob["written_by"] = "lassonetpy-path/3", "9.9.9"
    torch.save(blob, tmp_path / "future.lnp")
    with pytest.raises(lassonetpy.errors.FileFormatError) as info:
        load(Path(tmp_path / "future.lnp"))
    msg = str(info.value)
    assert "format version 3" in msg and "versions 1 to 2" in msg
    assert "lassonetpy 9.9.9" in msg and lassonetpy.__version__ in msg
