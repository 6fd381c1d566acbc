"""Exponential family: distribution maths, likelihood, fit quality, support, shapes."""

import numpy as np
import pytest
import torch
from scipy import stats

from skprob import ExponentialMLPRegressor
from skprob.exceptions import TargetSupportError
from skprob.families import get_family
from skprob.families.exponential import ExponentialDistribution, ExponentialFamily

TOL = 1e-6
# Small settings for the tests that only look at shapes and errors.
FAST = {"max_iter": 5, "width": 16, "random_state": 0}


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=TOL, atol=TOL)


@pytest.fixture
def dist_and_scipy():
    rng = np.random.default_rng(1)
    scale = rng.uniform(0.05, 20.0, size=(40, 2))
    return ExponentialDistribution(scale=scale), stats.expon(scale=scale), rng


def test_summaries_match_scipy(dist_and_scipy):
    dist, ref, _ = dist_and_scipy
    for name in ["mean", "var", "std", "median"]:
        assert_close(getattr(dist, name)(), getattr(ref, name)())
    assert_close(dist.mode(), 0.0)
    assert_close(dist.interval(0.9)[1], ref.interval(0.9)[1])


def test_functions_match_scipy(dist_and_scipy):
    dist, ref, rng = dist_and_scipy
    # Include negative values, outside the support, where scipy gives -inf / 0.
    y = ref.rvs(random_state=2) - 0.1 * dist.mean() * (rng.uniform(size=dist.batch_shape) < 0.1)
    q = rng.uniform(size=dist.batch_shape)
    assert_close(dist.logpdf(y), ref.logpdf(y))
    assert_close(dist.pdf(y), ref.pdf(y))
    assert_close(dist.cdf(y), ref.cdf(y))
    assert_close(dist.sf(y), ref.sf(y))
    assert_close(dist.ppf(q), ref.ppf(q))
    assert_close(dist.quantiles([0.1, 0.5])[..., 1], ref.ppf(0.5))
    assert_close(dist.log_likelihood(y), ref.logpdf(y).sum(axis=1))


def test_rvs_follow_the_distribution():
    scale = np.array([0.3, 2.0, 50.0])
    dist = ExponentialDistribution(scale=scale)
    draws = dist.rvs(size=4000, random_state=0)
    assert draws.shape == (4000, 3)
    np.testing.assert_array_equal(draws, dist.rvs(size=4000, random_state=0))
    for j, s in enumerate(scale):
        assert stats.kstest(draws[:, j], stats.expon(scale=s).cdf).pvalue > 1e-3
    assert dist.rvs(random_state=0).shape == (3,)


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_family_nll_equals_distribution_log_likelihood(n_outputs):
    rng = np.random.default_rng(3)
    shape = (200,) if n_outputs == 1 else (200, n_outputs)
    y = rng.exponential(rng.uniform(0.5, 5.0, size=shape))
    family = get_family("exponential").fit(y)
    raw = torch.as_tensor(rng.normal(scale=2.0, size=(200, sum(family.n_raw_))))
    nll = family.nll(raw, torch.as_tensor(family.transform_target(y)))
    params = {k: v.numpy() for k, v in family.link(raw).items()}
    log_lik = family.distribution(params).log_likelihood(y)
    np.testing.assert_allclose(nll.numpy(), -log_lik, rtol=1e-5, atol=1e-5)
    # The link also works in float32, the training dtype.
    assert family.link(raw.float())["scale"].dtype == torch.float32


def test_initial_raw_is_the_weighted_mle():
    y = np.array([1.0, 2.0, 6.0, 3.0])
    w = np.array([2.0, 1.0, 1.0, 3.0])
    family = ExponentialFamily().fit(y, w)
    repeated = ExponentialFamily().fit(np.repeat(y, w.astype(int)))
    np.testing.assert_allclose(family.scale_, repeated.scale_)
    np.testing.assert_allclose(family.initial_raw_, repeated.initial_raw_, atol=1e-12)
    # In user units the starting scale is the weighted mean, the MLE of a constant model.
    start = family.distribution({"scale": np.exp(family.initial_raw_)[None, :]})
    np.testing.assert_allclose(start.mean(), np.average(y, weights=w))


def test_heldout_nll_is_close_to_the_true_model():
    rng = np.random.default_rng(0)

    def sample(n):
        X = rng.uniform(-1.0, 1.0, size=(n, 2))
        scale = np.exp(0.5 + np.sin(2.0 * X[:, 0]) + 0.5 * X[:, 1])
        return X, rng.exponential(scale), scale

    X, y, _ = sample(5000)
    X_test, y_test, scale_test = sample(50000)
    model = ExponentialMLPRegressor(random_state=0).fit(X, y)
    true_nll = -stats.expon.logpdf(y_test, scale=scale_test).mean()
    gap = model.nll(X_test, y_test) - true_nll
    print(f"exponential: held-out NLL gap to the true model {gap:+.4f} nats/sample")
    assert abs(gap) < 0.05


@pytest.mark.parametrize("bad", [0.0, -1.5])
def test_targets_outside_the_support_are_rejected(bad):
    X = np.zeros((5, 1))
    y = np.array([1.0, 2.0, bad, 3.0, 4.0])
    with pytest.raises(TargetSupportError, match=r"'exponential'.*y > 0.*positive finite"):
        ExponentialMLPRegressor(**FAST).fit(X, y)


@pytest.mark.parametrize("bad", [0.0, -1.5, np.inf, np.nan])
def test_family_rejects_values_outside_the_support(bad):
    # The estimator's input validation already refuses inf and nan; the family checks too.
    family = ExponentialFamily().fit(np.array([1.0, 2.0]))
    with pytest.raises(TargetSupportError, match="value"):
        family.transform_target(np.array([bad]))


def test_shapes():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 3))
    y = rng.exponential(2.0, size=60)
    model = ExponentialMLPRegressor(**FAST).fit(X, y)
    point, std = model.predict(X[:7], return_std=True)
    assert point.shape == std.shape == (7,)
    dist = model.predict_dist(X[:7])
    assert len(dist) == 7 and dist.mean().shape == (7,)
    assert model.log_likelihood(X, y).shape == (60,)
    assert isinstance(model.score(X, y), float)

    Y = rng.exponential(2.0, size=(60, 2))
    model = ExponentialMLPRegressor(**FAST).fit(X, Y)
    assert model.predict(X[:7]).shape == (7, 2)
    assert model.predict_dist(X[:7]).params["scale"].shape == (7, 2)
    assert model.log_likelihood(X, Y).shape == (60,)
    assert isinstance(model.score(X, Y), float)


# -- subnormal targets (0 < y < 2.2e-308) -------------------------------------------------
@pytest.mark.parametrize("y", [[5e-324], [5e-324, 5e-324], [1e-310, 1.0, 2.0]])
def test_fit_refuses_subnormal_targets(y):
    X = np.zeros((len(y), 1))
    with pytest.raises(TargetSupportError, match=r"'exponential'.*subnormal.*e-3[0-9]+.*rescale"):
        ExponentialMLPRegressor(**FAST).fit(X, y)


def test_scoring_a_subnormal_target_is_finite():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(40, 2))
    model = ExponentialMLPRegressor(**FAST).fit(X, rng.exponential(2.0, size=40))
    y = np.array([5e-324, 1e-310, 2.0])
    log_lik = model.log_likelihood(X[:3], y)
    scale = model.predict_dist(X[:3]).params["scale"]
    np.testing.assert_allclose(log_lik, -np.log(scale) - y / scale, rtol=1e-14)
