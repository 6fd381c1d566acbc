"""Continuous families on targets that take few distinct values: the warning and rounding."""

import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from sklearn.model_selection import GridSearchCV, KFold

import skprob
from skprob import (
    DistributionRegressor,
    HeteroscedasticRegressor,
    MixtureDensityRegressor,
    PoissonMLPRegressor,
)
from skprob.censoring import rounded
from skprob.exceptions import DiscreteTargetWarning, TargetSupportError

FAST = {"max_iter": 30, "width": 16, "random_state": 0}
WINE = Path(__file__).resolve().parents[2] / "shared" / "data" / "uci" / "wine-quality-red"


def scores(rng, n):
    """Integer scores: a normal with mean and spread depending on x, rounded."""
    X = rng.uniform(-1, 1, (n, 2))
    loc, scale = 5.0 + 1.2 * X[:, 0], 0.5 + 0.3 * (X[:, 1] > 0)
    return X, np.round(rng.normal(loc, scale)), loc, scale


def fit_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiscreteTargetWarning)
        return model.fit(X, y)


def test_warning_names_the_problem_and_the_remedies():
    rng = np.random.default_rng(0)
    X, y, _, _ = scores(rng, 200)
    with pytest.warns(DiscreteTargetWarning, match="distinct values") as caught:
        HeteroscedasticRegressor(**FAST).fit(X, y)
    message = str(caught[0].message)
    assert "CategoricalMLPClassifier" in message and "censoring.rounded" in message
    assert "(v - 0.5, v + 0.5]" in message


@pytest.mark.parametrize("name", ["normal", "laplace", "student_t", "mixture", "gamma",
                                  "exponential", "beta", "lognormal", "weibull"])
def test_no_warning_on_continuous_targets(name):
    family = skprob.get_family(name)
    y = family.example_target(1000, 0)
    X = np.random.default_rng(1).normal(size=(1000, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiscreteTargetWarning)
        DistributionRegressor(distribution=name, max_iter=2, width=8).fit(X, y)


def test_discrete_families_and_rounded_targets_do_not_warn():
    rng = np.random.default_rng(2)
    X, y, _, _ = scores(rng, 200)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiscreteTargetWarning)
        PoissonMLPRegressor(**FAST).fit(X, y)
        HeteroscedasticRegressor(**FAST).fit(X, rounded(y))


def test_rounded_fit_recovers_the_probability_of_each_score():
    rng = np.random.default_rng(3)
    X, y, _, _ = scores(rng, 4000)
    X_test, y_test, loc, scale = scores(rng, 20000)
    # The generating model's probability of each recorded score.
    true_log_p = np.log(stats.norm.cdf(y_test + 0.5, loc, scale)
                        - stats.norm.cdf(y_test - 0.5, loc, scale)).mean()
    exact = fit_quietly(MixtureDensityRegressor(random_state=0), X, y)
    by_rounding = MixtureDensityRegressor(random_state=0).fit(X, rounded(y))
    collapsed = -exact.score(X_test, y_test)
    gap = -by_rounding.score(X_test, rounded(y_test, 1.0)) + true_log_p
    # Measured: the truth's log-loss is 1.07. The exact-value fit reports 0.93: its scales
    # are held above the rounding error (1 / sqrt(12) of a step), without which it reported
    # -2.07 (spikes on the integers). The rounded fit is 0.021 nats from the truth.
    assert -true_log_p - 0.3 < collapsed < -true_log_p
    assert exact.family_.scale_floor_ == pytest.approx(1 / np.sqrt(12) / exact.family_.scale_[0])
    assert by_rounding.family_.scale_floor_ is None
    assert gap < 0.05


def test_discrete_families_read_rounded_counts_as_counts():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 2))
    y = rng.poisson(np.exp(0.5 * X[:, 0])).astype(float)
    plain = PoissonMLPRegressor(**FAST).fit(X, y)
    as_intervals = PoissonMLPRegressor(**FAST).fit(X, rounded(y, 1.0))
    assert as_intervals.score(X, rounded(y, 1.0)) == plain.score(X, y)
    with pytest.raises(TargetSupportError, match="one count"):
        PoissonMLPRegressor(**FAST).fit(X, rounded(y, 2.0))


def test_family_search_on_rounded_scores_compares_probabilities():
    rng = np.random.default_rng(5)
    X, y, _, _ = scores(rng, 600)
    grid = {"distribution": ["normal", "mixture", "poisson", "negative_binomial"]}
    cv = KFold(3, shuffle=True, random_state=0)
    on_values = GridSearchCV(DistributionRegressor(**FAST), grid, cv=cv)
    fit_quietly(on_values, X, y)
    on_rounding = GridSearchCV(DistributionRegressor(**FAST), grid, cv=cv).fit(X, rounded(y))
    # On the rounding every candidate scores a log-probability of the recorded scores.
    assert on_rounding.best_score_ < 0
    assert np.all(on_rounding.cv_results_["mean_test_score"] < 0)
    # On the exact values the scale floor keeps each density close to the probability of
    # its rounding interval (measured: mixture -1.244 against -1.309, normal -1.339 against
    # -1.336), so the densities cannot collapse their way past the count families.
    by_values = on_values.cv_results_["mean_test_score"]
    by_rounding = on_rounding.cv_results_["mean_test_score"]
    assert np.all(by_values - by_rounding < 0.1)


def test_rounded_refuses_what_it_cannot_round():
    with pytest.raises(ValueError, match="single distinct value"):
        rounded([3.0, 3.0])
    with pytest.raises(ValueError, match="positive"):
        rounded([1.0, 2.0], resolution=0.0)
    with pytest.raises(ValueError, match="NaN"):
        rounded([1.0, np.nan])


@pytest.mark.skipif(not WINE.is_dir(), reason=f"no UCI Wine data at {WINE}")
def test_wine_warns():
    data = np.loadtxt(WINE / "data" / "data.txt")
    target = int(np.loadtxt(WINE / "data" / "index_target.txt"))
    X, y = np.delete(data, target, axis=1), data[:, target]
    with pytest.warns(DiscreteTargetWarning, match="6 distinct values"):
        HeteroscedasticRegressor(max_iter=1, width=8).fit(X, y)
