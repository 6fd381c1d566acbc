"""Censored and interval targets: rows whose target is only known to lie in a range.

A censored row contributes ``log P(lower < Y <= upper)`` to the likelihood
instead of the log-density: right-censored times (``upper = inf``: the event had
not happened when observation stopped), values below a detection limit
(``lower = -inf``, or ``0`` for positive targets) and answers given as ranges.
A row with ``lower == upper`` is an exact observation.

Such a target is a numpy structured array with the float fields ``lower`` and
``upper``, made by :func:`interval_censored`, :func:`right_censored`,
:func:`left_censored` or :func:`rounded` (values recorded on a grid);
scikit-survival's arrays (a boolean event field and a float time field, as
``sksurv.util.Surv.from_arrays`` makes them) are read as right-censored times.
Being a plain array of rows, it goes through ``train_test_split``,
``cross_val_score``, ``GridSearchCV`` and pipelines like any ``y``; every
continuous skprob regressor whose distribution has a cdf accepts it in ``fit``,
``score`` and ``log_likelihood``, and discrete ones accept :func:`rounded` counts.

Examples
--------
>>> import numpy as np
>>> from skprob.censoring import right_censored
>>> y = right_censored(time=[2.0, 5.0], event=[True, False])
>>> y["lower"], y["upper"]
(array([2., 5.]), array([ 2., inf]))
"""

import numpy as np

__all__ = [
    "CENSORED_DTYPE",
    "as_bounds",
    "interval_censored",
    "is_censored",
    "left_censored",
    "right_censored",
    "rounded",
]

#: The dtype of skprob's censored targets.
CENSORED_DTYPE = np.dtype([("lower", np.float64), ("upper", np.float64)])


def interval_censored(lower, upper):
    """A censored target from the bounds of each row: ``Y`` in ``(lower, upper]``.

    Parameters
    ----------
    lower, upper : array-like of shape (n_samples,)
        Bounds; ``-inf`` and ``inf`` leave a side open, and ``lower == upper``
        is an exact observation.

    Returns
    -------
    ndarray of shape (n_samples,), dtype :data:`CENSORED_DTYPE`

    Raises
    ------
    ValueError
        If the bounds differ in length, are NaN, or ``lower > upper``.

    Examples
    --------
    >>> from skprob.censoring import interval_censored
    >>> interval_censored([1.0, 3.0], [2.0, 3.0])["upper"]
    array([2., 3.])
    """
    lower = np.asarray(lower, dtype=np.float64).reshape(-1)
    upper = np.asarray(upper, dtype=np.float64).reshape(-1)
    if lower.shape != upper.shape:
        raise ValueError(
            f"lower and upper need one bound per row each; got {lower.shape[0]} and "
            f"{upper.shape[0]} values."
        )
    _check_bounds(lower, upper)
    out = np.empty(len(lower), dtype=CENSORED_DTYPE)
    out["lower"], out["upper"] = lower, upper
    return out


def right_censored(time, event):
    """Times to an event, right-censored where the event was not observed.

    Parameters
    ----------
    time : array-like of shape (n_samples,)
        Time of the event, or of the end of observation.
    event : array-like of bool of shape (n_samples,)
        Whether the event happened at ``time`` (``False``: it happens later).

    Returns
    -------
    ndarray of shape (n_samples,), dtype :data:`CENSORED_DTYPE`

    Examples
    --------
    >>> from skprob.censoring import right_censored
    >>> right_censored([4.0, 7.0], [False, True])["upper"]
    array([inf,  7.])
    """
    time = np.asarray(time, dtype=np.float64).reshape(-1)
    event = _as_events(event, len(time))
    return interval_censored(time, np.where(event, time, np.inf))


def left_censored(value, observed, lower=-np.inf):
    """Values below a detection limit: ``observed=False`` rows only lie below ``value``.

    Parameters
    ----------
    value : array-like of shape (n_samples,)
        The measurement, or the detection limit where nothing was measured.
    observed : array-like of bool of shape (n_samples,)
        Whether ``value`` was measured (``False``: the target is at most ``value``).
    lower : float, default=-inf
        Lower end of the target's range (``0`` for positive targets).

    Returns
    -------
    ndarray of shape (n_samples,), dtype :data:`CENSORED_DTYPE`

    Examples
    --------
    >>> from skprob.censoring import left_censored
    >>> left_censored([0.5, 0.1], [True, False], lower=0.0)["lower"]
    array([0.5, 0. ])
    """
    value = np.asarray(value, dtype=np.float64).reshape(-1)
    observed = _as_events(observed, len(value), name="observed")
    return interval_censored(np.where(observed, value, lower), value)


def rounded(y, resolution=None):
    """Values recorded on a grid, as the intervals they stand for: ``(v - r/2, v + r/2]``.

    A score of 6, a price in whole euros or an age in years is a rounded
    continuous quantity. Fitted as an exact value, a continuous density can put
    a spike on each grid point; fitted as its rounding interval, each row
    contributes ``log P(v - r/2 < Y <= v + r/2)``, the probability of the
    recorded value, which is at most 0 and comparable with a discrete model's
    log-loss.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Recorded values.
    resolution : float or None, default=None
        Spacing ``r`` of the grid; ``None`` takes the smallest gap between the
        distinct values of ``y``.

    Returns
    -------
    ndarray of shape (n_samples,), dtype :data:`CENSORED_DTYPE`

    Raises
    ------
    ValueError
        If ``y`` is not finite, ``resolution`` is not positive, or ``y`` has a
        single distinct value and no ``resolution``.

    Examples
    --------
    >>> from skprob.censoring import rounded
    >>> y = rounded([5.0, 6.0, 6.0, 8.0])
    >>> y["lower"], y["upper"]
    (array([4.5, 5.5, 5.5, 7.5]), array([5.5, 6.5, 6.5, 8.5]))
    """
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(y)):
        raise ValueError("y contains NaN or infinite values; expected recorded values.")
    if resolution is None:
        values = np.unique(y)
        if len(values) < 2:
            raise ValueError(
                "y has a single distinct value, so its grid is unknown; pass resolution=."
            )
        resolution = float(np.min(np.diff(values)))
    resolution = float(resolution)
    if not resolution > 0 or not np.isfinite(resolution):
        raise ValueError(f"resolution must be a positive number; got {resolution!r}.")
    return interval_censored(y - resolution / 2, y + resolution / 2)


def is_censored(y):
    """Whether ``y`` is a censored target (skprob's or scikit-survival's structured array).

    Examples
    --------
    >>> from skprob.censoring import is_censored, right_censored
    >>> is_censored(right_censored([1.0], [True])), is_censored([1.0])
    (True, False)
    """
    fields = getattr(getattr(y, "dtype", None), "names", None)
    return bool(fields) and (set(fields) == {"lower", "upper"} or _survival_fields(y) is not None)


def as_bounds(y):
    """The ``(lower, upper)`` bounds of a censored target, as float64 arrays of shape (n,).

    Parameters
    ----------
    y : structured ndarray
        skprob's censored target, or scikit-survival's ``(event, time)`` array.

    Returns
    -------
    lower, upper : ndarray

    Raises
    ------
    ValueError
        If ``y`` is not a censored target or its bounds are invalid.

    Examples
    --------
    >>> from skprob.censoring import as_bounds, right_censored
    >>> as_bounds(right_censored([1.0, 2.0], [True, False]))
    (array([1., 2.]), array([ 1., inf]))
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"A censored target has one row per sample; got an array of shape {y.shape}."
        )
    fields = y.dtype.names or ()
    if set(fields) == {"lower", "upper"}:
        lower = y["lower"].astype(np.float64)
        upper = y["upper"].astype(np.float64)
        _check_bounds(lower, upper)
        return lower, upper
    survival = _survival_fields(y)
    if survival is None:
        raise ValueError(
            "y is not a censored target: expected a structured array with the fields "
            "('lower', 'upper'), as skprob.censoring.interval_censored makes, or a boolean "
            "event field and a float time field, as sksurv.util.Surv.from_arrays makes; got "
            f"dtype {y.dtype}."
        )
    event_field, time_field = survival
    time = y[time_field].astype(np.float64)
    lower, upper = time, np.where(y[event_field], time, np.inf)
    _check_bounds(lower, upper)
    return lower, upper


def _survival_fields(y):
    """``(event field, time field)`` of a scikit-survival array, else ``None``."""
    dtype = y.dtype
    if dtype.names is None or len(dtype.names) != 2:
        return None
    kinds = {name: dtype[name].kind for name in dtype.names}
    events = [name for name, kind in kinds.items() if kind == "b"]
    times = [name for name, kind in kinds.items() if kind in "fiu"]
    if len(events) == 1 and len(times) == 1:
        return events[0], times[0]
    return None


def _as_events(event, n, name="event"):
    event = np.asarray(event)
    if event.shape != (n,) or not (event.dtype == bool or np.isin(event, [0, 1]).all()):
        raise ValueError(
            f"{name} must be {n} booleans, one per row; got {event!r:.80}."
        )
    return event.astype(bool)


def _check_bounds(lower, upper):
    if np.isnan(lower).any() or np.isnan(upper).any():
        raise ValueError(
            "A censored target has NaN bounds; use -inf or inf for an open side, and drop "
            "rows whose target is unknown."
        )
    wrong = lower > upper
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise ValueError(
            f"A censored target needs lower <= upper in every row; {int(wrong.sum())} row(s) "
            f"are not, e.g. row {i}: lower={lower[i]!r}, upper={upper[i]!r}."
        )
    if np.any((lower == upper) & ~np.isfinite(lower)):
        raise ValueError(
            "A censored row with lower == upper is an exact observation and must be finite; "
            "found an infinite one."
        )
