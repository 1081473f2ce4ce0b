"""Tests of :mod:`lassonetpy.report.cv_stats` (folds, fold errors, cvm/cvsd, 1-SE rule) and
:mod:`lassonetpy.report.cv_plot`.

Reference for cvm / cvsd: glmnet 4.1-8, ``R/cvcompute.R`` and ``R/cvstats.R`` (grouped=TRUE)::

    # cvcompute: per-fold weighted means of the observation-level errors
    wisum  = tapply(weights, foldid, sum)
    for (i in seq(nfolds)) outmat[i, ] = apply(mat[foldid == i, , drop = FALSE], 2, weighted.mean,
                                               w = weights[foldid == i], na.rm = TRUE)
    # cvstats
    cvm  = apply(cvraw, 2, weighted.mean, w = weights, na.rm = TRUE)
    cvsd = sqrt(apply(scale(cvraw, cvm, FALSE)^2, 2, weighted.mean,
                      w = weights, na.rm = TRUE) / (N - 1))

and for the 1-SE rule ``R/getOptcv.glmnet.R``::

    if (match(cvname, c("AUC", "C-index"), 0)) cvm = -cvm
    cvmin = min(cvm, na.rm = TRUE)
    idmin = cvm <= cvmin
    lambda.min = max(lambda[idmin], na.rm = TRUE)
    idmin = match(lambda.min, lambda)
    semin = (cvm + cvsd)[idmin]
    id1se = cvm <= semin
    lambda.1se = max(lambda[id1se], na.rm = TRUE)

The Python references below transliterate these lines with explicit loops.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sklearn.metrics import mean_squared_error, roc_auc_score  # noqa: E402

from lassonetpy.errors import InputError, InputTypeError, LassoNetWarning  # noqa: E402
from lassonetpy.report.cv_plot import plot_cv  # noqa: E402
from lassonetpy.report.cv_stats import (  # noqa: E402
    check_foldid,
    choose_lambda,
    cv_summary,
    fold_errors,
    fold_weight_sums,
    make_folds,
)
from lassonetpy.report.measures import compute  # noqa: E402


# --------------------------------------------------------------------------------------------
# references written from the R code above
# --------------------------------------------------------------------------------------------
def r_weighted_mean_narm(x, w):
    keep = [i for i in range(len(x)) if not np.isnan(x[i])]
    return sum(w[i] * x[i] for i in keep) / sum(w[i] for i in keep)


def r_cvstats(cvraw, weights):
    K, L = cvraw.shape
    cvm, cvsd = np.empty(L), np.empty(L)
    for j in range(L):
        col = cvraw[:, j]
        N = int((~np.isnan(col)).sum())
        cvm[j] = r_weighted_mean_narm(col, weights)
        cvsd[j] = np.sqrt(r_weighted_mean_narm((col - cvm[j]) ** 2, weights) / (N - 1))
    return cvm, cvsd


def r_getoptcv(lam, cvm, cvsd, maximize=False):
    cvm = -np.asarray(cvm) if maximize else np.asarray(cvm)
    cvmin = np.nanmin(cvm)
    lambda_min = max(lam[i] for i in range(len(lam)) if cvm[i] <= cvmin)
    idmin = list(lam).index(lambda_min)
    semin = cvm[idmin] + cvsd[idmin]
    lambda_1se = max(lam[i] for i in range(len(lam)) if cvm[i] <= semin)
    return lambda_min, lambda_1se, idmin, list(lam).index(lambda_1se)


# --------------------------------------------------------------------------------------------
# make_folds
# --------------------------------------------------------------------------------------------
def test_random_folds_are_balanced_and_reproducible():
    f = make_folds(103, 10, seed=7)
    assert f.shape == (103,) and f.dtype.kind == "i"
    assert set(f.tolist()) == set(range(1, 11))
    counts = np.bincount(f)[1:]
    assert counts.max() - counts.min() <= 1
    np.testing.assert_array_equal(f, make_folds(103, 10, seed=7))
    assert not np.array_equal(f, make_folds(103, 10, seed=8))
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(make_folds(50, 5, seed=rng), make_folds(50, 5, seed=5))


def test_folds_never_touch_the_global_rng():
    state = np.random.get_state()
    make_folds(40, 4)
    make_folds(40, 4, y_codes=np.arange(40) % 3, seed=1)
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=5),
    nfolds=st.integers(3, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_stratified_folds_balance_every_class(sizes, nfolds, seed):
    y = np.repeat(np.arange(len(sizes)), sizes)
    n = y.size
    if nfolds > n:
        return
    y = np.random.default_rng(seed).permutation(y)
    f = make_folds(n, nfolds, y_codes=y, seed=seed)
    assert set(f.tolist()) <= set(range(1, nfolds + 1))
    overall = np.bincount(f, minlength=nfolds + 1)[1:]
    assert overall.max() - overall.min() <= 1
    for c in range(len(sizes)):
        per_fold = np.bincount(f[y == c], minlength=nfolds + 1)[1:]
        assert per_fold.max() - per_fold.min() <= 1, (c, per_fold)


def test_stratified_folds_accept_string_labels_and_are_reproducible():
    y = np.array(["a"] * 30 + ["b"] * 12 + ["c"] * 5)
    f = make_folds(y.size, 5, y_codes=y, seed=3)
    np.testing.assert_array_equal(f, make_folds(y.size, 5, y_codes=y, seed=3))
    for c in "abc":
        counts = np.bincount(f[y == c], minlength=6)[1:]
        assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize(
    "n, nfolds, pattern",
    [
        (
            20,
            2,
            r"`nfolds` must be an integer with 3 <= nfolds <= n \(n = 20\); got 2\. "
            r".*at least 3 folds.*nfolds=10 is recommended",
        ),
        (
            5,
            6,
            r"`nfolds` must be an integer with 3 <= nfolds <= n \(n = 5\); got 6\. "
            r"There are only 5 observations",
        ),
        (20, 3.0, r"`nfolds` must be an integer .* got 3\.0\."),
        (20, True, r"`nfolds` must be an integer .* got True\."),
        (0, 3, r"`n` must be a positive integer"),
    ],
)
def test_make_folds_rejects_bad_nfolds(n, nfolds, pattern):
    with pytest.raises(InputError, match=pattern):
        make_folds(n, nfolds)


def test_make_folds_rejects_bad_strata_and_seed():
    with pytest.raises(
        InputError,
        match=r"`y_codes` must be a 1-D array of length n = 10; "
        r"got shape \(9,\)",
    ):
        make_folds(10, 3, y_codes=np.zeros(9))
    with pytest.raises(InputError, match=r"`seed` must be None, a non-negative integer"):
        make_folds(10, 3, seed=-1)


# --------------------------------------------------------------------------------------------
# check_foldid
# --------------------------------------------------------------------------------------------
def test_check_foldid_normalises_labels():
    np.testing.assert_array_equal(check_foldid([3, 3, 7, 7, 9, 9], 6), [1, 1, 2, 2, 3, 3])
    np.testing.assert_array_equal(check_foldid(np.array([0.0, 1.0, 2.0, 0.0]), 4), [1, 2, 3, 1])
    f = make_folds(30, 5, seed=0)
    np.testing.assert_array_equal(check_foldid(f, 30), f)


@pytest.mark.parametrize(
    "foldid, n, cls, pattern",
    [
        ([1, 2, 3], 4, InputError, r"`foldid` must be a vector of length n = 4 .*; got length 3\."),
        (
            [1, 1, 2, 2],
            4,
            InputError,
            r"`foldid` must be labels of at least 3 distinct folds; "
            r"got \[1, 2\]\. .*nfolds=10 is recommended",
        ),
        (
            [1, 2, 3, 1.5],
            4,
            InputError,
            r"`foldid` must be integer fold labels; got array\(\[1\.5\]\)",
        ),
        ([1, 2, 3, np.nan], 4, InputError, r"`foldid` must be integer fold labels without NaN"),
        (["a", "b", "c"], 3, InputTypeError, r"`foldid` must be integer fold labels"),
        ([True, False, True], 3, InputTypeError, r"`foldid` must be integer fold labels"),
        (np.ones((2, 2)), 2, InputError, r"got shape \(2, 2\)"),
    ],
)
def test_check_foldid_errors(foldid, n, cls, pattern):
    with pytest.raises(cls, match=pattern):
        check_foldid(foldid, n)


def test_fold_weight_sums():
    got = fold_weight_sums([2, 1, 2, 3], [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(got, [2.0, 4.0, 4.0])


# --------------------------------------------------------------------------------------------
# fold_errors
# --------------------------------------------------------------------------------------------
def test_fold_errors_match_per_fold_sklearn():
    rng = np.random.default_rng(1)
    n, L = 60, 4
    y = rng.normal(size=n)
    preds = y + rng.normal(size=(L, n)) * np.array([0.3, 0.6, 1.0, 2.0])[:, None]
    w = rng.uniform(0.5, 2.0, size=n)
    foldid = make_folds(n, 5, seed=2)
    got = fold_errors("mse", y, preds, foldid, w, "gaussian")
    assert got.shape == (5, L)
    for k in range(5):
        rows = foldid == k + 1
        for j in range(L):
            ref = mean_squared_error(y[rows], preds[j, rows], sample_weight=w[rows])
            assert got[k, j] == pytest.approx(ref)


def test_fold_errors_auc_per_fold():
    rng = np.random.default_rng(2)
    n, L = 80, 3
    y = rng.integers(0, 2, size=n)
    signal = (y - 0.5) * rng.uniform(0, 1, size=(L, n))
    preds = np.clip(0.5 + signal + rng.normal(0, 0.3, (L, n)), 0, 1)
    w = rng.uniform(0.5, 2.0, size=n)
    foldid = make_folds(n, 4, y_codes=y, seed=0)
    got = fold_errors("auc", y, preds, foldid, w, "binomial")
    for k in range(4):
        rows = foldid == k + 1
        for j in range(L):
            ref = roc_auc_score(y[rows], preds[j, rows], sample_weight=w[rows])
            assert got[k, j] == pytest.approx(ref)
    # AUC per fold differs from the AUC of the pooled predictions
    assert not np.allclose(got.mean(0), compute("auc", "binomial", y, preds, w))


def test_fold_errors_classification_and_weights_none():
    y = np.array([0, 1, 0, 1, 0, 1])
    p = np.array([[0.2, 0.8, 0.7, 0.9, 0.1, 0.4]])
    got = fold_errors("class", y, p, [1, 1, 2, 2, 3, 3], None, "binomial")
    np.testing.assert_allclose(got[:, 0], [0.0, 0.5, 0.5])


def test_fold_errors_nan_marks_a_whole_fold():
    y = np.arange(6, dtype=float)
    p = np.tile(y, (3, 1))
    p[2, 0] = np.nan  # fold 1's path did not reach lambda index 2
    got = fold_errors("mse", y, p, [1, 1, 2, 2, 3, 3], None, "gaussian")
    assert np.isnan(got[0, 2]) and not np.isnan(got[1:, 2]).any()


def test_fold_errors_warns_on_single_class_auc_fold():
    y = np.array([0, 0, 0, 1, 0, 1, 1, 0, 1])
    foldid = np.array([1, 1, 1, 2, 2, 2, 3, 3, 3])
    p = np.linspace(0.1, 0.9, 9)[None, :]
    with pytest.warns(LassoNetWarning, match=r"AUC is undefined in fold\(s\) \[1\]"):
        got = fold_errors("auc", y, p, foldid, None, "binomial")
    assert np.isnan(got[0]).all() and not np.isnan(got[1:]).any()


def test_fold_errors_multinomial_shapes():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, size=30)
    P = rng.dirichlet(np.ones(3), size=(5, 30))
    got = fold_errors("deviance", y, P, make_folds(30, 3, seed=1), None, "multinomial")
    assert got.shape == (3, 5)


# --------------------------------------------------------------------------------------------
# cv_summary
# --------------------------------------------------------------------------------------------
def test_cv_summary_hand_computed():
    cvraw = np.array([[1.0, 4.0], [2.0, 5.0], [4.0, 6.0]])
    s = cv_summary(cvraw, [1.0, 2.0, 1.0])
    # column 1: cvm = (1 + 2*2 + 4)/4 = 2.25; weighted mean of squared deviations
    # (1.5625 + 2*0.0625 + 3.0625)/4 = 1.1875; cvsd = sqrt(1.1875 / 2)
    # column 2: cvm = (4 + 10 + 6)/4 = 5; (1 + 0 + 1)/4 = 0.5; cvsd = sqrt(0.5 / 2) = 0.5
    np.testing.assert_allclose(s.cvm, [2.25, 5.0])
    np.testing.assert_allclose(s.cvsd, [np.sqrt(1.1875 / 2), 0.5])
    np.testing.assert_allclose(s.cvup, s.cvm + s.cvsd)
    np.testing.assert_allclose(s.cvlo, s.cvm - s.cvsd)


@settings(max_examples=40, deadline=None)
@given(K=st.integers(3, 10), L=st.integers(1, 6), seed=st.integers(0, 10**6))
def test_cv_summary_matches_glmnet_transliteration(K, L, seed):
    rng = np.random.default_rng(seed)
    cvraw = rng.gamma(2.0, size=(K, L))
    weights = rng.uniform(1.0, 30.0, size=K)
    s = cv_summary(cvraw, weights)
    cvm, cvsd = r_cvstats(cvraw, weights)
    np.testing.assert_allclose(s.cvm, cvm, rtol=1e-12)
    np.testing.assert_allclose(s.cvsd, cvsd, rtol=1e-10)


def test_cv_summary_carries_forward_where_a_fold_path_ended():
    e = np.array(
        [
            [1.0, 2.0, 3.0, 4.0],
            [2.0, 1.5, np.nan, np.nan],  # this fold's path ended after index 1
            [3.0, 3.0, 3.5, 5.0],
        ]
    )
    w = np.array([10.0, 12.0, 11.0])
    filled = e.copy()
    filled[1, 2:] = 1.5
    s = cv_summary(e, w)
    cvm, cvsd = r_cvstats(filled, w)
    np.testing.assert_allclose(s.cvm, cvm)
    np.testing.assert_allclose(s.cvsd, cvsd)


def test_cv_summary_leading_nan_drops_the_fold_as_glmnet():
    e = np.array([[np.nan, np.nan], [1.0, 2.0], [3.0, 5.0], [2.0, 2.0]])
    w = np.array([5.0, 1.0, 2.0, 1.0])
    s = cv_summary(e, w)
    cvm, cvsd = r_cvstats(e, w)  # na.rm = TRUE and N = 3
    np.testing.assert_allclose(s.cvm, cvm)
    np.testing.assert_allclose(s.cvsd, cvsd)
    one = cv_summary(np.array([[np.nan], [1.0], [np.nan]]), [1.0, 1.0, 1.0])
    assert one.cvm[0] == 1.0 and np.isnan(one.cvsd[0])  # a single fold has no SE


def test_cv_summary_bad_input():
    with pytest.raises(
        InputError,
        match=r"`fold_weights` must be a vector of length 2 "
        r"\(one per fold\); got shape \(3,\)",
    ):
        cv_summary(np.ones((2, 4)), [1.0, 1.0, 1.0])
    with pytest.raises(InputError, match=r"`fold_errors` must be a 2-D array"):
        cv_summary(np.ones(4), [1.0] * 4)
    with pytest.raises(InputError, match=r"`fold_weights` must be finite, >= 0"):
        cv_summary(np.ones((3, 2)), [1.0, -1.0, 1.0])


# --------------------------------------------------------------------------------------------
# choose_lambda
# --------------------------------------------------------------------------------------------
LAM = np.array([0.0, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32])


def test_one_se_rule_on_a_u_curve():
    cvm = np.array([1.5, 1.2, 1.0, 1.05, 1.08, 1.3, 2.0])
    cvsd = np.full(7, 0.1)
    c = choose_lambda(LAM, cvm, cvsd)
    assert (c.lambda_min, c.index_min) == (0.02, 2)
    assert (c.lambda_1se, c.index_1se) == (0.08, 4)  # 1.08 <= 1.10 < 1.3
    assert c == r_getoptcv(LAM, cvm, cvsd)


def test_ties_go_to_the_larger_lambda():
    cvm = np.array([1.5, 1.0, 1.2, 1.0, 1.4, 1.6, 2.0])
    c = choose_lambda(LAM, cvm, np.full(7, 0.05))
    assert c.lambda_min == 0.04 and c.index_min == 3
    assert c.lambda_1se == 0.04


def test_flat_curve_picks_the_sparsest_model():
    c = choose_lambda(LAM, np.full(7, 0.7), np.full(7, 0.1))
    assert c == (0.32, 0.32, 6, 6)


def test_dense_fit_can_win():
    cvm = np.array([0.5, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2])
    c = choose_lambda(LAM, cvm, np.full(7, 0.32))
    assert (c.lambda_min, c.index_min) == (0.0, 0)
    assert (c.lambda_1se, c.index_1se) == (0.02, 2)


def test_auc_is_maximised():
    cvm = np.array([0.80, 0.85, 0.90, 0.88, 0.86, 0.70, 0.50])
    cvsd = np.full(7, 0.03)
    c = choose_lambda(LAM, cvm, cvsd, maximize=True)
    assert (c.lambda_min, c.lambda_1se) == (0.02, 0.04)  # 0.88 >= 0.87 > 0.86
    assert c == r_getoptcv(LAM, cvm, cvsd, maximize=True)
    # minimising an AUC curve would pick the worst model
    assert choose_lambda(LAM, cvm, cvsd).lambda_min == 0.32


def test_order_of_lambdas_does_not_matter():
    rng = np.random.default_rng(0)
    cvm, cvsd = rng.uniform(1, 2, 7), rng.uniform(0, 0.3, 7)
    up = choose_lambda(LAM, cvm, cvsd)
    down = choose_lambda(LAM[::-1], cvm[::-1], cvsd[::-1])  # glmnet's decreasing order
    assert (up.lambda_min, up.lambda_1se) == (down.lambda_min, down.lambda_1se)
    assert down.index_min == 6 - up.index_min


def test_nan_handling_in_choose_lambda():
    cvm = np.array([np.nan, 1.2, 1.0, 1.05, np.nan, 1.3, 2.0])
    c = choose_lambda(LAM, cvm, np.full(7, 0.1))
    assert (c.lambda_min, c.lambda_1se) == (0.02, 0.04)
    sd = np.full(7, 0.1)
    sd[2] = np.nan  # no SE at the minimum: lambda_1se = lambda_min
    assert choose_lambda(LAM, cvm, sd).lambda_1se == 0.02
    with pytest.raises(InputError, match=r"`cvm` must have at least one non-NaN value"):
        choose_lambda(LAM, np.full(7, np.nan), sd)
    with pytest.raises(InputError, match=r"`cvsd` must be an array of shape \(7,\) like `lambdas`"):
        choose_lambda(LAM, cvm, sd[:3])


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 10**6), L=st.integers(1, 30), maximize=st.booleans(), coarse=st.booleans()
)
def test_one_se_rule_properties(seed, L, maximize, coarse):
    rng = np.random.default_rng(seed)
    lam = np.concatenate([[0.0], np.sort(rng.uniform(0.001, 1.0, size=L - 1))])
    lam = np.unique(lam)
    cvm = rng.uniform(0.0, 1.0, size=lam.size)
    if coarse:
        cvm = np.round(cvm, 1)  # many exact ties
    cvsd = rng.uniform(0.0, 0.2, size=lam.size)
    c = choose_lambda(lam, cvm, cvsd, maximize=maximize)
    assert c.lambda_1se >= c.lambda_min
    assert lam[c.index_min] == c.lambda_min and lam[c.index_1se] == c.lambda_1se
    assert c == r_getoptcv(lam, cvm, cvsd, maximize)
    best = cvm.max() if maximize else cvm.min()
    assert cvm[c.index_min] == best
    assert not (lam[cvm == best] > c.lambda_min).any()


# --------------------------------------------------------------------------------------------
# plot_cv
# --------------------------------------------------------------------------------------------
@pytest.fixture()
def curve():
    lam = np.concatenate([[0.0], np.geomspace(1e-3, 0.5, 30)])
    t = np.log(lam[1:])
    cvm = np.concatenate([[0.62], 0.45 + 0.02 * (t - np.log(0.02)) ** 2])
    cvsd = np.full(lam.size, 0.05)
    nz = np.concatenate([[50], np.linspace(48, 0, 30).round().astype(int)])
    c = choose_lambda(lam, cvm, cvsd)
    return lam, cvm, cvsd, nz, c


def _vlines(ax):
    return {
        line.get_gid(): line.get_xdata()[0]
        for line in ax.lines
        if line.get_gid() in ("lambda_min", "lambda_1se")
    }


def test_plot_cv_artists(curve, tmp_path, monkeypatch):
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection, PathCollection

    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plot_cv must not call show()"))
    lam, cvm, cvsd, nz, c = curve
    ax = plot_cv(lam, cvm, cvsd, nz, c.lambda_min, c.lambda_1se, measure_name="Binomial Deviance")
    try:
        assert ax.get_xlabel() == "log(Lambda)" and ax.get_ylabel() == "Binomial Deviance"
        # error bars: one vertical segment per point, grey
        segs = [col for col in ax.collections if isinstance(col, LineCollection)]
        assert segs and len(segs[0].get_segments()) == lam.size
        bottoms = [s[0][1] for s in segs[0].get_segments()]
        np.testing.assert_allclose(sorted(bottoms), sorted(cvm - cvsd))
        # red points for lambda > 0, a hollow marker for the dense fit
        pts = [col for col in ax.collections if isinstance(col, PathCollection)]
        assert [len(p.get_offsets()) for p in pts] == [lam.size - 1, 1]
        dense_x = pts[1].get_offsets()[0][0]
        assert dense_x < np.log(lam[1])
        assert any(t.get_text() == "λ=0" for t in ax.texts)
        # two dotted vertical lines at log(lambda_min), log(lambda_1se)
        v = _vlines(ax)
        assert v["lambda_min"] == pytest.approx(np.log(c.lambda_min))
        assert v["lambda_1se"] == pytest.approx(np.log(c.lambda_1se))
        assert all(line.get_linestyle() == ":" for line in ax.lines if line.get_gid())
        # top axis with nzero labels
        top = ax.child_axes[0]
        ax.figure.canvas.draw()
        labels = [t.get_text() for t in top.get_xticklabels()]
        assert labels[0] == "50" and set(labels) <= {str(k) for k in nz}
        assert 5 <= len(labels) <= lam.size
        out = tmp_path / "cv.png"
        ax.figure.savefig(out)
        assert out.stat().st_size > 5000
    finally:
        plt.close(ax.figure)


def test_plot_cv_dense_fit_chosen_and_negative_sign(curve):
    import matplotlib.pyplot as plt

    lam, cvm, cvsd, nz, _ = curve
    fig, ax0 = plt.subplots()
    try:
        ax = plot_cv(lam, cvm, cvsd, nz, 0.0, lam[3], measure_name="AUC", ax=ax0, sign_lambda=-1)
        assert ax is ax0
        assert ax.get_xlabel() == "-log(Lambda)"
        v = _vlines(ax)
        dense_x = ax.collections[-1].get_offsets()[0][0]
        assert v["lambda_min"] == pytest.approx(dense_x)  # the line goes through the dense fit
        assert dense_x > -np.log(lam[1])  # on the right when sign_lambda = -1
        assert v["lambda_1se"] == pytest.approx(-np.log(lam[3]))
    finally:
        plt.close(fig)


def test_plot_cv_bad_arguments(curve):
    lam, cvm, cvsd, nz, c = curve
    with pytest.raises(InputError, match=r"`sign_lambda` must be 1 or -1; got 2"):
        plot_cv(lam, cvm, cvsd, nz, c.lambda_min, c.lambda_1se, measure_name="x", sign_lambda=2)
    with pytest.raises(InputError, match=r"`cvsd` must be an array of shape \(31,\)"):
        plot_cv(lam, cvm, cvsd[:5], nz, c.lambda_min, c.lambda_1se, measure_name="x")
    with pytest.raises(InputError, match=r"`lambda_min` must be a finite number >= 0"):
        plot_cv(lam, cvm, cvsd, nz, -1.0, c.lambda_1se, measure_name="x")
