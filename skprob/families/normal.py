"""Normal distribution: real targets, constant or input-dependent noise.

The network predicts the mean (and, for the heteroscedastic variant, the
standard deviation through a softplus with a floor). Targets are standardised
internally; parameters and likelihoods are returned in the user's units.
"""

import math

import numpy as np
import torch
from scipy import special, stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import CenteredAtLoc, ScipyDistribution
from ._base import Family, Parameter
from ._links import Identity, Softplus
from ._numerics import weighted_mean_std
from ._scaling import Standardize
from ._support import RealLine

__all__ = ["GaussianMLPRegressor", "HeteroscedasticRegressor", "NormalDistribution", "NormalFamily"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def standardized_residual(y, loc, scale):
    """``(y - loc) / scale`` (torch), infinite only where it truly exceeds the largest float.

    It comes from halves of ``y`` and ``loc``, whose difference cannot overflow.
    Halving and doubling are exact, so for numbers in the normal range this is
    ``(y - loc) / scale`` to the last bit.
    """
    return 2.0 * ((0.5 * y - 0.5 * loc) / scale)


def normal_log_density(y, loc, scale):
    """Normal log density in torch; ``-inf`` exactly where it is below the most negative double.

    Beyond ``|z| ~ 1.9e154`` (float64) the log density, about ``-z**2 / 2``, is below
    the most negative double: ``-inf`` is its correctly rounded value, so the
    overflow of the square is expected there.
    """
    z = standardized_residual(y, loc, scale)
    return -0.5 * z * z - torch.log(scale) - _HALF_LOG_2PI


class NormalDistribution(CenteredAtLoc, ScipyDistribution):
    """Normal distributions with mean ``loc`` and standard deviation ``scale``.

    Parameters
    ----------
    loc, scale : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Means and standard deviations.

    Examples
    --------
    >>> from skprob.families.normal import NormalDistribution
    >>> dist = NormalDistribution(loc=[0.0, 10.0], scale=[1.0, 2.0])
    >>> lower, upper = dist.interval(0.95)
    >>> upper.round(2)
    array([ 1.96, 13.92])
    """

    param_names = ("loc", "scale")
    support = RealLine()
    param_units = {"loc": "location", "scale": "scale"}

    @staticmethod
    def log_density(params, y):
        return normal_log_density(y, params["loc"], params["scale"])

    @staticmethod
    def log_cdf(params, y):
        return torch.special.log_ndtr(standardized_residual(y, params["loc"], params["scale"]))

    @staticmethod
    def log_sf(params, y):
        return torch.special.log_ndtr(-standardized_residual(y, params["loc"], params["scale"]))

    def _scipy(self):
        return stats.norm(loc=self._params["loc"], scale=self._params["scale"])




    def var(self):
        return self._params["scale"] ** 2

    def std(self):
        return self._params["scale"].copy()

    def ppf(self, q):
        return self._params["loc"] + self._params["scale"] * special.ndtri(q)

    def cdf(self, y):
        y = self._check_y(y)
        return special.ndtr((y - self._params["loc"]) / self._params["scale"])

    def sf(self, y):
        y = self._check_y(y)
        return special.ndtr((self._params["loc"] - y) / self._params["scale"])

    def crps(self, y):
        """Continuous ranked probability score of ``y``, in closed form (lower is better).

        The score is the integral over ``x`` of ``(F(x) - 1{x >= y})**2``. For a
        normal it has a closed form (Gneiting and Raftery, 2007): with the
        standardised error ``z = (y - loc) / scale``, the score is ``scale``
        times ``z * (2 * Phi(z) - 1) + 2 * phi(z) - 1 / sqrt(pi)``, where
        ``Phi`` and ``phi`` are the standard normal cdf and density.

        Parameters
        ----------
        y : array-like of shape (n_rows,) or (n_rows, n_outputs)
            Observed targets, one per row (and output).

        Returns
        -------
        ndarray of shape (n_rows,) or (n_rows, n_outputs)
            The score of each row (and output), in the units of ``y``.

        Examples
        --------
        >>> from skprob.families.normal import NormalDistribution
        >>> NormalDistribution(loc=[0.0, 0.0], scale=[1.0, 2.0]).crps([0.0, 0.0]).round(4)
        array([0.2337, 0.4674])
        """
        y = self._check_y(y)
        loc, scale = self._params["loc"], self._params["scale"]
        z = (y - loc) / scale
        density = np.exp(-0.5 * z * z - _HALF_LOG_2PI)
        spread = 1.0 / math.sqrt(math.pi)  # half the mean distance of two independent draws
        return scale * (z * (2.0 * special.ndtr(z) - 1.0) + 2.0 * density - spread)

    def _sample(self, shape, rng):
        noise = rng.standard_normal(size=shape + self.batch_shape)
        return self._params["loc"] + self._params["scale"] * noise


class NormalFamily(Family):
    """Normal likelihood with identity link for the mean and softplus for the scale.

    Parameters
    ----------
    heteroscedastic : bool, default=True
        Whether the standard deviation depends on the input (one network output
        per target) or is one learned constant per target.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.normal import NormalFamily
    >>> NormalFamily(heteroscedastic=False).fit(np.array([1.0, 2.0, 3.0])).n_raw_
    (1, 1)
    """

    name = "normal"
    distribution_class = NormalDistribution
    target_scaling = Standardize()

    def __init__(self, heteroscedastic=True):
        self.heteroscedastic = heteroscedastic

    def parameters(self):
        return {
            "loc": Parameter(Identity()),
            "scale": Parameter(Softplus(), depends_on_x=self.heteroscedastic),
        }

    def initial_params(self, y, sample_weight):
        mean, std = weighted_mean_std(y, sample_weight)
        return {"loc": mean, "scale": np.maximum(std, 1e-3)}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return 10.0 + 3.0 * np.random.default_rng(random_state).standard_normal(n_samples)


@fill_doc
class GaussianMLPRegressor(MLPDistributionRegressor):
    """MLP regression with a normal likelihood and constant noise (homoscedastic).

    The network predicts the mean; the standard deviation is one learned
    parameter per output. Training minimises the Gaussian NLL, which for fixed
    noise is least squares. A 2-D ``y`` is modelled as independent outputs.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`; ``"auto"`` is the mode. All coincide
        for the normal.

    See Also
    --------
    HeteroscedasticRegressor : the standard deviation depends on the input.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import GaussianMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-2, 2, size=(200, 1))
    >>> y = np.sin(X[:, 0]) + 0.1 * rng.standard_normal(200)
    >>> model = GaussianMLPRegressor(max_iter=50, random_state=0).fit(X, y)
    >>> mean, std = model.predict(X[:2], return_std=True)
    >>> mean.shape, bool(np.all(std == std[0]))
    ((2,), True)
    """

    family = NormalFamily
    family_options = {"heteroscedastic": False}


@fill_doc
class HeteroscedasticRegressor(MLPDistributionRegressor):
    """MLP regression with a normal likelihood whose mean and noise both depend on x.

    The network has two outputs per target, the mean and the standard deviation
    (softplus with a floor), and is trained by the Gaussian NLL. A 2-D ``y`` is
    modelled as independent outputs.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`; ``"auto"`` is the mode. All coincide
        for the normal.

    See Also
    --------
    GaussianMLPRegressor : constant noise.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import HeteroscedasticRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(300, 1))
    >>> y = X[:, 0] + (0.05 + 0.5 * X[:, 0]) * rng.standard_normal(300)
    >>> model = HeteroscedasticRegressor(max_iter=100, random_state=0).fit(X, y)
    >>> dist = model.predict_dist([[0.1], [0.9]])
    >>> bool(dist.std()[0] < dist.std()[1])
    True
    """

    family = NormalFamily
