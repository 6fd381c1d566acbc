"""Log-normal distribution: positive targets with a heavy right tail, ``log(y)`` normal.

The network predicts the median ``exp(mu)`` (a log link, so its output is
``mu``) and the standard deviation ``sigma`` of ``log(y)`` (softplus with a
floor). Targets are divided by their weighted mean; the median follows the
target's units and ``sigma`` is unit-free.
"""

import math

import numpy as np
import torch
from scipy import stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import ScipyDistribution
from ..exceptions import TargetSupportError
from ._base import Family, Parameter
from ._links import Exp, Softplus
from ._numerics import weighted_mean_std
from ._scaling import DivideByMean
from ._support import PositiveReals

__all__ = ["LogNormalDistribution", "LogNormalFamily", "LogNormalMLPRegressor",
           "check_log_representable"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
#: Smallest positive normal float32, the precision of the training loop.
_FLOAT32_TINY = float(np.finfo(np.float32).tiny)


def check_log_representable(family, y):
    """Refuse targets whose ratio to the column mean float32 cannot take the log of.

    Training sees ``y / mean`` in float32; below float32's smallest normal number
    it loses its digits or rounds to 0, whose log is ``-inf``.
    """
    lost = y / family.scale_ < _FLOAT32_TINY
    if lost.any():
        values = np.unique(y[lost])[:5]
        raise TargetSupportError(
            f"The {family.name!r} family cannot be fitted on y spanning this many orders of "
            f"magnitude: {int(lost.sum())} value(s) of y, e.g. {values.tolist()}, are below "
            f"{_FLOAT32_TINY:.3g} times the mean of their column ({family.scale_.tolist()}), "
            "the smallest ratio that training in float32 keeps. Expected y within that range: "
            "model log(y) with the 'normal' family, or raise the smallest values."
        )


def _log_residual(y, params):
    return (torch.log(y) - torch.log(params["median"])) / params["sigma"]


class LogNormalDistribution(ScipyDistribution):
    """Log-normal distributions: ``log(y)`` is normal with mean ``log(median)`` and sd ``sigma``.

    As :data:`scipy.stats.lognorm` with ``s=sigma`` and ``scale=median``.

    Parameters
    ----------
    median, sigma : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Medians (positive, in the target's units) and log-scale standard deviations.

    Examples
    --------
    >>> from skprob.families.lognormal import LogNormalDistribution
    >>> dist = LogNormalDistribution(median=[1.0], sigma=[0.5])
    >>> dist.mean().round(4), dist.mode().round(4), dist.median()
    (array([1.1331]), array([0.7788]), array([1.]))
    """

    param_names = ("median", "sigma")
    support = PositiveReals()
    param_units = {"median": "scale"}

    @staticmethod
    def log_density(params, y):
        log_y = torch.log(y)
        z = (log_y - torch.log(params["median"])) / params["sigma"]
        return -0.5 * z * z - torch.log(params["sigma"]) - log_y - _HALF_LOG_2PI

    @staticmethod
    def log_cdf(params, y):
        return torch.special.log_ndtr(_log_residual(y, params))

    @staticmethod
    def log_sf(params, y):
        return torch.special.log_ndtr(-_log_residual(y, params))

    def _scipy(self):
        return stats.lognorm(s=self._params["sigma"], scale=self._params["median"])

    def _sigma_squared(self):
        with np.errstate(over="ignore"):  # inf for sigma beyond 1.3e154: the moments are inf
            return self._params["sigma"] ** 2

    def _median_times(self, log_factor, power=1):
        """``median ** power * exp(log_factor)``, inf where it exceeds the float range.

        Summed in log space, so a factor that overflows on its own (``exp(inf)``) times
        a median that is 0 after underflow gives 0 rather than NaN.
        """
        median = self._params["median"]
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            product = np.exp(power * np.log(median) + log_factor)
        return np.where(median > 0, product, 0.0)

    def mean(self):
        return self._median_times(0.5 * self._sigma_squared())

    def var(self):
        s2 = self._sigma_squared()
        with np.errstate(over="ignore"):  # inf only where the variance exceeds 1.8e308
            return self._median_times(s2 + np.log(np.expm1(s2)), power=2)

    def std(self):
        s2 = self._sigma_squared()
        with np.errstate(over="ignore"):
            return self._median_times(0.5 * (s2 + np.log(np.expm1(s2))))

    def median(self):
        return self._params["median"].copy()

    def mode(self):
        return self._median_times(-self._sigma_squared())

    def _undefined(self, statistic):
        if statistic in ("mean", "var", "std"):
            value = getattr(self, statistic)()
            if not np.all(np.isfinite(value)):
                return (f"The {statistic} of a log-normal with sigma "
                        f"{float(np.max(self._params['sigma'])):.3g} exceeds the float range; "
                        "use prediction='median' or 'mode'.")
        return None


class LogNormalFamily(Family):
    """Log-normal likelihood: log link for the median, softplus with a floor for sigma."""

    name = "lognormal"
    distribution_class = LogNormalDistribution
    target_scaling = DivideByMean()
    params = {"median": Parameter(Exp()), "sigma": Parameter(Softplus())}

    def check_fit_target(self, y, sample_weight):
        check_log_representable(self, y)

    def initial_params(self, y, sample_weight):  # the MLE: mean and sd of log(y)
        mean, std = weighted_mean_std(np.log(y), sample_weight)
        return {"median": np.exp(mean), "sigma": np.maximum(std, 1e-3)}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return np.random.default_rng(random_state).lognormal(1.0, 0.8, size=n_samples)


@fill_doc
class LogNormalMLPRegressor(MLPDistributionRegressor):
    """MLP regression for positive, right-skewed targets with a log-normal likelihood.

    The network predicts the median and the log-scale standard deviation
    ``sigma``, both depending on x: a normal model of ``log(y)`` whose
    likelihood, quantiles and moments are in the units of ``y`` (the mean
    ``median * exp(sigma**2 / 2)``, not ``exp`` of the mean log). Targets must
    be positive. A 2-D ``y`` is modelled as independent outputs.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`: the mode ``median * exp(-sigma**2)``
        (``"auto"``), the mean or the median.

    See Also
    --------
    GammaMLPRegressor : positive targets with a lighter right tail.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import LogNormalMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(300, 1))
    >>> y = np.exp(1.0 + X[:, 0] + 0.5 * rng.standard_normal(300))
    >>> model = LogNormalMLPRegressor(max_iter=30, random_state=0).fit(X, y)
    >>> sorted(model.predict_dist(X[:2]).params)
    ['median', 'sigma']
    """

    family = LogNormalFamily
