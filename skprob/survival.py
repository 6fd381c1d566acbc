"""Time-to-event regressors: a distribution over the event time, trained on censored times.

A survival regressor is a positive-target regressor of skprob whose ``fit`` and
``score`` take right-censored times (:func:`skprob.censoring.right_censored`,
or scikit-survival's event/time arrays) and whose predictions are read as
time-to-event distributions: :meth:`~SurvivalMixin.predict_survival_function`,
:meth:`~SurvivalMixin.predict_cumulative_hazard`, :meth:`~SurvivalMixin.predict_hazard`,
and ``predict`` for the median survival time. Any other continuous regressor of
skprob takes the same targets; these two only change the defaults and add the
survival views. ``score`` is the mean censored log-likelihood (higher is better);
:func:`skprob.metrics.concordance_index` and
:func:`skprob.metrics.integrated_brier_score` score the ranking and the curves.

Examples
--------
>>> import numpy as np
>>> from skprob.censoring import right_censored
>>> from skprob.survival import WeibullSurvivalRegressor
>>> rng = np.random.default_rng(0)
>>> X = rng.uniform(-1, 1, size=(300, 2))
>>> event_time = np.exp(0.5 * X[:, 0]) * rng.weibull(1.5, size=300)
>>> censoring_time = rng.exponential(2.0, size=300)
>>> y = right_censored(np.minimum(event_time, censoring_time), event_time <= censoring_time)
>>> model = WeibullSurvivalRegressor(max_iter=30, random_state=0).fit(X, y)
>>> model.predict_survival_function(X[:2], times=[0.5, 1.0]).shape
(2, 2)
"""

from ._docs import fill_doc
from .families.lognormal import LogNormalMLPRegressor
from .families.weibull import WeibullMLPRegressor

__all__ = ["LogNormalSurvivalRegressor", "SurvivalMixin", "WeibullSurvivalRegressor"]


class SurvivalMixin:
    """Survival views of a fitted regressor's predicted distributions (mixed in)."""

    def predict_survival_function(self, X, times):
        """``P(T > t)`` for each row of ``X`` at each of ``times``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        times : array-like of shape (n_times,)

        Returns
        -------
        ndarray of shape (n_samples, n_times)
        """
        return self.predict_dist(X).survival_function(times)

    def predict_cumulative_hazard(self, X, times):
        """``-log P(T > t)`` for each row of ``X`` at each of ``times``: (n_samples, n_times)."""
        return self.predict_dist(X).cumulative_hazard(times)

    def predict_hazard(self, X, times):
        """Hazard rate for each row of ``X`` at each of ``times``: (n_samples, n_times)."""
        return self.predict_dist(X).hazard(times)


@fill_doc
class WeibullSurvivalRegressor(SurvivalMixin, WeibullMLPRegressor):
    """Time-to-event regression with a Weibull distribution whose scale and shape depend on x.

    The network predicts the Weibull scale (log link) and shape (softplus) of
    each row's event time; with the shape constant this is the Weibull
    accelerated-failure-time model, here with both parameters free functions
    of x. ``y`` holds right-censored times (rows still event-free at their
    time), as made by :func:`skprob.censoring.right_censored` or
    ``sksurv.util.Surv.from_arrays``; exact times are accepted too.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="median"
        Point returned by :meth:`predict`: the median survival time by default.

    See Also
    --------
    LogNormalSurvivalRegressor : log-normal event times.
    skprob.metrics.concordance_index, skprob.metrics.integrated_brier_score

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.censoring import right_censored
    >>> from skprob.survival import WeibullSurvivalRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(300, 1))
    >>> event_time = np.exp(X[:, 0]) * rng.weibull(2.0, size=300)
    >>> y = right_censored(np.minimum(event_time, 1.5), event_time <= 1.5)
    >>> model = WeibullSurvivalRegressor(max_iter=30, random_state=0).fit(X, y)
    >>> model.predict([[-0.5], [0.5]]).round(2)  # the generating medians: 0.50, 1.37
    array([0.52, 1.51])
    """

    family = WeibullMLPRegressor.family
    prediction: str = "median"


@fill_doc
class LogNormalSurvivalRegressor(SurvivalMixin, LogNormalMLPRegressor):
    """Time-to-event regression with a log-normal distribution whose median and spread depend on x.

    The network predicts the median event time (log link) and the standard
    deviation of ``log T`` of each row; with the spread constant this is the
    log-normal accelerated-failure-time model. ``y`` holds right-censored
    times, as for :class:`WeibullSurvivalRegressor`.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="median"
        Point returned by :meth:`predict`: the median survival time by default.

    See Also
    --------
    WeibullSurvivalRegressor : Weibull event times.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.censoring import right_censored
    >>> from skprob.survival import LogNormalSurvivalRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(300, 1))
    >>> event_time = np.exp(X[:, 0] + 0.5 * rng.normal(size=300))
    >>> y = right_censored(np.minimum(event_time, 1.5), event_time <= 1.5)
    >>> model = LogNormalSurvivalRegressor(max_iter=30, random_state=0).fit(X, y)
    >>> model.predict([[-0.5], [0.5]]).round(2)  # the generating medians: 0.61, 1.65
    array([0.63, 1.86])
    """

    family = LogNormalMLPRegressor.family
    prediction: str = "median"
