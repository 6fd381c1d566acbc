"""Everything a family module needs, in one import.

A distribution family is one file in :mod:`skprob.families`: a
:class:`~skprob.distributions.Distribution` with its torch log-density, a
:class:`Family` that declares its parameters (each a :class:`Parameter` with a
link), support and starting point, and the estimator classes that train it.
This module gathers the pieces such a file imports.

Examples
--------
>>> from skprob.families._kit import Exp, Family, Parameter
>>> Parameter(Exp()).depends_on_x
True
"""

from .._docs import fill_doc
from ..base import MLPDistributionClassifier, MLPDistributionEstimator, MLPDistributionRegressor
from ..distributions import CenteredAtLoc, Distribution, ScipyDistribution
from ._base import Family, Parameter
from ._links import CholeskyFactor, Exp, Identity, LogSoftmax, OrderedCutpoints, Softplus
from ._numerics import power_of_two_near, weighted_mean_std, weighted_quantile
from ._scaling import DivideByMean, RobustStandardize, Standardize
from ._special import log_pochhammer_scaled
from ._support import (
    ClassLabels,
    Counts,
    Directions,
    OrderedLabels,
    Orderings,
    PositiveReals,
    RealLine,
    RealVectors,
    Simplex,
    UnitInterval,
)

__all__ = [
    "CenteredAtLoc",
    "CholeskyFactor",
    "ClassLabels",
    "Counts",
    "Directions",
    "Distribution",
    "DivideByMean",
    "Exp",
    "Family",
    "Identity",
    "LogSoftmax",
    "MLPDistributionClassifier",
    "MLPDistributionEstimator",
    "MLPDistributionRegressor",
    "OrderedCutpoints",
    "OrderedLabels",
    "Orderings",
    "Parameter",
    "PositiveReals",
    "RealLine",
    "RealVectors",
    "RobustStandardize",
    "ScipyDistribution",
    "Simplex",
    "Softplus",
    "Standardize",
    "UnitInterval",
    "fill_doc",
    "log_pochhammer_scaled",
    "power_of_two_near",
    "weighted_mean_std",
    "weighted_quantile",
]
