"""Negative binomial (NB2): overdispersed counts, log links for the mean and the dispersion."""

import numpy as np
import torch
from scipy import stats

from ..base import MLPDistributionRegressor
from ..distributions import ScipyDistribution
from ._kit import Counts, Exp, Family, Parameter, fill_doc, log_pochhammer_scaled
from ._special import HALF_LOG_2PI, stirling_error

#: Counts from which the log-pmf is taken from Loader's saddle-point form: there
#: ``lgamma(y + 1)`` and ``y log(mean)`` are large and cancel (and overflow near the
#: float limit), while the log-probability itself may be small.
_SADDLE_POINT_FROM = 30.0
#: Terms of the series of ``log(1 + u) - u / (1 + u)`` where ``|u| < 0.1``: ``0.1**17 < 1e-16``.
_SERIES_TERMS = 16


def _any_stirling_error(z):
    """``log(z!) - (z + 1/2) log(z) + z - log(2 pi) / 2`` for every ``z > 0`` (torch)."""
    large = z >= _SADDLE_POINT_FROM
    z_large = torch.where(large, z, torch.full_like(z, _SADDLE_POINT_FROM))
    z_small = torch.where(large, torch.ones_like(z), z)
    direct = torch.lgamma(z_small + 1.0) - (z_small + 0.5) * torch.log(z_small) + z_small
    return torch.where(large, stirling_error(z_large), direct - HALF_LOG_2PI)


def _deviance(x, u, log_one_plus_u, x_u_share):
    """``x (log(1 + u) - u / (1 + u))`` (non-negative), from parts formed by the caller.

    This is Loader's ``bd0(x, x / (1 + u))``. Given ``log(1 + u)`` and
    ``x u / (1 + u)`` directly, it never rounds the ratio of two huge, nearly equal
    numbers; a series in ``u`` takes over where the two terms would cancel.
    """
    near = u.abs() < 0.1
    u_near = torch.where(near, u, torch.zeros_like(u))
    series = torch.zeros_like(u)
    power = u_near * u_near
    for k in range(2, _SERIES_TERMS + 2):  # sum over k >= 2 of (-1)**k (k - 1) / k u**k
        series = series + ((k - 1) / k) * power
        power = -power * u_near
    far = torch.where(near, torch.zeros_like(u), x * log_one_plus_u - x_u_share)
    return torch.where(near, x * series, far)


def _saddle_point_log_pmf(y, mean, alpha):
    """NB2 log-pmf for ``y >= 30`` from Loader's deviance terms, as R's ``dnbinom_mu``.

    The NB2 probability of ``y`` is ``size / (size + y)`` times the binomial
    probability of ``size`` successes in ``size + y`` trials, success probability
    ``size / (size + mean)``, ``size = 1 / alpha``. In Loader's saddle-point form of
    that term both deviances depend on the parameters only through
    ``u = (mean - y) / (size + y)`` and ``w = size (y - mean) / (mean (size + y))``,
    whose parts are formed here without differences of huge numbers or overflow, so
    the result is accurate (finite, or ``-inf`` below the float range) up to the
    largest float.
    """
    size = 1.0 / alpha
    # Halves: a sum of two numbers near the float limit must not overflow.
    half_y_size, half_mean_size = 0.5 * y + 0.5 * size, 0.5 * mean + 0.5 * size
    log_half_y_size, log_half_mean_size = torch.log(half_y_size), torch.log(half_mean_size)
    log_size_share = torch.log(0.5 * size) - log_half_y_size  # log(size / (size + y))
    log_y_share = torch.log(0.5 * y) - log_half_y_size  # log(y / (size + y))
    half_excess = 0.5 * y - 0.5 * mean
    u = -half_excess / half_y_size
    # size u / (1 + u) = -shift and y w / (1 + w) = shift: one number, so that the two
    # far-branch deviances' large linear terms cancel exactly.
    shift = half_excess * (size / half_mean_size)
    w = (1.0 - mean / y) * (size / mean) * torch.exp(log_y_share)  # y >= 30: mean / y finite
    log_one_plus_w = log_y_share + log_half_mean_size - torch.log(0.5 * mean)
    deviances = (_deviance(size, u, log_half_mean_size - log_half_y_size, -shift)
                 + _deviance(y, w, log_one_plus_w, shift))
    binomial = (_any_stirling_error(y + size) - _any_stirling_error(size) - stirling_error(y)
                - deviances - HALF_LOG_2PI - 0.5 * (torch.log(size) + log_y_share))
    return log_size_share + binomial


def negative_binomial_log_pmf(y, mean, alpha):
    """NB2 log-probability of counts ``y`` (torch), accurate wherever it is finite.

    Small counts use ``lgamma`` differences written so that they never cancel as
    ``alpha -> 0``; counts of 30 and more use the saddle-point form, finite up to
    the float limit (``-inf`` only when the true value is below the float range).

    Examples
    --------
    >>> import torch
    >>> from skprob.families.negative_binomial import negative_binomial_log_pmf
    >>> t = lambda v: torch.tensor([v], dtype=torch.float64)
    >>> negative_binomial_log_pmf(t(0.0), t(2.0), t(0.5))  # log(1/4)
    tensor([-1.3863], dtype=torch.float64)
    >>> torch.isfinite(negative_binomial_log_pmf(t(1e300), t(1e300), t(0.5)))
    tensor([True])
    """
    big = y >= _SADDLE_POINT_FROM
    y_small = torch.where(big, torch.zeros_like(y), y)
    shrink = torch.log1p(alpha * mean)
    # Never forms lgamma(y + 1/alpha), which cancels to no digits in float32 as alpha -> 0.
    exact = (log_pochhammer_scaled(1.0 / alpha, y_small) - torch.lgamma(y_small + 1.0)
             + torch.xlogy(y_small, mean) - y_small * shrink - shrink / alpha)
    if not bool(big.any()):
        return exact
    y_big = torch.where(big, y, torch.full_like(y, _SADDLE_POINT_FROM))
    return torch.where(big, _saddle_point_log_pmf(y_big, mean, alpha), exact)


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
        return negative_binomial_log_pmf(y, params["mean"], params["alpha"])

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
        # Divided by the mean before squaring: counts near the float limit must not overflow.
        alpha = w @ ((y - mean) / mean) ** 2 - 1.0 / mean
        return {"mean": mean, "alpha": np.clip(alpha, 1e-4, 1e4)}

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
