"""Laplace distribution: real targets with exponential tails, input-dependent scale.

The network predicts the location (the conditional median) and the scale
(softplus with a floor) of each output. The Laplace NLL is the absolute error
divided by the scale plus ``log(2 * scale)``, so the location is fitted like a
least-absolute-deviations regression: robust to outliers. Targets are
standardised internally; parameters and likelihoods are in the user's units.
"""

import math

import numpy as np
import torch
from scipy import stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import CenteredAtLoc, ScipyDistribution
from ._base import Family, Parameter
from ._links import Identity, Softplus
from ._numerics import weighted_quantile
from ._scaling import Standardize
from ._support import RealLine

__all__ = [
    "LaplaceDistribution",
    "LaplaceFamily",
    "LaplaceMLPRegressor",
]

_LOG_2 = math.log(2.0)


def _laplace_log_cdf(z):
    """Log cdf of the standard Laplace: ``z - log 2`` below 0, ``log1p(-exp(-z) / 2)`` above."""
    below = z < 0
    return torch.where(below, torch.where(below, z, torch.zeros_like(z)) - _LOG_2,
                       torch.log1p(-0.5 * torch.exp(-torch.where(below, torch.zeros_like(z), z))))


class LaplaceDistribution(CenteredAtLoc, ScipyDistribution):
    """Laplace distributions with location ``loc`` and scale ``scale``.

    The density is ``exp(-|y - loc| / scale) / (2 * scale)``: mean, median and
    mode are ``loc`` and the variance is ``2 * scale**2``. Every method agrees
    with :data:`scipy.stats.laplace`.

    Parameters
    ----------
    loc, scale : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Locations and (positive) scales.

    Examples
    --------
    >>> from skprob.families.laplace import LaplaceDistribution
    >>> dist = LaplaceDistribution(loc=[0.0, 5.0], scale=[1.0, 2.0])
    >>> dist.std().round(4)
    array([1.4142, 2.8284])
    >>> dist.cdf([0.0, 5.0])
    array([0.5, 0.5])
    >>> dist.interval(0.5)[1].round(4)
    array([0.6931, 6.3863])
    """

    param_names = ("loc", "scale")
    support = RealLine()
    param_units = {"loc": "location", "scale": "scale"}

    @staticmethod
    def log_density(params, y):
        scale = params["scale"]
        return -torch.abs(y - params["loc"]) / scale - torch.log(scale) - _LOG_2

    @staticmethod
    def log_cdf(params, y):
        return _laplace_log_cdf((y - params["loc"]) / params["scale"])

    @staticmethod
    def log_sf(params, y):
        return _laplace_log_cdf((params["loc"] - y) / params["scale"])

    def _scipy(self):
        return stats.laplace(loc=self._params["loc"], scale=self._params["scale"])




    def var(self):
        return 2.0 * self._params["scale"] ** 2

    def std(self):
        return math.sqrt(2.0) * self._params["scale"]


class LaplaceFamily(Family):
    """Laplace likelihood: identity link for the location, softplus for the scale.

    Each output has two raw network outputs, the location and the raw scale.
    The best constant model, where training starts, is the weighted median and
    the weighted mean absolute deviation from it.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.laplace import LaplaceFamily
    >>> family = LaplaceFamily().fit(np.array([1.0, 2.0, 3.0, 10.0]))
    >>> family.n_raw_
    (2, 0)
    """

    name = "laplace"
    distribution_class = LaplaceDistribution
    target_scaling = Standardize()
    params = {"loc": Parameter(Identity()), "scale": Parameter(Softplus())}

    def initial_params(self, y, sample_weight):
        median = weighted_quantile(y, sample_weight, [0.5])[0]
        spread = (sample_weight / sample_weight.sum()) @ np.abs(y - median)
        return {"loc": median, "scale": np.maximum(spread, 1e-3)}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return np.random.default_rng(random_state).laplace(10.0, 2.0, size=n_samples)


@fill_doc
class LaplaceMLPRegressor(MLPDistributionRegressor):
    """MLP regression with a Laplace likelihood whose location and scale depend on x.

    The network has two outputs per target: the location, which is the
    conditional median (and mean and mode), and the scale, through a softplus
    with a floor. Training minimises the Laplace NLL, a scale-weighted absolute
    error, which makes the fit robust to outliers and suits noise with
    exponential tails. A 2-D ``y`` is modelled as independent outputs.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`; ``"auto"`` is the mode. All are the
        location for the Laplace.

    See Also
    --------
    HeteroscedasticRegressor : the same with a normal likelihood.
    StudentTMLPRegressor : heavier, learned tails.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import LaplaceMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(300, 1))
    >>> y = 2 * X[:, 0] + rng.laplace(0.0, 0.1 + 0.5 * X[:, 0])
    >>> model = LaplaceMLPRegressor(max_iter=100, random_state=0).fit(X, y)
    >>> dist = model.predict_dist([[0.1], [0.9]])
    >>> bool(dist.std()[0] < dist.std()[1])
    True
    """

    family = LaplaceFamily
