"""The Student's t family: its distribution against scipy.stats.t, its loss, its fit."""

import copy
import math

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

from skprob import StudentTMLPRegressor
from skprob.ensemble import DeepEnsembleRegressor
from skprob.exceptions import TargetSupportError
from skprob.families import get_family
from skprob.families.student_t import (
    DF_FLOOR,
    DF_START_MAX,
    StudentTDistribution,
    StudentTFamily,
    t_log_density,
)

ATOL = 1e-6
LEVELS = [1e-4, 0.01, 0.25, 0.5, 0.9, 0.999]


def close(actual, expected, atol=ATOL):
    np.testing.assert_allclose(actual, expected, rtol=ATOL, atol=atol)


def make(shape, seed=0, df=None):
    rng = np.random.default_rng(seed)
    df = rng.uniform(2.5, 30.0, size=shape) if df is None else np.broadcast_to(df, shape)
    loc = rng.normal(0.0, 5.0, size=shape)
    scale = rng.uniform(0.05, 4.0, size=shape)
    return StudentTDistribution(df=df, loc=loc, scale=scale), stats.t(df, loc, scale)


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


def test_moments_that_do_not_exist_follow_scipy():
    df = np.array([0.3, 1.0, 1.5, 2.0, 2.5])
    dist, frozen = make((5,), df=df)
    mean, var = dist.mean(), dist.var()
    np.testing.assert_array_equal(mean, frozen.mean())
    np.testing.assert_array_equal(var, frozen.var())
    assert np.all(np.isinf(mean[:2])) and np.all(np.isfinite(mean[2:]))
    assert np.all(np.isnan(var[:2])) and np.all(np.isinf(var[2:4])) and np.isfinite(var[4])
    # The location is always the mode and median, whatever the tails.
    close(dist.median(), dist.params["loc"])
    close(dist.mode(), dist.params["loc"])
    close(dist.ppf(0.75), frozen.ppf(0.75))


def test_rvs_is_scipy_sampling():
    dist, frozen = make((5,))
    draws = dist.rvs(size=4000, random_state=3)
    assert draws.shape == (4000, 5)
    np.testing.assert_array_equal(draws, frozen.rvs(size=(4000, 5), random_state=3))
    params = dist.params
    for j in range(5):
        law = stats.t(params["df"][j], params["loc"][j], params["scale"][j])
        assert stats.kstest(draws[:, j], law.cdf).pvalue > 1e-4


# -- (b) the torch loss against the numpy distribution ---------------------------------
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_nll_matches_log_likelihood(n_outputs):
    rng = np.random.default_rng(5)
    y = 1.0 + 2.0 * rng.standard_t(3.0, size=(300, n_outputs))
    y = y[:, 0] if n_outputs == 1 else y
    family = get_family("student_t").fit(y)
    raw = rng.normal(0.0, 1.5, size=(300, sum(family.n_raw_)))
    # Spread the df raw outputs from df near the floor to df near 1e5.
    raw[:, 2 * family.n_outputs_ :] = rng.uniform(-6.0, 11.5, size=(300, family.n_outputs_))
    raw = torch.as_tensor(raw)
    dist = family.distribution({k: v.numpy() for k, v in family.link(raw).items()})
    y_new = 1.0 + 2.0 * rng.standard_t(3.0, size=y.shape)
    nll = family.nll(raw, torch.as_tensor(family.transform_target(y_new))).numpy()
    np.testing.assert_allclose(nll, -dist.log_likelihood(y_new), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("df", [DF_FLOOR, 0.5, 3.0, 99.0, 101.0, 1e4, 1e6])
def test_log_density_is_accurate_in_both_precisions(df):
    # The one log-density is the float32 training loss and the float64 score.
    z = np.linspace(-30.0, 30.0, 61)
    expected = stats.t.logpdf(z, df)
    for dtype, tol in ((torch.float64, 1e-10), (torch.float32, 1e-4)):
        full = lambda value, dtype=dtype: torch.full((61,), value, dtype=dtype)  # noqa: E731
        value = t_log_density(torch.as_tensor(z, dtype=dtype), full(df), full(0.0), full(1.0))
        np.testing.assert_allclose(value.numpy(), expected, rtol=tol, atol=tol)


def test_start_caps_df_when_the_marginal_is_light_tailed():
    # A uniform target is lighter-tailed than any t: its best constant df is infinite.
    y = np.random.default_rng(6).uniform(-1.0, 1.0, size=2000)
    family = StudentTFamily().fit(y)
    df = DF_FLOOR + math.exp(family.initial_raw_[2])
    close(df, DF_START_MAX)
    # Heavy tails are kept: a Cauchy sample starts near df = 1.
    y = np.random.default_rng(7).standard_cauchy(size=4000)
    family = StudentTFamily().fit(y)
    assert 0.7 < DF_FLOOR + math.exp(family.initial_raw_[2]) < 1.4


# -- (c) recovery of the generating model ----------------------------------------------
TRUE_DF = 3.0


def simulate(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(n, 2))
    loc = np.sin(1.5 * X[:, 0]) + 0.5 * X[:, 1]
    scale = 0.2 + 0.15 * (X[:, 0] + 2.0)
    y = loc + scale * rng.standard_t(TRUE_DF, size=n)
    return X, y, -stats.t.logpdf(y, TRUE_DF, loc, scale).mean()


def test_recovers_generating_model():
    X, y, _ = simulate(5000, 0)
    X_test, y_test, true_nll = simulate(50000, 1)
    model = StudentTMLPRegressor(random_state=0).fit(X, y)
    gap = model.nll(X_test, y_test) - true_nll
    assert gap < 0.05, gap  # measured: 0.017
    df = model.predict_dist(X_test[:100]).params["df"]
    assert np.all(df == df[0])  # one learned constant
    assert 2.0 < df[0] < 8.0, df[0]  # measured: 4.95 (true 3)


# -- (d) errors ------------------------------------------------------------------------
def test_non_finite_targets_raise():
    with pytest.raises(TargetSupportError, match="student_t"):
        StudentTFamily().fit(np.array([1.0, -np.inf, 2.0]))
    with pytest.raises(ValueError):
        StudentTMLPRegressor(max_iter=2).fit(np.zeros((3, 1)), [0.0, np.nan, 1.0])
    with pytest.raises(ValueError, match="shape"):
        make((4,))[0].cdf(np.zeros((4, 2)))


# -- (e) the estimator's outputs -------------------------------------------------------
def test_predict_shapes_and_score():
    rng = np.random.default_rng(8)
    X = pd.DataFrame(rng.normal(size=(120, 3)), columns=list("abc"),
                     index=[f"r{i}" for i in range(120)])
    y = X["a"].to_numpy() + 0.3 * rng.standard_t(2.0, size=120)
    model = StudentTMLPRegressor(max_iter=20, width=16, random_state=0).fit(X, y)
    dist = model.predict_dist(X)
    assert isinstance(dist, StudentTDistribution) and len(dist) == 120
    assert list(dist.to_frame().columns) == ["df", "loc", "scale"]
    assert dist.to_frame().index.equals(X.index)
    close(model.predict(X), dist.params["loc"])
    point, std = model.predict(X, return_std=True)
    assert point.shape == std.shape == (120,)
    close(model.score(X, y), dist.log_likelihood(y).mean())
    Y = np.column_stack([y, 2 * y])
    model2 = StudentTMLPRegressor(max_iter=20, width=16, random_state=0).fit(X, Y)
    dist2 = model2.predict_dist(X)
    assert model2.predict(X).shape == (120, 2) and dist2.batch_shape == (120, 2)
    assert dist2.params["df"].shape == (120, 2)
    assert np.isfinite(model2.score(X, Y))


# -- (f) far tails and moments that do not exist ----------------------------------------
def test_logpdf_matches_scipy_wherever_scipy_is_finite():
    # df from the floor to the cap, residuals from 1e-3 to 1e6 scales.
    rng = np.random.default_rng(9)
    n = 5000
    df = np.exp(rng.uniform(np.log(DF_FLOOR), np.log(1e6), n))
    loc = rng.normal(0.0, 10.0, n) * 10.0 ** rng.integers(-5, 5, n)
    scale = np.exp(rng.normal(0.0, 3.0, n))
    y = loc + scale * rng.standard_t(np.maximum(df, 0.5)) * 10.0 ** rng.integers(-3, 6, n)
    expected = stats.t.logpdf(y, df, loc=loc, scale=scale)
    assert np.isfinite(expected).all()
    actual = StudentTDistribution(df=df, loc=loc, scale=scale).logpdf(y)
    # scipy's normalising constant loses ~1e-11 for df in the hundreds to tens of
    # thousands; there mpmath decides, and skprob's is exact to rounding.
    np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-10)
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    for i in np.flatnonzero(~np.isclose(actual, expected, rtol=1e-14, atol=1e-14))[:100]:
        v, m, s, t = (mpmath.mpf(float(a)) for a in (df[i], loc[i], scale[i], y[i]))
        z = (t - m) / s
        exact = (mpmath.loggamma((v + 1) / 2) - mpmath.loggamma(v / 2) - mpmath.log(s)
                 - mpmath.log(v * mpmath.pi) / 2 - (v + 1) / 2 * mpmath.log1p(z * z / v))
        assert actual[i] == pytest.approx(float(exact), rel=1e-14, abs=1e-14), i


@pytest.mark.parametrize(
    ("y", "df", "loc", "scale", "expected"),
    [
        # The far-X case of test_properties: z ~ 2e303, where scipy gives -inf.
        (0.0, 10.0501, -6.3563e297, 3.1518e-06, -7692.748118572734),
        # y - loc itself overflows.
        (1.7e308, 3.0, -1.7e308, 1e-300, -4912.810184262081),
        (1e200, DF_FLOOR, 0.0, 1.0, -470.4504226488951),
        (1e300, 0.5, 0.0, 1.0, -1037.993685158652),
    ],
)
def test_logpdf_is_finite_far_in_the_tails(y, df, loc, scale, expected):
    # Expected values from mpmath at 60 digits (the textbook formula); scipy's is -inf.
    with np.errstate(all="ignore"):
        assert stats.t.logpdf(y, df, loc=loc, scale=scale) == -np.inf
    dist = StudentTDistribution(df=[df], loc=[loc], scale=[scale])
    np.testing.assert_allclose(dist.logpdf([y]), [expected], rtol=1e-13)


def test_logpdf_far_tail_is_the_limit_of_scipy():
    # Just inside scipy's range the two forms agree; beyond it the far form goes on.
    df, z = 4.0, np.array([1e100, 1e150, 1e200, 1e300])
    actual = StudentTDistribution(df=np.full(4, df), loc=np.zeros(4), scale=np.ones(4)).logpdf(z)
    close(actual[:2], stats.t.logpdf(z[:2], df), atol=1e-9)
    slope = np.diff(actual) / np.diff(np.log(z))
    close(slope, np.full(3, -(df + 1.0)), atol=1e-9)  # log density ~ -(df + 1) log|z|


def test_undefined_moments_are_reported_not_returned():
    dist = StudentTDistribution(df=[0.5, 1.5, 3.0], loc=[0.0, 0.0, 0.0], scale=[1.0, 1.0, 1.0])
    assert "df <= 1" in dist._undefined("mean")
    assert "infinite" in dist._undefined("std") and "interval" in dist._undefined("std")
    assert dist._undefined("mode") is None and dist._undefined("median") is None
    assert dist[2:]._undefined("std") is None and dist[1:]._undefined("mean") is None


@pytest.fixture(scope="module")
def heavy_model():
    # Three rows push the constant model's df down to the floor's neighbourhood (df < 1).
    X = np.random.default_rng(0).normal(size=(3, 1))
    y = StudentTFamily.example_target(3, 0)
    model = StudentTMLPRegressor(max_iter=3, width=4, random_state=0).fit(X, y)
    assert np.all(model.predict_dist(X).params["df"] <= 1.0)
    return model, X


def test_predict_refuses_std_and_mean_that_do_not_exist(heavy_model):
    model, X = heavy_model
    dist = model.predict_dist(X)
    np.testing.assert_array_equal(model.predict(X), dist.params["loc"])  # the mode
    with pytest.raises(ValueError, match=r"standard deviation.*infinite.*df = .*interval"):
        model.predict(X, return_std=True)
    with pytest.raises(ValueError, match=r"mean .* undefined for df <= 1.*prediction='mode'"):
        copy.deepcopy(model).set_params(prediction="mean").predict(X)
    # The distribution itself keeps scipy's conventions.
    assert np.all(np.isinf(dist.mean())) and np.all(np.isnan(dist.std()))
    lower, upper = dist.interval(0.9)
    assert np.all(np.isfinite(lower) & np.isfinite(upper) & (lower < upper))


def test_ensemble_of_heavy_tailed_members_refuses_std(heavy_model):
    _, X = heavy_model
    member = StudentTMLPRegressor(max_iter=3, width=4)
    model = DeepEnsembleRegressor(member, n_estimators=2, random_state=0)
    model.fit(X, StudentTFamily.example_target(3, 0))
    with pytest.raises(ValueError, match="mean"):
        model.predict(X)  # the ensemble predicts the mean by default
    model.set_params(prediction="median")
    assert np.all(np.isfinite(model.predict(X)))
    with pytest.raises(ValueError, match="standard deviation"):
        model.predict(X, return_std=True)


def test_std_of_huge_scales_does_not_overflow():
    # scipy's var is scale**2 * df / (df - 2): inf beyond scale ~1e154, where the std is not.
    dist = StudentTDistribution(df=[10.0, 1.5, 0.5], loc=[1e200, 0.0, 0.0],
                                scale=[1.7e181, 1.0, 1.0])
    close(dist.std()[0] / 1.7e181, math.sqrt(10.0 / 8.0), atol=1e-15)
    assert dist.var()[0] == np.inf  # beyond 1.8e308: inf is the rounded value
    assert dist.std()[1] == np.inf and np.isnan(dist.std()[2])  # scipy's conventions


def test_constant_huge_target_gets_a_tight_finite_spread():
    # The mean of five 1e200 rounds off by ~1e184; the target's spread is still 0.
    X = np.random.default_rng(5).normal(size=(5, 2))
    model = StudentTMLPRegressor(max_iter=3, width=4, random_state=0).fit(X, np.full(5, 1e200))
    point, std = model.predict(X, return_std=True)
    np.testing.assert_array_equal(point, np.full(5, 1e200))
    assert np.all(np.isfinite(std) & (std < 1.0))


@pytest.mark.parametrize("y", [[1e200, 10.3, 12.1, 6.4], [1e300, *range(9)]])
def test_fit_refuses_outliers_beyond_float32_training(y):
    # Robust standardisation puts 1e200 ~1e199 IQRs out: float32 cannot square that.
    X = np.zeros((len(y), 1))
    with pytest.raises(TargetSupportError, match=r"'student_t'.*e\+(200|300).*robust standard"):
        StudentTMLPRegressor(max_iter=2).fit(X, y)
    # Within the limit the family fits, whatever the magnitude of the target.
    family = StudentTFamily().fit(np.array([1.7e308, -1.7e308, 0.0, 1.0]))
    assert np.all(np.isfinite(family.initial_raw_))
