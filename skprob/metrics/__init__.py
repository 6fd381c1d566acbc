"""Scores for predicted distributions, and scorers for model selection.

Every function takes the observed targets and the :class:`~skprob.Distribution`
that :meth:`predict_dist` returned for the same rows. Proper scoring rules
(:func:`mean_nll`, :func:`crps`, exact through scoringrules where it has a
closed form) rank whole predictive distributions;
:func:`pit`, :func:`interval_coverage`, :func:`interval_calibration_error` and
:func:`expected_calibration_error` check
calibration alone. :data:`neg_mean_nll_scorer` and :data:`neg_crps_scorer` plug
the two scores into ``GridSearchCV`` or ``cross_validate`` as ``scoring=``.
For time-to-event predictions, :func:`concordance_index`, :func:`brier_score`
and :func:`integrated_brier_score` take right-censored targets.

Examples
--------
>>> from skprob.families.normal import NormalDistribution
>>> from skprob.metrics import crps, interval_coverage, mean_nll
>>> dist = NormalDistribution(loc=[0.0, 1.0, 2.0], scale=[1.0, 1.0, 1.0])
>>> round(mean_nll([0.0, 1.0, 2.0], dist), 4)
0.9189
>>> round(crps([0.0, 1.0, 2.0], dist), 4)
0.2337
>>> interval_coverage([0.0, 1.0, 5.0], dist, confidence=0.9)
0.6666666666666666
"""

from ._calibration import (  # noqa: F401
    DEFAULT_LEVELS,
    expected_calibration_error,
    interval_calibration_error,
    interval_coverage,
    pit,
)
from ._common import mean_nll
from ._crps import crps, crps_values
from ._scorers import make_distribution_scorer, neg_crps_scorer, neg_mean_nll_scorer
from ._survival import brier_score, concordance_index, integrated_brier_score

__all__ = [
    "brier_score",
    "concordance_index",
    "expected_calibration_error",
    "interval_calibration_error",
    "crps",
    "crps_values",
    "integrated_brier_score",
    "interval_coverage",
    "make_distribution_scorer",
    "mean_nll",
    "neg_crps_scorer",
    "neg_mean_nll_scorer",
    "pit",
]
