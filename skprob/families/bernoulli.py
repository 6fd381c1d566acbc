"""Bernoulli distribution: binary labels, sigmoid link computed in log space."""

import numpy as np
import torch
from scipy import stats

from .._docs import fill_doc
from ..base import MLPDistributionClassifier
from ..exceptions import TargetSupportError
from ._base import Family
from .categorical import CategoricalDistribution, encode_labels

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
    """

    param_names = ("logit",)

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
        return {"p": self.p}

    def mode(self):
        return self.classes[(self._params["logit"] > 0).astype(int)]

    def _logdensity(self, codes):
        return np.take_along_axis(self.log_probs(), codes[:, None], axis=1)[:, 0]

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
    support = "two class labels"
    is_classifier = True
    multi_output = False
    distribution_class = BernoulliDistribution

    def _learn_support(self, y):
        classes = np.unique(y)
        if len(classes) > 2:
            raise TargetSupportError(
                "Only binary classification is supported. "
                f"The 'bernoulli' family models two classes; y has {len(classes)} "
                f"({classes[:5].tolist()}). Use CategoricalMLPClassifier for more than two."
            )
        self.classes_ = classes

    def _validate(self, y):
        return encode_labels(self.classes_, y).astype(np.float64)

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        return np.random.default_rng(random_state).integers(0, 2, size=n_samples)

    def _raw_layout(self, n_outputs):
        return (1, 0)

    def _initial_raw(self, y, sample_weight):
        p = np.clip((sample_weight / sample_weight.sum()) @ y, 1e-12, 1 - 1e-12)
        return np.log(p / (1.0 - p)).reshape(1)

    def link(self, raw):
        return {"logit": raw[:, 0]}

    def _nll(self, raw, y):
        return torch.nn.functional.binary_cross_entropy_with_logits(raw[:, 0], y, reduction="none")

    def _distribution_options(self):
        return {"classes": self.classes_}


@fill_doc
class BernoulliMLPClassifier(MLPDistributionClassifier):
    """MLP classifier for two classes with a Bernoulli likelihood (sigmoid link).

    One network output, the log-odds of ``classes_[1]``; trained by binary
    cross-entropy computed from logits. Labels may be of any type.

    Parameters
    ----------
    {mlp_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels, sorted.
    {fitted_attributes}

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

    def _make_family(self):
        return BernoulliFamily()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
