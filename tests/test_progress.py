"""The progress bar is tqdm's (tqdm.auto), behind the front ends' ``verbose`` switch."""

from __future__ import annotations

import tqdm.auto

from lassonetpy import cv_lassonet, lassonet
from lassonetpy.datasets import load_boston
from lassonetpy.engine.progress import Progress

SMALL = dict(hidden=(4,), nlambda=6, seed=0)


def test_verbose_prints_through_tqdm_and_quiet_prints_nothing(capsys, monkeypatch):
    df = load_boston()
    made = []
    real = tqdm.auto.tqdm

    class Spy(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            made.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", Spy)
    fit = lassonet("medv ~ .", df, verbose=True, **SMALL)
    out, err = capsys.readouterr()
    assert len(made) == 1 and made[0].desc == "path"
    assert made[0].n == made[0].total == len(fit)  # the dense fit + every lambda
    assert out == ""
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    # tqdm's own layout: percentage, bar, count, elapsed time, then lambda and features left
    assert "path: 100%|" in last and f"{len(fit)}/{len(fit)}" in last
    assert "lambda=" in last and "max features=0" in last

    made.clear()
    lassonet("medv ~ .", df, verbose=False, **SMALL)
    cv_lassonet("medv ~ .", df, nfolds=3, verbose=False, **SMALL)
    out, err = capsys.readouterr()
    assert made == [] and out == "" and err == ""


def test_progress_counts_without_a_bar():
    bar = Progress(5, "path", enabled=False)
    bar.update(2, "lambda=1 max features=3")
    bar.set_total(3)
    bar.update(4)
    assert (bar.n, bar.total, bar.note) == (3, 3, "lambda=1 max features=3")
    bar.close()
