"""Censored and interval targets: the interval log-probability of every continuous family,
the estimators' fit and score on censored data, and what scikit-learn does with them."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import integrate, stats
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skprob import (
    BetaMLPRegressor,
    DistributionRegressor,
    ExponentialMLPRegressor,
    GammaMLPRegressor,
    HeteroscedasticRegressor,
    PoissonMLPRegressor,
    VonMisesMLPRegressor,
)
from skprob.censoring import (
    as_bounds,
    interval_censored,
    is_censored,
    left_censored,
    right_censored,
)
from skprob.exceptions import TargetSupportError
from skprob.families._censored import has_cdf
from skprob.families.beta import BetaDistribution
from skprob.families.exponential import ExponentialDistribution
from skprob.families.gamma import GammaDistribution
from skprob.families.laplace import LaplaceDistribution
from skprob.families.lognormal import LogNormalDistribution
from skprob.families.mixture import GaussianMixtureDistribution
from skprob.families.normal import NormalDistribution
from skprob.families.student_t import StudentTDistribution
from skprob.families.weibull import WeibullDistribution

FAST = {"max_iter": 30, "width": 16, "random_state": 0}
rng0 = np.random.default_rng(0)
N = 400


def random_cases():
    """(distribution, scipy frozen distribution or None, sample) for each continuous family."""
    rng = np.random.default_rng(1)
    loc, scale = rng.normal(0, 3, N), np.exp(rng.normal(0, 1, N))
    df = np.exp(rng.uniform(np.log(0.5), np.log(1e3), N))
    shape, a, b = np.exp(rng.normal(0, 1.5, (3, N)))
    weights = np.log(rng.dirichlet(np.ones(3), N))
    mix_loc, mix_scale = rng.normal(0, 3, (N, 3)), np.exp(rng.normal(0, 1, (N, 3)))
    return {
        "normal": (NormalDistribution(loc=loc, scale=scale), stats.norm(loc, scale)),
        "laplace": (LaplaceDistribution(loc=loc, scale=scale), stats.laplace(loc, scale)),
        "student_t": (StudentTDistribution(df=df, loc=loc, scale=scale), stats.t(df, loc, scale)),
        "exponential": (ExponentialDistribution(scale=scale), stats.expon(scale=scale)),
        "gamma": (GammaDistribution(shape=shape, scale=scale), stats.gamma(shape, scale=scale)),
        "beta": (BetaDistribution(a=a, b=b), stats.beta(a, b)),
        "weibull": (WeibullDistribution(scale=scale, shape=shape),
                    stats.weibull_min(shape, scale=scale)),
        "lognormal": (LogNormalDistribution(median=scale, sigma=a),
                      stats.lognorm(a, scale=scale)),
        "mixture": (GaussianMixtureDistribution(log_weights=weights, loc=mix_loc,
                                                scale=mix_scale), None),
    }


CASES = random_cases()


def torch_cdfs(dist, y):
    params = {k: torch.as_tensor(v) for k, v in dist.params.items()}
    y = torch.as_tensor(np.asarray(y, dtype=np.float64))
    cls = type(dist)
    return cls.log_cdf(params, y).numpy(), cls.log_sf(params, y).numpy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_log_cdf_and_sf_match_scipy_in_the_bulk_and_tails(name):
    dist, frozen = CASES[name]
    assert has_cdf(type(dist))
    for q in (1e-12, 1e-3, 0.3, 0.7, 1 - 1e-3):
        y = dist.ppf(np.full(N, q)) if frozen is None else frozen.ppf(q)
        log_cdf, log_sf = torch_cdfs(dist, y)
        if frozen is None:
            expected_cdf, expected_sf = np.log(dist.cdf(y)), np.log(dist.sf(y))
        else:
            expected_cdf, expected_sf = frozen.logcdf(y), frozen.logsf(y)
        np.testing.assert_allclose(log_cdf, expected_cdf, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(log_sf, expected_sf, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "name, params, y, expected",
    [
        # Far tails where the cdf itself underflows; the values come from mpmath (50 digits).
        ("normal", {"loc": 0.0, "scale": 1.0}, -50.0, -1254.8313611394),
        ("student_t", {"df": 30.0, "loc": 0.0, "scale": 1.0}, -1e20, -1333.160964059),
        ("student_t", {"df": 3.0, "loc": 0.0, "scale": 1.0}, -1e100, -690.67780450245),
        ("gamma", {"shape": 3.0, "scale": 1.0}, 1e-200, -1383.3428150),
        ("exponential", {"scale": 1.0}, 1e-300, -690.77552789821),
        ("beta", {"a": 2.0, "b": 3.0}, 1e-250, -1149.5007873),
        ("laplace", {"loc": 0.0, "scale": 1.0}, -800.0, -800.69314718056),
        ("weibull", {"scale": 1.0, "shape": 2.0}, 1e-150, -690.77552789821),
        ("lognormal", {"median": 1.0, "sigma": 1.0}, 1e-20, -1065.12879632237),
    ],
)
def test_log_cdf_far_in_the_lower_tail(name, params, y, expected):
    dist = {
        "normal": NormalDistribution, "student_t": StudentTDistribution,
        "gamma": GammaDistribution, "exponential": ExponentialDistribution,
        "beta": BetaDistribution, "laplace": LaplaceDistribution,
        "weibull": WeibullDistribution, "lognormal": LogNormalDistribution,
    }[name](**{k: [v] for k, v in params.items()})
    log_cdf, _ = torch_cdfs(dist, [y])
    assert log_cdf[0] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "name", ["normal", "student_t", "gamma", "beta", "weibull", "lognormal", "mixture"]
)
def test_interval_probability_matches_integrating_the_density(name):
    dist, _ = CASES[name]
    rows = np.arange(0, N, 40)
    sub = dist[rows]
    lower = sub.ppf(np.full(len(rows), 0.2))
    upper = sub.ppf(np.full(len(rows), 0.65))
    log_lik = sub.log_likelihood(interval_censored(lower, upper))
    for i in range(len(rows)):
        mass, _ = integrate.quad(lambda t, i=i: float(sub[i].pdf([t])[0]), lower[i], upper[i],
                                 epsabs=1e-13, epsrel=1e-11, limit=200)
        assert log_lik[i] == pytest.approx(math.log(mass), rel=1e-6, abs=1e-9)


def test_censored_log_likelihood_mixes_densities_and_probabilities():
    dist = NormalDistribution(loc=[0.0, 0.0, 0.0, 0.0], scale=[1.0, 2.0, 1.0, 1.0])
    y = interval_censored([0.5, 1.0, -np.inf, -1.0], [0.5, np.inf, -2.0, 1.0])
    expected = [
        stats.norm.logpdf(0.5), stats.norm.logsf(1.0, scale=2.0), stats.norm.logcdf(-2.0),
        np.log(stats.norm.cdf(1.0) - stats.norm.cdf(-1.0)),
    ]
    np.testing.assert_allclose(dist.log_likelihood(y), expected, rtol=1e-12)


# -- the target's forms ----------------------------------------------------------------
def test_target_constructors_and_scikit_survival_arrays():
    right = right_censored([3.0, 4.0], [True, False])
    np.testing.assert_array_equal(right["upper"], [3.0, np.inf])
    left = left_censored([0.2, 0.05], [True, False], lower=0.0)
    np.testing.assert_array_equal(as_bounds(left), ([0.2, 0.0], [0.2, 0.05]))
    # scikit-survival's layout (Surv.from_arrays): a boolean field and a float field.
    survival = np.array([(True, 3.0), (False, 4.0)], dtype=[("status", "?"), ("days", "<f8")])
    assert is_censored(survival) and not is_censored(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(as_bounds(survival)[1], [3.0, np.inf])
    with pytest.raises(ValueError, match="lower <= upper"):
        interval_censored([2.0], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        interval_censored([np.nan], [1.0])
    with pytest.raises(ValueError, match="event must be"):
        right_censored([1.0, 2.0], [1, 2])


def test_families_without_a_cdf_and_bounds_outside_the_support_are_refused():
    X = rng0.normal(size=(20, 2))
    # A discrete family reads exact counts, but no interval holding several counts.
    counts = rng0.poisson(3.0, 20).astype(float)
    PoissonMLPRegressor(**FAST).fit(X, right_censored(counts, np.ones(20, bool)))
    with pytest.raises(TargetSupportError, match="'poisson' family is discrete"):
        PoissonMLPRegressor(**FAST).fit(X, right_censored(counts, np.r_[True, np.ones(19) < 0]))
    with pytest.raises(TargetSupportError, match="'von_mises' family does not take censored"):
        VonMisesMLPRegressor(**FAST).fit(X, interval_censored(np.zeros(20), np.ones(20)))
    bad = interval_censored(np.r_[np.ones(19), -3.0], np.r_[np.ones(19) * 2, -1.0])
    with pytest.raises(TargetSupportError, match="reach into"):
        GammaMLPRegressor(**FAST).fit(X, bad)
    exact_negative = interval_censored(np.r_[np.ones(19), -1.0], np.r_[np.ones(19), -1.0])
    with pytest.raises(TargetSupportError, match="y > 0"):
        ExponentialMLPRegressor(**FAST).fit(X, exact_negative)


# -- fitting censored data ---------------------------------------------------------------
def normal_survival(rng, n):
    """Heteroscedastic normal times, right-censored by an independent normal (~40%)."""
    X = rng.uniform(-1, 1, (n, 2))
    loc, scale = 1 + X[:, 0], 0.3 + 0.2 * (X[:, 1] + 1)
    time, cutoff = rng.normal(loc, scale), rng.normal(1.2, 0.5, n)
    return X, right_censored(np.minimum(time, cutoff), time <= cutoff), loc, scale


def test_right_censored_fit_recovers_the_generating_model():
    rng = np.random.default_rng(2)
    X, y, _, _ = normal_survival(rng, 3000)
    X_test, y_test, loc, scale = normal_survival(rng, 20000)
    assert 0.3 < 1 - np.isfinite(y["upper"]).mean() < 0.6
    truth = NormalDistribution(loc=loc, scale=scale).log_likelihood(y_test).mean()
    model = HeteroscedasticRegressor(random_state=0).fit(X, y)
    gap = -model.score(X_test, y_test) + truth
    observed = np.isfinite(y["upper"])
    dropped = HeteroscedasticRegressor(random_state=0).fit(X[observed], y["lower"][observed])
    as_exact = HeteroscedasticRegressor(random_state=0).fit(X, y["lower"])
    # Measured: 0.007 nats from the generating model; dropping the censored rows 0.125,
    # taking the censoring times as event times 0.173.
    assert gap < 0.05
    assert -dropped.score(X_test, y_test) + truth > gap + 0.05
    assert -as_exact.score(X_test, y_test) + truth > gap + 0.05


def test_detection_limit_fit_beats_dropping_and_substituting_the_limit():
    rng = np.random.default_rng(3)
    limit = -0.3  # values below it are only known to lie below it (about 40% of rows)

    def make(n):
        X = rng.uniform(-1, 1, (n, 2))
        loc, scale = X[:, 0] + 0.5 * X[:, 1] ** 2, np.exp(0.4 * X[:, 1] - 0.3)
        value = rng.normal(loc, scale)
        detected = value > limit
        return X, left_censored(np.maximum(value, limit), detected), loc, scale, detected

    X, y, _, _, detected = make(4000)
    X_test, y_test, loc, scale, _ = make(20000)
    assert 0.3 < 1 - detected.mean() < 0.5
    truth = NormalDistribution(loc=loc, scale=scale).log_likelihood(y_test).mean()
    model = HeteroscedasticRegressor(random_state=0).fit(X, y)
    gap = -model.score(X_test, y_test) + truth
    dropped = HeteroscedasticRegressor(random_state=0).fit(X[detected], y["upper"][detected])
    substituted = HeteroscedasticRegressor(random_state=0).fit(X, y["upper"])
    gaps = [gap, -dropped.score(X_test, y_test) + truth,
            -substituted.score(X_test, y_test) + truth]
    # Measured: 0.002 nats from the generating model; dropping the censored rows 0.36,
    # substituting the detection limit for them 0.14.
    assert gaps[0] < 0.05
    assert gaps[1] > gaps[0] + 0.1 and gaps[2] > gaps[0] + 0.1


def test_interval_censored_fit_beats_dropping_and_matches_midpoints_on_narrow_ranges():
    rng = np.random.default_rng(3)
    limit = 0.8  # a detection limit: smaller values are only known to lie below it

    def make(n):
        X = rng.uniform(-1, 1, (n, 2))
        scale = np.exp(0.3 * X[:, 0] - 0.5 * X[:, 1])
        value = rng.gamma(2.0, scale)
        detected = value > limit
        # Half the detected values are reported as ranges of width 1 (survey answers).
        ranged = detected & (rng.uniform(size=n) < 0.5)
        lower = np.where(ranged, np.floor(value), np.where(detected, value, 0.0))
        upper = np.where(ranged, np.floor(value) + 1.0, np.where(detected, value, limit))
        return X, interval_censored(lower, upper), scale

    X, y, _ = make(4000)
    X_test, y_test, scale = make(20000)
    truth = GammaDistribution(shape=np.full(20000, 2.0), scale=scale).log_likelihood(y_test)
    model = GammaMLPRegressor(random_state=0).fit(X, y)
    gap = -model.score(X_test, y_test) + truth.mean()
    exact = y["lower"] == y["upper"]
    dropped = GammaMLPRegressor(random_state=0).fit(X[exact], y["lower"][exact])
    middle = 0.5 * (y["lower"] + y["upper"])  # ranges by their middle, limit / 2 below it
    imputed = GammaMLPRegressor(random_state=0).fit(X, middle)
    gaps = [gap, -dropped.score(X_test, y_test) + truth.mean(),
            -imputed.score(X_test, y_test) + truth.mean()]
    # Measured: 0.000 nats from the generating model; dropping 0.19; midpoints 0.000.
    # Ranges narrow against the spread leave midpoints little to lose; the censored
    # likelihood needs no choice of imputation.
    assert gaps[0] < 0.05
    assert gaps[1] > gaps[0] + 0.1
    assert gaps[2] > gaps[0] - 0.02


@pytest.mark.parametrize("cls", [HeteroscedasticRegressor, BetaMLPRegressor, GammaMLPRegressor])
def test_score_is_the_mean_censored_log_likelihood(cls):
    rng = np.random.default_rng(4)
    X = rng.uniform(size=(60, 2))
    value = cls()._make_family().example_target(60, 5)
    lower = np.where(rng.uniform(size=60) < 0.5, value, 0.5 * value)
    y = interval_censored(lower, value)
    model = cls(**FAST).fit(X, y)
    dist = model.predict_dist(X)
    assert model.score(X, y) == pytest.approx(dist.log_likelihood(y).mean(), rel=1e-12)
    assert model.nll(X, y) == -model.score(X, y)
    assert np.all(np.isfinite(dist.log_likelihood(y)))


def test_scikit_learn_tools_take_censored_targets():
    rng = np.random.default_rng(5)
    X, y, _, _ = normal_survival(rng, 300)
    model = HeteroscedasticRegressor(**FAST)
    assert clone(model).fit(X, y).score(X, y) < 0
    scores = cross_val_score(model, X, y, cv=KFold(3, shuffle=True, random_state=0))
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    search = GridSearchCV(DistributionRegressor(**FAST),
                          {"distribution": ["normal", "laplace"]}, cv=3).fit(X, y)
    assert search.best_params_["distribution"] in ("normal", "laplace")
    pipe = make_pipeline(StandardScaler(), HeteroscedasticRegressor(**FAST)).fit(X, y)
    assert np.isfinite(pipe.score(X, y))
    frame = pd.DataFrame(X, columns=["a", "b"], index=np.arange(300) + 1000)
    dist = pipe.fit(frame, y)[-1].predict_dist(pipe[:-1].transform(frame))
    assert len(dist) == 300
    # A model fitted on censored targets takes them (and only them) in a warm start.
    warm = HeteroscedasticRegressor(**FAST, warm_start=True).fit(X, y)
    warm.fit(X, y)
    with pytest.raises(ValueError, match="censored"):
        warm.fit(X, y["lower"])
