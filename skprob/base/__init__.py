"""The estimator part of the recipe: scikit-learn classes around a family.

:class:`MLPDistributionEstimator` does everything that does not depend on the
distribution: input validation, the network, the training loop, batching at
prediction time, scoring by log-likelihood. :class:`MLPDistributionRegressor`
and :class:`MLPDistributionClassifier` add what regressors and classifiers
need. A concrete estimator is a family plus hyper-parameters: it only
implements ``_make_family``, which also registers it in :data:`ESTIMATORS`.

Examples
--------
>>> from skprob.base import MLPDistributionRegressor
>>> from skprob.families.poisson import PoissonFamily
>>> class _CountRegressor(MLPDistributionRegressor):  # a leading "_" keeps it unregistered
...     def _make_family(self):
...         return PoissonFamily()
>>> _CountRegressor(max_iter=5).fit([[0.0], [1.0], [2.0]], [0, 1, 3]).predict([[1.0]]).shape
(1,)
"""

from ._classifier import MLPDistributionClassifier
from ._estimator import ESTIMATORS, MLPDistributionEstimator, all_estimators, resolve_device
from ._regressor import MLPDistributionRegressor

__all__ = [
    "ESTIMATORS",
    "MLPDistributionClassifier",
    "MLPDistributionEstimator",
    "MLPDistributionRegressor",
    "all_estimators",
    "resolve_device",
]
