"""The one place where skprob touches private or version-dependent scikit-learn API.

Everything else imports from here, so that a change in scikit-learn is mended
in one file.
"""

from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import _safe_indexing as safe_indexing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

__all__ = [
    "BaseSearchCV",
    "Interval",
    "StrOptions",
    "check_is_fitted",
    "check_sample_weight",
    "safe_indexing",
    "validate_data",
]


def check_sample_weight(sample_weight, X, dtype=None):
    """Validate ``sample_weight`` against ``X``: right length, finite, non-negative, not all 0.

    scikit-learn's own check refuses all-zero weights only in recent releases;
    skprob refuses them on every supported version, with one message.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), float or None
        Weights; ``None`` means equal weights.
    X : array-like of shape (n_samples, n_features)
        The input the weights belong to.
    dtype : numpy dtype, default=None
        Output dtype; float64 when ``None``.

    Returns
    -------
    ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from skprob._compat import check_sample_weight
    >>> check_sample_weight(None, np.zeros((3, 2)))
    array([1., 1., 1.])
    """
    weights = _check_sample_weight(sample_weight, X, dtype=dtype, ensure_non_negative=True)
    if sample_weight is not None and len(weights) and not weights.sum() > 0:
        raise ValueError(
            "sample_weight sums to zero; it must contain at least one non-zero (positive) "
            "weight."
        )
    return weights


def fit_context(fit_method):
    """Decorator that validates ``_parameter_constraints`` before ``fit`` runs.

    Examples
    --------
    >>> from skprob._compat import fit_context
    >>> callable(fit_context(lambda self, X, y: self))
    True
    """
    from sklearn.base import _fit_context

    return _fit_context(prefer_skip_nested_validation=True)(fit_method)
