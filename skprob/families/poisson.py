"""Poisson distribution: counts, with a log link for the rate.

The count model of Prince, *Understanding Deep Learning*, Problem 5.6.
"""

import numpy as np
import torch
from scipy import stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import ScipyDistribution
from ._base import Family

__all__ = ["PoissonDistribution", "PoissonFamily", "PoissonMLPRegressor"]

#: Bound on |log-rate|: ``exp`` neither overflows nor underflows to a zero rate.
_MAX_LOG_RATE = 40.0


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
    discrete = True

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
    support = "the non-negative integers (counts)"
    distribution_class = PoissonDistribution

    def _validate(self, y):
        y = np.asarray(y, dtype=np.float64)
        bad = (y < 0) | (y != np.floor(y))
        if bad.any():
            raise self._support_error(
                y, bad, "Give counts as non-negative integers; for positive real targets "
                "use a continuous family.",
            )
        return y

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return np.random.default_rng(random_state).poisson(3.0, size=n_samples).astype(float)

    def _raw_layout(self, n_outputs):
        return (n_outputs, 0)

    def _initial_raw(self, y, sample_weight):
        mean = (sample_weight / sample_weight.sum()) @ y
        return np.log(np.maximum(mean, 1e-8))

    def link(self, raw):
        return {"rate": torch.exp(raw.clamp(-_MAX_LOG_RATE, _MAX_LOG_RATE))}

    def _nll(self, raw, y):
        log_rate = raw.clamp(-_MAX_LOG_RATE, _MAX_LOG_RATE)
        return (torch.exp(log_rate) - y * log_rate + torch.lgamma(y + 1.0)).sum(dim=1)


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
    {mlp_parameters}

    Attributes
    ----------
    {fitted_attributes}

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

    def _make_family(self):
        return PoissonFamily()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags
