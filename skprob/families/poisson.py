"""Poisson distribution: counts, with a log link for the rate.

The count model of Prince, *Understanding Deep Learning*, Problem 5.6.
"""

import numpy as np
import torch
from scipy import stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import ScipyDistribution
from ._base import Family, Parameter
from ._links import Exp
from ._special import HALF_LOG_2PI, bd0, stirling_error
from ._support import Counts

__all__ = ["PoissonDistribution", "PoissonFamily", "PoissonMLPRegressor", "poisson_log_pmf"]

#: Counts from which ``log(y!)`` is written as Stirling's series and ``y log(rate) - rate``
#: as ``-bd0``: there ``y log(rate)`` and ``lgamma(y + 1)`` are large and cancel (and
#: overflow near the float limit), while their difference may be small.
_STIRLING_FROM = 30.0
def poisson_log_pmf(y, rate):
    """Poisson log-probability of counts ``y`` (torch), accurate wherever it is finite.

    For counts of 30 and more, ``y log(rate) - rate - log(y!)`` is computed as
    ``-bd0(y, rate) - log(2 pi y) / 2 - stirlerr(y)`` (Loader, 2000), whose terms
    neither cancel nor overflow: the log-probability of a count near the float
    limit is finite when its true value is, and ``-inf`` when that is below the
    float range, never NaN.

    Examples
    --------
    >>> import torch
    >>> from skprob.families.poisson import poisson_log_pmf
    >>> poisson_log_pmf(torch.tensor([1e15], dtype=torch.float64),
    ...                 torch.tensor([1e15], dtype=torch.float64))
    tensor([-18.1883], dtype=torch.float64)
    """
    big = y >= _STIRLING_FROM
    y_small = torch.where(big, torch.zeros_like(y), y)
    exact = torch.xlogy(y_small, rate) - rate - torch.lgamma(y_small + 1.0)
    if not bool(big.any()):
        return exact
    y_big = torch.where(big, y, torch.full_like(y, _STIRLING_FROM))
    stirling = (-bd0(y_big, rate) - 0.5 * torch.log(y_big) - HALF_LOG_2PI
                - stirling_error(y_big))
    return torch.where(big, stirling, exact)


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
