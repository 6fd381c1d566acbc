"""Target scalings: how a family brings the target near one before the network sees it.

The network models ``z = (y - loc) / scale`` for a location and scale learned
from the training target; the family's parameters come back to the user's
units through the distribution's declared units (``Distribution.param_units``),
and the likelihood through the Jacobian ``log(scale)``. A scaling must match the
distribution: shifting needs a location parameter, dividing needs a scale.
"""

import numpy as np
from scipy import special

from ..exceptions import TargetSupportError
from ._numerics import weighted_mean_std, weighted_quantile

__all__ = ["DivideByMean", "NoScaling", "RobustStandardize", "Standardize", "TargetScaling"]

#: Smallest positive normal double; below it (subnormal numbers) digits are lost.
SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)
#: IQR of the standard normal, so that the robust scale of normal data is its std.
_NORMAL_IQR = 2.0 * special.ndtri(0.75)
#: Largest distance from the median, in robust standard deviations, that fits can use:
#: training runs in float32, where the square of a residual beyond ~1e19 overflows.
MAX_STANDARDISED = 1e18


#: The standard deviation used to scale a target is at least this share of the
#: unweighted spread of its rows (see :class:`Standardize`).
SPREAD_FLOOR = 1e-3


def _spread_of_weighted_rows(y, sample_weight, spread):
    """``spread(y, weights)`` over the rows with positive weight, each weighing one.

    Weights spanning many decades can put all the weight on one row, whose weighted
    spread is then ~0 while the other rows would be standardised to 1e14 and beyond
    (their squares overflow float32). Flooring the scale at :data:`SPREAD_FLOOR` of
    this unweighted spread bounds that, and leaving out zero-weight rows keeps a
    weight of 0 equivalent to removing the row.
    """
    weighted = np.asarray(sample_weight) > 0
    return spread(y[weighted], np.ones(int(weighted.sum())))


def _std(y, sample_weight):
    return weighted_mean_std(y, sample_weight)[1]


def _robust_std(y, sample_weight):
    """IQR / 1.35, or the standard deviation where the IQR is 0 (half the weight on one value)."""
    lower, upper = weighted_quantile(y, sample_weight, [0.25, 0.75])
    scale = (upper - lower) / _NORMAL_IQR
    return np.where(scale > 0, scale, _std(y, sample_weight))


class TargetScaling:
    """Base class: no scaling (``loc = 0``, ``scale = 1``).

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._scaling import Standardize
    >>> Standardize().fit(np.array([[1.0], [3.0]]), np.ones(2), None)
    (array([2.]), array([1.]))
    """

    def fit(self, y, sample_weight, family):
        """``(loc, scale)``, one entry per column of the 2-D training target ``y``."""
        n = y.shape[1]
        return np.zeros(n), np.ones(n)

    def __repr__(self):
        return f"{type(self).__name__}()"


NoScaling = TargetScaling


class Standardize(TargetScaling):
    """Weighted mean and standard deviation (1 for a constant column).

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._scaling import Standardize
    >>> Standardize().fit(np.array([[5.0], [5.0]]), np.ones(2), None)
    (array([5.]), array([1.]))
    """

    def fit(self, y, sample_weight, family):
        mean, std = weighted_mean_std(y, sample_weight)
        floor = SPREAD_FLOOR * _spread_of_weighted_rows(y, sample_weight, _std)
        std = np.maximum(std, floor)
        return mean, np.where(std > 0, std, 1.0)


class RobustStandardize(TargetScaling):
    """Weighted median and IQR / 1.35, for heavy tails where the std says little.

    Targets with more than half their weight on one value have no spread in the
    IQR; the standard deviation (or 1) is the fallback. Values more than
    :data:`MAX_STANDARDISED` robust standard deviations from the median are
    refused: training could not square them.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._scaling import RobustStandardize
    >>> loc, scale = RobustStandardize().fit(np.arange(5.0)[:, None], np.ones(5), None)
    >>> loc, scale.round(3)
    (array([2.]), array([1.483]))
    """

    def fit(self, y, sample_weight, family):
        (median,) = weighted_quantile(y, sample_weight, [0.5])
        scale = _robust_std(y, sample_weight)
        # The same floor as Standardize's, on the unweighted robust spread so that one
        # far outlier does not inflate it.
        scale = np.maximum(
            scale, SPREAD_FLOOR * _spread_of_weighted_rows(y, sample_weight, _robust_std)
        )
        scale = np.where(scale > 0, scale, 1.0)
        with np.errstate(over="ignore"):  # an overflow to inf is beyond the limit too
            far = ~(np.abs(y - median) / scale <= MAX_STANDARDISED)
        if far.any():
            raise TargetSupportError(
                f"The {family.name!r} family cannot be fitted on y with values this far from "
                f"the rest: {int(far.sum())} value(s), e.g. {np.unique(y[far])[:5].tolist()}, "
                f"are more than {MAX_STANDARDISED:.0e} robust standard deviations (IQR / 1.35, "
                f"here {scale.tolist()}) from the median, beyond what training in float32 can "
                "square. Expected y within that range: correct or remove such values, or "
                "transform y (e.g. a log or rank transform)."
            )
        return median, scale


class DivideByMean(TargetScaling):
    """Divide positive targets by their weighted mean (``loc = 0``).

    Subnormal targets (``0 < y < 2.2e-308``) are refused: divided by the mean
    they round to 0 or lose their digits, and a scale fitted to them underflows.
    Scoring them is fine; only a fit refuses them.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families._scaling import DivideByMean
    >>> DivideByMean().fit(np.array([[1.0], [3.0]]), np.ones(2), None)
    (array([0.]), array([2.]))
    """

    def fit(self, y, sample_weight, family):
        bad = (y != 0) & (np.abs(y) < SMALLEST_NORMAL)
        if bad.any():
            values = np.unique(y[bad])[:5]
            raise TargetSupportError(
                f"The {family.name!r} family cannot be fitted on subnormal targets: y has "
                f"{int(bad.sum())} value(s) between 0 and {SMALLEST_NORMAL:.4g} (the smallest "
                f"normal double), e.g. {values.tolist()}. Expected targets of at least "
                f"{SMALLEST_NORMAL:.4g}: rescale y into that range (e.g. multiply it by "
                "1e300; the predicted distributions are then in those units)."
            )
        mean = (sample_weight / sample_weight.sum()) @ y
        return np.zeros(y.shape[1]), mean
