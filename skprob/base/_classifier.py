"""Base class of the classifiers: labels of any type, probabilities in log space."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets

from .._validation import check_labels
from ._estimator import MLPDistributionEstimator
from ._mixins import DistributionClassifierMixin

__all__ = ["MLPDistributionClassifier"]


class MLPDistributionClassifier(
    ClassifierMixin, DistributionClassifierMixin, MLPDistributionEstimator
):
    """Base class of classifiers: labels of any type, probabilities in log space.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    """

    # ClassifierMixin.score (accuracy) comes first in the MRO; skprob scores by likelihood.
    score = MLPDistributionEstimator.score

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = not getattr(self._make_family().support, "binary", False)
        return tags

    def _validate_fit_data(self, X, y):
        # Missing or mixed-type labels fail inside numpy's sort with its own words otherwise.
        X, y = super()._validate_fit_data(X, check_labels(y))
        check_classification_targets(y)
        return X, y

    def _check_target(self, y, sample_weight):
        present = y if sample_weight is None else y[sample_weight > 0]
        classes = np.unique(present)
        if len(classes) < 2:
            raise ValueError(
                f"y has only one class with positive weight ({classes[0]!r}); "
                "a classifier needs at least two classes."
            )
