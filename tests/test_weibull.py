"""The Weibull family: its log-density and summaries against scipy, and recovery."""

import mpmath
import numpy as np
import pytest
import torch
from scipy import stats

from skprob import WeibullMLPRegressor
from skprob.families.weibull import WeibullDistribution


def test_log_density_and_summaries_match_scipy_across_the_parameter_range():
    rng = np.random.default_rng(0)
    scale = np.exp(rng.uniform(-30.0, 30.0, 4000))
    shape = np.exp(rng.uniform(-2.5, 4.0, 4000))
    dist = WeibullDistribution(scale=scale, shape=shape)
    reference = stats.weibull_min(c=shape, scale=scale)
    y = dist.rvs(random_state=1)
    np.testing.assert_allclose(dist.logpdf(y), reference.logpdf(y), rtol=1e-9, atol=1e-9)
    # Far in the right tail too, where (y / scale) ** shape is large.
    far = scale * 30.0 ** (1.0 / shape)
    np.testing.assert_allclose(dist.logpdf(far), reference.logpdf(far), rtol=1e-9)
    q = rng.uniform(0.01, 0.99, 4000)
    np.testing.assert_allclose(dist.ppf(q), reference.ppf(q), rtol=1e-12)
    np.testing.assert_allclose(dist.cdf(y), reference.cdf(y), rtol=1e-9, atol=1e-12)
    for name in ("mean", "median"):
        np.testing.assert_allclose(getattr(dist, name)(), getattr(reference, name)(), rtol=1e-9)
    moderate = shape > 0.2  # scipy's variance loses its digits for a large shape
    np.testing.assert_allclose(dist.var()[moderate & (shape < 20)],
                               reference.var()[moderate & (shape < 20)], rtol=1e-7)
    mode = dist.mode()
    peaked = np.flatnonzero(shape > 1)
    for step in (1 - 1e-4, 1 + 1e-4):
        assert np.all(dist[peaked].logpdf(mode[peaked] * step)
                      <= dist[peaked].logpdf(mode[peaked]) + 1e-12)
    assert np.all(mode[shape <= 1] == 0.0)


@pytest.mark.parametrize("shape", [0.3, 2.0, 50.0, 99.0, 101.0, 1e3, 1e5, 1e8, 1e9, 1e12, 1e16])
def test_variance_keeps_its_digits_for_any_shape(shape):
    """A shape near 1e8 gave a negative variance (NaN std): rounding 1 + 1/k in lgamma."""
    with mpmath.workdps(60):
        x = 1 / mpmath.mpf(shape)
        expected = float(mpmath.gamma(1 + 2 * x) - mpmath.gamma(1 + x) ** 2)
    dist = WeibullDistribution(scale=[1.0, 1e200], shape=[shape, shape])
    np.testing.assert_allclose(dist.var()[0], expected, rtol=1e-12)
    np.testing.assert_allclose(dist.std(), np.sqrt(expected) * np.array([1.0, 1e200]),
                               rtol=1e-12)  # the std of a scale beyond 1e154 is finite


def test_float32_log_density_keeps_its_digits():
    rng = np.random.default_rng(2)
    params = {"scale": np.exp(rng.uniform(-3, 3, 1000)), "shape": np.exp(rng.uniform(-1, 2, 1000))}
    y = WeibullDistribution(**params).rvs(random_state=3)
    exact = WeibullDistribution(**params).logpdf(y)
    as32 = {k: torch.as_tensor(v, dtype=torch.float32) for k, v in params.items()}
    single = WeibullDistribution.log_density(as32, torch.as_tensor(y, dtype=torch.float32))
    np.testing.assert_allclose(single.numpy(), exact, rtol=1e-4, atol=1e-4)
    # An astronomically unlikely value is finite, not nan or -inf.
    huge = WeibullDistribution.log_density(as32, torch.full((1000,), 1e30))
    assert torch.isfinite(huge).all()


def make_data(rng, n):
    """Weibull lifetimes; scale and shape depend on x, with an interaction."""
    X = rng.uniform(-1.0, 1.0, size=(n, 3))
    scale = np.exp(1.0 + X[:, 0] + 0.5 * X[:, 1] * X[:, 2])
    shape = np.exp(0.5 + 0.4 * X[:, 1])
    return X, scale * rng.weibull(shape), scale, shape


def test_recovers_the_generating_model():
    rng = np.random.default_rng(4)
    X, y, _, _ = make_data(rng, 5000)
    X_test, y_test, scale, shape = make_data(rng, 20000)
    true_nll = -stats.weibull_min(c=shape, scale=scale).logpdf(y_test).mean()
    model = WeibullMLPRegressor(random_state=0).fit(X, y)
    gap = model.nll(X_test, y_test) - true_nll
    coverage = model.predict_dist(X_test).in_interval(y_test, 0.9).mean()
    # Measured: 0.011 nats and 89.9 %.
    assert gap < 0.05
    assert 0.87 <= coverage <= 0.93
