"""The warning for continuous families fitted on targets that take few distinct values.

A continuous density evaluated at values that repeat (integer scores, ratings, a
measurement recorded on a coarse grid) can grow without bound as a scale shrinks
onto them: the fitted "likelihood" then says nothing about the data. A target is
flagged when its rows repeat their values often: at least :data:`MIN_ROWS` rows,
and on average :data:`MIN_ROWS_PER_VALUE` or more rows per distinct value. Of the
UCI regression sets this flags Wine (6 values in 1,599 rows) and Naval (51 values
in 11,934 rows); Boston (2.2 rows per value), Power (2.0) and Protein (2.9) pass.
On a flagged target, location-scale families (a ``loc`` and a softplus ``scale``:
normal, Laplace, Student-t, mixture) keep their scales above the rounding error
(:func:`rounding_floor`), which bounds how far a density can collapse.
"""

import warnings
from dataclasses import replace

import numpy as np

from ..exceptions import DiscreteTargetWarning
from ._links import Softplus

__all__ = [
    "MIN_ROWS",
    "MIN_ROWS_PER_VALUE",
    "rounding_floor",
    "warn_if_few_values",
    "with_rounding_floor",
]

MIN_ROWS = 20
MIN_ROWS_PER_VALUE = 5.0


def warn_if_few_values(y, family_name):
    """Warn (:class:`DiscreteTargetWarning`) when a column of ``y`` repeats few values.

    Returns the grid step (smallest gap between distinct values) of each flagged
    column, by column index; location-scale families keep their scales above
    the rounding error this step implies.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
        The checked target, in the user's units.
    family_name : str
        The continuous family being fitted, for the message.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     steps = warn_if_few_values(np.repeat([3.0, 4.0, 5.0], 10)[:, None], "normal")
    >>> caught[0].category.__name__, steps
    ('DiscreteTargetWarning', {0: 1.0})
    """
    n_rows = len(y)
    steps = {}
    if n_rows < MIN_ROWS:
        return steps
    for index, column in enumerate(np.asarray(y, dtype=np.float64).T):
        values = np.unique(column)
        if n_rows / len(values) < MIN_ROWS_PER_VALUE or len(values) < 2:
            continue
        steps[index] = float(np.min(np.diff(values)))
        if len(steps) > 1:
            continue  # one warning per fit
        step = steps[index]
        shown = ", ".join(f"{v:g}" for v in values[:6]) + (", ..." if len(values) > 6 else "")
        warnings.warn(
            f"The {family_name!r} family is continuous, but y takes only {len(values)} "
            f"distinct values in {n_rows} rows ({n_rows / len(values):.0f} rows per value on "
            f"average: {shown}). A density can put narrow spikes on repeated values and "
            "report a log-likelihood no model of the data could reach, not comparable with "
            "a discrete model's. Model y with a discrete family (CategoricalMLPClassifier "
            "for classes; PoissonMLPRegressor or NegativeBinomialMLPRegressor for counts), "
            "or fit the recorded values as what they are, intervals of the rounding: "
            f"y = skprob.censoring.rounded(y) (each value v as (v - {step / 2:g}, "
            f"v + {step / 2:g}]); its score is then the log-probability of the recorded "
            "value.",
            DiscreteTargetWarning,
            stacklevel=2,
        )
    return steps


def rounding_floor(steps, scale):
    """The smallest scale (scaled units) a location-scale family may predict, or ``None``.

    A value recorded on a grid of step ``r`` carries a rounding error of standard
    deviation ``r / sqrt(12)`` (uniform within the step): no model of the
    recorded values is sharper than that, so the scale floor is raised to it.
    ``scale`` holds the target scaling of each column.
    """
    if not steps:
        return None
    return min(step / float(scale[index]) for index, step in steps.items()) / np.sqrt(12.0)


def with_rounding_floor(declared, floor):
    """Declared parameters with a location-scale family's scale floor raised to ``floor``.

    Only a family with a ``loc`` and a softplus ``scale`` is changed; ``floor=None``
    (a target not on a coarse grid) changes nothing.
    """
    scale = declared.get("scale")
    if floor is None or "loc" not in declared or not isinstance(scale.link, Softplus):
        return declared
    return {**declared, "scale": replace(scale, link=Softplus(max(scale.link.floor, floor)))}
