"""The family part of the recipe: everything that knows one distribution.

A :class:`Family` says how many raw network outputs a target needs, which links
map raw outputs onto valid parameters, what the target's support is, where the
output bias starts (the best constant model), how to compute the negative
log-likelihood in torch, and which :class:`~skprob.distributions.Distribution`
to hand back to users. The network and the training loop only see raw outputs
and a per-row loss.

Concrete families register themselves by defining ``name``; modules in
``skprob/families/`` are imported automatically, so a new distribution is a new
file there.
"""

from typing import ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator

from ..distributions import Distribution
from ..exceptions import TargetSupportError

__all__ = [
    "FAMILIES",
    "Family",
    "inverse_softplus",
    "positive",
    "power_of_two_near",
    "weighted_mean_std",
    "weighted_quantile",
]

#: Registry of family classes by name, filled as family modules are imported.
FAMILIES: dict = {}

#: Floor added after softplus so that scale-like parameters never reach zero.
SCALE_FLOOR = 1e-6
#: Smallest positive normal double; below it (subnormal numbers) digits are lost.
_SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)
#: Rows used to refine the constant model at the start of a fit (evenly spaced).
_POLISH_MAX_ROWS = 100_000


def positive(raw: torch.Tensor, floor: float = SCALE_FLOOR) -> torch.Tensor:
    """Map raw outputs onto ``(floor, inf)`` with a softplus (smooth, no overflow).

    Examples
    --------
    >>> import torch
    >>> bool((positive(torch.tensor([-50.0, 0.0, 50.0])) > 0).all())
    True
    """
    return torch.nn.functional.softplus(raw) + floor


def inverse_softplus(value, floor: float = SCALE_FLOOR):
    """Raw value whose :func:`positive` is ``value`` (for starting biases).

    Examples
    --------
    >>> round(float(inverse_softplus(1.0)), 4)
    0.5413
    """
    value = np.maximum(np.asarray(value, dtype=np.float64) - floor, 1e-12)
    # log(expm1(v)) loses precision for large v, where softplus is the identity.
    return np.where(value > 20.0, value, np.log(np.expm1(np.minimum(value, 20.0))))


def power_of_two_near(value):
    """A power of two within a factor 2 of ``|value|`` (at least 2**-1074), elementwise.

    Dividing by it is exact, so numbers can be brought near one before they are
    squared (squares overflow beyond ~1e154) and scaled back without rounding.

    Examples
    --------
    >>> power_of_two_near([3.0, 1e300, 0.0])
    array([2.00000000e+000, 6.69692879e+299, 5.00000000e-001])
    """
    return np.ldexp(1.0, np.frexp(value)[1] - 1)


def weighted_mean_std(y, sample_weight):
    """Weighted mean and standard deviation of each column of ``y``, free of overflow.

    Each column is divided by a power of two near its largest magnitude first
    (an exact scaling): squares of values beyond ~1e154 overflow, while the
    standard deviation itself, at most the largest magnitude, is representable.
    The mean gets one corrective pass (the mean of the residuals), so that a
    constant column has a standard deviation of exactly 0, not its rounding error.

    Examples
    --------
    >>> import numpy as np
    >>> weighted_mean_std(np.array([[1.0], [3.0]]), np.ones(2))
    (array([2.]), array([1.]))
    >>> weighted_mean_std(np.array([[1e300], [3e300]]), np.ones(2))
    (array([2.e+300]), array([1.e+300]))
    """
    w = sample_weight / sample_weight.sum()
    magnitude = power_of_two_near(np.max(np.abs(y), axis=0, initial=0.0))
    unit = y / magnitude
    mean = w @ unit
    mean = mean + w @ (unit - mean)
    std = np.sqrt(w @ (unit - mean) ** 2)
    return mean * magnitude, std * magnitude


def weighted_quantile(y, sample_weight, q):
    """Weighted quantiles of each column of ``y`` (inverse of the weighted step cdf).

    The quantile at ``q`` is the smallest value whose cumulative weight share
    reaches ``q``; with equal weights this is numpy's ``inverted_cdf`` method.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_columns)
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights with a positive sum.
    q : array-like of shape (n_quantiles,)
        Probabilities in [0, 1].

    Returns
    -------
    ndarray of shape (n_quantiles, n_columns)

    Examples
    --------
    >>> import numpy as np
    >>> weighted_quantile(np.array([[1.0], [2.0], [10.0]]), np.array([1.0, 1.0, 2.0]), [0.5])
    array([[2.]])
    """
    y = np.asarray(y, dtype=np.float64)
    q = np.atleast_1d(np.asarray(q, dtype=np.float64))
    w = np.asarray(sample_weight, dtype=np.float64)
    out = np.empty((len(q), y.shape[1]))
    for j in range(y.shape[1]):
        order = np.argsort(y[:, j], kind="stable")
        cumulative = np.cumsum(w[order])
        # A small relative slack keeps q=0.5 on the lower of two equal halves.
        targets = q * cumulative[-1] * (1.0 - 1e-12)
        position = np.searchsorted(cumulative, targets, side="left")
        out[:, j] = y[order, j][np.minimum(position, len(order) - 1)]
    return out


class Family(BaseEstimator):
    """Base class of distribution families.

    Subclasses set the class attributes below and implement :meth:`link`,
    :meth:`_nll`, :meth:`_raw_layout` and :meth:`_initial_raw`; they may
    override :meth:`_validate` (the support check), :meth:`_scaling` (internal
    standardisation of the target) and :meth:`_to_original` (parameters back in
    the user's units). Constructor arguments are the family's options, stored
    unchanged as on any scikit-learn estimator.

    Attributes
    ----------
    n_outputs_ : int
        Number of target columns (or classes, for classifiers).
    loc_, scale_ : ndarray of shape (n_outputs,)
        Internal standardisation of the target: the network models
        ``(y - loc_) / scale_``.
    initial_raw_ : ndarray
        Raw outputs of the best constant model.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families import get_family
    >>> family = get_family("poisson").fit(np.array([0.0, 2.0, 4.0]))
    >>> family.n_raw_
    (1, 0)
    """

    #: Registry key; concrete families set it (and are registered by it).
    name: ClassVar = None
    #: Words for the support, used in error messages.
    support: ClassVar[str] = "real numbers"
    #: Whether the family models class labels.
    is_classifier: ClassVar[bool] = False
    #: Whether a 2-D target is modelled jointly (no per-output independence).
    joint: ClassVar[bool] = False
    #: Whether 2-D targets are allowed at all.
    multi_output: ClassVar[bool] = True
    #: torch dtype of the target tensor in the training loop.
    target_dtype: ClassVar = torch.float32
    #: Statistic that ``predict`` returns when ``prediction="auto"``: the mode, as the
    #: recipe says, unless it is uninformative for the family (an exponential's is 0).
    point_prediction: ClassVar[str] = "mode"
    #: The user-facing distribution class.
    distribution_class: ClassVar[type] = Distribution

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if name is None:
            return
        if name in FAMILIES and FAMILIES[name].__qualname__ != cls.__qualname__:
            raise ValueError(f"Two families are named {name!r}: {FAMILIES[name]} and {cls}.")
        FAMILIES[name] = cls

    # -- fitting on the target ------------------------------------------------
    def fit(self, y, sample_weight=None):
        """Check ``y`` against the support and learn the target's marginal.

        Parameters
        ----------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : ndarray of shape (n_samples,) or None

        Returns
        -------
        self
        """
        y = np.asarray(y)
        if y.ndim == 2 and not self.multi_output and y.shape[1] != 1:
            raise ValueError(
                f"The {self.name!r} family models a single target; y has {y.shape[1]} columns."
            )
        self.y_ndim_ = y.ndim
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        self._learn_support(y)
        y2 = self._validate(y)
        if y2.ndim == 1 and not self.is_classifier:
            y2 = y2[:, None]
        self.n_outputs_ = 1 if self.is_classifier else y2.shape[1]
        loc, scale = self._scaling(y2, w) if not self.is_classifier else (0.0, 1.0)
        self.loc_ = np.asarray(loc, dtype=np.float64)
        self.scale_ = np.asarray(scale, dtype=np.float64)
        self.log_jacobian_ = float(np.log(self.scale_).sum())
        self.n_raw_ = tuple(int(n) for n in self._raw_layout(self.n_outputs_))
        self.initial_raw_ = np.asarray(self._initial_raw(self._standardize(y2), w), float)
        expected = sum(self.n_raw_)
        if self.initial_raw_.shape != (expected,):
            raise RuntimeError(
                f"{type(self).__name__}._initial_raw returned shape {self.initial_raw_.shape}; "
                f"expected ({expected},)."
            )
        self.initial_raw_ = self._polish_constant_model(
            self.initial_raw_, self._standardize(y2), w
        )
        return self

    def _polish_constant_model(self, raw, y, sample_weight):
        """Refine a family's closed-form start to the exact constant-model optimum.

        Families start from moments or a few EM steps; a short float64 L-BFGS run on
        the weighted NLL of the constant model makes "training starts at the best
        intercept-only fit" hold for every family. The refinement is kept only if it
        is finite and no worse.
        """
        rows = np.linspace(0, len(y) - 1, min(len(y), _POLISH_MAX_ROWS)).astype(int)
        dtype = torch.long if self.target_dtype == torch.long else torch.float64
        target = torch.as_tensor(np.asarray(y)[rows], dtype=dtype)
        weight = torch.as_tensor(sample_weight[rows] / sample_weight[rows].sum())
        theta = torch.tensor(raw, dtype=torch.float64, requires_grad=True)

        def objective():
            return (self._nll(theta.expand(len(rows), -1), target) * weight).sum()

        with torch.enable_grad():
            optimizer = torch.optim.LBFGS(
                [theta], lr=1.0, max_iter=50, tolerance_grad=1e-12,
                tolerance_change=1e-14, line_search_fn="strong_wolfe",
            )

            def closure():
                optimizer.zero_grad()
                value = objective()
                value.backward()
                return value

            with torch.no_grad():
                start = float(objective())
            try:
                optimizer.step(closure)
            except (RuntimeError, ValueError):
                return raw
            with torch.no_grad():
                end = float(objective())
        polished = theta.detach().numpy()
        if np.isfinite(end) and end <= start and np.all(np.isfinite(polished)):
            return polished.copy()
        return raw

    def transform_target(self, y):
        """The target as the training loop sees it: checked, 2-D and standardised.

        Parameters
        ----------
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        ndarray of shape (n_samples, n_outputs) or (n_samples,) for classifiers

        Examples
        --------
        >>> import numpy as np
        >>> from skprob.families import get_family
        >>> family = get_family("normal").fit(np.array([1.0, 3.0]))
        >>> family.transform_target(np.array([1.0, 3.0])).ravel()
        array([-1.,  1.])
        """
        y2 = self._validate(np.asarray(y))
        if y2.ndim == 1 and not self.is_classifier:
            y2 = y2[:, None]
        return self._standardize(y2)

    def _standardize(self, y2):
        if self.is_classifier:
            return y2
        return (y2 - self.loc_) / self.scale_

    # -- hooks for subclasses -------------------------------------------------
    def _learn_support(self, y):
        """Learn what the support check needs from the training target (e.g. the classes)."""

    def _validate(self, y):
        """``y`` as a float array; :class:`TargetSupportError` outside the support."""
        return np.asarray(y, dtype=np.float64)

    def _scaling(self, y, sample_weight):
        """Location and scale used to standardise ``y`` internally (identity by default)."""
        n = y.shape[1]
        return np.zeros(n), np.ones(n)

    def _raw_layout(self, n_outputs):
        """``(n_dependent, n_constant)`` raw outputs for ``n_outputs`` target columns."""
        raise NotImplementedError

    def _initial_raw(self, y, sample_weight):
        """Raw outputs of the best constant model, for the standardised target ``y``."""
        raise NotImplementedError

    def link(self, raw: torch.Tensor) -> dict:
        """Map raw network outputs to distribution parameters (standardised units)."""
        raise NotImplementedError

    def _nll(self, raw: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per-row negative log-likelihood of the standardised target."""
        raise NotImplementedError

    def _to_original(self, params: dict) -> dict:
        """Parameters (numpy) from standardised back to the user's units."""
        return params

    def _distribution_options(self) -> dict:
        """Extra keyword arguments for :attr:`distribution_class`."""
        return {}

    @classmethod
    def example_target(cls, n_samples, random_state=None):
        """A valid target of ``n_samples`` rows, for examples and the generic test suite.

        Parameters
        ----------
        n_samples : int
        random_state : int, Generator or None

        Returns
        -------
        ndarray
        """
        raise NotImplementedError(f"{cls.__name__} does not define example_target.")

    # -- used by the estimators -----------------------------------------------
    def nll(self, raw: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per-row negative log-likelihood in the user's units.

        Parameters
        ----------
        raw : Tensor of shape (n, n_raw)
            Network outputs.
        y : Tensor
            Target rows as returned by :meth:`transform_target`.

        Returns
        -------
        Tensor of shape (n,)
        """
        return self._nll(raw, y) + self.log_jacobian_

    def distribution(self, params: dict, index=None, output_names=None):
        """Build the user-facing distribution from linked parameters.

        Parameters
        ----------
        params : dict of ndarray
            Output of :meth:`link`, as float64 numpy arrays.
        index : pandas.Index or None
            Row labels to keep.
        output_names : list of str or None
            Names of the target columns.

        Returns
        -------
        Distribution
        """
        params = self._to_original(params)
        if self.y_ndim_ == 1 and not self.joint and not self.is_classifier:
            params = {k: v[:, 0] for k, v in params.items()}
        return self.distribution_class(
            index=index, output_names=output_names, **params, **self._distribution_options()
        )

    def _refuse_subnormal(self, y):
        """:class:`TargetSupportError` for training targets with ``0 < |y| < 2.2e-308``.

        Such subnormal numbers are inside a positive support but carry too few
        digits to fit on: divided by the target's mean they round to 0 (or lose
        their digits), and a scale fitted to them underflows to 0. Scoring them is
        fine; only a fit refuses them.
        """
        y = np.asarray(y, dtype=np.float64)
        bad = (y != 0) & (np.abs(y) < _SMALLEST_NORMAL)
        if bad.any():
            values = np.unique(y[bad])[:5]
            raise TargetSupportError(
                f"The {self.name!r} family cannot be fitted on subnormal targets: y has "
                f"{int(bad.sum())} value(s) between 0 and {_SMALLEST_NORMAL:.4g} (the smallest "
                f"normal double), e.g. {values.tolist()}. Expected targets of at least "
                f"{_SMALLEST_NORMAL:.4g}: rescale y into that range (e.g. multiply it by "
                "1e300; the predicted distributions are then in those units)."
            )

    def _support_error(self, y, bad, expected):
        values = np.unique(np.asarray(y)[bad])[:5]
        return TargetSupportError(
            f"The {self.name!r} family needs y in {self.support}; {int(np.sum(bad))} "
            f"value(s) are not, e.g. {values.tolist()}. {expected}".strip()
        )

