"""Distributions of a transformed target, mapped back exactly by a change of variables.

A regressor fitted on ``z = f(y)`` predicts a distribution for ``z``; the
distribution of ``y = g(z)``, with ``g = f^-1`` strictly increasing, has

* quantiles ``g(ppf_z(q))`` and cdf ``cdf_z(f(y))`` (order is kept),
* density ``pdf_z(f(y)) / g'(f(y))``, i.e. ``logpdf_z(z) - log g'(z)``.

So a normal fitted on ``log y`` is a log-normal on ``y``, with exact quantiles,
cdf and density. Only transforms whose inverse and its derivative are known are
accepted: the numpy functions in :data:`KNOWN_TRANSFORMS`, an affine scaler
(``StandardScaler``), the identity, or a :class:`MonotoneFunctionTransformer`
that states ``inverse_derivative``. Anything else is refused with a message,
never approximated.
"""

import math
from dataclasses import dataclass

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import special
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from ..distributions import Distribution
from ..families._support import (
    Counts,
    Directions,
    PositiveReals,
    RealLine,
    Support,
    UnitInterval,
)

__all__ = [
    "KNOWN_TRANSFORMS",
    "MonotoneFunctionTransformer",
    "MonotoneTransform",
    "TransformedDistribution",
    "target_transform",
]


@dataclass(frozen=True)
class MonotoneTransform:
    """A strictly increasing map ``y = inverse(z)`` with the log of its derivative.

    Parameters
    ----------
    name : str
        How messages and ``repr`` name it, e.g. ``"exp"``.
    forward : callable
        ``z = forward(y)``, the transform the regressor was trained on.
    inverse : callable
        ``y = inverse(z)``.
    log_derivative : callable
        ``log(d inverse / dz)`` at ``z``.
    z_range : tuple of float
        Open interval of ``z`` on which ``inverse`` is defined and increasing.
    y_range : tuple of float
        Its image: the support of the transformed distribution.
    affine : tuple of float or None, default=None
        ``(a, b)`` when ``inverse(z) = a + b * z``; moments then map exactly.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.compose import KNOWN_TRANSFORMS
    >>> exp = KNOWN_TRANSFORMS["log"]
    >>> float(exp.inverse(0.0)), float(exp.log_derivative(0.0))
    (1.0, 0.0)
    """

    name: str
    forward: object
    inverse: object
    log_derivative: object
    z_range: tuple = (-math.inf, math.inf)
    y_range: tuple = (-math.inf, math.inf)
    affine: tuple | None = None


def _affine(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return MonotoneTransform(
        name="affine" if np.any(a != 0) or np.any(b != 1) else "identity",
        forward=lambda y: (y - a) / b,
        inverse=lambda z: a + b * z,
        log_derivative=lambda z: np.broadcast_to(np.log(b), np.shape(z)),
        affine=(a, b),
    )


def _log_of_two_z(z):
    with np.errstate(divide="ignore"):
        return np.log(2.0 * z)


def _minus_log(z):
    with np.errstate(divide="ignore"):
        return -np.log(z)


#: The forward functions understood without a stated derivative, by name, each with its
#: inverse: the target transforms of ``TransformedTargetRegressor(func=..., inverse_func=...)``.
KNOWN_TRANSFORMS = {
    "log": MonotoneTransform("exp", np.log, np.exp, lambda z: z, y_range=(0.0, math.inf)),
    "log1p": MonotoneTransform("expm1", np.log1p, np.expm1, lambda z: z, y_range=(-1.0, math.inf)),
    "sqrt": MonotoneTransform(
        "square", np.sqrt, np.square, _log_of_two_z, z_range=(0.0, math.inf),
        y_range=(0.0, math.inf),
    ),
    "exp": MonotoneTransform("log", np.exp, np.log, _minus_log, z_range=(0.0, math.inf)),
}
_NUMPY_PAIRS = {
    (np.log, np.exp): "log",
    (np.log1p, np.expm1): "log1p",
    (np.sqrt, np.square): "sqrt",
    (np.exp, np.log): "exp",
}


class MonotoneFunctionTransformer(FunctionTransformer):
    """A :class:`~sklearn.preprocessing.FunctionTransformer` that states its inverse's derivative.

    Use it as ``TransformedTargetRegressor(transformer=...)`` for a strictly
    increasing target transform that :data:`KNOWN_TRANSFORMS` does not cover;
    :func:`skprob.predict_dist` then maps the predicted distribution back by
    the change of variables, with ``inverse_derivative`` as the Jacobian.

    Parameters
    ----------
    func : callable
        The forward transform ``z = func(y)``, strictly increasing.
    inverse_func : callable
        Its inverse, ``y = inverse_func(z)``.
    inverse_derivative : callable
        ``d inverse_func / dz`` at ``z``, positive.
    z_range : tuple of float, default=(-inf, inf)
        Interval of ``z`` on which ``inverse_func`` is defined; the predicted
        distribution of ``z`` must live inside it.
    check_inverse : bool, default=True
        As for :class:`~sklearn.preprocessing.FunctionTransformer`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.compose import TransformedTargetRegressor
    >>> from skprob import HeteroscedasticRegressor
    >>> from skprob.compose import MonotoneFunctionTransformer
    >>> cube_root = MonotoneFunctionTransformer(
    ...     np.cbrt, lambda z: z**3, inverse_derivative=lambda z: 3 * z**2)
    >>> model = TransformedTargetRegressor(HeteroscedasticRegressor(), transformer=cube_root)
    """

    def __init__(
        self, func=None, inverse_func=None, *, inverse_derivative=None,
        z_range=(-math.inf, math.inf), check_inverse=True,
    ):
        super().__init__(func=func, inverse_func=inverse_func, check_inverse=check_inverse)
        self.inverse_derivative = inverse_derivative
        self.z_range = z_range


def target_transform(transformer):
    """The :class:`MonotoneTransform` of a fitted target transformer, or a clear refusal.

    Parameters
    ----------
    transformer : fitted transformer
        ``TransformedTargetRegressor.transformer_``.

    Returns
    -------
    MonotoneTransform

    Raises
    ------
    TypeError
        If the transform's inverse derivative is not known, so the distribution
        cannot be mapped back exactly.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> target_transform(FunctionTransformer(np.log, np.exp)).name
    'exp'
    """
    if isinstance(transformer, MonotoneFunctionTransformer):
        if transformer.inverse_derivative is None or transformer.inverse_func is None:
            raise TypeError(
                "MonotoneFunctionTransformer needs inverse_func and inverse_derivative to map a "
                "distribution back; got inverse_func="
                f"{transformer.inverse_func!r}, inverse_derivative="
                f"{transformer.inverse_derivative!r}."
            )
        derivative = transformer.inverse_derivative

        def log_derivative(z):
            with np.errstate(divide="ignore"):
                return np.log(derivative(z))

        return MonotoneTransform(
            getattr(transformer.inverse_func, "__name__", "inverse_func"),
            transformer.func if transformer.func is not None else (lambda y: y),
            transformer.inverse_func,
            log_derivative,
            z_range=tuple(transformer.z_range),
            y_range=tuple(transformer.inverse_func(np.asarray(transformer.z_range, float))),
        )
    if type(transformer) is FunctionTransformer:
        func, inverse = transformer.func, transformer.inverse_func
        if not (transformer.kw_args or transformer.inv_kw_args):
            if func is None and inverse is None:
                return _affine(0.0, 1.0)
            name = _NUMPY_PAIRS.get((func, inverse))
            if name is not None:
                return KNOWN_TRANSFORMS[name]
        raise TypeError(
            f"Cannot map a distribution back through func={func!r}, inverse_func={inverse!r}: "
            "its inverse's derivative is unknown. Expected one of the pairs "
            f"{[f'np.{f.__name__} / np.{g.__name__}' for f, g in _NUMPY_PAIRS]}, or a "
            "skprob.compose.MonotoneFunctionTransformer that states inverse_derivative."
        )
    if isinstance(transformer, StandardScaler):
        n = transformer.n_features_in_
        mean = transformer.mean_ if transformer.with_mean else np.zeros(n)
        scale = transformer.scale_ if transformer.with_std else np.ones(n)
        return _affine(np.ravel(mean), np.ravel(scale))
    raise TypeError(
        f"Cannot map a distribution back through {type(transformer).__name__}: only strictly "
        "increasing transforms with a known inverse derivative are exact (numpy's log, log1p, "
        "sqrt and exp as func, StandardScaler, or a skprob.compose.MonotoneFunctionTransformer "
        "that states inverse_derivative)."
    )


class _Interval(Support):
    """The open interval ``(lower, upper)``: the support of a transformed distribution."""

    def __init__(self, lower, upper):
        self.lower, self.upper = float(lower), float(upper)
        self.description = f"the interval ({self.lower:g}, {self.upper:g})"
        self.positive_only = self.lower >= 0

    def outside(self, y):
        return ~((y > self.lower) & (y < self.upper))


#: Each support's interval, for checking that a transform's domain holds it.
_SUPPORT_INTERVALS = {
    RealLine: (-math.inf, math.inf),
    PositiveReals: (0.0, math.inf),
    UnitInterval: (0.0, 1.0),
}
#: Nodes beyond this many standard deviations are dropped: Phi(t) rounds to 1 past ~8.3,
#: where a quantile would be infinite, and their weights are below 1e-14.
_MAX_NODE = 8.0


def _rule(n):
    nodes, weights = hermegauss(n)
    keep = np.abs(nodes) <= _MAX_NODE
    return nodes[keep], weights[keep] / math.sqrt(2 * math.pi)


#: Gauss–Hermite rules (probabilists') for moments without a closed form, and a check rule.
_QUADRATURE = (_rule(48), _rule(96))
#: Relative difference between the two rules beyond which a moment is called undefined.
_QUADRATURE_RTOL = 1e-6


class TransformedDistribution(Distribution):
    """The distribution of ``y = g(z)`` for a predicted distribution of ``z``, ``g`` increasing.

    Quantiles, the cdf and the density are exact: ``ppf(q) = g(base.ppf(q))``,
    ``cdf(y) = base.cdf(g^-1(y))`` and ``logpdf(y) = base.logpdf(z) - log g'(z)``
    with ``z = g^-1(y)``. The mean and variance are exact for an affine ``g``
    and for a normal base under ``exp`` or ``expm1`` (the log-normal), refused
    for other bases under those (a Student t's do not exist), and otherwise
    computed by Gauss–Hermite quadrature over probability levels, refused as
    undefined when a rule twice as fine disagrees. The mode does not follow a
    transform: it is given where known in closed form, the median otherwise
    is the robust point.

    Parameters
    ----------
    base : Distribution
        The distribution of the transformed target ``z``, one per row.
    transform : MonotoneTransform
        ``y = transform.inverse(z)``.
    index : pandas.Index or None, default=None
        Row labels; those of ``base`` when ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.compose import KNOWN_TRANSFORMS, TransformedDistribution
    >>> from skprob.families.normal import NormalDistribution
    >>> lognormal = TransformedDistribution(
    ...     NormalDistribution(loc=[0.0], scale=[1.0]), KNOWN_TRANSFORMS["log"])
    >>> lognormal.median(), lognormal.mean().round(4)
    (array([1.]), array([1.6487]))
    >>> lognormal.to_frame()
       loc  scale
    0  0.0    1.0
    """

    def __init__(self, base, transform, *, index=None):
        if not isinstance(base, Distribution):
            raise TypeError(f"base must be a skprob Distribution; got {type(base).__name__}.")
        support = getattr(base, "support", None)
        if base.discrete or base.event_ndim or support is None or support.labels \
                or support.joint or isinstance(support, (Counts, Directions)):
            raise TypeError(
                f"A target transform maps densities of real-valued targets; "
                f"{type(base).__name__} is over {getattr(support, 'description', 'vectors')}. "
                "Fit the regressor on the untransformed target instead."
            )
        lower, upper = _SUPPORT_INTERVALS.get(type(support), (-math.inf, math.inf))
        if isinstance(support, _Interval):
            lower, upper = support.lower, support.upper
        z_low, z_high = transform.z_range
        if lower < z_low or upper > z_high:
            raise TypeError(
                f"The inverse transform {transform.name} is defined for z in ({z_low:g}, "
                f"{z_high:g}), but {type(base).__name__} puts probability on ({lower:g}, "
                f"{upper:g}); the distribution of y would not be a distribution. Use a target "
                "transform whose range is the whole real line (e.g. np.log or np.log1p), or a "
                "family whose support lies inside that interval."
            )
        self.base = base
        self.transform = transform
        self.support = _Interval(*transform.y_range)
        self.param_names = base.param_names
        self._params = base._params
        self._n_rows = len(base)
        self._index = base._index if index is None else index
        self.output_names = base.output_names

    # -- container protocol --------------------------------------------------
    def _param_event_ndim(self, name):
        return self.base._param_event_ndim(name)

    @property
    def batch_shape(self):
        return self.base.batch_shape

    def __getitem__(self, key):
        rows = np.arange(len(self))[[key] if isinstance(key, int | np.integer) else key]
        return TransformedDistribution(self.base[rows], self.transform, index=self.index[rows])

    def __repr__(self):
        return (
            f"TransformedDistribution(n_rows={len(self)}, base={type(self.base).__name__}, "
            f"inverse={self.transform.name})"
        )

    def to_frame(self):
        """The base distribution's parameters (those of ``z``), indexed like ``X``.

        Returns
        -------
        pandas.DataFrame
        """
        return self.base.to_frame().set_axis(self.index)

    def _check_y(self, y):
        return self.base._check_y(y)

    # -- the change of variables ------------------------------------------------
    def _to_z(self, y):
        """``z = g^-1(y)`` where ``y`` is in the support (NaN elsewhere) and the mask."""
        y = np.asarray(y, dtype=np.float64)
        inside = ~self.support.outside(y)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(inside, self.transform.forward(np.where(inside, y, np.nan)), np.nan)
        return z, inside

    def _logdensity(self, y):
        z, inside = self._to_z(y)
        safe = np.where(inside, z, self._inner_point())
        with np.errstate(divide="ignore", invalid="ignore"):
            value = self.base._logdensity(safe) - self.transform.log_derivative(safe)
        return np.where(inside, value, -np.inf)

    def _inner_point(self):
        return self.base.median()

    def cdf(self, y):
        y = self._check_y(y)
        z, inside = self._to_z(y)
        value = self.base.cdf(np.where(inside, z, self._inner_point()))
        above = y >= self.support.upper
        return np.where(inside, value, np.where(above, 1.0, 0.0))

    def sf(self, y):
        y = self._check_y(y)
        z, inside = self._to_z(y)
        value = self.base.sf(np.where(inside, z, self._inner_point()))
        above = y >= self.support.upper
        return np.where(inside, value, np.where(above, 0.0, 1.0))

    def ppf(self, q):
        return self.transform.inverse(self.base.ppf(q))

    def median(self):
        return self.transform.inverse(self.base.median())

    def _sample(self, shape, rng):
        return self.transform.inverse(self.base._sample(shape, rng))

    # -- moments and the mode -----------------------------------------------------
    def _lognormal(self):
        """``(mu, sigma, shift)`` when this is a (shifted) log-normal, else ``None``."""
        from ..families.normal import NormalDistribution

        if isinstance(self.base, NormalDistribution) and self.transform.name in ("exp", "expm1"):
            shift = -1.0 if self.transform.name == "expm1" else 0.0
            return self.base._params["loc"], self.base._params["scale"], shift
        return None

    def _quadrature(self, power):
        """``E[y ** power]`` by two Gauss–Hermite rules over ``u = Phi(t)``, or ``None``."""
        estimates = []
        with np.errstate(invalid="ignore", over="ignore"):
            for nodes, weights in _QUADRATURE:
                values = [self.transform.inverse(self.base.ppf(special.ndtr(t))) ** power
                          for t in nodes]
                estimates.append(sum(w * v for w, v in zip(weights, values, strict=True)))
            coarse, fine = estimates
            agree = np.isfinite(fine) & (
                np.abs(coarse - fine) <= _QUADRATURE_RTOL * np.abs(fine) + 1e-300
            )
        return fine if np.all(agree) else None

    def _undefined(self, statistic):
        if statistic not in ("mean", "var", "std"):
            return None
        if self.transform.affine is not None:
            return self.base._undefined(statistic)
        if self._lognormal() is not None:
            return None
        if self.transform.name in ("exp", "expm1"):
            return (
                f"The {statistic} of y = {self.transform.name}(z) is finite only when z has "
                f"light tails; skprob computes it for a normal z (a log-normal y), not for a "
                f"{type(self.base).__name__} z (for a Student t it does not exist). Use median() "
                "and interval() instead."
            )
        if self._quadrature(1 if statistic == "mean" else 2) is None:
            return (
                f"The {statistic} of y = {self.transform.name}(z) for a {type(self.base).__name__}"
                " z does not exist or cannot be computed reliably (its quadrature does not "
                "converge). Use median() and interval() instead."
            )
        return None

    def mean(self):
        if self.transform.affine is not None:
            a, b = self.transform.affine
            return a + b * self.base.mean()
        lognormal = self._lognormal()
        if lognormal is not None:
            mu, sigma, shift = lognormal
            return np.exp(mu + 0.5 * sigma**2) + shift
        self._require_defined("mean")
        return self._quadrature(1)

    def var(self):
        if self.transform.affine is not None:
            a, b = self.transform.affine
            return b**2 * self.base.var()
        lognormal = self._lognormal()
        if lognormal is not None:
            mu, sigma, _ = lognormal
            return np.expm1(sigma**2) * np.exp(2.0 * mu + sigma**2)
        self._require_defined("var")
        second = self._quadrature(2)
        return np.maximum(second - self.mean() ** 2, 0.0)

    def mode(self):
        if self.transform.affine is not None:
            a, b = self.transform.affine
            return a + b * self.base.mode()
        lognormal = self._lognormal()
        if lognormal is not None:
            mu, sigma, shift = lognormal
            return np.exp(mu - sigma**2) + shift
        raise NotImplementedError(
            f"The mode of y = {self.transform.name}(z) for a {type(self.base).__name__} z has "
            "no closed form here (a mode does not follow a non-linear transform); use median()."
        )
