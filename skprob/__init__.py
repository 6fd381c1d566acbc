"""skprob: scikit-learn estimators whose neural networks predict distributions.

Every estimator follows one recipe: choose a distribution over the target's
domain, let an MLP predict its parameters, train by minimising the negative
log-likelihood, and at inference return the distribution (``predict_dist``) or
its most probable value (``predict``). ``score`` is the mean log-likelihood,
so higher is better.

The estimator classes live next to their distribution family in
:mod:`skprob.families`. The ones below are imported by name; a family module
added later is found through the registry (:func:`skprob.all_estimators`) and
its estimators are reachable here by name too.

Examples
--------
>>> import skprob
>>> "CategoricalMLPClassifier" in [cls.__name__ for cls in skprob.all_estimators()]
True
"""

from . import censoring, compose, families, metrics, persistence, survival
from ._version import __version__
from .base import all_estimators
from .compose import cross_val_predict_dist, predict_dist
from .distributions import Distribution
from .ensemble import DeepEnsembleClassifier, DeepEnsembleRegressor, EnsembleDistribution
from .families import available_families, get_family
from .families.bernoulli import BernoulliMLPClassifier
from .families.beta import BetaMLPRegressor
from .families.categorical import CategoricalMLPClassifier
from .families.exponential import ExponentialMLPRegressor
from .families.gamma import GammaMLPRegressor
from .families.laplace import LaplaceMLPRegressor
from .families.mixture import MixtureDensityRegressor
from .families.multivariate_normal import MultivariateGaussianMLPRegressor
from .families.normal import GaussianMLPRegressor, HeteroscedasticRegressor
from .families.plackett_luce import PlackettLuceRanker
from .families.poisson import PoissonMLPRegressor
from .families.student_t import StudentTMLPRegressor
from .families.von_mises import VonMisesMLPRegressor
from .generic import DistributionRegressor
from .survival import LogNormalSurvivalRegressor, WeibullSurvivalRegressor

__all__ = [
    "BernoulliMLPClassifier",
    "BetaMLPRegressor",
    "CategoricalMLPClassifier",
    "DeepEnsembleClassifier",
    "DeepEnsembleRegressor",
    "Distribution",
    "DistributionRegressor",
    "EnsembleDistribution",
    "ExponentialMLPRegressor",
    "GammaMLPRegressor",
    "GaussianMLPRegressor",
    "HeteroscedasticRegressor",
    "LaplaceMLPRegressor",
    "LogNormalSurvivalRegressor",
    "MixtureDensityRegressor",
    "MultivariateGaussianMLPRegressor",
    "PlackettLuceRanker",
    "PoissonMLPRegressor",
    "StudentTMLPRegressor",
    "VonMisesMLPRegressor",
    "WeibullSurvivalRegressor",
    "__version__",
    "all_estimators",
    "available_families",
    "censoring",
    "compose",
    "cross_val_predict_dist",
    "families",
    "get_family",
    "metrics",
    "persistence",
    "survival",
    "predict_dist",
]

def _registered_beyond(names):
    from .base import ESTIMATORS

    return sorted(set(ESTIMATORS) - set(names))


# Every registered estimator, also those of a family module not imported by name above.
__all__ += _registered_beyond(__all__)


def __getattr__(name):
    # Estimators of family modules not imported by name above (a new family file).
    from .base import ESTIMATORS

    if name in ESTIMATORS:
        return ESTIMATORS[name]
    raise AttributeError(f"module 'skprob' has no attribute {name!r}")


def __dir__():
    from .base import ESTIMATORS

    return sorted(set(globals()) | set(ESTIMATORS))
