"""Plackett-Luce distribution: rankings of a fixed set of ``K`` items.

Target encoding: each row of ``y`` is an *ordering*, the item indices from most
to least preferred. ``y[i, 0]`` is the item ranked first in row ``i``,
``y[i, 1]`` the item ranked second, and so on, so every row is a permutation
of ``0, ..., K-1``. (Data that gives the *rank of each item* instead, ``r[i,
item] = position``, converts with ``numpy.argsort(r, axis=1)``.)

The network predicts one score (log-worth) ``s_k`` per item. A ranking is
built by choosing the first item from all ``K`` with probabilities
``softmax(s)``, the second from the remaining ones in the same way, and so on:

``log P(pi) = sum_j [ s_{pi_j} - logsumexp(s_{pi_j}, ..., s_{pi_K}) ]``.

Scores are defined up to a common constant; the user-facing scores are
normalised so that ``exp(scores)`` is the probability of each item being
ranked first.
"""

import numpy as np
import torch
from scipy import special

from .._docs import fill_doc
from ..base import MLPDistributionEstimator
from ..distributions import Distribution
from ._base import Family, Parameter
from ._links import LogSoftmax
from ._support import Orderings, check_orderings

__all__ = ["PlackettLuceDistribution", "PlackettLuceFamily", "PlackettLuceRanker"]

#: Iterations of the minorise-maximise updates that find the best constant model.
_MM_ITERATIONS = 200


def _constant_scores(orderings, weights):
    """Log-worths of the best constant Plackett-Luce model, centred on zero.

    Hunter's minorise-maximise iterations: each item's worth becomes its
    number of wins (chosen at a stage before the last) over the summed inverse
    total worth of the stages it took part in. A small pseudo-win keeps items
    that are always ranked last at a finite score.
    """
    n, k = orderings.shape
    w = weights / weights.sum()
    stage_weights = np.repeat(w, k - 1)
    wins = np.bincount(orderings[:, :-1].ravel(), weights=stage_weights, minlength=k) + 1e-3 / k
    worth = np.full(k, 1.0 / k)
    for _ in range(_MM_ITERATIONS):
        chosen = worth[orderings]
        remaining = np.cumsum(chosen[:, ::-1], axis=1)[:, ::-1]
        exposure = np.cumsum(1.0 / remaining[:, :-1], axis=1)
        # The item ranked last took part in every stage, like the one before it.
        exposure = np.concatenate([exposure, exposure[:, -1:]], axis=1)
        denominator = np.bincount(
            orderings.ravel(), weights=(w[:, None] * exposure).ravel(), minlength=k
        )
        worth = wins / denominator
        worth /= worth.sum()
    log_worth = np.log(worth)
    return log_worth - log_worth.mean()


class PlackettLuceDistribution(Distribution):
    """Plackett-Luce distributions over the orderings of ``K`` items, one per row.

    Values are orderings (``y[i, 0]`` = the item ranked first), as in
    :mod:`skprob.families.plackett_luce`. Rankings have no mean, variance or
    quantiles; use :meth:`mode` (the most probable ordering), :meth:`top_probs`,
    :meth:`logpmf` and :meth:`rvs`.

    Parameters
    ----------
    scores : array-like of shape (n_rows, K)
        Log-worth of each item; only differences within a row matter.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.plackett_luce import PlackettLuceDistribution
    >>> dist = PlackettLuceDistribution(scores=np.log([[0.5, 0.3, 0.2]]))
    >>> dist.mode()
    array([[0, 1, 2]])
    >>> dist.pmf([[0, 1, 2]]).round(4)  # 0.5 * 0.3 / (0.3 + 0.2)
    array([0.3])
    >>> dist.top_probs().round(2)
    array([[0.5, 0.3, 0.2]])
    >>> dist.rvs(size=2, random_state=0).shape
    (2, 1, 3)
    """

    param_names = ("scores",)
    support = Orderings()
    discrete = True
    event_ndim = 1

    @staticmethod
    def log_density(params, codes):
        chosen = torch.gather(params["scores"], -1, codes.long())
        # logsumexp over the items still available at each stage.
        remaining = torch.logcumsumexp(chosen.flip(-1), dim=-1).flip(-1)
        return (chosen - remaining).sum(-1)

    def __init__(self, *, index=None, output_names=None, **params):
        super().__init__(index=index, output_names=output_names, **params)
        scores = self._params["scores"]
        if scores.ndim != 2 or scores.shape[1] < 2:
            raise ValueError(
                f"scores needs shape (n_rows, K) with K >= 2 items; got shape {scores.shape}."
            )

    @property
    def n_items(self):
        """Number ``K`` of ranked items."""
        return self._params["scores"].shape[1]

    def _param_event_ndim(self, name):
        return 1

    def _event_shape(self):
        return (self.n_items,)

    def _column_labels(self, n):
        # Score columns are items; output names would name positions in the ordering.
        return [str(j) for j in range(n)]

    def top_log_probs(self):
        """Log-probability of each item being ranked first, shape (n_rows, K)."""
        return special.log_softmax(self._params["scores"], axis=1)

    def top_probs(self):
        """Probability of each item being ranked first (softmax of scores), shape (n_rows, K)."""
        return np.exp(self.top_log_probs())

    def mode(self):
        """The most probable ordering of each row: items by decreasing score, shape (n_rows, K)."""
        return np.argsort(-self._params["scores"], axis=1, kind="stable")

    def _check_y(self, y):
        codes = check_orderings(y, self.n_items)
        if len(codes) != len(self):
            raise ValueError(f"y has {len(codes)} rows; the distribution has {len(self)}.")
        return codes

    def _sample(self, shape, rng):
        # Sorting Gumbel-perturbed scores draws an exact Plackett-Luce ordering.
        noise = rng.gumbel(size=shape + self._params["scores"].shape)
        return np.argsort(-(self._params["scores"] + noise), axis=-1)


class PlackettLuceFamily(Family):
    """Plackett-Luce likelihood over orderings: one score (log-worth) per item.

    The target is not standardised. The output bias starts at the maximum
    likelihood scores of a constant model.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.plackett_luce import PlackettLuceFamily
    >>> y = np.array([[0, 1, 2], [0, 2, 1], [1, 0, 2]])
    >>> family = PlackettLuceFamily().fit(y)
    >>> family.n_outputs_, family.n_raw_
    (3, (3, 0))
    >>> int(np.argmax(family.initial_raw_))
    0
    """

    name = "plackett_luce"
    distribution_class = PlackettLuceDistribution

    def parameters(self):
        return {"scores": Parameter(LogSoftmax(), shape=(self.n_items_,))}

    def initial_params(self, y, sample_weight):
        return {"scores": _constant_scores(np.asarray(y, dtype=np.int64), sample_weight)}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        scores = np.array([1.5, 0.5, 0.0, -1.0])
        return np.argsort(-(scores + rng.gumbel(size=(n_samples, 4))), axis=1)


@fill_doc
class PlackettLuceRanker(MLPDistributionEstimator):
    """MLP that predicts a Plackett-Luce distribution over rankings of K items.

    Each row of ``y`` is an ordering of the items ``0..K-1``: ``y[i, 0]`` is the
    item ranked first (see :mod:`skprob.families.plackett_luce`). The network
    predicts one score per item and is trained by the Plackett-Luce NLL.
    ``predict`` returns the most probable ordering (items by decreasing score),
    ``predict_dist`` a :class:`PlackettLuceDistribution` (``logpmf`` of any
    ordering, ``top_probs``, ``rvs``), and ``score`` is the mean log-likelihood
    of the observed orderings.


    Examples
    --------
    >>> import numpy as np
    >>> from skprob import PlackettLuceRanker
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(300, 1))
    >>> scores = np.column_stack([2 * X[:, 0], -2 * X[:, 0], np.zeros(300)])
    >>> y = np.argsort(-(scores + rng.gumbel(size=scores.shape)), axis=1)
    >>> ranker = PlackettLuceRanker(max_iter=30, random_state=0).fit(X, y)
    >>> ranker.predict([[0.9], [-0.9]])
    array([[0, 2, 1],
           [1, 2, 0]])
    """

    family = PlackettLuceFamily

    def predict(self, X):
        """The most probable ordering for each row of ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        ndarray of int of shape (n_samples, n_items)
            ``result[i, 0]`` is the item predicted to rank first.
        """
        return self.predict_dist(X).mode()
