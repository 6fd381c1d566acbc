"""Poisson distribution: counts, with a log link for the rate.

The count model of Prince, *Understanding Deep Learning*, Problem 5.6.
"""

import math

import numpy as np
import torch
from scipy import stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import ScipyDistribution
from ._base import Family, Parameter
from ._links import Exp
from ._support import Counts

__all__ = ["PoissonDistribution", "PoissonFamily", "PoissonMLPRegressor", "poisson_log_pmf"]

#: Counts from which ``lgamma(y + 1)`` is replaced by Stirling's series: there ``y *
#: log(rate)`` and ``lgamma`` may both overflow while their difference does not.
_STIRLING_FROM = 1e15
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def poisson_log_pmf(y, rate):
    """Poisson log-probability of counts ``y`` (torch), finite wherever the true value is.

    For huge counts the
    terms ``y log(rate)`` and ``log(y!)`` can both exceed the float range while the
    log-probability itself is moderate (``y`` near ``rate``); there it is computed
    as ``y log(rate / y) + y - rate - log(2 pi y) / 2 - 1 / (12 y)``, with the
    logarithms taken separately so that nothing overflows.
    """
    exact = torch.xlogy(y, rate) - rate - torch.lgamma(y + 1.0)
    big = y > _STIRLING_FROM
    if bool(big.any()):
        safe_y = torch.where(big, y, torch.ones_like(y))
        stirling = (
            safe_y * (torch.log(rate) - torch.log(safe_y))
            + (safe_y - rate)
            - 0.5 * torch.log(safe_y)
            - _HALF_LOG_2PI
            - 1.0 / (12.0 * safe_y)
        )
        exact = torch.where(big, stirling, exact)
    return exact


class PoissonDistribution(ScipyDistribution):
    """Poisson distributions with mean ``rate``.

    Parameters
    ----------
    rate : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Expected counts (positive).

    Examples
    --------
    >>> from skprob.families.poisson import PoissonDistribution
    >>> dist = PoissonDistribution(rate=[0.5, 3.7])
    >>> dist.mode(), dist.mean()
    (array([0., 3.]), array([0.5, 3.7]))
    """

    param_names = ("rate",)
    support = Counts()
    discrete = True

    @staticmethod
    def log_density(params, y):
        return poisson_log_pmf(y, params["rate"])

    def _scipy(self):
        return stats.poisson(mu=self._params["rate"])

    def mean(self):
        return self._params["rate"].copy()

    def var(self):
        return self._params["rate"].copy()

    def mode(self):
        return np.floor(self._params["rate"])


class PoissonFamily(Family):
    """Poisson likelihood with a log link: ``log(rate)`` is the network output.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.poisson import PoissonFamily
    >>> family = PoissonFamily().fit(np.array([1.0, 2.0, 3.0]))
    >>> float(np.exp(family.initial_raw_[0]))
    2.0
    """

    name = "poisson"
    distribution_class = PoissonDistribution
    params = {"rate": Parameter(Exp())}

    def initial_params(self, y, sample_weight):
        return {"rate": np.maximum((sample_weight / sample_weight.sum()) @ y, 1e-8)}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return np.random.default_rng(random_state).poisson(3.0, size=n_samples).astype(float)


@fill_doc
class PoissonMLPRegressor(MLPDistributionRegressor):
    """MLP regression for counts with a Poisson likelihood and log link.

    The network predicts ``log(rate)``; ``depth=0`` gives Poisson regression (a
    GLM). Targets must be non-negative integers. A 2-D ``y`` is modelled as
    independent counts.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`: the most probable count (``"auto"``,
        the recipe's choice), the expected count (``rate``) or the median count.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import PoissonMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(300, 2))
    >>> y = rng.poisson(np.exp(1 + X[:, 0]))
    >>> model = PoissonMLPRegressor(max_iter=50, random_state=0).fit(X, y)
    >>> model.predict(X[:3]).dtype.kind, model.predict_dist(X[:3]).pmf([0, 1, 2]).shape
    ('f', (3,))
    """

    family = PoissonFamily
