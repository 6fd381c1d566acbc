"""Zero-inflated counts: a Poisson or NB2 count, or a structural zero with probability ``pi``.

Each row's count is 0 with probability ``pi`` (a "structural" zero: a patient who
never visits a doctor) and otherwise drawn from a Poisson or negative binomial
(NB2), which may be 0 too. The network predicts the count model's parameters
(log links) and the logit of ``pi``; the likelihood is written in log space,
``log(pi + (1 - pi) p(0))`` by a log-sum-exp, so that neither a tiny ``pi``
nor a tiny ``p(0)`` loses digits.
"""

import numpy as np
import torch
from scipy import special

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import Distribution
from ._base import Family, Parameter
from ._links import Exp, Identity
from ._support import Counts
from .negative_binomial import NegativeBinomialDistribution
from .poisson import PoissonDistribution

__all__ = [
    "ZeroInflatedNegativeBinomialDistribution",
    "ZeroInflatedNegativeBinomialFamily",
    "ZeroInflatedNegativeBinomialMLPRegressor",
    "ZeroInflatedPoissonDistribution",
    "ZeroInflatedPoissonFamily",
    "ZeroInflatedPoissonMLPRegressor",
]

#: Where the structural-zero logit starts: between ``pi`` = 0.25% and 99.75%.
_LOGIT_START_RANGE = (-6.0, 6.0)


class _ZeroInflatedDistribution(Distribution):
    """A count distribution (``base_class``) mixed with a point mass at 0 of weight ``pi``."""

    support = Counts()
    discrete = True
    base_class: type = None

    @classmethod
    def log_density(cls, params, y):
        base = cls.base_class.log_density(
            {name: params[name] for name in cls.base_class.param_names}, y)
        logit = params["zero_logit"]
        log_keep = torch.nn.functional.logsigmoid(-logit)  # log(1 - pi)
        at_zero = torch.logaddexp(torch.nn.functional.logsigmoid(logit), log_keep + base)
        return torch.where(y == 0, at_zero, log_keep + base)

    def base(self):
        """The count distribution of the rows that are not structural zeros."""
        return self.base_class(**{n: self._params[n] for n in self.base_class.param_names})

    def zero_inflation(self):
        """The probability ``pi`` of a structural zero, per row."""
        return special.expit(self._params["zero_logit"])

    def mean(self):
        return (1.0 - self.zero_inflation()) * self.base().mean()

    def var(self):
        # Law of total variance over the two components.
        pi, base = self.zero_inflation(), self.base()
        mean = base.mean()
        return (1.0 - pi) * (base.var() + pi * mean * mean)

    def cdf(self, y):
        y = self._check_y(y)
        pi = self.zero_inflation()
        return np.where(y < 0, 0.0, pi + (1.0 - pi) * self.base().cdf(y))

    def ppf(self, q):
        q = np.asarray(q, dtype=np.float64)
        pi = self.zero_inflation()
        shape = np.broadcast_shapes(q.shape, self.batch_shape)
        q_base = np.broadcast_to((q - pi) / (1.0 - pi), shape)
        # cdf(k) >= q exactly when the base cdf reaches (q - pi) / (1 - pi).
        with np.errstate(invalid="ignore"):
            value = self.base()._scipy().ppf(np.clip(q_base, 0.0, 1.0))
        value = np.where(q_base <= 0.0, 0.0, value)
        return np.where((q < 0) | (q > 1) | np.isnan(q), np.nan, value)

    def mode(self):
        base = self.base()
        candidate = base.mode()
        with np.errstate(divide="ignore"):  # a zero-inflation of 0 or 1 has a log of -inf
            log_keep = np.log1p(-self.zero_inflation())
            log_zero = np.logaddexp(np.log(self.zero_inflation()), log_keep + base.logpmf(
                np.zeros_like(candidate)))
        return np.where(log_keep + base.logpmf(candidate) > log_zero, candidate, 0.0)

    def _sample(self, shape, rng):
        draws = self.base()._sample(shape, rng)
        zero = rng.uniform(size=shape + self.batch_shape) < self.zero_inflation()
        return np.where(zero, 0, draws)


class ZeroInflatedPoissonDistribution(_ZeroInflatedDistribution):
    """Zero-inflated Poisson: 0 with probability ``pi = expit(zero_logit)``, else Poisson(rate).

    Parameters
    ----------
    rate : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Mean of the Poisson component.
    zero_logit : array-like, same shape
        Logit of the structural-zero probability.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.zero_inflated import ZeroInflatedPoissonDistribution
    >>> dist = ZeroInflatedPoissonDistribution(rate=[2.0], zero_logit=[0.0])
    >>> dist.pmf([0]).round(4), dist.mean()
    (array([0.5677]), array([1.]))
    """

    param_names = ("rate", "zero_logit")
    base_class = PoissonDistribution


class ZeroInflatedNegativeBinomialDistribution(_ZeroInflatedDistribution):
    """Zero-inflated NB2: 0 with probability ``pi = expit(zero_logit)``, else NB2(mean, alpha).

    Parameters
    ----------
    mean, alpha : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Mean and dispersion of the NB2 component (variance ``mean + alpha * mean**2``).
    zero_logit : array-like, same shape
        Logit of the structural-zero probability.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.zero_inflated import ZeroInflatedNegativeBinomialDistribution
    >>> dist = ZeroInflatedNegativeBinomialDistribution(mean=[2.0], alpha=[0.5], zero_logit=[0.0])
    >>> dist.pmf([0]), dist.mean()
    (array([0.625]), array([1.]))
    """

    param_names = ("mean", "alpha", "zero_logit")
    base_class = NegativeBinomialDistribution


def _zero_share(y, sample_weight, p_zero):
    """Moment start of ``pi``: the excess of observed zeros over the count model's own."""
    w = sample_weight / sample_weight.sum()
    observed = w @ (y == 0)
    return np.clip((observed - p_zero) / np.maximum(1.0 - p_zero, 1e-12), 0.05, 0.95)


class ZeroInflatedPoissonFamily(Family):
    """Zero-inflated Poisson likelihood: log link for the rate, logit for ``pi``."""

    name = "zero_inflated_poisson"
    distribution_class = ZeroInflatedPoissonDistribution
    params = {"rate": Parameter(Exp()),
              "zero_logit": Parameter(Identity(), start_range=_LOGIT_START_RANGE)}

    def initial_params(self, y, sample_weight):
        w = sample_weight / sample_weight.sum()
        positive = w @ (y > 0)
        # The rate of the non-zero rows' mean, then pi from the zeros it leaves unexplained.
        rate = np.maximum((w @ y) / np.maximum(positive, 1e-12), 1e-3)
        pi = _zero_share(y, sample_weight, np.exp(-rate))
        return {"rate": rate, "zero_logit": special.logit(pi)}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        return np.where(rng.uniform(size=n_samples) < 0.3, 0.0, rng.poisson(3.0, n_samples))


class ZeroInflatedNegativeBinomialFamily(Family):
    """Zero-inflated NB2 likelihood: log links for mean and dispersion, logit for ``pi``."""

    name = "zero_inflated_negative_binomial"
    distribution_class = ZeroInflatedNegativeBinomialDistribution
    params = {"mean": Parameter(Exp()), "alpha": Parameter(Exp()),
              "zero_logit": Parameter(Identity(), start_range=_LOGIT_START_RANGE)}

    def initial_params(self, y, sample_weight):
        w = sample_weight / sample_weight.sum()
        mean = np.maximum(w @ y, 1e-3)
        # Divided by the mean before squaring: counts near the float limit must not overflow.
        alpha = np.clip(w @ ((y - mean) / mean) ** 2 - 1.0 / mean, 1e-2, 1e2)
        p_zero = (1.0 + alpha * mean) ** (-1.0 / alpha)
        return {"mean": mean, "alpha": alpha,
                "zero_logit": special.logit(_zero_share(y, sample_weight, p_zero))}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        counts = rng.negative_binomial(2.0, 0.4, n_samples)
        return np.where(rng.uniform(size=n_samples) < 0.3, 0.0, counts * 1.0)


@fill_doc
class ZeroInflatedPoissonMLPRegressor(MLPDistributionRegressor):
    """MLP regression for counts with excess zeros: zero-inflated Poisson likelihood.

    The network predicts the Poisson rate (log link) and the logit of the
    probability ``pi`` of a structural zero, both depending on x. The expected
    count is ``(1 - pi) * rate``. Targets must be non-negative integers.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`: the most probable count (``"auto"``),
        the expected count ``(1 - pi) * rate`` or the median count.

    See Also
    --------
    PoissonMLPRegressor : without the structural zeros.
    ZeroInflatedNegativeBinomialMLPRegressor : with overdispersed counts.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import ZeroInflatedPoissonMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(300, 2))
    >>> y = np.where(rng.uniform(size=300) < X[:, 1], 0, rng.poisson(np.exp(1 + X[:, 0])))
    >>> model = ZeroInflatedPoissonMLPRegressor(max_iter=30, random_state=0).fit(X, y)
    >>> model.predict_dist(X[:3]).zero_inflation().shape
    (3,)
    """

    family = ZeroInflatedPoissonFamily


@fill_doc
class ZeroInflatedNegativeBinomialMLPRegressor(MLPDistributionRegressor):
    """MLP regression for overdispersed counts with excess zeros: zero-inflated NB2.

    The network predicts the NB2 mean and dispersion ``alpha`` (log links) and
    the logit of the probability ``pi`` of a structural zero, all depending on
    x. The expected count is ``(1 - pi) * mean``. Targets must be non-negative
    integers.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`: the most probable count (``"auto"``),
        the expected count or the median count.

    See Also
    --------
    NegativeBinomialMLPRegressor : without the structural zeros.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import ZeroInflatedNegativeBinomialMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(300, 2))
    >>> y = np.where(rng.uniform(size=300) < 0.3, 0, rng.negative_binomial(2, 0.3, 300))
    >>> model = ZeroInflatedNegativeBinomialMLPRegressor(max_iter=30, random_state=0)
    >>> sorted(model.fit(X, y).predict_dist(X[:2]).params)
    ['alpha', 'mean', 'zero_logit']
    """

    family = ZeroInflatedNegativeBinomialFamily
