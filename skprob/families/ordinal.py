"""Ordinal classes: the cumulative-logit (proportional-odds) model of ordered labels.

``P(Y <= k | x) = sigmoid(c_k - eta(x))`` for the ``K - 1`` thresholds
``c_1 < ... < c_{K-1}``: one network output ``eta`` moves the whole distribution
up or down the scale, and the thresholds, learned constants, are increasing by
construction (:class:`~skprob.families._links.OrderedCutpoints`). Class
probabilities are differences of neighbouring cumulative probabilities,
computed in log space as ``log sigmoid(b) + log sigmoid(-a) + log(1 - exp(a - b))``
so that no difference of two nearly equal probabilities is ever formed.
"""

import numpy as np
import pandas as pd
import torch

from .._docs import fill_doc
from ..base import MLPDistributionClassifier
from ._base import Family, Parameter
from ._links import Identity, OrderedCutpoints
from ._support import OrderedLabels
from .categorical import CategoricalDistribution

__all__ = ["OrdinalDistribution", "OrdinalFamily", "OrdinalMLPClassifier",
           "ordinal_log_probs"]

#: Marks an attribute absent before a fit (restored as absent if the fit fails).
_UNSET = object()


def ordinal_log_probs(eta, cutpoints):
    """Log-probability of each of the ``K`` classes (torch), shape ``eta.shape + (K,)``.

    Examples
    --------
    >>> import torch
    >>> from skprob.families.ordinal import ordinal_log_probs
    >>> ordinal_log_probs(torch.tensor([0.0]), torch.tensor([[-1.0, 1.0]])).exp().round(decimals=4)
    tensor([[0.2689, 0.4621, 0.2689]])
    """
    z = cutpoints - eta.unsqueeze(-1)
    log_cdf = torch.nn.functional.logsigmoid(z)  # log P(Y <= k)
    log_sf = torch.nn.functional.logsigmoid(-z)  # log P(Y > k)
    # P(c_{k-1} < . <= c_k) = sigmoid(b) sigmoid(-a) (1 - exp(a - b)), a < b. a - b is
    # formed from the thresholds alone: from z it rounds to 0 once |eta| dwarfs them,
    # which made the log-probability -inf instead of a large finite negative number.
    gap = torch.log(-torch.expm1(cutpoints[..., :-1] - cutpoints[..., 1:]))
    middle = log_cdf[..., 1:] + log_sf[..., :-1] + gap
    return torch.cat([log_cdf[..., :1], middle, log_sf[..., -1:]], dim=-1)


class OrdinalDistribution(CategoricalDistribution):
    """Proportional-odds distributions over ordered labels, one per row.

    Parameters
    ----------
    eta : array-like of shape (n_rows,)
        Location of each row on the latent logistic scale.
    cutpoints : array-like of shape (n_rows, n_classes - 1)
        Increasing thresholds: ``P(Y <= classes[k]) = sigmoid(cutpoints[k] - eta)``.
    classes : array-like of shape (n_classes,)
        The labels, lowest first.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.ordinal import OrdinalDistribution
    >>> dist = OrdinalDistribution(eta=[0.0, 3.0], cutpoints=[[-1.0, 1.0]] * 2,
    ...                            classes=["low", "mid", "high"])
    >>> dist.probs().round(3)
    array([[0.269, 0.462, 0.269],
           [0.018, 0.101, 0.881]])
    >>> dist.mode(), dist.median()
    (array(['mid', 'high'], dtype='<U4'), array(['mid', 'high'], dtype='<U4'))
    """

    param_names = ("eta", "cutpoints")
    support = OrderedLabels()

    @staticmethod
    def log_density(params, codes):
        log_probs = ordinal_log_probs(params["eta"], params["cutpoints"])
        return torch.gather(log_probs, -1, codes.long().unsqueeze(-1)).squeeze(-1)

    def __init__(self, *, classes, index=None, output_names=None, **params):
        super().__init__(classes=classes, index=index, output_names=output_names, **params)
        eta, cutpoints = self._params["eta"], self._params["cutpoints"]
        if eta.ndim != 1 or cutpoints.shape != (len(eta), len(self.classes) - 1):
            raise ValueError(
                f"eta needs shape (n_rows,) and cutpoints (n_rows, {len(self.classes) - 1}) for "
                f"{len(self.classes)} classes; got {eta.shape} and {cutpoints.shape}."
            )
        if np.any(np.diff(cutpoints, axis=1) <= 0):
            raise ValueError("cutpoints must increase along each row.")

    def _param_event_ndim(self, name):
        return 1 if name == "cutpoints" else 0

    def log_probs(self):
        with torch.no_grad():
            return ordinal_log_probs(torch.from_numpy(self._params["eta"]),
                                     torch.from_numpy(self._params["cutpoints"])).numpy()

    def mode(self):
        return self.classes[np.argmax(self.log_probs(), axis=1)]

    def cdf(self, y):
        """``P(Y <= y)`` for labels ``y`` (in the order of :attr:`classes`)."""
        codes = self._check_y(y)
        cumulative = np.cumsum(self.probs(), axis=1)
        return np.minimum(cumulative[np.arange(len(self)), codes], 1.0)

    def median(self):
        """The lowest label whose cumulative probability reaches one half."""
        cumulative = np.cumsum(self.probs(), axis=1)
        codes = np.minimum(np.sum(cumulative < 0.5, axis=1), len(self.classes) - 1)
        return self.classes[codes]

    def ppf(self, q):
        """The lowest label whose cumulative probability reaches ``q``, per row."""
        q = np.asarray(q, dtype=np.float64)
        cumulative = np.cumsum(self.probs(), axis=1)
        shape = np.broadcast_shapes(q.shape, (len(self),))
        codes = np.sum(cumulative < np.broadcast_to(q, shape)[..., None], axis=-1)
        return self.classes[np.minimum(codes, len(self.classes) - 1)]

    def interval(self, confidence):
        """Lowest and highest label of the central ``confidence`` interval, per row."""
        tail = (1.0 - float(confidence)) / 2.0
        if not 0.0 < confidence < 1.0:
            raise ValueError(f"confidence must be in (0, 1); got {confidence!r}.")
        return self.ppf(tail), self.ppf(1.0 - tail)

    def _frame_params(self):
        return {"p": self.probs()}


class OrdinalFamily(Family):
    """Proportional-odds likelihood: one latent location from x, increasing thresholds.

    Parameters
    ----------
    classes : sequence or None, default=None
        The labels in their order, lowest first; ``None`` takes the sorted labels.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.ordinal import OrdinalFamily
    >>> family = OrdinalFamily(classes=["low", "mid", "high"])
    >>> family.fit(np.array(["mid", "high", "low", "mid"])).classes_.tolist()
    ['low', 'mid', 'high']
    """

    name = "ordinal"
    distribution_class = OrdinalDistribution

    def __init__(self, classes=None):
        self.classes = classes

    def parameters(self):
        k = len(self.classes_)
        return {
            "eta": Parameter(Identity()),
            "cutpoints": Parameter(OrderedCutpoints(), depends_on_x=False, shape=(k - 1,)),
        }

    def distribution_params(self, params):
        return {"eta": params["eta"][..., 0], "cutpoints": params["cutpoints"]}

    def initial_params(self, y, sample_weight):
        # The marginal exactly: eta = 0 and thresholds at the logits of the cumulative shares.
        k = len(self.classes_)
        share = np.bincount(y, weights=sample_weight, minlength=k) / sample_weight.sum()
        cumulative = np.clip(np.cumsum(share)[:-1], 1e-6, 1.0 - 1e-6)
        cutpoints = np.log(cumulative) - np.log1p(-cumulative)
        return {"eta": np.zeros(1), "cutpoints": np.maximum.accumulate(cutpoints)}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        return np.digitize(rng.logistic(size=n_samples), [-1.5, -0.3, 0.7, 2.0]) + 1


@fill_doc
class OrdinalMLPClassifier(MLPDistributionClassifier):
    """MLP classifier for ordered classes: the cumulative-logit (proportional-odds) model.

    The network predicts one latent location ``eta(x)``; ``K - 1`` increasing
    thresholds ``c_k``, learned constants, cut the logistic distribution around
    it into the ``K`` classes: ``P(Y <= k | x) = sigmoid(c_k - eta(x))``. It uses
    the order of the labels (ratings, grades, severities), where a categorical
    classifier ignores it, and needs one output instead of ``K``.

    Parameters
    ----------
    classes : sequence or None, default=None
        The labels in their order, lowest first. ``None`` takes the categories of
        an ordered pandas Categorical ``y``, otherwise the sorted labels.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, lowest first (the columns of :meth:`predict_proba`).

    See Also
    --------
    CategoricalMLPClassifier : unordered classes.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skprob import OrdinalMLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2))
    >>> codes = np.digitize(X[:, 0] + rng.logistic(size=300), [-1.0, 1.0])
    >>> y = pd.Series(pd.Categorical.from_codes(codes, ["low", "mid", "high"], ordered=True))
    >>> clf = OrdinalMLPClassifier(max_iter=30, random_state=0).fit(X, y)
    >>> clf.classes_.tolist()
    ['low', 'mid', 'high']
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    family = OrdinalFamily
    classes: object = None

    def fit(self, X, y, sample_weight=None):
        # numpy drops an ordered Categorical's order: keep it for the family (unless the
        # classes are given explicitly, or a warm start keeps the fitted ones).
        dtype = getattr(y, "dtype", None)
        ordered = isinstance(dtype, pd.CategoricalDtype) and dtype.ordered
        previous = self.__dict__.get("_categorical_order", _UNSET)
        self._categorical_order = list(dtype.categories) if ordered else None
        try:
            return super().fit(X, y, sample_weight=sample_weight)
        except BaseException:  # a refused fit leaves the estimator as it was
            if previous is _UNSET:
                del self._categorical_order
            else:
                self._categorical_order = previous
            raise

    def _make_family(self):
        classes = self.classes
        if classes is None:
            classes = getattr(self, "_categorical_order", None)
        return self.family(classes=classes)
