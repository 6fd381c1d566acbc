"""The likelihood of censored targets, for every family whose distribution has a cdf.

A censored target (see :mod:`skprob.censoring`) becomes an array of rows
``(lower, upper, point)``: the bounds, and a point inside them where the density
may be evaluated (the value itself for an exact row, ``lower == upper``). An
exact row contributes the log-density at its value, any other row
``log P(lower < Y <= upper)``; both are computed for every row on values that
are always valid (an exact row's interval is ``(-inf, value]``), so that the
branch a row does not use never puts a nan into the gradients.
"""

import numpy as np
import torch

from ..censoring import as_bounds
from ..exceptions import TargetSupportError
from ._cdf import log_interval_probability

__all__ = ["censored_log_likelihood", "censored_rows", "has_cdf", "single_counts"]


def has_cdf(distribution_class):
    """Whether the distribution has the torch ``log_cdf`` and ``log_sf`` that censoring needs."""
    return all(
        getattr(distribution_class, name, None) is not None for name in ("log_cdf", "log_sf")
    )


def censored_rows(y, support, name, distribution_class):
    """``(n, 3)`` float64 rows ``(lower, upper, point)`` of a censored target, checked.

    Parameters
    ----------
    y : structured ndarray
        A censored target (:mod:`skprob.censoring`).
    support : Support
        The family's support: exact values must lie in it and every interval
        must reach into it.
    name : str
        The family's name, for messages.
    distribution_class : type
        The family's distribution, which must have a cdf.

    Raises
    ------
    TargetSupportError
        If the family has no cdf, or a row lies outside the support.
    """
    if not has_cdf(distribution_class) or support.discrete or support.joint:
        raise TargetSupportError(
            f"The {name!r} family does not take censored targets: its distribution has no "
            "cdf in skprob (censoring needs log P(lower < Y <= upper)). Use one of the "
            f"families that have one: {_families_with_cdf()}."
        )
    lower, upper = as_bounds(y)
    exact = lower == upper
    # A bound at or beyond an end of the support leaves that side open: its cdf value is
    # then exact (0 or 1) rather than computed where the density may vanish.
    lower = np.where(~exact & (lower <= support.lower_end), -np.inf, lower)
    upper = np.where(~exact & (upper >= support.upper_end), np.inf, upper)
    if exact.any():
        values = lower[exact]
        bad = support.outside(values)
        if bad.any():
            raise support.error(values, bad, _Named(name))
    # Each interval must hold some of the support: its middle, or its finite end moved
    # inside, is the point where the unused density branch is evaluated.
    point = np.where(exact, lower, _inside_point(lower, upper))
    outside = ~exact & support.outside(point)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise TargetSupportError(
            f"The {name!r} family needs every censored interval to reach into "
            f"{support.description}; {int(outside.sum())} row(s) do not, e.g. row {i}: "
            f"({float(lower[i])!r}, {float(upper[i])!r}]."
        )
    return np.column_stack([lower, upper, point])


def single_counts(y, support, name):
    """The count each row's interval holds, for a discrete family given a censored target.

    A count recorded as ``(k - 1/2, k + 1/2]`` (:func:`skprob.censoring.rounded`) is the
    count ``k``, and its interval probability is the probability of ``k``: so that
    discrete and continuous families can be compared on one rounded target, a
    discrete family reads each interval as the one integer it holds.

    Raises
    ------
    TargetSupportError
        If an interval holds no integer or several.
    """
    lower, upper = as_bounds(y)
    exact = lower == upper
    count = np.where(exact, lower, np.floor(upper))
    holds_one = exact | (np.floor(upper) - np.floor(lower) == 1)
    if not holds_one.all():
        i = int(np.flatnonzero(~holds_one)[0])
        raise TargetSupportError(
            f"The {name!r} family is discrete: it takes a censored target only as intervals "
            f"that each hold one count (as skprob.censoring.rounded makes them); "
            f"{int((~holds_one).sum())} row(s) do not, e.g. row {i}: "
            f"({float(lower[i])!r}, {float(upper[i])!r}]."
        )
    bad = support.outside(count)
    if bad.any():
        raise support.error(count, bad, _Named(name))
    return count


def _families_with_cdf():
    """Names of the registered families that take censored targets (read from the registry,
    so that a new family file with ``log_cdf`` and ``log_sf`` is listed without an edit here)."""
    from . import available_families, get_family

    names = []
    for family_name in available_families():
        family = get_family(family_name)
        support = family.support
        if has_cdf(family.distribution_class) and not (support.discrete or support.joint):
            names.append(family_name)
    return names


def _inside_point(lower, upper):
    """A point inside each interval: its middle, or a little inside its one finite end."""
    finite_lower, finite_upper = np.isfinite(lower), np.isfinite(upper)
    end = np.where(finite_lower, lower, np.where(finite_upper, upper, 0.0))
    step = np.minimum(1e-3 * np.maximum(np.abs(end), 1.0), 0.5 * np.abs(end) + (end == 0))
    middle = 0.5 * np.where(finite_lower, lower, 0.0) + 0.5 * np.where(finite_upper, upper, 0.0)
    return np.where(finite_lower & finite_upper, middle,
                    np.where(finite_lower, lower + step, np.where(finite_upper, upper - step, 0.0)))


class _Named:
    def __init__(self, name):
        self.name = name


def censored_log_likelihood(distribution_class, params, rows):
    """Per-row log-likelihood (torch) of censored rows ``(lower, upper, point)``.

    Parameters
    ----------
    distribution_class : type
        The distribution, with ``log_density``, ``log_cdf`` and ``log_sf``.
    params : dict of Tensor
        Its parameters, rows first (a trailing axis of one output is fine).
    rows : Tensor of shape (n, 3)

    Returns
    -------
    Tensor of shape (n,)
    """
    lower, upper, point = rows[:, 0], rows[:, 1], rows[:, 2]
    squeeze = {k: v.reshape(v.shape[0], *v.shape[2:]) if v.dim() > 1 and v.shape[1] == 1 else v
               for k, v in params.items()}
    exact = lower == upper
    density = distribution_class.log_density(squeeze, point)
    # An exact row's interval branch is unused: (-inf, point] keeps it finite.
    safe_lower = torch.where(exact, torch.full_like(lower, -np.inf), lower)
    interval = log_interval_probability(distribution_class, squeeze, safe_lower, upper, point)
    return torch.where(exact, density, interval)
