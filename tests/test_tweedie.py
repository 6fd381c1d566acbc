"""The Tweedie family: its series density against a brute-force sum, its exact summaries,
and recovery of a generating model with exact zeros."""

import itertools
import warnings

import mpmath
import numpy as np
import pytest
import torch
from scipy import integrate
from sklearn.exceptions import ConvergenceWarning

from skprob import TweedieMLPRegressor
from skprob.families.tweedie import TweedieDistribution, tweedie_log_density


def reference_log_density(y, mean, dispersion, power):
    """The compound Poisson-gamma series summed term by term until it is exhausted."""
    with mpmath.workdps(30):
        y, mean, dispersion, power = map(mpmath.mpf, (y, mean, dispersion, power))
        rate = mean ** (2 - power) / (dispersion * (2 - power))
        if y == 0:
            return float(-rate)
        shape = (2 - power) / (power - 1)
        scale = dispersion * (power - 1) * mean ** (power - 1)
        total, previous, n = mpmath.mpf(0), mpmath.mpf(0), 1
        while True:
            term = mpmath.exp(n * mpmath.log(rate) - rate - mpmath.loggamma(n + 1)
                              + (n * shape - 1) * mpmath.log(y) - y / scale
                              - mpmath.loggamma(n * shape) - n * shape * mpmath.log(scale))
            total += term
            # The terms rise to one peak and fall: stop once past it and negligible.
            if term < previous and term < total * mpmath.mpf(10) ** -30:
                return float(mpmath.log(total))
            previous, n = term, n + 1


#: (power, mean, dispersion, y): few and many jumps, tiny and large amounts.
GRID = [(power, mean, dispersion, y) for power, (mean, dispersion), y in itertools.product(
    [1.05, 1.5, 1.95], [(0.01, 1.0), (1.0, 0.05), (1.0, 10.0), (30.0, 0.3)],
    [0.0, 1e-3, 0.5, 50.0])]


def test_log_density_is_the_series_sum_across_the_parameter_range():
    power_of = {}
    for power, *_ in GRID:
        power_of.setdefault(power, [case for case in GRID if case[0] == power])
    for power, cases in power_of.items():
        _, mean, dispersion, y = (torch.tensor(column, dtype=torch.float64)
                                  for column in zip(*cases, strict=True))
        got = tweedie_log_density(y, mean, dispersion, power).numpy()
        expected = [reference_log_density(c[3], c[1], c[2], power) for c in cases]
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def test_probability_and_moments_integrate_to_the_exact_values():
    dist = TweedieDistribution(mean=[1.0, 4.0, 0.3], dispersion=[2.0, 0.5, 1.0], power=1.6)
    for row in range(3):
        one = dist[row]
        density = lambda y, one=one: float(one.pdf([y])[0])  # noqa: E731

        def moment(k, density=density):
            return integrate.quad(lambda y: y**k * density(y), 0, np.inf, limit=200)[0]

        assert one.prob_zero()[0] + moment(0) == pytest.approx(1.0, abs=1e-9)
        assert moment(1) == pytest.approx(one.mean()[0], rel=1e-8)
        assert moment(2) - moment(1) ** 2 == pytest.approx(one.var()[0], rel=1e-7)
        below = one.prob_zero()[0] + integrate.quad(density, 0, 1.3, limit=200)[0]
        assert one.cdf([1.3])[0] == pytest.approx(below, rel=1e-9)
    # Quantiles: 0 up to P(Y = 0), the inverse of the cdf above it.
    levels = np.array([0.1, 0.5, 0.99])
    quantiles = dist.ppf(levels)
    assert quantiles[0] == 0.0 and dist.prob_zero()[0] > 0.1
    np.testing.assert_allclose(dist.cdf(quantiles)[1:], levels[1:], rtol=1e-9)


def test_mode_is_the_peak_of_the_density_above_zero():
    dist = TweedieDistribution(mean=[4.0, 10.0, 0.3], dispersion=[0.5, 0.1, 1.0], power=1.6)
    mode = dist.mode()
    for row in range(2):  # peaked densities: the grid's best point is within its spacing
        grid = np.linspace(1e-6, dist[row].ppf(0.999)[0], 4001)
        density = dist[np.zeros(len(grid), dtype=int) + row].logpdf(grid)
        assert abs(mode[row] - grid[np.argmax(density)]) <= grid[1] - grid[0]
    assert mode[2] < 1e-6  # few small jumps: the density decreases from 0


def test_samples_follow_the_distribution():
    dist = TweedieDistribution(mean=[1.0, 4.0], dispersion=[2.0, 0.5], power=1.6)
    draws = dist.rvs(size=100_000, random_state=0)
    np.testing.assert_allclose((draws == 0).mean(axis=0), dist.prob_zero(), atol=0.005)
    np.testing.assert_allclose(draws.mean(axis=0), dist.mean(), rtol=0.02)
    np.testing.assert_allclose(draws.var(axis=0), dist.var(), rtol=0.05)


def test_gradients_are_finite_for_zeros_and_positives():
    y = torch.tensor([0.0, 1e-6, 0.7, 40.0], dtype=torch.float64)
    mean = torch.full_like(y, 2.0, requires_grad=True)
    dispersion = torch.full_like(y, 0.8, requires_grad=True)
    tweedie_log_density(y, mean, dispersion, 1.3).sum().backward()
    assert torch.isfinite(mean.grad).all() and torch.isfinite(dispersion.grad).all()
    # At 0 the log-probability is -rate: d/dmean = -mean**(1 - p) / dispersion.
    assert float(mean.grad[0]) == pytest.approx(-(2.0 ** -0.3) / 0.8, rel=1e-12)


def test_power_outside_the_open_interval_is_refused():
    X, y = np.zeros((5, 1)), np.array([0.0, 1.0, 2.0, 0.0, 3.0])
    for power in (1.0, 2.0, 0.5):
        with pytest.raises(ValueError, match="power"):
            TweedieMLPRegressor(power=power).fit(X, y)
    with pytest.raises(ValueError, match="power"):
        TweedieDistribution(mean=[1.0], dispersion=[1.0], power=2.0)


def test_recovers_a_generating_model_with_exact_zeros():
    rng = np.random.default_rng(3)

    def draw(n):
        X = rng.uniform(-1, 1, size=(n, 2))
        truth = TweedieDistribution(mean=np.exp(0.3 + 0.8 * X[:, 0]),
                                    dispersion=np.exp(0.2 + 0.4 * X[:, 1]), power=1.5)
        return X, truth.rvs(random_state=int(rng.integers(2**31))), truth

    X, y = draw(2000)[:2]
    X_test, y_test, truth = draw(4000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = TweedieMLPRegressor(max_iter=60, random_state=0).fit(X, y)
    gap = -model.score(X_test, y_test) + truth.log_likelihood(y_test).mean()
    assert 0.0 < gap + 0.02 and gap < 0.05
    dist = model.predict_dist(X_test)
    # One-sided: the 90% quantile lies above the atom, where coverage is exact.
    assert 0.87 <= np.mean(y_test <= dist.ppf(0.9)) <= 0.93
    np.testing.assert_allclose(dist.prob_zero().mean(), np.mean(y_test == 0), atol=0.02)
    np.testing.assert_allclose(model.predict(X_test[:5]), dist.mean()[:5])
