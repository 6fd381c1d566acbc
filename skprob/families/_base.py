"""The family part of the recipe: one distribution, declared.

A family declares

* ``support``: the set the target lives in (a :mod:`~skprob.families._support`
  object, by default its distribution's), which checks targets, words errors
  and sets scikit-learn's tags;
* ``params`` (or :meth:`Family.parameters`): the parameters the network
  predicts, each a :class:`Parameter` with a link (a
  :mod:`~skprob.families._links` object), whether it depends on ``x`` and its
  shape per row;
* :meth:`Family.initial_params`: the best constant model, from the marginal of
  the target, where training starts;
* ``distribution_class``: the user-facing :class:`~skprob.distributions.Distribution`,
  whose one torch log-density is the training loss (float32) and the score
  (float64);
* optionally ``target_scaling`` (how the target is brought near one) and
  :meth:`Family.distribution_params` (when the network's parameters are not the
  distribution's, e.g. a gamma predicted by its mean and shape).

Everything else (the raw output layout, links, the loss, the starting bias,
units) is done here once. The network and the training loop only see raw
outputs and a per-row loss. Concrete families register themselves by defining
``name``; modules in ``skprob/families/`` are imported automatically, so a new
distribution is a new file there.
"""

import inspect
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator

from ..censoring import is_censored
from ..distributions import Distribution
from ._censored import censored_log_likelihood, censored_rows, single_counts
from ._constant_fit import polish_constant_model
from ._discreteness import rounding_floor, warn_if_few_values, with_rounding_floor
from ._links import Link
from ._numerics import power_of_two_near, weighted_mean_std, weighted_quantile
from ._scaling import TargetScaling
from ._support import RealLine, Support

__all__ = [
    "FAMILIES",
    "Family",
    "Parameter",
    "power_of_two_near",
    "weighted_mean_std",
    "weighted_quantile",
]

#: Registry of family classes by name, filled as family modules are imported.
FAMILIES: dict = {}



@dataclass(frozen=True)
class Parameter:
    """One parameter the network predicts, declared.

    Parameters
    ----------
    link : Link
        Maps raw network outputs onto the parameter's range.
    depends_on_x : bool, default=True
        Whether the parameter is a network output (a function of ``x``) or one
        learned constant shared by all rows.
    shape : tuple of int or None, default=None
        Shape of the parameter for one row; ``None`` is one value per target
        column, ``(n_outputs,)``.
    start_range : tuple of float or None, default=None
        Bounds on the parameter's starting value. The constant model is refined
        to its optimum; where a bound binds, the parameter is clipped and the
        others are refitted around it.

    Examples
    --------
    >>> from skprob.families._base import Parameter
    >>> from skprob.families._links import Softplus
    >>> Parameter(Softplus(), depends_on_x=False).depends_on_x
    False
    """

    link: Link
    depends_on_x: bool = True
    shape: tuple | None = None
    start_range: tuple | None = None


class Family(BaseEstimator):
    """Base class of distribution families: declarations in, raw outputs and losses out.

    Subclasses set ``name``, ``support``, ``distribution_class`` and ``params``
    (or override :meth:`parameters`) and implement :meth:`initial_params` and
    :meth:`example_target`. Constructor arguments are the family's options,
    stored unchanged as on any scikit-learn estimator.

    Attributes
    ----------
    n_outputs_ : int
        Number of target columns (1 for classifiers).
    loc_, scale_ : ndarray of shape (n_outputs,)
        Target scaling: the network models ``(y - loc_) / scale_``.
    log_jacobian_ : float
        ``sum(log(scale_))``, added to the standardised NLL.
    n_raw_ : tuple of int
        Raw network outputs that depend on ``x`` and that are constants.
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
    #: The set the target lives in: the distribution's own support unless declared here.
    support: ClassVar[Support] = RealLine()
    #: The parameters the network predicts, by name (see :meth:`parameters`).
    params: ClassVar[dict] = {}
    #: How the target is brought near one before training.
    target_scaling: ClassVar[TargetScaling] = TargetScaling()
    #: Statistic that ``predict`` returns when ``prediction="auto"``: the mode, as the
    #: recipe says, unless it is uninformative for the family (an exponential's is 0).
    point_prediction: ClassVar[str] = "mode"
    #: The user-facing distribution class, which holds the log-density.
    distribution_class: ClassVar[type] = Distribution
    #: Whether ``DistributionRegressor(distribution="auto")`` proposes this family for a
    #: target in its support; a family whose likelihood is not comparable with the
    #: others' (or that has a hyper-parameter to search) sets it to False.
    proposed_by_auto: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "support" not in cls.__dict__ and getattr(cls.distribution_class, "support", None):
            cls.support = cls.distribution_class.support
        name = cls.__dict__.get("name")
        if name is not None and cls.__doc__ and "Examples" not in cls.__doc__:
            # Every family is reached through the registry by its name.
            cls.__doc__ = inspect.cleandoc(cls.__doc__) + (
                f"\n\nExamples\n--------\n>>> from skprob.families import get_family\n"
                f">>> get_family({name!r})\n{cls.__name__}()\n"
            )
        if name is None:
            return
        if name in FAMILIES and FAMILIES[name].__qualname__ != cls.__qualname__:
            raise ValueError(f"Two families are named {name!r}: {FAMILIES[name]} and {cls}.")
        FAMILIES[name] = cls

    # -- traits, from the support ---------------------------------------------------
    @property
    def is_classifier(self):
        """Whether the family models class labels."""
        return self.support.labels

    @property
    def joint(self):
        """Whether the columns of a 2-D target are modelled jointly."""
        return self.support.joint

    @property
    def multi_output(self):
        """Whether 2-D targets are allowed (every family but the classifiers)."""
        return not self.support.labels

    @property
    def target_dtype(self):
        """torch dtype of the target in the training loop: codes for labels and orderings."""
        return torch.long if self.support.discrete and (self.support.labels or self.joint) \
            else torch.float32

    # -- declarations a family makes ------------------------------------------------
    def parameters(self):
        """The declared parameters, by name, in the order of the raw outputs.

        Called once the support is learned and ``n_outputs_`` is known, so a
        family whose shapes depend on its options or on the classes overrides it.
        """
        return dict(self.params)

    def _fitted_parameters(self):
        """:meth:`parameters`, the scale floor raised on a coarse grid (``scale_floor_``)."""
        return with_rounding_floor(self.parameters(), getattr(self, "scale_floor_", None))

    def initial_params(self, y, sample_weight):
        """The best constant model's parameters (numpy), for the scaled 2-D target ``y``."""
        raise NotImplementedError

    def distribution_params(self, params):
        """The distribution's parameters (torch) from the network's (identity by default)."""
        return params

    def check_fit_target(self, y, sample_weight):
        """Further refusals of the (checked, 2-D, unscaled) training target ``y``.

        Called once the support has passed it and ``loc_`` and ``scale_`` are set.
        """

    def learn_target(self, y, sample_weight):
        """Fitted state (attributes ending in ``_``) a family learns from the scaled target.

        Called once per fit on the target as training sees it, before the raw
        outputs are laid out and the constant model is fitted: a family whose
        likelihood needs more than the network's outputs (a histogram's bin
        edges, say) learns it here. Returns a dict of attribute names to values;
        nothing by default.
        """
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

    # -- fitting on the target --------------------------------------------------------
    def fit(self, y, sample_weight=None):
        """Check ``y`` against the support and learn the target's scaling and marginal.

        Parameters
        ----------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : ndarray of shape (n_samples,) or None

        Returns
        -------
        self
        """
        self.fit_transform(y, sample_weight)
        return self

    def fit_transform(self, y, sample_weight=None):
        """:meth:`fit`, returning the target as the training loop sees it (one pass over y).

        Returns
        -------
        ndarray
            Scaled 2-D target, or codes for labels.
        """
        self.censored_ = is_censored(y)
        steps = {}
        if self.censored_ and self.support.discrete:
            y, self.censored_ = single_counts(y, self.support, self.name), False
        y = np.asarray(y)
        if y.ndim == 2 and not self.multi_output and y.shape[1] != 1:
            raise ValueError(
                f"The {self.name!r} family models a single target; y has {y.shape[1]} columns."
            )
        self.y_ndim_ = y.ndim
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        if self.censored_:
            # The scaling and the start come from a point inside each row's interval;
            # the polished start and the training use the censored likelihood.
            rows = censored_rows(y, self.support, self.name, self.distribution_class)
            checked = rows[:, 2:3]
        else:
            for attribute, value in self.support.learn(y, self).items():
                setattr(self, attribute, value)
            checked = self._as_2d(self.support.check(y, self))
            if not (self.support.discrete or self.support.labels or self.support.joint):
                steps = warn_if_few_values(checked, self.name)
        self.n_outputs_ = 1 if self.is_classifier else checked.shape[1]
        if self.is_classifier:
            loc, scale = np.zeros(1), np.ones(1)
        else:
            loc, scale = self.target_scaling.fit(checked, w, self)
        self.loc_ = np.asarray(loc, dtype=np.float64)
        self.scale_ = np.asarray(scale, dtype=np.float64)
        self.log_jacobian_ = float(np.log(self.scale_).sum()) if not self.is_classifier else 0.0
        self.scale_floor_ = rounding_floor(steps, self.scale_)
        self.check_fit_target(checked, w)
        scaled = self._scale(checked)
        for attribute, value in self.learn_target(scaled, w).items():
            setattr(self, attribute, value)
        target = self._scale_rows(rows) if self.censored_ else scaled
        self._lay_out()
        self.initial_raw_ = self._polish_constant_model(
            self._raw_from_params(self.initial_params(scaled, w)), target, w
        )
        return target

    def transform_target(self, y):
        """The target as the training loop sees it: checked, 2-D and scaled.

        Parameters
        ----------
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        ndarray of shape (n_samples, n_outputs), or codes for labels

        Examples
        --------
        >>> import numpy as np
        >>> from skprob.families import get_family
        >>> family = get_family("normal").fit(np.array([1.0, 3.0]))
        >>> family.transform_target(np.array([1.0, 3.0])).ravel()
        array([-1.,  1.])
        """
        if is_censored(y) and self.support.discrete:
            y = single_counts(y, self.support, self.name)
        if is_censored(y):
            if not getattr(self, "censored_", False):
                raise ValueError(
                    f"The {self.name!r} family was fitted on an exact target; refit it on the "
                    "censored one (warm_start=False) rather than continuing."
                )
            return self._scale_rows(
                censored_rows(y, self.support, self.name, self.distribution_class)
            )
        if getattr(self, "censored_", False):
            raise ValueError(
                f"The {self.name!r} family was fitted on a censored target; give y as one "
                "too (skprob.censoring.interval_censored(y, y) marks every row exact)."
            )
        return self._scale(self._as_2d(self.support.check(np.asarray(y), self)))

    def _scale_rows(self, rows):
        """Censored rows ``(lower, upper, point)`` in the scaled units (infinite bounds stay)."""
        return (rows - self.loc_[0]) / self.scale_[0]

    def _as_2d(self, y):
        return y[:, None] if y.ndim == 1 and not self.is_classifier else y

    def _scale(self, y2):
        if self.is_classifier:
            return y2
        return (y2 - self.loc_) / self.scale_

    # -- the raw output layout ----------------------------------------------------------
    def _shape(self, parameter):
        return (self.n_outputs_,) if parameter.shape is None else tuple(parameter.shape)

    def _lay_out(self):
        """Place each parameter's raw block: those that depend on x first (the network's
        head), then the constants, each group in declaration order."""
        declared = self._fitted_parameters()
        order = [n for n, p in declared.items() if p.depends_on_x]
        order += [n for n, p in declared.items() if not p.depends_on_x]
        layout, start = [], 0
        for name in order:
            raw_shape = declared[name].link.raw_shape(self._shape(declared[name]))
            stop = start + math.prod(raw_shape)
            layout.append((name, start, stop, raw_shape))
            start = stop
        self.layout_ = layout
        n_dependent = sum(stop - begin for name, begin, stop, _ in layout
                          if declared[name].depends_on_x)
        self.n_raw_ = (n_dependent, start - n_dependent)

    def _raw_from_params(self, values):
        declared = self._fitted_parameters()
        blocks = []
        for name, _, _, raw_shape in self.layout_:
            value = np.broadcast_to(np.asarray(values[name], dtype=np.float64),
                                    self._shape(declared[name]))
            blocks.append(np.asarray(declared[name].link.inverse(value)).reshape(raw_shape))
        return np.concatenate([block.ravel() for block in blocks])

    def network_params(self, raw):
        """The network's parameters (torch) from raw outputs of shape (n, n_raw)."""
        declared = self._fitted_parameters()
        n = raw.shape[0]
        return {
            name: declared[name].link.forward(raw[:, start:stop].reshape((n,) + raw_shape))
            for name, start, stop, raw_shape in self.layout_
        }

    def link(self, raw):
        """The distribution's parameters (torch, scaled units) from raw outputs.

        Parameters
        ----------
        raw : Tensor of shape (n, n_raw)

        Returns
        -------
        dict of Tensor
        """
        return self.distribution_params(self.network_params(raw))

    # -- the loss -------------------------------------------------------------------------
    def _scaled_nll(self, raw, y):
        if getattr(self, "censored_", False):
            return -censored_log_likelihood(self.distribution_class, self.link(raw), y)
        log_density = self.distribution_class.log_density(self.link(raw), y)
        return -log_density.reshape(raw.shape[0], -1).sum(dim=1)

    def nll(self, raw, y):
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
        if getattr(self, "censored_", False):
            # Only densities change with the units; interval probabilities do not.
            return self._scaled_nll(raw, y) + self.log_jacobian_ * (y[:, 0] == y[:, 1])
        return self._scaled_nll(raw, y) + self.log_jacobian_

    # -- the starting point -----------------------------------------------------------
    def _polish_constant_model(self, raw, y, sample_weight):
        """Refine the family's closed-form start to the exact constant-model optimum."""
        return polish_constant_model(self, raw, y, sample_weight)

    # -- the user-facing distribution ---------------------------------------------------
    def distribution(self, params, index=None, output_names=None):
        """Build the user-facing distribution from linked parameters.

        Parameters
        ----------
        params : dict of ndarray
            Output of :meth:`link`, as float64 numpy arrays (scaled units).
        index : pandas.Index or None
            Row labels to keep.
        output_names : list of str or None
            Names of the target columns.

        Returns
        -------
        Distribution
        """
        params = self.to_original(params)
        if self.y_ndim_ == 1 and not self.joint and not self.is_classifier:
            params = {k: v[:, 0] for k, v in params.items()}
        options = {"classes": self.classes_} if self.is_classifier else {}
        return self.distribution_class(
            index=index, output_names=output_names, **params, **options
        )

    def to_original(self, params):
        """Distribution parameters (numpy) from scaled back to the user's units.

        Each parameter follows ``y = loc_ + scale_ * z`` as its distribution
        declares (``param_units``): a location is scaled and shifted, a scale is
        scaled, anything else is unchanged. The first axis after the rows
        indexes the target's columns.
        """
        units = self.distribution_class.param_units
        out = {}
        for name, value in params.items():
            unit = units.get(name)
            if unit is None or self.is_classifier:
                out[name] = value
                continue
            trailing = (1,) * (value.ndim - 2)
            scaled = value * self.scale_.reshape((-1,) + trailing)
            out[name] = scaled + self.loc_.reshape((-1,) + trailing) if unit == "location" \
                else scaled
        return out

