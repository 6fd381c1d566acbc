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
from scipy import stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import CenteredAtLoc, ScipyDistribution
from ._base import Family, Parameter
from ._cdf import log_betainc, numpy_function
from ._links import Exp, Identity, Softplus
from ._numerics import power_of_two_near, weighted_quantile
from ._scaling import RobustStandardize
from ._support import RealLine

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
_LOG_2 = math.log(2.0)
#: Above this ``df / 2``, ``lgamma`` differences lose digits and the series is exact.
_SERIES_FROM = 50.0


def _log_gamma_ratio(x):
    """``lgamma(x + 1/2) - lgamma(x)``, accurate for every ``x > 0`` in float32 and float64.

    For large ``x`` the two terms are huge and nearly equal; their difference
    is then taken from its asymptotic series, ``log(x) / 2 - 1 / (8 x) + 1 / (192 x**3) -
    1 / (640 x**5) + 17 / (14336 x**7)`` (error below 1e-15 from x=50 on).
    """
    big = x.clamp(min=_SERIES_FROM)
    inv = 1.0 / big
    inv2 = inv * inv
    series = 0.5 * torch.log(big) - inv * (
        0.125 - inv2 * (1.0 / 192.0 - inv2 * (1.0 / 640.0 - inv2 * (17.0 / 14336.0)))
    )
    small = x.clamp(max=_SERIES_FROM)
    exact = torch.lgamma(small + 0.5) - torch.lgamma(small)
    return torch.where(x < _SERIES_FROM, exact, series)


def t_log_density(y, df, loc, scale):
    """Log density of a t with ``df``, ``loc`` and ``scale`` at ``y`` (torch), finite for any
    finite ``y``.

    The kernel ``log1p(z**2 / df)``, ``z = (y - loc) / scale``, overflows where
    ``z**2`` does (beyond ``|z| ~ 1e154`` in float64, ``1e19`` in float32), while its
    true value, about ``2 log|z| - log(df)``, is moderate. There it is written as
    ``2 log|z| - log(df) + log1p(df / z**2)``, and ``log|z|`` comes from halves of ``y``
    and ``loc`` where ``z`` itself overflows. Elsewhere the plain kernel is used, so
    training (float32) and scoring (float64) compute the same expression.
    """
    z = (y - loc) / scale
    plain = torch.log1p(z * z / df)
    far = ~torch.isfinite(plain)
    abs_z = torch.where(far, z.abs(), torch.ones_like(z))
    half_gap = torch.where(far, (0.5 * y - 0.5 * loc).abs(), torch.ones_like(z))
    log_abs_z = torch.where(
        torch.isfinite(abs_z), torch.log(abs_z), torch.log(half_gap) + _LOG_2 - torch.log(scale)
    )
    far_kernel = 2.0 * log_abs_z - torch.log(df) + torch.log1p(df / abs_z / abs_z)
    kernel = torch.where(far, far_kernel, plain)
    nll = (
        0.5 * torch.log(df)
        + _HALF_LOG_PI
        - _log_gamma_ratio(0.5 * df)
        + 0.5 * (df + 1.0) * kernel
    )
    return -(nll + torch.log(scale))


def _t_log_cdf(y, df, loc, scale):
    """Log cdf of a t (numpy), from the incomplete beta function in log space.

    ``cdf(t) = I_x(df / 2, 1 / 2) / 2`` for ``t < 0`` with ``x = df / (df + t**2)``,
    taken through ``log x`` and ``log(1 - x)`` so that far tails (tiny ``x``) stay finite.
    """
    t = (y - loc) / scale
    with np.errstate(over="ignore", divide="ignore"):
        t2 = t * t
        log_df_t2 = np.where(np.isfinite(t2), np.log(df + t2),
                             2.0 * np.log(np.abs(t)) + np.log1p(df / np.inf))
        log_x = np.log(df) - log_df_t2
        log_1mx = np.where(t2 > 0, 2.0 * np.log(np.abs(t)) - log_df_t2, -np.inf)
    half_tail = log_betainc(0.5 * df, 0.5, log_x, log_1mx) + math.log(0.5)  # log cdf(-|t|)
    return np.where(t < 0, half_tail, np.log1p(-np.exp(half_tail)))


class StudentTDistribution(CenteredAtLoc, ScipyDistribution):
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
    # The mean exists only for df > 1 (scipy's inf below): not the location.
    mean = ScipyDistribution.mean
    support = RealLine()
    param_units = {"loc": "location", "scale": "scale"}

    @staticmethod
    def log_density(params, y):
        return t_log_density(y, params["df"], params["loc"], params["scale"])

    @staticmethod
    def log_cdf(params, y):
        return numpy_function(_t_log_cdf, y, params["df"], params["loc"], params["scale"])

    @staticmethod
    def log_sf(params, y):
        return numpy_function(_t_log_cdf, -y, params["df"], -params["loc"], params["scale"])

    def _scipy(self):
        return stats.t(self._params["df"], loc=self._params["loc"], scale=self._params["scale"])

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
    distribution_class = StudentTDistribution
    # With heavy tails the standard deviation is dominated by a few values, or infinite.
    target_scaling = RobustStandardize()
    params = {
        "loc": Parameter(Identity()),
        "scale": Parameter(Softplus()),
        "df": Parameter(
            Exp(floor=DF_FLOOR, upper=_MAX_LOG_DF),
            depends_on_x=False,
            start_range=(DF_FLOOR, DF_START_MAX),
        ),
    }

    def initial_params(self, y, sample_weight):
        w = sample_weight / sample_weight.sum()
        fits = [max((_fit_constant_t(column, w, df) for df in _DF_GRID), key=lambda f: f[3])
                for column in y.T]
        loc, scale, df, _ = (np.array(values) for values in zip(*fits, strict=True))
        return {"loc": loc, "scale": np.maximum(scale, 1e-3), "df": df}

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
    as_tensor = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float64))  # noqa: E731
    log_density = t_log_density(as_tensor(y), as_tensor(df), as_tensor(loc), as_tensor(scale))
    return loc, scale, df, float(w @ log_density.numpy())


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

    family = StudentTFamily
