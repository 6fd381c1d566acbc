"""Categorical distribution: class labels of any type, softmax link in log space."""

import numpy as np
import torch
from scipy import special

from .._docs import fill_doc
from ..base import MLPDistributionClassifier
from ..distributions import Distribution
from ._base import Family, Parameter
from ._links import LogSoftmax
from ._support import ClassLabels, encode_labels

__all__ = [
    "CategoricalDistribution",
    "CategoricalFamily",
    "CategoricalMLPClassifier",
    "encode_labels",
]


class CategoricalDistribution(Distribution):
    """Distributions over class labels, one per row, stored as log-probabilities.

    Parameters
    ----------
    log_probs : array-like of shape (n_rows, n_classes)
        Log-probability of each class; rows must log-sum-exp to zero.
    classes : array-like of shape (n_classes,)
        The labels, in the column order of ``log_probs``.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.categorical import CategoricalDistribution
    >>> dist = CategoricalDistribution(log_probs=np.log([[0.2, 0.8], [0.6, 0.4]]),
    ...                                classes=["cat", "dog"])
    >>> dist.mode()
    array(['dog', 'cat'], dtype='<U3')
    >>> dist.pmf(["cat", "cat"]).round(2)
    array([0.2, 0.6])
    """

    param_names = ("log_probs",)
    support = ClassLabels()
    discrete = True
    over_labels = True

    @staticmethod
    def log_density(params, codes):
        return torch.gather(params["log_probs"], -1, codes.long().unsqueeze(-1)).squeeze(-1)

    def __init__(self, *, classes, index=None, output_names=None, **params):
        self.classes = np.asarray(classes)
        super().__init__(index=index, output_names=output_names, **params)

    def _extra(self):
        return {"classes": self.classes}

    @property
    def batch_shape(self):
        return (len(self),)

    def _param_event_ndim(self, name):
        return 1

    def _frame_params(self):
        return {"p": self.probs()}

    def _column_labels(self, n):
        return [str(c) for c in self.classes]

    def log_probs(self):
        """Log-probability of each class, shape (n_rows, n_classes)."""
        return self._params["log_probs"].copy()

    def probs(self):
        """Probability of each class, shape (n_rows, n_classes)."""
        return np.exp(self.log_probs())

    def mode(self):
        return self.classes[np.argmax(self._params["log_probs"], axis=1)]

    def entropy(self):
        """Entropy of each row's distribution, in nats."""
        p = self.probs()
        return -np.sum(special.xlogy(p, p), axis=1)

    def _check_y(self, y):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.shape != (len(self),):
            raise ValueError(f"y has shape {y.shape}; expected ({len(self)},) labels.")
        return encode_labels(self.classes, y)

    def _sample(self, shape, rng):
        cumulative = np.cumsum(self.probs(), axis=1)
        u = rng.uniform(size=shape + (len(self), 1))
        codes = np.minimum((u > cumulative).sum(axis=-1), len(self.classes) - 1)
        return self.classes[codes]


class CategoricalFamily(Family):
    """Categorical likelihood: one logit per class, normalised by log-softmax.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.categorical import CategoricalFamily
    >>> family = CategoricalFamily().fit(np.array(["a", "b", "b", "c"]))
    >>> family.classes_.tolist(), family.n_raw_
    (['a', 'b', 'c'], (3, 0))
    """

    name = "categorical"
    distribution_class = CategoricalDistribution

    def parameters(self):
        return {"log_probs": Parameter(LogSoftmax(), shape=(len(self.classes_),))}

    def initial_params(self, y, sample_weight):
        frequency = np.bincount(y, weights=sample_weight, minlength=len(self.classes_))
        return {"log_probs": np.log(np.maximum(frequency / frequency.sum(), 1e-12))}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        labels = np.array(["low", "mid", "high"])
        return labels[np.random.default_rng(random_state).integers(0, 3, size=n_samples)]


@fill_doc
class CategoricalMLPClassifier(MLPDistributionClassifier):
    """MLP classifier with a categorical likelihood (softmax, cross-entropy).

    Handles two or more classes with labels of any type (ints, strings, pandas
    categoricals). ``score`` is the mean log-likelihood of the true labels,
    i.e. minus the log-loss, not the accuracy.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, sorted.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skprob import CategoricalMLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = CategoricalMLPClassifier(max_iter=100, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    >>> bool(clf.predict_proba(X[:5]).sum(axis=1).round(6).min() == 1.0)
    True
    """

    family = CategoricalFamily
