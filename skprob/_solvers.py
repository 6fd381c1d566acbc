"""Quantiles of mixtures: ``cdf(x) = q`` solved inside a bracket, vectorised over rows.

A mixture's quantile has no closed form, but it lies between the smallest and
the largest of its components' own quantiles (the mixture cdf is at most ``q``
at the first and at least ``q`` at the second). Both the Gaussian mixture family
and deep ensembles solve it the same way, here.
"""

import numpy as np

__all__ = ["bracketed_quantile"]

#: Iterations at most; each is a safeguarded Newton step, so far fewer are used in
#: practice (bisection alone would need about 60).
MAX_STEPS = 200


def bracketed_quantile(cdf, log_density, q, lower, upper, *, x_tol, cdf_atol=0.0):
    """Solve ``cdf(x) = q`` for ``x`` in ``[lower, upper]``, element by element.

    Newton steps on ``cdf(x) - q`` stay inside the shrinking bracket; a step that
    leaves it, or does not halve the previous step, becomes a bisection (Newton
    alone cycles around the steep part of a narrow component, and a secant crawls
    when component scales differ by orders of magnitude).

    Parameters
    ----------
    cdf, log_density : callable
        ``f(x, index)``: the mixture's cdf and log-density at ``x`` for the
        problems ``index`` (an integer array into the flattened inputs), so that
        finished problems are no longer evaluated.
    q, lower, upper : ndarray of shape (n,)
        Levels and brackets, with ``cdf(lower) <= q <= cdf(upper)``.
    x_tol : ndarray of shape (n,) or float
        Absolute precision in ``x``; a relative precision of 1e-13 is added.
    cdf_atol : float, default=0.0
        Stop once ``|cdf(x) - q|`` is this small.

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import special
    >>> cdf = lambda x, index: special.ndtr(x)
    >>> log_density = lambda x, index: -0.5 * x**2 - 0.5 * np.log(2 * np.pi)
    >>> x = bracketed_quantile(cdf, log_density, np.array([0.975]), np.array([-5.0]),
    ...                        np.array([5.0]), x_tol=1e-12)
    >>> x.round(6)
    array([1.959964])
    """
    q = np.asarray(q, dtype=np.float64)
    lower = np.array(lower, dtype=np.float64)
    upper = np.array(upper, dtype=np.float64)
    x_tol = np.broadcast_to(np.asarray(x_tol, dtype=np.float64), q.shape)
    x = 0.5 * (lower + upper)
    previous_step = upper - lower
    active = np.flatnonzero(upper - lower > x_tol)
    for _ in range(MAX_STEPS):
        if active.size == 0:
            break
        xa, lo, hi = x[active], lower[active], upper[active]
        excess = cdf(xa, active) - q[active]
        lo = np.where(excess < 0, xa, lo)
        hi = np.where(excess > 0, xa, hi)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            newton = xa - excess / np.exp(log_density(xa, active))
        ok = np.isfinite(newton) & (newton > lo) & (newton < hi)
        ok &= np.abs(newton - xa) <= 0.5 * previous_step[active]
        step = np.where(ok, newton, 0.5 * (lo + hi))
        previous_step[active] = np.abs(step - xa)
        tol = x_tol[active] + 1e-13 * np.abs(xa)
        finished = (np.abs(excess) <= cdf_atol) | (hi - lo <= tol) | (np.abs(step - xa) <= tol)
        x[active] = np.where(finished, xa, step)
        lower[active], upper[active] = lo, hi
        active = active[~finished]
    return x
