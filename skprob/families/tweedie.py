"""Tweedie (compound Poisson-gamma): non-negative amounts with exact zeros.

For a power ``1 < p < 2`` the Tweedie distribution with mean ``mu`` and dispersion
``phi`` (variance ``phi * mu**p``) is a Poisson number ``N`` of gamma-distributed
jumps: ``N ~ Poisson(lam)`` with ``lam = mu**(2 - p) / (phi (2 - p))``, each jump
gamma with shape ``a = (2 - p) / (p - 1)`` and scale ``s = phi (p - 1) mu**(p - 1)``.
The target is exactly 0 with probability ``exp(-lam)`` (no claim, no rain) and has a
density on ``y > 0``. Its likelihood, a probability at 0 and a density elsewhere,
is the one that scikit-learn's ``TweedieRegressor`` deviance belongs to.

The density has no closed form; it is the series (Dunn and Smyth, 2005)::

    f(y) = sum over n >= 1 of  Poisson(n; lam) * Gamma(y; n a, s)

evaluated in log space over a window of ``n`` around its largest term, wide enough
(nine standard deviations of the terms' bell, taken as normal, and at least 8 terms a
side) that the terms left out are negligible; on the tested grid the result equals a
brute-force sum of the series to 1e-9 (tests/test_tweedie.py). The window's length
follows the data. For very concentrated distributions, whose series would need more
than :data:`MAX_SERIES_TERMS` terms, the window is capped: the sum is then an
approximation whose error has not been measured.
"""

import math
from numbers import Real

import numpy as np
import torch
from scipy import special, stats

from .._compat import Interval
from ._kit import Distribution, Exp, Family, MLPDistributionRegressor, Parameter, fill_doc
from ._support import NonNegativeAmounts

__all__ = ["TweedieDistribution", "TweedieFamily", "TweedieMLPRegressor",
           "tweedie_log_density"]

#: Longest window of series terms per row.
MAX_SERIES_TERMS = 1 << 15
#: Grid points and golden-section steps of :meth:`TweedieDistribution.mode`.
_MODE_GRID, _MODE_REFINEMENTS = 256, 40
#: Half-width of the window in standard deviations of the terms' bell (e**-40 < 1e-17).
_WINDOW_SDS = 9.0


def _jump_parameters(mean, dispersion, power):
    """Poisson rate (as its log), jump shape and jump scale (as its log)."""
    log_mean = torch.log(mean)
    log_rate = (2.0 - power) * log_mean - torch.log(dispersion) - math.log(2.0 - power)
    shape = (2.0 - power) / (power - 1.0)
    log_scale = torch.log(dispersion) + math.log(power - 1.0) + (power - 1.0) * log_mean
    return log_rate, shape, log_scale


def tweedie_log_density(y, mean, dispersion, power):
    """Tweedie log-probability at 0 and log-density above it (torch), elementwise.

    Parameters
    ----------
    y, mean, dispersion : Tensor
        Targets (``>= 0``), means and dispersions (``> 0``), broadcastable.
    power : float
        The variance power, ``1 < power < 2``.

    Examples
    --------
    >>> import torch
    >>> from skprob.families.tweedie import tweedie_log_density
    >>> t = lambda *v: torch.tensor(v, dtype=torch.float64)
    >>> tweedie_log_density(t(0.0, 1.0), t(1.0, 1.0), t(2.0, 2.0), 1.5)  # P(0) = exp(-1)
    tensor([-1.0000, -1.5359], dtype=torch.float64)
    """
    y, mean, dispersion = torch.broadcast_tensors(y, mean, dispersion)
    log_rate, shape, log_scale = _jump_parameters(mean, dispersion, power)
    rate = torch.exp(log_rate)
    positive = y > 0
    y_pos = torch.where(positive, y, torch.ones_like(y))
    log_y = torch.log(y_pos)
    scaled = torch.exp(log_y - log_scale)  # y / s
    with torch.no_grad():
        # The largest term: d/dn [n log(lam) - lgamma(n + 1) + n a log(y / s) - lgamma(n a)]
        # = 0 with Stirling's log for both lgammas; the bell's variance is n / (1 + a).
        log_peak = (power - 1.0) * (log_rate + shape * (log_y - log_scale - math.log(shape)))
        # Non-finite parameters (a diverging fit) give a NaN density, which training
        # reports; the window itself must stay a number.
        log_peak = torch.nan_to_num(log_peak, nan=0.0, posinf=60.0, neginf=0.0)
        peak = torch.exp(log_peak.clamp(max=60.0)).clamp(min=1.0)
        half = torch.ceil(_WINDOW_SDS * torch.sqrt(peak / (1.0 + shape)) + 8.0)
        first = torch.clamp(torch.floor(peak) - half, min=1.0)
        width = int(min(float((2.0 * half + 1.0).max()) if y.numel() else 1.0,
                        MAX_SERIES_TERMS))
        # Center capped windows on the peak rather than starting them at ``first``.
        first = torch.clamp(torch.minimum(first, torch.floor(peak) - width // 2), min=1.0)
        n = first.unsqueeze(-1) + torch.arange(width, dtype=y.dtype, device=y.device)
    na = n * shape
    terms = (n * log_rate.unsqueeze(-1) - torch.lgamma(n + 1.0)
             + (na - 1.0) * log_y.unsqueeze(-1) - na * log_scale.unsqueeze(-1)
             - torch.lgamma(na))
    log_density = torch.logsumexp(terms, dim=-1) - rate - scaled
    return torch.where(positive, log_density, -rate)


class TweedieDistribution(Distribution):
    """Tweedie distributions with ``1 < power < 2``: an atom at 0 and a density above.

    ``logpdf`` (and the log-likelihood) is ``log P(Y = 0)`` at 0 and the log-density
    elsewhere. Moments are exact (``mean``, variance ``dispersion * mean**power``);
    ``cdf`` is the Poisson-weighted sum of gamma cdfs, ``ppf`` its inverse (0 for
    levels up to ``P(Y = 0)``).

    Parameters
    ----------
    mean, dispersion : array-like of shape (n_rows,)
        Means and dispersions (positive).
    power : float
        The variance power, shared by all rows.

    Examples
    --------
    >>> from skprob.families.tweedie import TweedieDistribution
    >>> dist = TweedieDistribution(mean=[1.0, 4.0], dispersion=[2.0, 1.0], power=1.5)
    >>> dist.prob_zero().round(4), dist.var()
    (array([0.3679, 0.0183]), array([2., 8.]))
    >>> dist.cdf(dist.ppf([0.5, 0.9])).round(6)
    array([0.5, 0.9])
    """

    param_names = ("mean", "dispersion")
    support = NonNegativeAmounts()
    param_units = {"mean": "scale"}

    def __init__(self, *, power, index=None, output_names=None, **params):
        power = float(power)
        if not 1.0 < power < 2.0:
            raise ValueError(f"power must be in the open interval (1, 2); got {power!r}.")
        self.power = power
        super().__init__(index=index, output_names=output_names, **params)

    @staticmethod
    def log_density(params, y):
        return tweedie_log_density(y, params["mean"], params["dispersion"], params["power"])

    def _logdensity(self, y):
        params = {name: torch.as_tensor(value) for name, value in self._params.items()}
        y = np.asarray(y, dtype=np.float64)
        with torch.no_grad():
            value = tweedie_log_density(torch.as_tensor(np.where(y >= 0, y, 0.0)),
                                        params["mean"], params["dispersion"], self.power)
        return np.where(self.support.outside(y) & ~np.isnan(y), -np.inf, value.numpy())

    def _extra(self):
        return {"power": self.power}

    def _jumps(self):
        mean, dispersion, p = self._params["mean"], self._params["dispersion"], self.power
        rate = mean ** (2.0 - p) / (dispersion * (2.0 - p))
        return rate, (2.0 - p) / (p - 1.0), dispersion * (p - 1.0) * mean ** (p - 1.0)

    def prob_zero(self):
        """``P(Y = 0) = exp(-mean**(2 - power) / (dispersion (2 - power)))`` per row."""
        return np.exp(-self._jumps()[0])

    def mean(self):
        return self._params["mean"].copy()

    def var(self):
        with np.errstate(over="ignore"):  # inf only where the variance exceeds 1.8e308
            return self._params["dispersion"] * self._params["mean"] ** self.power

    def mode(self):
        """The most probable amount above 0: where the density on ``y > 0`` peaks.

        The atom at 0 has a probability, not a density, so it is not compared with the
        peak: :meth:`prob_zero` gives it. A density that decreases from 0 (few,
        small jumps) gives a mode near 0. Found on a grid up to the 99.9% quantile and
        refined by golden-section search to ``1e-8`` of that range.
        """
        upper = self.ppf(0.999)
        upper = np.where(upper > 0, upper, self.mean() + 10.0 * self.std())
        grid = upper[:, None] * np.linspace(0.0, 1.0, _MODE_GRID + 1)[None, 1:]
        best = np.argmax(self._logpdf_at(grid), axis=1)
        rows = np.arange(len(self))
        low = np.where(best > 0, grid[rows, np.maximum(best - 1, 0)], 0.0)
        high = grid[rows, np.minimum(best + 1, _MODE_GRID - 1)]
        ratio = (math.sqrt(5.0) - 1.0) / 2.0
        for _ in range(_MODE_REFINEMENTS):  # golden section: the bracket shrinks by 0.618
            left, right = high - ratio * (high - low), low + ratio * (high - low)
            rising = (self._logpdf_at(left[:, None])[:, 0]
                      < self._logpdf_at(right[:, None])[:, 0])
            low, high = np.where(rising, left, low), np.where(rising, high, right)
        return 0.5 * (low + high)

    def _logpdf_at(self, y):
        """Log-density at ``y`` of shape (n_rows, k), each row under its own parameters."""
        params = {name: torch.as_tensor(value)[:, None] for name, value in self._params.items()}
        with torch.no_grad():
            return tweedie_log_density(torch.as_tensor(y), params["mean"], params["dispersion"],
                                       self.power).numpy()

    def cdf(self, y):
        y = self._check_y(y)
        rate, shape, scale = self._jumps()
        # Poisson counts within 9 standard deviations of the rate carry all but 1e-18.
        spread = np.ceil(_WINDOW_SDS * np.sqrt(rate) + 8.0)
        first = np.maximum(np.floor(rate - spread), 1.0)
        n = first[:, None] + np.arange(int(np.max(2.0 * spread + 1.0)))[None, :]
        weights = stats.poisson.pmf(n, rate[:, None])
        jumps = special.gammainc(n * shape, np.maximum(y, 0.0)[:, None] / scale[:, None])
        out = np.exp(-rate) + np.sum(weights * jumps, axis=1)
        return np.where(y < 0, 0.0, np.clip(out, 0.0, 1.0))

    def ppf(self, q):
        q = np.asarray(q, dtype=np.float64)
        shape = np.broadcast_shapes(q.shape, self.batch_shape)
        q = np.broadcast_to(q, shape)
        rows = np.broadcast_to(np.arange(len(self)), shape)
        flat_q, flat_rows = q.ravel(), rows.ravel()
        sub = self[flat_rows]
        low = np.zeros_like(flat_q)
        high = sub.mean() + 10.0 * np.sqrt(sub.var())
        while np.any(grow := (sub.cdf(high) < flat_q) & (flat_q < 1.0)):
            high = np.where(grow, 2.0 * high, high)
        for _ in range(80):  # bisection: 2**-80 of the bracket
            middle = 0.5 * (low + high)
            below = sub.cdf(middle) < flat_q
            low, high = np.where(below, middle, low), np.where(below, high, middle)
        out = np.where(flat_q <= sub.prob_zero(), 0.0, high)
        out = np.where((flat_q < 0) | (flat_q > 1) | np.isnan(flat_q), np.nan,
                       np.where(flat_q == 1.0, np.inf, out))
        return out.reshape(shape)

    def _sample(self, shape, rng):
        rate, jump_shape, scale = self._jumps()
        size = shape + self.batch_shape
        counts = rng.poisson(np.broadcast_to(rate, size))
        draws = rng.standard_gamma(np.maximum(counts * jump_shape, 1e-300)) * scale
        return np.where(counts > 0, draws, 0.0)


class TweedieFamily(Family):
    """Tweedie likelihood with a fixed power: log links for the mean and the dispersion.

    Parameters
    ----------
    power : float, default=1.5
        The variance power, ``1 < power < 2`` (closer to 1: more zeros and Poisson-like
        jumps; closer to 2: fewer zeros, gamma-like amounts).

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.tweedie import TweedieFamily
    >>> y = np.array([0.0, 0.0, 1.5, 3.0, 0.2])
    >>> TweedieFamily(power=1.5).fit(y).n_raw_
    (2, 0)
    """

    name = "tweedie"
    distribution_class = TweedieDistribution
    # Its power is a hyper-parameter to search, not one candidate.
    proposed_by_auto = False
    params = {"mean": Parameter(Exp()), "dispersion": Parameter(Exp())}
    point_prediction = "mean"  # the atom at 0 makes the mode 0 for most rows
    multi_output = False
    _parameter_constraints: dict = {"power": [Interval(Real, 1, 2, closed="neither")]}

    def __init__(self, power=1.5):
        self.power = power

    def learn_target(self, y, sample_weight):
        power = self.power
        if isinstance(power, bool) or not isinstance(power, Real) or not 1 < power < 2:
            raise ValueError(f"power must be a number in the open interval (1, 2); "
                             f"got {power!r}.")
        return {}

    def _scaled_nll(self, raw, y):
        # The power is the family's, not a network output: added to the parameters here.
        params = {**self.link(raw), "power": float(self.power)}
        log_density = self.distribution_class.log_density(params, y)
        return -log_density.reshape(raw.shape[0], -1).sum(dim=1)

    def initial_params(self, y, sample_weight):
        w = sample_weight / sample_weight.sum()
        mean = np.maximum(w @ y, 1e-8)
        # Moments, var = phi mean**p, divided by the mean before squaring (no overflow).
        relative_var = w @ ((y - mean) / mean) ** 2
        dispersion = np.clip(relative_var * mean ** (2.0 - self.power), 1e-6, 1e6)
        return {"mean": mean, "dispersion": dispersion}

    def distribution(self, params, index=None, output_names=None):
        flat = {name: value[:, 0] if value.ndim == 2 else value for name, value in params.items()}
        return TweedieDistribution(power=float(self.power), index=index,
                                   output_names=output_names, **flat)

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        counts = rng.poisson(1.2, n_samples)
        return np.where(counts > 0, rng.gamma(np.maximum(counts, 1) * 1.0, 0.8), 0.0)


@fill_doc
class TweedieMLPRegressor(MLPDistributionRegressor):
    """MLP regression for non-negative amounts with exact zeros: Tweedie, ``1 < power < 2``.

    The network predicts ``log(mean)`` and ``log(dispersion)``; the probability of an
    exact zero, ``exp(-mean**(2 - power) / (dispersion (2 - power)))``, follows from
    them. Trained by the exact likelihood (a probability at 0, a density above, from
    its series), not a quasi-likelihood deviance, so the dispersion is learned too and
    ``score`` is a log-likelihood. ``predict`` returns the mean. One target column.

    Parameters
    ----------
    power : float, default=1.5
        The variance power, ``var = dispersion * mean**power``, in ``(1, 2)``; a
        hyper-parameter (search it with ``GridSearchCV`` on ``score``).

    See Also
    --------
    sklearn.linear_model.TweedieRegressor : the GLM with the same mean and power.
    ZeroInflatedPoissonMLPRegressor : excess zeros for counts.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import TweedieMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(size=(400, 2))
    >>> counts = rng.poisson(np.exp(X[:, 0]))
    >>> y = np.where(counts > 0, rng.gamma(np.maximum(counts, 1) * 2.0, 0.5), 0.0)
    >>> model = TweedieMLPRegressor(power=1.4, max_iter=20, random_state=0).fit(X, y)
    >>> dist = model.predict_dist(X[:3])
    >>> bool(np.all((dist.prob_zero() > 0) & (dist.prob_zero() < 1)))
    True
    """

    family = TweedieFamily
    power: float = 1.5
