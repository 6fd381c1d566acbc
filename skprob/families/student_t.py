"""Student's t distribution: real targets with heavy tails of learned weight.

The network predicts the location and the scale (softplus with a floor) of each
output from ``x``; the degrees of freedom ``df`` are one learned constant per
output, shared by all rows. A constant ``df`` is the robust choice: the tail
weight is identified by the rare large residuals of the whole data set, which
are too few to estimate it as a function of ``x``.

``df`` has a log link above a floor, ``df = DF_FLOOR + exp(raw)``. Optimisers
such as Adam move a raw output by about the learning rate per step, so a log
link lets ``df`` change by factors (from 10 down to 3, or up to 100) within an
ordinary fit, where a softplus link would move it by single units. The
normalising constant is computed stably for large ``df`` (the t then tends to
the normal) in float32 as in float64.
"""

import math

import numpy as np
import torch
from scipy import special, stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import ScipyDistribution
from ..exceptions import TargetSupportError
from ._base import (
    Family,
    inverse_softplus,
    positive,
    power_of_two_near,
    weighted_mean_std,
    weighted_quantile,
)

__all__ = ["StudentTDistribution", "StudentTFamily", "StudentTMLPRegressor"]

#: Smallest degrees of freedom the network can express.
DF_FLOOR = 1e-2
#: Largest degrees of freedom (a t this light-tailed is a normal for any data).
DF_MAX = 1e6
_MAX_LOG_DF = math.log(DF_MAX)
#: Largest ``df`` a fit starts from. The marginal of ``y`` mixes the conditionals'
#: locations and is lighter-tailed than they are (often lighter than the normal, with
#: an optimum at infinite ``df``), so its best ``df`` is no guide to the conditional tails.
DF_START_MAX = 10.0
#: Degrees of freedom tried for the closed-form start of the constant model.
_DF_GRID = (1.0, 2.0, 3.0, 5.0, 10.0)
_HALF_LOG_PI = 0.5 * math.log(math.pi)
#: Above this ``df / 2``, ``lgamma`` differences lose digits and the series is exact.
_SERIES_FROM = 50.0
#: IQR of the standard normal, so that the robust scale of normal data is its std.
_NORMAL_IQR = 2.0 * special.ndtri(0.75)
#: Largest distance from the median, in robust standard deviations, that fits can use.
_MAX_STANDARDISED = 1e18


def _log_gamma_ratio(x):
    """``lgamma(x + 1/2) - lgamma(x)``, accurate for every ``x > 0`` in float32 and float64.

    For large ``x`` the two terms are huge and nearly equal; their difference
    is then taken from its asymptotic series (error below 1e-11 from x=50 on).
    """
    big = x.clamp(min=_SERIES_FROM)
    inv = 1.0 / big
    inv2 = inv * inv
    series = 0.5 * torch.log(big) - inv * (
        0.125 - inv2 * (1.0 / 192.0 + inv2 * (1.0 / 640.0 - inv2 * (17.0 / 14336.0)))
    )
    small = x.clamp(max=_SERIES_FROM)
    exact = torch.lgamma(small + 0.5) - torch.lgamma(small)
    return torch.where(x < _SERIES_FROM, exact, series)


def _t_nll(z, df):
    """NLL of standardised residuals ``z`` under a unit-scale t with ``df`` degrees of freedom."""
    return (
        0.5 * torch.log(df)
        + _HALF_LOG_PI
        - _log_gamma_ratio(0.5 * df)
        + 0.5 * (df + 1.0) * torch.log1p(z * z / df)
    )


def _t_logpdf(y, df, loc, scale):
    """Log density of a t with ``df``, ``loc`` and ``scale`` at ``y``, finite for any finite y.

    scipy evaluates ``log1p(z**2 / df)`` with ``z = (y - loc) / scale``, whose square
    overflows beyond ``|z| ~ 1e154`` and gives ``-inf`` where the true value,
    about ``-(df + 1) * log|z|``, is finite. For ``|z| > sqrt(df)`` the
    term is written as ``2 log|z| - log(df) + log1p(df / z**2)`` instead, and ``log|z|``
    comes from halves of ``y`` and ``loc`` where ``z`` itself overflows. The
    normalising constant uses ``poch(df / 2, 1 / 2)`` as scipy does, accurate for
    large ``df`` where ``lgamma`` differences lose digits.
    """
    half_gap = 0.5 * y - 0.5 * loc  # y - loc overflows when both are near 1.8e308
    with np.errstate(over="ignore"):  # |z| > 1.8e308 is handled in logs below
        z = 2.0 * half_gap / scale
    abs_z = np.abs(z)
    far = ~(abs_z <= np.sqrt(df))
    near_z = np.where(far, 0.0, z)
    log_abs_z = np.where(
        abs_z < np.inf,
        np.log(np.where(far, abs_z, 1.0)),
        np.log(np.where(far, np.abs(half_gap), 1.0)) + math.log(2.0) - np.log(scale),
    )
    far_z = np.where(far, abs_z, 1.0)
    log_kernel = np.where(
        far,
        2.0 * log_abs_z - np.log(df) + np.log1p(df / far_z / far_z),
        np.log1p(near_z * near_z / df),
    )
    log_norm = np.log(special.poch(0.5 * df, 0.5)) - 0.5 * np.log(df) - _HALF_LOG_PI
    log_norm = log_norm - np.log(scale)
    return log_norm - 0.5 * (df + 1.0) * log_kernel


class StudentTDistribution(ScipyDistribution):
    """Student's t distributions with ``df`` degrees of freedom, location and scale.

    Every method agrees with :data:`scipy.stats.t`, including where moments do
    not exist: the mean is undefined for ``df <= 1`` and returned as ``inf``
    (scipy's convention); the variance is ``inf`` for ``1 < df <= 2`` and
    ``nan`` for ``df <= 1``. ``mode`` and ``median`` are ``loc`` for every
    ``df``, so they are the safe point predictions. ``logpdf`` is computed in
    skprob's own stable form, equal to scipy's where scipy's is finite and
    finite for every finite ``y`` (scipy's is ``-inf`` beyond ``|y - loc| / scale
    ~ 1e154``).

    Parameters
    ----------
    df : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Degrees of freedom (positive).
    loc, scale : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Locations and (positive) scales.

    Examples
    --------
    >>> from skprob.families.student_t import StudentTDistribution
    >>> dist = StudentTDistribution(df=[1.5, 4.0], loc=[0.0, 1.0], scale=[1.0, 2.0])
    >>> dist.var()
    array([inf,  8.])
    >>> dist.median()
    array([0., 1.])
    >>> dist.interval(0.9)[1].round(3)
    array([3.705, 5.264])
    """

    param_names = ("df", "loc", "scale")

    def _scipy(self):
        return stats.t(self._params["df"], loc=self._params["loc"], scale=self._params["scale"])

    def _logdensity(self, y):
        return _t_logpdf(y, self._params["df"], self._params["loc"], self._params["scale"])

    def _undefined(self, statistic):
        limit = {"mean": 1.0, "var": 2.0, "std": 2.0}.get(statistic)
        df = self._params["df"]
        if limit is None or not np.any(df <= limit):
            return None
        found = (
            f"the model predicts df = {float(np.min(df)):.4g} (the smallest of "
            f"{int(np.sum(df <= limit))} affected value(s))"
        )
        if statistic == "mean":
            return (
                f"The mean of a Student t distribution is undefined for df <= 1, and {found}, "
                "so prediction='mean' has no value to return. Use prediction='mode' or "
                "'median' instead (both are the location)."
            )
        return (
            "The standard deviation of a Student t distribution is infinite for "
            f"1 < df <= 2 and undefined for df <= 1, and {found}, so return_std=True has "
            "no finite value to return. Describe the spread by predict_dist(X).interval(0.9) "
            "or predict_dist(X).params['scale'] instead."
        )

    def _unit_var(self):
        # df / (df - 2), the variance at scale 1; inf for 1 < df <= 2, nan for df <= 1.
        df = self._params["df"]
        ratio = np.where(df > 2.0, df / np.where(df > 2.0, df - 2.0, 1.0), np.inf)
        return np.where(df > 1.0, ratio, np.nan)

    def var(self):
        scale = self._params["scale"]
        with np.errstate(over="ignore"):  # beyond 1.8e308 inf is the correctly rounded var
            return self._unit_var() * scale * scale  # as scipy computes it

    def std(self):
        # Not sqrt(var): the variance overflows beyond scale ~1e154, the std does not.
        return np.sqrt(self._unit_var()) * self._params["scale"]

    def mode(self):
        return self._params["loc"].copy()

    def median(self):
        return self._params["loc"].copy()


class StudentTFamily(Family):
    """Student's t likelihood: location and scale depend on x, ``df`` is learned per output.

    Raw outputs per target: the location (identity), the raw scale (softplus
    with a floor) and, as a constant output, ``log(df - DF_FLOOR)``. Training
    starts at the constant t that best fits the standardised target, with its
    ``df`` capped at ``DF_START_MAX`` (10): the marginal of ``y`` is lighter-tailed
    than the conditionals, which the network then fits. The target
    is standardised robustly (median and interquartile range), because with
    heavy tails the standard deviation is dominated by a few values or infinite.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.student_t import StudentTFamily
    >>> family = StudentTFamily().fit(np.random.default_rng(0).standard_t(3, size=500))
    >>> family.n_raw_
    (2, 1)
    """

    name = "student_t"
    support = "the real numbers (finite values)"
    distribution_class = StudentTDistribution

    def _validate(self, y):
        y = np.asarray(y, dtype=np.float64)
        bad = ~np.isfinite(y)
        if bad.any():
            raise self._support_error(y, bad, "Remove or impute non-finite targets.")
        return y

    def _scaling(self, y, sample_weight):
        lower, median, upper = weighted_quantile(y, sample_weight, [0.25, 0.5, 0.75])
        scale = (upper - lower) / _NORMAL_IQR
        # Targets with more than half their weight on one value have no spread in
        # the IQR; the standard deviation (or 1) is the fallback.
        _, std = weighted_mean_std(y, sample_weight)
        scale = np.where(scale > 0, scale, np.where(std > 0, std, 1.0))
        # An outlier can lie any number of IQRs away, unlike standard deviations. Training
        # runs in float32, where the square of a residual beyond ~1e19 overflows.
        with np.errstate(over="ignore"):  # an overflow to inf is beyond the limit too
            far = ~(np.abs(y - median) / scale <= _MAX_STANDARDISED)
        if far.any():
            raise TargetSupportError(
                f"The {self.name!r} family cannot be fitted on y with values this far from "
                f"the rest: {int(far.sum())} value(s), e.g. {np.unique(y[far])[:5].tolist()}, "
                f"are more than {_MAX_STANDARDISED:.0e} robust standard deviations (IQR / 1.35, "
                f"here {scale.tolist()}) from the median, beyond what training in float32 can "
                "square. Expected y within that range: correct or remove such values, or "
                "transform y (e.g. a log or rank transform)."
            )
        return median, scale

    def _raw_layout(self, n_outputs):
        return (2 * n_outputs, n_outputs)

    def _initial_raw(self, y, sample_weight):
        w = sample_weight / sample_weight.sum()
        locs, scales, dfs = [], [], []
        for j in range(y.shape[1]):
            fits = [_fit_constant_t(y[:, j], w, df) for df in _DF_GRID]
            loc, scale, df, _ = max(fits, key=lambda fit: fit[3])
            locs.append(loc)
            scales.append(scale)
            dfs.append(df)
        return np.concatenate(
            [locs, inverse_softplus(np.maximum(scales, 1e-3)), np.log(np.asarray(dfs) - DF_FLOOR)]
        )

    def _polish_constant_model(self, raw, y, sample_weight):
        # The base class refines every raw output to the constant model's optimum;
        # ``df`` is then capped at DF_START_MAX (see there) and, where the cap binds,
        # the location and scale are refitted for the capped ``df``.
        raw = np.array(super()._polish_constant_model(raw, y, sample_weight), dtype=np.float64)
        k = self.n_outputs_
        cap = math.log(DF_START_MAX - DF_FLOOR)
        w = sample_weight / sample_weight.sum()
        for j in np.flatnonzero(raw[2 * k :] > cap):
            loc, scale, _, _ = _fit_constant_t(y[:, j], w, DF_START_MAX, n_iter=200)
            raw[j], raw[k + j], raw[2 * k + j] = loc, inverse_softplus(max(scale, 1e-3)), cap
        return raw

    def link(self, raw):
        k = self.n_outputs_
        return {
            "df": DF_FLOOR + torch.exp(raw[:, 2 * k :].clamp(max=_MAX_LOG_DF)),
            "loc": raw[:, :k],
            "scale": positive(raw[:, k : 2 * k]),
        }

    def _nll(self, raw, y):
        params = self.link(raw)
        scale = params["scale"]
        z = (y - params["loc"]) / scale
        return (_t_nll(z, params["df"]) + torch.log(scale)).sum(dim=1)

    def _to_original(self, params):
        return {
            "df": params["df"],
            "loc": params["loc"] * self.scale_ + self.loc_,
            "scale": params["scale"] * self.scale_,
        }

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return 10.0 + 2.0 * np.random.default_rng(random_state).standard_t(4.0, size=n_samples)


def _fit_constant_t(y, w, df, n_iter=30):
    """Weighted maximum-likelihood location and scale of a t with fixed ``df`` (EM).

    Returns ``(loc, scale, df, mean log-likelihood)``.
    """
    loc = float(weighted_quantile(y[:, None], w, [0.5])[0, 0])
    scale = max(_weighted_rms(y - loc, w), 1e-3)
    for _ in range(n_iter):
        # E-step: each row's latent precision; M-step: weighted mean and scale.
        with np.errstate(over="ignore"):  # z**2 beyond 1.8e308: u = 0 is the rounded value
            u = (df + 1.0) / (df + ((y - loc) / scale) ** 2)
        loc = float((w * u) @ y / (w @ u))
        scale = max(_weighted_rms(y - loc, w * u), 1e-3)
    log_lik = float(w @ _t_logpdf(y, df, loc, scale))
    return loc, scale, df, log_lik


def _weighted_rms(r, w):
    """``sqrt(w @ r**2)``, with ``r`` divided by a power of two near its largest ``|r|``
    first (an exact scaling): squares of values beyond ~1e154 overflow."""
    unit = power_of_two_near(np.max(np.abs(r), initial=0.0))
    return float(np.sqrt(w @ (r / unit) ** 2) * unit)


@fill_doc
class StudentTMLPRegressor(MLPDistributionRegressor):
    """MLP regression with a Student's t likelihood: location, scale and learned tails.

    The network has two outputs per target, the location and the scale
    (softplus with a floor); the degrees of freedom ``df`` are one learned
    constant per target (log link above a floor of 0.01). Small ``df`` gives
    heavy tails, so outliers barely pull the location; large ``df`` recovers
    the heteroscedastic normal model. A 2-D ``y`` is modelled as independent
    outputs. The mean exists only for ``df > 1`` and the variance only for
    ``df > 2``; the default point prediction, the mode, is always the location.
    Where the fitted ``df`` is too small, :meth:`predict` raises a
    ``ValueError`` instead of returning ``inf`` or ``nan``: with
    ``prediction="mean"`` for ``df <= 1``, and with ``return_std=True`` for
    ``df <= 2`` (the standard deviation is then infinite or undefined). The
    spread is still described by ``predict_dist(X).interval(0.9)`` or the
    ``scale`` parameter, and the distribution object keeps scipy's
    conventions (``mean``, ``var`` and ``std`` give ``inf`` or ``nan`` there).

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`; ``"auto"`` is the mode. All are the
        location when ``df > 1``; the mean does not exist otherwise (an error).
    {mlp_parameters}

    Attributes
    ----------
    {fitted_attributes}

    See Also
    --------
    HeteroscedasticRegressor : the normal limit, ``df`` to infinity.
    LaplaceMLPRegressor : exponential tails.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import StudentTMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(300, 1))
    >>> y = 3 * X[:, 0] + 0.2 * rng.standard_t(2.0, size=300)
    >>> model = StudentTMLPRegressor(max_iter=50, random_state=0).fit(X, y)
    >>> dist = model.predict_dist(X[:3])
    >>> dist.params["df"].shape, bool(np.all(dist.params["df"] == dist.params["df"][0]))
    ((3,), True)
    """

    def _make_family(self):
        return StudentTFamily()
