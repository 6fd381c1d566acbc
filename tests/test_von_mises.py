"""Von Mises family: circular maths, likelihood, fit quality, angle wrapping, shapes."""

import numpy as np
import pytest
import torch
from scipy import special, stats

from skprob import VonMisesMLPRegressor
from skprob.exceptions import TargetSupportError
from skprob.families import get_family
from skprob.families.von_mises import VonMisesDistribution, VonMisesFamily, wrap_angle

TOL = 1e-6
# Small settings for the tests that only look at shapes and errors.
FAST = {"max_iter": 5, "width": 16, "random_state": 0}


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=TOL, atol=TOL)


def assert_in_half_open_circle(theta):
    assert np.all((theta > -np.pi) & (theta <= np.pi))


@pytest.fixture
def dist_and_scipy():
    rng = np.random.default_rng(1)
    loc = rng.uniform(-np.pi, np.pi, size=(40, 2))
    kappa = np.exp(rng.uniform(np.log(0.05), np.log(50.0), size=(40, 2)))
    return VonMisesDistribution(loc=loc, kappa=kappa), stats.vonmises(kappa, loc=loc), rng


# -- wrapping -------------------------------------------------------------------------
def test_wrap_angle():
    theta = np.array([0.0, 1.0, np.pi, -np.pi, 3 * np.pi, -3 * np.pi, 7.0, -1e-17, 100.0])
    wrapped = wrap_angle(theta)
    assert_in_half_open_circle(wrapped)
    np.testing.assert_allclose(np.cos(wrapped), np.cos(theta), atol=1e-12)
    np.testing.assert_allclose(np.sin(wrapped), np.sin(theta), atol=1e-12)
    assert wrapped[2] == np.pi and wrapped[3] == np.pi  # -pi is the same direction as pi
    np.testing.assert_array_equal(wrapped[:2], [0.0, 1.0])
    assert wrap_angle(np.array([[1.0, 8.0]])).shape == (1, 2)


# -- the distribution against scipy -----------------------------------------------------
def test_location_summaries_match_scipy(dist_and_scipy):
    dist, _, _ = dist_and_scipy
    for name in ("mean", "median", "mode"):
        assert_close(getattr(dist, name)(), dist.params["loc"])
    # scipy's vonmises mean and median are the circular mean direction loc too; it
    # integrates and inverts its cdf one value at a time, so compare on a few rows.
    few = dist[:6]
    ref = stats.vonmises(few.params["kappa"], loc=few.params["loc"])
    assert_close(few.mean(), ref.mean())
    assert_close(few.median(), ref.median())
    lower, upper = few.interval(0.9)
    assert_close(lower, ref.interval(0.9)[0])
    assert_close(upper, ref.interval(0.9)[1])
    assert np.all(lower < few.mean()) and np.all(few.mean() < upper)


def test_var_and_std_are_circular(dist_and_scipy):
    dist, _, _ = dist_and_scipy
    kappa = dist.params["kappa"]
    length = special.i1(kappa) / special.i0(kappa)
    assert_close(dist.var(), 1.0 - length)
    assert_close(dist.std(), np.sqrt(-2.0 * np.log(length)))
    # The same definitions as scipy's sample statistics, on a large sample of one row.
    one = VonMisesDistribution(loc=[2.5], kappa=[3.0])
    draws = one.rvs(size=200000, random_state=0)[:, 0]
    assert abs(one.var()[0] - stats.circvar(draws)) < 0.005
    assert abs(one.std()[0] - stats.circstd(draws)) < 0.005
    # Large concentrations: close to the wrapped normal's 1 / sqrt(kappa), no overflow.
    sharp = VonMisesDistribution(loc=[0.0], kappa=[1e6])
    np.testing.assert_allclose(sharp.std(), 1e-3, rtol=1e-3)


def test_functions_match_scipy(dist_and_scipy):
    dist, ref, rng = dist_and_scipy
    y = rng.uniform(-np.pi, np.pi, size=dist.batch_shape)
    q = rng.uniform(size=dist.batch_shape)
    for points in (y, y + 2 * np.pi, y - 6 * np.pi):
        assert_close(dist.logpdf(points), ref.logpdf(points))
        assert_close(dist.pdf(points), ref.pdf(points))
        assert_close(dist.cdf(points), ref.cdf(points))
        assert_close(dist.sf(points), ref.sf(points))
        assert_close(dist.log_likelihood(points), ref.logpdf(points).sum(axis=1))
    # The density is periodic, so any representative of a direction scores the same.
    assert_close(dist.logpdf(y + 2 * np.pi), dist.logpdf(y))
    assert_close(dist.ppf(q), ref.ppf(q))
    assert_close(dist.ppf(0.3), ref.ppf(0.3))
    assert_close(dist.cdf(dist.ppf(q)), q)
    assert_close(dist.quantiles([0.25, 0.5])[..., 1], dist.params["loc"])
    # scipy's convention: the circle is cut opposite loc, so cdf(loc) = 1/2.
    assert_close(dist.cdf(dist.params["loc"]), 0.5)


def test_ppf_ends_and_invalid_levels():
    dist = VonMisesDistribution(loc=[1.0, -3.0], kappa=[2.0, 0.5])
    # The ends of the circle cut opposite loc (scipy returns infinities there).
    assert_close(dist.ppf(0.0), [1.0 - np.pi, -3.0 - np.pi])
    assert_close(dist.ppf(1.0), [1.0 + np.pi, -3.0 + np.pi])
    assert np.all(np.isnan(dist.ppf(1.5))) and np.all(np.isnan(dist.ppf(-0.1)))
    sharp = VonMisesDistribution(loc=[0.5], kappa=[1e6])
    assert_close(sharp.ppf(0.975), stats.vonmises.ppf(0.975, 1e6, loc=0.5))


def test_logpdf_is_stable_for_large_concentrations():
    dist = VonMisesDistribution(loc=[0.0, 1.0], kappa=[1e4, 1e8])
    logp = dist.logpdf([0.01, 1.0])
    assert np.all(np.isfinite(logp))
    assert_close(logp[0], stats.vonmises.logpdf(0.01, 1e4))


def test_rvs_follow_the_distribution():
    loc, kappa = np.array([3.0, -2.0, 0.5]), np.array([0.3, 2.0, 40.0])
    dist = VonMisesDistribution(loc=loc, kappa=kappa)
    draws = dist.rvs(size=4000, random_state=0)
    assert draws.shape == (4000, 3)
    assert_in_half_open_circle(draws)
    np.testing.assert_array_equal(draws, dist.rvs(size=4000, random_state=0))
    for j in range(3):
        centred = wrap_angle(draws[:, j] - loc[j])
        assert stats.kstest(centred, stats.vonmises(kappa[j]).cdf).pvalue > 1e-3
    assert dist.rvs(random_state=0).shape == (3,)


# -- the torch loss -------------------------------------------------------------------
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_family_nll_equals_distribution_log_likelihood(n_outputs):
    rng = np.random.default_rng(3)
    shape = (200,) if n_outputs == 1 else (200, n_outputs)
    # Unwrapped angles: the family wraps them, the distribution's density is periodic.
    y = rng.vonmises(1.0, 2.0, size=shape) + 2 * np.pi * rng.integers(-3, 4, size=shape)
    family = get_family("von_mises").fit(y)
    raw = torch.as_tensor(rng.normal(scale=2.0, size=(200, sum(family.n_raw_))))
    nll = family.nll(raw, torch.as_tensor(family.transform_target(y)))
    params = {k: v.numpy() for k, v in family.link(raw).items()}
    dist = family.distribution(params)
    np.testing.assert_allclose(nll.numpy(), -dist.log_likelihood(y), rtol=1e-5, atol=1e-5)
    assert_in_half_open_circle(dist.mean())
    linked = family.link(raw.float())
    assert linked["kappa"].dtype == torch.float32 and bool((linked["kappa"] > 0).all())


def test_mean_direction_convention_at_the_cut():
    family = VonMisesFamily().fit(np.array([3.0, -3.0]))
    # atan2(-0.0, -1) is -pi; the distribution reports the same direction as +pi.
    raw = torch.tensor([[-1.0, -0.0, 1.0], [-1.0, 0.0, 1.0]], dtype=torch.float64)
    dist = family.distribution({k: v.numpy() for k, v in family.link(raw).items()})
    np.testing.assert_array_equal(dist.mean(), [np.pi, np.pi])


def test_initial_raw_is_the_weighted_constant_mle():
    rng = np.random.default_rng(5)
    y = rng.vonmises(3.0, 2.5, size=300)  # the mean direction is next to the cut at pi
    w = rng.integers(1, 4, size=300).astype(float)
    repeated = np.repeat(y, w.astype(int))
    family = VonMisesFamily().fit(y, w)
    other = VonMisesFamily().fit(repeated)
    raw = torch.as_tensor(np.vstack([family.initial_raw_, other.initial_raw_]))
    params = family.distribution({k: v.numpy() for k, v in family.link(raw).items()}).params
    kappa, loc, _ = stats.vonmises.fit(repeated, fscale=1)
    np.testing.assert_allclose(params["kappa"], [kappa, kappa], rtol=1e-4)
    np.testing.assert_allclose(np.cos(params["loc"] - loc), 1.0, atol=1e-8)
    # The closed-form start (before the core's refinement) is already the MLE.
    start = VonMisesFamily().initial_params(y[:, None], w)
    refined = family.network_params(torch.as_tensor(family.initial_raw_[None, :]))
    for name, value in start.items():
        np.testing.assert_allclose(value, refined[name].numpy()[0], rtol=1e-4, atol=1e-6)


# -- fitting --------------------------------------------------------------------------
def sample_directions(rng, n):
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    # The mean direction sweeps across the cut at +-pi; kappa varies from 1 to 7.4.
    loc = wrap_angle(1.0 + 3.0 * X[:, 0])
    kappa = np.exp(1.0 + X[:, 1])
    return X, wrap_angle(rng.vonmises(loc, kappa)), loc, kappa


def test_heldout_nll_is_close_to_the_true_model():
    rng = np.random.default_rng(0)
    X, y, _, _ = sample_directions(rng, 5000)
    X_test, y_test, loc_test, kappa_test = sample_directions(rng, 50000)
    model = VonMisesMLPRegressor(random_state=0).fit(X, y)
    true_nll = -stats.vonmises.logpdf(y_test, kappa_test, loc=loc_test).mean()
    gap = model.nll(X_test, y_test) - true_nll
    print(f"von Mises: held-out NLL gap to the true model {gap:+.4f} nats/sample")
    assert abs(gap) < 0.05
    direction = model.predict(X_test[:2000])
    assert_in_half_open_circle(direction)
    # Predictions follow the true direction across the cut at +-pi.
    assert np.mean(np.cos(direction - loc_test[:2000])) > 0.99


def test_angles_outside_the_half_open_circle_are_wrapped():
    rng = np.random.default_rng(6)
    X, y, _, _ = sample_directions(rng, 300)
    shifted = y + 2 * np.pi * rng.integers(-5, 6, size=len(y))
    model = VonMisesMLPRegressor(**FAST).fit(X, y)
    twin = VonMisesMLPRegressor(**FAST).fit(X, shifted)
    np.testing.assert_array_equal(model.predict(X), twin.predict(X))
    assert model.score(X, shifted) == pytest.approx(model.score(X, y), abs=1e-9)
    family = model.family_
    np.testing.assert_allclose(family.transform_target(shifted)[:, 0], y, atol=1e-9)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_angles_are_rejected(bad):
    family = VonMisesFamily()
    with pytest.raises(TargetSupportError, match=r"'von_mises'.*finite angles in radians"):
        family.fit(np.array([0.1, bad, 2.0]))
    # At the estimator, scikit-learn's input validation refuses them first (a ValueError).
    with pytest.raises(ValueError):
        VonMisesMLPRegressor(**FAST).fit(np.zeros((3, 1)), np.array([0.1, bad, 2.0]))


def test_shapes():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 3))
    y = rng.vonmises(np.pi, 4.0, size=60)  # near the cut
    model = VonMisesMLPRegressor(**FAST).fit(X, y)
    point, std = model.predict(X[:7], return_std=True)
    assert point.shape == std.shape == (7,)
    assert_in_half_open_circle(point)
    dist = model.predict_dist(X[:7])
    assert len(dist) == 7 and dist.mean().shape == (7,)
    assert model.log_likelihood(X, y).shape == (60,)
    assert isinstance(model.score(X, y), float)

    Y = rng.vonmises(0.0, 4.0, size=(60, 2))
    model = VonMisesMLPRegressor(**FAST).fit(X, Y)
    assert model.predict(X[:7]).shape == (7, 2)
    assert model.predict_dist(X[:7]).params["kappa"].shape == (7, 2)
    assert model.log_likelihood(X, Y).shape == (60,)
    assert isinstance(model.score(X, Y), float)
