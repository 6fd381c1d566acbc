"""Mixture of Gaussians: multimodal and skewed real targets (a mixture density network).

For each output the network predicts ``K`` mixture logits (normalised by a
log-softmax), ``K`` component means and ``K`` component standard deviations
(softplus with a floor); the NLL is a log-sum-exp over components, so it stays
finite when a row lies far from every component. Training starts at a constant
mixture fitted to the standardised target (means at its quantiles, refined by
a few expectation-maximisation steps), so that the components start apart and
the network does not have to break their symmetry. A 2-D ``y`` is modelled as
independent outputs, each with its own ``K`` components.
"""

import math
from numbers import Integral

import numpy as np
import pandas as pd
import torch
from scipy import special

from .._compat import Interval
from .._docs import fill_doc
from .._solvers import bracketed_quantile
from ..base import MLPDistributionRegressor
from ..distributions import Distribution
from ._base import Family, Parameter
from ._links import Identity, LogSoftmax, Softplus
from ._numerics import (
    ScaledVarianceMixin,
    power_of_two_near,
    weighted_mean_std,
    weighted_quantile,
)
from ._scaling import Standardize
from ._support import RealLine
from .normal import normal_log_density, standardized_residual

__all__ = ["GaussianMixtureDistribution", "MixtureDensityRegressor", "MixtureFamily"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
#: Floor of the component scales in standardised units: a component may not shrink
#: onto a single training value, where the likelihood would grow without bound.
MIXTURE_SCALE_FLOOR = 1e-4
#: Iterations of the vectorised mode search (each a safeguarded Newton step).
_MAX_SEARCH_STEPS = 200
#: Precision of the root and mode searches, relative to the component scales.
_X_RTOL = 1e-12


def _mixture_log_density(log_weights, loc, scale, y):
    """Log-density of Gaussian mixtures (components on the last axis) at ``y`` (torch)."""
    z = standardized_residual(y[..., None], loc, scale)
    component = log_weights - 0.5 * z * z - torch.log(scale) - _HALF_LOG_2PI
    return torch.logsumexp(component, dim=-1)


class GaussianMixtureDistribution(ScaledVarianceMixin, Distribution):
    """Mixtures of ``K`` normal distributions, one mixture per row (and output).

    Parameters carry the components on their last axis. ``log_weights`` may be
    unnormalised: they are normalised (log-softmax) on construction.
    Summaries without a closed form are computed numerically, vectorised over
    rows: ``ppf`` (and so ``median`` and ``interval``) by a bracketed Newton
    search on the cdf to near machine precision, ``mode`` by hill-climbing
    from every component mean and keeping the highest density.

    Parameters
    ----------
    log_weights, loc, scale : array-like of shape (n_rows, K) or (n_rows, n_outputs, K)
        Log mixture weights, component means and component standard deviations.
        A 1-D array is one row.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.mixture import GaussianMixtureDistribution
    >>> dist = GaussianMixtureDistribution(log_weights=np.log([[0.5, 0.5]]),
    ...                                    loc=[[-2.0, 2.0]], scale=[[1.0, 1.0]])
    >>> dist.mean(), dist.var()
    (array([0.]), array([5.]))
    >>> float(np.abs(dist.mode()[0]).round(4))
    1.9987
    >>> dist.cdf(dist.ppf(0.3)).round(12)
    array([0.3])
    """

    param_names = ("log_weights", "loc", "scale")
    support = RealLine()
    param_units = {"loc": "location", "scale": "scale"}

    @staticmethod
    def log_density(params, y):
        return _mixture_log_density(params["log_weights"], params["loc"], params["scale"], y)

    @staticmethod
    def log_cdf(params, y):
        z = standardized_residual(y[..., None], params["loc"], params["scale"])
        return torch.logsumexp(params["log_weights"] + torch.special.log_ndtr(z), dim=-1)

    @staticmethod
    def log_sf(params, y):
        z = standardized_residual(y[..., None], params["loc"], params["scale"])
        return torch.logsumexp(params["log_weights"] + torch.special.log_ndtr(-z), dim=-1)

    def __init__(self, *, index=None, output_names=None, **params):
        super().__init__(index=index, output_names=output_names, **params)
        shapes = {name: value.shape for name, value in self._params.items()}
        if len(set(shapes.values())) != 1:
            raise ValueError(
                f"log_weights, loc and scale of a mixture need the same shape; got {shapes}."
            )
        log_weights = self._params["log_weights"]
        self._params["log_weights"] = log_weights - special.logsumexp(
            log_weights, axis=-1, keepdims=True
        )

    def _as_param(self, name, value):
        value = np.asarray(value, dtype=np.float64)
        if value.ndim == 0:
            raise ValueError(f"{name} of a mixture needs a components axis; got a scalar.")
        return value[None, :] if value.ndim == 1 else value

    def _param_event_ndim(self, name):
        return 1

    @property
    def n_components(self):
        """Number of mixture components ``K``."""
        return self._params["loc"].shape[-1]

    def weights(self):
        """Mixture weights, shape ``batch_shape + (K,)``, summing to one."""
        return np.exp(self._params["log_weights"])

    def to_frame(self):
        """Weights, means and scales as a :class:`pandas.DataFrame`, one row per mixture.

        Columns are ``"<param>[<component>]"``, or ``"<param>[<output>][<component>]"``
        for a model fitted on a 2-D ``y`` (output names from its columns).

        Returns
        -------
        pandas.DataFrame
        """
        params = {"weight": self.weights(), "loc": self._params["loc"],
                  "scale": self._params["scale"]}
        components = range(self.n_components)
        columns = {}
        for name, value in params.items():
            if value.ndim == 2:
                for j in components:
                    columns[f"{name}[{j}]"] = value[:, j]
                continue
            outputs = self._column_labels(value.shape[1])
            for i, output in enumerate(outputs):
                for j in components:
                    columns[f"{name}[{output}][{j}]"] = value[:, i, j]
        return pd.DataFrame(columns, index=self.index)

    # -- moments ---------------------------------------------------------------
    def mean(self):
        return np.sum(self.weights() * self._params["loc"], axis=-1)

    def _scaled_var(self):
        # In units of a power of two near each row's largest location or scale (an
        # exact scaling): squares beyond ~1e154 overflow where the std does not.
        w, loc, scale = self.weights(), self._params["loc"], self._params["scale"]
        largest = np.maximum(np.max(np.abs(loc), axis=-1), np.max(scale, axis=-1))
        unit = power_of_two_near(largest)[..., None]  # an exact scaling
        loc, scale = loc / unit, scale / unit
        # Law of total variance: mean of the variances plus variance of the means.
        mean = np.sum(w * loc, axis=-1, keepdims=True)
        return np.sum(w * (scale**2 + (loc - mean) ** 2), axis=-1), unit[..., 0]

    # -- densities ---------------------------------------------------------------
    def _component_logpdf(self, y, params=None):
        params = self._params if params is None else params
        return params["log_weights"] + _numpy_normal_logpdf(
            np.asarray(y)[..., None], params["loc"], params["scale"]
        )

    def _cdf(self, y, params):
        z = (np.asarray(y)[..., None] - params["loc"]) / params["scale"]
        return np.sum(np.exp(params["log_weights"]) * special.ndtr(z), axis=-1)

    def cdf(self, y):
        return self._cdf(self._check_y(y), self._params)

    def sf(self, y):
        z = (self._check_y(y)[..., None] - self._params["loc"]) / self._params["scale"]
        return np.sum(self.weights() * special.ndtr(-z), axis=-1)

    # -- quantiles ---------------------------------------------------------------
    def ppf(self, q):
        """Quantile function, broadcast against the rows, solved to near machine precision.

        The root of ``cdf(x) = q`` is bracketed by the components' own
        ``q``-quantiles (the smallest has ``cdf <= q``, the largest ``cdf >= q``)
        and found by Newton steps that fall back to bisection whenever they
        leave the bracket, until ``x`` is known to 1e-12 of the component
        scales. ``q`` outside [0, 1] gives ``nan``, as in scipy.
        """
        q = np.asarray(q, dtype=np.float64)
        shape = np.broadcast_shapes(q.shape, self.batch_shape)
        n_components = self.n_components
        q = np.broadcast_to(q, shape).reshape(-1)
        params = {
            k: np.broadcast_to(v, shape + (n_components,)).reshape(-1, n_components)
            for k, v in self._params.items()
        }
        inside = (q > 0.0) & (q < 1.0)
        q_in = np.where(inside, q, 0.5)
        component_q = params["loc"] + params["scale"] * special.ndtri(q_in)[:, None]
        lower = np.where(inside, component_q.min(axis=1), 0.0)
        upper = np.where(inside, component_q.max(axis=1), 0.0)

        def subset(index):
            return {k: v[index] for k, v in params.items()}

        x = bracketed_quantile(
            lambda x, index: self._cdf(x, subset(index)),
            lambda x, index: special.logsumexp(
                self._component_logpdf(x, subset(index)), axis=1),
            q_in, lower, upper, x_tol=_X_RTOL * params["scale"].min(axis=1),
        )
        out = np.where(inside, x, np.nan)
        out = np.where(q == 0.0, -np.inf, np.where(q == 1.0, np.inf, out))
        return out.reshape(shape)

    # -- mode ------------------------------------------------------------------
    def mode(self):
        """The highest density point of each mixture.

        Starts one hill-climb at every component mean and keeps the best end
        point. Each step is a Newton step on the log density where that is
        concave and raises the density, and otherwise the mixture's fixed-point
        (mean-shift) step ``sum_j r_j mu_j / s_j^2 / sum_j r_j / s_j^2``, with
        ``r_j`` the responsibilities; a step that lowers the density is not
        taken. A climb stops when its steps fall below 1e-12 of the scales.
        """
        n_components = self.n_components
        # One problem per (row, starting component), each with all K components.
        params = {
            k: np.repeat(v.reshape(-1, n_components), n_components, axis=0)
            for k, v in self._params.items()
        }
        x = self._params["loc"].reshape(-1).copy()
        log_p = special.logsumexp(self._component_logpdf(x, params), axis=1)
        tolerance = _X_RTOL * params["scale"].min(axis=1)
        active = np.arange(len(x)) if n_components > 1 else np.arange(0)
        for _ in range(_MAX_SEARCH_STEPS):
            if active.size == 0:
                break
            sub = {k: v[active] for k, v in params.items()}
            xa, log_pa = x[active], log_p[active]
            # v_j ~ r_j / s_j^2 normalised in logs (precisions of scales far apart over- or
            # underflow). With T = sum_j r_j / s_j^2 and d = sum_j v_j (mu_j - x), the
            # log density has gradient T d and curvature T c, c = sum_j v_j z_j^2 - 1 - T d^2.
            log_r = self._component_logpdf(xa, sub)
            log_r -= special.logsumexp(log_r, axis=1, keepdims=True)
            log_v = log_r - 2.0 * np.log(sub["scale"])
            log_total = special.logsumexp(log_v, axis=1)
            v = np.exp(log_v - log_total[:, None])
            gap = sub["loc"] - xa[:, None]
            shift = np.sum(v * gap, axis=1)
            mean_shift = xa + shift
            # Non-finite values here (squares of extreme z) only reject the Newton step.
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                z = gap / sub["scale"]
                spread = np.sum(np.where(v > 0, v * z * z, 0.0), axis=1)
                curvature = spread - 1.0 - (shift * np.exp(0.5 * log_total)) ** 2
                newton = xa - shift / curvature
            candidate = np.where((curvature < 0) & np.isfinite(newton), newton, mean_shift)
            log_c = special.logsumexp(self._component_logpdf(candidate, sub), axis=1)
            fallback = ~(log_c >= log_pa)
            if fallback.any():
                candidate = np.where(fallback, mean_shift, candidate)
                log_shift = special.logsumexp(self._component_logpdf(mean_shift, sub), axis=1)
                log_c = np.where(fallback, log_shift, log_c)
            improved = log_c >= log_pa
            moved = np.abs(candidate - xa)
            x[active] = np.where(improved, candidate, xa)
            log_p[active] = np.where(improved, log_c, log_pa)
            finished = ~improved | (moved <= tolerance[active] + _X_RTOL * np.abs(xa))
            active = active[~finished]
        x = x.reshape(-1, n_components)
        best = np.argmax(log_p.reshape(-1, n_components), axis=1)
        return x[np.arange(len(x)), best].reshape(self.batch_shape)

    # -- sampling --------------------------------------------------------------
    def _sample(self, shape, rng):
        w = self.weights()
        full = shape + self.batch_shape
        u = rng.uniform(size=full + (1,))
        cumulative = np.cumsum(w, axis=-1)
        component = np.minimum((u > cumulative).sum(axis=-1, keepdims=True), w.shape[-1] - 1)
        loc = np.take_along_axis(np.broadcast_to(self._params["loc"], full + w.shape[-1:]),
                                 component, axis=-1)[..., 0]
        scale = np.take_along_axis(np.broadcast_to(self._params["scale"], full + w.shape[-1:]),
                                   component, axis=-1)[..., 0]
        return loc + scale * rng.standard_normal(size=full)


class MixtureFamily(Family):
    """Gaussian mixture likelihood with ``n_components`` components per output.

    Parameters
    ----------
    n_components : int, default=3
        Number of normal components ``K`` (1 gives the heteroscedastic normal).

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.mixture import MixtureFamily
    >>> family = MixtureFamily(n_components=2).fit(np.array([-3.0, -2.0, 2.0, 3.0]))
    >>> family.n_raw_
    (6, 0)
    """

    name = "mixture"
    distribution_class = GaussianMixtureDistribution
    target_scaling = Standardize()
    _parameter_constraints: dict = {"n_components": [Interval(Integral, 1, None, closed="left")]}

    def __init__(self, n_components=3):
        self.n_components = n_components

    def parameters(self):
        k = self.n_components
        if isinstance(k, bool) or not isinstance(k, Integral) or k < 1:
            raise ValueError(f"n_components must be an integer >= 1; got {k!r}.")
        shape = (self.n_outputs_, k)
        return {
            "log_weights": Parameter(LogSoftmax(), shape=shape),
            "loc": Parameter(Identity(), shape=shape),
            "scale": Parameter(Softplus(MIXTURE_SCALE_FLOOR), shape=shape),
        }

    def initial_params(self, y, sample_weight):
        k = self.n_components
        w = sample_weight / sample_weight.sum()
        quantiles = (np.arange(k) + 0.5) / k
        loc = weighted_quantile(y, w, quantiles).T  # (n_outputs, K)
        _, std = weighted_mean_std(y, w)
        scale = np.repeat(np.maximum(std, 1e-3)[:, None] / k, k, axis=1)
        log_weights = np.full_like(loc, -math.log(k))
        for j in range(y.shape[1]):
            log_weights[j], loc[j], scale[j] = _em_steps(y[:, j], w, log_weights[j], loc[j],
                                                       scale[j])
        return {"log_weights": log_weights, "loc": loc, "scale": scale}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        side = rng.choice([-1.0, 1.0], size=n_samples)
        return 10.0 + 4.0 * side + rng.standard_normal(n_samples)


def _numpy_normal_logpdf(y, loc, scale):
    as_tensor = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64))  # noqa: E731
    return normal_log_density(as_tensor(y), as_tensor(loc), as_tensor(scale)).numpy()


def _em_steps(y, w, log_weights, loc, scale, n_iter=20):
    """Refine a constant 1-D Gaussian mixture on weighted data by expectation-maximisation."""
    floor = max(1e-3 * float(np.sqrt(w @ (y - w @ y) ** 2)), 10 * MIXTURE_SCALE_FLOOR)
    scale = np.maximum(scale, floor)
    for _ in range(n_iter):
        log_r = log_weights + _numpy_normal_logpdf(y[:, None], loc, scale)
        r = w[:, None] * np.exp(log_r - special.logsumexp(log_r, axis=1, keepdims=True))
        mass = r.sum(axis=0)
        # A component that lost all its rows keeps its place, with a tiny weight.
        safe = np.maximum(mass, 1e-12)
        log_weights = np.log(np.maximum(mass, 1e-6))
        log_weights -= special.logsumexp(log_weights)
        loc = np.where(mass > 1e-12, (r.T @ y) / safe, loc)
        spread = np.sqrt(np.sum(r * (y[:, None] - loc) ** 2, axis=0) / safe)
        scale = np.where(mass > 1e-12, np.maximum(spread, floor), scale)
    return log_weights, loc, scale


@fill_doc
class MixtureDensityRegressor(MLPDistributionRegressor):
    """Mixture density network: MLP regression with a Gaussian mixture likelihood.

    For each target the network predicts the weights (log-softmax), means and
    standard deviations (softplus with a floor) of ``n_components`` normal
    components, all depending on x, and is trained by the mixture NLL. It fits
    conditional distributions that are multimodal (several branches of ``y``
    for one ``x``), skewed or heavy-shouldered, where a single normal averages
    the branches away. A 2-D ``y`` is modelled as independent outputs.

    Parameters
    ----------
    n_components : int, default=3
        Number of mixture components per target.
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`: the most probable value (on the
        most likely branch; ``"auto"`` is this mode), the mean (which may fall
        between branches) or the median. The mode and the median are found
        numerically.

    See Also
    --------
    HeteroscedasticRegressor : a single normal component.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import MixtureDensityRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(400, 1))
    >>> y = rng.choice([-1.0, 1.0], size=400) * (1 + X[:, 0]) + 0.1 * rng.standard_normal(400)
    >>> model = MixtureDensityRegressor(n_components=2, max_iter=30, random_state=0).fit(X, y)
    >>> dist = model.predict_dist(X[:3])
    >>> dist.params["loc"].shape
    (3, 2)
    """

    family = MixtureFamily
    n_components: int = 3
