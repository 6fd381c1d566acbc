"""Von Mises distribution: directions (angles in radians) on the circle.

The network has three outputs per target: two raw outputs ``(c, s)`` whose
direction ``atan2(s, c)`` is the mean direction (so the model never has to
jump between -pi and pi), and the concentration ``kappa`` through a softplus
with a floor. The density is periodic, so an angle and the same angle plus any
multiple of ``2 pi`` are the same direction: targets may be given in any
range and are wrapped into ``(-pi, pi]``. Angles in degrees must be converted
first (``np.deg2rad``); they would otherwise be read as radians.
"""

import math

import numpy as np
import torch
from scipy import optimize, special, stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import CenteredAtLoc, ScipyDistribution
from ._base import Family, Parameter
from ._links import Identity, Softplus
from ._support import Directions, wrap_angle

__all__ = ["VonMisesDistribution", "VonMisesFamily", "VonMisesMLPRegressor", "wrap_angle"]

_LOG_2PI = math.log(2.0 * math.pi)
#: Range of the starting concentration: identical angles would ask for an infinite one.
_INITIAL_KAPPA = (1e-4, 1e4)
#: Bisection steps of ppf: 2 pi / 2**60 is far below float64 resolution of an angle.
_PPF_STEPS = 60
#: Stands in for ``c = 0`` when also ``s = 0``, where ``atan2`` has no gradient.
_TINY = 1e-30


def _mean_resultant_length(kappa):
    """``I1(kappa) / I0(kappa)``, the mean resultant length (stable for large kappa)."""
    return special.i1e(kappa) / special.i0e(kappa)


class VonMisesDistribution(CenteredAtLoc, ScipyDistribution):
    """Von Mises distributions with mean direction ``loc`` and concentration ``kappa``.

    ``logpdf``, ``pdf``, ``cdf``, ``sf`` and ``ppf`` agree with
    :data:`scipy.stats.vonmises`. The density is periodic; ``cdf`` and ``ppf``
    cut the circle opposite the mean direction, as scipy does: ``ppf`` returns
    values in ``[loc - pi, loc + pi]``, ``cdf(loc) = 0.5`` and ``cdf(y + 2 pi)
    = cdf(y) + 1``, so :meth:`interval` is an arc centred on ``loc`` whose ends
    may lie outside ``(-pi, pi]``.

    Summaries are circular: ``mean``, ``median`` and ``mode`` are ``loc``
    (the circular mean direction). ``var`` is the **circular variance**
    ``1 - I1(kappa) / I0(kappa)`` (in [0, 1]) and ``std`` the **circular
    standard deviation** ``sqrt(-2 log(I1(kappa) / I0(kappa)))`` in radians
    (about ``1 / sqrt(kappa)`` for large ``kappa``), the definitions of
    :func:`scipy.stats.circvar` and :func:`scipy.stats.circstd`; hence
    ``std() ** 2`` is not ``var()``. Neither is ``scipy.stats.vonmises.var``,
    the linear variance of the angle on ``[loc - pi, loc + pi]``. ``rvs``
    returns directions wrapped into ``(-pi, pi]``, like the fitted targets.

    Parameters
    ----------
    loc : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Mean directions in radians.
    kappa : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Concentrations (non-negative; 0 is the uniform distribution).

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.von_mises import VonMisesDistribution
    >>> dist = VonMisesDistribution(loc=[0.0, 3.0], kappa=[1.0, 100.0])
    >>> dist.mean()
    array([0., 3.])
    >>> dist.var().round(4), dist.std().round(4)
    (array([0.5536, 0.005 ]), array([1.2701, 0.1003]))
    >>> bool(np.allclose(dist.logpdf([0.1, 3.0]), dist.logpdf([0.1 + 2 * np.pi, 3.0])))
    True
    """

    param_names = ("loc", "kappa")
    support = Directions()

    @staticmethod
    def log_density(params, y):
        # log I0(kappa) = log(i0e(kappa)) + kappa stays finite for any kappa.
        kappa = params["kappa"]
        log_norm = _LOG_2PI + torch.log(torch.special.i0e(kappa))
        return kappa * (torch.cos(y - params["loc"]) - 1.0) - log_norm

    def _as_param(self, name, value):
        value = super()._as_param(name, value)
        # Mean directions live on the circle: atan2 gives -pi for s = -0.0, the
        # convention is (-pi, pi].
        return wrap_angle(value) if name == "loc" else value

    def _scipy(self):
        return stats.vonmises(kappa=self._params["kappa"], loc=self._params["loc"])




    def var(self):
        """Circular variance ``1 - I1(kappa) / I0(kappa)``."""
        return 1.0 - _mean_resultant_length(self._params["kappa"])

    def std(self):
        """Circular standard deviation ``sqrt(-2 log(I1(kappa) / I0(kappa)))`` in radians."""
        with np.errstate(divide="ignore"):
            return np.sqrt(-2.0 * np.log(_mean_resultant_length(self._params["kappa"])))

    def in_interval(self, y, confidence):
        """Whether each angle lies on its row's central arc (measured around the circle).

        The arc ``interval(confidence)`` may leave ``(-pi, pi]``; angles are
        compared by their wrapped offset from ``loc``.

        Examples
        --------
        >>> from skprob.families.von_mises import VonMisesDistribution
        >>> VonMisesDistribution(loc=[3.0], kappa=[4.0]).in_interval([-3.0], 0.9)
        array([ True])
        """
        lower, upper = self.interval(confidence)
        loc = self._params["loc"]
        offset = wrap_angle(self._check_y(y) - loc)
        return (offset >= lower - loc) & (offset <= upper - loc)

    def ppf(self, q):
        """Quantile function in ``[loc - pi, loc + pi]``, the inverse of :meth:`cdf`.

        Agrees with ``scipy.stats.vonmises.ppf`` for ``0 < q < 1`` but is
        vectorised (a bisection on scipy's cdf), which is much faster on many
        rows. ``q = 0`` and ``q = 1`` give ``loc - pi`` and ``loc + pi`` (the
        ends of the cut circle) where scipy gives infinities; ``q`` outside
        [0, 1] gives NaN.
        """
        q = np.asarray(q, dtype=np.float64)
        loc, kappa, q = np.broadcast_arrays(self._params["loc"], self._params["kappa"], q)
        low = np.full(q.shape, -np.pi)
        high = np.full(q.shape, np.pi)
        # The cdf of the centred angle increases from 0 at -pi to 1 at pi.
        for _ in range(_PPF_STEPS):
            mid = 0.5 * (low + high)
            below = stats.vonmises.cdf(mid, kappa) < q
            low = np.where(below, mid, low)
            high = np.where(below, high, mid)
        centred = np.where(q <= 0.0, -np.pi, np.where(q >= 1.0, np.pi, 0.5 * (low + high)))
        return np.where((q >= 0.0) & (q <= 1.0), loc + centred, np.nan)

    def _sample(self, shape, rng):
        size = shape + self.batch_shape
        return wrap_angle(rng.vonmises(self._params["loc"], self._params["kappa"], size=size))


def _kappa_mle(resultant_length):
    """Concentration solving ``I1(kappa) / I0(kappa) = R`` (the von Mises MLE), clipped."""
    low, high = np.log(_INITIAL_KAPPA[0]), np.log(_INITIAL_KAPPA[1])
    equation = lambda log_kappa: _mean_resultant_length(np.exp(log_kappa)) - resultant_length
    if equation(low) >= 0:
        return _INITIAL_KAPPA[0]
    if equation(high) <= 0:
        return _INITIAL_KAPPA[1]
    return float(np.exp(optimize.brentq(equation, low, high, xtol=1e-12)))


class VonMisesFamily(Family):
    """Von Mises likelihood: mean direction from ``atan2(s, c)``, softplus concentration.

    Targets are angles in radians; any finite value is accepted and wrapped
    into ``(-pi, pi]`` (a direction plus a multiple of ``2 pi`` is the same
    direction, and the density is periodic, so no information is lost).
    Non-finite angles raise :class:`~skprob.exceptions.TargetSupportError`.
    Targets are never rescaled. The output bias starts at the weighted
    circular mean and the maximum-likelihood concentration of each column.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.von_mises import VonMisesFamily
    >>> family = VonMisesFamily().fit(np.array([0.1, -0.1, 2 * np.pi]))
    >>> family.n_raw_, family.initial_raw_[:2].round(6)
    ((3, 0), array([1., 0.]))
    """

    name = "von_mises"
    distribution_class = VonMisesDistribution
    # Angles are wrapped: a different target from the real line the others model.
    proposed_by_auto = False
    # The mean direction comes from a point (c, s) in the plane, so the network never
    # has to jump between -pi and pi.
    params = {
        "cos": Parameter(Identity()),
        "sin": Parameter(Identity()),
        "kappa": Parameter(Softplus()),
    }

    def distribution_params(self, params):
        c, s = params["cos"], params["sin"]
        c = torch.where((c == 0) & (s == 0), torch.full_like(c, _TINY), c)
        return {"loc": torch.atan2(s, c), "kappa": params["kappa"]}

    def initial_params(self, y, sample_weight):
        w = sample_weight / sample_weight.sum()
        c, s = w @ np.cos(y), w @ np.sin(y)
        length = np.hypot(c, s)
        # A unit vector in the circular-mean direction; no preferred direction gives (1, 0).
        safe = np.where(length > 1e-12, length, 1.0)
        return {
            "cos": np.where(length > 1e-12, c / safe, 1.0),
            "sin": np.where(length > 1e-12, s / safe, 0.0),
            "kappa": np.array([_kappa_mle(r) for r in length]),
        }

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return wrap_angle(np.random.default_rng(random_state).vonmises(1.0, 2.0, size=n_samples))


@fill_doc
class VonMisesMLPRegressor(MLPDistributionRegressor):
    """MLP regression for directions (angles in radians) with a von Mises likelihood.

    The network has three outputs per target: two unconstrained outputs
    ``(c, s)`` giving the mean direction ``atan2(s, c)`` and the concentration
    ``kappa`` (softplus with a floor), so both the direction and its spread
    depend on the input. Any finite angle is accepted and wrapped into
    ``(-pi, pi]`` (convert degrees with ``np.deg2rad`` first). :meth:`predict`
    returns the mean direction in ``(-pi, pi]``; with ``return_std=True`` the
    second array is the circular standard deviation (see
    :class:`~skprob.families.von_mises.VonMisesDistribution`). A 2-D ``y`` is
    modelled as independent angles.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict` (all three are the mean direction).

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import VonMisesMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(200, 1))
    >>> y = rng.vonmises(2.5 * X[:, 0], 8.0)
    >>> model = VonMisesMLPRegressor(max_iter=20, random_state=0).fit(X, y)
    >>> direction, spread = model.predict(X[:3], return_std=True)
    >>> bool((np.abs(direction) <= np.pi).all()), spread.shape
    (True, (3,))
    """

    family = VonMisesFamily
