"""Dirichlet distribution: compositions, rows of positive proportions that sum to one.

The network predicts the ``K`` concentrations ``alpha`` of each row through a log
link; the mean composition is ``alpha / alpha_0`` and the total
``alpha_0 = sum(alpha)`` sets how tightly rows gather around it.
"""

import numpy as np
import torch
from scipy import stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import Distribution
from ..exceptions import TargetSupportError
from ._base import Family, Parameter
from ._links import Exp
from ._support import Simplex

__all__ = ["DirichletDistribution", "DirichletFamily", "DirichletMLPRegressor"]


def dirichlet_log_density(y, alpha):
    """Dirichlet log-density of compositions ``y`` (torch), components on the last axis."""
    return (torch.lgamma(alpha.sum(-1)) - torch.lgamma(alpha).sum(-1)
            + ((alpha - 1.0) * torch.log(y)).sum(-1))


class DirichletDistribution(Distribution):
    """Dirichlet distributions over the simplex, one concentration vector per row.

    Parameters
    ----------
    alpha : array-like of shape (n_rows, K)
        Positive concentrations.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.dirichlet import DirichletDistribution
    >>> dist = DirichletDistribution(alpha=[[2.0, 3.0, 5.0]])
    >>> dist.mean(), dist.mode().round(4)
    (array([[0.2, 0.3, 0.5]]), array([[0.1429, 0.2857, 0.5714]]))
    """

    param_names = ("alpha",)
    support = Simplex()
    event_ndim = 1

    @staticmethod
    def log_density(params, y):
        return dirichlet_log_density(y.to(params["alpha"].dtype), params["alpha"])

    def __init__(self, *, index=None, output_names=None, **params):
        super().__init__(index=index, output_names=output_names, **params)
        alpha = self._params["alpha"]
        if alpha.ndim != 2 or alpha.shape[1] < 2 or not np.all(alpha > 0):
            raise ValueError(
                f"alpha needs shape (n_rows, K) with K >= 2 positive concentrations; got shape "
                f"{alpha.shape}."
            )

    @property
    def batch_shape(self):
        return (len(self),)

    @property
    def n_components(self):
        """Number of parts ``K`` of each composition."""
        return self._params["alpha"].shape[1]

    def _param_event_ndim(self, name):
        return 1

    def _event_shape(self):
        return (self.n_components,)

    def _check_y(self, y):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 2 or y.shape != (len(self), self.n_components):
            raise TargetSupportError(
                f"y has shape {y.shape}; these Dirichlet distributions need compositions of "
                f"shape ({len(self)}, {self.n_components})."
            )
        return y

    def _logdensity(self, y):
        value = super()._logdensity(y)
        return np.where(self.support.outside(y).any(axis=1), -np.inf, value)

    def total(self):
        """The concentration ``alpha_0 = sum(alpha)`` of each row."""
        return self._params["alpha"].sum(axis=1)

    def mean(self):
        return self._params["alpha"] / self.total()[:, None]

    def var(self):
        """Marginal variances ``alpha_i (alpha_0 - alpha_i) / (alpha_0**2 (alpha_0 + 1))``."""
        alpha, total = self._params["alpha"], self.total()[:, None]
        return alpha * (total - alpha) / (total * total * (total + 1.0))

    def _marginals(self):
        alpha = self._params["alpha"]
        return stats.beta(alpha, self.total()[:, None] - alpha)

    def median(self):
        """Marginal medians (each part's beta median); they need not sum to one."""
        return self._marginals().median()

    def ppf(self, q):
        """Marginal quantiles of each part (beta marginals), shape (n_rows, K)."""
        return self._marginals().ppf(q)

    def mode(self):
        """``(alpha - 1) / (alpha_0 - K)`` when every ``alpha > 1``.

        Otherwise the density is unbounded on the faces where a part with
        ``alpha <= 1`` is zero: those parts get 0 and the others the mode of
        what remains (the vertex of the largest ``alpha`` when no part exceeds
        one), as the beta's mode does for ``K = 2``.
        """
        alpha = self._params["alpha"]
        excess = np.maximum(alpha - 1.0, 0.0)
        total = excess.sum(axis=1, keepdims=True)
        vertex = (alpha == alpha.max(axis=1, keepdims=True)).astype(float)
        vertex /= vertex.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, excess / total, vertex)

    def _sample(self, shape, rng):
        alpha = np.broadcast_to(self._params["alpha"], shape + self._params["alpha"].shape)
        draws = rng.standard_gamma(alpha)
        # Tiny concentrations can draw all-zero rows: keep them on the simplex.
        draws = np.maximum(draws, np.finfo(float).tiny)
        return draws / draws.sum(axis=-1, keepdims=True)


class DirichletFamily(Family):
    """Dirichlet likelihood: ``K`` concentrations through a log link, one per part."""

    name = "dirichlet"
    distribution_class = DirichletDistribution
    point_prediction = "mean"

    def parameters(self):
        return {"alpha": Parameter(Exp(), shape=(self.n_columns_,))}

    def initial_params(self, y, sample_weight):
        # Moments (the first part's variance sets the total), refined by the polish step.
        w = sample_weight / sample_weight.sum()
        mean = w @ y
        var = w @ (y - mean) ** 2
        ratio = mean * (1.0 - mean) / np.maximum(var, 1e-12) - 1.0
        total = np.clip(np.median(ratio), 1e-2, 1e6)
        return {"alpha": np.maximum(mean * total, 1e-3)}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        return rng.dirichlet([2.0, 3.0, 5.0], size=n_samples)


@fill_doc
class DirichletMLPRegressor(MLPDistributionRegressor):
    """MLP regression for compositions with a Dirichlet likelihood.

    Each row of ``y`` is a composition: ``K >= 2`` positive proportions summing
    to one (shares of a budget, of a vote, of a land area). The network predicts
    the ``K`` concentrations through a log link, so both the mean composition
    and its spread depend on x.

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`: the mean composition (``"auto"``,
        it sums to one), the mode or the parts' marginal medians.

    See Also
    --------
    BetaMLPRegressor : one proportion (``K = 2``).

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import DirichletMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(size=(300, 2))
    >>> y = rng.dirichlet([2.0, 3.0, 5.0], size=300)
    >>> model = DirichletMLPRegressor(max_iter=20, random_state=0).fit(X, y)
    >>> model.predict(X[:2]).sum(axis=1).round(6)
    array([1., 1.])
    """

    family = DirichletFamily
