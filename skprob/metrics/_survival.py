"""Scores for time-to-event predictions: concordance and the (integrated) Brier score.

Both take right-censored targets (:func:`skprob.censoring.right_censored`, or
scikit-survival's event/time arrays). The Brier score weights each row by the
inverse probability of its remaining uncensored (IPCW, Graf et al. 1999), with
the censoring distribution estimated by Kaplan-Meier on the training targets,
as scikit-survival's ``brier_score`` does.
"""

import numpy as np

from ..censoring import as_bounds, is_censored
from ._common import _check_dist

__all__ = ["brier_score", "concordance_index", "integrated_brier_score"]

#: Rows compared at a time in the concordance count (memory: rows x n floats).
_CHUNK = 1024


def _event_time(y, name="y"):
    """``(event, time)`` of right-censored targets; exact values count as events."""
    if is_censored(y):
        lower, upper = as_bounds(y)
        event = lower == upper
        if np.any(~event & np.isfinite(upper)):
            raise ValueError(
                f"{name} has left- or interval-censored rows; survival scores take "
                "right-censored times only (upper bound equal to the time, or inf)."
            )
        return event, lower
    time = np.asarray(y, dtype=np.float64).reshape(-1)
    return np.ones(len(time), dtype=bool), time


def concordance_index(y_true, estimate):
    """Harrell's concordance index of predicted times with right-censored times.

    Among the pairs whose order is known (the shorter time is an event; a
    censored time equal to an event time counts as the longer), the fraction
    in which the row with the longer time has the larger estimate; ties in the
    estimate count one half. This is the convention of lifelines'
    ``concordance_index``.

    Parameters
    ----------
    y_true : censored target or array-like of shape (n_samples,)
        Right-censored times, or exact times.
    estimate : Distribution or array-like of shape (n_samples,)
        Predicted times (larger means longer survival), or the predicted
        distributions, whose medians are used. For a risk score (larger means
        shorter survival), pass its negative.

    Returns
    -------
    float
        In [0, 1]; 0.5 for estimates unrelated to the times.

    Examples
    --------
    >>> from skprob.censoring import right_censored
    >>> from skprob.metrics import concordance_index
    >>> y = right_censored(time=[1.0, 2.0, 3.0, 4.0], event=[True, True, False, True])
    >>> concordance_index(y, [1.5, 1.0, 5.0, 6.0])
    0.8
    """
    event, time = _event_time(y_true, "y_true")
    if hasattr(estimate, "log_likelihood"):
        estimate = _check_dist(estimate, "estimate").median()
    estimate = np.asarray(estimate, dtype=np.float64).reshape(-1)
    if len(estimate) != len(time):
        raise ValueError(f"estimate has {len(estimate)} rows; y_true has {len(time)}.")
    if not np.all(np.isfinite(estimate)):
        raise ValueError("estimate contains NaN or infinite values; expected finite times.")
    concordant = comparable = 0.0
    events = np.flatnonzero(event)
    for start in range(0, len(events), _CHUNK):
        rows = events[start:start + _CHUNK]
        t_i, e_i = time[rows, None], estimate[rows, None]
        known = (time[None, :] > t_i) | ((time[None, :] == t_i) & ~event[None, :])
        comparable += known.sum()
        concordant += (known & (estimate[None, :] > e_i)).sum()
        concordant += 0.5 * (known & (estimate[None, :] == e_i)).sum()
    if comparable == 0:
        raise ValueError("y_true has no comparable pairs (no event before another time).")
    return float(concordant / comparable)


def _censoring_survival(event, time):
    """Kaplan-Meier estimate of ``P(C > t)`` (censorings as the events), as a step function.

    Events at a censoring time are taken to precede it (scikit-survival's convention).
    """
    order = np.argsort(time, kind="stable")
    time, event = time[order], event[order]
    unique, first = np.unique(time, return_index=True)
    events = np.add.reduceat(event.astype(float), first)
    censorings = np.add.reduceat((~event).astype(float), first)
    # At a tied time the events come first: they leave the censoring risk set.
    at_risk = len(time) - first - events
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(censorings > 0, censorings / at_risk, 0.0)
    survival = np.cumprod(1.0 - hazard)

    def evaluate(t):
        position = np.searchsorted(unique, t, side="right") - 1
        return np.where(position < 0, 1.0, survival[np.maximum(position, 0)])

    return evaluate


def brier_score(y_train, y_true, dist, times):
    """IPCW Brier score of predicted survival at each of ``times`` (lower is better).

    At time ``t``, a row whose event happened by ``t`` contributes
    ``S(t)**2 / G(T)``, a row still at risk ``(1 - S(t))**2 / G(t)``, and a row
    censored before ``t`` nothing; ``S`` is the predicted survival function and
    ``G`` the Kaplan-Meier survival of the censoring times in ``y_train``.

    Parameters
    ----------
    y_train : censored target
        Training targets, for the censoring distribution.
    y_true : censored target
        Test targets, rows of ``dist``.
    dist : Distribution
        Predicted time-to-event distributions of the test rows.
    times : array-like of shape (n_times,)
        Time points, within the range of the test times.

    Returns
    -------
    ndarray of shape (n_times,)

    Examples
    --------
    >>> from skprob.censoring import right_censored
    >>> from skprob.families.exponential import ExponentialDistribution
    >>> from skprob.metrics import brier_score
    >>> y = right_censored(time=[1.0, 2.0, 3.0, 4.0], event=[True, False, True, True])
    >>> dist = ExponentialDistribution(scale=[2.0, 2.0, 2.0, 2.0])
    >>> brier_score(y, y, dist, [1.5, 2.5]).round(4)
    array([0.2646, 0.4023])
    """
    train_event, train_time = _event_time(y_train, "y_train")
    event, time = _event_time(y_true, "y_true")
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    if len(times) == 0 or not np.all(np.isfinite(times)):
        raise ValueError(f"times must be finite time points; got {times!r}.")
    if times.max() >= time.max():
        raise ValueError(
            f"times must lie below the largest time of y_true ({time.max():.6g}), where the "
            f"censoring weights are defined; got max(times)={times.max():.6g}."
        )
    survival = _check_dist(dist).survival_function(times)
    if survival.shape[0] != len(time):
        raise ValueError(f"dist has {survival.shape[0]} rows; y_true has {len(time)}.")
    censoring = _censoring_survival(train_event, train_time)
    weight_at_time = censoring(time)
    with np.errstate(divide="ignore"):
        event_weight = np.where(weight_at_time > 0, 1.0 / weight_at_time, 0.0)
    weight_at_t = censoring(times)
    had_event = (time[:, None] <= times[None, :]) & event[:, None]
    at_risk = time[:, None] > times[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = (had_event * survival**2 * event_weight[:, None]
                 + at_risk * (1.0 - survival) ** 2 / weight_at_t[None, :])
    return terms.mean(axis=0)


def integrated_brier_score(y_train, y_true, dist, times):
    """The Brier score averaged over ``times`` by the trapezoidal rule (lower is better).

    Parameters
    ----------
    y_train, y_true, dist, times
        As in :func:`brier_score`; at least two times.

    Returns
    -------
    float

    Examples
    --------
    >>> from skprob.censoring import right_censored
    >>> from skprob.families.exponential import ExponentialDistribution
    >>> from skprob.metrics import integrated_brier_score
    >>> y = right_censored(time=[1.0, 2.0, 3.0, 4.0], event=[True, False, True, True])
    >>> dist = ExponentialDistribution(scale=[2.0, 2.0, 2.0, 2.0])
    >>> round(integrated_brier_score(y, y, dist, [1.5, 2.0, 2.5]), 4)
    0.3335
    """
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    if len(times) < 2 or np.any(np.diff(times) <= 0):
        raise ValueError(f"times must be at least two increasing time points; got {times!r}.")
    scores = brier_score(y_train, y_true, dist, times)
    area = np.sum(np.diff(times) * (scores[1:] + scores[:-1]) / 2.0)
    return float(area / (times[-1] - times[0]))
