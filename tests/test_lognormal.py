"""The log-normal family: its log-density and summaries against scipy, and recovery."""

import numpy as np
import torch
from scipy import stats

from skprob import LogNormalMLPRegressor
from skprob.families.lognormal import LogNormalDistribution


def test_log_density_and_summaries_match_scipy_across_the_parameter_range():
    rng = np.random.default_rng(0)
    median = np.exp(rng.uniform(-30.0, 30.0, 4000))
    sigma = np.exp(rng.uniform(-7.0, 2.5, 4000))
    dist = LogNormalDistribution(median=median, sigma=sigma)
    reference = stats.lognorm(s=sigma, scale=median)
    y = dist.rvs(random_state=1)
    np.testing.assert_allclose(dist.logpdf(y), reference.logpdf(y), rtol=1e-9, atol=1e-9)
    q = rng.uniform(0.01, 0.99, 4000)
    np.testing.assert_allclose(dist.ppf(q), reference.ppf(q), rtol=1e-12)
    np.testing.assert_allclose(dist.cdf(y), reference.cdf(y), rtol=1e-9, atol=1e-12)
    moderate = sigma < 5
    for name in ("mean", "var", "median"):
        np.testing.assert_allclose(getattr(dist, name)()[moderate],
                                   getattr(reference, name)()[moderate], rtol=1e-9)
    # The mode maximises the density: nearby points are never more probable.
    mode = dist.mode()
    for step in (1 - 1e-4, 1 + 1e-4):
        assert np.all(dist.logpdf(mode * step) <= dist.logpdf(mode) + 1e-12)
    assert np.all(dist.logpdf(np.zeros(4000)) == -np.inf)


def test_float32_log_density_keeps_its_digits():
    rng = np.random.default_rng(2)
    params = {"median": np.exp(rng.uniform(-3, 3, 1000)), "sigma": np.exp(rng.uniform(-3, 1, 1000))}
    y = LogNormalDistribution(**params).rvs(random_state=3)
    exact = LogNormalDistribution(**params).logpdf(y)
    as32 = {k: torch.as_tensor(v, dtype=torch.float32) for k, v in params.items()}
    single = LogNormalDistribution.log_density(as32, torch.as_tensor(y, dtype=torch.float32))
    np.testing.assert_allclose(single.numpy(), exact, rtol=1e-4, atol=1e-4)


def make_data(rng, n):
    """log(y) normal; median and spread depend on x, with an interaction."""
    X = rng.uniform(-1.0, 1.0, size=(n, 3))
    median = np.exp(1.0 + X[:, 0] + 0.5 * X[:, 1] * X[:, 2])
    sigma = np.exp(-1.0 + 0.6 * X[:, 1])
    return X, median * np.exp(sigma * rng.standard_normal(n)), median, sigma


def test_recovers_the_generating_model():
    rng = np.random.default_rng(4)
    X, y, _, _ = make_data(rng, 5000)
    X_test, y_test, median, sigma = make_data(rng, 20000)
    true_nll = -stats.lognorm(s=sigma, scale=median).logpdf(y_test).mean()
    model = LogNormalMLPRegressor(random_state=0).fit(X, y)
    gap = model.nll(X_test, y_test) - true_nll
    coverage = model.predict_dist(X_test).in_interval(y_test, 0.9).mean()
    # Measured: 0.011 nats and 89.9 %.
    assert gap < 0.05
    assert 0.87 <= coverage <= 0.93
