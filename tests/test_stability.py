"""Tests of ``stability_selection()`` and ``StabilitySelection`` (local runs; Dask in
test_parallel.py).

Independent references: a known simulated truth (strong features vs noise), a plain loop of
single-model engine fits on the same subsamples with the same seeds, the subsample design
(sizes, disjoint complementary halves), and brute-force loops for the lambda region and the
Meinshausen-Buehlmann bound.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from lassonetpy import StabilitySelection, datasets, stability_selection
from lassonetpy.engine import fit_path
from lassonetpy.errors import InputError, InputTypeError

matplotlib.use("Agg")

TINY = dict(hidden=(6,), nlambda=12, dtype="float64", verbose=False)


@pytest.fixture(scope="module")
def sim():
    rng = np.random.default_rng(0)
    n, d = 160, 8
    X = rng.normal(size=(n, d))
    y = 2 * X[:, 0] - 2 * X[:, 1] + 1.5 * X[:, 2] + 0.5 * rng.normal(size=n)
    return X, y


@pytest.fixture(scope="module")
def st(sim):
    X, y = sim
    return stability_selection(X=X, y=y, B=8, seed=1, **TINY)


def test_strong_features_stable_noise_not(st):
    mp = st.max_probability(q=3.5)
    assert (mp[["x1", "x2", "x3"]] == 1.0).all()
    assert mp[["x4", "x5", "x6", "x7", "x8"]].max() <= 0.25
    assert st.selected(0.6, q=3.5) == ["x1", "x2", "x3"]
    # the dense fit selects everything; the last lambda nothing
    assert (st.probabilities[0] == 1).all() and (st.probabilities[-1] == 0).all()


def test_subsamples_half_size_and_complementary(st, sim):
    n = sim[0].shape[0]
    assert st.subsamples.shape == (16, n)
    assert (st.subsamples.sum(1) == n // 2).all()
    pairs = st.subsamples.reshape(8, 2, n)
    assert not (pairs[:, 0] & pairs[:, 1]).any()  # the two halves of a split are disjoint
    assert len({m.tobytes() for m in st.subsamples}) == 16  # all different
    # odd n: halves of floor(n/2) rows, one row left out of each pair
    odd = stability_selection(X=sim[0][:41], y=sim[1][:41], B=2, seed=0, **TINY)
    assert (odd.subsamples.sum(1) == 20).all()
    assert (odd.subsamples.reshape(2, 2, 41).sum(1).sum(1) == 40).all()


def test_meinshausen_buehlmann_subsamples(sim):
    X, y = sim
    mb = stability_selection(X=X, y=y, B=5, fraction=0.3, complementary_pairs=False, seed=2, **TINY)
    assert mb.subsamples.shape == (5, 160) and (mb.subsamples.sum(1) == 48).all()
    with pytest.raises(InputError, match="fraction=0.5"):
        mb.error_bound(0.9)
    assert "E[V]" not in str(mb)


def test_probabilities_equal_loop_of_single_fits(sim):
    """Each subsample's model alone (its own engine call, same seed child, same grid)."""
    X, y = sim
    X, y = X[:80], y[:80]
    st = stability_selection(X=X, y=y, B=2, seed=5, **TINY)
    L = len(st.lambdas)
    sel = np.zeros((st.n_subsamples, L, X.shape[1]), bool)
    for b, mask in enumerate(st.subsamples):
        one = fit_path(
            X,
            y,
            masks=mask[None],
            hidden=(6,),
            lambda_=st.lambdas[1:],
            dtype="float64",
            seed=5,
            seed_children=[b],
        )
        k = len(one.lambdas)  # the fit stops once its model is empty: not selected after
        sel[b, :k] = one.selected[0]
    np.testing.assert_array_equal(sel.mean(0), st.probabilities)
    np.testing.assert_array_equal(sel, st.selections)


def test_region_and_bound_by_brute_force(st):
    p = st.selections.shape[2]
    B, L = st.selections.shape[:2]
    for q in (1.0, 2.5, 3.5, 6.0):
        i, q_hat = st.region(q)
        sizes = []
        for start in range(L):
            u = [
                len({t for j in range(start, L) for t in range(p) if st.selections[b, j, t]})
                for b in range(B)
            ]
            sizes.append(np.mean(u))
        first = next(s for s in range(1, L) if sizes[s] <= q)
        assert (i, q_hat) == (first, pytest.approx(sizes[first]))
        mp = st.max_probability(q)
        np.testing.assert_allclose(mp.to_numpy(), st.probabilities[first:].max(0))
        for thr in (0.6, 0.9):
            assert st.error_bound(thr, q=q) == pytest.approx(
                sizes[first] ** 2 / ((2 * thr - 1) * p)
            )
    # default q = sqrt(0.8 p): bound <= 1 at 0.9 by construction
    assert st.q == pytest.approx(math.sqrt(0.8 * 8))
    assert st.error_bound(0.9) <= 1.0 + 1e-12
    with pytest.raises(InputError, match="threshold"):
        st.error_bound(0.5)


def test_formula_terms_and_unpenalised(tmp_path):
    df = datasets.load_boston().iloc[:120].copy()
    df["chas"] = df["chas"].astype("category")
    st = stability_selection(
        "medv ~ lstat + rm + C(chas) + crim",
        df,
        B=2,
        seed=0,
        penalty_factor={"rm": 0.0},
        **TINY,
    )
    assert st.term_names == ("lstat", "rm", "C(chas)", "crim")
    assert st.p == 3 and not st.penalized[1]
    assert (st.probabilities[:, 1] == 1).all()  # never penalised: always in
    assert "rm" in st.selected(0.6)
    frame = st.to_frame()
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(st.term_names)
    np.testing.assert_array_equal(frame.index.to_numpy(), st.lambdas)


def test_print_plot_immutable_reproducible(st, sim):
    text = str(st)
    assert text.startswith("Call: stability_selection(X=<ndarray 160x8>")
    for term, v in st.max_prob.items():
        assert re_line(term, v) in text
    assert f"E[V] <= {st.error_bound(0.6):.3g}" in text
    ax = st.plot(threshold=0.6, q=3.5)
    assert len(ax.get_lines()) == 8 + 2
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["x1", "x2", "x3"]
    assert ax.get_ylabel() == "Selection probability"
    with pytest.raises(ValueError):
        st.probabilities[0, 0] = 0.5
    with pytest.raises(AttributeError):
        st.q = 2.0  # type: ignore[misc]
    X, y = sim
    again = stability_selection(X=X, y=y, B=8, seed=1, **TINY)
    np.testing.assert_array_equal(again.probabilities, st.probabilities)
    assert isinstance(st, StabilitySelection)


def re_line(term: str, v: float) -> str:
    return f"{term:<4}  {v:8.2f}"


@pytest.mark.parametrize(
    "kwargs, cls, match",
    [
        (dict(B=0), InputError, "`B`"),
        (dict(fraction=0.7), InputError, "at most 0.5 with complementary_pairs"),
        (dict(fraction=1.5, complementary_pairs=False), InputError, "`fraction`"),
        (dict(fraction=0.001), InputError, "at least 2"),
        (dict(q=-1), InputError, "`q`"),
        (dict(complementary_pairs="yes"), InputError, "complementary_pairs"),
        (dict(nfolds=3), InputTypeError, "Unknown argument"),
        (dict(parallel="threads"), InputError, "`parallel` must be None"),
    ],
)
def test_bad_arguments(sim, kwargs, cls, match):
    X, y = sim
    with pytest.raises(cls, match=match):
        stability_selection(X=X, y=y, **{**TINY, "B": 2, **kwargs})
