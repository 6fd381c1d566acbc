"""Deep ensembles: the mixture distribution against brute force, and the meta-estimators.

The mixture maths is checked on hand-built members (normal and Poisson) against
direct numpy/scipy computations and large seeded samples; the estimators on tiny
networks, and through scikit-learn's own estimator checks.
"""

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
from _checks import parametrize_with_checks
from joblib import parallel_config
from scipy import special, stats
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skprob.ensemble import (
    DeepEnsembleClassifier,
    DeepEnsembleRegressor,
    EnsembleDistribution,
    uniform_mixture,
)
from skprob.exceptions import NotFittedError
from skprob.families.bernoulli import BernoulliDistribution, BernoulliMLPClassifier
from skprob.families.categorical import CategoricalDistribution, CategoricalMLPClassifier
from skprob.families.normal import HeteroscedasticRegressor, NormalDistribution
from skprob.families.poisson import PoissonDistribution

# members x rows; row 3 mixes a very narrow component with wide ones, row 4 is bimodal.
LOC = np.array([
    [-2.0, 0.1, 0.0, 1.0, 3.0],
    [0.0, 0.2, 0.0, 30.0, -3.0],
    [5.0, 0.3, 0.0, -4.0, 0.0],
])
SCALE = np.array([
    [1.0, 1.0, 1.0, 0.01, 0.5],
    [0.5, 1.0, 2.0, 1.0, 0.6],
    [2.0, 1.0, 3.0, 3.0, 4.0],
])
LEVELS = [1e-10, 1e-4, 0.025, 0.3, 0.5, 0.77, 0.975, 1 - 1e-9]
TINY = {"max_iter": 20, "width": 8, "learning_rate_init": 1e-2}


def normal_mixture(**kwargs):
    pairs = zip(LOC, SCALE, strict=True)
    members = [NormalDistribution(loc=loc, scale=scale) for loc, scale in pairs]
    return EnsembleDistribution(members, **kwargs)


def brute_pdf(y):
    return np.mean(stats.norm(LOC, SCALE).pdf(y), axis=0)


# -- the mixture of normals -----------------------------------------------------------
def test_logpdf_cdf_sf_match_brute_force():
    dist = normal_mixture()
    for y in (np.zeros(5), np.array([0.3, -1.0, 2.0, 1.0, 10.0])):
        np.testing.assert_allclose(dist.logpdf(y), np.log(brute_pdf(y)), rtol=1e-12, atol=1e-8)
        cdf = np.mean(stats.norm(LOC, SCALE).cdf(y), axis=0)
        np.testing.assert_allclose(dist.cdf(y), cdf, rtol=0, atol=1e-8)
        np.testing.assert_allclose(dist.sf(y), 1 - cdf, rtol=0, atol=1e-8)
    assert dist.pdf(np.zeros(5)).shape == (5,)
    with pytest.raises(AttributeError, match="logpdf"):
        dist.logpmf(np.zeros(5))


def test_ppf_inverts_cdf():
    dist = normal_mixture()
    for q in LEVELS:
        x = dist.ppf(q)
        assert np.all(np.isfinite(x))
        np.testing.assert_allclose(dist.cdf(x), q, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(dist.median(), dist.ppf(0.5))
    assert np.all(dist.ppf(0.0) == -np.inf) and np.all(dist.ppf(1.0) == np.inf)
    assert np.all(np.isnan(dist.ppf(1.5)))
    levels = np.array([[0.1], [0.9]])  # broadcast against the rows
    np.testing.assert_allclose(dist.ppf(levels), np.stack([dist.ppf(0.1), dist.ppf(0.9)]))
    assert dist.quantiles([0.1, 0.9]).shape == (5, 2)


def test_moments_formulas_and_sample():
    dist = normal_mixture()
    mean = LOC.mean(axis=0)
    var = np.mean(SCALE**2 + LOC**2, axis=0) - mean**2
    np.testing.assert_allclose(dist.mean(), mean, rtol=1e-12)
    np.testing.assert_allclose(dist.var(), var, rtol=1e-12)
    np.testing.assert_allclose(dist.std(), np.sqrt(var), rtol=1e-12)
    n = 200_000
    draws = dist.rvs(size=n, random_state=0)
    assert draws.shape == (n, 5)
    np.testing.assert_array_equal(draws, dist.rvs(size=n, random_state=0))
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 5 * np.sqrt(var / n))
    kurtosis_bound = np.mean((draws - mean) ** 4, axis=0)
    assert np.all(np.abs(draws.var(axis=0) - var) < 5 * np.sqrt(kurtosis_bound / n))
    assert dist.rvs(random_state=1).shape == (5,)


def test_interval_coverage():
    dist = normal_mixture()
    draws = dist.rvs(size=100_000, random_state=2)
    for confidence in (0.5, 0.9):
        lower, upper = dist.interval(confidence)
        np.testing.assert_allclose(dist.cdf(upper) - dist.cdf(lower), confidence, atol=2e-8)
        covered = np.mean((draws >= lower) & (draws <= upper), axis=0)
        assert np.all(np.abs(covered - confidence) < 0.01)


def test_mode_is_highest_density_on_a_grid():
    dist = normal_mixture()
    mode = dist.mode()
    grid = np.linspace(-12.0, 40.0, 520_001)
    for row in range(5):
        density = np.mean(stats.norm(LOC[:, row, None], SCALE[:, row, None]).pdf(grid), axis=0)
        assert abs(mode[row] - grid[np.argmax(density)]) < 1e-3
        assert np.log(brute_pdf(mode)[row]) >= np.log(density.max()) - 1e-9


def test_container_slicing_and_frame():
    index = pd.Index(list("vwxyz"), name="id")
    dist = normal_mixture(index=index)
    assert len(dist) == 5 and dist.n_members == 3 and dist.params["loc"].shape == (5, 3)
    np.testing.assert_array_equal(dist.params["loc"], LOC.T)
    part = dist[1:3]
    assert isinstance(part, EnsembleDistribution) and len(part) == 2
    np.testing.assert_allclose(part.mean(), dist.mean()[1:3])
    np.testing.assert_allclose(dist[-1].logpdf([0.5]), dist.logpdf(np.full(5, 0.5))[-1:])
    with pytest.raises(IndexError):
        dist[7]
    frame = dist.to_frame()
    assert list(frame.columns) == ["mean", "std"] and frame.index.equals(index)
    wide = dist[[0, 4]].to_frame(members=True)
    assert wide.index.tolist() == ["v", "z"]
    assert list(wide.columns[2:4]) == ["loc@0", "scale@0"]
    assert wide.loc["z", "loc@1"] == LOC[1, 4]
    assert "n_members=3" in repr(dist)


def test_multi_output_log_likelihood_is_joint():
    rng = np.random.default_rng(0)
    locs, scales = rng.normal(size=(2, 4, 3)), rng.uniform(0.5, 2, size=(2, 4, 3))
    members = [NormalDistribution(loc=locs[m], scale=scales[m], output_names=["p", "q", "r"])
               for m in range(2)]
    dist = EnsembleDistribution(members)
    y = rng.normal(size=(4, 3))
    joint = np.log(np.mean(np.prod(stats.norm(locs, scales).pdf(y), axis=2), axis=0))
    np.testing.assert_allclose(dist.log_likelihood(y), joint, rtol=1e-12)
    marginal = np.log(np.mean(stats.norm(locs, scales).pdf(y), axis=0))
    np.testing.assert_allclose(dist.logpdf(y), marginal, rtol=1e-12)
    assert dist.rvs(size=3, random_state=0).shape == (3, 4, 3)
    assert list(dist.to_frame().columns) == ["mean[p]", "mean[q]", "mean[r]", "std[p]",
                                             "std[q]", "std[r]"]
    np.testing.assert_allclose(dist.cdf(dist.ppf(0.2)), 0.2, atol=1e-8)


def test_bad_members():
    normal = NormalDistribution(loc=[0.0], scale=[1.0])
    with pytest.raises(ValueError, match="empty"):
        EnsembleDistribution([])
    with pytest.raises(TypeError, match="one class"):
        EnsembleDistribution([normal, PoissonDistribution(rate=[1.0])])
    with pytest.raises(ValueError, match="same rows"):
        EnsembleDistribution([normal, NormalDistribution(loc=[0.0, 1.0], scale=[1.0, 1.0])])
    labels = CategoricalDistribution(log_probs=np.log([[0.5, 0.5]]), classes=[0, 1])
    with pytest.raises(TypeError, match="uniform_mixture"):
        EnsembleDistribution([labels])


# -- Poisson members: integer quantiles -------------------------------------------------
def test_poisson_mixture_quantiles_and_mode():
    rates = np.array([[0.5, 3.0, 10.0, 0.01], [2.0, 30.0, 10.5, 5.0], [7.0, 100.0, 11.0, 0.2]])
    dist = EnsembleDistribution([PoissonDistribution(rate=r) for r in rates])
    assert dist.discrete
    for q in np.random.default_rng(0).uniform(size=15).tolist() + [1e-9, 0.5, 1 - 1e-9]:
        k = dist.ppf(q)
        np.testing.assert_array_equal(k, np.floor(k))
        assert np.all(dist.cdf(k) >= q) and np.all(dist.cdf(k - 1) < q)
    counts = np.arange(200.0)
    pmf = np.mean(stats.poisson(rates[:, :, None]).pmf(counts), axis=0)
    np.testing.assert_array_equal(dist.mode(), counts[np.argmax(pmf, axis=1)])
    np.testing.assert_allclose(dist.logpmf([1, 2, 3, 0]), np.log(pmf[np.arange(4), [1, 2, 3, 0]]))
    np.testing.assert_allclose(dist.mean(), rates.mean(axis=0))
    np.testing.assert_allclose(dist.var(), np.mean(rates + rates**2, axis=0) - rates.mean(0) ** 2)


# -- class-label members mix into a categorical -----------------------------------------
def test_label_members_give_a_categorical():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), size=(4, 6))
    members = [CategoricalDistribution(log_probs=np.log(p), classes=["a", "b", "c"]) for p in probs]
    mixed = uniform_mixture(members, index=pd.RangeIndex(10, 16))
    assert type(mixed) is CategoricalDistribution and mixed.index[0] == 10
    np.testing.assert_allclose(mixed.probs(), probs.mean(axis=0), rtol=1e-12)
    logits = rng.normal(size=(3, 6))
    binary = [BernoulliDistribution(logit=logit, classes=["n", "y"]) for logit in logits]
    np.testing.assert_allclose(uniform_mixture(binary).probs()[:, 1],
                               special.expit(logits).mean(axis=0), rtol=1e-12)
    other = CategoricalDistribution(log_probs=np.log(probs[0]), classes=["a", "b", "z"])
    with pytest.raises(ValueError, match="classes"):
        uniform_mixture([members[0], other])


# -- the estimators ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def regression_data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(120, 3)), columns=["a", "b", "c"],
                     index=pd.RangeIndex(1000, 1120))
    y = X["a"] + (0.2 + 0.3 * np.abs(X["b"])) * rng.normal(size=120)
    return X, y


@pytest.fixture(scope="module")
def fitted_regressor(regression_data):
    X, y = regression_data
    model = DeepEnsembleRegressor(HeteroscedasticRegressor(**TINY), n_estimators=3, random_state=0)
    return model.fit(X, y)


def test_regressor_members_and_score(fitted_regressor, regression_data):
    X, y = regression_data
    model = fitted_regressor
    assert len(model.estimators_) == 3 and len(set(model.seeds_.tolist())) == 3
    assert model.n_features_in_ == 3 and model.feature_names_in_.tolist() == ["a", "b", "c"]
    assert model.estimator.random_state is None  # the template is never modified
    member_means = [m.predict(X.to_numpy()) for m in model.estimators_]
    assert not np.allclose(member_means[0], member_means[1])
    dist = model.predict_dist(X)
    assert isinstance(dist, EnsembleDistribution)
    np.testing.assert_allclose(model.predict(X), np.mean(member_means, axis=0), rtol=1e-12)
    score = model.score(X, y)
    assert score == pytest.approx(dist.log_likelihood(y).mean(), rel=1e-12)
    assert model.nll(X, y) == -score
    member_scores = [m.score(X.to_numpy(), y) for m in model.estimators_]
    assert score >= np.mean(member_scores) - 1e-12  # Jensen, exact for the log of an average
    weights = np.linspace(0.0, 1.0, len(y))
    assert model.score(X, y, sample_weight=weights) == pytest.approx(
        np.average(dist.log_likelihood(y), weights=weights))
    frame = dist.to_frame()
    assert frame.index.equals(X.index)
    point, std = model.predict(X.iloc[:4], return_std=True)
    np.testing.assert_allclose(std, dist.std()[:4])
    for prediction in ("median", "mode"):
        other = copy.deepcopy(model).set_params(prediction=prediction)
        assert np.all(np.abs(other.predict(X.iloc[:4]) - point) < 3 * std)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(X.iloc[:, :2])


def test_regressor_reproducible_clone_and_pickle(fitted_regressor, regression_data):
    X, y = regression_data
    expected = fitted_regressor.predict_dist(X).params
    refit = clone(fitted_regressor)
    assert not hasattr(refit, "estimators_")
    assert refit.get_params()["estimator__width"] == 8
    again = refit.fit(X, y).predict_dist(X).params
    for name in expected:
        np.testing.assert_array_equal(again[name], expected[name])
    restored = pickle.loads(pickle.dumps(fitted_regressor))
    np.testing.assert_array_equal(restored.predict(X), fitted_regressor.predict(X))
    other = clone(fitted_regressor).set_params(random_state=1, n_estimators=2).fit(X, y)
    assert not np.allclose(other.predict(X), fitted_regressor.predict(X))


def test_parallel_fit_and_sample_weight(regression_data):
    X, y = regression_data
    model = DeepEnsembleRegressor(HeteroscedasticRegressor(**TINY), n_estimators=2,
                                  random_state=0, n_jobs=2)
    # Threads keep the test fast; the default process backend is the reproducible one.
    with parallel_config(backend="threading"):
        model.fit(X, y, sample_weight=np.ones(len(y)))
    assert len(model.estimators_) == 2 and np.isfinite(model.score(X, y))


def test_grid_search_and_pipeline(regression_data):
    X, y = regression_data
    ensemble = DeepEnsembleRegressor(HeteroscedasticRegressor(**TINY), n_estimators=2,
                                     random_state=0)
    search = GridSearchCV(ensemble, {"estimator__width": [8, 16]}, cv=2).fit(X, y)
    assert search.best_params_["estimator__width"] in (8, 16)
    assert search.best_estimator_.estimators_[0].width == search.best_params_["estimator__width"]
    pipe = make_pipeline(StandardScaler(), ensemble).fit(X, y)
    assert np.isfinite(pipe.score(X, y))
    assert pipe.get_params()["deepensembleregressor__estimator__depth"] == 1


def test_bad_parameters(regression_data, fitted_regressor):
    X, y = regression_data
    broken = copy.deepcopy(fitted_regressor)
    with pytest.raises(ValueError):
        broken.fit(X, y[:-1])
    np.testing.assert_array_equal(broken.predict(X), fitted_regressor.predict(X))  # unchanged
    with pytest.raises(ValueError, match="width"):  # the members' parameters are validated
        DeepEnsembleRegressor(HeteroscedasticRegressor(width=-1), n_estimators=1).fit(X, y)
    with pytest.raises(ValueError, match="DeepEnsembleClassifier"):
        DeepEnsembleRegressor(CategoricalMLPClassifier(), n_estimators=1).fit(X, y)
    with pytest.raises(ValueError, match="n_estimators"):
        DeepEnsembleRegressor(n_estimators=0).fit(X, y)
    with pytest.raises(TypeError, match="predict_dist"):
        DeepEnsembleRegressor(StandardScaler()).fit(X, y)
    with pytest.raises(NotFittedError):
        DeepEnsembleRegressor().predict(X)


def test_classifier_averages_member_probabilities():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    y = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0)]
    model = DeepEnsembleClassifier(CategoricalMLPClassifier(**TINY), n_estimators=3,
                                   random_state=0).fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    average = np.mean([m.predict_proba(X) for m in model.estimators_], axis=0)
    np.testing.assert_allclose(proba, average, rtol=1e-12)
    np.testing.assert_allclose(model.predict_log_proba(X), np.log(average), rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), model.classes_[np.argmax(proba, axis=1)])
    codes = np.searchsorted(model.classes_, y)
    assert model.score(X, y) == pytest.approx(np.mean(np.log(proba[np.arange(90), codes])))
    assert model.classes_.tolist() == ["a", "b", "c"]
    binary = DeepEnsembleClassifier(BernoulliMLPClassifier(**TINY), n_estimators=2,
                                    random_state=0).fit(X, y == "a")
    assert isinstance(binary.predict_dist(X), CategoricalDistribution)
    assert binary.predict(X).dtype == bool


# -- scikit-learn's checks ----------------------------------------------------------------
# The second check exists only in older scikit-learn releases (not in 1.9).
STOCHASTIC_TRAINING = {
    "check_sample_weight_equivalence_on_dense_data": (
        "minibatch SGD on repeated rows is not the same trajectory as on weighted rows"
    ),
    "check_sample_weights_invariance": (
        "zero-weight rows still change the members' batch order and validation split"
    ),
}


@parametrize_with_checks(
    [
        DeepEnsembleRegressor(HeteroscedasticRegressor(**TINY), n_estimators=2),
        DeepEnsembleClassifier(CategoricalMLPClassifier(**TINY), n_estimators=2),
    ],
    expected_failed_checks=lambda estimator: STOCHASTIC_TRAINING,
    xfail_strict=False,
)
def test_sklearn_compatible_ensemble(estimator, check):
    check(estimator)
