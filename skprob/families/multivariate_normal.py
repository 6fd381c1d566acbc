"""Multivariate normal distribution: a real vector target modelled jointly.

The network predicts, for every row, the mean vector and the lower-triangular
Cholesky factor ``L`` of the covariance ``L @ L.T``, so that variances and
correlations between the outputs can all depend on the input. The raw outputs
are the ``K`` means followed by the ``K (K + 1) / 2`` entries of ``L`` in
row-major lower-triangle order (as :func:`numpy.tril_indices`); the diagonal
goes through a softplus with a floor, the entries below it are used as they
are, which keeps every ``L`` a valid factor of a positive definite matrix.
Each target column is standardised internally and parameters and likelihoods
are returned in the user's units.
"""

import inspect
import math

import numpy as np
import torch
from scipy import special, stats

from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import CenteredAtLoc, Distribution
from ..exceptions import TargetSupportError
from ._base import Family, Parameter
from ._links import CholeskyFactor, Identity
from ._numerics import ScaledVarianceMixin, power_of_two_near
from ._scaling import Standardize
from ._support import RealVectors

__all__ = [
    "MultivariateGaussianMLPRegressor",
    "MultivariateNormalDistribution",
    "MultivariateNormalFamily",
]

_LOG_2PI = math.log(2.0 * math.pi)
#: Seeded integration makes the joint cdf reproducible where scipy allows it (scipy >= 1.15).
_CDF_TAKES_RNG = "rng" in inspect.signature(stats.multivariate_normal.cdf).parameters


def _quadratic_form(scale_tril, y, loc):
    """``|z|**2`` with ``L z = y - loc`` per row (torch), computed without overflow.

    Where ``y - loc`` or the squares overflow, the rows are redone with exact
    scalings by powers of two: ``z / u`` from ``(y - loc) / u`` with ``u >= 1``
    near the largest ``|y - loc|`` (from halves, which cannot overflow), then the
    squares of ``z / (u m)`` with ``m`` near the largest ``|z / u|``. The form is
    their sum times ``(u m)**2``, which overflows only where the form itself does.
    """
    def solve(factor, b):
        return torch.linalg.solve_triangular(factor, b.unsqueeze(-1), upper=False).squeeze(-1)

    quadratic = solve(scale_tril, y - loc).pow(2).sum(-1)
    redo = ~torch.isfinite(quadratic)
    if bool(redo.any()):
        half_gap = 0.5 * y[redo] - 0.5 * loc[redo]
        unit = _power_of_two_near(half_gap.abs().amax(-1)).clamp_min(1.0)[:, None]
        z = solve(scale_tril[redo], 2.0 * (half_gap / unit))
        size = _power_of_two_near(z.abs().amax(-1))[:, None]
        quadratic = quadratic.clone()
        quadratic[redo] = ((z / size) ** 2).sum(-1) * ((size * unit) ** 2)[:, 0]
    return quadratic


def _power_of_two_near(value):
    """A power of two within a factor 2 of ``value`` (torch; see ``power_of_two_near``)."""
    _, exponent = torch.frexp(value)
    return torch.ldexp(torch.ones_like(value), exponent - 1)


def mvn_log_density(y, loc, scale_tril):
    """Multivariate normal log-density per row (torch), ``-inf`` only below the double range.

    :class:`torch.distributions.MultivariateNormal` computes it; rows where its
    quadratic form overflowed are redone by :func:`_quadratic_form`.
    """
    normal = torch.distributions.MultivariateNormal(loc, scale_tril=scale_tril,
                                                    validate_args=False)
    value = normal.log_prob(y)
    redo = ~torch.isfinite(value)
    if bool(redo.any()):
        quadratic = _quadratic_form(scale_tril[redo], y[redo], loc[redo])
        log_det = torch.log(torch.diagonal(scale_tril[redo], dim1=-2, dim2=-1)).sum(-1)
        value = value.clone()
        value[redo] = -0.5 * (loc.shape[-1] * _LOG_2PI + quadratic) - log_det
    return value


def _orthant_probability(upper, mean, cov):
    """``P(Y <= upper)`` for one multivariate normal (Genz's integration in scipy)."""
    if len(mean) == 1:
        return float(special.ndtr((upper[0] - mean[0]) / math.sqrt(cov[0, 0])))
    options = {"rng": np.random.default_rng(0)} if _CDF_TAKES_RNG else {}
    return float(stats.multivariate_normal.cdf(upper, mean=mean, cov=cov, **options))


class MultivariateNormalDistribution(ScaledVarianceMixin, CenteredAtLoc, Distribution):
    """Multivariate normal distributions, one ``K``-vector per row.

    Each row is ``N(loc[i], scale_tril[i] @ scale_tril[i].T)``. ``mean``,
    ``mode`` and ``median`` are vectors of shape (n_rows, K); ``var``, ``std``,
    ``ppf`` and ``interval`` describe the (normal) marginal of each column;
    ``logpdf``, ``cdf`` and ``sf`` are joint, one value per row.

    Parameters
    ----------
    loc : array-like of shape (n_rows, K)
        Mean vectors.
    scale_tril : array-like of shape (n_rows, K, K)
        Lower-triangular Cholesky factors of the covariance matrices, with a
        positive diagonal and zeros above it.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.multivariate_normal import MultivariateNormalDistribution
    >>> L = np.linalg.cholesky([[1.0, 0.5], [0.5, 2.0]])
    >>> dist = MultivariateNormalDistribution(loc=[[0.0, 1.0]], scale_tril=[L])
    >>> dist.covariance()
    array([[[1. , 0.5],
            [0.5, 2. ]]])
    >>> dist.logpdf([[0.0, 1.0]]).round(4)
    array([-2.1177])
    >>> dist.rvs(size=3, random_state=0).shape
    (3, 1, 2)
    """

    param_names = ("loc", "scale_tril")
    support = RealVectors()
    param_units = {"loc": "location", "scale_tril": "scale"}
    event_ndim = 1

    @staticmethod
    def log_density(params, y):
        return mvn_log_density(y.to(params["loc"].dtype), params["loc"], params["scale_tril"])

    def __init__(self, *, index=None, output_names=None, **params):
        super().__init__(index=index, output_names=output_names, **params)
        loc, scale_tril = self._params["loc"], self._params["scale_tril"]
        if loc.ndim != 2:
            raise ValueError(
                f"loc needs shape (n_rows, K), one mean vector per row; got shape {loc.shape}."
            )
        n, k = loc.shape
        if scale_tril.shape != (n, k, k):
            raise ValueError(
                f"scale_tril needs shape (n_rows, K, K) = {(n, k, k)} to match loc; "
                f"got shape {scale_tril.shape}."
            )
        if np.any(np.triu(scale_tril, 1) != 0):
            # A full covariance passed by mistake would otherwise be read as a factor.
            raise ValueError(
                "scale_tril must be lower triangular (zeros above the diagonal); pass the "
                "Cholesky factor, e.g. numpy.linalg.cholesky(covariance), not the covariance."
            )
        if not np.all(np.diagonal(scale_tril, axis1=1, axis2=2) > 0):
            raise ValueError("scale_tril needs a positive diagonal.")

    @property
    def n_outputs(self):
        """Dimension ``K`` of each distribution."""
        return self._params["loc"].shape[1]

    def _param_event_ndim(self, name):
        return 2 if name == "scale_tril" else 1

    def _event_shape(self):
        return (self.n_outputs,)

    def _check_y(self, y):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 2 or y.shape[1] != self.n_outputs:
            raise TargetSupportError(
                f"y has shape {y.shape}; this multivariate normal models rows of "
                f"{self.n_outputs} jointly distributed values, so y needs shape "
                f"(n_rows, {self.n_outputs})."
            )
        if len(y) != len(self):
            raise ValueError(f"y has {len(y)} rows; the distribution has {len(self)}.")
        return y

    # -- table ---------------------------------------------------------------
    def _frame_params(self):
        rows, cols = np.tril_indices(self.n_outputs)
        return {"loc": self._params["loc"], "scale_tril": self._params["scale_tril"][:, rows, cols]}

    def _column_labels(self, n):
        names = super()._column_labels(self.n_outputs)
        if n == self.n_outputs:
            return names
        # The factor's lower triangle, labelled "row,column" by output names.
        rows, cols = np.tril_indices(self.n_outputs)
        return [f"{names[i]},{names[j]}" for i, j in zip(rows, cols, strict=True)]

    # -- summaries -------------------------------------------------------------
    def covariance(self):
        """Covariance matrix of each row, ``L @ L.T``, shape (n_rows, K, K)."""
        scale_tril = self._params["scale_tril"]
        return np.einsum("nij,nkj->nik", scale_tril, scale_tril)

    def correlation(self):
        """Correlation matrix of each row, shape (n_rows, K, K)."""
        std = self.std()
        return self.covariance() / (std[:, :, None] * std[:, None, :])



    def median(self):
        """Vector of the marginal medians (equal to the mean)."""
        return self._params["loc"].copy()

    def _scaled_var(self):
        """Marginal variances in units of ``unit``, a power of two near each row's
        largest factor entry (an exact scaling): squares of entries beyond ~1e154
        overflow where the standard deviations themselves do not."""
        scale_tril = self._params["scale_tril"]
        unit = power_of_two_near(np.max(np.abs(scale_tril), axis=(1, 2)))[:, None]
        return np.sum((scale_tril / unit[:, :, None]) ** 2, axis=2), unit

    def ppf(self, q):
        """Marginal quantiles of each column; ``q`` broadcasts against shape (n_rows, K)."""
        return self._params["loc"] + self.std() * special.ndtri(q)

    def cdf(self, y):
        """Joint ``P(Y_1 <= y_1, ..., Y_K <= y_K)`` for each row.

        Exact for ``K = 1``; otherwise integrated numerically by
        :func:`scipy.stats.multivariate_normal.cdf` to an absolute error of
        about ``1e-5``, one row at a time (slow for many rows).
        """
        y = self._check_y(y)
        loc, cov = self._params["loc"], self.covariance()
        return np.array([_orthant_probability(y[i], loc[i], cov[i]) for i in range(len(self))])

    def sf(self, y):
        """Joint survival ``P(Y_1 > y_1, ..., Y_K > y_K)`` for each row.

        For ``K > 1`` this is not ``1 - cdf(y)``; it is computed like :meth:`cdf`.
        """
        y = self._check_y(y)
        loc, cov = self._params["loc"], self.covariance()
        return np.array([_orthant_probability(-y[i], -loc[i], cov[i]) for i in range(len(self))])

    # -- densities and draws ---------------------------------------------------
    def _sample(self, shape, rng):
        noise = rng.standard_normal(size=shape + self._params["loc"].shape)
        correlated = np.einsum("nij,...nj->...ni", self._params["scale_tril"], noise)
        return self._params["loc"] + correlated


class MultivariateNormalFamily(Family):
    """Multivariate normal likelihood with an input-dependent Cholesky factor.

    Needs a 2-D ``y`` (use ``y.reshape(-1, 1)`` for a single column). The
    raw outputs are the ``K`` means and the ``K (K + 1) / 2`` lower-triangle
    entries of the Cholesky factor, whose diagonal passes through a softplus
    with a floor. The output bias starts at the weighted mean and the Cholesky
    factor of the weighted covariance of the standardised target.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.multivariate_normal import MultivariateNormalFamily
    >>> y = MultivariateNormalFamily.example_target(100, random_state=0)
    >>> family = MultivariateNormalFamily().fit(y)
    >>> family.n_outputs_, family.n_raw_
    (2, (5, 0))
    """

    name = "multivariate_normal"
    distribution_class = MultivariateNormalDistribution
    target_scaling = Standardize()

    def parameters(self):
        k = self.n_outputs_
        return {
            "loc": Parameter(Identity()),
            "scale_tril": Parameter(CholeskyFactor(), shape=(k, k)),
        }

    def initial_params(self, y, sample_weight):
        w = sample_weight / sample_weight.sum()
        mean = w @ y
        centred = y - mean
        covariance = (centred * w[:, None]).T @ centred
        k = y.shape[1]
        # Constant or collinear columns make the covariance singular: add a ridge
        # until the factorisation succeeds (the network moves away from it anyway).
        for ridge in (1e-6, 1e-4, 1e-2, 1.0):
            try:
                factor = np.linalg.cholesky(covariance + ridge * np.eye(k))
                break
            except np.linalg.LinAlgError:
                continue
        else:
            factor = np.eye(k)
        return {"loc": mean, "scale_tril": factor}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        factor = np.linalg.cholesky(np.array([[1.0, 0.6], [0.6, 2.0]]))
        return np.array([1.0, -2.0]) + rng.standard_normal((n_samples, 2)) @ factor.T


@fill_doc
class MultivariateGaussianMLPRegressor(MLPDistributionRegressor):
    """MLP regression of a vector target with a joint multivariate normal likelihood.

    For each input the network predicts the mean vector and the Cholesky
    factor of the covariance, so the variances *and* the correlations between
    the outputs depend on ``x``; training minimises the joint Gaussian NLL.
    ``y`` must be 2-D, shape (n_samples, K); ``predict`` returns the mean
    vectors and ``predict_dist`` a :class:`MultivariateNormalDistribution`
    (joint ``logpdf``, ``covariance``, ``correlation``, ``rvs``; marginal
    ``std``, ``ppf`` and ``interval``).

    Parameters
    ----------
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict` (all three are the mean vector).

    See Also
    --------
    HeteroscedasticRegressor : independent normal outputs.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import MultivariateGaussianMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(300, 1))
    >>> noise = rng.standard_normal((300, 2))
    >>> y = np.column_stack([X[:, 0] + 0.3 * noise[:, 0], 0.3 * (noise[:, 0] + noise[:, 1])])
    >>> model = MultivariateGaussianMLPRegressor(max_iter=30, random_state=0).fit(X, y)
    >>> model.predict(X[:4]).shape
    (4, 2)
    >>> model.predict_dist(X[:4]).covariance().shape
    (4, 2, 2)
    """

    family = MultivariateNormalFamily
