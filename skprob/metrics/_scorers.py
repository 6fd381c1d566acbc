"""Scorers for model selection from metrics of predicted distributions."""

from ..compose import predict_dist
from ._common import mean_nll
from ._crps import crps

__all__ = ["make_distribution_scorer", "neg_crps_scorer", "neg_mean_nll_scorer"]


class _DistributionScorer:
    """``scorer(estimator, X, y, sample_weight=None)`` from a metric of ``(y, dist)``."""

    def __init__(self, metric, sign, kwargs):
        self._metric = metric
        self._sign = sign
        self._kwargs = kwargs

    def __call__(self, estimator, X, y, sample_weight=None):
        # Through compose.predict_dist, so a Pipeline, a search or a
        # TransformedTargetRegressor around a skprob estimator scores too.
        dist = predict_dist(estimator, X)
        return self._sign * self._metric(y, dist, sample_weight=sample_weight, **self._kwargs)

    def __repr__(self):
        options = "".join(f", {k}={v!r}" for k, v in self._kwargs.items())
        sign = "" if self._sign > 0 else ", greater_is_better=False"
        return f"make_distribution_scorer({self._metric.__name__}{sign}{options})"


def make_distribution_scorer(metric, *, greater_is_better=True, **kwargs):
    """Turn a metric of ``(y_true, dist, sample_weight)`` into a scikit-learn scorer.

    The scorer takes the distribution from :func:`skprob.compose.predict_dist`, so it
    accepts any skprob estimator, and a pipeline, search or
    ``TransformedTargetRegressor`` around one; it returns ``metric`` with its sign
    flipped when lower is better (scikit-learn maximises scores). It can be passed as ``scoring=``
    to ``GridSearchCV``, ``cross_validate`` and ``cross_val_score``.

    Parameters
    ----------
    metric : callable
        ``metric(y_true, dist, sample_weight=None, **kwargs) -> float``.
    greater_is_better : bool, default=True
        Whether a larger metric is better; ``False`` negates it.
    **kwargs
        Fixed keyword arguments of ``metric``.

    Returns
    -------
    callable
        ``scorer(estimator, X, y, sample_weight=None) -> float``.

    Examples
    --------
    >>> from skprob.metrics import interval_coverage, make_distribution_scorer
    >>> make_distribution_scorer(interval_coverage, confidence=0.5)
    make_distribution_scorer(interval_coverage, confidence=0.5)
    """
    if not callable(metric):
        raise TypeError(f"metric must be callable; got {type(metric).__name__}.")
    return _DistributionScorer(metric, 1.0 if greater_is_better else -1.0, kwargs)


#: Scorer: minus :func:`mean_nll` (equal to the estimators' own ``score``).
neg_mean_nll_scorer = make_distribution_scorer(mean_nll, greater_is_better=False)
#: Scorer: minus :func:`crps` (closed form where the distribution has one, else quantiles).
#: ``make_distribution_scorer(crps, greater_is_better=False, method="sample")`` is faster
#: for families whose quantile function is slow.
neg_crps_scorer = make_distribution_scorer(crps, greater_is_better=False)
