"""Weighted statistics of the training target, free of overflow.

Families start their networks at the best constant model, which takes weighted
moments and quantiles of the target; target scalings take the same. They live
here once.
"""

import numpy as np

__all__ = ["ScaledVarianceMixin", "power_of_two_near", "weighted_mean_std", "weighted_quantile"]


def power_of_two_near(value):
    """A power of two within a factor 2 of ``|value|`` (at least 2**-1074), elementwise.

    Dividing by it is exact, so numbers can be brought near one before they are
    squared (squares overflow beyond ~1e154) and scaled back without rounding.

    Examples
    --------
    >>> power_of_two_near([3.0, 1e300, 0.0])
    array([2.00000000e+000, 6.69692879e+299, 5.00000000e-001])
    """
    return np.ldexp(1.0, np.frexp(value)[1] - 1)


def weighted_mean_std(y, sample_weight):
    """Weighted mean and standard deviation of each column of ``y``, free of overflow.

    Each column is divided by a power of two near its largest magnitude first
    (an exact scaling): squares of values beyond ~1e154 overflow, while the
    standard deviation itself, at most the largest magnitude, is representable.
    The mean gets one corrective pass (the mean of the residuals), so that a
    constant column has a standard deviation of exactly 0, not its rounding error.

    Examples
    --------
    >>> import numpy as np
    >>> weighted_mean_std(np.array([[1.0], [3.0]]), np.ones(2))
    (array([2.]), array([1.]))
    >>> weighted_mean_std(np.array([[1e300], [3e300]]), np.ones(2))
    (array([2.e+300]), array([1.e+300]))
    """
    w = sample_weight / sample_weight.sum()
    magnitude = power_of_two_near(np.max(np.abs(y), axis=0, initial=0.0))
    unit = y / magnitude
    mean = w @ unit
    mean = mean + w @ (unit - mean)
    std = np.sqrt(w @ (unit - mean) ** 2)
    return mean * magnitude, std * magnitude


def weighted_quantile(y, sample_weight, q):
    """Weighted quantiles of each column of ``y`` (inverse of the weighted step cdf).

    The quantile at ``q`` is the smallest value whose cumulative weight share
    reaches ``q``; with equal weights this is numpy's ``inverted_cdf`` method.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_columns)
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights with a positive sum.
    q : array-like of shape (n_quantiles,)
        Probabilities in [0, 1].

    Returns
    -------
    ndarray of shape (n_quantiles, n_columns)

    Examples
    --------
    >>> import numpy as np
    >>> weighted_quantile(np.array([[1.0], [2.0], [10.0]]), np.array([1.0, 1.0, 2.0]), [0.5])
    array([[2.]])
    """
    y = np.asarray(y, dtype=np.float64)
    q = np.atleast_1d(np.asarray(q, dtype=np.float64))
    w = np.asarray(sample_weight, dtype=np.float64)
    out = np.empty((len(q), y.shape[1]))
    for j in range(y.shape[1]):
        order = np.argsort(y[:, j], kind="stable")
        cumulative = np.cumsum(w[order])
        # A small relative slack keeps q=0.5 on the lower of two equal halves.
        targets = q * cumulative[-1] * (1.0 - 1e-12)
        position = np.searchsorted(cumulative, targets, side="left")
        out[:, j] = y[order, j][np.minimum(position, len(order) - 1)]
    return out


class ScaledVarianceMixin:
    """``var`` and ``std`` from ``_scaled_var()``, which returns ``(var / unit**2, unit)``.

    A distribution whose parameters may be beyond ~1e154 computes its variance in units
    of a power of two near its largest location or scale (:func:`power_of_two_near`):
    the variance may then overflow to ``inf`` (its correctly rounded value) while the
    standard deviation stays finite.
    """

    def var(self):
        """Variance of each distribution (marginal, per output)."""
        var, unit = self._scaled_var()
        with np.errstate(over="ignore"):  # beyond 1.8e308 inf is the correctly rounded var
            return var * unit * unit

    def std(self):
        """Standard deviation of each distribution, finite where the variance overflows."""
        var, unit = self._scaled_var()
        return np.sqrt(var) * unit
