"""Weibull distribution: positive targets (lifetimes, sizes, wind speeds), scale and shape from x.

The network predicts the scale ``lambda`` (log link) and the shape ``k``
(softplus with a floor). Targets are divided by their weighted mean; the scale
follows the target's units and the shape is unit-free.
"""

import math

import numpy as np
import torch
from scipy import special, stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import ScipyDistribution
from ._base import Family, Parameter
from ._cdf import log1mexp
from ._links import Exp, Softplus
from ._numerics import weighted_mean_std
from ._scaling import DivideByMean
from ._support import PositiveReals
from .lognormal import check_log_representable

__all__ = ["WeibullDistribution", "WeibullFamily", "WeibullMLPRegressor"]

_EULER_GAMMA = 0.5772156649015329


def weibull_log_density(y, scale, shape):
    """Weibull log-density (torch) for ``y > 0``.

    ``(y / scale) ** shape`` is ``exp(shape * log(y / scale))`` with the exponent
    kept below the log of the largest float: beyond it the log-density is below
    ``-1e38`` (float32) or ``-1e307`` (float64) and only its finiteness matters.
    """
    log_ratio = torch.log(y) - torch.log(scale)
    largest = math.log(torch.finfo(y.dtype).max) - 1.0
    power = torch.exp((shape * log_ratio).clamp(max=largest))
    return torch.log(shape) - torch.log(scale) + (shape - 1.0) * log_ratio - power


def _cumulative_hazard(y, scale, shape):
    """``(y / scale) ** shape`` (torch), kept below the largest float (see above)."""
    largest = math.log(torch.finfo(y.dtype).max) - 1.0
    return torch.exp((shape * (torch.log(y) - torch.log(scale))).clamp(max=largest))


#: Below this ``1 / shape`` the variance comes from the series of ``lgamma(1 + x)``.
_SERIES_BELOW = 1e-2
#: Terms of that series kept: the next is below ``1e-16`` of the first.
_SERIES_TERMS = 8

class WeibullDistribution(ScipyDistribution):
    """Weibull distributions with scale ``scale`` and shape ``shape``.

    As :data:`scipy.stats.weibull_min` with ``c=shape``: mean
    ``scale * Gamma(1 + 1/shape)``, cdf ``1 - exp(-(y / scale)**shape)``.

    Parameters
    ----------
    scale, shape : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Scales (positive, in the target's units) and shapes (positive).

    Examples
    --------
    >>> from skprob.families.weibull import WeibullDistribution
    >>> dist = WeibullDistribution(scale=[2.0], shape=[1.0])
    >>> dist.mean(), dist.mode(), dist.cdf([2.0]).round(4)
    (array([2.]), array([0.]), array([0.6321]))
    """

    param_names = ("scale", "shape")
    support = PositiveReals()
    param_units = {"scale": "scale"}

    @staticmethod
    def log_density(params, y):
        return weibull_log_density(y, params["scale"], params["shape"])

    @staticmethod
    def log_sf(params, y):
        return -_cumulative_hazard(y, params["scale"], params["shape"])

    @staticmethod
    def log_cdf(params, y):
        return log1mexp(-_cumulative_hazard(y, params["scale"], params["shape"]))

    def _scipy(self):
        return stats.weibull_min(c=self._params["shape"], scale=self._params["scale"])

    def mean(self):
        with np.errstate(over="ignore"):
            return self._params["scale"] * special.gamma(1.0 + 1.0 / self._params["shape"])

    def _unit_var(self):
        """Variance of the Weibull of scale one, ``Gamma(1 + 2/k) - Gamma(1 + 1/k)**2``."""
        x = 1.0 / self._params["shape"]
        g2 = special.gammaln(1.0 + 2.0 * x)
        # 2 lgamma(1 + x) - lgamma(1 + 2x) from the series of lgamma(1 + x) where x is
        # small: the terms linear in x cancel exactly there, while rounding 1 + x leaves an
        # error larger than the difference (a negative variance) for shapes near 1e8.
        small = x < _SERIES_BELOW
        xs = np.where(small, x, 0.0)
        series = sum((-1.0) ** n * special.zeta(n) / n * (2.0 - 2.0**n) * xs**n
                     for n in range(2, _SERIES_TERMS + 2))
        log_ratio = np.where(small, series, 2.0 * special.gammaln(1.0 + x) - g2)
        with np.errstate(over="ignore"):
            return np.maximum(np.exp(g2) * -np.expm1(log_ratio), 0.0)

    def var(self):
        with np.errstate(over="ignore"):  # beyond 1.8e308 inf is the correctly rounded var
            return self._params["scale"] ** 2 * self._unit_var()

    def std(self):
        return self._params["scale"] * np.sqrt(self._unit_var())

    def median(self):
        return self._params["scale"] * np.log(2.0) ** (1.0 / self._params["shape"])

    def mode(self):
        """``scale * ((k - 1) / k) ** (1 / k)`` for shape ``k > 1``; 0 otherwise."""
        k, scale = self._params["shape"], self._params["scale"]
        with np.errstate(divide="ignore", invalid="ignore"):
            inside = scale * ((k - 1.0) / k) ** (1.0 / k)
        return np.where(k > 1.0, inside, 0.0)

    def _undefined(self, statistic):
        if statistic in ("mean", "var", "std") and not np.all(
                np.isfinite(getattr(self, statistic)())):
            return (f"The {statistic} of a Weibull with shape "
                    f"{float(np.min(self._params['shape'])):.3g} exceeds the float range; use "
                    "prediction='median'.")
        return None


class WeibullFamily(Family):
    """Weibull likelihood: log link for the scale, softplus with a floor for the shape."""

    name = "weibull"
    distribution_class = WeibullDistribution
    target_scaling = DivideByMean()
    params = {"scale": Parameter(Exp()), "shape": Parameter(Softplus())}

    def check_fit_target(self, y, sample_weight):
        check_log_representable(self, y)

    def initial_params(self, y, sample_weight):
        # log(y) has a Gumbel distribution: sd pi / (k sqrt 6), mean log(scale) - gamma / k.
        mean, std = weighted_mean_std(np.log(y), sample_weight)
        shape = np.clip(np.pi / (np.sqrt(6.0) * np.maximum(std, 1e-6)), 1e-2, 1e3)
        return {"scale": np.exp(mean + _EULER_GAMMA / shape), "shape": shape}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return 2.0 * np.random.default_rng(random_state).weibull(1.5, size=n_samples)


@fill_doc
class WeibullMLPRegressor(MLPDistributionRegressor):
    """MLP regression for positive targets with a Weibull likelihood.

    The network predicts the scale (log link) and the shape (softplus), both
    depending on x; a shape below one gives a decreasing density (the mode is
    0), one the exponential, larger shapes a peak that sharpens. Targets must
    be positive. A 2-D ``y`` is modelled as independent outputs.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`: the mode (0 where the shape is at
        most one; also ``"auto"``), the mean ``scale * Gamma(1 + 1/shape)`` or
        the median ``scale * log(2) ** (1/shape)``.

    See Also
    --------
    GammaMLPRegressor, LogNormalMLPRegressor : other positive families.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import WeibullMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(300, 1))
    >>> y = np.exp(X[:, 0]) * rng.weibull(2.0, size=300)
    >>> model = WeibullMLPRegressor(max_iter=30, random_state=0).fit(X, y)
    >>> sorted(model.predict_dist(X[:2]).params)
    ['scale', 'shape']
    """

    family = WeibullFamily
