"""Exceptions and warnings raised by skprob.

Every error is a subclass of :class:`ValueError` or :class:`TypeError` (and of
:class:`SkprobError`), so code written against scikit-learn's conventions catches
them without knowing about skprob.

Examples
--------
>>> import numpy as np
>>> from skprob import PoissonMLPRegressor
>>> from skprob.exceptions import TargetSupportError
>>> X = np.zeros((4, 1))
>>> try:
...     PoissonMLPRegressor().fit(X, [0, 1, -2, 3])
... except TargetSupportError as err:
...     print(type(err).__name__)
TargetSupportError
"""

from sklearn.exceptions import NotFittedError

__all__ = [
    "DiscreteTargetWarning",
    "DivergenceError",
    "DivergenceWarning",
    "NotFittedError",
    "SkprobError",
    "TargetSupportError",
    "UndefinedStatisticError",
]


class SkprobError(Exception):
    """Base class of all errors raised by skprob.

    Examples
    --------
    >>> from skprob.exceptions import SkprobError, TargetSupportError
    >>> issubclass(TargetSupportError, SkprobError)
    True
    """


class TargetSupportError(SkprobError, ValueError):
    """A target lies outside the support of the chosen distribution family.

    The message names the family, the offending values and what the family
    expects, e.g. negative counts given to a Poisson model.

    Examples
    --------
    >>> from skprob.exceptions import TargetSupportError
    >>> issubclass(TargetSupportError, ValueError)
    True
    """


class DivergenceError(SkprobError, ValueError):
    """Training produced a non-finite loss and could not recover.

    Raised only after skprob has restored the last finite weights and retried
    with smaller learning rates; the message says which settings to change.

    Examples
    --------
    >>> from skprob.exceptions import DivergenceError
    >>> issubclass(DivergenceError, ValueError)
    True
    """


class DiscreteTargetWarning(UserWarning):
    """A continuous family is fitted on a target that takes few distinct values.

    A density can put narrow spikes on repeated values and report a
    log-likelihood that no model of the real data could reach; the message
    names the remedies (a discrete family, or the rounding fitted exactly
    with :func:`skprob.censoring.rounded`).

    Examples
    --------
    >>> from skprob.exceptions import DiscreteTargetWarning
    >>> issubclass(DiscreteTargetWarning, UserWarning)
    True
    """


class DivergenceWarning(UserWarning):
    """Training ended with a finite training NLL far above where it started.

    A learning rate too large for the data can drive the loss up to huge but
    finite values: the fit completes, and its predictions are worse than a
    constant model's. skprob warns instead of raising, because the stopping
    rule is a heuristic and the fitted model can still be inspected (its
    ``loss_curve_``); a loss that becomes non-finite raises
    :class:`DivergenceError`.

    Examples
    --------
    >>> from skprob.exceptions import DivergenceWarning
    >>> issubclass(DivergenceWarning, UserWarning)
    True
    """


class UndefinedStatisticError(SkprobError, ValueError, NotImplementedError):
    """A distribution has no such statistic: a ranking's mean, a class label's quantiles.

    Raised by the summaries of a predicted distribution (``mean``, ``var``,
    ``ppf``, ``cdf``, ...) that its family does not define, and by ``predict``
    when ``prediction`` asks for one. It is a :class:`ValueError` like every
    skprob error, and a :class:`NotImplementedError` for code that tests
    whether a statistic exists.

    Examples
    --------
    >>> from skprob.exceptions import UndefinedStatisticError
    >>> issubclass(UndefinedStatisticError, ValueError)
    True
    """
