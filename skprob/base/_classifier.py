"""Base class of the classifiers: labels of any type, probabilities in log space."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets

from .._compat import fit_context
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

    @fit_context
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One pass of mini-batch training over a chunk of data, as ``MLPClassifier.partial_fit``.

        The first call fixes the classes (from ``classes``, which it requires),
        the input scaling and the network; later calls continue the optimiser.

        Parameters
        ----------
        X : array-like, sparse matrix or DataFrame of shape (n_samples, n_features)
            One chunk of inputs.
        y : array-like of shape (n_samples,)
            Its labels, each one of ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every label the model will see; required on the first call (a chunk
            may lack some), optional and unchanged afterwards.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in the likelihood.

        Returns
        -------
        self
            The updated estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from skprob import CategoricalMLPClassifier
        >>> rng = np.random.default_rng(0)
        >>> X = rng.standard_normal((300, 2))
        >>> y = np.where(X[:, 0] > 0, "b", "a")
        >>> clf = CategoricalMLPClassifier(random_state=0)
        >>> clf = clf.partial_fit(X[:150], y[:150], classes=["a", "b", "c"])
        >>> clf.partial_fit(X[150:], y[150:]).classes_.tolist()
        ['a', 'b', 'c']
        """
        return self._partial_fit(X, y, sample_weight, classes)

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
