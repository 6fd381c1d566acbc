"""Gamma family: distribution maths, likelihood, fit quality, support, shapes."""

import numpy as np
import pytest
import torch
from scipy import stats

from skprob import GammaMLPRegressor
from skprob.exceptions import TargetSupportError
from skprob.families import get_family
from skprob.families.gamma import GammaDistribution, GammaFamily

TOL = 1e-6
# Small settings for the tests that only look at shapes and errors.
FAST = {"max_iter": 5, "width": 16, "random_state": 0}


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=TOL, atol=TOL)


@pytest.fixture
def dist_and_scipy():
    rng = np.random.default_rng(1)
    shape = np.exp(rng.uniform(np.log(0.2), np.log(30.0), size=(40, 2)))
    scale = rng.uniform(0.05, 10.0, size=(40, 2))
    dist = GammaDistribution(shape=shape, scale=scale)
    return dist, stats.gamma(a=shape, scale=scale), rng


def test_summaries_match_scipy(dist_and_scipy):
    dist, ref, _ = dist_and_scipy
    for name in ["mean", "var", "std", "median"]:
        assert_close(getattr(dist, name)(), getattr(ref, name)())
    lower, upper = dist.interval(0.8)
    assert_close(lower, ref.interval(0.8)[0])
    assert_close(upper, ref.interval(0.8)[1])


def test_mode_is_the_maximum_of_the_density(dist_and_scipy):
    dist, ref, _ = dist_and_scipy
    shape, scale = dist.params["shape"], dist.params["scale"]
    mode = dist.mode()
    assert_close(mode, np.where(shape >= 1, (shape - 1) * scale, 0.0))
    # Away from the kink at shape = 1, the density is lower on both sides of the mode.
    inner = shape > 1.05
    step = 1e-3 * scale
    assert np.all(ref.logpdf(mode)[inner] > ref.logpdf(mode + step)[inner])
    assert np.all(ref.logpdf(mode)[inner] > ref.logpdf(mode - step)[inner])
    # Below shape 1 the density decreases from 0 on.
    below = shape < 1
    assert below.any() and np.all(ref.logpdf(step)[below] > ref.logpdf(2 * step)[below])
    flat = GammaDistribution(shape=[0.5, 1.0], scale=[2.0, 2.0])
    np.testing.assert_array_equal(flat.mode(), [0.0, 0.0])


def test_functions_match_scipy(dist_and_scipy):
    dist, ref, rng = dist_and_scipy
    y = ref.rvs(random_state=2)
    y[0] = -1.0  # outside the support: scipy gives -inf and 0
    q = rng.uniform(size=dist.batch_shape)
    assert_close(dist.logpdf(y), ref.logpdf(y))
    assert_close(dist.pdf(y), ref.pdf(y))
    assert_close(dist.cdf(y), ref.cdf(y))
    assert_close(dist.sf(y), ref.sf(y))
    assert_close(dist.ppf(q), ref.ppf(q))
    assert_close(dist[1:].log_likelihood(y[1:]), ref.logpdf(y)[1:].sum(axis=1))
    with pytest.raises(TargetSupportError, match="outside the support"):
        dist.log_likelihood(y)  # a target outside the support is refused, as fit does


def test_rvs_follow_the_distribution():
    shape, scale = np.array([0.4, 2.0, 15.0]), np.array([3.0, 0.5, 2.0])
    dist = GammaDistribution(shape=shape, scale=scale)
    draws = dist.rvs(size=4000, random_state=0)
    assert draws.shape == (4000, 3)
    np.testing.assert_array_equal(draws, dist.rvs(size=4000, random_state=0))
    for j in range(3):
        ref = stats.gamma(a=shape[j], scale=scale[j])
        assert stats.kstest(draws[:, j], ref.cdf).pvalue > 1e-3
    assert dist.rvs(random_state=0).shape == (3,)


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_family_nll_equals_distribution_log_likelihood(n_outputs):
    rng = np.random.default_rng(3)
    shape = (200,) if n_outputs == 1 else (200, n_outputs)
    y = rng.gamma(rng.uniform(0.3, 8.0, size=shape), 2.0)
    family = get_family("gamma").fit(y)
    raw = torch.as_tensor(rng.normal(scale=2.0, size=(200, sum(family.n_raw_))))
    nll = family.nll(raw, torch.as_tensor(family.transform_target(y)))
    params = {k: v.numpy() for k, v in family.link(raw).items()}
    log_lik = family.distribution(params).log_likelihood(y)
    np.testing.assert_allclose(nll.numpy(), -log_lik, rtol=1e-5, atol=1e-5)
    linked = family.link(raw.float())
    assert linked["shape"].dtype == torch.float32
    assert all(bool(torch.isfinite(v).all() and (v > 0).all()) for v in linked.values())


def test_initial_raw_is_the_weighted_mle():
    rng = np.random.default_rng(5)
    y = rng.gamma(2.5, 4.0, size=300)
    w = rng.integers(1, 4, size=300).astype(float)
    family = GammaFamily().fit(y, w)
    repeated = GammaFamily().fit(np.repeat(y, w.astype(int)))
    np.testing.assert_allclose(family.initial_raw_, repeated.initial_raw_, atol=1e-9)
    k = family.n_outputs_
    raw = torch.as_tensor(family.initial_raw_[None, :])
    params = family.distribution({k: v.numpy() for k, v in family.link(raw).items()}).params
    shape, _, scale = stats.gamma.fit(np.repeat(y, w.astype(int)), floc=0)
    np.testing.assert_allclose(params["shape"], [shape], rtol=1e-4)
    np.testing.assert_allclose(params["scale"], [scale], rtol=1e-4)
    assert k == 1


def test_heldout_nll_is_close_to_the_true_model():
    rng = np.random.default_rng(0)

    def sample(n):
        X = rng.uniform(-1.0, 1.0, size=(n, 2))
        mean = np.exp(1.0 + np.sin(2.0 * X[:, 0]))
        shape = np.exp(0.5 + X[:, 1])
        return X, rng.gamma(shape, mean / shape), shape, mean / shape

    X, y, _, _ = sample(5000)
    X_test, y_test, shape_test, scale_test = sample(50000)
    model = GammaMLPRegressor(random_state=0).fit(X, y)
    true_nll = -stats.gamma.logpdf(y_test, a=shape_test, scale=scale_test).mean()
    gap = model.nll(X_test, y_test) - true_nll
    print(f"gamma: held-out NLL gap to the true model {gap:+.4f} nats/sample")
    assert abs(gap) < 0.05


@pytest.mark.parametrize("bad", [0.0, -2.0])
def test_targets_outside_the_support_are_rejected(bad):
    X = np.zeros((5, 1))
    y = np.array([1.0, 2.0, bad, 3.0, 4.0])
    with pytest.raises(TargetSupportError, match=r"'gamma'.*y > 0.*positive finite"):
        GammaMLPRegressor(**FAST).fit(X, y)


@pytest.mark.parametrize("bad", [0.0, -2.0, np.inf, np.nan])
def test_family_rejects_values_outside_the_support(bad):
    # The estimator's input validation already refuses inf and nan; the family checks too.
    family = GammaFamily().fit(np.array([1.0, 2.0]))
    with pytest.raises(TargetSupportError, match="value"):
        family.transform_target(np.array([bad]))


def test_shapes():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 3))
    y = rng.gamma(2.0, 1.5, size=60)
    model = GammaMLPRegressor(**FAST).fit(X, y)
    point, std = model.predict(X[:7], return_std=True)
    assert point.shape == std.shape == (7,)
    dist = model.predict_dist(X[:7])
    assert len(dist) == 7 and dist.mean().shape == (7,)
    assert model.log_likelihood(X, y).shape == (60,)
    assert isinstance(model.score(X, y), float)

    Y = rng.gamma(2.0, 1.5, size=(60, 2))
    model = GammaMLPRegressor(**FAST).fit(X, Y)
    assert model.predict(X[:7]).shape == (7, 2)
    assert model.predict_dist(X[:7]).params["shape"].shape == (7, 2)
    assert model.log_likelihood(X, Y).shape == (60,)
    assert isinstance(model.score(X, Y), float)


# -- subnormal targets (0 < y < 2.2e-308) -------------------------------------------------
@pytest.mark.parametrize(
    ("shape", "scale", "expected"),
    [  # mpmath at 50 digits: (shape - 1) log(y / scale) - y / scale - lgamma(shape) - log(scale)
        (3.0, 2.0, -1491.6527325650022),
        (0.5, 1e5, 365.8912082852808),
        (1e-6, 6e19, 730.6237719596837),
        (1e6, 1.0, -757254832.050457),
        (2.0, 1e-300, 637.1109838750461),
    ],
)
def test_logpdf_of_a_subnormal_target_is_finite(shape, scale, expected):
    # y / scale underflows to 0 here, where scipy's logpdf is -inf or +inf.
    dist = GammaDistribution(shape=[shape], scale=[scale])
    np.testing.assert_allclose(dist.logpdf([5e-324]), [expected], rtol=1e-13)


def test_logpdf_matches_scipy_over_many_magnitudes():
    rng = np.random.default_rng(5)
    shape = np.exp(rng.normal(0.0, 2.0, 2000))
    scale = np.exp(rng.normal(0.0, 3.0, 2000))
    y = rng.gamma(shape) * scale + 1e-300
    expected = stats.gamma.logpdf(y, shape, scale=scale)
    assert np.isfinite(expected).all()
    actual = GammaDistribution(shape=shape, scale=scale).logpdf(y)
    # Both are within ~3e-13 of mpmath here (skprob's torch lgamma is not scipy's).
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12)
    # y / scale beyond the largest double: -inf is the correctly rounded log density.
    assert GammaDistribution(shape=[2.0], scale=[1e-10]).logpdf([1e300])[0] == -np.inf


@pytest.mark.parametrize("y", [[5e-324], [5e-324, 5e-324], [1e-310, 1.0, 2.0]])
def test_fit_refuses_subnormal_targets(y):
    X = np.zeros((len(y), 1))
    with pytest.raises(TargetSupportError, match=r"'gamma'.*subnormal.*y has.*e-3.*rescale y"):
        GammaMLPRegressor(**FAST).fit(X, y)


def test_scoring_a_subnormal_target_is_finite():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(40, 2))
    model = GammaMLPRegressor(**FAST).fit(X, rng.gamma(2.0, 1.5, size=40))
    y = np.array([5e-324, 1e-310, 2.0])
    log_lik = model.log_likelihood(X[:3], y)
    assert np.all(np.isfinite(log_lik))
    np.testing.assert_array_equal(log_lik, model.predict_dist(X[:3]).logpdf(y))


@pytest.mark.parametrize("y", [[1e-300, 1e30], [1e-300, 5.0, 6.0, 7.0]])
def test_fit_refuses_targets_whose_ratio_to_the_mean_underflows_float32(y):
    # Training sees y / mean(y) in float32, where 2e-330 (or 2e-301) is 0 and log(0) = -inf.
    X = np.zeros((len(y), 1))
    with pytest.raises(TargetSupportError, match=r"orders of magnitude.*1e-300.*float32"):
        GammaMLPRegressor(**FAST).fit(X, y)
    # The same targets, within float32's range of ratios, fit.
    model = GammaMLPRegressor(**FAST).fit(X, np.maximum(y, 1e-30 * np.mean(y)))
    assert np.isfinite(model.score(X, np.maximum(y, 1e-30 * np.mean(y))))


def test_std_of_huge_scales_does_not_overflow():
    dist = GammaDistribution(shape=[2.0, 1e-6], scale=[1e160, 1e155])
    np.testing.assert_allclose(dist.std(), [np.sqrt(2.0) * 1e160, 1e152], rtol=1e-15)
    np.testing.assert_allclose(dist.var(), [np.inf, 1e304], rtol=1e-15)
