"""Gamma distribution: positive targets whose mean and shape both depend on x.

The network has two outputs per target: ``log(mean)`` (a log link, as in a
gamma GLM) and the shape through a softplus with a floor. The scale is
``mean / shape``. Mean and shape are orthogonal parameters of the gamma (their
Fisher information is diagonal), which keeps the two heads from fighting each
other during training. Targets are divided internally by their weighted mean.
"""

import numpy as np
import torch
from scipy import optimize, special, stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import ScipyDistribution
from ..exceptions import TargetSupportError
from ._base import Family, inverse_softplus, positive

__all__ = ["GammaDistribution", "GammaFamily", "GammaMLPRegressor"]

#: Bound on the standardised log-mean, so that ``exp`` stays finite in float32.
_MAX_LOG_MEAN = 30.0
#: Largest starting shape: a constant target would otherwise ask for an infinite one.
_MAX_INITIAL_SHAPE = 1e6
#: Smallest positive normal double: ratios below it have lost digits.
_SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)
#: Smallest positive normal float32, the precision of the training loop.
_FLOAT32_TINY = float(np.finfo(np.float32).tiny)


class GammaDistribution(ScipyDistribution):
    """Gamma distributions with shape ``shape`` and scale ``scale``.

    The maths follows :data:`scipy.stats.gamma` with ``a=shape``, ``loc=0``:
    the mean is ``shape * scale`` and the variance ``shape * scale**2``.

    Parameters
    ----------
    shape, scale : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Shapes and scales (positive).

    Examples
    --------
    >>> from skprob.families.gamma import GammaDistribution
    >>> dist = GammaDistribution(shape=[0.5, 3.0], scale=[2.0, 2.0])
    >>> dist.mean(), dist.mode()
    (array([1., 6.]), array([0., 4.]))
    """

    param_names = ("shape", "scale")

    def _logdensity(self, y):
        # scipy's gamma density exists at 0 (infinite when shape < 1); the family's
        # support is y > 0, so 0 has density 0.
        inside = y > 0.0
        shape, scale = self._params["shape"], self._params["scale"]
        y = np.where(inside, y, 1.0)
        # Written out rather than scipy's xlogy(shape - 1, y / scale): for a tiny y
        # (subnormal, say) y / scale underflows to 0 and scipy returns -inf or +inf,
        # while log(y) - log(scale) is finite. The ratio's own log is kept where the
        # ratio is a normal number, as it is exact when y and scale nearly cancel.
        with np.errstate(over="ignore"):  # y / scale > 1.8e308: -inf is then exact
            ratio = y / scale
        exact = (ratio >= _SMALLEST_NORMAL) & (ratio < np.inf)
        log_ratio = np.where(
            exact, np.log(np.where(exact, ratio, 1.0)), np.log(y) - np.log(scale)
        )
        log_density = (
            (shape - 1.0) * log_ratio - ratio - special.gammaln(shape) - np.log(scale)
        )
        return np.where(inside, log_density, -np.inf)

    def _scipy(self):
        return stats.gamma(a=self._params["shape"], scale=self._params["scale"])

    def mean(self):
        return self._params["shape"] * self._params["scale"]

    def var(self):
        with np.errstate(over="ignore"):  # inf only where the variance exceeds 1.8e308
            return self.mean() * self._params["scale"]

    def std(self):
        # Not sqrt(var): the variance overflows beyond scale ~1e154, the std does not.
        return np.sqrt(self._params["shape"]) * self._params["scale"]

    def mode(self):
        """``(shape - 1) * scale`` for ``shape >= 1``; 0 otherwise.

        For ``shape < 1`` the density is unbounded at 0 and decreasing, so 0 is
        returned.
        """
        shape, scale = self._params["shape"], self._params["scale"]
        return np.where(shape >= 1.0, (shape - 1.0) * scale, 0.0)

    def _sample(self, shape, rng):
        size = shape + self.batch_shape
        return rng.standard_gamma(self._params["shape"], size=size) * self._params["scale"]


def _shape_mle(s):
    """Shape ``a`` solving ``log(a) - digamma(a) = s`` (the gamma MLE), for ``s > 0``."""
    s = max(float(s), 1e-12)
    equation = lambda log_a: log_a - special.digamma(np.exp(log_a)) - s
    upper = np.log(_MAX_INITIAL_SHAPE)
    if equation(upper) > 0:
        return _MAX_INITIAL_SHAPE
    # log(a) - digamma(a) decreases from +inf (a -> 0) to 0 (a -> inf).
    return float(np.exp(optimize.brentq(equation, -40.0, upper, xtol=1e-12)))


class GammaFamily(Family):
    """Gamma likelihood: log link for the mean, softplus with a floor for the shape.

    The target is divided by its weighted mean per column (``loc_ = 0``,
    ``scale_`` = that mean). The output bias starts at the maximum-likelihood
    constant gamma of each column.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.gamma import GammaFamily
    >>> family = GammaFamily().fit(np.array([1.0, 2.0, 3.0, 6.0]))
    >>> family.n_raw_, family.scale_
    ((2, 0), array([3.]))
    """

    name = "gamma"
    support = "the positive real numbers (y > 0)"
    distribution_class = GammaDistribution

    def _validate(self, y):
        y = np.asarray(y, dtype=np.float64)
        bad = ~(y > 0) | np.isinf(y)
        if bad.any():
            raise self._support_error(
                y, bad, "Give positive finite targets; if zeros come from rounding, add half "
                "the rounding unit (or model the zeros separately); for targets that can be "
                "negative use a family on the real line such as 'normal'.",
            )
        return y

    def _scaling(self, y, sample_weight):
        self._refuse_subnormal(y)  # fit only: scoring a subnormal target is fine
        mean = (sample_weight / sample_weight.sum()) @ y
        # Training sees y / mean in float32 and needs its log: a ratio below float32's
        # smallest normal number loses its digits or rounds to 0 (log 0 = -inf).
        ratio = y / mean
        lost = ratio < _FLOAT32_TINY
        if lost.any():
            values = np.unique(y[lost])[:5]
            raise TargetSupportError(
                f"The 'gamma' family cannot be fitted on y spanning this many orders of "
                f"magnitude: {int(lost.sum())} value(s) of y, e.g. {values.tolist()}, are "
                f"below {_FLOAT32_TINY:.3g} times the mean of their column ({mean.tolist()}), "
                "the smallest ratio that training in float32 keeps. Expected y within that "
                "range: model log(y) with the 'normal' family, or raise the smallest values."
            )
        return np.zeros(y.shape[1]), mean

    def _raw_layout(self, n_outputs):
        return (2 * n_outputs, 0)

    def _initial_raw(self, y, sample_weight):
        w = sample_weight / sample_weight.sum()
        mean = w @ y
        # Profile likelihood of the shape: log(a) - digamma(a) = log(mean) - mean(log y).
        s = np.log(mean) - w @ np.log(y)
        shape = np.array([_shape_mle(value) for value in s])
        return np.concatenate([np.log(mean), inverse_softplus(shape)])

    def _log_mean_and_shape(self, raw):
        k = self.n_outputs_
        return raw[:, :k].clamp(-_MAX_LOG_MEAN, _MAX_LOG_MEAN), positive(raw[:, k:])

    def link(self, raw):
        log_mean, shape = self._log_mean_and_shape(raw)
        return {"shape": shape, "scale": torch.exp(log_mean) / shape}

    def _nll(self, raw, y):
        log_mean, shape = self._log_mean_and_shape(raw)
        rate = shape * torch.exp(-log_mean)
        gamma = torch.distributions.Gamma(shape, rate, validate_args=False)
        return -gamma.log_prob(y).sum(dim=1)

    def _to_original(self, params):
        return {"shape": params["shape"], "scale": params["scale"] * self.scale_}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return np.random.default_rng(random_state).gamma(2.0, 3.0, size=n_samples)


@fill_doc
class GammaMLPRegressor(MLPDistributionRegressor):
    """MLP regression for positive targets with a gamma likelihood.

    The network has two outputs per target, ``log(mean)`` and the shape
    (softplus with a floor), so both the conditional mean and the coefficient
    of variation ``1 / sqrt(shape)`` depend on the input. Targets must be
    positive. A 2-D ``y`` is modelled as independent outputs.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`: the mode ``(shape - 1) * scale`` (0
        where the shape is below one; also ``"auto"``), the mean ``shape * scale``
        or the median.
    {mlp_parameters}

    Attributes
    ----------
    {fitted_attributes}

    See Also
    --------
    ExponentialMLPRegressor : the gamma with its shape fixed at one.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import GammaMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(200, 1))
    >>> y = rng.gamma(shape=4.0, scale=np.exp(X[:, 0]) / 4.0)
    >>> model = GammaMLPRegressor(prediction="mean", max_iter=20, random_state=0)
    >>> dist = model.fit(X, y).predict_dist(X[:3])
    >>> sorted(dist.params), dist.mean().shape
    (['scale', 'shape'], (3,))
    """

    def _make_family(self):
        return GammaFamily()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags
