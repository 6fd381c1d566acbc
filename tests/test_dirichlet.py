"""Dirichlet compositions: log-density and summaries against scipy, and recovery."""

import numpy as np
import pytest
import torch
from scipy import stats

from skprob import DirichletMLPRegressor
from skprob.exceptions import TargetSupportError
from skprob.families.dirichlet import DirichletDistribution


def test_log_density_and_summaries_match_scipy_across_the_parameter_range():
    rng = np.random.default_rng(0)
    n, k = 600, 4
    alpha = np.exp(rng.uniform(-2.0, 6.0, (n, k)))
    dist = DirichletDistribution(alpha=alpha)
    y = dist.rvs(random_state=1)
    expected = np.array([stats.dirichlet(a).logpdf(row / row.sum()) if row.min() > 1e-250
                         else np.nan for a, row in zip(alpha, y, strict=True)])
    kept = np.isfinite(expected)
    assert kept.mean() > 0.9
    np.testing.assert_allclose(dist.logpdf(y)[kept], expected[kept], rtol=1e-9, atol=1e-9)
    reference = [stats.dirichlet(a) for a in alpha]
    np.testing.assert_allclose(dist.mean(), [r.mean() for r in reference], rtol=1e-12)
    np.testing.assert_allclose(dist.var(), [r.var() for r in reference], rtol=1e-9)
    # Marginal quantiles are the beta marginals'.
    marginal = stats.beta(alpha, alpha.sum(axis=1, keepdims=True) - alpha)
    np.testing.assert_allclose(dist.ppf(0.05), marginal.ppf(0.05), rtol=1e-9)
    # The mode (all alpha > 1) maximises the density over nearby compositions.
    peaked = np.all(alpha > 1.0, axis=1)
    mode = dist.mode()[peaked]
    sub = DirichletDistribution(alpha=alpha[peaked])
    for _ in range(5):
        nudged = np.abs(mode + 1e-4 * rng.standard_normal(mode.shape))
        nudged /= nudged.sum(axis=1, keepdims=True)
        assert np.all(sub.logpdf(nudged) <= sub.logpdf(mode) + 1e-9)
    # Outside the simplex the density is zero.
    assert np.all(DirichletDistribution(alpha=alpha[:2]).logpdf(
        np.array([[0.5, 0.6, 0.0, -0.1], [0.0, 0.0, 0.0, 1.0]])) == -np.inf)


def test_float32_log_density_keeps_its_digits():
    rng = np.random.default_rng(2)
    alpha = np.exp(rng.uniform(-1.0, 4.0, (1000, 3)))
    dist = DirichletDistribution(alpha=alpha)
    y = np.clip(dist.rvs(random_state=3), 1e-30, None)
    y /= y.sum(axis=1, keepdims=True)
    single = DirichletDistribution.log_density(
        {"alpha": torch.as_tensor(alpha, dtype=torch.float32)},
        torch.as_tensor(y, dtype=torch.float32))
    exact = dist.logpdf(y)
    np.testing.assert_allclose(single.numpy(), exact, rtol=1e-4, atol=2e-3)


def make_data(rng, n):
    """Three parts; the mean composition and the total concentration depend on x."""
    X = rng.uniform(-1.0, 1.0, size=(n, 3))
    logits = np.stack([X[:, 0], -X[:, 0] + 0.5 * X[:, 1] * X[:, 2], np.zeros(n)], axis=1)
    mean = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    alpha = mean * np.exp(2.5 + 0.8 * X[:, 2])[:, None]
    y = np.stack([rng.dirichlet(a) for a in alpha])
    return X, y, alpha


def test_recovers_the_generating_model():
    rng = np.random.default_rng(4)
    X, y, _ = make_data(rng, 5000)
    X_test, y_test, alpha = make_data(rng, 20000)
    truth = DirichletDistribution(alpha=alpha)
    true_nll = -truth.logpdf(y_test).mean()
    model = DirichletMLPRegressor(random_state=0).fit(X, y)
    gap = model.nll(X_test, y_test) - true_nll
    dist = model.predict_dist(X_test)
    lower, upper = dist.ppf(0.05), dist.ppf(0.95)
    coverage = np.mean((y_test >= lower) & (y_test <= upper), axis=0)
    # Measured: see the benchmark of the families (benchmarks/results/families.md).
    assert gap < 0.05
    assert np.all((coverage >= 0.87) & (coverage <= 0.93))
    np.testing.assert_allclose(model.predict(X_test).sum(axis=1), 1.0, rtol=1e-9)


def test_refuses_rows_that_are_not_compositions():
    X = np.random.default_rng(5).normal(size=(4, 2))
    y = np.array([[0.2, 0.8], [0.5, 0.5], [0.3, 0.3], [0.1, 0.9]])
    with pytest.raises(TargetSupportError):
        DirichletMLPRegressor(max_iter=2).fit(X, y)
