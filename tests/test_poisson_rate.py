"""Poisson rates with exposure: the weighted rate likelihood is the counts' likelihood."""

import numpy as np
import pytest
from scipy import special, stats

from skprob import PoissonMLPRegressor, PoissonRateMLPRegressor
from skprob.exceptions import TargetSupportError
from skprob.families.poisson_rate import PoissonRateDistribution


def test_log_probability_matches_scipy_and_the_counts_likelihood():
    rng = np.random.default_rng(0)
    n = 4000
    rate = np.exp(rng.uniform(-12.0, 12.0, n))
    exposure = np.exp(rng.uniform(-5.0, 5.0, n))
    counts = rng.poisson(rate * exposure).astype(float)
    dist = PoissonRateDistribution(rate=rate)
    # At integer targets it is the Poisson pmf.
    np.testing.assert_allclose(dist.logpmf(counts), stats.poisson(rate).logpmf(counts),
                               rtol=1e-9, atol=1e-9)
    # At rates it is the continuous extension, and times the exposure it differs from the
    # counts' log-pmf by a term free of the rate: the weighted fit is the counts' MLE.
    y = counts / exposure
    extension = special.xlogy(y, rate) - rate - special.gammaln(y + 1.0)
    np.testing.assert_allclose(dist.logpmf(y), extension, rtol=1e-9, atol=1e-9)
    free_of_rate = counts * np.log(exposure) - special.gammaln(counts + 1.0) + \
        exposure * special.gammaln(y + 1.0)
    exact = dist.counts(exposure).logpmf(counts)
    # (to rounding of the terms, which reach 1e8 at the largest rates and exposures)
    terms = np.abs(counts * np.log(rate * exposure)) + rate * exposure + \
        special.gammaln(counts + 1.0) + np.abs(free_of_rate)
    assert np.all(np.abs(exposure * dist.logpmf(y) - (exact - free_of_rate)) <= 1e-12 * terms
                  + 1e-9)
    # (means up to 1e7: y log(mean) - mean - log y! cancels about 9 digits there)
    np.testing.assert_allclose(exact, stats.poisson(rate * exposure).logpmf(counts),
                               rtol=1e-7, atol=1e-9)
    assert np.all(dist.logpmf(np.full(n, -0.5)) == -np.inf)
    np.testing.assert_allclose(dist.counts(exposure).mean(), rate * exposure, rtol=1e-15)
    with pytest.raises(ValueError, match="exposure must be positive"):
        dist.counts(np.zeros(n))


def make_claims(rng, n):
    """Claim counts over exposures from 0.05 to 1 year; the yearly rate depends on x."""
    X = rng.uniform(-1.0, 1.0, size=(n, 3))
    rate = np.exp(0.3 + X[:, 0] + 0.5 * X[:, 1] * X[:, 2])
    exposure = rng.uniform(0.05, 1.0, n)
    return X, rng.poisson(rate * exposure).astype(float), exposure, rate


def test_recovers_the_rate_with_exposure_weights():
    rng = np.random.default_rng(1)
    X, claims, exposure, _ = make_claims(rng, 4000)
    X_test, claims_test, exposure_test, rate = make_claims(rng, 20000)
    true_nll = -stats.poisson(rate * exposure_test).logpmf(claims_test).mean()
    model = PoissonRateMLPRegressor(random_state=0).fit(X, claims / exposure,
                                                         sample_weight=exposure)
    counts = model.predict_dist(X_test).counts(exposure_test)
    gap = -counts.logpmf(claims_test).mean() - true_nll
    # Ignoring the exposure (counts as if over equal exposures) misses it entirely.
    plain = PoissonMLPRegressor(random_state=0).fit(X, claims)
    plain_gap = -stats.poisson(plain.predict_dist(X_test).mean()).logpmf(claims_test).mean() \
        - true_nll
    assert gap < 0.02
    assert plain_gap > gap + 0.05
    np.testing.assert_allclose(np.mean(model.predict(X_test) / rate), 1.0, atol=0.05)
    # score with the exposure as weight ranks models as the counts' likelihood does.
    assert model.score(X_test, claims_test / exposure_test, sample_weight=exposure_test) > \
        PoissonRateMLPRegressor(max_iter=1, random_state=0).fit(
            X, claims / exposure, sample_weight=exposure).score(
            X_test, claims_test / exposure_test, sample_weight=exposure_test)


def test_refuses_negative_rates():
    X = np.zeros((3, 1))
    with pytest.raises(TargetSupportError, match="non-negative"):
        PoissonRateMLPRegressor(max_iter=1).fit(X, np.array([0.5, -1.0, 2.0]))
