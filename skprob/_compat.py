"""The one place where skprob touches private or version-dependent scikit-learn API.

Everything else imports from here, so that a change in scikit-learn is mended
in one file.
"""

import numpy as np
import torch
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import _safe_indexing as safe_indexing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
)
from sklearn.utils.validation import validate_data as _sklearn_validate_data

from ._validation import convert_input, float_overflow_error

__all__ = [
    "BaseSearchCV",
    "Interval",
    "StrOptions",
    "check_is_fitted",
    "check_sample_weight",
    "safe_indexing",
    "fit_context",
    "validate_data",
    "validate_params",
]


def validate_data(_estimator, /, X="no_validation", y="no_validation", **check_params):
    """scikit-learn's ``validate_data``, after skprob's own checks of what it words poorly.

    Torch tensors are converted, dates, durations and sequences in cells refused
    (:func:`skprob._validation.convert_input`), and a number beyond the float64
    range is reported for the input that holds it instead of as ``OverflowError``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from skprob._compat import validate_data
    >>> validate_data(BaseEstimator(), [[10**400]], dtype=np.float64)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: X holds a number beyond the float64 range (|value| > 1.8e+308), ...
    """
    inputs = {"X": X, "y": y}
    for name, value in inputs.items():
        if isinstance(value, str) and value == "no_validation":
            continue
        if name == "X" or check_params.get("y_numeric"):
            inputs[name] = convert_input(value, name)
        elif isinstance(value, torch.Tensor):  # labels: only a tensor needs converting here
            inputs[name] = convert_input(value, name)
    try:
        return _sklearn_validate_data(_estimator, inputs["X"], inputs["y"], **check_params)
    except OverflowError:
        raise float_overflow_error(_overflowing(inputs)) from None


def _overflowing(inputs):
    """Which input holds the number beyond the float64 range."""
    for name, value in inputs.items():
        if isinstance(value, str):
            continue
        try:
            np.asarray(value, dtype=np.float64)
        except OverflowError:
            return name
        except (TypeError, ValueError):
            continue
    return "X or y"


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
    sample_weight = convert_input(sample_weight, "sample_weight")
    try:
        weights = _check_sample_weight(sample_weight, X, dtype=dtype, ensure_non_negative=True)
    except OverflowError:
        raise float_overflow_error("sample_weight") from None
    # Non-negative: the largest is positive exactly when the sum is (which may overflow).
    if sample_weight is not None and len(weights) and not weights.max() > 0:
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


def validate_params(estimator):
    """Check ``estimator``'s hyper-parameters against its ``_parameter_constraints``.

    What ``fit`` checks first, for an estimator that was not fitted here (one
    loaded from a file, say).

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        A ``ValueError`` and ``TypeError`` naming the parameter, if one is invalid.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from skprob._compat import validate_params
    >>> validate_params(Ridge(alpha=-1.0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'alpha' parameter of Ridge ...
    """
    estimator._validate_params()
