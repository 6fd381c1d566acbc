"""Negative binomial (NB2): overdispersed counts, log links for the mean and the dispersion."""

import numpy as np
import torch
from scipy import stats

from ..base import MLPDistributionRegressor
from ..distributions import ScipyDistribution
from ._kit import Counts, Exp, Family, Parameter, fill_doc, log_pochhammer_scaled


class NegativeBinomialDistribution(ScipyDistribution):
    """NB2 distributions: mean ``mean``, variance ``mean + alpha * mean**2`` (Poisson as alpha->0).

    Examples
    --------
    >>> from skprob.families.negative_binomial import NegativeBinomialDistribution
    >>> NegativeBinomialDistribution(mean=[2.0], alpha=[0.5]).pmf([0])
    array([0.25])
    """

    param_names = ("mean", "alpha")
    support = Counts()
    discrete = True

    @staticmethod
    def log_density(params, y):
        mean, alpha = params["mean"], params["alpha"]
        shrink = torch.log1p(alpha * mean)
        # Never forms lgamma(y + 1/alpha), which cancels to no digits in float32 as alpha -> 0.
        return (log_pochhammer_scaled(1.0 / alpha, y) - torch.lgamma(y + 1.0)
                + torch.xlogy(y, mean) - y * shrink - shrink / alpha)

    def _scipy(self):  # cdf and quantiles
        alpha = self._params["alpha"]
        return stats.nbinom(n=1.0 / alpha, p=1.0 / (1.0 + alpha * self._params["mean"]))

    def mean(self):  # not scipy's n (1 - p) / p, which loses digits as alpha -> 0
        return self._params["mean"].copy()

    def var(self):
        return self._params["mean"] * (1.0 + self._params["alpha"] * self._params["mean"])

    def mode(self):  # floor((n - 1) (1 - p) / p); 0 when alpha >= 1
        return np.floor(np.maximum(self._params["mean"] * (1.0 - self._params["alpha"]), 0.0))


class NegativeBinomialFamily(Family):
    """NB2 likelihood: ``log(mean)`` and ``log(alpha)`` are network outputs."""

    name = "negative_binomial"
    distribution_class = NegativeBinomialDistribution
    params = {"mean": Parameter(Exp()), "alpha": Parameter(Exp())}

    def initial_params(self, y, sample_weight):  # moments: var = mean + alpha * mean**2
        w = sample_weight / sample_weight.sum()
        mean = np.maximum(w @ y, 1e-8)
        return {"mean": mean, "alpha": np.clip((w @ (y - mean) ** 2 - mean) / mean**2, 1e-4, 1e4)}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return np.random.default_rng(random_state).negative_binomial(2, 0.4, n_samples) * 1.0


@fill_doc
class NegativeBinomialMLPRegressor(MLPDistributionRegressor):
    """MLP regression for overdispersed counts: NB2 likelihood, mean and dispersion from x.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.negative_binomial import NegativeBinomialMLPRegressor
    >>> X = np.random.default_rng(0).uniform(size=(300, 2))
    >>> y = np.random.default_rng(1).negative_binomial(2, 2 / (2 + np.exp(1 + X[:, 0])))
    >>> NegativeBinomialMLPRegressor(max_iter=20).fit(X, y).predict(X[:2]).shape
    (2,)
    """

    family = NegativeBinomialFamily
