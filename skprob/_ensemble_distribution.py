"""The uniform mixture of several predicted distributions: a deep ensemble's prediction.

Public through :mod:`skprob.ensemble`, which holds the estimators that build it.
"""

import math
import operator
from numbers import Integral

import numpy as np
import pandas as pd
from scipy import special

from ._solvers import bracketed_quantile
from .distributions import Distribution
from .exceptions import UndefinedStatisticError
from .families.categorical import CategoricalDistribution

__all__ = ["EnsembleDistribution", "uniform_mixture"]

#: Absolute tolerance, in probability, of the continuous quantile search.
_CDF_ATOL = 1e-10
#: Relative precision in ``x`` at which the quantile and mode searches stop.
_X_RTOL = 1e-13
_MAX_STEPS = 200
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
#: Widest range of integers between the members' modes that the discrete mode scans.
_MAX_DISCRETE_SPAN = 1024


def uniform_mixture(members, *, index=None, output_names=None):
    """The uniform mixture of several batches of distributions, row by row.

    Class-label members (categorical or Bernoulli) mix into a categorical
    distribution again, so the result is a :class:`CategoricalDistribution`
    whose probabilities are the members' averages (computed in log space).
    Any other members give an :class:`EnsembleDistribution`.

    Parameters
    ----------
    members : sequence of Distribution
        Distributions with the same rows (and, for labels, the same classes).
    index : pandas.Index or None, default=None
        Row labels; those of the first member when ``None``.
    output_names : sequence of str or None, default=None
        Output names; those of the first member when ``None``.

    Returns
    -------
    CategoricalDistribution or EnsembleDistribution

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.ensemble import uniform_mixture
    >>> from skprob.families.categorical import CategoricalDistribution
    >>> a = CategoricalDistribution(log_probs=np.log([[0.9, 0.1]]), classes=["x", "y"])
    >>> b = CategoricalDistribution(log_probs=np.log([[0.5, 0.5]]), classes=["x", "y"])
    >>> uniform_mixture([a, b]).probs().round(2)
    array([[0.7, 0.3]])
    """
    members = list(members)
    if not members or not all(getattr(m, "over_labels", False) for m in members):
        return EnsembleDistribution(members, index=index, output_names=output_names)
    first = members[0]
    for member in members[1:]:
        if len(member) != len(first) or not np.array_equal(member.classes, first.classes):
            raise ValueError(
                "members must have the same rows and classes; got "
                f"{len(first)} rows of {first.classes.tolist()} and "
                f"{len(member)} rows of {member.classes.tolist()}."
            )
    stacked = np.stack([member.log_probs() for member in members])
    log_probs = special.logsumexp(stacked, axis=0) - math.log(len(members))
    return CategoricalDistribution(
        log_probs=log_probs,
        classes=first.classes,
        index=first._index if index is None else index,
        output_names=first.output_names if output_names is None else output_names,
    )


class EnsembleDistribution(Distribution):
    """The uniform mixture of ``M`` distributions of one family, row by row.

    Densities are ``logsumexp`` over members minus ``log M``; ``cdf``,
    ``sf`` and ``mean`` are member averages; ``var`` follows the law of total
    variance (mean member variance plus the variance of the member means).
    ``ppf`` solves ``cdf(x) = q`` inside the bracket of the members' own
    ``q``-quantiles: for continuous members by Newton steps on the mixture
    cdf that fall back to bisection whenever they leave the shrinking bracket
    (a secant crawls when member scales differ by orders of magnitude), to
    1e-10 in probability; for discrete members, which must live on the
    integers, as the smallest integer ``k`` with ``cdf(k) >= q``, by
    bisection on the integers. ``median`` is ``ppf(0.5)``. ``rvs`` picks a
    member uniformly for each draw and row.

    For a multi-output target, ``logpdf``, ``cdf``, ``ppf``, ``mode`` and
    the moments are per-output marginals, while :meth:`log_likelihood` is the
    joint one: a member's outputs are independent, the mixture's are not.
    Members that draw vectors (``event_ndim > 0``) have no ``ppf`` or ``mode``
    here. Moments are linear: for a circular family the mean of the member
    means is not a circular mean.

    Class-label members mix into a categorical distribution; build that one
    with :func:`uniform_mixture`.

    Parameters
    ----------
    members : sequence of Distribution
        At least one distribution, all of the same class, rows and parameter
        shapes.
    index : pandas.Index or None, default=None
        Row labels; those of the first member when ``None``.
    output_names : sequence of str or None, default=None
        Output names; those of the first member when ``None``.

    Attributes
    ----------
    params : dict of ndarray
        The members' parameters stacked on a second axis, shape
        ``(n_rows, n_members, ...)``.

    Examples
    --------
    >>> from skprob.ensemble import EnsembleDistribution
    >>> from skprob.families.normal import NormalDistribution
    >>> dist = EnsembleDistribution([NormalDistribution(loc=[-1.0], scale=[1.0]),
    ...                              NormalDistribution(loc=[1.0], scale=[1.0])])
    >>> dist.mean(), dist.var(), dist.median()
    (array([0.]), array([2.]), array([0.]))
    >>> dist.to_frame()
       mean       std
    0   0.0  1.414214
    """

    def __init__(self, members, *, index=None, output_names=None):
        members = tuple(members)
        if not members:
            raise ValueError("members is empty; an ensemble needs at least one distribution.")
        first = members[0]
        if not all(isinstance(member, Distribution) for member in members):
            raise TypeError(f"members must be Distribution objects; got {members!r}.")
        if first.over_labels:
            raise TypeError(
                "members are class-label distributions, whose mixture is categorical; "
                "use skprob.ensemble.uniform_mixture(members)."
            )
        if len({type(member) for member in members}) > 1:
            raise TypeError(
                "members must be distributions of one class; got "
                f"{sorted({type(m).__name__ for m in members})}."
            )
        for member in members[1:]:
            shapes = {k: v.shape for k, v in member._params.items()}
            if shapes != {k: v.shape for k, v in first._params.items()}:
                raise ValueError(
                    f"members must have the same rows and parameter shapes; got {first!r} "
                    f"and {member!r}."
                )
        self._members = members
        # The instance takes the members' nature, so that logpdf or logpmf is the valid one.
        self.param_names = first.param_names
        self.discrete = first.discrete
        self.event_ndim = first.event_ndim
        stacked = {
            name: np.stack([member._params[name] for member in members], axis=1)
            for name in first.param_names
        }
        super().__init__(
            index=first._index if index is None else index,
            output_names=first.output_names if output_names is None else output_names,
            **stacked,
        )

    # -- container protocol --------------------------------------------------
    @property
    def members(self):
        """The member distributions, as a tuple."""
        return self._members

    @property
    def n_members(self):
        """Number of members ``M``."""
        return len(self._members)

    @property
    def batch_shape(self):
        return self._members[0].batch_shape

    def _event_shape(self):
        return self._members[0]._event_shape()

    def _check_y(self, y):
        return self._members[0]._check_y(y)

    def __getitem__(self, key):
        if isinstance(key, Integral):
            key = [operator.index(key)]  # keeps the row axis; out of range raises IndexError
        rows = np.arange(len(self))[key]
        return EnsembleDistribution(
            [member[rows] for member in self._members],
            index=self.index[rows],
            output_names=self.output_names,
        )

    def __repr__(self):
        return (
            f"EnsembleDistribution(n_rows={len(self)}, n_members={self.n_members}, "
            f"members={type(self._members[0]).__name__})"
        )

    def to_frame(self, members=False):
        """The mixture's mean and standard deviation (and the members' parameters).

        Parameters
        ----------
        members : bool, default=False
            Also give every member's own columns, suffixed ``@j`` for member
            ``j``. Members without a mean or variance always give theirs.

        Returns
        -------
        pandas.DataFrame
            One row per distribution, indexed like the ``X`` it was predicted for.
        """
        try:
            frame = super().to_frame()
        except NotImplementedError:
            frame, members = pd.DataFrame(index=self.index), True
        if not members:
            return frame
        parts = [frame] + [
            member.to_frame().set_axis(self.index).add_suffix(f"@{j}")
            for j, member in enumerate(self._members)
        ]
        return pd.concat(parts, axis=1)

    def _frame_params(self):
        return {"mean": self.mean(), "std": self.std()}

    # -- summaries -----------------------------------------------------------
    def _stack(self, method, *args):
        return np.stack([getattr(member, method)(*args) for member in self._members])

    def _lacks(self, statistic):
        # The members share one class: the mixture has what they have, except the
        # quantiles and mode of vectors, which it does not define.
        if self.event_ndim and statistic in ("ppf", "median", "quantiles", "interval", "mode"):
            return (f"EnsembleDistribution has no {statistic} for members that draw vectors "
                    f"({type(self._members[0]).__name__}); use logpmf, logpdf or rvs.")
        return self._members[0]._lacks(statistic)

    def _undefined(self, statistic):
        # A mixture has a mean or variance only if every member has it.
        if statistic not in ("mean", "var", "std"):
            return None
        return next(filter(None, (m._undefined(statistic) for m in self._members)), None)

    def mean(self):
        return self._stack("mean").mean(axis=0)

    def var(self):
        means = self._stack("mean")
        spread = np.mean((means - means.mean(axis=0)) ** 2, axis=0)
        return self._stack("var").mean(axis=0) + spread

    def cdf(self, y):
        return self._stack("cdf", self._check_y(y)).mean(axis=0)

    def sf(self, y):
        return self._stack("sf", self._check_y(y)).mean(axis=0)

    def ppf(self, q):
        """Quantile function of the mixture, broadcast against the rows.

        ``q`` outside [0, 1] gives ``nan``; 0 and 1 give the ends of the
        members' supports.
        """
        self._require_scalar_events("a quantile function")
        q = np.asarray(q, dtype=np.float64)
        batch = self.batch_shape
        shape = np.broadcast_shapes(q.shape, batch)
        levels = np.broadcast_to(q, shape).reshape((-1,) + batch)
        return np.stack([self._ppf(level) for level in levels]).reshape(shape)

    def _ppf(self, q):
        inside = (q > 0.0) & (q < 1.0)
        level = np.where(inside, q, 0.5)
        member_q = self._stack("ppf", level)
        lower, upper = member_q.min(axis=0), member_q.max(axis=0)
        if self.discrete:
            x = self._integer_quantile(level, lower, upper)
        else:
            x = self._continuous_quantile(level, lower, upper)
        out = np.where(inside, x, np.nan)
        if np.any(q == 0.0):
            out = np.where(q == 0.0, self._stack("ppf", np.zeros_like(q)).min(axis=0), out)
        if np.any(q == 1.0):
            out = np.where(q == 1.0, self._stack("ppf", np.ones_like(q)).max(axis=0), out)
        return out

    def _require_scalar_events(self, what):
        if self.event_ndim:
            raise UndefinedStatisticError(
                f"EnsembleDistribution has {what} only for members with one value per "
                f"output; {type(self._members[0]).__name__} draws vectors."
            )

    def _integer_quantile(self, q, lower, upper):
        # Every member's cdf reaches q at `upper` and none does below `lower`, so the
        # smallest k with mean cdf(k) >= q lies in [lower, upper].
        lower, upper = np.floor(lower), np.ceil(upper)
        while np.any(lower < upper):
            mid = np.floor(0.5 * (lower + upper))
            reached = self.cdf(mid) >= q
            upper = np.where(reached, mid, upper)
            lower = np.where(reached, lower, np.minimum(mid + 1.0, upper))
        return upper

    def _continuous_quantile(self, q, lower, upper):
        # The mixture cdf is <= q at the smallest member quantile and >= q at the largest.
        shape = q.shape
        flat = lambda a: np.broadcast_to(a, shape).reshape(-1)  # noqa: E731

        def at_rows(function):
            # The members take arrays shaped like the rows: place the active problems there.
            def evaluate(x, index):
                full = flat(lower).copy()
                full[index] = x
                return function(full.reshape(shape)).reshape(-1)[index]
            return evaluate

        x = bracketed_quantile(
            at_rows(self.cdf), at_rows(self._logdensity), flat(q), flat(lower), flat(upper),
            x_tol=_X_RTOL * np.maximum(np.abs(flat(lower)), 1.0), cdf_atol=_CDF_ATOL,
        )
        return x.reshape(shape)

    def mode(self):
        """The most probable value: a local search from the members' modes.

        The mixture density is evaluated at every member's mode; around the
        best of them, a golden-section search runs towards each neighbouring
        member mode (discrete members: every integer between the smallest and
        largest member mode, when at most 1024 apart), and the highest point
        found is returned. With unimodal members the global mode lies between
        the smallest and largest member mode, but a local search can miss it
        when the mixture has several modes there.
        """
        self._require_scalar_events("a mode search")
        modes = self._stack("mode").astype(np.float64)
        log_p = np.stack([self._logdensity(m) for m in modes])
        pick = np.argmax(log_p, axis=0)[None]
        best = np.take_along_axis(modes, pick, axis=0)[0]
        best_log_p = np.take_along_axis(log_p, pick, axis=0)[0]
        if self.discrete:
            low, high = modes.min(axis=0), modes.max(axis=0)
            span = float(np.max(high - low, initial=0.0))
            for offset in range(1, int(span) if span <= _MAX_DISCRETE_SPAN else 0):
                k = np.minimum(low + offset, high)
                log_k = self._logdensity(k)
                best = np.where(log_k > best_log_p, k, best)
                best_log_p = np.maximum(log_k, best_log_p)
            return best
        below = np.where(modes < best, modes, -np.inf).max(axis=0)
        above = np.where(modes > best, modes, np.inf).min(axis=0)
        for end in (np.where(np.isfinite(below), below, best),
                    np.where(np.isfinite(above), above, best)):
            x = self._golden_section(np.minimum(best, end), np.maximum(best, end))
            log_x = self._logdensity(x)
            best = np.where(log_x > best_log_p, x, best)
            best_log_p = np.where(log_x > best_log_p, log_x, best_log_p)
        return best

    def _golden_section(self, a, b):
        """A local maximiser of the mixture density in ``[a, b]``, element by element."""
        tolerance = 1e-10 * (b - a) + _X_RTOL * np.maximum(np.abs(a), np.abs(b))
        c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
        fc, fd = self._logdensity(c), self._logdensity(d)
        for _ in range(_MAX_STEPS):
            if np.all(b - a <= tolerance):
                break
            left = fc >= fd  # a maximum lies in [a, d]: d becomes the upper end
            a, b = np.where(left, a, c), np.where(left, d, b)
            # One interior point carries over; the other is new and needs one evaluation.
            c_new = np.where(left, b - _GOLDEN * (b - a), d)
            d_new = np.where(left, c, a + _GOLDEN * (b - a))
            f_new = self._logdensity(np.where(left, c_new, d_new))
            fc, fd = np.where(left, f_new, fd), np.where(left, fc, f_new)
            c, d = c_new, d_new
        return 0.5 * (a + b)

    # -- densities and sampling ----------------------------------------------
    def _refuse_outside_support(self, y):
        self._members[0]._refuse_outside_support(y)

    def _logdensity(self, y):
        stacked = np.stack([member._logdensity(y) for member in self._members])
        return special.logsumexp(stacked, axis=0) - math.log(self.n_members)

    def log_likelihood(self, y):
        """Log-likelihood of each row's target under the mixture, joint over outputs.

        Each member's outputs are independent, so a member's log-likelihood is
        a sum over outputs; the mixture's is ``logsumexp`` of those sums
        minus ``log M`` (not the sum of the per-output marginal log-densities).

        Parameters
        ----------
        y : array-like
            Targets, shaped like the ``y`` the members were fitted on.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        y = self._check_y(y)
        self._refuse_outside_support(y)
        per_member = np.stack([
            member._logdensity(y).reshape(len(self), -1).sum(axis=1) for member in self._members
        ])
        return special.logsumexp(per_member, axis=0) - math.log(self.n_members)

    def _sample(self, shape, rng):
        draws = np.stack([member._sample(shape, rng) for member in self._members])
        # One member per draw and row, shared by the row's outputs (the joint mixture).
        pick = rng.randint(self.n_members, size=shape + (len(self),))
        pick = pick.reshape((1,) + pick.shape + (1,) * (draws.ndim - pick.ndim - 1))
        return np.take_along_axis(draws, pick, axis=0)[0]
