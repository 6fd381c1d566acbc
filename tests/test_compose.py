"""Distributions through scikit-learn's compositions: each wrapped result equals the unwrapped one.

Every test fits on a DataFrame with numeric, categorical and missing values and
an index of its own, and asserts that the distribution obtained through the
composition has the parameters and quantiles of the estimator at its end
(computed by hand on the transformed inputs) and keeps the DataFrame's index.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    OneHotEncoder,
    QuantileTransformer,
    StandardScaler,
)

from skprob import (
    CategoricalMLPClassifier,
    GammaMLPRegressor,
    HeteroscedasticRegressor,
    cross_val_predict_dist,
    predict_dist,
)
from skprob.compose import MonotoneFunctionTransformer, TransformedDistribution, predict

N = 120
Q = 0.9


def make_frame(n=N, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.uniform(20, 80, n),
            "dose": rng.gamma(2.0, 1.0, n),
            "site": rng.choice(["north", "south", "east"], n),
        },
        index=pd.Index([f"patient-{i}" for i in rng.permutation(n)], name="id"),
    )
    signal = 0.02 * frame["age"] + 0.3 * frame["dose"] + (frame["site"] == "south")
    y = np.exp(0.5 * signal + 0.2 * rng.standard_normal(n))
    frame.loc[frame.index[::7], "age"] = np.nan
    frame.loc[frame.index[3::11], "site"] = np.nan
    return frame, pd.Series(np.asarray(y), index=frame.index)


def preprocessor():
    return ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), ["age", "dose"]),
            ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                  OneHotEncoder(handle_unknown="ignore")), ["site"]),
        ]
    )


def regressor(**params):
    return HeteroscedasticRegressor(**{"width": 16, "max_iter": 15, "random_state": 0, **params})


def assert_same_distribution(wrapped, unwrapped, index):
    assert type(wrapped) is type(unwrapped)
    for name, value in unwrapped.params.items():
        np.testing.assert_array_equal(wrapped.params[name], value, err_msg=name)
    np.testing.assert_array_equal(wrapped.ppf(Q), unwrapped.ppf(Q))
    assert wrapped.to_frame().index.equals(index)


@pytest.fixture(scope="module")
def data():
    return make_frame()


def test_pipeline_with_column_transformer(data):
    X, y = data
    pipe = make_pipeline(preprocessor(), regressor()).fit(X, y)
    by_hand = pipe[-1].predict_dist(pipe[:-1].transform(X))
    assert by_hand.to_frame().index.equals(pd.RangeIndex(N))  # the index the pipeline loses
    dist = predict_dist(pipe, X)
    assert_same_distribution(dist, by_hand, X.index)
    point, std = predict(pipe, X, return_std=True)
    np.testing.assert_array_equal(point, pipe.predict(X))
    np.testing.assert_array_equal(std, by_hand.std())
    # Pipelines forward return_std themselves; the result is the same.
    np.testing.assert_array_equal(pipe.predict(X, return_std=True)[1], std)


@pytest.mark.parametrize("search_class", [GridSearchCV, RandomizedSearchCV])
def test_searches(data, search_class):
    X, y = data
    pipe = Pipeline([("prep", preprocessor()), ("model", regressor())])
    grid = {"model__width": [4, 16], "model__depth": [1, 2]}
    options = {"n_iter": 3, "random_state": 0} if search_class is RandomizedSearchCV else {}
    search = search_class(pipe, grid, cv=2, **options).fit(X, y)
    best = search.best_estimator_
    by_hand = best[-1].predict_dist(best[:-1].transform(X))
    assert_same_distribution(predict_dist(search, X), by_hand, X.index)
    point, std = predict(search, X, return_std=True)
    np.testing.assert_array_equal(point, search.predict(X))
    np.testing.assert_array_equal(std, by_hand.std())
    with pytest.raises(TypeError):
        search.predict(X, return_std=True)  # what predict() is there for


def test_transformed_target_is_the_exact_log_normal(data):
    X, y = data
    model = TransformedTargetRegressor(
        make_pipeline(preprocessor(), regressor()), func=np.log, inverse_func=np.exp
    ).fit(X, y)
    base = model.regressor_[-1].predict_dist(model.regressor_[:-1].transform(X))
    dist = predict_dist(model, X)
    assert isinstance(dist, TransformedDistribution)
    assert_same_distribution(dist.base, base, X.index)
    assert dist.to_frame().index.equals(X.index)
    np.testing.assert_allclose(dist.ppf(Q), np.exp(base.ppf(Q)), rtol=1e-15)
    # Against scipy's log-normal: s = sigma, scale = exp(mu).
    mu, sigma = base.params["loc"], base.params["scale"]
    lognormal = stats.lognorm(s=sigma, scale=np.exp(mu))
    y_values = y.to_numpy()
    np.testing.assert_allclose(dist.logpdf(y_values), lognormal.logpdf(y_values), rtol=1e-12)
    np.testing.assert_allclose(dist.cdf(y_values), lognormal.cdf(y_values), rtol=1e-12)
    np.testing.assert_allclose(dist.mean(), lognormal.mean(), rtol=1e-12)
    np.testing.assert_allclose(dist.std(), lognormal.std(), rtol=1e-12)
    np.testing.assert_allclose(dist.median(), np.exp(mu), rtol=1e-15)
    np.testing.assert_allclose(dist.mode(), np.exp(mu - sigma**2), rtol=1e-15)
    # The sklearn point (exp of the normal's mode) is the log-normal's median.
    point, std = predict(model, X, return_std=True)
    np.testing.assert_allclose(point, dist.median(), rtol=1e-12)
    np.testing.assert_allclose(std, lognormal.std(), rtol=1e-12)
    # Outside the support: density 0 (scipy's convention), cdf 0; the score refuses.
    assert dist[:1].logpdf([-1.0])[0] == -np.inf and dist[:1].cdf([0.0])[0] == 0.0


def test_transformed_target_in_a_search_keeps_the_index(data):
    X, y = data
    model = TransformedTargetRegressor(
        make_pipeline(preprocessor(), regressor()), func=np.log1p, inverse_func=np.expm1
    )
    search = GridSearchCV(model, {"regressor__heteroscedasticregressor__width": [4, 8]},
                          cv=2).fit(X, y)
    inner = search.best_estimator_.regressor_
    base = inner[-1].predict_dist(inner[:-1].transform(X))
    dist = predict_dist(search, X)
    assert_same_distribution(dist.base, base, X.index)
    np.testing.assert_allclose(dist.ppf(Q), np.expm1(base.ppf(Q)), rtol=1e-15)


def test_cross_validation_gives_out_of_fold_distributions_in_the_original_order(data):
    X, y = data
    pipe = make_pipeline(preprocessor(), regressor())
    folds = KFold(n_splits=3, shuffle=True, random_state=0)
    dist = cross_val_predict_dist(pipe, X, y, cv=folds)
    assert len(dist) == N and dist.to_frame().index.equals(X.index)
    for train, test in folds.split(X):
        fold_model = make_pipeline(preprocessor(), regressor()).fit(X.iloc[train], y.iloc[train])
        by_hand = fold_model[-1].predict_dist(fold_model[:-1].transform(X.iloc[test]))
        assert_same_distribution(dist[test], by_hand, X.index[test])


def test_cross_validation_of_a_transformed_target_and_of_a_classifier(data):
    X, y = data
    model = TransformedTargetRegressor(regressor(), func=np.log, inverse_func=np.exp)
    numeric = X[["dose"]]
    folds = KFold(n_splits=2)
    dist = cross_val_predict_dist(model, numeric, y, cv=folds)
    train, test = next(folds.split(numeric))
    fold = regressor().fit(numeric.iloc[train], np.log(y.iloc[train]))
    np.testing.assert_array_equal(dist.base[test].params["loc"],
                                  fold.predict_dist(numeric.iloc[test]).params["loc"])
    labels = np.where(y > y.median(), "high", "low")
    clf = make_pipeline(preprocessor(), CategoricalMLPClassifier(width=8, max_iter=5,
                                                                 random_state=0))
    probs = cross_val_predict_dist(clf, X, labels, cv=3)
    assert probs.to_frame().columns.tolist() == ["p[high]", "p[low]"]
    assert probs.to_frame().index.equals(X.index)


def test_cross_validation_refuses_folds_that_do_not_partition(data):
    X, y = data
    overlapping = [(np.arange(60), np.arange(50, N)), (np.arange(50, N), np.arange(60))]
    with pytest.raises(ValueError, match="partition"):
        cross_val_predict_dist(regressor(), X[["dose"]], y, cv=overlapping)


def test_standard_scaler_target_maps_back_affinely(data):
    X, y = data
    model = TransformedTargetRegressor(regressor(), transformer=StandardScaler())
    model.fit(X[["dose"]], y)
    base = model.regressor_.predict_dist(X[["dose"]])
    dist = predict_dist(model, X[["dose"]])
    mean, scale = model.transformer_.mean_[0], model.transformer_.scale_[0]
    np.testing.assert_allclose(dist.mean(), mean + scale * base.mean(), rtol=1e-14)
    np.testing.assert_allclose(dist.std(), scale * base.std(), rtol=1e-14)
    np.testing.assert_allclose(dist.ppf(Q), mean + scale * base.ppf(Q), rtol=1e-14)
    np.testing.assert_allclose(predict(model, X[["dose"]]), model.predict(X[["dose"]]))


def test_square_of_a_positive_family_by_quadrature(data):
    X, y = data
    model = TransformedTargetRegressor(GammaMLPRegressor(max_iter=5, random_state=0),
                                       func=np.sqrt, inverse_func=np.square)
    model.fit(X[["dose"]], y)
    base = model.regressor_.predict_dist(X[["dose"]])
    dist = predict_dist(model, X[["dose"]])
    # E[z^2] = var + mean^2, exactly, against Gauss-Hermite over probability levels.
    np.testing.assert_allclose(dist.mean(), base.var() + base.mean() ** 2, rtol=1e-8)
    np.testing.assert_allclose(dist.ppf(Q), base.ppf(Q) ** 2, rtol=1e-15)
    # Density is d cdf / dy, checked by central differences.
    y0, h = np.full(N, 2.0), 1e-5
    slope = (dist.cdf(y0 + h) - dist.cdf(y0 - h)) / (2 * h)
    np.testing.assert_allclose(dist.pdf(y0), slope, rtol=1e-6)


def test_a_stated_derivative_maps_any_increasing_transform(data):
    X, y = data
    cube_root = MonotoneFunctionTransformer(np.cbrt, lambda z: z**3,
                                            inverse_derivative=lambda z: 3 * z**2)
    model = TransformedTargetRegressor(regressor(), transformer=cube_root).fit(X[["dose"]], y)
    base = model.regressor_.predict_dist(X[["dose"]])
    dist = predict_dist(model, X[["dose"]])
    np.testing.assert_allclose(dist.ppf(Q), base.ppf(Q) ** 3, rtol=1e-14)
    y0, h = np.full(N, 1.5), 1e-5
    slope = (dist.cdf(y0 + h) - dist.cdf(y0 - h)) / (2 * h)
    np.testing.assert_allclose(dist.pdf(y0), slope, rtol=1e-6)


@pytest.mark.parametrize(
    "target, match",
    [
        ({"transformer": QuantileTransformer(n_quantiles=20)}, "QuantileTransformer"),
        ({"func": np.log10, "inverse_func": lambda z: 10**z}, "inverse_derivative"),
        ({"func": np.sqrt, "inverse_func": np.square}, "defined for z in"),
    ],
)
def test_transforms_that_cannot_be_mapped_exactly_are_refused(data, target, match):
    X, y = data
    model = TransformedTargetRegressor(regressor(max_iter=2), check_inverse=False, **target)
    model.fit(X[["dose"]], y)
    with pytest.raises(TypeError, match=match):
        predict_dist(model, X[["dose"]])


def test_moments_that_do_not_exist_are_refused():
    from skprob.compose import KNOWN_TRANSFORMS
    from skprob.families.student_t import StudentTDistribution

    dist = TransformedDistribution(
        StudentTDistribution(loc=[0.0], scale=[1.0], df=[30.0]), KNOWN_TRANSFORMS["log"]
    )
    with pytest.raises(ValueError, match="finite only when z has light tails"):
        dist._require_defined("std")
    np.testing.assert_allclose(dist.median(), [1.0])


def test_things_that_predict_no_distribution_are_refused(data):
    X, y = data
    with pytest.raises(TypeError, match="does not predict distributions"):
        predict_dist(make_pipeline(StandardScaler(), FunctionTransformer()).fit(X[["dose"]]),
                     X[["dose"]])
    search = GridSearchCV(regressor(), {"width": [4]}, cv=2, refit=False).fit(X[["dose"]], y)
    with pytest.raises(TypeError, match="refit=True"):
        predict_dist(search, X[["dose"]])
