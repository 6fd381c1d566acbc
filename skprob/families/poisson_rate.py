"""Poisson rates with exposure, in scikit-learn's convention for ``PoissonRegressor``.

A count ``c`` observed over an exposure ``w`` (years insured, person-time, area) is
modelled as Poisson with mean ``w * rate(x)``. As in scikit-learn's Poisson workflow,
the target is the observed rate ``y = c / w`` (a non-negative real) and the exposure
is the sample weight: ``fit(X, c / w, sample_weight=w)``.

Why this convention and not an offset: with it, the weighted Poisson log-likelihood
of the rates equals the Poisson log-likelihood of the counts up to a term that does not
depend on the model::

    w * (y log(rate) - rate - log Gamma(y + 1))
        = log p(c | w rate) - [c log(w) - log Gamma(c + 1) + w log Gamma(y + 1)]

so training on rates with exposure weights is exact maximum likelihood for the counts,
the network and the training loop need nothing new (no offset input at fit and
predict time), and pipelines, cross-validation and ``GridSearchCV`` carry the exposure
as they carry any sample weight. The identity holds for the Poisson only: an NB2 or a
zero-inflated count with exposure is not a weighted likelihood of its rate, and would
need an explicit offset.
"""

import numpy as np

from ._kit import Counts, Exp, Family, MLPDistributionRegressor, Parameter, fill_doc
from .poisson import PoissonDistribution, poisson_log_pmf

__all__ = ["NonNegativeReals", "PoissonRateDistribution", "PoissonRateFamily",
           "PoissonRateMLPRegressor"]


class NonNegativeReals(Counts):
    """Finite numbers at or above zero: observed rates ``count / exposure``.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.poisson_rate import NonNegativeReals
    >>> NonNegativeReals().outside(np.array([0.0, 2.5, -1.0]))
    array([False, False,  True])
    """

    description = "the non-negative real numbers (rates: count / exposure)"
    symbol = "y = c / w ≥ 0"
    advice = "Give rates count / exposure (non-negative), with the exposure as sample_weight."

    def outside(self, y):
        return ~np.isfinite(y) | (y < 0)


class PoissonRateDistribution(PoissonDistribution):
    """Poisson counts per unit of exposure, with mean ``rate``.

    Its cdf, quantiles and moments are those of the count over one unit of
    exposure; :meth:`counts` gives the count over any exposure. Its log-probability
    also takes observed rates ``c / w`` that are not integers, as the continuous
    extension ``y log(rate) - rate - log Gamma(y + 1)``: times ``w`` it is the count's
    log-probability up to a term free of ``rate`` (see :mod:`.poisson_rate`), so
    ``score(X, c / w, sample_weight=w)`` ranks models as the counts' likelihood does.

    Parameters
    ----------
    rate : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Expected count per unit of exposure.

    Examples
    --------
    >>> from skprob.families.poisson_rate import PoissonRateDistribution
    >>> dist = PoissonRateDistribution(rate=[0.2, 1.5])
    >>> dist.counts(exposure=[10.0, 2.0]).mean()
    array([2., 3.])
    """

    support = NonNegativeReals()

    @staticmethod
    def log_density(params, y):
        return poisson_log_pmf(y, params["rate"])

    def counts(self, exposure):
        """The Poisson distribution of the count over ``exposure`` (per row)."""
        exposure = np.asarray(exposure, dtype=np.float64)
        if exposure.ndim == 1 and self._params["rate"].ndim == 2:
            exposure = exposure[:, None]
        if np.any(~(exposure > 0) | ~np.isfinite(exposure)):
            raise ValueError("exposure must be positive and finite; got values that are not.")
        return PoissonDistribution(rate=self._params["rate"] * exposure, index=self.index,
                                   output_names=self.output_names)


class PoissonRateFamily(Family):
    """Poisson likelihood of rates with exposure weights: ``log(rate)`` from x."""

    name = "poisson_rate"
    distribution_class = PoissonRateDistribution
    # Rates with exposure weights are scored by a likelihood up to a constant, not a
    # density comparable with the other families'.
    proposed_by_auto = False
    params = {"rate": Parameter(Exp())}
    point_prediction = "mean"  # a rate, not a count: its mode would be an integer

    def initial_params(self, y, sample_weight):
        # Total count over total exposure: the constant model's maximum likelihood.
        return {"rate": np.maximum((sample_weight / sample_weight.sum()) @ y, 1e-8)}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        exposure = rng.uniform(0.5, 2.0, n_samples)
        return rng.poisson(3.0 * exposure) / exposure


@fill_doc
class PoissonRateMLPRegressor(MLPDistributionRegressor):
    """MLP regression for rates of events with exposure: Poisson counts, log link.

    Follows scikit-learn's convention for :class:`~sklearn.linear_model.PoissonRegressor`:
    ``y`` is the observed rate ``count / exposure`` (non-negative, not necessarily an
    integer) and the exposure is ``sample_weight``. Training on them is exact maximum
    likelihood for the counts with mean ``exposure * rate(x)``. ``predict`` and
    ``predict_dist`` are per unit of exposure; ``predict_dist(X).counts(exposure)``
    is the distribution of the count over a given exposure.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`: the expected rate (``"auto"``), the most
        probable count or the median count over one unit of exposure.

    See Also
    --------
    PoissonMLPRegressor : counts observed over equal exposures.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import PoissonRateMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(300, 2))
    >>> exposure = rng.uniform(0.1, 1.0, 300)
    >>> claims = rng.poisson(exposure * np.exp(X[:, 0] - 1))
    >>> model = PoissonRateMLPRegressor(max_iter=30, random_state=0)
    >>> model = model.fit(X, claims / exposure, sample_weight=exposure)
    >>> model.predict_dist(X[:2]).counts(exposure[:2]).pmf(claims[:2]).shape
    (2,)
    """

    family = PoissonRateFamily
