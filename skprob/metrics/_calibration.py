"""Calibration checks: PIT values, interval coverage and calibration errors."""

import numpy as np
from sklearn.utils import check_random_state

from ..distributions import Distribution
from ._common import (
    _check_dist,
    _check_numeric,
    _is_class_labels,
    _row_weights,
    _weighted_mean_over_rows,
)

__all__ = [
    "DEFAULT_LEVELS",
    "expected_calibration_error",
    "interval_calibration_error",
    "interval_coverage",
    "pit",
]

#: Central-interval levels over which :func:`interval_calibration_error` compares coverage.
DEFAULT_LEVELS = np.round(np.arange(0.05, 1.0, 0.05), 2)


def pit(y_true, dist, *, random_state=None):
    """Probability integral transform: each target's predicted cdf value.

    For a calibrated continuous model the values ``F(y)`` are uniform on
    [0, 1]; a U shape means too narrow distributions, a hump too wide ones, a
    slope bias. For a discrete distribution the randomised PIT ``F(y-) + V *
    (F(y) - F(y-))`` with ``V`` uniform is returned, which is again exactly
    uniform under calibration; ``F(y-)`` is computed as ``cdf(y) - pmf(y)``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Observed targets (for a Bernoulli distribution, the class labels; the
        positive class counts as 1).
    dist : Distribution
        Predicted distributions of a scalar, ordered target.
    random_state : int, RandomState instance or None, default=None
        Seed of the randomisation of discrete distributions (unused otherwise).

    Returns
    -------
    ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Values in [0, 1].

    Examples
    --------
    >>> from skprob.families.normal import NormalDistribution
    >>> from skprob.metrics import pit
    >>> pit([0.0, 1.96], NormalDistribution(loc=[0.0, 0.0], scale=[1.0, 1.0])).round(3)
    array([0.5  , 0.975])
    """
    lower, upper = _pit_bounds(y_true, dist)
    if not dist.discrete:
        return upper
    u = check_random_state(random_state).uniform(size=upper.shape)
    return np.clip(lower + u * (upper - lower), 0.0, 1.0)


def _pit_bounds(y_true, dist):
    """``F(y-)`` and ``F(y)``: equal for continuous distributions."""
    _check_dist(dist)
    if dist.event_ndim != 0:
        _check_numeric(dist, "The PIT")
    try:
        upper = np.clip(np.asarray(dist.cdf(y_true), dtype=np.float64), 0.0, 1.0)
    except NotImplementedError:
        raise ValueError(
            f"The PIT needs a cdf, which {type(dist).__name__} does not have: its target "
            "has no order (class labels); use expected_calibration_error for classifiers."
        ) from None
    if not dist.discrete:
        return upper, upper
    return np.clip(upper - dist.pmf(y_true), 0.0, upper), upper


def _covered(y_true, dist, confidence):
    return dist.in_interval(y_true, confidence)


def interval_coverage(y_true, dist, confidence=0.9, sample_weight=None):
    """Share of targets inside their central predictive interval.

    The interval of a row holds ``confidence`` of its predicted probability,
    with ``(1 - confidence) / 2`` in each tail (ends included). A calibrated
    model covers about ``confidence`` of the targets; a discrete model covers
    at least that, since its intervals hold at least the nominal probability.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Observed numeric targets; with several outputs every (row, output)
        pair counts once.
    dist : Distribution
        Predicted distributions of a scalar, ordered target.
    confidence : float in (0, 1), default=0.9
        Nominal probability of the intervals.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each row.

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> from skprob.families.normal import NormalDistribution
    >>> from skprob.metrics import interval_coverage
    >>> dist = NormalDistribution(loc=[0.0, 0.0], scale=[1.0, 1.0])
    >>> interval_coverage([1.0, 2.0], dist, confidence=0.9)
    0.5
    """
    _check_numeric(_check_dist(dist), "Interval coverage")
    return _weighted_mean_over_rows(_covered(y_true, dist, confidence), sample_weight)


def _coverage_curve(y_true, dist, levels, sample_weight):
    """Nominal levels and the observed coverage at each (see ``interval_calibration_error``)."""
    _check_numeric(_check_dist(dist), "Interval coverage")
    levels = DEFAULT_LEVELS if levels is None else np.asarray(levels, dtype=np.float64).ravel()
    if levels.size == 0 or not np.all((levels > 0) & (levels < 1)):
        raise ValueError(f"levels must be a non-empty list of values in (0, 1); got {levels!r}.")
    if not dist.discrete:
        covered = [_covered(y_true, dist, c) for c in levels]
    else:
        # The expected share of the randomised PIT in [(1 - c) / 2, (1 + c) / 2]: exactly c
        # under calibration, where discrete intervals would over-cover.
        lower, upper = _pit_bounds(y_true, dist)
        width = upper - lower
        covered = []
        for c in levels:
            a, b = (1.0 - c) / 2.0, (1.0 + c) / 2.0
            overlap = np.clip(np.minimum(upper, b) - np.maximum(lower, a), 0.0, None)
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(width > 0, overlap / width, (upper >= a) & (upper <= b))
            covered.append(share)
    observed = np.array([_weighted_mean_over_rows(c, sample_weight) for c in covered])
    return levels, observed


def _class_probabilities(y_true, proba, classes):
    """Probabilities (n, K), the classes of their columns and the labels as an array."""
    y = np.asarray(y_true)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if isinstance(proba, Distribution) and _is_class_labels(proba):
        probs, classes = np.exp(proba.log_probs()), proba.classes
    elif isinstance(proba, Distribution):
        raise TypeError(
            "For a regressor's distribution use interval_calibration_error(y, dist), not "
            f"class probabilities; got a {type(proba).__name__} here."
        )
    else:
        probs = np.asarray(proba, dtype=np.float64)
        if probs.ndim == 1:  # probability of the positive class, as for binary problems
            probs = np.column_stack([1.0 - probs, probs])
        if probs.ndim != 2 or len(probs) != len(y):
            raise ValueError(
                f"proba must have shape (n_samples, n_classes) with n_samples={len(y)}; "
                f"got shape {np.shape(proba)}."
            )
        if classes is None:
            k = probs.shape[1]
            integer = np.issubdtype(y.dtype, np.number) and np.all(y == np.round(y))
            classes = np.arange(k) if integer and np.all((y >= 0) & (y < k)) else np.unique(y)
            if len(classes) != k:
                raise ValueError(
                    f"proba has {k} columns but y has {len(classes)} distinct labels; "
                    "pass classes= (e.g. estimator.classes_) to name the columns."
                )
    classes = np.asarray(classes)
    if len(classes) != probs.shape[1]:
        raise ValueError(f"classes has {len(classes)} entries; proba has {probs.shape[1]} columns.")
    return probs, classes, y


def _reliability_bins(y_true, proba, n_bins, classes=None, sample_weight=None):
    """Per-bin weight, mean confidence and accuracy of the most probable class, and the ECE."""
    if not (isinstance(n_bins, (int, np.integer)) and n_bins >= 1):
        raise ValueError(f"n_bins must be a positive integer; got {n_bins!r}.")
    probs, classes, y = _class_probabilities(y_true, proba, classes)
    weights = _row_weights(sample_weight, len(probs))
    confidence = probs.max(axis=1)
    correct = (classes[np.argmax(probs, axis=1)] == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # Bins are (edge_b, edge_b+1]; a confidence of exactly 0 falls in the first.
    which = np.digitize(confidence, edges[1:-1], right=True)
    bin_weight = np.bincount(which, weights=weights, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(which, weights=weights * confidence, minlength=n_bins) / bin_weight
        accuracy = np.bincount(which, weights=weights * correct, minlength=n_bins) / bin_weight
    filled = bin_weight > 0
    gaps = bin_weight[filled] * np.abs(accuracy[filled] - mean_conf[filled])
    ece = float(gaps.sum() / bin_weight.sum())
    return edges, bin_weight, mean_conf, accuracy, ece


def interval_calibration_error(y_true, dist, sample_weight=None, *, levels=None):
    """Mean gap between nominal and observed coverage of a regressor's central intervals.

    The mean absolute difference between each level in ``levels`` and the
    observed :func:`interval_coverage` of central intervals at that level. For
    discrete distributions, whose intervals hold more than the nominal
    probability, a row counts as the share of its randomised PIT range (see
    :func:`pit`) inside ``[(1 - c) / 2, (1 + c) / 2]`` instead, so that a
    calibrated count model also scores about 0.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Observed targets.
    dist : Distribution
        Predicted distributions (not over class labels: see
        :func:`expected_calibration_error`).
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each row.
    levels : array-like of float in (0, 1), default=None
        Interval levels; ``None`` means 0.05, 0.10, ..., 0.95.

    Returns
    -------
    float in [0, 1]
        0 for perfect calibration.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.normal import NormalDistribution
    >>> from skprob.metrics import interval_calibration_error
    >>> dist = NormalDistribution(loc=np.zeros(4), scale=np.ones(4))
    >>> round(interval_calibration_error([-0.1, 0.3, 2.5, -1.0], dist, levels=[0.5, 0.9]), 3)
    0.075
    """
    _check_dist(dist)
    if _is_class_labels(dist):
        raise TypeError(
            "interval_calibration_error needs a distribution over numbers; for class "
            f"probabilities ({type(dist).__name__}) use expected_calibration_error."
        )
    levels, observed = _coverage_curve(y_true, dist, levels, sample_weight)
    return float(np.mean(np.abs(observed - levels)))


def expected_calibration_error(y_true, proba, sample_weight=None, *, n_bins=10, classes=None):
    """Expected calibration error (ECE) of class probabilities.

    The weighted mean, over ``n_bins`` equal-width bins of the top
    probability, of ``|accuracy - mean top probability|``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed class labels.
    proba : Distribution or array-like of shape (n_samples, n_classes)
        A distribution over class labels (categorical or Bernoulli), or
        ``predict_proba`` output (a 1-D array is read as the probability of the
        second class of a binary problem).
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each row.
    n_bins : int, default=10
        Number of confidence bins.
    classes : array-like of shape (n_classes,), default=None
        Labels of the probability columns when ``proba`` is an array (e.g.
        ``estimator.classes_``). ``None`` means ``0..n_classes-1`` for integer
        labels in that range and the sorted distinct labels of ``y_true``
        otherwise.

    Returns
    -------
    float in [0, 1]
        0 for perfect calibration.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.metrics import expected_calibration_error
    >>> proba = np.array([[0.9, 0.1], [0.85, 0.15], [0.3, 0.7], [0.45, 0.55]])
    >>> round(expected_calibration_error([0, 1, 1, 0], proba, n_bins=5), 3)
    0.4
    """
    return _reliability_bins(y_true, proba, n_bins, classes, sample_weight)[-1]

