"""The histogram family's exact summaries, at any magnitude of the target."""

import numpy as np
import pytest
from scipy import integrate

from skprob.families.histogram import HistogramDistribution


def make(scale=1.0, shift=0.0):
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(6), size=3)
    edges = np.array([-1.0, 0.0, 0.5, 2.0, 3.0]) * scale + shift
    return HistogramDistribution(log_probs=np.log(probs), edges=edges,
                                 tail_scales=np.array([0.7, 1.5]) * scale)


def test_mean_and_variance_are_the_integrals_of_the_density():
    dist = make()
    for row in range(3):
        one = dist[row:row + 1]
        pieces = [-np.inf, *one.edges, np.inf]

        def moment(k, one=one, pieces=pieces):
            return sum(integrate.quad(lambda y: y**k * float(one.pdf([y])[0]), a, b)[0]
                       for a, b in zip(pieces[:-1], pieces[1:], strict=True))

        assert moment(0) == pytest.approx(1.0, abs=1e-9)
        assert one.mean()[0] == pytest.approx(moment(1), abs=1e-8)
        assert one.var()[0] == pytest.approx(moment(2) - moment(1) ** 2, abs=1e-7)


@pytest.mark.parametrize("scale", [1e-300, 1e160, 1e200, 1e300])
def test_spread_scales_with_the_target_without_overflow(scale):
    """Targets near 1e200 gave NaN std: the squares of the edges overflow."""
    reference, dist = make(), make(scale)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_allclose(dist.std(), reference.std() * scale, rtol=1e-12)
        np.testing.assert_allclose(dist.mean(), reference.mean() * scale, rtol=1e-12)
    expected_var = reference.var() * scale * scale if scale < 1e154 else np.inf
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(dist.var(), expected_var, rtol=1e-12)


def test_variance_of_a_shifted_histogram_keeps_its_digits():
    reference, far = make(), make(shift=1e6)
    np.testing.assert_allclose(far.var(), reference.var(), rtol=1e-6)
