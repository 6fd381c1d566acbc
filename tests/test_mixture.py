"""The Gaussian mixture family: its distribution by direct summation, its loss, its fit."""

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import special, stats

from skprob import DistributionRegressor, HeteroscedasticRegressor, MixtureDensityRegressor
from skprob.exceptions import TargetSupportError
from skprob.families import get_family
from skprob.families.mixture import GaussianMixtureDistribution, MixtureFamily

ATOL = 1e-6
N_ROWS, K = 12, 3
LEVELS = [1e-6, 0.01, 0.25, 0.5, 0.77, 0.99, 1 - 1e-9]


def close(actual, expected, atol=ATOL):
    np.testing.assert_allclose(actual, expected, rtol=ATOL, atol=atol)


def make(shape=(N_ROWS,), seed=0):
    """A mixture with separated and overlapping components, and its parameters."""
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(K), size=shape)
    loc = rng.normal(0.0, 4.0, size=shape + (K,))
    scale = np.exp(rng.normal(0.0, 0.8, size=shape + (K,)))
    # Unnormalised log weights are normalised on construction.
    dist = GaussianMixtureDistribution(log_weights=np.log(weights) + 3.0, loc=loc, scale=scale)
    return dist, weights, loc, scale


def direct_pdf(y, weights, loc, scale):
    return np.sum(weights * stats.norm.pdf(np.asarray(y)[..., None], loc, scale), axis=-1)


def direct_cdf(y, weights, loc, scale):
    return np.sum(weights * stats.norm.cdf(np.asarray(y)[..., None], loc, scale), axis=-1)


def grid_for(loc, scale, n=400001):
    return np.linspace((loc - 12 * scale).min(), (loc + 12 * scale).max(), n)


# -- (a) the distribution ----------------------------------------------------------------
@pytest.mark.parametrize("shape", [(N_ROWS,), (N_ROWS, 2)], ids=["1d", "2d"])
def test_density_and_cdf_match_direct_summation(shape):
    dist, weights, loc, scale = make(shape)
    assert dist.batch_shape == shape and dist.n_components == K
    close(dist.weights(), weights)
    y = np.random.default_rng(1).normal(0.0, 5.0, size=shape)
    close(dist.pdf(y), direct_pdf(y, weights, loc, scale))
    close(dist.logpdf(y), np.log(direct_pdf(y, weights, loc, scale)))
    close(dist.cdf(y), direct_cdf(y, weights, loc, scale))
    close(dist.sf(y), 1.0 - direct_cdf(y, weights, loc, scale))
    close(dist.log_likelihood(y), np.log(direct_pdf(y, weights, loc, scale))
          .reshape(N_ROWS, -1).sum(axis=1))
    # Far in the tails the log density stays finite (log-sum-exp).
    assert np.all(np.isfinite(dist.logpdf(np.full(shape, 1e4))))


@pytest.mark.parametrize("shape", [(N_ROWS,), (N_ROWS, 2)], ids=["1d", "2d"])
def test_ppf_inverts_cdf(shape):
    dist, *_ = make(shape)
    for q in LEVELS:
        x = dist.ppf(q)
        assert x.shape == shape
        np.testing.assert_allclose(dist.cdf(x), q, rtol=1e-9, atol=1e-10)
    per_row = np.random.default_rng(2).uniform(size=shape)
    np.testing.assert_allclose(dist.cdf(dist.ppf(per_row)), per_row, rtol=0, atol=1e-10)
    stacked = np.array([0.1, 0.5, 0.9]).reshape((3,) + (1,) * len(shape))
    assert dist.ppf(stacked).shape == (3,) + shape
    close(dist.median(), dist.ppf(0.5))
    lower, upper = dist.interval(0.9)
    close(lower, dist.ppf(0.05))
    close(upper, dist.ppf(0.95))
    assert dist.quantiles([0.1, 0.9]).shape == shape + (2,)
    edge = dist.ppf(np.array([0.0, 1.0, -0.1, 1.5, np.nan]).reshape((5,) + (1,) * len(shape)))
    assert edge.shape == (5,) + shape
    assert np.all(edge[0] == -np.inf) and np.all(edge[1] == np.inf)
    assert np.all(np.isnan(edge[2:]))


def test_ppf_matches_fine_grid_inversion():
    dist, weights, loc, scale = make()
    for i in range(N_ROWS):
        grid = grid_for(loc[i], scale[i])
        cdf = direct_cdf(grid, weights[i], loc[i], scale[i])
        spacing = grid[1] - grid[0]
        for q in (0.01, 0.3, 0.5, 0.8, 0.99):
            expected = np.interp(q, cdf, grid)
            assert abs(dist[i].ppf(q)[0] - expected) < spacing, (i, q)


def test_mode_is_the_highest_density_point():
    dist, weights, loc, scale = make()
    mode = dist.mode()
    assert mode.shape == (N_ROWS,)
    for i in range(N_ROWS):
        grid = grid_for(loc[i], scale[i])
        density = direct_pdf(grid, weights[i], loc[i], scale[i])
        best = grid[np.argmax(density)]
        assert abs(mode[i] - best) <= 2 * (grid[1] - grid[0]) + 1e-9, i
        at_mode = direct_pdf(mode[i:i + 1], weights[i], loc[i], scale[i])[0]
        assert at_mode >= density.max() * (1 - 1e-12), i
    # A bimodal mixture with equal weights: the mode sits on one peak, near +-2.
    even = GaussianMixtureDistribution(log_weights=[0.0, 0.0], loc=[-2.0, 2.0], scale=[1.0, 1.0])
    close(abs(even.mode()[0]), 2.0 * np.tanh(2.0 * 1.9986581), atol=1e-6)
    single = GaussianMixtureDistribution(log_weights=[[0.0]], loc=[[3.0]], scale=[[2.0]])
    close(single.mode(), [3.0])


@pytest.mark.parametrize("shape", [(N_ROWS,), (N_ROWS, 2)], ids=["1d", "2d"])
def test_moments_formula_and_sampling(shape):
    dist, weights, loc, scale = make(shape)
    mean = np.sum(weights * loc, axis=-1)
    close(dist.mean(), mean)
    close(dist.var(), np.sum(weights * (scale**2 + loc**2), axis=-1) - mean**2)
    close(dist.std(), np.sqrt(dist.var()))
    draws = dist.rvs(size=40000, random_state=3)
    assert draws.shape == (40000,) + shape
    np.testing.assert_array_equal(draws, dist.rvs(size=40000, random_state=3))
    assert dist.rvs(random_state=0).shape == shape
    se = np.sqrt(dist.var() / 40000)
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 6 * se)
    np.testing.assert_allclose(draws.var(axis=0), dist.var(), rtol=0.06)
    # The draws follow the mixture's cdf.
    flat = draws.reshape(40000, -1)
    w, m, s = (a.reshape(-1, K) for a in (weights, loc, scale))
    for j in range(4):
        law = lambda x, j=j: direct_cdf(x, w[j], m[j], s[j])  # noqa: E731
        assert stats.kstest(flat[:, j], law).pvalue > 1e-4


def test_container_and_frame():
    dist, weights, *_ = make()
    index = pd.Index([f"r{i}" for i in range(N_ROWS)])
    named = GaussianMixtureDistribution(index=index, **dist.params)
    frame = named.to_frame()
    assert frame.columns.tolist() == [f"{p}[{j}]" for p in ("weight", "loc", "scale")
                                      for j in range(K)]
    assert frame.index.equals(index)
    close(frame[["weight[0]", "weight[1]", "weight[2]"]].to_numpy(), weights)
    part = named[2:5]
    assert len(part) == 3 and list(part.index) == list(index[2:5])
    close(part.mean(), dist.mean()[2:5])
    two, *_ = make((N_ROWS, 2))
    two = GaussianMixtureDistribution(output_names=["a", "b"], **two.params)
    assert two.to_frame().columns[:3].tolist() == ["weight[a][0]", "weight[a][1]", "weight[a][2]"]
    # A 2-D target with one column keeps its name.
    one = GaussianMixtureDistribution(output_names=["beta"],
                                      **{k: v[:, :1] for k, v in two.params.items()})
    assert one.to_frame().columns[-1] == f"scale[beta][{K - 1}]"
    with pytest.raises(ValueError, match="same shape"):
        GaussianMixtureDistribution(log_weights=np.zeros((4, 2)), loc=np.zeros((4, 3)),
                                    scale=np.ones((4, 3)))


# -- (b) the torch loss against the numpy distribution -----------------------------------
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_nll_matches_log_likelihood(n_outputs):
    rng = np.random.default_rng(5)
    family = get_family("mixture", n_components=4)
    y = np.column_stack([MixtureFamily.example_target(300, random_state=s)
                         for s in range(n_outputs)])
    family.fit(y[:, 0] if n_outputs == 1 else y)
    assert family.n_raw_ == (3 * 4 * n_outputs, 0)
    raw = torch.as_tensor(rng.normal(0.0, 1.5, size=(300, sum(family.n_raw_))))
    dist = family.distribution({k: v.numpy() for k, v in family.link(raw).items()})
    y_new = np.column_stack([MixtureFamily.example_target(300, random_state=10 + s)
                             for s in range(n_outputs)])
    y_new = y_new[:, 0] if n_outputs == 1 else y_new
    nll = family.nll(raw, torch.as_tensor(family.transform_target(y_new))).numpy()
    np.testing.assert_allclose(nll, -dist.log_likelihood(y_new), rtol=1e-5, atol=1e-5)


def test_start_separates_components():
    y = MixtureFamily.example_target(4000, random_state=0)  # modes at 6 and 14
    family = MixtureFamily(n_components=2).fit(y)
    dist = family.distribution(
        {k: v.numpy() for k, v in family.link(torch.as_tensor(family.initial_raw_[None]))
         .items()})
    close(np.sort(dist.params["loc"][0]), [6.0, 14.0], atol=0.15)
    close(dist.weights()[0], [0.5, 0.5], atol=0.03)


# -- (c) recovery of the generating model ------------------------------------------------
def simulate(n, seed):
    """Two x-dependent normal components with x-dependent weights."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(n, 2))
    p = special.expit(1.5 * X[:, 1])
    m1, s1 = 1.0 + np.sin(1.5 * X[:, 0]), 0.15 + 0.025 * (X[:, 1] + 2.0)
    m2, s2 = -0.5 - 0.5 * X[:, 0], 0.3
    first = rng.uniform(size=n) < p
    y = np.where(first, rng.normal(m1, s1), rng.normal(m2, s2, size=n))
    log_lik = np.logaddexp(np.log(p) + stats.norm.logpdf(y, m1, s1),
                           np.log1p(-p) + stats.norm.logpdf(y, m2, s2))
    return X, y, -log_lik.mean()


def test_recovers_generating_model():
    X, y, _ = simulate(5000, 0)
    X_test, y_test, true_nll = simulate(50000, 1)
    model = MixtureDensityRegressor(random_state=0).fit(X, y)
    gap = model.nll(X_test, y_test) - true_nll
    assert gap < 0.05, gap  # measured: 0.013


def test_bimodal_target_beats_any_normal():
    """y = +-(1 + x^2) + noise with a fair coin: the normal can only blur the branches."""
    def bimodal(n, seed):
        rng = np.random.default_rng(seed)
        X = rng.uniform(-1.5, 1.5, size=(n, 1))
        branch = 1.0 + X[:, 0] ** 2
        y = rng.choice([-1.0, 1.0], size=n) * branch + 0.2 * rng.standard_normal(n)
        return X, y, branch

    X, y, _ = bimodal(4000, 0)
    X_test, y_test, branch = bimodal(20000, 1)
    model = MixtureDensityRegressor(random_state=0).fit(X, y)
    mixture = model.nll(X_test, y_test)
    normal = HeteroscedasticRegressor(random_state=0).fit(X, y).nll(X_test, y_test)
    # No normal beats the one with the true conditional mean (0) and variance.
    best_normal = np.mean(0.5 * np.log(2 * np.pi * (branch**2 + 0.04)) + 0.5)
    assert normal > best_normal - 0.02
    # Measured: mixture 0.520 (true model 0.505), best normal 1.920, fitted normal 1.923.
    assert mixture < best_normal - 0.8, (mixture, best_normal, normal)
    # The point prediction lies on a branch, not between them.
    point = model.predict([[0.0], [1.0]])
    close(np.abs(point), [1.0, 2.0], atol=0.15)


# -- (d) errors --------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [0, -2, 2.5, "3", True])
def test_bad_n_components_raise(bad):
    X, y = np.zeros((20, 1)), MixtureFamily.example_target(20, random_state=0)
    with pytest.raises(ValueError, match="n_components"):
        MixtureDensityRegressor(n_components=bad, max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="n_components"):
        MixtureFamily(n_components=bad).fit(y)


def test_non_finite_targets_raise():
    with pytest.raises(TargetSupportError, match="mixture"):
        MixtureFamily().fit(np.array([1.0, np.nan, 2.0]))
    with pytest.raises(ValueError):
        MixtureDensityRegressor(max_iter=2).fit(np.zeros((3, 1)), [0.0, np.inf, 1.0])
    with pytest.raises(ValueError, match="shape"):
        make()[0].logpdf(np.zeros(N_ROWS + 1))


# -- (e) the estimator's outputs ---------------------------------------------------------
def test_predict_shapes_and_score():
    rng = np.random.default_rng(8)
    X = pd.DataFrame(rng.normal(size=(150, 2)), columns=["a", "b"],
                     index=[f"r{i}" for i in range(150)])
    y = rng.choice([-2.0, 2.0], size=150) + X["a"].to_numpy() + 0.3 * rng.normal(size=150)
    model = MixtureDensityRegressor(n_components=2, max_iter=20, width=16, random_state=0)
    model.fit(X, y)
    dist = model.predict_dist(X)
    assert isinstance(dist, GaussianMixtureDistribution)
    assert dist.params["loc"].shape == (150, 2) and dist.batch_shape == (150,)
    assert dist.to_frame().index.equals(X.index)
    close(model.predict(X), dist.mode())
    point, std = model.predict(X, return_std=True)
    close(std, dist.std())
    for prediction in ("mean", "median"):
        model.set_params(prediction=prediction)
        close(model.predict(X), getattr(dist, prediction)())
    close(model.score(X, y), dist.log_likelihood(y).mean())
    # Two outputs, each with its own components.
    Y = np.column_stack([y, -y])
    model2 = MixtureDensityRegressor(n_components=2, max_iter=20, width=16, random_state=0)
    dist2 = model2.fit(X, Y).predict_dist(X)
    assert dist2.batch_shape == (150, 2) and dist2.params["loc"].shape == (150, 2, 2)
    assert model2.predict(X).shape == (150, 2) and np.isfinite(model2.score(X, Y))
    # The family by name in the generic estimator.
    generic = DistributionRegressor(get_family("mixture", n_components=2), max_iter=5,
                                    width=8, random_state=0).fit(X, y)
    assert generic.predict_dist(X).n_components == 2


# -- far inputs: squares of ~1e297 overflow where the answers do not ---------------------
#: The mixture predicted for X ~ 1e299 in test_properties (scales 1e-4 to 1e297).
FAR_MIXTURE = {"log_weights": [[-1.5747e297, 0.0, -4.2129e296]],
               "loc": [[1.7868e297, 2.0068e297, -3.6290e297]],
               "scale": [[4.3296e-4, 3.6290e297, 4.3296e-4]]}


def test_moments_of_huge_mixtures_scale_exactly():
    _, weights, loc, scale = make()
    log_weights = np.log(weights)
    dist = GaussianMixtureDistribution(log_weights=log_weights, loc=loc, scale=scale)
    factor = 2.0**990  # exact scaling: the moments scale by it too
    huge = GaussianMixtureDistribution(log_weights=log_weights, loc=loc * factor,
                                       scale=scale * factor)
    np.testing.assert_array_equal(huge.std(), dist.std() * factor)
    np.testing.assert_array_equal(huge.mean(), dist.mean() * factor)
    assert np.all(huge.var() == np.inf)  # beyond 1.8e308: inf is the rounded value
    smaller = GaussianMixtureDistribution(log_weights=log_weights, loc=loc * 2.0**500,
                                          scale=scale * 2.0**500)
    np.testing.assert_array_equal(smaller.var(), dist.var() * 2.0**1000)


def test_far_mixture_has_finite_std_and_mode():
    dist = GaussianMixtureDistribution(**FAR_MIXTURE)
    # One component carries all the weight: its mean and scale are the mixture's.
    np.testing.assert_allclose(dist.std(), [3.6290e297], rtol=1e-12)
    np.testing.assert_allclose(dist.mode(), [2.0068e297], rtol=1e-12)


def test_mode_is_scale_equivariant():
    _, weights, loc, scale = make()
    log_weights = np.log(weights)
    dist = GaussianMixtureDistribution(log_weights=log_weights, loc=loc, scale=scale)
    for factor in (2.0**-1000, 2.0**1000):
        scaled = GaussianMixtureDistribution(log_weights=log_weights, loc=loc * factor,
                                             scale=scale * factor)
        np.testing.assert_allclose(scaled.mode() / factor, dist.mode(), rtol=1e-9, atol=1e-9)


def test_logpdf_far_from_every_component_is_minus_inf_silently():
    dist = GaussianMixtureDistribution(log_weights=[[0.0, 0.0]], loc=[[-1e300, 1e300]],
                                       scale=[[1.0, 2.0]])
    assert dist.logpdf([0.0])[0] == -np.inf  # about -1e600: below the most negative double
    close(dist.logpdf([1e300]), [np.log(0.5) - np.log(2.0) - 0.5 * np.log(2 * np.pi)])
