"""Exact CRPS through scoringrules, for the distributions it covers.

One entry per distribution class, keyed by the class's name and reading only
the public :class:`~skprob.Distribution` API (``params``, ``members``), so that
the families need no CRPS code of their own. Each entry returns the score of
every row (and output), ``nan`` where it has none for that row; the caller
falls back to a numerical route there.

Where scoringrules and the exact score disagree, numerical integration of the
cdf decided (``tests/test_crps_exact.py``); three corrections follow:

- Poisson: scoringrules' closed form is evaluated here, with scipy's cdf and
  exponentially scaled Bessel functions, for every rate. scoringrules computes
  the cdf as ``Gamma(floor(y) + 1, rate) / Gamma(floor(y) + 1)``, which
  overflows for observations above 170 (``inf`` or ``nan`` from a rate of
  about 30 on), and ``exp(-2 rate) * (I0(2 rate) + I1(2 rate))``, which
  overflows above a rate of about 350; below those it agrees to 1e-12. (Its
  result is also wrong for integer-typed observations: -3.98 for a rate of
  50 at ``y = 50``.)
- Beta: scoringrules gives ``nan`` outside [0, 1]; the score there is the
  score at the nearest end plus the distance to it, since the cdf is flat.
- Student t: the closed form divides by ``df - 1``; rows with ``df <= 1``
  (finite CRPS for ``df > 1/2``, no mean) get ``nan`` and so the numerical route.
"""

import numpy as np
from scipy import special, stats

from .._lazy import on_first_use

__all__ = ["EXACT_CRPS", "exact_crps"]

_BACKEND = "numpy"

# Compiles numba kernels when imported (seconds): imported on the first exact score.
sr = on_first_use("scoringrules")


def _normal(dist, y):
    p = dist.params
    return sr.crps_normal(y, p["loc"], p["scale"], backend=_BACKEND)


def _laplace(dist, y):
    p = dist.params
    return sr.crps_laplace(y, p["loc"], p["scale"], backend=_BACKEND)


def _student_t(dist, y):
    p = dist.params
    heavy = ~(p["df"] > 1.0)
    df = np.where(heavy, 2.0, p["df"])  # any valid value; these rows are set to nan below
    values = sr.crps_t(y, df, p["loc"], p["scale"], backend=_BACKEND)
    return np.where(heavy, np.nan, values)


def _exponential(dist, y):
    return sr.crps_exponential(y, 1.0 / dist.params["scale"], backend=_BACKEND)


def _gamma(dist, y):
    p = dist.params
    return sr.crps_gamma(y, p["shape"], scale=p["scale"], backend=_BACKEND)


def _beta(dist, y):
    p = dist.params
    inside = np.clip(y, 0.0, 1.0)
    return sr.crps_beta(inside, p["a"], p["b"], backend=_BACKEND) + np.abs(y - inside)


def _poisson(dist, y):
    """The closed form of scoringrules' crps_poisson, without its overflows."""
    rate = dist.params["rate"]
    cdf = stats.poisson.cdf(y, rate)
    pmf = stats.poisson.pmf(np.floor(y), rate)
    spread = rate * (special.i0e(2.0 * rate) + special.i1e(2.0 * rate))
    return (y - rate) * (2.0 * cdf - 1.0) + 2.0 * rate * pmf - spread


def _normal_components(dist):
    """Means, standard deviations and weights (last axis) of a normal or mixture of normals."""
    name = type(dist).__name__
    p = dist.params
    if name == "NormalDistribution":
        return p["loc"][..., None], p["scale"][..., None], np.ones(p["loc"].shape + (1,))
    if name == "GaussianMixtureDistribution":
        return p["loc"], p["scale"], np.exp(p["log_weights"])
    if name == "EnsembleDistribution":
        parts = [_normal_components(member) for member in dist.members]
        if any(part is None for part in parts):
            return None
        m = len(parts)
        return tuple(np.concatenate([part[i] / (m if i == 2 else 1) for part in parts], axis=-1)
                     for i in range(3))
    return None


def _normal_mixture(dist, y):
    loc, scale, weights = _normal_components(dist)
    return sr.crps_mixnorm(y, loc, scale, weights, m_axis=-1, backend=_BACKEND)


#: Exact CRPS by distribution class name: ``rule(dist, y) -> values`` (``nan`` where none).
EXACT_CRPS = {
    "NormalDistribution": _normal,
    "LaplaceDistribution": _laplace,
    "StudentTDistribution": _student_t,
    "ExponentialDistribution": _exponential,
    "GammaDistribution": _gamma,
    "BetaDistribution": _beta,
    "PoissonDistribution": _poisson,
    "GaussianMixtureDistribution": _normal_mixture,
    "EnsembleDistribution": _normal_mixture,
}


def exact_crps(dist, y):
    """The exact score of every row (and output), or ``None`` if scoringrules has none.

    Parameters
    ----------
    dist : Distribution
        Predicted distributions.
    y : ndarray
        Observations, checked against ``dist`` (``dist._check_y``).

    Returns
    -------
    ndarray of float or None
        Shaped like ``y``; ``nan`` in rows without an exact score.

    Examples
    --------
    >>> from skprob.families.laplace import LaplaceDistribution
    >>> from skprob.metrics._exact_crps import exact_crps
    >>> exact_crps(LaplaceDistribution(loc=[0.0], scale=[1.0]), [0.0]).round(4)
    array([0.25])
    """
    rule = EXACT_CRPS.get(type(dist).__name__)
    if rule is None or (rule is _normal_mixture and _normal_components(dist) is None):
        return None
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(all="ignore"):  # rows outside a rule's domain come back as nan
        values = np.asarray(rule(dist, y), dtype=np.float64)
    return np.broadcast_to(values, y.shape).copy()
