"""Beta family: distribution maths, likelihood, fit quality, support, shapes."""

import numpy as np
import pytest
import torch
from scipy import special, stats

from skprob import BetaMLPRegressor
from skprob.exceptions import TargetSupportError
from skprob.families import get_family
from skprob.families.beta import BetaDistribution, BetaFamily

TOL = 1e-6
# Small settings for the tests that only look at shapes and errors.
FAST = {"max_iter": 5, "width": 16, "random_state": 0}


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=TOL, atol=TOL)


@pytest.fixture
def dist_and_scipy():
    rng = np.random.default_rng(1)
    a = np.exp(rng.uniform(np.log(0.3), np.log(30.0), size=(40, 2)))
    b = np.exp(rng.uniform(np.log(0.3), np.log(30.0), size=(40, 2)))
    return BetaDistribution(a=a, b=b), stats.beta(a=a, b=b), rng


def test_summaries_match_scipy(dist_and_scipy):
    dist, ref, _ = dist_and_scipy
    for name in ["mean", "var", "std", "median"]:
        assert_close(getattr(dist, name)(), getattr(ref, name)())
    lower, upper = dist.interval(0.8)
    assert_close(lower, ref.interval(0.8)[0])
    assert_close(upper, ref.interval(0.8)[1])


def test_mode(dist_and_scipy):
    dist, ref, _ = dist_and_scipy
    a, b = dist.params["a"], dist.params["b"]
    mode = dist.mode()
    interior = (a > 1) & (b > 1)
    assert interior.any() and (~interior).any()
    assert_close(mode[interior], ((a - 1) / (a + b - 2))[interior])
    # The interior mode is where the density peaks.
    step = 1e-4
    peak = ref.logpdf(mode)
    assert np.all(peak[interior] > ref.logpdf(mode + step)[interior])
    assert np.all(peak[interior] > ref.logpdf(mode - step)[interior])
    # Otherwise the end of the interval where the density is largest, 0.5 when there is a tie.
    cases = BetaDistribution(
        a=[0.5, 1.0, 3.0, 1.0, 0.4, 0.7, 1.0], b=[2.0, 3.0, 0.8, 0.5, 0.9, 0.7, 1.0]
    )
    np.testing.assert_array_equal(cases.mode(), [0.0, 0.0, 1.0, 1.0, 0.0, 0.5, 0.5])


def test_functions_match_scipy(dist_and_scipy):
    dist, ref, rng = dist_and_scipy
    y = ref.rvs(random_state=2)
    y = np.clip(y, 1e-12, 1 - 1e-12)
    q = rng.uniform(size=dist.batch_shape)
    assert_close(dist.logpdf(y), ref.logpdf(y))
    assert_close(dist.pdf(y), ref.pdf(y))
    assert_close(dist.cdf(y), ref.cdf(y))
    assert_close(dist.sf(y), ref.sf(y))
    assert_close(dist.ppf(q), ref.ppf(q))
    assert_close(dist.log_likelihood(y), ref.logpdf(y).sum(axis=1))
    outside = np.full(dist.batch_shape, 1.5)
    assert_close(dist.cdf(outside), 1.0)
    assert np.all(dist.logpdf(outside) == -np.inf)


def test_rvs_follow_the_distribution():
    a, b = np.array([0.5, 2.0, 20.0]), np.array([0.5, 5.0, 3.0])
    dist = BetaDistribution(a=a, b=b)
    draws = dist.rvs(size=4000, random_state=0)
    assert draws.shape == (4000, 3)
    np.testing.assert_array_equal(draws, dist.rvs(size=4000, random_state=0))
    for j in range(3):
        assert stats.kstest(draws[:, j], stats.beta(a=a[j], b=b[j]).cdf).pvalue > 1e-3
    assert dist.rvs(random_state=0).shape == (3,)


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_family_nll_equals_distribution_log_likelihood(n_outputs):
    rng = np.random.default_rng(3)
    shape = (200,) if n_outputs == 1 else (200, n_outputs)
    y = np.clip(rng.beta(2.0, 3.0, size=shape), 1e-6, 1 - 1e-6)
    family = get_family("beta").fit(y)
    raw = torch.as_tensor(rng.normal(scale=2.0, size=(200, sum(family.n_raw_))))
    nll = family.nll(raw, torch.as_tensor(family.transform_target(y)))
    params = {k: v.numpy() for k, v in family.link(raw).items()}
    log_lik = family.distribution(params).log_likelihood(y)
    np.testing.assert_allclose(nll.numpy(), -log_lik, rtol=1e-5, atol=1e-5)
    linked = family.link(raw.float())
    assert linked["a"].dtype == torch.float32
    assert all(bool(torch.isfinite(v).all() and (v > 0).all()) for v in linked.values())
    # Extreme raw outputs keep both concentrations positive (no 1 - sigmoid underflow).
    extreme = family.link(torch.tensor([[40.0] * n_outputs + [3.0] * n_outputs]))
    assert bool((extreme["b"] > 0).all())


def test_initial_raw_is_the_weighted_constant_mle():
    rng = np.random.default_rng(5)
    y = rng.beta(2.0, 6.0, size=300)
    w = rng.integers(1, 4, size=300).astype(float)
    repeated = np.repeat(y, w.astype(int))
    # The moments give the start in closed form.
    mean = np.average(y, weights=w)
    var = np.average((y - mean) ** 2, weights=w)
    start = BetaFamily().initial_params(y[:, None], w)
    start_mean = special.expit(start["logit_mean"][0])
    a, b = start_mean * start["precision"][0], (1.0 - start_mean) * start["precision"][0]
    np.testing.assert_allclose(a / (a + b), mean, rtol=1e-9)
    np.testing.assert_allclose(a * b / ((a + b) ** 2 * (a + b + 1)), var, rtol=1e-6)
    # Fitting the family refines it to the constant-model MLE, the same for weights and repeats.
    family = BetaFamily().fit(y, w)
    np.testing.assert_allclose(
        family.initial_raw_, BetaFamily().fit(repeated).initial_raw_, rtol=1e-6, atol=1e-8
    )
    params = family.link(torch.as_tensor(family.initial_raw_[None, :]))
    a_mle, b_mle, _, _ = stats.beta.fit(repeated, floc=0, fscale=1)
    np.testing.assert_allclose(params["a"].numpy()[0, 0], a_mle, rtol=1e-4)
    np.testing.assert_allclose(params["b"].numpy()[0, 0], b_mle, rtol=1e-4)


def test_heldout_nll_is_close_to_the_true_model():
    rng = np.random.default_rng(0)

    def sample(n):
        X = rng.uniform(-1.0, 1.0, size=(n, 2))
        mean = special.expit(1.5 * np.sin(2.0 * X[:, 0]))
        precision = np.exp(2.0 + X[:, 1])
        a, b = mean * precision, (1 - mean) * precision
        return X, rng.beta(a, b), a, b

    X, y, _, _ = sample(5000)
    X_test, y_test, a_test, b_test = sample(50000)
    model = BetaMLPRegressor(random_state=0).fit(X, y)
    true_nll = -stats.beta.logpdf(y_test, a_test, b_test).mean()
    gap = model.nll(X_test, y_test) - true_nll
    print(f"beta: held-out NLL gap to the true model {gap:+.4f} nats/sample")
    assert abs(gap) < 0.05


@pytest.mark.parametrize("edge", [0.0, 1.0])
def test_exact_zeros_and_ones_are_rejected_with_advice(edge):
    X = np.zeros((5, 1))
    y = np.array([0.2, 0.5, edge, 0.3, 0.9])
    with pytest.raises(TargetSupportError, match=r"'beta'.*\(0, 1\)") as error:
        BetaMLPRegressor(**FAST).fit(X, y)
    message = str(error.value)
    assert f"[{edge}]" in message
    assert "(y * (n - 1) + 0.5) / n" in message and "clip" in message
    # The advice works: squeezed targets are accepted.
    n = len(y)
    BetaMLPRegressor(**FAST).fit(X, (y * (n - 1) + 0.5) / n)


@pytest.mark.parametrize("bad", [-0.5, 3.0, np.nan])
def test_values_outside_the_interval_are_rejected(bad):
    family = BetaFamily().fit(np.array([0.2, 0.6]))
    with pytest.raises(TargetSupportError, match="Rescale the target to proportions"):
        family.transform_target(np.array([0.5, bad]))


def test_shapes():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 3))
    y = rng.beta(2.0, 3.0, size=60)
    model = BetaMLPRegressor(**FAST).fit(X, y)
    point, std = model.predict(X[:7], return_std=True)
    assert point.shape == std.shape == (7,)
    dist = model.predict_dist(X[:7])
    assert len(dist) == 7 and dist.mean().shape == (7,)
    assert model.log_likelihood(X, y).shape == (60,)
    assert isinstance(model.score(X, y), float)

    Y = rng.beta(2.0, 3.0, size=(60, 2))
    model = BetaMLPRegressor(**FAST).fit(X, Y)
    assert model.predict(X[:7]).shape == (7, 2)
    assert model.predict_dist(X[:7]).params["a"].shape == (7, 2)
    assert model.log_likelihood(X, Y).shape == (60,)
    assert isinstance(model.score(X, Y), float)


# -- huge concentrations: (a + b)**3 overflows where the moments do not -----------------
def test_mean_and_var_match_scipy_over_many_magnitudes():
    rng = np.random.default_rng(7)
    a, b = np.exp(rng.normal(0.0, 5.0, size=(2, 5000)))
    dist, frozen = BetaDistribution(a=a, b=b), stats.beta(a=a, b=b)
    np.testing.assert_allclose(dist.mean(), frozen.mean(), rtol=1e-14)
    np.testing.assert_allclose(dist.var(), frozen.var(), rtol=1e-14)


def test_var_of_huge_concentrations_does_not_overflow():
    # The concentrations predicted for X ~ 1e299 in test_properties, and beyond.
    dist = BetaDistribution(a=[4.073e296, 1e300, 1.7e308, 1e-310],
                            b=[1e-6, 1e300, 1.7e308, 1e-310])
    np.testing.assert_allclose(dist.mean(), [1.0, 0.5, 0.5, 0.5])
    # a b / ((a + b)**2 (a + b + 1)): ~6e-600 rounds to 0; 0.25 / (a + b + 1); 0.25.
    np.testing.assert_allclose(dist.var(), [0.0, 1.25e-301, 0.125 / 1.7e308, 0.25], rtol=1e-14)
    assert np.all(np.isfinite(dist.std()))
