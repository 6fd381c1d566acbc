"""The Laplace family: its distribution against scipy.stats.laplace, its loss, its fit."""

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

from skprob import LaplaceMLPRegressor
from skprob.exceptions import TargetSupportError
from skprob.families import get_family
from skprob.families._base import weighted_quantile
from skprob.families.laplace import LaplaceDistribution, LaplaceFamily

ATOL = 1e-6
LEVELS = [1e-6, 0.01, 0.25, 0.5, 0.9, 0.999]


def close(actual, expected, atol=ATOL):
    np.testing.assert_allclose(actual, expected, rtol=ATOL, atol=atol)


def make(shape, seed=0):
    rng = np.random.default_rng(seed)
    loc = rng.normal(0.0, 5.0, size=shape)
    scale = rng.uniform(0.05, 4.0, size=shape)
    return LaplaceDistribution(loc=loc, scale=scale), stats.laplace(loc, scale)


# -- (a) the distribution against scipy ------------------------------------------------
@pytest.mark.parametrize("shape", [(9,), (9, 3)], ids=["1d", "2d"])
def test_distribution_matches_scipy(shape):
    dist, frozen = make(shape)
    assert dist.batch_shape == shape
    for method in ("mean", "var", "std", "median"):
        close(getattr(dist, method)(), getattr(frozen, method)())
    close(dist.mode(), dist.params["loc"])
    y = frozen.rvs(random_state=1)
    for method in ("cdf", "sf", "logpdf", "pdf"):
        close(getattr(dist, method)(y), getattr(frozen, method)(y))
    close(dist.log_likelihood(y), frozen.logpdf(y).reshape(shape[0], -1).sum(axis=1))
    for q in LEVELS:
        close(dist.ppf(q), frozen.ppf(q))
    per_row = np.random.default_rng(2).uniform(size=shape)
    close(dist.ppf(per_row), frozen.ppf(per_row))
    for confidence in (0.5, 0.95):
        close(dist.interval(confidence), frozen.interval(confidence))
    close(dist.cdf(dist.ppf(0.3)), np.full(shape, 0.3))


def test_rvs_is_scipy_sampling():
    dist, frozen = make((6,))
    draws = dist.rvs(size=4000, random_state=3)
    assert draws.shape == (4000, 6)
    np.testing.assert_array_equal(draws, frozen.rvs(size=(4000, 6), random_state=3))
    assert dist.rvs(random_state=0).shape == (6,)
    params = dist.params
    for j in range(6):
        law = stats.laplace(params["loc"][j], params["scale"][j])
        assert stats.kstest(draws[:, j], law.cdf).pvalue > 1e-4


def test_weighted_quantile_matches_numpy_and_weights():
    rng = np.random.default_rng(4)
    y = rng.normal(size=(101, 2))
    expected = np.quantile(y, [0.1, 0.5, 0.9], axis=0, method="inverted_cdf")
    close(weighted_quantile(y, np.ones(101), [0.1, 0.5, 0.9]), expected, atol=1e-12)
    # An integer weight is the same as repeating the row.
    w = rng.integers(1, 4, size=101)
    repeated = np.repeat(y, w, axis=0)
    close(weighted_quantile(y, w.astype(float), [0.25, 0.5]),
          np.quantile(repeated, [0.25, 0.5], axis=0, method="inverted_cdf"), atol=1e-12)


# -- (b) the torch loss against the numpy distribution ---------------------------------
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_nll_matches_log_likelihood(n_outputs):
    rng = np.random.default_rng(5)
    y = rng.laplace(3.0, 2.0, size=(300, n_outputs))
    y = y[:, 0] if n_outputs == 1 else y
    family = get_family("laplace").fit(y)
    raw = torch.as_tensor(rng.normal(0.0, 1.5, size=(300, sum(family.n_raw_))))
    dist = family.distribution({k: v.numpy() for k, v in family.link(raw).items()})
    y_new = rng.laplace(3.0, 2.0, size=y.shape)
    nll = family.nll(raw, torch.as_tensor(family.transform_target(y_new))).numpy()
    np.testing.assert_allclose(nll, -dist.log_likelihood(y_new), rtol=1e-5, atol=1e-5)


def test_initial_raw_is_median_and_mean_absolute_deviation():
    y = np.random.default_rng(6).laplace(-4.0, 0.5, size=4001)
    family = LaplaceFamily().fit(y)
    params = family.distribution(
        {k: v.numpy() for k, v in family.link(torch.as_tensor(family.initial_raw_[None]))
         .items()})
    close(params.params["loc"], [np.median(y)], atol=1e-4)
    close(params.params["scale"], [np.mean(np.abs(y - np.median(y)))], atol=1e-4)


# -- (c) recovery of the generating model ----------------------------------------------
def simulate(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(n, 2))
    loc = np.sin(1.5 * X[:, 0]) + 0.5 * X[:, 1]
    scale = 0.2 + 0.15 * (X[:, 0] + 2.0)
    y = rng.laplace(loc, scale)
    return X, y, -stats.laplace.logpdf(y, loc, scale).mean()


def test_recovers_generating_model():
    X, y, _ = simulate(5000, 0)
    X_test, y_test, true_nll = simulate(50000, 1)
    model = LaplaceMLPRegressor(random_state=0).fit(X, y)
    gap = model.nll(X_test, y_test) - true_nll
    assert gap < 0.05, gap  # measured: 0.006
    # The location is the conditional median, and the scale follows x.
    dist = model.predict_dist([[-1.5, 0.0], [1.5, 0.0]])
    close(dist.median(), np.sin([-2.25, 2.25]), atol=0.1)
    close(dist.params["scale"], [0.275, 0.725], atol=0.1)


# -- (d) errors ------------------------------------------------------------------------
def test_non_finite_targets_raise():
    with pytest.raises(TargetSupportError, match="laplace"):
        LaplaceFamily().fit(np.array([1.0, np.inf, 2.0]))
    with pytest.raises(ValueError):
        LaplaceMLPRegressor(max_iter=2).fit(np.zeros((3, 1)), [0.0, np.nan, 1.0])
    with pytest.raises(ValueError, match="shape"):
        make((4,))[0].logpdf(np.zeros(5))


# -- (e) the estimator's outputs -------------------------------------------------------
def test_predict_shapes_and_score():
    rng = np.random.default_rng(7)
    X = pd.DataFrame(rng.normal(size=(120, 3)), columns=list("abc"),
                     index=[f"r{i}" for i in range(120)])
    y = X["a"].to_numpy() + rng.laplace(0.0, 0.3, size=120)
    model = LaplaceMLPRegressor(max_iter=20, width=16, random_state=0).fit(X, y)
    assert model.predict(X).shape == (120,)
    point, std = model.predict(X, return_std=True)
    close(std, np.sqrt(2.0) * model.predict_dist(X).params["scale"])
    dist = model.predict_dist(X)
    assert isinstance(dist, LaplaceDistribution) and len(dist) == 120
    assert list(dist.to_frame().columns) == ["loc", "scale"]
    assert dist.to_frame().index.equals(X.index)
    close(model.score(X, y), dist.log_likelihood(y).mean())
    # Two outputs are modelled independently.
    Y = np.column_stack([y, -y])
    model2 = LaplaceMLPRegressor(max_iter=20, width=16, random_state=0).fit(X, Y)
    assert model2.predict(X).shape == (120, 2)
    assert model2.predict_dist(X).batch_shape == (120, 2)
    assert np.isfinite(model2.score(X, Y))
