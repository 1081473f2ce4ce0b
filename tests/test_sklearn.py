"""lassonetpy.sklearn against scikit-learn itself: pipelines, grid search, references.

The estimator contract is checked by scikit-learn's own checks (test_sklearn_checks.py);
here: real data sets (spam, MICE protein, Boston), the convex limit M = 0 against
scikit-learn's Lasso, weights against repeated rows, pickling, and the cv= translation.
"""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import Lasso  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    GroupKFold,
    StratifiedShuffleSplit,
    train_test_split,
)
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from lassonetpy.datasets import (  # noqa: E402
    load_boston,
    load_mice_protein,
    load_spam,
    mice_protein_features,
)
from lassonetpy.errors import InputError  # noqa: E402
from lassonetpy.sklearn import (  # noqa: E402
    LassoNetClassifier,
    LassoNetClassifierCV,
    LassoNetRegressor,
    LassoNetRegressorCV,
    LassoNetSelector,
)

SMALL = dict(hidden=(8,), nlambda=10, random_state=0)


@pytest.fixture(scope="module")
def boston():
    df = load_boston()
    return df.drop(columns="medv"), df["medv"]


def test_importing_lassonetpy_does_not_import_sklearn():
    code = "import sys, lassonetpy; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_pipeline_in_grid_search_over_M_on_spam():
    """Pipeline(StandardScaler, LassoNetClassifier) tuned over M by GridSearchCV."""
    spam = load_spam()
    X, y = spam.drop(columns="type"), spam["type"]
    Xtr, Xte, ytr, yte = train_test_split(X, y, train_size=800, stratify=y, random_state=0)
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("lassonet", LassoNetClassifier(df=20, hidden=(8,), nlambda=15, random_state=0)),
        ]
    )
    search = GridSearchCV(pipe, {"lassonet__M": [0.0, 10.0]}, cv=3).fit(Xtr, ytr)
    assert len(search.cv_results_["params"]) == 2
    assert search.best_params_["lassonet__M"] in (0.0, 10.0)
    best = search.best_estimator_.named_steps["lassonet"]
    assert best.support_.sum() <= 20 and best.path_.settings["M"] == best.M
    majority = (yte == "nonspam").mean()
    acc = search.score(Xte, yte)
    assert acc > 0.85 > majority + 0.2, (acc, majority)
    assert set(search.predict(Xte.head(20))) <= {"nonspam", "spam"}


def test_selector_with_random_forest_on_mice_beats_random_subsets():
    """LassoNetSelector -> random forest on MICE protein keeps k proteins; the forest on the
    selected k beats forests on random k-subsets (row split, 20% test, seed 0)."""
    raw = load_mice_protein()
    proteins = mice_protein_features()
    X, y = raw[proteins], raw["class"]
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    k = 5
    pipe = make_pipeline(
        SimpleImputer(),
        StandardScaler(),
        LassoNetSelector(n_features_to_select=k, hidden=(16,), nlambda=30, random_state=0),
        RandomForestClassifier(n_estimators=100, random_state=0),
    ).set_output(transform="pandas")
    pipe.fit(Xtr, ytr)
    kept = pipe[2].get_feature_names_out()
    assert len(kept) == k and set(kept) <= set(proteins)
    assert pipe[:3].transform(Xte).shape == (len(Xte), k)
    acc = pipe.score(Xte, yte)
    rng = np.random.default_rng(0)
    random_acc = []
    for _ in range(5):
        cols = rng.choice(len(proteins), k, replace=False)
        rf = make_pipeline(
            SimpleImputer(), RandomForestClassifier(n_estimators=100, random_state=0)
        )
        random_acc.append(rf.fit(Xtr.iloc[:, cols], ytr).score(Xte.iloc[:, cols], yte))
    print(f"MICE, k={k}: LassoNetSelector + RF {acc:.3f}; random {np.round(random_acc, 3)}")
    assert acc > np.mean(random_acc) + 0.05 and acc > 0.75


def test_selector_ranking_follows_the_path(boston):
    X, y = boston
    sel = LassoNetSelector(n_features_to_select=3, **SMALL).fit(X, y)
    imp = sel.path_.importance()
    # the kept features are the three that leave last (ties broken inside a lambda)
    top = set(imp.index[imp >= imp.iloc[2]])
    assert set(sel.get_feature_names_out()) <= top
    assert list(sel.feature_names_in_[sel.ranking_[:3]]) == list(sel.get_feature_names_out()) or (
        set(sel.feature_names_in_[sel.ranking_[:3]]) == set(sel.get_feature_names_out())
    )
    at = LassoNetSelector(s=float(sel.path_.lambdas[4]), **SMALL).fit(X, y)
    assert list(at.get_feature_names_out()) == at.path_.nonzero(s=float(at.path_.lambdas[4]))


def test_M0_regressor_is_sklearns_lasso(boston):
    """At M = 0 the network is off: the fit at lambda equals Lasso(alpha=lambda) (standardised
    columns, centred response)."""
    X, y = boston
    Xs = StandardScaler().fit_transform(X)
    lam = 0.2
    est = LassoNetRegressor(
        M=0, lambda_seq=[lam], s=lam, hidden=(4,), standardize=False, tol=1e-9, max_epochs=20000
    )
    est.set_params(dtype="float64", random_state=0).fit(Xs, y)
    ref = Lasso(alpha=lam, tol=1e-12, max_iter=100000).fit(Xs, y)
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=2e-3)
    np.testing.assert_allclose(est.predict(Xs[:50]), ref.predict(Xs[:50]), atol=5e-3)


def test_M0_sample_weight_equals_repeated_rows(boston):
    """Convex case: integer weights give the same fit as repeating the rows (to rounding)."""
    X, y = boston
    X, y = X.iloc[:120].to_numpy(), y.iloc[:120].to_numpy()
    w = np.random.default_rng(0).integers(0, 3, size=len(y))
    kw = dict(M=0, df=5, hidden=(4,), nlambda=8, dtype="float64", random_state=0, tol=1e-6)
    kw.update(max_epochs=5000)
    a = LassoNetRegressor(**kw).fit(X, y, sample_weight=w)
    b = LassoNetRegressor(**kw).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    n = min(len(a.path_), len(b.path_))  # the last, empty fit may fall one lambda apart
    np.testing.assert_allclose(a.path_.lambdas[:n], b.path_.lambdas[:n], rtol=1e-10)
    assert a.index_ == b.index_
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-4)


def test_set_params_reaches_the_engine_and_fits_reproduce(boston):
    """Parameters are read at fit time (official lassonet's set_params(n_iters=...) is lost)."""
    X, y = boston
    est = LassoNetRegressor(**SMALL).set_params(hidden=(5, 3), M=3.0, df=4)
    est.fit(X, y)
    assert est.path_.settings["hidden"] == [5, 3] and est.path_.settings["M"] == 3.0
    assert est.support_.sum() <= 4
    again = LassoNetRegressor(**SMALL).set_params(hidden=(5, 3), M=3.0, df=4).fit(X, y)
    np.testing.assert_array_equal(est.predict(X), again.predict(X))


def test_fitted_estimators_pickle(boston):
    X, y = boston
    for est in (LassoNetRegressor(**SMALL), LassoNetRegressorCV(cv=3, **SMALL)):
        est.fit(X, y)
        back = pickle.loads(pickle.dumps(est))
        np.testing.assert_array_equal(back.predict(X), est.predict(X))
        assert repr(back.path_) == repr(est.path_)
    assert repr(pickle.loads(pickle.dumps(est.cv_))) == repr(est.cv_)


def test_cv_splitter_becomes_foldid_and_lambda_choice(boston):
    X, y = boston
    groups = np.arange(len(y)) % 4
    est = LassoNetRegressorCV(cv=GroupKFold(n_splits=4), lambda_choice="lambda_1se", **SMALL)
    est.fit(X, y, groups=groups)
    fid = est.cv_.foldid
    assert est.cv_.nfolds == 4
    # one fold per group, each group wholly in one fold
    assert all(len(set(fid[groups == g])) == 1 for g in range(4))
    assert est.lambda_ == est.lambda_1se_ >= est.lambda_min_
    assert est.index_ == est.cv_.index_1se
    with pytest.raises(InputError, match="`cv` must be a splitter whose test sets partition"):
        LassoNetRegressorCV(cv=StratifiedShuffleSplit(3, test_size=0.5), **SMALL).fit(
            X, (y > 20).astype(int)
        )


def test_classifier_cv_on_spam_string_labels():
    spam = load_spam().iloc[::4]
    X, y = spam.drop(columns="type"), spam["type"]
    clf = LassoNetClassifierCV(cv=3, type_measure="class", **SMALL).fit(X, y)
    proba = clf.predict_proba(X)
    assert clf.classes_.tolist() == ["nonspam", "spam"]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.cv_.measure_name == "Misclassification Error"
    # the chosen fit's CV error is the smallest on the path
    assert clf.cv_.cvm[clf.index_] == clf.cv_.cvm.min()


@pytest.mark.parametrize(
    ("est", "match"),
    [
        (LassoNetRegressor(s=1.0, df=3), r"Give `s` or `df`, not both; got s=1.0 and df=3"),
        (LassoNetRegressor(s=-1.0), r"`s` must be None or a lambda >= 0; got -1.0"),
        (LassoNetRegressor(family="binomial"), r"`family` must be 'gaussian' or 'poisson'"),
        (LassoNetRegressorCV(lambda_choice="min"), r"`lambda_choice` must be 'lambda_min' or"),
        (LassoNetRegressorCV(cv=2), r"`cv` must be an integer >= 3"),
        (LassoNetSelector(n_features_to_select=99), r"`n_features_to_select` must be None, an"),
        (LassoNetRegressor(random_state="a"), r"`random_state` must be None, an integer"),
    ],
)
def test_bad_parameters_are_named_in_fit(boston, est, match):
    X, y = boston
    with pytest.raises((InputError, TypeError), match=match):
        est.set_params(hidden=(4,), nlambda=4).fit(X, y)
