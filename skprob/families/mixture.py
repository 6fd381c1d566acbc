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
from ..base import MLPDistributionRegressor
from ..distributions import Distribution
from ._base import (
    Family,
    inverse_softplus,
    positive,
    power_of_two_near,
    weighted_mean_std,
    weighted_quantile,
)
from .normal import _normal_logpdf

__all__ = ["GaussianMixtureDistribution", "MixtureDensityRegressor", "MixtureFamily"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
#: Floor of the component scales in standardised units: a component may not shrink
#: onto a single training value, where the likelihood would grow without bound.
MIXTURE_SCALE_FLOOR = 1e-4
#: Iterations of the vectorised root and mode searches (each is a safeguarded Newton
#: step, so far fewer are used in practice; bisection alone would need about 60).
_MAX_SEARCH_STEPS = 200
#: Precision of the root and mode searches, relative to the component scales.
_X_RTOL = 1e-12


class GaussianMixtureDistribution(Distribution):
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

    def var(self):
        var, unit = self._scaled_var()
        with np.errstate(over="ignore"):  # beyond 1.8e308 inf is the correctly rounded var
            return var * unit * unit

    def std(self):
        var, unit = self._scaled_var()
        return np.sqrt(var) * unit

    # -- densities ---------------------------------------------------------------
    def _component_logpdf(self, y, params=None):
        params = self._params if params is None else params
        return params["log_weights"] + _normal_logpdf(
            np.asarray(y)[..., None], params["loc"], params["scale"]
        )

    def _logdensity(self, y):
        return special.logsumexp(self._component_logpdf(y), axis=-1)

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
        lower, upper = component_q.min(axis=1), component_q.max(axis=1)
        x = 0.5 * (lower + upper)
        tolerance = _X_RTOL * params["scale"].min(axis=1)
        active = np.flatnonzero(inside & (upper - lower > tolerance))
        previous_step = upper - lower
        for _ in range(_MAX_SEARCH_STEPS):
            if active.size == 0:
                break
            sub = {k: v[active] for k, v in params.items()}
            xa, lo, hi = x[active], lower[active], upper[active]
            excess = self._cdf(xa, sub) - q_in[active]
            lo = np.where(excess < 0, xa, lo)
            hi = np.where(excess > 0, xa, hi)
            density = np.exp(special.logsumexp(self._component_logpdf(xa, sub), axis=1))
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                newton = xa - excess / density
            # Bisect when Newton leaves the bracket or shrinks the step too slowly
            # (it can cycle around the steep part of a narrow component).
            ok = np.isfinite(newton) & (newton > lo) & (newton < hi)
            ok &= np.abs(newton - xa) <= 0.5 * previous_step[active]
            step = np.where(ok, newton, 0.5 * (lo + hi))
            previous_step[active] = np.abs(step - xa)
            tol = tolerance[active] + _X_RTOL * np.abs(xa)
            finished = (excess == 0) | (hi - lo <= tol) | (np.abs(step - xa) <= tol)
            x[active] = np.where(finished, xa, step)
            lower[active], upper[active] = lo, hi
            active = active[~finished]
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
    support = "the real numbers (finite values)"
    distribution_class = GaussianMixtureDistribution

    def __init__(self, n_components=3):
        self.n_components = n_components

    def _learn_support(self, y):
        k = self.n_components
        if isinstance(k, bool) or not isinstance(k, Integral) or k < 1:
            raise ValueError(f"n_components must be an integer >= 1; got {k!r}.")

    def _validate(self, y):
        y = np.asarray(y, dtype=np.float64)
        bad = ~np.isfinite(y)
        if bad.any():
            raise self._support_error(y, bad, "Remove or impute non-finite targets.")
        return y

    def _scaling(self, y, sample_weight):
        mean, std = weighted_mean_std(y, sample_weight)
        return mean, np.where(std > 0, std, 1.0)

    def _raw_layout(self, n_outputs):
        return (3 * n_outputs * self.n_components, 0)

    def _initial_raw(self, y, sample_weight):
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
        logits = log_weights - log_weights.mean(axis=1, keepdims=True)
        raw_scale = inverse_softplus(scale, MIXTURE_SCALE_FLOOR)
        return np.concatenate([logits.ravel(), loc.ravel(), raw_scale.ravel()])

    def _split(self, raw):
        return raw.reshape(len(raw), 3, self.n_outputs_, self.n_components).unbind(dim=1)

    def link(self, raw):
        logits, loc, raw_scale = self._split(raw)
        return {
            "log_weights": torch.log_softmax(logits, dim=-1),
            "loc": loc,
            "scale": positive(raw_scale, MIXTURE_SCALE_FLOOR),
        }

    def _nll(self, raw, y):
        params = self.link(raw)
        scale = params["scale"]
        z = (y[..., None] - params["loc"]) / scale
        component = params["log_weights"] - 0.5 * z * z - torch.log(scale) - _HALF_LOG_2PI
        return -torch.logsumexp(component, dim=-1).sum(dim=1)

    def _to_original(self, params):
        return {
            "log_weights": params["log_weights"],
            "loc": params["loc"] * self.scale_[:, None] + self.loc_[:, None],
            "scale": params["scale"] * self.scale_[:, None],
        }

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        side = rng.choice([-1.0, 1.0], size=n_samples)
        return 10.0 + 4.0 * side + rng.standard_normal(n_samples)


def _em_steps(y, w, log_weights, loc, scale, n_iter=20):
    """Refine a constant 1-D Gaussian mixture on weighted data by expectation-maximisation."""
    floor = max(1e-3 * float(np.sqrt(w @ (y - w @ y) ** 2)), 10 * MIXTURE_SCALE_FLOOR)
    scale = np.maximum(scale, floor)
    for _ in range(n_iter):
        log_r = log_weights + _normal_logpdf(y[:, None], loc, scale)
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
    {mlp_parameters}

    Attributes
    ----------
    {fitted_attributes}

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

    _parameter_constraints: dict = {
        **MLPDistributionRegressor._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_components=3,
        *,
        prediction="auto",
        depth=1,
        width=256,
        hidden_layer_sizes=None,
        activation="relu",
        dropout=0.0,
        weight_decay=0.0,
        solver="adam",
        learning_rate_init=1e-3,
        momentum=0.9,
        batch_size="auto",
        max_iter=200,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        tol=1e-4,
        scale_inputs=True,
        random_state=None,
        device="cpu",
        verbose=0,
        warm_start=False,
    ):
        super().__init__(
            prediction=prediction,
            depth=depth,
            width=width,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            dropout=dropout,
            weight_decay=weight_decay,
            solver=solver,
            learning_rate_init=learning_rate_init,
            momentum=momentum,
            batch_size=batch_size,
            max_iter=max_iter,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            scale_inputs=scale_inputs,
            random_state=random_state,
            device=device,
            verbose=verbose,
            warm_start=warm_start,
        )
        self.n_components = n_components

    def _make_family(self):
        return MixtureFamily(n_components=self.n_components)
