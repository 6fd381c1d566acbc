"""Beta distribution: proportions and rates strictly inside (0, 1).

The network predicts the mean through a logistic link and the precision
``a + b`` through a softplus with a floor (the mean/precision form of beta
regression), so both the expected proportion and its dispersion depend on x.
The concentrations are ``a = mean * precision`` and ``b = (1 - mean) *
precision``. Targets of exactly 0 or 1 have zero density under most betas and
are rejected with advice on how to move them inside the interval.
"""

import numpy as np
import torch
from scipy import special, stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import ScipyDistribution
from ._base import Family, Parameter
from ._cdf import log_betainc, numpy_function
from ._links import SCALE_FLOOR, Identity, Softplus
from ._support import UnitInterval

__all__ = ["BetaDistribution", "BetaFamily", "BetaMLPRegressor"]

#: The doubles nearest to 0 and 1 inside the open support.
_INSIDE = (np.nextafter(0.0, 1.0), np.nextafter(1.0, 0.0))
#: Range of the starting precision (a + b): a constant target would ask for an infinite one.
_INITIAL_PRECISION = (1e-2, 1e6)


def _log_beta_tails(y, a, b):
    """``(log cdf, log sf)`` at ``y`` clipped into [0, 1], each exact in its own small tail.

    Each is computed from the incomplete beta function directly where it is below
    one half, and as the log of one minus the other elsewhere, so that the digits of
    a tiny ``1 - y`` or ``y`` are never lost to ``1 - y`` rounding to 1.
    """
    y = np.clip(y, 0.0, 1.0)
    with np.errstate(divide="ignore"):
        log_y, log_1my = np.log(y), np.log1p(-y)
    direct_cdf = log_betainc(a, b, log_y, log_1my)
    direct_sf = log_betainc(b, a, log_1my, log_y)
    half = np.log(0.5)
    with np.errstate(divide="ignore"):  # at the ends: log(1 - 1) = -inf, the exact value
        log_cdf = np.where(direct_cdf < half, direct_cdf,
                           np.log1p(-np.exp(np.minimum(direct_sf, 0.0))))
        log_sf = np.where(direct_sf < half, direct_sf,
                          np.log1p(-np.exp(np.minimum(direct_cdf, 0.0))))
    return log_cdf, log_sf


def _log_beta_cdf(y, a, b):
    return _log_beta_tails(y, a, b)[0]


def _log_beta_sf(y, a, b):
    return _log_beta_tails(y, a, b)[1]


class BetaDistribution(ScipyDistribution):
    """Beta distributions on (0, 1) with concentrations ``a`` and ``b``.

    The maths follows :data:`scipy.stats.beta` with ``loc=0, scale=1``; the
    mean is ``a / (a + b)``. Draws from :meth:`rvs` lie strictly inside (0, 1),
    like the targets the family accepts.

    Parameters
    ----------
    a, b : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Concentrations (positive).

    Examples
    --------
    >>> from skprob.families.beta import BetaDistribution
    >>> dist = BetaDistribution(a=[2.0, 0.5, 3.0], b=[6.0, 2.0, 0.8])
    >>> dist.mean().round(3)
    array([0.25 , 0.2  , 0.789])
    >>> dist.mode().round(3)
    array([0.167, 0.   , 1.   ])
    """

    param_names = ("a", "b")
    support = UnitInterval()

    @staticmethod
    def log_density(params, y):
        # scipy's beta density exists at 0 and 1 (infinite when a or b < 1); the
        # support is the open interval, so the end points have density 0.
        beta = torch.distributions.Beta(params["a"], params["b"], validate_args=False)
        return beta.log_prob(y)

    @staticmethod
    def log_cdf(params, y):
        return numpy_function(_log_beta_cdf, y, params["a"], params["b"])

    @staticmethod
    def log_sf(params, y):
        return numpy_function(_log_beta_sf, y, params["a"], params["b"])

    def _scipy(self):
        return stats.beta(a=self._params["a"], b=self._params["b"])

    def _shares(self):
        """``a / (a + b)``, ``b / (a + b)`` and the larger concentration, free of overflow.

        Both are divided by the larger one first, so ``a + b`` is never formed
        beyond the largest double.
        """
        a, b = self._params["a"], self._params["b"]
        larger = np.maximum(a, b)
        a_unit, b_unit = a / larger, b / larger
        total_unit = a_unit + b_unit
        return a_unit / total_unit, b_unit / total_unit, larger

    def mean(self):
        return self._shares()[0]

    def var(self):
        # mean (1 - mean) / (a + b + 1); (a + b)**3 in the textbook form overflows for
        # concentrations beyond ~1e102. Dividing numerator and denominator by
        # max(larger, 1) keeps a + b + 1 finite for huge and exact for small ones.
        mean, complement, larger = self._shares()
        shrink = np.maximum(larger, 1.0)
        total = (self._params["a"] / shrink + self._params["b"] / shrink) + 1.0 / shrink
        return mean * complement / shrink / total

    def mode(self):
        """The most probable value: ``(a - 1) / (a + b - 2)`` when ``a > 1`` and ``b > 1``.

        Otherwise the density is largest (possibly unbounded) at an end of the
        interval and that end is returned: 0 when ``a < b``, 1 when ``a > b``.
        When ``a == b <= 1`` (uniform or a symmetric U shape) no single most
        probable value exists and 0.5, the mean and median, is returned.
        """
        a, b = self._params["a"], self._params["b"]
        interior = (a > 1.0) & (b > 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            inner = (a - 1.0) / (a + b - 2.0)
        edge = np.where(a < b, 0.0, np.where(a > b, 1.0, 0.5))
        return np.where(interior, inner, edge)

    def _sample(self, shape, rng):
        draws = rng.beta(self._params["a"], self._params["b"], size=shape + self.batch_shape)
        # Small concentrations put draws within 1e-308 of an end, which float64 rounds to
        # exactly 0 or 1, outside the support; the nearest doubles inside stand in for them.
        return np.clip(draws, *_INSIDE)


class BetaFamily(Family):
    """Beta likelihood in mean/precision form: logistic mean, softplus precision.

    Targets are not rescaled (they already live in (0, 1)). The starting
    output bias is the method-of-moments beta of each column, which fitting
    refines to the constant-model maximum likelihood.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.beta import BetaFamily
    >>> family = BetaFamily().fit(np.array([0.2, 0.5, 0.8]))
    >>> family.n_raw_, round(float(family.initial_raw_[0]), 6)
    ((2, 0), 0.0)
    """

    name = "beta"
    distribution_class = BetaDistribution
    params = {"logit_mean": Parameter(Identity()), "precision": Parameter(Softplus())}

    def distribution_params(self, params):
        logit, precision = params["logit_mean"], params["precision"]
        # sigmoid(-r) rather than 1 - sigmoid(r): the latter rounds to 0 in float32.
        return {
            "a": (torch.sigmoid(logit) * precision).clamp_min(SCALE_FLOOR),
            "b": (torch.sigmoid(-logit) * precision).clamp_min(SCALE_FLOOR),
        }

    def initial_params(self, y, sample_weight):
        w = sample_weight / sample_weight.sum()
        mean = w @ y
        var = w @ (y - mean) ** 2
        # Moments: var = mean (1 - mean) / (precision + 1); var < mean (1 - mean) inside (0, 1).
        with np.errstate(divide="ignore"):
            precision = mean * (1.0 - mean) / var - 1.0
        return {"logit_mean": special.logit(mean),
                "precision": np.clip(precision, *_INITIAL_PRECISION)}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return np.random.default_rng(random_state).beta(2.0, 5.0, size=n_samples)


@fill_doc
class BetaMLPRegressor(MLPDistributionRegressor):
    """MLP regression for proportions in (0, 1) with a beta likelihood.

    The network has two outputs per target: the mean (logistic link) and the
    precision ``a + b`` (softplus with a floor), so both the expected
    proportion and its spread depend on the input. Targets must lie strictly
    inside (0, 1); squeeze exact 0s and 1s first (the error message says how).
    A 2-D ``y`` is modelled as independent outputs.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`. The mode is ``(a - 1) / (a + b - 2)``
        when both concentrations exceed one, and an end of the interval
        otherwise (see :meth:`BetaDistribution.mode`); ``"mean"`` is
        ``a / (a + b)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import BetaMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(200, 1))
    >>> mean = 1 / (1 + np.exp(-2 * X[:, 0]))
    >>> y = rng.beta(20 * mean, 20 * (1 - mean))
    >>> model = BetaMLPRegressor(prediction="mean", max_iter=20, random_state=0)
    >>> pred = model.fit(X, y).predict(X[:3])
    >>> bool(((pred > 0) & (pred < 1)).all())
    True
    """

    family = BetaFamily
