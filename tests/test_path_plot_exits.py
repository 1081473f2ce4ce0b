"""The importance view of a path plot: every exit visible, marked where importance() says,
names that never overlap (measured on the drawn figure), on Boston, MICE and spam."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from lassonetpy import lassonet  # noqa: E402
from lassonetpy.datasets import (  # noqa: E402
    load_boston,
    load_mice_protein,
    load_spam,
    mice_protein_features,
)
from lassonetpy.report.exit_plot import exit_indices, spread  # noqa: E402


@pytest.fixture(scope="module")
def boston_fit():
    return lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=30, seed=0, verbose=False)


@pytest.fixture(scope="module")
def mice_fit():
    raw = load_mice_protein()
    proteins = mice_protein_features()
    data = raw[[*proteins, "class"]]
    data = data.fillna(data[proteins].mean())
    return lassonet(
        "class ~ .", data, family="multinomial", hidden=(8,), nlambda=25, seed=0, verbose=False
    )


def _labels(ax):
    return [t for t in ax.texts if (t.get_gid() or "").startswith("label:")]


def _exit_markers(ax):
    return {
        ln.get_label()[len("_exit:") :]: ln
        for ln in ax.lines
        if ln.get_label().startswith("_exit:")
    }


def _assert_no_overlap(ax):
    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    # the text itself (an annotation's extent would include its slanted leader line)
    boxes = [Text.get_window_extent(t, r) for t in _labels(ax)]
    others = [Text.get_window_extent(t, r) for t in ax.texts if t not in _labels(ax)]
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    for a in boxes:
        assert not any(a.overlaps(o) for o in others)  # e.g. the "dense fit" note
        assert fig.bbox.contains(a.x0, a.y0) and fig.bbox.contains(a.x1, a.y1)
    return boxes


def test_boston_every_exit_marked_at_its_importance_and_names_do_not_overlap(boston_fit):
    fit = boston_fit
    ax = fit.plot(yvar="importance", label=True)
    imp = fit.importance()
    markers = _exit_markers(ax)
    leaving = imp[np.isfinite(imp)]
    assert set(markers) == set(leaving.index)
    for term, lam in leaving.items():
        np.testing.assert_allclose(markers[term].get_xdata()[0], np.log(lam), rtol=1e-12)
        assert markers[term].get_ydata()[0] == 0.0
    assert sorted(t.get_gid()[6:] for t in _labels(ax)) == sorted(fit.term_names)
    boxes = _assert_no_overlap(ax)
    # the names stand at their exits (or as near as the spreading allows)
    lines = {t.get_gid()[6:]: t for t in _labels(ax)}
    assert len(boxes) == 12 and lines["lstat"].xy[0] == pytest.approx(np.log(imp["lstat"]))
    # every curve is the term's footprint as a share of its largest (penalised) value
    fp = fit.footprint()
    assert ((fp > 0) == fit.term_selected).all().all()  # zero exactly when out of the model
    plt.close("all")


def test_mice_names_only_the_last_k_to_leave(mice_fit):
    fit = mice_fit
    ax = fit.plot(yvar="importance", label=8)
    imp = fit.importance()
    named = {t.get_gid()[6:] for t in _labels(ax)}
    assert len(named) == 8
    assert named == set(imp.index[:8]) or min(imp[list(named)]) >= imp.iloc[8]
    assert len(_exit_markers(ax)) == int(np.isfinite(imp).sum())
    _assert_no_overlap(ax)
    ax = fit.plot(yvar="importance", label=True)  # 77 terms: the 10 last to leave
    assert len(_labels(ax)) == 10
    _assert_no_overlap(ax)
    plt.close("all")


def test_spam_binomial_importance_view_draws():
    spam = load_spam().iloc[::3]
    fit = lassonet(
        "type ~ .", spam, family="binomial", hidden=(8,), nlambda=15, seed=0, verbose=False
    )
    ax = fit.plot(yvar="importance", label=12, xvar="dev")
    assert len(_labels(ax)) == 12
    _assert_no_overlap(ax)
    with pytest.raises(ValueError, match="`yvar` must be 'coef' or 'importance'"):
        fit.plot(yvar="beta")
    plt.close("all")


def test_exit_indices_match_importance(boston_fit):
    fit = boston_fit
    ex = exit_indices(fit.term_selected)
    imp = fit.importance().reindex(fit.term_names).to_numpy()
    np.testing.assert_array_equal(np.where(ex >= 0, fit.lambdas[np.maximum(ex, 0)], np.inf), imp)


def test_spread_keeps_order_and_gaps():
    rng = np.random.default_rng(0)
    for _ in range(200):
        k = int(rng.integers(1, 12))
        pos = rng.uniform(0, 1, k)
        gap = float(rng.uniform(0.0, 1.0 / k))
        out = spread(pos, gap, 0.0, 1.0)
        order = np.argsort(pos, kind="stable")
        assert np.all(np.diff(out[order]) >= gap - 1e-12)
        assert out.min() >= -1e-12 and out.max() <= 1 + 1e-12
        # positions already far enough apart are not moved
        if k == 1 or np.all(np.diff(np.sort(pos)) >= gap):
            np.testing.assert_allclose(out, pos)
