"""Bernoulli distribution: binary labels, sigmoid link computed in log space."""

import numpy as np
import torch
from scipy import stats

from .._docs import fill_doc
from ..base import MLPDistributionClassifier
from ._base import Family, Parameter
from ._links import Identity
from ._support import ClassLabels
from .categorical import CategoricalDistribution

__all__ = ["BernoulliDistribution", "BernoulliFamily", "BernoulliMLPClassifier"]


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


class BernoulliDistribution(CategoricalDistribution):
    """Distributions over two labels, parametrised by the logit of the second.

    ``mean``, ``var``, ``cdf`` and ``ppf`` refer to the indicator of the
    positive class ``classes[1]``, as :data:`scipy.stats.bernoulli` does;
    ``logpmf``, ``mode`` and ``rvs`` speak in labels.

    Parameters
    ----------
    logit : array-like of shape (n_rows,)
        Log-odds of ``classes[1]``.
    classes : array-like of shape (2,)
        The two labels.

    Examples
    --------
    >>> from skprob.families.bernoulli import BernoulliDistribution
    >>> dist = BernoulliDistribution(logit=[-1.0, 2.0], classes=["no", "yes"])
    >>> dist.p.round(3)
    array([0.269, 0.881])
    >>> dist.mode()
    array(['no', 'yes'], dtype='<U3')
    >>> dist.to_frame().columns.tolist()
    ['p[yes]']
    """

    param_names = ("logit",)
    support = ClassLabels(binary=True)

    @staticmethod
    def log_density(params, codes):
        logit = params["logit"]
        return -torch.nn.functional.binary_cross_entropy_with_logits(
            logit, codes.to(logit.dtype), reduction="none"
        )

    def _param_event_ndim(self, name):
        return 0

    @property
    def p(self):
        """Probability of the positive class ``classes[1]``."""
        return np.exp(_log_sigmoid(self._params["logit"]))

    def log_probs(self):
        logit = self._params["logit"]
        return np.stack([_log_sigmoid(-logit), _log_sigmoid(logit)], axis=1)

    def _frame_params(self):
        # Named after the class it is the probability of, as the categorical's columns are.
        return {f"p[{self.classes[1]}]": self.p}

    def mode(self):
        return self.classes[(self._params["logit"] > 0).astype(int)]

    def mean(self):
        return self.p

    def var(self):
        p = self.p
        return p * (1.0 - p)

    def cdf(self, y):
        return stats.bernoulli(self.p).cdf(self._check_y(y))

    def ppf(self, q):
        """Quantile of the positive-class indicator (0 or 1)."""
        return stats.bernoulli(self.p).ppf(q)


class BernoulliFamily(Family):
    """Bernoulli likelihood on the logit of the positive class (``classes_[1]``).

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.bernoulli import BernoulliFamily
    >>> BernoulliFamily().fit(np.array([0, 1, 1, 1])).initial_raw_.round(4)
    array([1.0986])
    """

    name = "bernoulli"
    distribution_class = BernoulliDistribution
    params = {"logit": Parameter(Identity(), shape=())}

    def initial_params(self, y, sample_weight):
        p = np.clip((sample_weight / sample_weight.sum()) @ y, 1e-12, 1 - 1e-12)
        return {"logit": np.log(p / (1.0 - p))}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return np.random.default_rng(random_state).integers(0, 2, size=n_samples)


@fill_doc
class BernoulliMLPClassifier(MLPDistributionClassifier):
    """MLP classifier for two classes with a Bernoulli likelihood (sigmoid link).

    One network output, the log-odds of ``classes_[1]``; trained by binary
    cross-entropy computed from logits. Labels may be of any type.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels, sorted.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skprob import BernoulliMLPClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = BernoulliMLPClassifier(max_iter=30, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> bool(clf.score(X, y) > -0.3)
    True
    """

    family = BernoulliFamily
