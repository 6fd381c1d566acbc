"""Exact CRPS per family: skprob against scoringrules and against integrating the cdf.

For every distribution scoringrules covers, random parameters (seeded) and
observations from the bulk, the far tails (the 1e-9 and 1 - 1e-9 quantiles)
and outside the support are scored three ways: by skprob (``crps_values``), by
scoringrules called directly, and by numerical integration of
``(F(x) - 1{x >= y})**2`` with the family's scipy cdf. All agree to 1e-6
(relative, with an absolute floor of 1e-9 in the units of ``y``), except where
scoringrules itself is wrong, which the last tests pin down.
"""

import numpy as np
import pytest
import scoringrules as sr
from scipy import special, stats

from skprob.ensemble import EnsembleDistribution
from skprob.families.beta import BetaDistribution
from skprob.families.exponential import ExponentialDistribution
from skprob.families.gamma import GammaDistribution
from skprob.families.laplace import LaplaceDistribution
from skprob.families.mixture import GaussianMixtureDistribution
from skprob.families.normal import NormalDistribution
from skprob.families.poisson import PoissonDistribution
from skprob.families.student_t import StudentTDistribution
from skprob.metrics import crps, crps_values

RTOL, ATOL = 1e-6, 1e-9
N_ROWS = 8
#: Quantile levels of the observations: the far tails, the bulk, and the support's ends.
LEVELS = np.array([1e-9, 1e-4, 0.1, 0.5, 0.9, 1 - 1e-4, 1 - 1e-9])


_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)
#: Where the integral is cut into pieces: quantile levels, denser towards the tails.
_CUTS = special.expit(np.linspace(special.logit(1e-15), special.logit(1 - 1e-15), 121))


def integrate_cdf(cdf, ppf, y):
    """Integral of (F(x) - 1{x >= y})^2 over x by 64-point Gauss-Legendre on each piece.

    The pieces lie between the quantiles at ``_CUTS`` (and ``y``, the support's
    ends), so each holds a smooth stretch of the cdf; beyond the 1e-15 and
    1 - 1e-15 quantiles the integrand is below 1e-30 and left out.
    """
    points = ppf(_CUTS)
    ends = ppf(np.array([0.0, 1.0]))
    points = np.concatenate([points[np.isfinite(points)], [y], ends[np.isfinite(ends)]])
    points = np.unique(np.clip(points, min(points.min(), y), max(points.max(), y)))
    a, b = points[:-1, None], points[1:, None]
    x = 0.5 * (a + b) + 0.5 * (b - a) * _NODES
    above = 0.5 * (a + b) >= y  # each piece lies on one side of y
    integrand = np.where(above, (1.0 - cdf(x)) ** 2, cdf(x) ** 2)
    return float(np.sum(0.5 * (b - a)[:, 0] * (integrand @ _WEIGHTS)))


def sum_over_integers(cdf, y, upper):
    """The same integral for a distribution on the integers: the cdf is a step function."""
    points = np.unique(np.concatenate([np.arange(min(0.0, np.floor(y)), upper + 1), [y]]))
    left = points[:-1]
    return float(np.sum(np.diff(points) * (cdf(left) - (left >= y)) ** 2))


def random_rows(rng):
    """Per family: (skprob distribution, scipy frozen distributions, scoringrules call)."""
    loc, scale = rng.normal(0, 10, N_ROWS), np.exp(rng.uniform(-4, 4, N_ROWS))
    df = np.exp(rng.uniform(np.log(1.05), np.log(1e3), N_ROWS))
    shape = np.exp(rng.uniform(-2, 4, N_ROWS))
    a, b = np.exp(rng.uniform(-2, 3, (2, N_ROWS)))
    return {
        "normal": (NormalDistribution(loc=loc, scale=scale), stats.norm(loc, scale),
                   lambda y: sr.crps_normal(y, loc, scale)),
        "laplace": (LaplaceDistribution(loc=loc, scale=scale), stats.laplace(loc, scale),
                    lambda y: sr.crps_laplace(y, loc, scale)),
        "student_t": (StudentTDistribution(df=df, loc=loc, scale=scale), stats.t(df, loc, scale),
                      lambda y: sr.crps_t(y, df, loc, scale)),
        "exponential": (ExponentialDistribution(scale=scale), stats.expon(scale=scale),
                        lambda y: sr.crps_exponential(y, 1 / scale)),
        "gamma": (GammaDistribution(shape=shape, scale=scale), stats.gamma(shape, scale=scale),
                  lambda y: sr.crps_gamma(y, shape, scale=scale)),
        "beta": (BetaDistribution(a=a, b=b), stats.beta(a, b), lambda y: sr.crps_beta(y, a, b)),
    }


@pytest.mark.parametrize("family", ["normal", "laplace", "student_t", "exponential", "gamma",
                                    "beta"])
def test_continuous_families_match_scoringrules_and_integration(family):
    rng = np.random.default_rng(sorted(random_rows(np.random.default_rng(0))).index(family))
    dist, frozen, scoringrules = random_rows(rng)[family]
    for level in LEVELS:
        y = frozen.ppf(level)
        values = crps_values(y, dist)
        np.testing.assert_allclose(values, scoringrules(y), rtol=RTOL, atol=ATOL)
        for i in range(N_ROWS):
            args = {k: np.asarray(v)[i] for k, v in frozen.kwds.items()}
            one = frozen.dist(*[np.asarray(v)[i] for v in frozen.args], **args)
            expected = integrate_cdf(one.cdf, one.ppf, y[i])
            assert values[i] == pytest.approx(expected, rel=RTOL, abs=ATOL), (family, level, i)


def test_observations_outside_the_support():
    gamma = GammaDistribution(shape=[2.0], scale=[1.5])
    beta = BetaDistribution(a=[2.0], b=[3.0])
    for dist, frozen, y in [(gamma, stats.gamma(2.0, scale=1.5), -1.0),
                            (ExponentialDistribution(scale=[2.0]), stats.expon(scale=2.0), -1.0),
                            (beta, stats.beta(2.0, 3.0), -0.5), (beta, stats.beta(2.0, 3.0), 1.5)]:
        expected = integrate_cdf(frozen.cdf, frozen.ppf, y)
        assert crps_values([y], dist)[0] == pytest.approx(expected, rel=RTOL, abs=ATOL)
    # scoringrules has no value for a beta outside [0, 1]; the score there grows by the distance.
    assert np.isnan(sr.crps_beta(1.5, 2.0, 3.0))
    assert crps_values([1.5], beta)[0] == pytest.approx(crps_values([1.0], beta)[0] + 0.5)


@pytest.mark.parametrize("rate", [0.01, 1.0, 7.5, 150.0, 250.0, 400.0, 5000.0])
def test_poisson_matches_the_exact_sum_at_every_rate(rate):
    dist = PoissonDistribution(rate=np.full(6, rate))
    y = np.concatenate([stats.poisson(rate).ppf([1e-9, 0.5, 1 - 1e-9]), [-1.0, 2.5, 3 * rate]])
    values = crps_values(y, dist)
    upper = stats.poisson(rate).ppf(1 - 1e-15) + y.max() + 10
    for i in range(6):
        expected = sum_over_integers(stats.poisson(rate).cdf, y[i], upper)
        assert values[i] == pytest.approx(expected, rel=RTOL, abs=ATOL), (rate, y[i])
    # scoringrules' own evaluation of the same closed form, where it does not overflow
    # (observations above 170, rates above about 350): skprob is exact everywhere.
    with np.errstate(all="ignore"):
        reference = sr.crps_poisson(y, rate)
    finite = np.isfinite(reference)
    np.testing.assert_allclose(values[finite], reference[finite], rtol=RTOL, atol=ATOL)
    assert finite.all() == (rate < 50)


def test_normal_mixtures_and_ensembles_match_integration():
    rng = np.random.default_rng(7)
    loc = rng.normal(0, 5, (N_ROWS, 3))
    scale = np.exp(rng.uniform(-2, 2, (N_ROWS, 3)))
    log_weights = rng.normal(0, 2, (N_ROWS, 3))
    mixture = GaussianMixtureDistribution(log_weights=log_weights, loc=loc, scale=scale)
    weights = special.softmax(log_weights, axis=1)
    ensemble = EnsembleDistribution([NormalDistribution(loc=loc[:, j], scale=scale[:, j])
                                     for j in range(3)])
    for dist, w in [(mixture, weights), (ensemble, np.full((N_ROWS, 3), 1 / 3))]:
        y = dist.ppf(1e-6) - 10 * rng.uniform(size=N_ROWS) * (rng.uniform(size=N_ROWS) < 0.3)
        values = crps_values(y, dist)
        np.testing.assert_allclose(values, sr.crps_mixnorm(y, loc, scale, w), rtol=RTOL)
        for i in range(N_ROWS):
            def cdf(x, i=i, w=w):
                return np.sum(w[i] * special.ndtr((x[..., None] - loc[i]) / scale[i]), axis=-1)

            def ppf(q, i=i, dist=dist):
                return dist[i].ppf(q.reshape(-1, 1))[:, 0]

            expected = integrate_cdf(cdf, ppf, y[i])
            assert values[i] == pytest.approx(expected, rel=RTOL, abs=ATOL)


def test_student_t_rows_without_a_closed_form_use_quantiles():
    dist = StudentTDistribution(df=[0.8, 3.0], loc=[0.0, 0.0], scale=[1.0, 1.0])
    values = crps_values([0.5, 0.5], dist)
    # df = 0.8: the score exists (the tails decay as x^-1.6) but has no closed form here.
    assert np.isnan(sr.crps_t(0.5, 1.0, 0.0, 1.0))
    assert values[0] == pytest.approx(integrate_cdf(stats.t(0.8).cdf, stats.t(0.8).ppf, 0.5),
                                      rel=0.05)
    assert values[1] == pytest.approx(float(sr.crps_t(0.5, 3.0, 0.0, 1.0)), rel=RTOL)
    with pytest.raises(ValueError, match="1 rows of this StudentTDistribution have no exact"):
        crps_values([0.5, 0.5], dist, method="exact")


@pytest.mark.parametrize(("family", "bound"), [("normal", 2e-3), ("laplace", 2e-3),
                                                ("exponential", 2e-3), ("gamma", 2e-3),
                                                ("beta", 2e-3), ("student_t", 0.05)])
def test_quantile_route_against_the_exact_score(family, bound):
    # skprob's approximation, kept for families scoringrules lacks, checked where both exist:
    # within `bound` relative to the exact score, in the bulk and the tails.
    dist, frozen, _ = random_rows(np.random.default_rng(11))[family]
    for level in (1e-4, 0.3, 0.5, 0.95, 1 - 1e-4):
        y = frozen.ppf(level)
        exact = crps_values(y, dist)
        approx = crps_values(y, dist, method="quantile", n_levels=1000)
        np.testing.assert_allclose(approx, exact, rtol=bound)


def test_mean_score_sums_outputs_and_weights_rows():
    dist = GammaDistribution(shape=[[2.0, 3.0], [1.0, 0.5]], scale=[[1.0, 2.0], [0.5, 4.0]])
    y = np.array([[1.0, 4.0], [0.2, 9.0]])
    values = crps_values(y, dist)
    assert values.shape == (2, 2)
    assert crps(y, dist, sample_weight=[1.0, 3.0]) == pytest.approx(
        (values[0].sum() + 3 * values[1].sum()) / 4)
