"""Compact path states: exactly the same networks as the full tensors, in fewer bytes.

The reference is the same seeded fit with compaction switched off (every column kept): the
parameters, coefficients and predictions must be bit-identical, and files in the old format
(full tensors, ``lassonetpy-path/1``) must load to the same path.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from lassonetpy.engine import fit as engine
from lassonetpy.engine import fit_path
from lassonetpy.engine.states import PathState


def _data(n=120, d=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X[:, 0] + np.sin(2 * X[:, 1]) + 0.5 * X[:, 2] * X[:, 3] + 0.3 * rng.normal(size=n)
    return X, y


def _keep_all(tensors):
    """The old storage: every column of ``first`` kept."""
    first = tensors[0].detach()
    d = first.shape[-1]
    return PathState(
        columns=torch.arange(d),
        first=first.cpu().clone(),
        rest=tuple(t.detach().cpu().clone() for t in tensors[1:]),
        n_features=d,
    )


@pytest.fixture(scope="module")
def fits():
    X, y = _data()
    masks = np.ones((3, len(y)), dtype=bool)
    masks[1, :40] = False
    masks[2, 40:80] = False
    kw = dict(hidden=(6,), nlambda=25, seed=3, masks=masks)
    compact = fit_path(X, y, **kw)
    mp = pytest.MonkeyPatch()
    mp.setattr(engine.PathState, "compact", staticmethod(_keep_all))
    try:
        full = fit_path(X, y, **kw)
    finally:
        mp.undo()
    return X, compact, full


def test_compaction_changes_nothing(fits):
    X, compact, full = fits
    assert len(compact.states) == len(full.states)
    np.testing.assert_array_equal(compact.beta, full.beta)
    np.testing.assert_array_equal(compact.a0, full.a0)
    np.testing.assert_array_equal(compact.deviance, full.deviance)
    for i in range(len(full.lambdas)):
        for b in range(3):
            pc, pf = compact.params(i, b), full.params(i, b)
            for tc, tf in zip(pc.tensors(), pf.tensors(), strict=True):
                assert tc.shape == tf.shape and tc.dtype == tf.dtype
                assert bool((tc == tf).all())
            np.testing.assert_array_equal(compact.predict(X, i, b), full.predict(X, i, b))
        # indexing a state still gives the full tensors
        for tc, tf in zip(compact.states[i], full.states[i].tensors(), strict=True):
            assert bool((tc == tf).all())


def test_compact_states_drop_the_dead_columns(fits):
    _, compact, full = fits
    d = compact.x_center.shape[0]
    sel_any = compact.selected.any(0)  # (L, d): selected in some model
    for i, st in enumerate(compact.states):
        assert st.columns.tolist() == np.flatnonzero(sel_any[i]).tolist()
        assert st.first.shape == (3, 1 + 6, len(st.columns)) and st.n_features == d
    saved = sum(s.nbytes for s in compact.states)
    before = sum(s.full_nbytes for s in full.states)
    assert before == sum(s.full_nbytes for s in compact.states)
    # many columns are gone along much of the path (the grid begins where every feature is
    # still in: 7 of 18 points here keep all 12 columns in some model)
    assert saved < 0.8 * before


def test_select_one_model_is_its_slice(fits):
    _, compact, _ = fits
    i = len(compact.states) // 2
    st = compact.states[i]
    one = st.select(1)
    assert one.n_models == 1
    assert one.columns.tolist() == np.flatnonzero(compact.selected[1, i]).tolist()
    assert one.columns.numel() <= st.columns.numel()
    for a, b in zip(one.tensors(), st.tensors(1), strict=True):
        assert bool((a == b).all())


def test_sequence_interface():
    first = torch.zeros(2, 3, 6)
    first[0, 0, 1] = -2.0
    first[1, 2, 4] = float("nan")
    rest = [torch.ones(2, 1, 2), torch.zeros(2, 2), torch.ones(2, 1)]
    st = PathState.compact([first, *rest])
    assert st.columns.tolist() == [1, 4]  # NaN counts as alive: nothing is hidden
    assert len(st) == 4 and st[-1] is st.rest[-1] and st[1] is st.rest[0]
    torch.testing.assert_close(st[0], first, rtol=0, atol=0, equal_nan=True)
    assert [t.shape for t in st[1:3]] == [rest[0].shape, rest[1].shape]
    with pytest.raises(IndexError):
        st[4]


def test_old_format_files_load(tmp_path):
    from lassonetpy import lassonet, load
    from lassonetpy.datasets import load_boston

    fit = lassonet("medv ~ .", load_boston(), hidden=(6,), nlambda=12, seed=0, verbose=False)
    f2 = tmp_path / "new.pt"
    fit.save(f2)
    blob = torch.load(f2, weights_only=True)
    assert blob["format"] == "lassonetpy-path/2"
    # rewrite it as the previous version did: full tensors, no column lists
    meta = json.loads(blob["meta"])
    meta["format"] = "lassonetpy-path/1"
    del meta["result"]["n_features"]
    tensors = {k: v for k, v in blob["tensors"].items() if not k.endswith(".columns")}
    for i, st in enumerate(fit._result.states):
        tensors[f"state.{i}.0"] = st[0].clone()
    f1 = tmp_path / "old.pt"
    torch.save({"format": "lassonetpy-path/1", "meta": json.dumps(meta), "tensors": tensors}, f1)
    X = load_boston().drop(columns="medv")
    for back in (load(f1), load(f2)):
        np.testing.assert_array_equal(back.predict(X), fit.predict(X))
        np.testing.assert_array_equal(back.coef(s=0.5), fit.coef(s=0.5))
        for sa, sb in zip(back._result.states, fit._result.states, strict=True):
            assert sa.columns.tolist() == sb.columns.tolist()
            assert all(bool((a == b).all()) for a, b in zip(sa, sb, strict=True))
