"""The multivariate normal family, its distribution and MultivariateGaussianMLPRegressor."""

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

from skprob import MultivariateGaussianMLPRegressor
from skprob.exceptions import TargetSupportError
from skprob.families import get_family
from skprob.families.multivariate_normal import (
    MultivariateNormalDistribution,
    MultivariateNormalFamily,
)


def random_factors(rng, n, k):
    """Cholesky factors of random well-conditioned covariance matrices."""
    a = rng.standard_normal((n, k, k))
    covariance = a @ np.swapaxes(a, 1, 2) + 0.5 * np.eye(k)
    return np.linalg.cholesky(covariance)


def random_distribution(rng, n=20, k=3):
    loc = rng.normal(0.0, 3.0, size=(n, k))
    return MultivariateNormalDistribution(loc=loc, scale_tril=random_factors(rng, n, k))


def true_distribution(X):
    """Ground truth of the synthetic problem: every mean, scale and correlation depends on x."""
    x0, x1 = X[:, 0], X[:, 1]
    loc = np.column_stack([np.sin(2 * x0), x0 * x1 + 0.5 * x1, np.cos(1.5 * x0)])
    scale_tril = np.zeros((len(X), 3, 3))
    scale_tril[:, 0, 0] = 0.5 + 0.25 * x0
    scale_tril[:, 1, 0] = 0.6 * x0  # the correlation of outputs 0 and 1 changes sign with x0
    scale_tril[:, 1, 1] = 0.4 + 0.2 * x1**2
    scale_tril[:, 2, 0] = 0.3 * x1
    scale_tril[:, 2, 1] = -0.4 * x0 * x1
    scale_tril[:, 2, 2] = 0.3 + 0.1 * x0**2
    return MultivariateNormalDistribution(loc=loc, scale_tril=scale_tril)


# -- (a) the distribution -------------------------------------------------------
@pytest.mark.parametrize("k", [1, 2, 4])
def test_logpdf_matches_scipy(rng, k):
    dist = random_distribution(rng, n=25, k=k)
    y = dist.rvs(random_state=1) + rng.normal(0.0, 2.0, size=(25, k))
    expected = [
        stats.multivariate_normal(mean=dist.mean()[i], cov=dist.covariance()[i]).logpdf(y[i])
        for i in range(len(dist))
    ]
    np.testing.assert_allclose(dist.logpdf(y), expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(dist.log_likelihood(y), expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(dist.pdf(y), np.exp(expected), rtol=1e-6)


def test_covariance_is_factor_times_its_transpose(rng):
    dist = random_distribution(rng)
    factor = dist.params["scale_tril"]
    np.testing.assert_allclose(dist.covariance(), factor @ np.swapaxes(factor, 1, 2))
    np.testing.assert_allclose(dist.var(), np.diagonal(dist.covariance(), axis1=1, axis2=2))
    np.testing.assert_allclose(dist.std() ** 2, dist.var())
    correlation = dist.correlation()
    np.testing.assert_allclose(np.diagonal(correlation, axis1=1, axis2=2), 1.0)
    assert np.all(np.abs(correlation) <= 1 + 1e-12)


def test_rvs_moments_match(rng):
    dist = random_distribution(rng, n=2, k=3)
    draws = dist.rvs(size=100_000, random_state=0)
    assert draws.shape == (100_000, 2, 3)
    for i in range(2):
        np.testing.assert_allclose(draws[:, i].mean(axis=0), dist.mean()[i], atol=0.05)
        sample_cov = np.cov(draws[:, i], rowvar=False)
        scale = np.sqrt(np.outer(dist.var()[i], dist.var()[i]))
        # Sampling error of a covariance entry is about scale * sqrt(2 / n) < 0.005 * scale.
        np.testing.assert_array_less(np.abs(sample_cov - dist.covariance()[i]), 0.03 * scale)
    assert dist.rvs(random_state=3).shape == (2, 3)


def test_marginals_and_point_summaries(rng):
    dist = random_distribution(rng, n=6, k=3)
    marginal = stats.norm(loc=dist.mean(), scale=dist.std())
    np.testing.assert_allclose(dist.ppf(0.9), marginal.ppf(0.9))
    lower, upper = dist.interval(0.8)
    np.testing.assert_allclose(lower, marginal.ppf(0.1))
    np.testing.assert_allclose(upper, marginal.ppf(0.9))
    assert dist.quantiles([0.1, 0.5, 0.9]).shape == (6, 3, 3)
    for summary in (dist.mean(), dist.mode(), dist.median()):
        np.testing.assert_allclose(summary, dist.params["loc"])


def test_cdf_and_joint_survival(rng):
    one = random_distribution(rng, n=3, k=1)
    y1 = one.rvs(random_state=0)
    expected = stats.norm(one.mean()[:, 0], one.std()[:, 0]).cdf(y1[:, 0])
    np.testing.assert_allclose(one.cdf(y1), expected, rtol=1e-12)
    np.testing.assert_allclose(one.sf(y1), 1 - expected, rtol=1e-12)

    two = random_distribution(rng, n=3, k=2)
    y2 = two.rvs(random_state=0)
    cov = two.covariance()
    for i in range(3):
        frozen = stats.multivariate_normal(mean=two.mean()[i], cov=cov[i])
        assert two.cdf(y2)[i] == pytest.approx(frozen.cdf(y2[i]), abs=1e-4)
        # P(Y > y) = P(-Y < -y): the lower orthant of the reflected distribution.
        reflected = stats.multivariate_normal(mean=-two.mean()[i], cov=cov[i])
        assert two.sf(y2)[i] == pytest.approx(reflected.cdf(-y2[i]), abs=1e-4)


def test_container_protocol(rng):
    dist = random_distribution(rng, n=5, k=2)
    dist.output_names = ["a", "b"]
    assert len(dist) == 5 and dist.batch_shape == (5,)
    part = dist[1:3]
    assert len(part) == 2 and part.params["scale_tril"].shape == (2, 2, 2)
    np.testing.assert_array_equal(part.mean(), dist.mean()[1:3])
    assert len(dist[-1]) == 1
    frame = dist.to_frame()
    assert list(frame.columns) == [
        "loc[a]", "loc[b]", "scale_tril[a,a]", "scale_tril[b,a]", "scale_tril[b,b]"
    ]
    np.testing.assert_array_equal(frame["scale_tril[b,a]"], dist.params["scale_tril"][:, 1, 0])


def test_constructor_rejects_bad_parameters():
    with pytest.raises(ValueError, match="loc needs shape"):
        MultivariateNormalDistribution(loc=[0.0, 1.0], scale_tril=np.tile(np.eye(2), (2, 1, 1)))
    with pytest.raises(ValueError, match="scale_tril needs shape"):
        MultivariateNormalDistribution(loc=[[0.0, 1.0]], scale_tril=np.eye(3)[None])
    with pytest.raises(ValueError, match="lower triangular"):
        MultivariateNormalDistribution(loc=[[0.0, 1.0]], scale_tril=[[[1.0, 0.5], [0.5, 1.0]]])
    with pytest.raises(ValueError, match="positive diagonal"):
        MultivariateNormalDistribution(loc=[[0.0, 1.0]], scale_tril=[[[1.0, 0.0], [0.5, -1.0]]])


# -- (c) the family's torch NLL against the distribution ------------------------
def fitted_family(k=3, n=200, seed=0):
    rng = np.random.default_rng(seed)
    factor = np.tril(rng.normal(size=(k, k)), -1) + np.diag(rng.uniform(0.5, 2.0, k))
    y = rng.normal(0, 10, size=k) + rng.standard_normal((n, k)) @ factor.T * 5.0
    return get_family("multivariate_normal").fit(y), y


@pytest.mark.parametrize("k", [1, 3])
def test_family_nll_equals_distribution_log_likelihood(k):
    family, y = fitted_family(k=k)
    assert np.all(family.scale_ != 1.0)  # the Jacobian term is exercised
    n_raw = sum(family.n_raw_)
    raw = torch.as_tensor(np.random.default_rng(1).normal(0.0, 1.5, size=(len(y), n_raw)))
    nll = family.nll(raw, torch.as_tensor(family.transform_target(y))).numpy()
    params = {name: value.numpy() for name, value in family.link(raw).items()}
    dist = family.distribution(params)
    np.testing.assert_allclose(nll, -dist.log_likelihood(y), rtol=0, atol=1e-5)
    # float32 raw outputs, as in training, give the same parameters to float32 precision.
    params32 = family.link(raw.float())
    np.testing.assert_allclose(params32["scale_tril"].numpy(), params["scale_tril"], rtol=1e-5)


def test_initial_raw_is_the_weighted_marginal(rng):
    family, y = fitted_family(k=3)
    weights = rng.uniform(0.1, 2.0, size=len(y))
    family = MultivariateNormalFamily().fit(y, weights)
    raw = torch.as_tensor(family.initial_raw_[None])
    params = {name: value.numpy() for name, value in family.link(raw).items()}
    dist = family.distribution(params)
    mean = np.average(y, axis=0, weights=weights)
    cov = np.cov(y, rowvar=False, aweights=weights, bias=True)
    np.testing.assert_allclose(dist.mean()[0], mean, rtol=1e-10)
    np.testing.assert_allclose(dist.covariance()[0], cov, rtol=1e-4, atol=1e-4 * cov.max())


def test_initial_raw_survives_a_constant_column():
    y = np.column_stack([np.arange(10.0), np.full(10, 3.0)])
    family = MultivariateNormalFamily().fit(y)
    assert np.all(np.isfinite(family.initial_raw_))


# -- (d) recovery of a known model ---------------------------------------------
def test_held_out_nll_close_to_true_model():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(10_000, 2))
    y = true_distribution(X).rvs(random_state=0)
    model = MultivariateGaussianMLPRegressor(random_state=0).fit(X[:5000], y[:5000])
    X_test, y_test = X[5000:], y[5000:]
    true_nll = -true_distribution(X_test).log_likelihood(y_test).mean()
    gap = model.nll(X_test, y_test) - true_nll
    print(f"multivariate normal (K=3): held-out NLL gap to the true model {gap:.4f} nats/sample")
    assert gap < 0.1
    # The input-dependent correlation is learned, not averaged away.
    predicted = model.predict_dist(X_test).correlation()[:, 0, 1]
    actual = true_distribution(X_test).correlation()[:, 0, 1]
    assert np.corrcoef(predicted, actual)[0, 1] > 0.9


# -- the estimator ---------------------------------------------------------------
def test_estimator_outputs_and_names(rng):
    X = rng.normal(size=(120, 2))
    y = pd.DataFrame(rng.normal(size=(120, 3)), columns=["u", "v", "w"])
    model = MultivariateGaussianMLPRegressor(max_iter=3, width=8, random_state=0)
    model.fit(X, y, sample_weight=rng.uniform(0.5, 1.5, size=120))
    mean, std = model.predict(X[:4], return_std=True)
    assert mean.shape == std.shape == (4, 3)
    dist = model.predict_dist(pd.DataFrame(X[:4], index=list("abcd")))
    frame = dist.to_frame()
    assert list(frame.index) == list("abcd")
    assert "loc[u]" in frame.columns and "scale_tril[w,v]" in frame.columns
    np.testing.assert_allclose(model.log_likelihood(X[:4], y[:4]), dist.log_likelihood(y[:4]))
    assert model.score(X, y) == pytest.approx(model.log_likelihood(X, y).mean())


# -- (e) invalid targets --------------------------------------------------------
def test_one_dimensional_y_is_rejected(rng):
    X = rng.normal(size=(30, 2))
    with pytest.raises(TargetSupportError, match="2-D y"):
        MultivariateGaussianMLPRegressor(max_iter=2).fit(X, rng.normal(size=30))


def test_wrong_number_of_columns_is_rejected(rng):
    X = rng.normal(size=(30, 2))
    model = MultivariateGaussianMLPRegressor(max_iter=2, width=8).fit(X, rng.normal(size=(30, 2)))
    with pytest.raises(TargetSupportError, match="shape"):
        model.score(X, rng.normal(size=(30, 3)))
    with pytest.raises(TargetSupportError, match="fitted on 2"):
        model.family_.transform_target(rng.normal(size=(30, 3)))
    with pytest.raises(TargetSupportError):
        model.predict_dist(X).logpdf(rng.normal(size=30))


def test_non_finite_target_is_rejected():
    with pytest.raises(TargetSupportError, match="real vectors"):
        MultivariateNormalFamily().fit(np.array([[0.0, 1.0], [np.nan, 2.0]]))


# -- far inputs: squares of ~1e297 overflow where the answers do not ---------------------
def test_std_and_var_of_huge_factors_scale_exactly(rng):
    dist = random_distribution(rng, n=10, k=3)
    loc, factor = dist.params["loc"], dist.params["scale_tril"]
    huge = MultivariateNormalDistribution(loc=loc * 2.0**990, scale_tril=factor * 2.0**990)
    np.testing.assert_array_equal(huge.std(), dist.std() * 2.0**990)
    assert np.all(huge.var() == np.inf)  # beyond 1.8e308: inf is the rounded value
    big = MultivariateNormalDistribution(loc=loc * 2.0**500, scale_tril=factor * 2.0**500)
    np.testing.assert_array_equal(big.var(), dist.var() * 2.0**1000)
    np.testing.assert_allclose(huge.ppf(0.9) / 2.0**990, dist.ppf(0.9), rtol=1e-15)


def test_far_factor_from_test_properties_has_finite_std():
    # The distribution predicted for X ~ 1e299 (a factor entry of 4.5e296).
    dist = MultivariateNormalDistribution(
        loc=[[4.0189e296, -6.6658e296]],
        scale_tril=[[[4.5138e296, 0.0], [-1.2372e295, 1.4382e-6]]],
    )
    np.testing.assert_allclose(dist.std(), [[4.5138e296, 1.2372e295]], rtol=1e-12)


@pytest.mark.parametrize("power", [200, 300])
def test_logpdf_of_far_rows_scales_exactly(rng, power):
    # log p(c y | c loc, c L) = log p(y | loc, L) - K log c, far from 1.
    dist = random_distribution(rng, n=10, k=3)
    y = dist.rvs(random_state=2) + rng.normal(0.0, 2.0, size=(10, 3))
    c = 2.0**power
    far = MultivariateNormalDistribution(loc=dist.params["loc"] * c,
                                         scale_tril=dist.params["scale_tril"] * c)
    expected = dist.logpdf(y) - 3 * power * np.log(2.0)
    np.testing.assert_allclose(far.logpdf(y * c), expected, rtol=1e-13)
    # Opposite signs near the largest double: y - loc itself overflows.
    edge = MultivariateNormalDistribution(loc=[[-1.7e308]], scale_tril=[[[1e300]]])
    np.testing.assert_allclose(edge.logpdf([[1.7e308]]),
                               stats.norm.logpdf(3.4e8) - 300 * np.log(10.0), rtol=1e-13)


def test_logpdf_beyond_the_largest_double_is_minus_inf_silently():
    dist = MultivariateNormalDistribution(loc=[[0.0, 0.0]], scale_tril=[np.eye(2)])
    assert dist.logpdf([[1e200, -2.0]])[0] == -np.inf  # about -5e399
