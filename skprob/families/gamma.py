"""Gamma distribution: positive targets whose mean and shape both depend on x.

The network has two outputs per target: ``log(mean)`` (a log link, as in a
gamma GLM) and the shape through a softplus with a floor. The scale is
``mean / shape``. Mean and shape are orthogonal parameters of the gamma (their
Fisher information is diagonal), which keeps the two heads from fighting each
other during training. Targets are divided internally by their weighted mean.
"""

import math

import numpy as np
import torch
from scipy import optimize, special, stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import ScipyDistribution
from ..exceptions import TargetSupportError
from ._base import Family, Parameter
from ._cdf import log_gammainc, numpy_function
from ._links import Exp, Softplus
from ._scaling import DivideByMean
from ._support import PositiveReals

__all__ = ["GammaDistribution", "GammaFamily", "GammaMLPRegressor", "gamma_log_density"]

#: Largest starting shape: a constant target would otherwise ask for an infinite one.
_MAX_INITIAL_SHAPE = 1e6
#: Smallest positive normal float32, the precision of the training loop.
_FLOAT32_TINY = float(np.finfo(np.float32).tiny)


def gamma_log_density(y, shape, scale):
    """Gamma log-density (torch), 0 density outside ``y > 0``, finite for tiny ``y``.

    Written out rather than ``xlogy(shape - 1, y / scale)``: for a tiny ``y``
    (subnormal, say) ``y / scale`` underflows to 0 and the log is ``-inf``, while
    ``log(y) - log(scale)`` is finite. The ratio's own log is kept where the ratio
    is a normal number, as it is exact when ``y`` and ``scale`` nearly cancel.
    scipy's density exists at 0 (infinite when ``shape < 1``); the support, ``y >
    0``, excludes it.
    """
    ratio = y / scale
    exact = (ratio >= torch.finfo(ratio.dtype).tiny) & (ratio < math.inf)
    log_ratio = torch.where(
        exact, torch.log(torch.where(exact, ratio, torch.ones_like(ratio))),
        torch.log(y) - torch.log(scale),
    )
    return (shape - 1.0) * log_ratio - ratio - torch.lgamma(shape) - torch.log(scale)


def _log_gamma_cdf(y, shape, scale):
    return log_gammainc(shape, np.maximum(y, 0.0) / scale)


def _log_gamma_sf(y, shape, scale):
    return log_gammainc(shape, np.maximum(y, 0.0) / scale, upper=True)


class GammaDistribution(ScipyDistribution):
    """Gamma distributions with shape ``shape`` and scale ``scale``.

    The maths follows :data:`scipy.stats.gamma` with ``a=shape``, ``loc=0``:
    the mean is ``shape * scale`` and the variance ``shape * scale**2``.

    Parameters
    ----------
    shape, scale : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Shapes and scales (positive).

    Examples
    --------
    >>> from skprob.families.gamma import GammaDistribution
    >>> dist = GammaDistribution(shape=[0.5, 3.0], scale=[2.0, 2.0])
    >>> dist.mean(), dist.mode()
    (array([1., 6.]), array([0., 4.]))
    """

    param_names = ("shape", "scale")
    support = PositiveReals()
    param_units = {"scale": "scale"}

    @staticmethod
    def log_density(params, y):
        return gamma_log_density(y, params["shape"], params["scale"])

    @staticmethod
    def log_cdf(params, y):
        return numpy_function(_log_gamma_cdf, y, params["shape"], params["scale"])

    @staticmethod
    def log_sf(params, y):
        return numpy_function(_log_gamma_sf, y, params["shape"], params["scale"])

    def _scipy(self):
        return stats.gamma(a=self._params["shape"], scale=self._params["scale"])

    def mean(self):
        return self._params["shape"] * self._params["scale"]

    def var(self):
        with np.errstate(over="ignore"):  # inf only where the variance exceeds 1.8e308
            return self.mean() * self._params["scale"]

    def std(self):
        # Not sqrt(var): the variance overflows beyond scale ~1e154, the std does not.
        return np.sqrt(self._params["shape"]) * self._params["scale"]

    def mode(self):
        """``(shape - 1) * scale`` for ``shape >= 1``; 0 otherwise.

        For ``shape < 1`` the density is unbounded at 0 and decreasing, so 0 is
        returned.
        """
        shape, scale = self._params["shape"], self._params["scale"]
        return np.where(shape >= 1.0, (shape - 1.0) * scale, 0.0)

    def _sample(self, shape, rng):
        size = shape + self.batch_shape
        return rng.standard_gamma(self._params["shape"], size=size) * self._params["scale"]


def _shape_mle(s):
    """Shape ``a`` solving ``log(a) - digamma(a) = s`` (the gamma MLE), for ``s > 0``."""
    s = max(float(s), 1e-12)
    equation = lambda log_a: log_a - special.digamma(np.exp(log_a)) - s
    upper = np.log(_MAX_INITIAL_SHAPE)
    if equation(upper) > 0:
        return _MAX_INITIAL_SHAPE
    # log(a) - digamma(a) decreases from +inf (a -> 0) to 0 (a -> inf).
    return float(np.exp(optimize.brentq(equation, -40.0, upper, xtol=1e-12)))


class GammaFamily(Family):
    """Gamma likelihood: log link for the mean, softplus with a floor for the shape.

    The target is divided by its weighted mean per column (``loc_ = 0``,
    ``scale_`` = that mean). The output bias starts at the maximum-likelihood
    constant gamma of each column.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.gamma import GammaFamily
    >>> family = GammaFamily().fit(np.array([1.0, 2.0, 3.0, 6.0]))
    >>> family.n_raw_, family.scale_
    ((2, 0), array([3.]))
    """

    name = "gamma"
    distribution_class = GammaDistribution
    target_scaling = DivideByMean()
    # Mean and shape are orthogonal (diagonal Fisher information): the heads don't fight.
    params = {"mean": Parameter(Exp()), "shape": Parameter(Softplus())}

    def distribution_params(self, params):
        return {"shape": params["shape"], "scale": params["mean"] / params["shape"]}

    def check_fit_target(self, y, sample_weight):
        # Training sees y / mean in float32 and needs its log: a ratio below float32's
        # smallest normal number loses its digits or rounds to 0 (log 0 = -inf).
        lost = y / self.scale_ < _FLOAT32_TINY
        if lost.any():
            values = np.unique(y[lost])[:5]
            raise TargetSupportError(
                f"The 'gamma' family cannot be fitted on y spanning this many orders of "
                f"magnitude: {int(lost.sum())} value(s) of y, e.g. {values.tolist()}, are "
                f"below {_FLOAT32_TINY:.3g} times the mean of their column "
                f"({self.scale_.tolist()}), the smallest ratio that training in float32 keeps. "
                "Expected y within that range: model log(y) with the 'normal' family, or raise "
                "the smallest values."
            )

    def initial_params(self, y, sample_weight):
        w = sample_weight / sample_weight.sum()
        mean = w @ y
        # Profile likelihood of the shape: log(a) - digamma(a) = log(mean) - mean(log y).
        s = np.log(mean) - w @ np.log(y)
        return {"mean": mean, "shape": np.array([_shape_mle(value) for value in s])}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return np.random.default_rng(random_state).gamma(2.0, 3.0, size=n_samples)


@fill_doc
class GammaMLPRegressor(MLPDistributionRegressor):
    """MLP regression for positive targets with a gamma likelihood.

    The network has two outputs per target, ``log(mean)`` and the shape
    (softplus with a floor), so both the conditional mean and the coefficient
    of variation ``1 / sqrt(shape)`` depend on the input. Targets must be
    positive. A 2-D ``y`` is modelled as independent outputs.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`: the mode ``(shape - 1) * scale`` (0
        where the shape is below one; also ``"auto"``), the mean ``shape * scale``
        or the median.

    See Also
    --------
    ExponentialMLPRegressor : the gamma with its shape fixed at one.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import GammaMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(200, 1))
    >>> y = rng.gamma(shape=4.0, scale=np.exp(X[:, 0]) / 4.0)
    >>> model = GammaMLPRegressor(prediction="mean", max_iter=20, random_state=0)
    >>> dist = model.fit(X, y).predict_dist(X[:3])
    >>> sorted(dist.params), dist.mean().shape
    (['scale', 'shape'], (3,))
    """

    family = GammaFamily
