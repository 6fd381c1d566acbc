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
from ..distributions import ScipyDistribution
from ._base import Family, inverse_softplus, positive, weighted_mean_std, weighted_quantile

__all__ = [
    "LaplaceDistribution",
    "LaplaceFamily",
    "LaplaceMLPRegressor",
]

_LOG_2 = math.log(2.0)


class LaplaceDistribution(ScipyDistribution):
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

    def _scipy(self):
        return stats.laplace(loc=self._params["loc"], scale=self._params["scale"])

    def mean(self):
        return self._params["loc"].copy()

    def mode(self):
        return self._params["loc"].copy()

    def median(self):
        return self._params["loc"].copy()

    def var(self):
        return 2.0 * self._params["scale"] ** 2

    def std(self):
        return math.sqrt(2.0) * self._params["scale"]

    def _logdensity(self, y):
        scale = self._params["scale"]
        return -np.abs(y - self._params["loc"]) / scale - np.log(scale) - _LOG_2


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
    support = "the real numbers (finite values)"
    distribution_class = LaplaceDistribution

    def _validate(self, y):
        y = np.asarray(y, dtype=np.float64)
        bad = ~np.isfinite(y)
        if bad.any():
            raise self._support_error(y, bad, "Remove or impute non-finite targets.")
        return y

    def _scaling(self, y, sample_weight):
        mean, std = weighted_mean_std(y, sample_weight)
        return mean, np.where(std > 0, std, 1.0)

    def _raw_layout(self, n_outputs):
        return (2 * n_outputs, 0)

    def _initial_raw(self, y, sample_weight):
        median = weighted_quantile(y, sample_weight, [0.5])[0]
        w = sample_weight / sample_weight.sum()
        spread = w @ np.abs(y - median)
        return np.concatenate([median, inverse_softplus(np.maximum(spread, 1e-3))])

    def link(self, raw):
        k = self.n_outputs_
        return {"loc": raw[:, :k], "scale": positive(raw[:, k:])}

    def _nll(self, raw, y):
        params = self.link(raw)
        scale = params["scale"]
        return (torch.abs(y - params["loc"]) / scale + torch.log(scale) + _LOG_2).sum(dim=1)

    def _to_original(self, params):
        return {
            "loc": params["loc"] * self.scale_ + self.loc_,
            "scale": params["scale"] * self.scale_,
        }

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
    {mlp_parameters}

    Attributes
    ----------
    {fitted_attributes}

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

    def _make_family(self):
        return LaplaceFamily()
