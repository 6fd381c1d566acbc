"""Checks and averages shared by the metrics, and the mean negative log-likelihood."""

import numpy as np

from .._compat import check_sample_weight
from .._validation import weighted_mean
from ..distributions import Distribution

__all__ = ["mean_nll"]


def _check_dist(dist, name="dist"):
    if not isinstance(dist, Distribution):
        raise TypeError(
            f"{name} must be a skprob Distribution, as returned by predict_dist; "
            f"got {type(dist).__name__}."
        )
    return dist


def _check_numeric(dist, what):
    """Reject distributions over labels or vectors, for which ``what`` is undefined."""
    if _is_class_labels(dist):
        raise ValueError(
            f"{what} needs an ordered, numeric target, but dist is a {type(dist).__name__} "
            "over class labels; use mean_nll (the log-loss) or expected_calibration_error "
            "instead."
        )
    if dist.event_ndim != 0:
        raise ValueError(
            f"{what} is defined for scalar targets, but {type(dist).__name__} describes "
            f"vectors (event_ndim={dist.event_ndim}); use mean_nll instead."
        )


def _row_weights(sample_weight, n_rows):
    return check_sample_weight(sample_weight, np.empty((n_rows, 0)))


def _weighted_mean_over_rows(values, sample_weight):
    """Average of per-row values; extra axes (outputs) get the weight of their row."""
    values = np.asarray(values, dtype=np.float64)
    weights = None if sample_weight is None else _row_weights(sample_weight, len(values))
    return weighted_mean(values, weights)


def mean_nll(y_true, dist, sample_weight=None):
    """Mean negative log-likelihood of the targets (lower is better).

    The log-likelihood of a row is summed over independent outputs, so for the
    distribution predicted by an estimator this equals ``-estimator.score(X, y)``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Observed targets (class labels for classifiers).
    dist : Distribution
        Predicted distributions for the same rows.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each row in the mean.

    Returns
    -------
    float
        In nats per sample.

    Raises
    ------
    TargetSupportError
        If a target lies outside the distribution's support, whose likelihood
        is 0 under every model of the family (``fit`` refuses it too). The
        CRPS, PIT and coverage stay defined there and accept it.

    Examples
    --------
    >>> from skprob.families.poisson import PoissonDistribution
    >>> from skprob.metrics import mean_nll
    >>> round(mean_nll([0, 2], PoissonDistribution(rate=[1.0, 2.0])), 4)
    1.1534
    """
    log_lik = _check_dist(dist).log_likelihood(y_true)
    return -_weighted_mean_over_rows(log_lik, sample_weight)




def _is_class_labels(dist):
    """Whether ``dist`` is over class labels (a categorical or Bernoulli distribution)."""
    return bool(getattr(dist, "over_labels", False))
