"""Choosing a distribution family by held-out likelihood, for ``DistributionRegressor``.

The candidates are the registered regression families whose support holds the
target. Each is fitted with the estimator's own hyper-parameters on the same
inner training rows and scored on the same held-out rows; the choice is the best
mean held-out log-likelihood, except that among the candidates within one
standard error of the best (the paired per-row differences) the one with the
fewest parameters is taken, so that a family that nests the generating one (a
zero-inflated Poisson for Poisson counts, a mixture for normal noise) does not win
on noise.

Integer-valued targets are compared like with like: a count family scores a row
by its probability ``p(y)``, and a continuous family by the probability it puts on
the unit cell around the integer, ``F(y + 1/2) - F(y - 1/2)`` (its dequantised
likelihood). Neither can exceed one, so a continuous density that collapses onto
the integers (a spike at each value) cannot win by a density larger than any
probability.
"""

import math
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state

from .exceptions import DiscreteTargetWarning, TargetSupportError
from .families import available_families, get_family

__all__ = ["candidate_families", "select_family"]

#: Share of the rows held out to compare the candidates.
SELECTION_FRACTION = 0.2
#: At most this many rows take part in the comparison (a random subset), bounding its cost.
SELECTION_MAX_ROWS = 20_000
#: Held-out differences below this (nats per row) are ties, whatever their standard error:
#: two fits of nested families (a negative binomial whose dispersion went to 0, and the
#: Poisson) differ by their training noise, often with a tiny standard error.
SELECTION_TIE = 0.01
def candidate_families(y):
    """Names of the registered regression families whose support holds ``y``.

    Parameters
    ----------
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)

    Returns
    -------
    list of str

    Examples
    --------
    >>> import numpy as np
    >>> from skprob._selection import candidate_families
    >>> "poisson" in candidate_families(np.array([0.0, 2.0, 5.0]))
    True
    >>> "poisson" in candidate_families(np.array([0.5, 2.0]))
    False
    """
    y = np.asarray(y, dtype=np.float64)
    names = []
    for name in available_families():
        family = get_family(name)
        if family.is_classifier or not family.proposed_by_auto:
            continue
        wide = y.ndim == 2 and y.shape[1] > 1
        if (family.joint and not wide) or (y.ndim == 2 and not family.joint
                                           and not family.multi_output):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DiscreteTargetWarning)
                family.fit_transform(y[: min(len(y), 2000)])
        except (TargetSupportError, ValueError):
            continue
        names.append(name)
    return names


def _lattice_log_prob(dist, y):
    """``log(F(y + 1/2) - F(y - 1/2))`` per row (summed over outputs), free of cancellation."""
    below = dist.cdf(y + 0.5) - dist.cdf(y - 0.5)
    above = dist.sf(y - 0.5) - dist.sf(y + 0.5)
    prob = np.maximum(np.maximum(below, above), 1e-300)
    return np.log(prob).reshape(len(y), -1).sum(axis=1)


def select_family(estimator, X, y, sample_weight, candidates):
    """The family name with the best held-out log-likelihood, and every candidate's score.

    Parameters
    ----------
    estimator : DistributionRegressor
        Its hyper-parameters are used for every candidate (its ``distribution`` is
        replaced by each candidate's name).
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    candidates : list of str

    Returns
    -------
    name : str
    scores : dict
        Mean held-out log-likelihood per candidate (``None`` for one that failed to fit).
    """
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    rng = check_random_state(estimator.random_state)
    rows = rng.permutation(n)[:SELECTION_MAX_ROWS]
    n_val = max(1, int(round(SELECTION_FRACTION * len(rows))))
    if len(rows) - n_val < 2:
        raise ValueError(
            f"distribution='auto' needs at least 3 rows to hold some out; got {n}."
        )
    val, train = np.sort(rows[:n_val]), np.sort(rows[n_val:])
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    integer_valued = bool(np.all(y == np.floor(y)))
    per_row, scores, sizes = {}, {}, {}
    for name in candidates:
        model = clone(estimator).set_params(distribution=name)
        try:
            with warnings.catch_warnings():
                # Integer-valued targets are compared by lattice probabilities below.
                warnings.simplefilter("ignore", DiscreteTargetWarning)
                model.fit(X[train], y[train], **({} if weights is None else
                                                 {"sample_weight": weights[train]}))
            dist = model.predict_dist(X[val])
            if integer_valued and not dist.discrete:
                log_lik = _lattice_log_prob(dist, y[val])
            else:
                log_lik = dist.log_likelihood(y[val])
        except (ValueError, TargetSupportError, ArithmeticError):
            scores[name] = None
            continue
        if not np.all(np.isfinite(log_lik)):
            scores[name] = None
            continue
        w = np.ones(n_val) if weights is None else weights[val]
        per_row[name] = log_lik
        scores[name] = float(np.average(log_lik, weights=w))
        sizes[name] = sum(model.family_.n_raw_)
    if not per_row:
        raise ValueError(f"distribution='auto': no candidate family could be fitted: {scores}.")
    best = max(per_row, key=lambda name: scores[name])
    # One-standard-error rule: the fewest parameters among the candidates that are not
    # distinguishable from the best on the held-out rows.
    close = []
    for name, log_lik in per_row.items():
        difference = per_row[best] - log_lik
        se = float(np.std(difference, ddof=1) / math.sqrt(len(difference))) if n_val > 1 else 0.0
        if scores[best] - scores[name] <= max(se, SELECTION_TIE):
            close.append(name)
    choice = min(close, key=lambda name: (sizes[name], -scores[name]))
    return choice, scores
