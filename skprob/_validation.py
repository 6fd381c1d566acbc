"""Checks of what enters skprob, made once where the data enter, before any float32 cast.

scikit-learn's ``check_array`` turns most bad inputs into clear errors; these
functions catch the ones that reach it in a form it words poorly or not at all:
torch tensors (a tensor that requires grad cannot become an array), dates and
durations (numpy's DType promotion error), cells that hold sequences, Python
integers beyond the float64 range (``OverflowError``), and class labels that are
missing (``None``, ``pd.NA``) or of several types that cannot be sorted. They
also put sample weights on a scale that float32 training can hold: weights only
matter relative to each other.
"""

import datetime
import numbers

import numpy as np
import pandas as pd
import scipy.sparse
import torch

__all__ = [
    "as_float_array",
    "check_labels",
    "convert_input",
    "float_overflow_error",
    "relative_weights",
    "weighted_mean",
]

#: Cells of these types are sequences, never one number.
_SEQUENCES = (list, tuple, dict, set, frozenset, np.ndarray, pd.Series, pd.DataFrame)
#: Cells of these types are dates, times or durations.
_DATES = (datetime.date, datetime.time, datetime.timedelta, np.datetime64, np.timedelta64,
          pd.Period)


def _from_tensor(tensor):
    """A numpy copy of a torch tensor, detached from autograd and moved to the CPU."""
    tensor = tensor.detach().cpu()
    if tensor.dtype in (torch.bfloat16, torch.float16):
        tensor = tensor.to(torch.float32)  # numpy has no bfloat16
    return tensor.numpy()


def _subject(name, where):
    return f"{name} {where}" if where else name


def _date_message(name, where, kind):
    return (
        f"{_subject(name, where)} holds {kind}; skprob needs numbers. Convert dates and "
        "durations to numeric features first, e.g. the days since a reference date "
        "((t - t0) / pd.Timedelta(days=1)), the day of the year or the hour."
    )


def _nested_message(name, where, cell):
    # The wording of float()'s own TypeError, which scikit-learn's checks look for.
    return (
        f"{_subject(name, where)} holds a {type(cell).__name__} ({cell!r:.60}) in a cell, "
        "but float() argument must be a string or a real number: every cell must be one "
        "number. Expand sequences into columns of their own first."
    )


def _check_object_cells(values, name, where):
    """Refuse dates and sequences among the cells of an object array (or column)."""
    for cell in np.asarray(values, dtype=object).ravel():
        if isinstance(cell, (str, bytes, numbers.Number)) or cell is None:
            continue
        if isinstance(cell, _DATES):
            raise ValueError(_date_message(name, where, f"a {type(cell).__name__} ({cell})"))
        if isinstance(cell, _SEQUENCES):
            raise TypeError(_nested_message(name, where, cell))


def _is_date_dtype(dtype):
    return (
        pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
        or isinstance(dtype, pd.PeriodDtype)
    )


def convert_input(value, name):
    """``value`` ready for scikit-learn's checks, or a ``ValueError`` that says what is wrong.

    A torch tensor becomes a numpy array (detached from autograd, on the CPU);
    pandas objects and arrays holding dates, durations or sequences are refused.
    Anything else passes unchanged, for ``check_array`` to check.

    Parameters
    ----------
    value : array-like, DataFrame, Series, tensor or sparse matrix
        An input as the user gave it.
    name : str
        Its name in messages (``"X"``, ``"y"``).

    Returns
    -------
    object
        ``value``, or a numpy array for a tensor.

    Raises
    ------
    ValueError
        If ``value`` holds dates, durations or sequences.

    Examples
    --------
    >>> import torch
    >>> from skprob._validation import convert_input
    >>> convert_input(torch.ones(2, 1, requires_grad=True), "X")
    array([[1.],
           [1.]], dtype=float32)
    >>> convert_input(np.array(["2024-01-01"], dtype="datetime64[D]"), "X")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: X holds dates or durations (dtype datetime64[D]); skprob needs numbers. ...
    """
    if isinstance(value, torch.Tensor):
        return _from_tensor(value)
    if value is None or isinstance(value, str) or scipy.sparse.issparse(value):
        return value
    if isinstance(value, pd.DataFrame):
        for column, dtype in value.dtypes.items():
            where = f"column {column!r}"
            if _is_date_dtype(dtype):
                raise ValueError(_date_message(name, where, f"dates or durations ({dtype})"))
            if pd.api.types.is_object_dtype(dtype):
                _check_object_cells(value[column].to_numpy(), name, where)
        return value
    if isinstance(value, pd.Series):
        if _is_date_dtype(value.dtype):
            raise ValueError(_date_message(name, "", f"dates or durations ({value.dtype})"))
        if pd.api.types.is_object_dtype(value.dtype):
            _check_object_cells(value.to_numpy(), name, "")
        return value
    if isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value)
        except (ValueError, TypeError, OverflowError):
            # Ragged rows, or cells that are sequences: numpy cannot build a table.
            raise ValueError(
                f"{name} is not a table of numbers: its rows have different lengths or its "
                "cells hold sequences. Give one number per cell, the same number of columns "
                "in every row."
            ) from None
    else:
        array = value
    dtype = getattr(array, "dtype", None)
    if dtype is not None and getattr(dtype, "kind", None) in ("M", "m"):
        raise ValueError(_date_message(name, "", f"dates or durations (dtype {dtype})"))
    if dtype is not None and pd.api.types.is_object_dtype(dtype):
        _check_object_cells(array, name, "")
    return value


def as_float_array(value, name):
    """``value`` as a float64 array (a tensor converted), or a ``ValueError`` naming ``name``.

    Examples
    --------
    >>> from skprob._validation import as_float_array
    >>> as_float_array([1, 2], "y")
    array([1., 2.])
    """
    value = convert_input(value, name)
    try:
        return np.asarray(value, dtype=np.float64)
    except OverflowError:
        raise float_overflow_error(name) from None


def float_overflow_error(name):
    """The error for a value beyond the float64 range (a huge Python integer, say).

    Examples
    --------
    >>> print(float_overflow_error("X"))  # doctest: +ELLIPSIS
    X holds a number beyond the float64 range (|value| > 1.8e+308), ...
    """
    return ValueError(
        f"{name} holds a number beyond the float64 range (|value| > "
        f"{np.finfo(np.float64).max:.2g}), such as a very large Python integer; skprob "
        "computes in float64. Rescale it (e.g. take logarithms) first."
    )


def _is_missing(label):
    if label is None or label is pd.NA or label is pd.NaT:
        return True
    return isinstance(label, (float, np.floating)) and label != label


def check_labels(y, name="y", *, mixed_types=True):
    """Refuse missing class labels and labels of types that cannot be sorted together.

    Parameters
    ----------
    y : array-like or Series
        Class labels as the user gave them.
    name : str, default="y"
        Its name in messages.
    mixed_types : bool, default=True
        Whether to refuse labels of several types. At fit they cannot be sorted
        into classes; at scoring the family names the labels it was not fitted
        on, which says more, so scoring passes ``False``.

    Returns
    -------
    object
        ``y`` unchanged (a numpy array for a tensor).

    Raises
    ------
    ValueError
        If a label is missing (``None``, ``NaN``, ``pd.NA``, ``pd.NaT``) or, with
        ``mixed_types=True``, the labels mix types (strings with numbers, say).

    Examples
    --------
    >>> from skprob._validation import check_labels
    >>> check_labels(["a", None, "b"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Input y contains NaN or missing labels (None, pd.NA): 1 of 3, first at ...
    """
    if isinstance(y, torch.Tensor):
        return _from_tensor(y)
    values = y.to_numpy(dtype=object) if isinstance(y, (pd.Series, pd.DataFrame)) else y
    try:
        values = np.asarray(values, dtype=object)
    except (ValueError, TypeError):
        return y  # ragged: scikit-learn's checks word it
    if values.ndim == 0 or values.size == 0:
        return y
    flat = values.ravel()
    # Types are compared first: a missing label among strings makes np.unique fail.
    types = {type(label) for label in flat}
    if not (types & {type(None), type(pd.NA), type(pd.NaT), float, np.float64, np.float32}):
        missing = []
    else:
        missing = [i for i, label in enumerate(flat) if _is_missing(label)]
    if missing:
        # "Input y contains NaN": the words scikit-learn's checks use for a missing label.
        raise ValueError(
            f"Input {name} contains NaN or missing labels (None, pd.NA): {len(missing)} of "
            f"{len(flat)}, first at position {missing[0]}. Drop those rows or give them a "
            "label of their own (e.g. the string 'missing')."
        )
    if not mixed_types:
        return y
    kinds = {"string" if issubclass(t, str) else "number" if issubclass(t, numbers.Number)
             else t.__name__ for t in types}
    if len(kinds) > 1:
        raise ValueError(
            f"{name} mixes labels of several types ({', '.join(sorted(kinds))}), which cannot be "
            f"sorted into classes; give labels of one type, e.g. {name}.astype(str)."
        )
    return y


def relative_weights(weights):
    """Sample weights divided by their largest, so that float32 can hold them.

    Weights only matter relative to each other, so dividing by the largest
    changes no weighted mean, while weights such as 1e-46 (zero in float32) or
    1e300 (infinite there) become numbers in (0, 1]. Relative weights below
    float32's smallest normal number are set to zero here, so that the float64
    weights and the float32 copy training uses agree on which rows count.

    Parameters
    ----------
    weights : ndarray of shape (n_samples,)
        Checked weights: finite, non-negative, not all zero.

    Returns
    -------
    ndarray of float64

    Examples
    --------
    >>> from skprob._validation import relative_weights
    >>> relative_weights(np.array([1e-46, 4e-46]))
    array([0.25, 1.  ])
    """
    weights = np.asarray(weights, dtype=np.float64)
    top = weights.max(initial=0.0)
    if not top > 0:
        return weights
    relative = weights / top
    relative[relative < np.finfo(np.float32).tiny] = 0.0
    return relative


def weighted_mean(values, sample_weight=None):
    """Mean of per-row values (weighted), without overflow for values near the float limit.

    Rows of zero weight are left out (their value may be ``-inf``); the mean is a
    convex combination, so it stays finite whenever every counted value is.

    Parameters
    ----------
    values : ndarray of shape (n_samples,) or (n_samples, ...)
        Extra axes (outputs) share the weight of their row.
    sample_weight : ndarray of shape (n_samples,) or None
        Checked weights (finite, non-negative, not all zero).

    Returns
    -------
    float

    Examples
    --------
    >>> from skprob._validation import weighted_mean
    >>> weighted_mean(np.array([-1e308, -1e308]))
    -1e+308
    >>> weighted_mean(np.array([1.0, -np.inf]), np.array([1.0, 0.0]))
    1.0
    """
    values = np.asarray(values, dtype=np.float64)
    if not len(values):
        raise ValueError("There are no rows to average: the input has 0 samples.")
    values = values.reshape(len(values), -1)  # extra axes (outputs) share their row's weight
    weights = np.ones(len(values)) if sample_weight is None else relative_weights(sample_weight)
    counted = weights > 0
    values, weights = values[counted], weights[counted, None]
    total = weights.sum() * values.shape[1]
    with np.errstate(over="ignore", invalid="ignore"):
        mean = np.sum(values * weights) / total
    if not np.isfinite(mean) and np.isfinite(values).all():
        # The sum overflowed although every value is finite: average the shares instead.
        mean = np.sum(values * (weights / total))
    return float(mean)
