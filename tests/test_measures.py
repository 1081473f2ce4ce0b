"""Tests of :mod:`lassonetpy.report.measures` against independent computations (scikit-learn, pandas).

glmnet's conventions checked here (``cv.lognet`` / ``cv.multnet`` / ``cv.fishnet`` /
``cv.mrelnet`` in cran/glmnet 4.1-8):

* binomial/multinomial ``mse`` and ``mae`` compare the one-hot ``y`` with the probability
  vector and sum over classes, so binomial ``mse = 2 (y - p)^2``;
* deviance clips probabilities to ``[1e-5, 1 - 1e-5]``;
* binomial ``class`` predicts the event when ``p > 0.5`` (``p = 0.5`` counts as class 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    log_loss,
    mean_absolute_error,
    mean_poisson_deviance,
    mean_squared_error,
    roc_auc_score,
)

from lassonetpy.errors import FamilyError, InputError, ResponseError
from lassonetpy.report.measures import (
    FAMILY_MEASURES,
    PROB_MIN,
    assess_measures,
    auc,
    check_measure,
    compute,
    confusion_table,
    default_measure,
    is_maximized,
    measure_name,
    measures_for,
    pointwise,
)

N = 57


@pytest.fixture()
def rng():
    return np.random.default_rng(20240611)


@pytest.fixture()
def w(rng):
    return rng.uniform(0.2, 3.0, size=N)


# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------
def test_valid_measures_follow_glmnet_measures():
    # glmnet.measures(): gaussian {mse, mae}; binomial {deviance, class, auc, mse, mae};
    # poisson {deviance, mse, mae}; multinomial {deviance, class, mse, mae}; mgaussian {mse, mae}
    # (glmnet also accepts "deviance" for the gaussian families, as an alias of mse).
    assert set(measures_for("gaussian")) == {"deviance", "mse", "mae"}
    assert set(measures_for("mgaussian")) == {"deviance", "mse", "mae"}
    assert set(measures_for("poisson")) == {"deviance", "mse", "mae"}
    assert set(measures_for("binomial")) == {"deviance", "class", "auc", "mse", "mae"}
    assert set(measures_for("multinomial")) == {"deviance", "class", "mse", "mae"}
    for fam in FAMILY_MEASURES:
        assert default_measure(fam) == "deviance"
        assert check_measure(None, fam) == check_measure("default", fam) == "deviance"


def test_family_objects_are_accepted():
    class Fam:
        name = "binomial"

    assert measures_for(Fam()) == measures_for("binomial")
    with pytest.raises(FamilyError, match=r"`family` must be one of .*'gaussian'.*got 'weibull'"):
        measures_for("weibull")
    assert measures_for("cox") == ("deviance", "C")


@pytest.mark.parametrize(
    "measure, family, pattern",
    [
        (
            "auc",
            "gaussian",
            r"`type_measure` must be one of 'deviance', 'mse', 'mae' for family "
            r"'gaussian'; got 'auc'\. 'auc' needs family='binomial'",
        ),
        ("auc", "multinomial", r"got 'auc'\. 'auc' needs family='binomial'"),
        ("class", "poisson", r"got 'class'\. 'class' needs family='binomial' or 'multinomial'"),
        ("rmse", "gaussian", r"must be one of .* got 'rmse'\.$"),
        ("C", "gaussian", r"got 'C'\. .*family='cox'"),
    ],
)
def test_invalid_measure_is_an_error(measure, family, pattern):
    with pytest.raises(InputError, match=pattern):
        check_measure(measure, family)


def test_display_names_as_glmnet_prints_them():
    assert measure_name("deviance", "gaussian") == "Mean-Squared Error"
    assert measure_name("deviance", "mgaussian") == "Mean-Squared Error"
    assert measure_name("deviance", "binomial") == "Binomial Deviance"
    assert measure_name("deviance", "multinomial") == "Multinomial Deviance"
    assert measure_name("deviance", "poisson") == "Poisson Deviance"
    assert measure_name("mse", "poisson") == "Mean-Squared Error"
    assert measure_name("mae", "gaussian") == "Mean Absolute Error"
    assert measure_name("class", "binomial") == "Misclassification Error"
    assert measure_name("auc", "binomial") == "AUC"


def test_direction():
    assert is_maximized("auc") and is_maximized("AUC")
    assert not any(is_maximized(m) for m in ("deviance", "mse", "mae", "class"))
    with pytest.raises(InputError, match="`measure`"):
        is_maximized("r2")


# --------------------------------------------------------------------------------------------
# per-family values against scikit-learn, with weights
# --------------------------------------------------------------------------------------------
def test_gaussian_against_sklearn(rng, w):
    y = rng.normal(size=N)
    p = y + rng.normal(scale=0.7, size=N)
    assert compute("mse", "gaussian", y, p, w) == pytest.approx(
        mean_squared_error(y, p, sample_weight=w)
    )
    assert compute("mae", "gaussian", y, p, w) == pytest.approx(
        mean_absolute_error(y, p, sample_weight=w)
    )
    assert compute("deviance", "gaussian", y, p, w) == compute("mse", "gaussian", y, p, w)
    assert compute("mse", "gaussian", y, p) == pytest.approx(mean_squared_error(y, p))


def test_binomial_against_sklearn(rng, w):
    y = rng.integers(0, 2, size=N)
    p = rng.uniform(0.02, 0.98, size=N)
    dev = compute("deviance", "binomial", y, p, w)
    assert dev == pytest.approx(2 * log_loss(y, p, sample_weight=w, labels=[0, 1]))
    # glmnet sums squared / absolute errors over the two classes: twice the usual values
    assert compute("mse", "binomial", y, p, w) == pytest.approx(
        2 * mean_squared_error(y, p, sample_weight=w)
    )
    assert compute("mae", "binomial", y, p, w) == pytest.approx(
        2 * mean_absolute_error(y, p, sample_weight=w)
    )
    cls = compute("class", "binomial", y, p, w)
    assert cls == pytest.approx(1 - accuracy_score(y, (p > 0.5).astype(int), sample_weight=w))
    assert compute("auc", "binomial", y, p, w) == pytest.approx(
        roc_auc_score(y, p, sample_weight=w)
    )


def test_binomial_clipping_and_threshold():
    # a certain wrong prediction costs -2 log(1e-5), not infinity (glmnet's prob_min)
    dev = pointwise("deviance", "binomial", [1, 0, 1, 0], [0.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(dev, [-2 * np.log(PROB_MIN)] * 2 + [-2 * np.log1p(-PROB_MIN)] * 2)
    # p = 0.5 predicts class 0 (glmnet: class 1 when p > .5)
    assert pointwise("class", "binomial", [0, 1], [0.5, 0.5]).tolist() == [0.0, 1.0]


def test_multinomial_against_sklearn(rng, w):
    C = 4
    y = rng.integers(0, C, size=N)
    y[:C] = np.arange(C)
    P = rng.dirichlet(np.ones(C), size=N)
    dev = compute("deviance", "multinomial", y, P, w)
    assert dev == pytest.approx(2 * log_loss(y, P, sample_weight=w, labels=list(range(C))))
    cls = compute("class", "multinomial", y, P, w)
    assert cls == pytest.approx(1 - accuracy_score(y, P.argmax(1), sample_weight=w))
    onehot = np.eye(C)[y]
    mse_sum = mean_squared_error(onehot, P, sample_weight=w, multioutput="raw_values").sum()
    mae_sum = mean_absolute_error(onehot, P, sample_weight=w, multioutput="raw_values").sum()
    assert compute("mse", "multinomial", y, P, w) == pytest.approx(mse_sum)
    assert compute("mae", "multinomial", y, P, w) == pytest.approx(mae_sum)


def test_binomial_equals_two_class_multinomial_deviance(rng):
    y = rng.integers(0, 2, size=N)
    p = rng.uniform(0.05, 0.95, size=N)
    P = np.column_stack([1 - p, p])
    for m in ("deviance", "mse", "mae", "class"):
        assert compute(m, "binomial", y, p) == pytest.approx(compute(m, "multinomial", y, P)), m


def test_poisson_against_sklearn(rng, w):
    mu = rng.uniform(0.3, 6.0, size=N)
    y = rng.poisson(mu).astype(float)
    y[:3] = 0.0
    mu_hat = mu * rng.uniform(0.7, 1.3, size=N)
    dev = compute("deviance", "poisson", y, mu_hat, w)
    assert dev == pytest.approx(mean_poisson_deviance(y, mu_hat, sample_weight=w))
    assert compute("mse", "poisson", y, mu_hat, w) == pytest.approx(
        mean_squared_error(y, mu_hat, sample_weight=w)
    )
    assert compute("mae", "poisson", y, mu_hat, w) == pytest.approx(
        mean_absolute_error(y, mu_hat, sample_weight=w)
    )


def test_mgaussian_sums_over_responses(rng, w):
    Y = rng.normal(size=(N, 3))
    P = Y + rng.normal(scale=0.5, size=(N, 3))
    mse = mean_squared_error(Y, P, sample_weight=w, multioutput="raw_values").sum()
    mae = mean_absolute_error(Y, P, sample_weight=w, multioutput="raw_values").sum()
    assert compute("mse", "mgaussian", Y, P, w) == pytest.approx(mse)
    assert compute("deviance", "mgaussian", Y, P, w) == pytest.approx(mse)
    assert compute("mae", "mgaussian", Y, P, w) == pytest.approx(mae)


# --------------------------------------------------------------------------------------------
# AUC
# --------------------------------------------------------------------------------------------
def test_auc_with_ties_against_sklearn_and_average_ranks(rng):
    y = rng.integers(0, 2, size=N)
    p = np.round(rng.uniform(size=N), 1)  # many ties
    assert auc(y, p) == pytest.approx(roc_auc_score(y, p))
    # Mann-Whitney from average ranks (pandas), independent of the implementation
    ranks = pd.Series(p).rank(method="average").to_numpy()
    n1, n0 = (y == 1).sum(), (y == 0).sum()
    u = ranks[y == 1].sum() - n1 * (n1 + 1) / 2
    assert auc(y, p) == pytest.approx(u / (n1 * n0))


def test_weighted_auc_with_ties_against_sklearn(rng, w):
    y = rng.integers(0, 2, size=N)
    p = np.round(rng.uniform(size=N), 1)
    assert auc(y, p, w) == pytest.approx(roc_auc_score(y, p, sample_weight=w))
    # integer weights = replicated observations
    k = rng.integers(1, 4, size=N)
    assert auc(y, p, k) == pytest.approx(auc(np.repeat(y, k), np.repeat(p, k)))


def test_auc_edge_cases():
    assert auc([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8]) == 1.0
    assert auc([0, 1, 0, 1], [0.9, 0.1, 0.8, 0.2]) == 0.0
    assert auc([0, 1], [0.3, 0.3]) == 0.5
    assert np.isnan(auc([1, 1, 1], [0.1, 0.5, 0.9]))  # one class: undefined
    assert np.isnan(auc([0, 1, 1], [0.1, np.nan, 0.9]))


# --------------------------------------------------------------------------------------------
# shapes: stacks of fits, (n, 1) outputs, NaN
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("measure", ["deviance", "mse", "mae", "class", "auc"])
def test_stack_of_fits_equals_fit_by_fit(rng, w, measure):
    y = rng.integers(0, 2, size=N)
    P = rng.uniform(0.01, 0.99, size=(5, N))
    got = compute(measure, "binomial", y, P, w)
    assert got.shape == (5,)
    np.testing.assert_allclose(got, [compute(measure, "binomial", y, row, w) for row in P])


def test_stack_of_multinomial_fits(rng):
    y = rng.integers(0, 3, size=N)
    P = rng.dirichlet(np.ones(3), size=(4, N))
    got = compute("deviance", "multinomial", y, P)
    np.testing.assert_allclose(got, [compute("deviance", "multinomial", y, Pl) for Pl in P])


def test_trailing_output_axis_is_dropped(rng):
    y = rng.normal(size=N)
    p = rng.normal(size=N)
    single = compute("mse", "gaussian", y, p[:, None])
    assert isinstance(single, float) and single == compute("mse", "gaussian", y, p)
    assert isinstance(compute("auc", "binomial", y > 0, (p[:, None] > 0) * 0.5), float)
    stacked = compute("mse", "gaussian", y, np.stack([p, p])[..., None])
    np.testing.assert_allclose(stacked, compute("mse", "gaussian", y, p))


def test_nan_predictions_propagate():
    out = pointwise("class", "binomial", [0, 1, 1], [0.2, np.nan, 0.9])
    assert np.isnan(out[1]) and out[0] == 0 and out[2] == 0
    P = np.array([[0.2, 0.8], [np.nan, np.nan]])
    assert np.isnan(pointwise("class", "multinomial", [1, 0], P)[1])
    assert np.isnan(compute("deviance", "multinomial", [1, 0], P))


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------
def test_bad_inputs_name_the_argument():
    with pytest.raises(
        ResponseError,
        match=r"`y` must be class codes 0\.\.1 "
        r"for family 'binomial'",
    ):
        compute("deviance", "binomial", [0, 2], [0.5, 0.5])
    with pytest.raises(ResponseError, match=r"`y` must be class codes 0\.\.2"):
        compute("deviance", "multinomial", [0, 1.5], np.full((2, 3), 1 / 3))
    with pytest.raises(
        InputError,
        match=r"`pred` must be probabilities in \[0, 1\]"
        r".*type='response'",
    ):
        compute("deviance", "binomial", [0, 1], [-1.0, 2.0])
    with pytest.raises(
        InputError,
        match=r"`pred` must be an array of shape \(n,\) or "
        r"\(n_fits, n\) with n = 3 .*got shape \(2,\)",
    ):
        compute("mse", "gaussian", [1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(InputError, match=r"`pred` must be 2 columns like `y`; got shape \(4, 3\)"):
        compute("mse", "mgaussian", np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ResponseError, match=r"`y` must be counts >= 0 for family 'poisson'"):
        compute("deviance", "poisson", [-1.0, 2.0], [1.0, 1.0])
    with pytest.raises(InputError, match=r"`pred` must be means >= 0"):
        compute("deviance", "poisson", [1.0, 2.0], [-1.0, 1.0])
    with pytest.raises(InputError, match=r"`weights` must be finite and >= 0"):
        compute("mse", "gaussian", [1.0, 2.0], [1.0, 2.0], [1.0, -1.0])
    with pytest.raises(
        InputError,
        match=r"`weights` must be a vector of length 2; "
        r"got shape \(3,\)",
    ):
        compute("mse", "gaussian", [1.0, 2.0], [1.0, 2.0], [1.0, 1.0, 1.0])
    with pytest.raises(ResponseError, match=r"`y` must be finite"):
        compute("mse", "gaussian", [1.0, np.nan], [1.0, 2.0])
    with pytest.raises(InputError, match="AUC is defined on a group"):
        pointwise("auc", "binomial", [0, 1], [0.2, 0.8])


# --------------------------------------------------------------------------------------------
# assess and confusion
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("family", sorted(FAMILY_MEASURES))
def test_assess_measures_gives_every_valid_measure(rng, w, family):
    if family in ("gaussian", "poisson"):
        y = rng.poisson(3.0, size=N).astype(float)
        p = rng.uniform(1.0, 5.0, size=(3, N))
    elif family == "binomial":
        y = rng.integers(0, 2, size=N)
        p = rng.uniform(0.05, 0.95, size=(3, N))
    elif family == "multinomial":
        y = rng.integers(0, 3, size=N)
        p = rng.dirichlet(np.ones(3), size=(3, N))
    elif family == "cox":
        y = np.column_stack([rng.exponential(size=N), rng.integers(0, 2, size=N)])
        p = np.exp(rng.normal(size=(3, N)))
    else:
        y = rng.normal(size=(N, 2))
        p = rng.normal(size=(3, N, 2))
    res = assess_measures(family, y, p, w)
    assert tuple(res) == measures_for(family)
    for m, v in res.items():
        assert v.shape == (3,)
        np.testing.assert_allclose(v, compute(m, family, y, p, w))
    one = assess_measures(family, y, p[0], w)
    assert all(isinstance(v, float) for v in one.values())
    for m in res:
        assert one[m] == pytest.approx(res[m][0], rel=1e-12)


def test_confusion_table_against_sklearn(rng):
    classes = ["low", "mid", "high", "none"]  # "none" never occurs nor is predicted
    y = rng.integers(0, 3, size=N)
    pred = np.where(rng.uniform(size=N) < 0.7, y, rng.integers(0, 3, size=N))
    tab = confusion_table(y, pred, classes)
    assert list(tab.index) == classes and list(tab.columns) == classes
    assert tab.index.name == "True" and tab.columns.name == "Predicted"
    np.testing.assert_array_equal(tab.to_numpy(), confusion_matrix(y, pred, labels=[0, 1, 2, 3]))
    assert tab.attrs["misclassification"] == pytest.approx(1 - accuracy_score(y, pred))
    assert tab.attrs["percent_correct"] == pytest.approx(accuracy_score(y, pred))
    assert tab.loc["none"].sum() == 0


def test_confusion_table_bad_codes():
    with pytest.raises(InputError, match=r"`pred_codes` must be a 1-D array of class codes 0\.\.1"):
        confusion_table([0, 1], [0, 2], ["a", "b"])
    with pytest.raises(
        InputError,
        match=r"`pred_codes` must be the same length "
        r"as `y_codes` \(2\)",
    ):
        confusion_table([0, 1], [0, 1, 1], ["a", "b"])


def test_docstring_examples_run():
    import doctest

    import matplotlib

    matplotlib.use("Agg")
    from lassonetpy.report import (
        cv_plot,
        cv_stats,
        folds,
        measure_compute,
        measure_registry,
        measures,
    )

    for mod in (measures, measure_registry, measure_compute, cv_stats, folds, cv_plot):
        res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
        assert res.failed == 0 and res.attempted > 0, mod.__name__
