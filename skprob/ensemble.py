"""Deep ensembles: independently seeded networks whose predictions are mixed uniformly.

A deep ensemble (Lakshminarayanan, Pritzel and Blundell, 2017) trains ``M``
copies of a network that predicts a distribution, each from its own random
initialisation, validation split and batch order, and predicts the uniform
mixture of the ``M`` predicted distributions. The disagreement between members
adds model uncertainty to the noise each member predicts. Scored by
log-likelihood the mixture is never worse than its average member, because the
log of an average is at least the average of the logs.
"""

from dataclasses import replace
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn import config_context, get_config
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone, is_classifier
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.parallel import Parallel, delayed

from ._compat import (
    Interval,
    StrOptions,
    check_is_fitted,
    fit_context,
    validate_data,
)
from ._ensemble_distribution import EnsembleDistribution, uniform_mixture
from ._validation import as_float_array
from .base._mixins import DistributionClassifierMixin, LikelihoodScoreMixin
from .families.categorical import CategoricalMLPClassifier
from .families.normal import HeteroscedasticRegressor

__all__ = [
    "DeepEnsembleClassifier",
    "DeepEnsembleRegressor",
    "EnsembleDistribution",
    "uniform_mixture",
]


def _fit_member(estimator, X, y, fit_params):
    return estimator.fit(X, y, **fit_params)


class _BaseDeepEnsemble(LikelihoodScoreMixin, BaseEstimator):
    """Shared code of :class:`DeepEnsembleRegressor` and :class:`DeepEnsembleClassifier`."""

    _parameter_constraints: dict = {
        "estimator": [None, BaseEstimator],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [None, Integral],
    }

    def __init__(self, estimator=None, n_estimators=5, *, random_state=None, n_jobs=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _default_estimator(self):
        raise NotImplementedError

    def _template(self):
        return self._default_estimator() if self.estimator is None else self.estimator

    def _check_template(self, template):
        """The names of the template's random-state parameters, after checking its kind."""
        if not (hasattr(template, "fit") and hasattr(template, "predict_dist")):
            raise TypeError(
                f"estimator={template!r} has no predict_dist method; expected a skprob "
                "estimator (one that predicts a distribution)."
            )
        wanted = isinstance(self, ClassifierMixin)
        if is_classifier(template) != wanted:
            raise ValueError(
                f"estimator={template!r} is {'not ' if wanted else ''}a classifier; "
                f"{type(self).__name__} expects a "
                f"{'classifier' if wanted else 'regressor'}; use "
                f"{'DeepEnsembleRegressor' if wanted else 'DeepEnsembleClassifier'} for it."
            )
        keys = [
            key
            for key in template.get_params(deep=True)
            if key == "random_state" or key.endswith("__random_state")
        ]
        if not keys:
            raise ValueError(
                f"estimator={template!r} has no random_state parameter; the members of a "
                "deep ensemble differ only by their seeds."
            )
        return keys

    def _member_tags(self):
        try:
            return get_tags(self._template())
        except (AttributeError, TypeError, ValueError):
            return None  # an invalid estimator parameter is reported by fit

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        member = self._member_tags()
        if member is not None:
            tags.target_tags = replace(member.target_tags)
        return tags

    # -- fitting ----------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Fit ``n_estimators`` clones of ``estimator``, each with its own seed.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, as the wrapped estimator takes them.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every member's ``fit``.

        Returns
        -------
        self
            The fitted ensemble.
        """
        # Checked here, outside the parameter check of this fit, so that the members'
        # own parameters are validated unless the caller switched validation off.
        return self._fit(X, y, sample_weight, get_config()["skip_parameter_validation"])

    @fit_context
    def _fit(self, X, y, sample_weight, skip_nested_validation):
        previous_state = dict(self.__dict__)  # a failed fit leaves no half-fitted ensemble
        try:
            template = self._template()
            keys = self._check_template(template)
            X = validate_data(self, X, reset=True, dtype=(np.float64, np.float32))
            rng = check_random_state(self.random_state)
            seeds = rng.randint(np.iinfo(np.int32).max, size=self.n_estimators)
            members = [clone(template).set_params(**dict.fromkeys(keys, int(s))) for s in seeds]
            fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
            with config_context(skip_parameter_validation=skip_nested_validation):
                fitted = Parallel(n_jobs=self.n_jobs)(
                    delayed(_fit_member)(member, X, y, fit_params) for member in members
                )
            self.estimators_ = list(fitted)
            self.seeds_ = seeds
            self._set_fitted_attributes()
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(previous_state)
            raise
        return self

    def _set_fitted_attributes(self):
        pass

    # -- prediction -------------------------------------------------------------
    def predict_dist(self, X):
        """The uniform mixture of the members' predicted distributions, one per row.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        EnsembleDistribution or CategoricalDistribution
            Its ``to_frame`` keeps the index of a DataFrame ``X``.
        """
        check_is_fitted(self, "estimators_")
        index = X.index if isinstance(X, pd.DataFrame) else None
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return uniform_mixture([m.predict_dist(X) for m in self.estimators_], index=index)

_SHARED_PARAMETERS = """\
n_estimators : int, default=5
        Number of members ``M``.
    random_state : int, RandomState instance or None, default=None
        Draws one seed per member, which replaces every ``random_state`` of the
        member's parameters; the same integer gives the same ensemble.
    n_jobs : int or None, default=None
        Members fitted in parallel by joblib (``-1``: all cores). Keep its
        default process-based backend: threads would share torch's global
        random state between members and lose reproducibility."""

_SHARED_ATTRIBUTES = """\
estimators_ : list of estimators
        The fitted members.
    seeds_ : ndarray of shape (n_estimators,)
        The seed given to each member.
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` was a DataFrame with string columns."""

_DESIGN_NOTE = """\
    Regressor and classifier are two classes rather than one that adapts to
    the wrapped estimator: scikit-learn reads an estimator's kind from its
    class (``is_classifier``, the splitter cross-validation picks) and looks
    for ``predict_proba`` with ``hasattr``, so one class would have to change
    kind and methods with a parameter. Both share a private base class."""


def _fill(cls):
    cls.__doc__ = (
        cls.__doc__.replace("{shared_parameters}", _SHARED_PARAMETERS)
        .replace("{shared_attributes}", _SHARED_ATTRIBUTES)
        .replace("{design_note}", _DESIGN_NOTE)
    )
    return cls




@_fill
class DeepEnsembleRegressor(RegressorMixin, _BaseDeepEnsemble):
    """Deep ensemble of skprob regressors: the uniform mixture of seeded members.

    Fits ``n_estimators`` clones of ``estimator`` that differ only by their
    seed, and predicts the uniform mixture of their predicted distributions
    (an :class:`EnsembleDistribution`).

{design_note}

    Parameters
    ----------
    estimator : skprob regressor or None, default=None
        The member template (never modified); ``HeteroscedasticRegressor()``
        when ``None``. Its parameters are tunable as ``estimator__<name>``.
    {shared_parameters}
    prediction : {"mean", "median", "mode"}, default="mean"
        Point returned by :meth:`predict`. The mean (the minimiser of the
        expected squared error) is the default because it is exact and cheap
        for a mixture; the median solves for a quantile and the mode is a
        local search (see :meth:`EnsembleDistribution.mode`).

    Attributes
    ----------
    {shared_attributes}

    See Also
    --------
    DeepEnsembleClassifier : the same for class labels.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import HeteroscedasticRegressor
    >>> from skprob.ensemble import DeepEnsembleRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(100, 1))
    >>> y = X[:, 0] + 0.1 * rng.standard_normal(100)
    >>> member = HeteroscedasticRegressor(width=8, max_iter=10)
    >>> model = DeepEnsembleRegressor(member, n_estimators=3, random_state=0).fit(X, y)
    >>> len(model.estimators_), model.predict(X[:2]).shape
    (3, (2,))
    >>> type(model.predict_dist(X[:2])).__name__
    'EnsembleDistribution'
    """

    _parameter_constraints: dict = {
        **_BaseDeepEnsemble._parameter_constraints,
        "prediction": [StrOptions({"mean", "median", "mode"})],
    }

    def __init__(
        self, estimator=None, n_estimators=5, *, random_state=None, n_jobs=None, prediction="mean"
    ):
        super().__init__(
            estimator=estimator, n_estimators=n_estimators, random_state=random_state,
            n_jobs=n_jobs,
        )
        self.prediction = prediction

    # RegressorMixin.score (R^2) comes first in the MRO; the ensemble scores by likelihood.
    score = _BaseDeepEnsemble.score

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # score is a log-likelihood, not R^2: sklearn's "score > 0.5" test does not apply.
        tags.regressor_tags.poor_score = True
        return tags

    def _default_estimator(self):
        return HeteroscedasticRegressor()

    def _target_for_scoring(self, y):
        return as_float_array(y, "y")

    def predict(self, X, return_std=False):
        """Point prediction of the mixture: its mean, median or mode per ``prediction``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the mixture's standard deviation (noise and member
            disagreement together).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        y_std : ndarray, only when ``return_std=True``

        Raises
        ------
        ValueError
            If the mean or standard deviation asked for does not exist for some
            member (a Student t with ``df <= 1`` or ``df <= 2``).
        """
        dist = self.predict_dist(X)
        dist._require_defined(self.prediction, *(("std",) if return_std else ()))
        point = getattr(dist, self.prediction)()
        return (point, dist.std()) if return_std else point


@_fill
class DeepEnsembleClassifier(ClassifierMixin, DistributionClassifierMixin, _BaseDeepEnsemble):
    """Deep ensemble of skprob classifiers: members' probabilities averaged.

    Fits ``n_estimators`` clones of ``estimator`` that differ only by their
    seed. The predicted distribution is categorical, with each class's
    probability the average over members (computed in log space as
    ``logsumexp`` minus ``log M``).

{design_note}

    Parameters
    ----------
    estimator : skprob classifier or None, default=None
        The member template (never modified); ``CategoricalMLPClassifier()``
        when ``None``. Its parameters are tunable as ``estimator__<name>``.
    {shared_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    {shared_attributes}

    See Also
    --------
    DeepEnsembleRegressor : the same for regression.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import CategoricalMLPClassifier
    >>> from skprob.ensemble import DeepEnsembleClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((90, 2))
    >>> y = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0)]
    >>> member = CategoricalMLPClassifier(width=8, max_iter=10)
    >>> clf = DeepEnsembleClassifier(member, n_estimators=3, random_state=0).fit(X, y)
    >>> clf.classes_.tolist(), clf.predict_proba(X[:2]).sum(axis=1).round(6).tolist()
    (['a', 'b', 'c'], [1.0, 1.0])
    """

    # ClassifierMixin.score (accuracy) comes first in the MRO; the ensemble scores by likelihood.
    score = _BaseDeepEnsemble.score

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        member = self._member_tags()
        if member is not None and member.classifier_tags is not None:
            tags.classifier_tags = replace(member.classifier_tags)  # e.g. binary only
        return tags

    def _default_estimator(self):
        return CategoricalMLPClassifier()

    def _set_fitted_attributes(self):
        classes = self.estimators_[0].classes_
        for member in self.estimators_[1:]:
            if not np.array_equal(member.classes_, classes):
                raise ValueError(
                    f"The members learned different classes ({classes.tolist()} and "
                    f"{member.classes_.tolist()}); they must all see the same labels."
                )
        self.classes_ = classes

