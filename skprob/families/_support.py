"""Supports: the set a family's target lives in, declared as an object.

A support checks targets (once per fit, and whenever targets are scored),
words the error for targets outside it, transforms targets into the form the
log-density takes (angles wrapped onto the circle, labels encoded as codes) and
tells scikit-learn what targets the estimator needs (``positive_only``). As in
:mod:`torch.distributions.constraints`, families declare one instead of
writing the check.

Supports that depend on the training target (the class labels, the number of
columns or items) learn it in :meth:`Support.learn`, which returns the fitted
attributes the family keeps; :meth:`Support.check` reads them from the family.
"""

import numpy as np

from ..exceptions import TargetSupportError

__all__ = [
    "ClassLabels",
    "Counts",
    "Directions",
    "NonNegativeAmounts",
    "OrderedLabels",
    "Orderings",
    "PositiveReals",
    "RealLine",
    "RealVectors",
    "Simplex",
    "Support",
    "UnitInterval",
    "encode_labels",
    "wrap_angle",
]


def wrap_angle(theta):
    """Wrap angles in radians into ``(-pi, pi]``.

    Parameters
    ----------
    theta : array-like
        Angles in radians, any real values.

    Returns
    -------
    ndarray of float64
        The same directions, each in ``(-pi, pi]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.von_mises import wrap_angle
    >>> wrap_angle([0.5, -np.pi, 3 * np.pi / 2, 7.0]).round(4)
    array([ 0.5   ,  3.1416, -1.5708,  0.7168])
    """
    theta = np.asarray(theta, dtype=np.float64)
    wrapped = np.pi - np.mod(np.pi - theta, 2.0 * np.pi)
    # np.mod can return 2 pi itself for tiny negative inputs, which lands on -pi.
    return np.where(wrapped <= -np.pi, wrapped + 2.0 * np.pi, wrapped)


def encode_labels(classes, y):
    """Codes ``0..K-1`` of labels ``y`` in the sorted array ``classes``.

    Raises
    ------
    TargetSupportError
        If a label is not one of ``classes``.

    Examples
    --------
    >>> import numpy as np
    >>> encode_labels(np.array(["a", "b"]), np.array(["b", "a", "b"]))
    array([1, 0, 1])
    """
    y = np.asarray(y)
    order = np.argsort(classes, kind="stable")
    try:
        positions = np.clip(np.searchsorted(classes, y, sorter=order), 0, len(classes) - 1)
    except TypeError:  # labels that cannot be compared with the classes (e.g. str vs int)
        known = set(classes.tolist())
        unknown_labels = [label for label in y.tolist() if label not in known]
        raise TargetSupportError(
            f"y contains labels the model was not fitted on: {unknown_labels[:5]}; "
            f"known classes are {classes.tolist()}."
        ) from None
    codes = order[positions]
    unknown = classes[codes] != y
    if np.any(unknown):
        raise TargetSupportError(
            f"y contains labels the model was not fitted on: "
            f"{np.unique(y[unknown])[:5].tolist()}; known classes are {classes.tolist()}."
        )
    return codes.astype(np.int64)


class Support:
    """Base class: real-valued targets, checked elementwise by :meth:`outside`.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._support import PositiveReals
    >>> PositiveReals().outside(np.array([1.0, -1.0, np.inf]))
    array([False,  True,  True])
    """

    #: Words for the set, used in error messages ("y in <description>").
    description = "the real numbers"
    #: Short mathematical form, for tables of families.
    symbol = "y ∈ ℝ"
    #: What to do about targets outside the set.
    advice = "Remove or impute non-finite targets."
    #: scikit-learn's ``positive_only`` target tag.
    positive_only = False
    #: Whether the targets are discrete (counts, labels, orderings).
    discrete = False
    #: Whether each row's target is a vector that the family models jointly.
    joint = False
    #: Whether targets are class labels (of any type) rather than numbers.
    labels = False
    #: Ends of the set on the real line (censored bounds beyond them are open sides).
    lower_end = -np.inf
    upper_end = np.inf

    def learn(self, y, family):
        """Fitted attributes (names ending in ``_``) the check needs, from the training target."""
        return {}

    def outside(self, y):
        """Boolean mask of the entries of ``y`` (float64) that are not in the set."""
        return ~np.isfinite(y)

    def transform(self, y):
        """``y`` in the form the log-density takes (float64 by default)."""
        return y

    def check(self, y, family):
        """``y`` as the log-density takes it; :class:`TargetSupportError` outside the set.

        Parameters
        ----------
        y : array-like
        family : Family
            The family that owns this support (its name, and the attributes that
            :meth:`learn` returned).
        """
        y = np.asarray(y, dtype=np.float64)
        bad = self.outside(y)
        if bad.any():
            raise self.error(y, bad, family)
        return self.transform(y)

    def error(self, y, bad, family, advice=None):
        """The :class:`TargetSupportError` for the entries ``bad`` of ``y``."""
        values = np.unique(np.asarray(y)[bad])[:5]
        advice = self.advice_for(y, bad) if advice is None else advice
        return TargetSupportError(
            f"The {family.name!r} family needs y in {self.description}; {int(np.sum(bad))} "
            f"value(s) are not, e.g. {values.tolist()}. {advice}".strip()
        )

    def advice_for(self, y, bad):
        """The advice for these particular bad values (the fixed :attr:`advice` by default)."""
        return self.advice

    def __repr__(self):
        return f"{type(self).__name__}()"


class RealLine(Support):
    """Finite real numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._support import RealLine
    >>> RealLine().outside(np.array([0.0, np.nan]))
    array([False,  True])
    """

    description = "the real numbers (finite values)"


class PositiveReals(Support):
    """Finite numbers above zero (durations, sizes, amounts).

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._support import PositiveReals
    >>> PositiveReals().outside(np.array([2.0, 0.0]))
    array([False,  True])
    """

    description = "the positive real numbers (y > 0)"
    symbol = "y > 0"
    advice = (
        "Give positive finite targets; if zeros come from rounding, add half the rounding unit "
        "(or model the zeros separately); for targets that can be negative use a family on the "
        "real line such as 'normal'."
    )
    positive_only = True
    lower_end = 0.0

    def outside(self, y):
        return ~(y > 0) | np.isinf(y)


class NonNegativeAmounts(Support):
    """Finite numbers at or above zero, with exact zeros (claim amounts, rainfall).

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._support import NonNegativeAmounts
    >>> NonNegativeAmounts().outside(np.array([0.0, 2.5, -1.0, np.inf]))
    array([False, False,  True,  True])
    """

    description = "the non-negative real numbers (y >= 0, exact zeros allowed)"
    symbol = "y ≥ 0"
    advice = ("Give non-negative finite targets; for targets that can be negative use a family "
              "on the real line such as 'normal'.")
    positive_only = True
    lower_end = 0.0

    def outside(self, y):
        return ~(y >= 0) | np.isinf(y)


class UnitInterval(Support):
    """Proportions strictly inside ``(0, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._support import UnitInterval
    >>> UnitInterval().outside(np.array([0.5, 1.0]))
    array([False,  True])
    """

    description = "the open interval (0, 1)"
    symbol = "y ∈ (0, 1)"
    # True but not sufficient: y must also be below 1, which no sklearn tag expresses.
    positive_only = True
    lower_end = 0.0
    upper_end = 1.0

    def outside(self, y):
        return ~((y > 0) & (y < 1))

    def advice_for(self, y, bad):
        advice = []
        if np.any(~((y >= 0) & (y <= 1))):
            advice.append(
                "Rescale the target to proportions first (e.g. divide counts by their totals)."
            )
        if np.any((y == 0) | (y == 1)):
            advice.append(
                "Exact 0s and 1s have zero or infinite density under a beta: squeeze the "
                "targets into the interval, e.g. y = (y * (n - 1) + 0.5) / n with n the number "
                "of rows (Smithson and Verkuilen, 2006), or clip them to [eps, 1 - eps] with a "
                "small eps such as 1e-4."
            )
        return " ".join(advice)


class Counts(Support):
    """Non-negative integers.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._support import Counts
    >>> Counts().outside(np.array([0.0, 3.0, 2.5, -1.0]))
    array([False, False,  True,  True])
    """

    description = "the non-negative integers (counts)"
    symbol = "y ∈ {0, 1, 2, …}"
    advice = (
        "Give counts as non-negative integers; for positive real targets use a continuous family."
    )
    positive_only = True
    discrete = True

    def outside(self, y):
        return ~np.isfinite(y) | (y < 0) | (y != np.floor(y))


class Directions(Support):
    """Angles in radians; any finite angle, wrapped into ``(-pi, pi]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._support import Directions
    >>> Directions().transform(np.array([2 * np.pi])).round(12)
    array([0.])
    """

    description = "the finite real numbers (angles in radians, wrapped into (-pi, pi])"
    symbol = "y ∈ (−π, π]"
    advice = (
        "Give directions as finite angles in radians (convert degrees with np.deg2rad); any "
        "finite angle is wrapped into (-pi, pi]."
    )

    def transform(self, y):
        return wrap_angle(y)


class RealVectors(Support):
    """Rows of finite real numbers, a fixed number of columns modelled jointly.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._support import RealVectors
    >>> RealVectors().learn(np.zeros((3, 2)), None)
    {'n_columns_': 2}
    """

    description = "real vectors (a finite 2-D y, one column per output)"
    symbol = "y ∈ ℝ^K"
    advice = "Remove or impute missing and infinite values."
    joint = True

    def learn(self, y, family):
        return {"n_columns_": y.shape[1] if np.ndim(y) == 2 else None}

    def check(self, y, family):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 2:
            raise TargetSupportError(
                f"The {family.name!r} family models the columns of a 2-D y jointly; got y of "
                f"shape {y.shape}. Pass y.reshape(-1, 1) for a single output, or use a "
                "univariate family."
            )
        expected = getattr(family, "n_columns_", None)
        if expected is not None and y.shape[1] != expected:
            raise TargetSupportError(
                f"y has {y.shape[1]} columns; the {family.name!r} family was fitted on "
                f"{expected}."
            )
        return super().check(y, family)


class ClassLabels(Support):
    """Class labels of any type, learned from the training target.

    Parameters
    ----------
    binary : bool, default=False
        Whether the family models exactly two classes (the Bernoulli).

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._support import ClassLabels
    >>> ClassLabels().learn(np.array(["b", "a", "b"]), None)
    {'classes_': array(['a', 'b'], dtype='<U1')}
    """

    description = "the class labels seen in training"
    symbol = "y ∈ {1, …, K}"
    discrete = True
    labels = True

    def __init__(self, binary=False):
        self.binary = binary

    def learn(self, y, family):
        classes = np.unique(y)
        if self.binary and len(classes) > 2:
            # scikit-learn's checks look for this first sentence in binary-only classifiers.
            raise TargetSupportError(
                f"Only binary classification is supported. The {family.name!r} family models "
                f"two classes; y has {len(classes)} ({classes[:5].tolist()}). Use "
                "CategoricalMLPClassifier for more than two."
            )
        return {"classes_": classes}

    def check(self, y, family):
        return encode_labels(family.classes_, y)

    def __repr__(self):
        return f"ClassLabels(binary={self.binary})"


class OrderedLabels(ClassLabels):
    """Class labels with an order (ratings, grades, severities), lowest first.

    The order is the family's ``classes`` option when it is set (every training
    label must be one of them; classes without training rows are kept), and
    otherwise the sorted labels. Estimators fill ``classes`` from an ordered
    pandas Categorical, whose order numpy would lose.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> from skprob.families._support import OrderedLabels
    >>> family = SimpleNamespace(classes=["low", "mid", "high"], name="ordinal")
    >>> OrderedLabels().learn(np.array(["mid", "high"]), family)["classes_"].tolist()
    ['low', 'mid', 'high']
    """

    description = "the ordered class labels"
    symbol = "y ∈ {1 < 2 < … < K}"

    def learn(self, y, family):
        order = getattr(family, "classes", None)
        if order is None:
            return {"classes_": np.unique(y)}
        classes = np.asarray(list(order))
        if classes.ndim != 1 or len(classes) < 2 or len(np.unique(classes)) != len(classes):
            raise ValueError(
                f"classes must list at least two distinct labels, lowest first; got "
                f"{list(order)!r}."
            )
        try:
            encode_labels(classes, np.asarray(y))
        except TargetSupportError:
            unknown = sorted(set(np.asarray(y).tolist()) - set(classes.tolist()), key=str)
            raise TargetSupportError(
                f"y has labels that are not in classes={classes.tolist()}: {unknown[:5]}. "
                "Expected every label of y among the given classes."
            ) from None
        return {"classes_": classes}

    def __repr__(self):
        return "OrderedLabels()"


class Simplex(Support):
    """Compositions: rows of positive proportions that sum to one, modelled jointly.

    Rows may sum to one up to a relative ``1e-6`` (rounding in the user's
    data); they are renormalised exactly. Exact zeros are outside the open
    simplex, where a Dirichlet density is zero or infinite.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._support import Simplex
    >>> Simplex().outside(np.array([[0.2, 0.8], [0.0, 1.0], [0.5, 0.6]]))
    array([[False, False],
           [ True, False],
           [ True,  True]])
    """

    description = "the open simplex (rows of positive proportions that sum to one)"
    symbol = "y ∈ Δ^(K−1)"
    joint = True
    positive_only = True
    #: How far a row's sum may be from one before it is refused.
    tolerance = 1e-6

    def learn(self, y, family):
        return {"n_columns_": y.shape[1] if np.ndim(y) == 2 else None}

    def outside(self, y):
        if y.ndim != 2:
            return ~np.isfinite(y)
        total = np.sum(y, axis=-1, keepdims=True)
        row_bad = ~(np.abs(total - 1.0) <= self.tolerance)
        return ~(np.isfinite(y) & (y > 0)) | row_bad

    def transform(self, y):
        return y / np.sum(y, axis=-1, keepdims=True)

    def check(self, y, family):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 2 or y.shape[1] < 2:
            raise TargetSupportError(
                f"The {family.name!r} family models compositions: a 2-D y with at least two "
                f"columns, each row positive proportions summing to one; got y of shape "
                f"{y.shape}."
            )
        expected = getattr(family, "n_columns_", None)
        if expected is not None and y.shape[1] != expected:
            raise TargetSupportError(
                f"y has {y.shape[1]} columns; the {family.name!r} family was fitted on "
                f"{expected}."
            )
        return super().check(y, family)

    def advice_for(self, y, bad):
        return (
            "Divide each row by its total to get proportions; replace exact zeros, e.g. by "
            "a small value such as half the smallest positive proportion, and renormalise."
        )


class Orderings(Support):
    """Rankings: each row a permutation of the item indices ``0..K-1``.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._support import Orderings
    >>> Orderings().learn(np.array([[1, 0, 2]]), None)
    {'n_items_': 3}
    """

    description = "orderings (each row a permutation of the item indices 0..K-1)"
    symbol = "y ∈ Perm[1..K]"
    discrete = True
    joint = True

    def learn(self, y, family):
        return {"n_items_": y.shape[1] if np.ndim(y) == 2 else None}

    def check(self, y, family):
        return check_orderings(y, getattr(family, "n_items_", None))


def check_orderings(y, n_items=None):
    """Item indices of orderings as int64, or :class:`TargetSupportError`.

    Each row must be a permutation of ``0..K-1``; integral floats are accepted.

    Examples
    --------
    >>> check_orderings([[2.0, 0.0, 1.0]])
    array([[2, 0, 1]])
    """
    y = np.asarray(y)
    if y.ndim != 2:
        raise TargetSupportError(
            f"Rankings need a 2-D y of shape (n_samples, n_items), one ordering per row "
            f"(y[i, 0] = the item ranked first); got y of shape {y.shape}."
        )
    k = y.shape[1]
    if n_items is not None and k != n_items:
        raise TargetSupportError(
            f"y has {k} columns; the model ranks {n_items} items, so each row needs "
            f"{n_items} item indices."
        )
    if k < 2:
        raise TargetSupportError(
            f"A ranking needs at least two items; y has {k} column(s). Each row of y is an "
            "ordering of the item indices 0..K-1."
        )
    try:
        values = y.astype(np.float64)
    except (TypeError, ValueError):
        raise TargetSupportError(
            f"Rankings are given as integer item indices; y has dtype {y.dtype}."
        ) from None
    # Mark non-indices before the integer cast, which would warn on nan or huge values.
    is_index = np.isfinite(values) & (values == np.round(values)) & (values >= 0) & (values < k)
    codes = np.where(is_index, values, -1).astype(np.int64)
    bad_rows = np.flatnonzero(np.any(np.sort(codes, axis=1) != np.arange(k), axis=1))
    if len(bad_rows):
        first = bad_rows[0]
        raise TargetSupportError(
            f"The 'plackett_luce' family needs each row of y to be an ordering of the items "
            f"0..{k - 1}, each index exactly once (y[i, 0] = the item ranked first); "
            f"{len(bad_rows)} row(s) are not, e.g. row {first}: {y[first].tolist()}. To "
            "convert per-item ranks into orderings use numpy.argsort(ranks, axis=1)."
        )
    return codes
