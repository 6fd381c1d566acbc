"""Exponential distribution: positive durations and sizes, log link for the scale.

The network predicts ``log(scale)`` (the log of the mean) for each output, so
both the mean and the spread depend on the input (for the exponential the
standard deviation equals the mean). Targets are divided internally by their
weighted mean, so the network works near one whatever the target's units.
"""

import numpy as np
import torch
from scipy import stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import ScipyDistribution
from ._base import Family, Parameter
from ._cdf import log1mexp
from ._links import Exp
from ._scaling import DivideByMean
from ._support import PositiveReals

__all__ = ["ExponentialDistribution", "ExponentialFamily", "ExponentialMLPRegressor"]


class ExponentialDistribution(ScipyDistribution):
    """Exponential distributions with mean ``scale`` (rate ``1 / scale``).

    The maths follows :data:`scipy.stats.expon` with ``loc=0``: the density is
    ``exp(-y / scale) / scale`` for ``y >= 0``.

    Parameters
    ----------
    scale : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Means (positive).

    Examples
    --------
    >>> from skprob.families.exponential import ExponentialDistribution
    >>> dist = ExponentialDistribution(scale=[1.0, 4.0])
    >>> dist.mean(), dist.mode()
    (array([1., 4.]), array([0., 0.]))
    >>> dist.median().round(3)
    array([0.693, 2.773])
    """

    param_names = ("scale",)
    support = PositiveReals()
    param_units = {"scale": "scale"}

    @staticmethod
    def log_density(params, y):
        # scipy's exponential density exists at 0; the support, y > 0, excludes it.
        return -torch.log(params["scale"]) - y / params["scale"]

    @staticmethod
    def log_sf(params, y):
        return -torch.clamp(y, min=0.0) / params["scale"]

    @staticmethod
    def log_cdf(params, y):
        return log1mexp(-torch.clamp(y, min=0.0) / params["scale"])

    def _scipy(self):
        return stats.expon(scale=self._params["scale"])

    def mean(self):
        return self._params["scale"].copy()

    def var(self):
        return self._params["scale"] ** 2

    def std(self):
        return self._params["scale"].copy()

    def mode(self):
        # The density decreases from y = 0 on.
        return np.zeros_like(self._params["scale"])

    def median(self):
        return self._params["scale"] * np.log(2.0)

    def _sample(self, shape, rng):
        return self._params["scale"] * rng.standard_exponential(size=shape + self.batch_shape)


class ExponentialFamily(Family):
    """Exponential likelihood with a log link: ``log(scale)`` is the network output.

    The target is divided by its weighted mean per column (``loc_ = 0``,
    ``scale_`` = that mean); parameters and likelihoods are reported in the
    user's units.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.exponential import ExponentialFamily
    >>> family = ExponentialFamily().fit(np.array([1.0, 2.0, 6.0]))
    >>> family.scale_, family.initial_raw_
    (array([3.]), array([0.]))
    """

    name = "exponential"
    # The mode of every exponential is 0: "auto" predicts the mean instead.
    point_prediction = "mean"
    distribution_class = ExponentialDistribution
    target_scaling = DivideByMean()
    params = {"scale": Parameter(Exp())}

    def initial_params(self, y, sample_weight):
        # The maximum-likelihood constant scale is the weighted mean (one after scaling).
        return {"scale": (sample_weight / sample_weight.sum()) @ y}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return np.random.default_rng(random_state).exponential(3.0, size=n_samples)


@fill_doc
class ExponentialMLPRegressor(MLPDistributionRegressor):
    """MLP regression for positive targets with an exponential likelihood.

    The network predicts ``log(scale)``, the log of the conditional mean, so
    the model is heteroscedastic by construction (the standard deviation equals
    the mean); ``depth=0`` gives exponential regression with a log link (a
    GLM). Targets must be positive. A 2-D ``y`` is modelled as independent
    outputs.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`. The mode of an exponential is always
        0, so ``"auto"`` returns the mean.

    See Also
    --------
    GammaMLPRegressor : adds a shape parameter, so the spread is not tied to the mean.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import ExponentialMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(200, 1))
    >>> y = rng.exponential(np.exp(1.0 + X[:, 0]))
    >>> model = ExponentialMLPRegressor(prediction="mean", max_iter=20, random_state=0)
    >>> mean, std = model.fit(X, y).predict(X[:3], return_std=True)
    >>> mean.shape, bool(np.allclose(mean, std))
    ((3,), True)
    """

    family = ExponentialFamily
