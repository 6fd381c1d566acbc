"""What every estimator that returns distributions does the same way.

Both the single networks and the deep ensembles derive their scoring and class
probabilities from ``predict_dist``; these mixins say it once.
"""

import numpy as np

from .._compat import check_sample_weight
from .._validation import check_labels, convert_input, weighted_mean

__all__ = ["DistributionClassifierMixin", "LikelihoodScoreMixin"]


class LikelihoodScoreMixin:
    """``log_likelihood``, ``score`` and ``nll`` from ``predict_dist``.

    Examples
    --------
    >>> from skprob.base import MLPDistributionEstimator
    >>> issubclass(MLPDistributionEstimator, LikelihoodScoreMixin)
    True
    """

    def _target_for_scoring(self, y):
        return np.asarray(convert_input(y, "y"))

    def log_likelihood(self, X, y):
        """Log-likelihood of each row's target under its predicted distribution.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        ndarray of shape (n_samples,)
            Summed over independent outputs for a 2-D target.
        """
        return self.predict_dist(X).log_likelihood(self._target_for_scoring(y))

    def score(self, X, y, sample_weight=None):
        """Mean log-likelihood per sample (minus the mean NLL): higher is better.

        This is the criterion the networks are trained on, in the target's own
        units, so ``GridSearchCV`` and ``cross_val_score`` select models by
        held-out NLL without a custom scorer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        float
        """
        log_lik = self.log_likelihood(X, y)
        weights = None
        if sample_weight is not None:
            weights = check_sample_weight(sample_weight, log_lik[:, None])
        # Weights of any size (1e308 or 1e-320) and values near the float limit: no overflow.
        return weighted_mean(log_lik, weights)

    def nll(self, X, y, sample_weight=None):
        """Mean negative log-likelihood per sample (``-score``): lower is better.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        float
        """
        return -self.score(X, y, sample_weight=sample_weight)


class DistributionClassifierMixin:
    """``predict_proba``, ``predict_log_proba`` and ``predict`` from ``predict_dist``.

    Examples
    --------
    >>> from skprob.base import MLPDistributionClassifier
    >>> issubclass(MLPDistributionClassifier, DistributionClassifierMixin)
    True
    """

    def _target_for_scoring(self, y):
        # Labels of another type are named by the family ("not fitted on"), not here.
        return np.asarray(check_labels(y, mixed_types=False))

    def predict_log_proba(self, X):
        """Log-probability of each class, computed in log space.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns follow :attr:`classes_`.
        """
        return self.predict_dist(X).log_probs()

    def predict_proba(self, X):
        """Probability of each class.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns follow :attr:`classes_`; rows sum to one.
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """The most probable label of each row.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self.predict_dist(X).mode()
