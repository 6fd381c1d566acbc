"""Histogram ("bar") distribution: a distribution-free family over bins from the target.

The bins are chosen once per fit from the training target's quantiles (equal
mass under the marginal), and the network predicts one probability per bin, as
a classifier over bins would. Within a bin the density is flat; below the first
edge and above the last one the density is an exponential tail, so every real
target has a positive density and the cdf, quantiles and moments are exact
closed forms. The tails' scales are learned from the training target (the mean
excess beyond each outer edge) and never fall below the width of the bin next
to them, so that a target piled up on an outer edge (integer scores, say) does
not make a narrow spike there.
"""

from numbers import Integral

import numpy as np
import torch
from scipy import special

from .._compat import Interval
from .._docs import fill_doc
from ..base import MLPDistributionRegressor
from ..distributions import Distribution
from ._base import Family, Parameter
from ._links import LogSoftmax
from ._numerics import (
    ScaledVarianceMixin,
    power_of_two_near,
    weighted_mean_std,
    weighted_quantile,
)
from ._scaling import Standardize
from ._support import RealLine

__all__ = ["HistogramDistribution", "HistogramFamily", "HistogramMLPRegressor",
           "quantile_bin_edges"]


def quantile_bin_edges(y, sample_weight, n_bins):
    """Edges of up to ``n_bins`` equal-mass bins of ``y``, leaving a little mass for the tails.

    The outer edges are the ``1 / (2 n_bins)`` and ``1 - 1 / (2 n_bins)`` quantiles,
    so that each tail holds about half a bin's share of the training target (the
    tails' scales are learned from it); each edge lies halfway between the
    quantile and the next larger training value. Edges closer than a quarter of the mean
    bin width of the target's IQR are merged: ties (discrete-valued targets)
    would otherwise make bins of zero width.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
    sample_weight : ndarray of shape (n_samples,)
    n_bins : int

    Returns
    -------
    ndarray of shape (n_edges,)
        Increasing edges, at least two.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.histogram import quantile_bin_edges
    >>> quantile_bin_edges(np.arange(1000.0), np.ones(1000), 4).round()
    array([124., 250., 500., 750., 874.])
    >>> quantile_bin_edges(np.repeat([1.0, 2.0, 3.0], 50), np.ones(150), 8)
    array([1.5, 2.5, 3. ])
    """
    y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    half = 0.5 / n_bins
    q = np.concatenate([[half], np.arange(1, n_bins) / n_bins, [1.0 - half]])
    candidates = weighted_quantile(y, sample_weight, q)[:, 0]
    # Quantiles are training values: move each halfway to the next larger value, so that no
    # target sits on an edge (where rounding could move it between bins) and integer-valued
    # targets get bins centred on their values.
    values = np.unique(y)
    after = np.searchsorted(values, candidates, side="right")
    candidates = np.where(after < len(values),
                          0.5 * (candidates + values[np.minimum(after, len(values) - 1)]),
                          candidates)
    lower, upper = weighted_quantile(y, sample_weight, [0.25, 0.75])[:, 0]
    spread = upper - lower
    if not spread > 0:
        spread = weighted_mean_std(y, sample_weight)[1][0]
    if not spread > 0:
        spread = 1.0
    min_width = 0.25 * spread / n_bins
    edges = [candidates[0]]
    for edge in candidates[1:]:
        if edge - edges[-1] >= min_width:
            edges.append(edge)
    if len(edges) == 1:  # (nearly) constant target: one bin around it
        edges = [edges[0] - 0.5 * spread, edges[0] + 0.5 * spread]
    return np.asarray(edges)


def _tail_scales(y, sample_weight, edges):
    """Mean excess of ``y`` beyond each outer edge (the exponential MLE), floored."""
    w = sample_weight / sample_weight.sum()
    widths = np.diff(edges)
    below, above = y < edges[0], y >= edges[-1]
    # A tail whose rows all have weights that vanish next to the others has no excess.
    left_weight, right_weight = w[below].sum(), w[above].sum()
    left = (w[below] @ (edges[0] - y[below])) / left_weight if left_weight > 0 else 0.0
    right = (w[above] @ (y[above] - edges[-1])) / right_weight if right_weight > 0 else 0.0
    return np.array([max(left, widths[0]), max(right, widths[-1])])


def histogram_log_density(log_probs, y, edges, tail_scales):
    """Log-density of histograms with exponential tails (torch), elementwise over rows.

    ``log_probs`` has one column per region: the left tail, the ``n_edges - 1``
    bins, the right tail. Bin ``j`` is ``[edges[j], edges[j + 1])``.
    """
    edges = edges.to(y.dtype)
    tail_scales = tail_scales.to(y.dtype)
    region = torch.bucketize(y.contiguous(), edges, right=True)  # 0: left tail, n_edges: right
    log_p = torch.gather(log_probs, -1, region.unsqueeze(-1)).squeeze(-1)
    widths = edges[1:] - edges[:-1]
    log_widths = torch.cat([torch.zeros(1, dtype=y.dtype, device=y.device), torch.log(widths),
                            torch.zeros(1, dtype=y.dtype, device=y.device)])
    interior = log_p - log_widths[region]
    left = log_p - torch.log(tail_scales[0]) - (edges[0] - y) / tail_scales[0]
    right = log_p - torch.log(tail_scales[1]) - (y - edges[-1]) / tail_scales[1]
    return torch.where(region == 0, left, torch.where(region == len(edges), right, interior))


class HistogramDistribution(ScaledVarianceMixin, Distribution):
    """Histograms over fixed bins, with exponential tails, one probability vector per row.

    Parameters
    ----------
    log_probs : array-like of shape (n_rows, n_edges + 1)
        Log-probabilities of the regions: left tail, the ``n_edges - 1`` bins, right tail.
    edges : array-like of shape (n_edges,)
        Increasing bin edges, shared by all rows.
    tail_scales : array-like of shape (2,)
        Scales of the exponential tails below ``edges[0]`` and above ``edges[-1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.histogram import HistogramDistribution
    >>> dist = HistogramDistribution(log_probs=np.log([[0.1, 0.5, 0.3, 0.1]]),
    ...                              edges=[0.0, 1.0, 3.0], tail_scales=[1.0, 2.0])
    >>> dist.pdf([0.5]), dist.cdf([1.0]), dist.ppf(0.6)
    (array([0.5]), array([0.6]), array([1.]))
    >>> dist.mean().round(4)  # -0.1 * 1 + 0.5 * 0.5 + 0.3 * 2 + 0.1 * (3 + 2)
    array([1.25])
    """

    param_names = ("log_probs",)
    support = RealLine()

    def __init__(self, *, edges, tail_scales, index=None, output_names=None, **params):
        self.edges = np.asarray(edges, dtype=np.float64)
        self.tail_scales = np.asarray(tail_scales, dtype=np.float64)
        if self.edges.ndim != 1 or len(self.edges) < 2 or np.any(np.diff(self.edges) <= 0):
            raise ValueError(f"edges must be at least two increasing values; got {edges!r}.")
        if self.tail_scales.shape != (2,) or not np.all(self.tail_scales > 0):
            raise ValueError(f"tail_scales must be two positive values; got {tail_scales!r}.")
        super().__init__(index=index, output_names=output_names, **params)
        log_probs = self._params["log_probs"]
        if log_probs.ndim != 2 or log_probs.shape[1] != len(self.edges) + 1:
            raise ValueError(
                f"log_probs needs shape (n_rows, {len(self.edges) + 1}) for {len(self.edges)} "
                f"edges; got {log_probs.shape}."
            )
        self._params["log_probs"] = log_probs - special.logsumexp(log_probs, axis=1,
                                                                  keepdims=True)

    @staticmethod
    def log_density(params, y):
        return histogram_log_density(params["log_probs"], y, params["edges"],
                                     params["tail_scales"])

    def _logdensity(self, y):
        params = {"log_probs": torch.from_numpy(self._params["log_probs"]),
                  "edges": torch.from_numpy(self.edges),
                  "tail_scales": torch.from_numpy(self.tail_scales)}
        with torch.no_grad():
            return type(self).log_density(params, torch.as_tensor(y, dtype=torch.float64)).numpy()

    def _extra(self):
        return {"edges": self.edges, "tail_scales": self.tail_scales}

    @property
    def batch_shape(self):
        return (len(self),)

    def _param_event_ndim(self, name):
        return 1

    def _frame_params(self):
        return {"p": self.probs()}

    def _column_labels(self, n):
        return ["left_tail"] + [f"{a:.4g}..{b:.4g}" for a, b in
                                zip(self.edges[:-1], self.edges[1:], strict=True)] + ["right_tail"]

    def probs(self):
        """Probability of each region (left tail, bins, right tail), rows summing to one."""
        return np.exp(self._params["log_probs"])

    # -- exact summaries ----------------------------------------------------------
    def mean(self):
        p, e, (s_left, s_right) = self.probs(), self.edges, self.tail_scales
        middles = np.concatenate([[e[0] - s_left], 0.5 * (e[1:] + e[:-1]), [e[-1] + s_right]])
        return p @ middles

    def _scaled_var(self):
        # In units of a power of two near the largest edge or tail scale (an exact
        # scaling): squares of targets beyond ~1e154 overflow where the std does not.
        p, e, tails = self.probs(), self.edges, self.tail_scales
        unit = power_of_two_near(max(np.max(np.abs(e)), np.max(tails)))
        e, (s_left, s_right) = e / unit, tails / unit
        middles = np.concatenate([[e[0] - s_left], 0.5 * (e[1:] + e[:-1]), [e[-1] + s_right]])
        mean = (p @ middles)[:, None]
        # E[(y - mean)^2] of each region, about each row's mean (no cancellation for a
        # target far from zero): uniform on [a, b], (a'^2 + a'b' + b'^2) / 3 with
        # a' = a - mean; an exponential tail from the edge c outwards, (c -/+ s - mean)^2 + s^2.
        a, b = e[:-1] - mean, e[1:] - mean
        second = np.concatenate([(e[0] - s_left - mean) ** 2 + s_left**2,
                                 (a * a + a * b + b * b) / 3.0,
                                 (e[-1] + s_right - mean) ** 2 + s_right**2], axis=1)
        return np.sum(p * second, axis=1), unit

    def mode(self):
        """The middle of the bin with the highest density (a tail's peak is at its edge)."""
        e, (s_left, s_right) = self.edges, self.tail_scales
        sizes = np.concatenate([[s_left], np.diff(e), [s_right]])
        points = np.concatenate([[e[0]], 0.5 * (e[1:] + e[:-1]), [e[-1]]])
        return points[np.argmax(self._params["log_probs"] - np.log(sizes), axis=1)]

    def cdf(self, y):
        y = self._check_y(y)
        p, e, (s_left, s_right) = self.probs(), self.edges, self.tail_scales
        before = np.cumsum(p, axis=1) - p  # probability below each region
        region = np.searchsorted(e, y, side="right")
        rows = np.arange(len(self))
        p_here, base = p[rows, region], before[rows, region]
        inner = np.clip(region, 1, len(e) - 1)
        fraction = (y - e[inner - 1]) / (e[inner] - e[inner - 1])
        with np.errstate(over="ignore"):
            left = p_here * np.exp(-(e[0] - y) / s_left)
            right = base + p_here * -np.expm1(-(y - e[-1]) / s_right)
        out = np.where(region == 0, left, np.where(region == len(e), right,
                                                   base + p_here * fraction))
        return np.clip(out, 0.0, 1.0)

    def ppf(self, q):
        q = np.asarray(q, dtype=np.float64)
        shape = np.broadcast_shapes(q.shape, self.batch_shape)
        q = np.broadcast_to(q, shape)
        p, e, (s_left, s_right) = self.probs(), self.edges, self.tail_scales
        cumulative = np.cumsum(p, axis=1)
        # The region holding q: the first whose cumulative probability reaches it.
        region = np.minimum(np.sum(cumulative < q[..., None], axis=-1), len(e))
        p_here = np.take_along_axis(np.broadcast_to(p, shape + p.shape[1:]),
                                    region[..., None], axis=-1)[..., 0]
        upto = np.take_along_axis(np.broadcast_to(cumulative, shape + p.shape[1:]),
                                  region[..., None], axis=-1)[..., 0]
        base = upto - p_here
        inner = np.clip(region, 1, len(e) - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            fraction = np.clip((q - base) / p_here, 0.0, 1.0)
            left = e[0] + s_left * np.log(q / p[:, 0])
            right = e[-1] - s_right * np.log1p(-np.clip((q - base) / p[:, -1], 0.0, 1.0))
        out = np.where(region == 0, left, np.where(
            region == len(e), right, e[inner - 1] + fraction * (e[inner] - e[inner - 1])))
        out = np.where(q == 1.0, np.inf, np.where(q == 0.0, -np.inf, out))
        return np.where((q < 0) | (q > 1) | np.isnan(q), np.nan, out)

    def _sample(self, shape, rng):
        return self.ppf(rng.uniform(size=shape + self.batch_shape))


class HistogramFamily(Family):
    """Histogram likelihood: one logit per bin and tail, over bins from the target's quantiles.

    Parameters
    ----------
    n_bins : int, default=64
        Largest number of bins between the outer edges; ties in the target merge
        some (integer scores get one bin per value at most).

    Attributes
    ----------
    edges_ : ndarray of shape (n_edges,)
        Bin edges in the scaled target's units.
    tail_scales_ : ndarray of shape (2,)
        Scales of the left and right exponential tails, scaled units.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.histogram import HistogramFamily
    >>> family = HistogramFamily(n_bins=8).fit(np.random.default_rng(0).normal(size=500))
    >>> family.n_raw_, len(family.edges_)
    ((10, 0), 9)
    """

    name = "histogram"
    distribution_class = HistogramDistribution
    target_scaling = Standardize()
    # Bin edges are learned per target column; one column per model keeps them simple.
    multi_output = False
    _parameter_constraints: dict = {"n_bins": [Interval(Integral, 2, None, closed="left")]}

    def __init__(self, n_bins=64):
        self.n_bins = n_bins

    def learn_target(self, y, sample_weight):
        n_bins = self.n_bins
        if isinstance(n_bins, bool) or not isinstance(n_bins, Integral) or n_bins < 2:
            raise ValueError(f"n_bins must be an integer >= 2; got {n_bins!r}.")
        edges = quantile_bin_edges(y[:, 0], sample_weight, int(n_bins))
        return {"edges_": edges, "tail_scales_": _tail_scales(y[:, 0], sample_weight, edges)}

    def parameters(self):
        return {"log_probs": Parameter(LogSoftmax(), shape=(len(self.edges_) + 1,))}

    def _scaled_nll(self, raw, y):
        # The edges and tails are the family's state, not network outputs: added here.
        params = dict(self.link(raw))
        params["edges"] = torch.as_tensor(self.edges_, device=raw.device)
        params["tail_scales"] = torch.as_tensor(self.tail_scales_, device=raw.device)
        return -self.distribution_class.log_density(params, y.reshape(-1))

    def initial_params(self, y, sample_weight):
        region = np.searchsorted(self.edges_, y[:, 0], side="right")
        share = np.bincount(region, weights=sample_weight, minlength=len(self.edges_) + 1)
        return {"log_probs": np.log(np.maximum(share / share.sum(), 1e-6))}

    def distribution(self, params, index=None, output_names=None):
        scale, loc = float(self.scale_[0]), float(self.loc_[0])
        return HistogramDistribution(
            log_probs=params["log_probs"][:, 0] if params["log_probs"].ndim == 3
            else params["log_probs"],
            edges=loc + scale * self.edges_, tail_scales=scale * self.tail_scales_,
            index=index, output_names=output_names,
        )

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        return np.where(rng.uniform(size=n_samples) < 0.3, rng.normal(-2.0, 0.5, n_samples),
                        rng.gamma(3.0, 1.0, n_samples))


@fill_doc
class HistogramMLPRegressor(MLPDistributionRegressor):
    """Distribution-free regression: the network predicts a histogram over quantile bins.

    The bins are equal-mass bins of the training target (``n_bins`` of them,
    fewer where ties merge them), with exponential tails beyond the outer
    edges; the network outputs one logit per bin and is trained by the exact
    log-likelihood of the resulting piecewise-flat density, as a classifier
    over bins with each bin's width in its density. It fits skewed, multimodal
    and bounded targets without naming a family; ``cdf``, ``ppf``, ``mean`` and
    ``var`` are exact. Fewer bins suit small data sets. One target column.

    Parameters
    ----------
    n_bins : int, default=64
        Largest number of bins between the outer edges.

    See Also
    --------
    MixtureDensityRegressor : a smooth alternative for multimodal targets.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import HistogramMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(500, 1))
    >>> y = X[:, 0] + rng.gamma(2.0, 0.5, size=500)
    >>> model = HistogramMLPRegressor(n_bins=16, max_iter=30, random_state=0).fit(X, y)
    >>> dist = model.predict_dist(X[:3])
    >>> dist.probs().shape, bool(np.all(dist.cdf(dist.ppf(0.3)).round(8) == 0.3))
    ((3, 18), True)
    """

    family = HistogramFamily
    n_bins: int = 64
