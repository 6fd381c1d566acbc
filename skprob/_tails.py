"""Tail probabilities, intervals, survival curves and censored likelihoods of a distribution.

Every continuous distribution whose class defines the torch functions
``log_cdf`` and ``log_sf`` (see :mod:`skprob.families._cdf`) gets, through
:class:`TailsMixin`, ``logcdf`` and ``logsf`` in float64 that keep their digits
far into both tails, and the time-to-event view of the same distribution:
survival function, hazard and cumulative hazard on a grid of times. Other
distributions fall back to the logarithm of their ``cdf``.
"""

import numpy as np
import torch

__all__ = ["TailsMixin"]


def _tensor(array):
    return torch.from_numpy(np.ascontiguousarray(np.array(array, dtype=np.float64)))


class TailsMixin:
    """``logcdf``, ``logsf``, quantiles and intervals, survival curves and censored
    log-likelihoods (mixed in)."""

    def _has_torch_tails(self):
        return all(getattr(type(self), name, None) is not None for name in ("log_cdf", "log_sf"))

    def _tail(self, y, which):
        """``log_cdf`` or ``log_sf`` at one value per row, exact beyond the support's ends."""
        y = self._check_y(y)
        if not self._has_torch_tails() or self.batch_shape != y.shape:
            with np.errstate(divide="ignore"):
                return np.log(self.cdf(y) if which == "log_cdf" else self.sf(y))
        support = self.support
        below = y <= support.lower_end
        above = y >= support.upper_end
        # Beyond an end the answer is a constant; the function is evaluated at a point of
        # the support instead, where it is defined.
        safe = np.where(below | above | np.isnan(y), self._point_of_support(), y)
        params = {name: _tensor(value) for name, value in self._params.items()}
        with torch.no_grad():
            value = getattr(type(self), which)(params, _tensor(safe)).numpy()
        low_end, high_end = (-np.inf, 0.0) if which == "log_cdf" else (0.0, -np.inf)
        value = np.where(below, low_end, np.where(above, high_end, value))
        return np.where(np.isnan(y), np.nan, value)

    def _point_of_support(self):
        low, high = self.support.lower_end, self.support.upper_end
        if np.isfinite(low) and np.isfinite(high):
            return 0.5 * (low + high)
        if np.isfinite(low):
            return low + 1.0
        return high - 1.0 if np.isfinite(high) else 0.0

    def logcdf(self, y):
        """Log of the cdf at ``y`` (one value per row), accurate far into the lower tail.

        Examples
        --------
        >>> from skprob.families.normal import NormalDistribution
        >>> NormalDistribution(loc=[0.0], scale=[1.0]).logcdf([-40.0])
        array([-804.60844201])
        """
        return self._tail(y, "log_cdf")

    def logsf(self, y):
        """Log of the survival function at ``y``, accurate far into the upper tail.

        Examples
        --------
        >>> from skprob.families.normal import NormalDistribution
        >>> NormalDistribution(loc=[0.0], scale=[1.0]).logsf([40.0])
        array([-804.60844201])
        """
        return self._tail(y, "log_sf")

    # -- quantile summaries ------------------------------------------------------
    def quantiles(self, q):
        """Several quantiles per row, stacked on a new last axis.

        Parameters
        ----------
        q : array-like of shape (n_quantiles,)
            Probabilities in [0, 1].

        Returns
        -------
        ndarray of shape ``batch_shape + (n_quantiles,)``
        """
        q = np.asarray(q, dtype=np.float64).reshape(-1)
        if not q.size:
            self._require_defined("quantiles")
            return np.empty(self.batch_shape + (0,))
        return np.stack([self.ppf(qi) for qi in q], axis=-1)

    def interval(self, confidence):
        """Central interval that holds ``confidence`` of the probability.

        Parameters
        ----------
        confidence : float in (0, 1)

        Returns
        -------
        lower, upper : ndarray
        """
        confidence = float(confidence)
        if not 0.0 < confidence < 1.0:
            raise ValueError(f"confidence must be in (0, 1); got {confidence!r}.")
        tail = (1.0 - confidence) / 2.0
        return self.ppf(tail), self.ppf(1.0 - tail)

    def in_interval(self, y, confidence):
        """Whether each target lies in its row's central ``confidence`` interval.

        Parameters
        ----------
        y : array-like
            Targets, shaped like the rows (and outputs).
        confidence : float in (0, 1)

        Returns
        -------
        ndarray of bool

        Examples
        --------
        >>> from skprob.families.normal import NormalDistribution
        >>> NormalDistribution(loc=[0.0, 0.0], scale=[1.0, 1.0]).in_interval([0.5, 3.0], 0.9)
        array([ True, False])
        """
        lower, upper = self.interval(confidence)
        y = self._check_y(y)
        return (y >= lower) & (y <= upper)

    # -- time to event -------------------------------------------------------------
    def _on_grid(self, times, function):
        times = np.asarray(times, dtype=np.float64)
        if times.ndim != 1 or len(self.batch_shape) != 1:
            raise ValueError(
                "times must be a 1-D array of time points and the distribution must have "
                f"one value per row; got times of shape {times.shape} and batch shape "
                f"{self.batch_shape}."
            )
        if np.isnan(times).any():
            raise ValueError("times contains NaN; expected time points.")
        columns = [function(np.full(len(self), t)) for t in times]
        return np.stack(columns, axis=1) if columns else np.empty((len(self), 0))

    def survival_function(self, times):
        """``P(T > t)`` of each row at each of ``times``: an array (n_rows, n_times).

        Parameters
        ----------
        times : array-like of shape (n_times,)

        Returns
        -------
        ndarray of shape (n_rows, n_times)

        Examples
        --------
        >>> from skprob.families.exponential import ExponentialDistribution
        >>> ExponentialDistribution(scale=[1.0, 2.0]).survival_function([0.0, 2.0]).round(3)
        array([[1.   , 0.135],
               [1.   , 0.368]])
        """
        return np.exp(self._on_grid(times, self.logsf))

    def cumulative_hazard(self, times):
        """``-log P(T > t)`` of each row at each of ``times``: (n_rows, n_times).

        Examples
        --------
        >>> from skprob.families.exponential import ExponentialDistribution
        >>> ExponentialDistribution(scale=[2.0]).cumulative_hazard([1.0, 4.0])
        array([[0.5, 2. ]])
        """
        return -self._on_grid(times, self.logsf)

    def hazard(self, times):
        """Hazard rate ``pdf(t) / P(T > t)`` of each row at each of ``times``.

        Computed as ``exp(logpdf - logsf)``, so it stays finite far into the tail.

        Examples
        --------
        >>> from skprob.families.exponential import ExponentialDistribution
        >>> ExponentialDistribution(scale=[2.0]).hazard([1.0, 30.0])
        array([[0.5, 0.5]])
        """
        def log_hazard(t):
            with np.errstate(invalid="ignore"):
                return self.logpdf(t) - self.logsf(t)

        return np.exp(self._on_grid(times, log_hazard))

    # -- censored targets --------------------------------------------------------------
    def _censored_log_likelihood(self, y):
        """``log P(lower < Y <= upper)`` of censored rows, the log-density of exact ones."""
        from .families._censored import censored_log_likelihood, censored_rows, single_counts

        if self.support is not None and self.support.discrete and not self.over_labels:
            return self.log_likelihood(single_counts(y, self.support, type(self).__name__))

        if len(self.batch_shape) != 1:
            raise ValueError(
                f"Censored targets have one value per row; this {type(self).__name__} has "
                f"batch shape {self.batch_shape} (several outputs)."
            )
        y = np.asarray(y)
        if len(y) != len(self):
            raise ValueError(f"y has {len(y)} rows; the distribution has {len(self)}.")
        rows = censored_rows(y, self.support, type(self).__name__, type(self))
        params = {name: _tensor(value) for name, value in self._params.items()}
        with torch.no_grad():
            return censored_log_likelihood(type(self), params, _tensor(rows)).numpy()
