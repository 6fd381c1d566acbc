"""Predicted distributions: one distribution per row of ``X``, as numpy arrays.

:meth:`predict_dist` returns a subclass of :class:`Distribution`. Method names
follow :mod:`scipy.stats` (``logpdf``/``logpmf``, ``cdf``, ``ppf``,
``interval``, ``rvs``); ``mean``, ``var`` and friends are methods, as on a
frozen scipy distribution. Each family defines its own subclass next to its
training code, in ``skprob/families/``.
"""

import operator
from numbers import Integral

import numpy as np
import pandas as pd
import torch
from sklearn.utils import check_random_state

from ._tails import TailsMixin
from .censoring import is_censored
from .exceptions import TargetSupportError, UndefinedStatisticError

__all__ = ["CenteredAtLoc", "Distribution", "ScipyDistribution"]


class Distribution(TailsMixin):
    """A batch of distributions, one per row, with parameters as numpy arrays.

    Every parameter array has the row as its first axis. Univariate families
    fitted on a 2-D target carry a second axis, one entry per (independent)
    output; :meth:`log_likelihood` sums over it.

    Parameters
    ----------
    index : pandas.Index or None, default=None
        Row labels, kept by :meth:`to_frame`; a range index when ``None``.
    output_names : sequence of str or None, default=None
        Names of the outputs of a multi-output model, used by :meth:`to_frame`.
    **params : array-like
        The distribution's parameters, as named in :attr:`param_names`.

    Examples
    --------
    >>> from skprob.families.normal import NormalDistribution
    >>> dist = NormalDistribution(loc=[0.0, 1.0], scale=[1.0, 2.0])
    >>> len(dist)
    2
    >>> dist.mean()
    array([0., 1.])
    >>> dist[1:].params
    {'loc': array([1.]), 'scale': array([2.])}
    """

    #: Names of the parameters, in the order the constructor takes them.
    param_names: tuple = ()
    #: How each parameter follows an affine change of the target, ``y = a + b * z``:
    #: ``"location"`` becomes ``a + b * value``, ``"scale"`` becomes ``b * value``, others
    #: (shapes, weights, directions) stay. Families that scale their target rely on it.
    param_units: dict = {}
    #: The set of values with positive density (a ``skprob.families._support`` object);
    #: the density is 0 outside it. Families train on it unless they declare their own.
    support = None
    #: Whether the distribution is over a discrete set (``logpmf``) or not (``logpdf``).
    discrete = False
    #: Whether the values are class labels (probabilities per class, no ordering).
    over_labels = False
    #: Number of trailing axes of one draw (0 for a scalar per output, 1 for a vector).
    event_ndim = 0

    @staticmethod
    def log_density(params, y):
        """Log-density (or log-probability) of ``y``, elementwise, written once in torch.

        The one log-likelihood of the distribution: training calls it in float32
        on the network's device, with the family's scaled parameters, as its loss;
        :meth:`logpdf`, :meth:`logpmf` and :meth:`log_likelihood` call it in
        float64 on these parameters.

        Parameters
        ----------
        params : dict of Tensor
            The parameters, named as in :attr:`param_names`, with the rows (and
            outputs) as leading axes.
        y : Tensor
            Targets, as :meth:`_check_y` returns them (codes for labels).

        Returns
        -------
        Tensor
            One value per row (and output).
        """
        raise NotImplementedError

    def __init__(self, *, index=None, output_names=None, **params):
        missing = set(self.param_names) - set(params)
        if missing:
            raise TypeError(
                f"{type(self).__name__} needs parameters {self.param_names}; "
                f"missing {sorted(missing)}."
            )
        self._params = {
            name: self._as_param(name, params[name]) for name in self.param_names
        }
        lengths = {len(v) for v in self._params.values()}
        if len(lengths) != 1:
            raise ValueError(
                f"All parameters of {type(self).__name__} need the same number of rows; "
                f"got {({k: v.shape for k, v in self._params.items()})}."
            )
        (n_rows,) = lengths
        self._n_rows = n_rows
        # Built lazily: a range index costs more than the rest of a one-row prediction.
        self._index = None if index is None else pd.Index(index)
        if self._index is not None and len(self._index) != n_rows:
            raise ValueError(
                f"index has {len(self._index)} entries but the distribution has {n_rows} rows."
            )
        self.output_names = None if output_names is None else list(output_names)

    def _as_param(self, name, value):
        return np.atleast_1d(np.array(value, dtype=np.float64, copy=True))

    # -- container protocol --------------------------------------------------
    @property
    def params(self):
        """Parameters as a dict of arrays (copies), keyed by :attr:`param_names`."""
        return {name: value.copy() for name, value in self._params.items()}

    @property
    def batch_shape(self):
        """Rows (and outputs): ``(n_rows,)`` or ``(n_rows, n_outputs)``."""
        first = self._params[self.param_names[0]]
        return first.shape[: first.ndim - self._param_event_ndim(self.param_names[0])]

    def _param_event_ndim(self, name):
        """Trailing axes of a parameter that belong to one distribution (e.g. a covariance)."""
        return 0

    @property
    def index(self):
        """Row labels: the index of the ``X`` DataFrame predicted on, else a range index."""
        return pd.RangeIndex(self._n_rows) if self._index is None else self._index

    def __len__(self):
        return self._n_rows

    def __getitem__(self, key):
        if isinstance(key, Integral):
            key = [operator.index(key)]  # keeps the row axis; out of range raises IndexError
        key = np.arange(len(self))[key]
        return self._new(
            {name: value[key] for name, value in self._params.items()},
            index=self.index[key],
        )

    def _new(self, params, index):
        return type(self)(index=index, output_names=self.output_names, **params, **self._extra())

    def _extra(self):
        """Non-parameter constructor arguments a subclass needs to rebuild itself."""
        return {}

    def __repr__(self):
        shapes = ", ".join(f"{k}: {v.shape}" for k, v in self._params.items())
        return f"{type(self).__name__}(n_rows={len(self)}, {shapes})"

    def to_frame(self):
        """Parameters as a :class:`pandas.DataFrame`, one row per distribution.

        Multi-output parameters get one column per output, named
        ``"<param>[<output>]"``. The index is the ``X`` index the distribution
        was predicted for, when ``X`` was a DataFrame.

        Returns
        -------
        pandas.DataFrame
        """
        columns = {}
        for name, value in self._frame_params().items():
            if value.ndim == 1:
                columns[name] = value
                continue
            flat = value.reshape(len(value), int(np.prod(value.shape[1:])))  # 0 rows too
            labels = self._column_labels(flat.shape[1])
            for j, label in enumerate(labels):
                columns[f"{name}[{label}]"] = flat[:, j]
        return pd.DataFrame(columns, index=self.index)

    def _frame_params(self):
        return self._params

    def _column_labels(self, n):
        if self.output_names is not None and len(self.output_names) == n:
            return self.output_names
        return [str(j) for j in range(n)]

    # -- summaries -----------------------------------------------------------
    def mean(self):
        """Mean of each distribution."""
        raise UndefinedStatisticError(self._lacks("mean"))

    def var(self):
        """Variance of each distribution."""
        raise UndefinedStatisticError(self._lacks("var"))

    def std(self):
        """Standard deviation of each distribution."""
        return np.sqrt(self.var())

    def _undefined(self, statistic):
        """Why ``statistic`` (a method name such as ``"mean"`` or ``"std"``) is not finite.

        ``None`` when it is a finite number for every row; otherwise a message for
        the user, which estimators raise as a :class:`ValueError` instead of
        returning ``inf`` or ``nan`` (a Student t's variance for ``df <= 2``, say).
        """
        return None

    def _lacks(self, statistic):
        """Why the distribution has no ``statistic`` at all, or ``None`` if its class has it.

        A statistic exists when the class overrides the base method that computes it
        (``std`` from ``var``, ``median``, ``interval`` and ``quantiles`` from ``ppf``,
        ``sf`` from ``cdf``).
        """
        base = {"std": "var", "median": "ppf", "interval": "ppf", "quantiles": "ppf",
                "sf": "cdf"}.get(statistic, statistic)

        def own(name):
            return getattr(type(self), name, None) is not getattr(Distribution, name, None)

        if base not in _BASE_STATISTICS or own(statistic) or own(base):
            return None
        what = {"var": "variance", "std": "standard deviation", "ppf": "quantile function",
                "quantiles": "quantiles", "interval": "intervals"}
        offers = [name + "()" for name in _BASE_STATISTICS if own(name)]
        return (
            f"{type(self).__name__} has no {what.get(statistic, statistic)}; it offers "
            f"{', '.join(offers + ['logpmf()' if self.discrete else 'logpdf()', 'rvs()'])}."
        )

    def _require_defined(self, *statistics):
        """Raise for the first statistic that this distribution lacks or leaves undefined.

        Raises
        ------
        UndefinedStatisticError
            If the distribution's class has no such statistic (a ranking's mean).
        ValueError
            If the statistic exists but is not finite for some row.
        """
        for statistic in statistics:
            missing = self._lacks(statistic)
            if missing is not None:
                raise UndefinedStatisticError(missing)
            problem = self._undefined(statistic)
            if problem is not None:
                raise ValueError(problem)

    def mode(self):
        """The most probable value of each distribution (the recipe's point prediction)."""
        raise UndefinedStatisticError(self._lacks("mode"))

    def median(self):
        """Median of each distribution."""
        return self.ppf(0.5)

    def ppf(self, q):
        """Quantile function (inverse of :meth:`cdf`), broadcast against the rows."""
        raise UndefinedStatisticError(self._lacks("ppf"))

    def cdf(self, y):
        """Cumulative distribution function at ``y``."""
        raise UndefinedStatisticError(self._lacks("cdf"))

    def sf(self, y):
        """Survival function ``1 - cdf(y)``."""
        return 1.0 - self.cdf(y)

    # -- densities -----------------------------------------------------------
    def _logdensity(self, y):
        """:meth:`log_density` in float64 on these parameters; ``-inf`` outside the support.

        :meth:`log_density` itself need only be right inside the support (where
        training targets lie): the zero density outside is applied here, once.
        """
        params = {name: _as_tensor(value) for name, value in self._params.items()}
        with torch.no_grad():
            value = type(self).log_density(params, _as_tensor(y)).numpy()
        if self.support is not None and not (self.support.labels or self.support.joint):
            y = np.asarray(y, dtype=np.float64)
            value = np.where(self.support.outside(y) & ~np.isnan(y), -np.inf, value)
        return value

    def logpdf(self, y):
        """Log density at ``y``, one value per row (and output)."""
        if self.discrete:
            raise AttributeError(f"{type(self).__name__} is discrete: use logpmf.")
        return self._logdensity(self._check_y(y))

    def pdf(self, y):
        """Density at ``y``."""
        return np.exp(self.logpdf(y))

    def logpmf(self, y):
        """Log probability of ``y``, one value per row (and output)."""
        if not self.discrete:
            raise AttributeError(f"{type(self).__name__} is continuous: use logpdf.")
        return self._logdensity(self._check_y(y))

    def pmf(self, y):
        """Probability of ``y``."""
        return np.exp(self.logpmf(y))

    def log_likelihood(self, y):
        """Log-likelihood of each row's target, summed over independent outputs.

        Parameters
        ----------
        y : array-like
            Targets, shaped like the ``y`` the model was fitted on.

        Returns
        -------
        ndarray of shape (n_rows,)

        Raises
        ------
        TargetSupportError
            If a target lies outside the distribution's support (``logpdf``
            gives ``-inf`` there instead).
        """
        if is_censored(y):
            return self._censored_log_likelihood(y)
        y = self._check_y(y)
        self._refuse_outside_support(y)
        logp = self._logdensity(y)
        return logp.reshape(len(self), -1).sum(axis=1)

    def _refuse_outside_support(self, y):
        """:class:`TargetSupportError` for targets outside the support, as ``fit`` refuses them.

        Scores (``log_likelihood``, an estimator's ``score`` and ``nll``, the
        metrics) refuse such targets: their likelihood is 0 under every model
        of the family, so a score of ``-inf`` would say nothing about the model.
        :meth:`logpdf` and :meth:`logpmf` keep scipy's convention of ``-inf``
        there. Missing values are left to the scores' own checks.
        """
        support = self.support
        if support is None or support.labels or support.joint:
            return
        y = np.asarray(y, dtype=np.float64)
        bad = support.outside(y) & ~np.isnan(y)
        if bad.any():
            values = np.unique(y[bad])[:5].tolist()
            raise TargetSupportError(
                f"y has {int(bad.sum())} value(s) outside the support of "
                f"{type(self).__name__}, {support.description}, e.g. {values}; the model gives "
                f"them zero likelihood whatever it predicts, so they cannot be scored. "
                f"{support.advice_for(y, bad)}".strip()
            )

    def _check_y(self, y):
        y = np.asarray(y, dtype=np.float64)
        expected = self.batch_shape + self._event_shape()
        if y.shape != expected:
            if y.ndim == 2 and y.shape[1] == 1 and expected == y.shape[:1]:
                return y[:, 0]
            raise ValueError(
                f"y has shape {y.shape}; this distribution expects shape {expected}."
            )
        return y

    def _event_shape(self):
        return ()

    # -- sampling ------------------------------------------------------------
    def rvs(self, size=None, random_state=None):
        """Draw samples.

        Parameters
        ----------
        size : int or None, default=None
            Number of draws per row. ``None`` gives one draw per row, shaped like
            the rows; an integer ``m`` gives an array with a leading axis of
            length ``m``.
        random_state : int, RandomState instance or None, default=None
            Seed for reproducible draws.

        Returns
        -------
        ndarray
        """
        rng = check_random_state(random_state)
        shape = () if size is None else (int(size),)
        return self._sample(shape, rng)

    def _sample(self, shape, rng):
        u = rng.uniform(size=shape + self.batch_shape)
        return self.ppf(u)


#: The summaries a subclass may leave out; the base methods raise UndefinedStatisticError.
_BASE_STATISTICS = ("mean", "var", "mode", "ppf", "cdf")


class CenteredAtLoc:
    """Mixin for distributions symmetric and unimodal about their ``loc`` parameter.

    Their mean, median and mode are all ``loc`` (a copy).

    Examples
    --------
    >>> from skprob.families.laplace import LaplaceDistribution
    >>> LaplaceDistribution(loc=[1.0], scale=[2.0]).median()
    array([1.])
    """

    def mean(self):
        return self._params["loc"].copy()

    def mode(self):
        return self._params["loc"].copy()

    def median(self):
        return self._params["loc"].copy()


def _as_tensor(array):
    """A CPU tensor sharing ``array``'s memory where numpy allows (read-only ones are copied)."""
    array = np.asarray(array)
    if not array.flags.writeable:
        array = array.copy()
    return torch.from_numpy(np.ascontiguousarray(array))


class ScipyDistribution(Distribution):
    """A :class:`Distribution` whose summaries are delegated to a :mod:`scipy.stats` family.

    Subclasses name the scipy distribution and map their parameters to scipy's
    arguments in :meth:`_scipy`; moments, quantiles, the cdf and draws then agree
    with scipy exactly. The log-density is the distribution's own
    :meth:`~Distribution.log_density`, which the tests hold against scipy's.

    Examples
    --------
    >>> from skprob.families.poisson import PoissonDistribution
    >>> PoissonDistribution(rate=[2.0]).cdf([1])
    array([0.40600585])
    """

    def _scipy(self):
        raise NotImplementedError

    def mean(self):
        return self._scipy().mean()

    def var(self):
        return self._scipy().var()

    def median(self):
        return self._scipy().median()

    def ppf(self, q):
        return self._scipy().ppf(q)

    def cdf(self, y):
        return self._scipy().cdf(self._check_y(y))

    def sf(self, y):
        return self._scipy().sf(self._check_y(y))

    def _sample(self, shape, rng):
        return self._scipy().rvs(size=shape + self.batch_shape, random_state=rng)
