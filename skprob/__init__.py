"""skprob: scikit-learn estimators whose neural networks predict distributions.

Every estimator follows one recipe: choose a distribution over the target's
domain, let an MLP predict its parameters, train by minimising the negative
log-likelihood, and at inference return the distribution (``predict_dist``) or
its most probable value (``predict``). ``score`` is the mean log-likelihood,
so higher is better.

The estimator classes live next to their distribution family in
:mod:`skprob.families` and are re-exported here from the registry.

Examples
--------
>>> import skprob
>>> "CategoricalMLPClassifier" in [cls.__name__ for cls in skprob.all_estimators()]
True
"""

from . import families, generic  # noqa: F401  (generic registers DistributionRegressor)
from .base import all_estimators
from .distributions import Distribution
from .ensemble import DeepEnsembleClassifier, DeepEnsembleRegressor, EnsembleDistribution
from .families import available_families, get_family

__version__ = "0.1.0"

from . import metrics, persistence  # noqa: E402, F401  (persistence reads __version__)

# Estimators register themselves when their family module is imported above.
globals().update({cls.__name__: cls for cls in all_estimators()})

__all__ = [
    "DeepEnsembleClassifier",
    "DeepEnsembleRegressor",
    "Distribution",
    "EnsembleDistribution",
    "all_estimators",
    "available_families",
    "families",
    "get_family",
    *(cls.__name__ for cls in all_estimators()),
]
