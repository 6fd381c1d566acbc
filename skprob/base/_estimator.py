"""The estimator core: everything an estimator does that no family decides.

:class:`MLPDistributionEstimator` validates the inputs, fits the family on the
target, builds the network, runs the training loop, predicts in batches and
scores by log-likelihood. A concrete estimator is a declaration: a docstring,
the family it trains (``family``, with fixed ``family_options``) and, as
annotated class attributes, the family options it exposes as hyper-parameters.
Hyper-parameters are declared as dataclass fields, so every estimator's
``__init__`` (which only stores its arguments, as scikit-learn requires) is
written once, here, and type checkers and IDEs see each signature.
"""

import copy
from dataclasses import KW_ONLY, dataclass, fields
from numbers import Integral, Real
from typing import ClassVar, dataclass_transform

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_consistent_length

from .._compat import (
    Interval,
    StrOptions,
    check_is_fitted,
    check_sample_weight,
    fit_context,
    validate_data,
)
from .._runtime import (
    column_mean_std,
    predict_params,
    resolve_device,
    standardized_rows,
    training_threads,
    validation_split,
)
from .._sparse import StandardizedRows, is_sparse
from .._training_report import TrainingProbe, report_training
from .._validation import relative_weights
from ..censoring import is_censored
from ..exceptions import TargetSupportError
from ..network import ACTIVATIONS, build_network, hidden_sizes
from ..training import TrainingConfig, train
from ._incremental import IncrementalFitMixin
from ._mixins import LikelihoodScoreMixin
from ._warm_start import check_continuation

__all__ = ["ESTIMATORS", "MLPDistributionEstimator", "all_estimators", "resolve_device"]

#: Registry of public estimator classes by name, filled as they are defined.
ESTIMATORS: dict = {}

#: Batch size of ``batch_size="auto"``.
AUTO_BATCH_SIZE = 256


def all_estimators():
    """All public skprob estimator classes, sorted by name.

    Returns
    -------
    list of type

    Examples
    --------
    >>> from skprob import all_estimators
    >>> "PoissonMLPRegressor" in [cls.__name__ for cls in all_estimators()]
    True
    """
    return [ESTIMATORS[name] for name in sorted(ESTIMATORS)]


def _declare_hyperparameters(cls):
    """Turn the annotated class attributes of ``cls`` into its ``__init__`` (a dataclass).

    ``repr`` and ``eq`` stay scikit-learn's (``BaseEstimator.__repr__``, identity).
    """
    return dataclass(cls, repr=False, eq=False)


@dataclass_transform()
class _DeclaredHyperparameters:
    """Marks, for type checkers, that subclasses' annotated attributes are ``__init__`` fields."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _declare_hyperparameters(cls)


class MLPDistributionEstimator(
    IncrementalFitMixin, LikelihoodScoreMixin, BaseEstimator, _DeclaredHyperparameters
):
    """Base class: an MLP that predicts the parameters of a distribution family.

    Not used directly; see the concrete estimators. A subclass names the family
    it trains in ``family`` (options it fixes in ``family_options``) and is
    registered in :data:`ESTIMATORS`; annotated class attributes whose names are
    options of the family become hyper-parameters passed on to it.
    """

    #: The family class this estimator trains; concrete estimators set it.
    family: ClassVar = None
    #: Family options the estimator fixes (not hyper-parameters).
    family_options: ClassVar[dict] = {}

    _parameter_constraints: ClassVar[dict] = {
        "depth": [Interval(Integral, 0, None, closed="left")],
        "width": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [None, "array-like"],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "solver": [StrOptions({"adam", "adamw", "sgd", "lbfgs"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "batch_size": [StrOptions({"auto", "full"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "scale_inputs": ["boolean"],
        "random_state": ["random_state"],
        "device": [str],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    _: KW_ONLY
    depth: int = 1
    width: int = 256
    hidden_layer_sizes: object = None
    activation: str = "relu"
    dropout: float = 0.0
    weight_decay: float = 0.0
    solver: str = "adam"
    learning_rate_init: float = 1e-3
    momentum: float = 0.9
    batch_size: object = "auto"
    max_iter: int = 200
    early_stopping: bool = True
    validation_fraction: float = 0.1
    n_iter_no_change: int = 20
    tol: float = 1e-4
    scale_inputs: bool = True
    random_state: object = None
    device: str = "cpu"
    verbose: int = 0
    warm_start: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = {f.name for f in fields(cls)} - {f.name for f in fields(MLPDistributionEstimator)}
        family_constraints = getattr(cls.family, "_parameter_constraints", {})
        if own & set(family_constraints):
            cls._parameter_constraints = {
                **cls._parameter_constraints,
                **{name: family_constraints[name] for name in own & set(family_constraints)},
            }
        declares = "family" in cls.__dict__ or "_make_family" in cls.__dict__
        if declares and not cls.__name__.startswith("_"):
            ESTIMATORS[cls.__name__] = cls

    def __getstate__(self):
        state = super().__getstate__()
        module = state.get("module_")
        if module is not None and next(module.parameters()).device.type != "cpu":
            # A model trained on a GPU must unpickle on a machine without one.
            state = dict(state, module_=copy.deepcopy(module).cpu())
        return state

    def _make_family(self):
        """The (unfitted) distribution family this estimator trains."""
        if self.family is None:
            raise NotImplementedError(f"{type(self).__name__} names no family.")
        options = {
            name: getattr(self, name)
            for name in self.family._get_param_names()
            if name in {f.name for f in fields(self)}
        }
        return self.family(**self.family_options, **options)

    def _check_target(self, y, sample_weight):
        """Estimator-level target checks that need the sample weights."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        family = self._make_family()
        support = family.support
        tags.target_tags.required = True
        tags.target_tags.multi_output = family.multi_output
        tags.target_tags.single_output = not support.joint
        tags.target_tags.positive_only = support.positive_only
        tags.input_tags.sparse = True
        return tags

    # -- fitting ----------------------------------------------------------------
    @fit_context
    def fit(self, X, y, sample_weight=None):
        """Fit the network by minimising the mean negative log-likelihood.

        Parameters
        ----------
        X : array-like, sparse matrix or DataFrame of shape (n_samples, n_features)
            Inputs. A sparse (CSR or CSC) X is densified one batch of rows at a
            time, never whole (except for a full batch: ``batch_size="full"`` or
            ``solver="lbfgs"``).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, inside the family's support.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in the likelihood.

        Returns
        -------
        self
            The fitted estimator.
        """
        # A failed fit must not leave a half-fitted estimator behind.
        previous_state = dict(self.__dict__)
        try:
            self._fit(X, y, sample_weight)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(previous_state)
            raise
        return self

    def _continues(self):
        """Whether this fit continues the previous one (``warm_start`` on a fitted model)."""
        return self.warm_start and hasattr(self, "module_")

    def _validate_fit_data(self, X, y):
        family = self._make_family()
        support = family.support
        if is_censored(y):
            # A censored target is a structured array of bounds, checked by the family;
            # X is validated alone and must have one row per target row.
            X = validate_data(self, X, reset=not self._continues(),
                              accept_sparse=("csr", "csc"), dtype=(np.float64, np.float32))
            y = np.asarray(y)
            check_consistent_length(X, y)
            return X, y
        return validate_data(
            self,
            X,
            y,
            reset=not self._continues(),
            accept_sparse=("csr", "csc"),
            dtype=(np.float64, np.float32),
            # A single-output family takes a column y with scikit-learn's warning.
            multi_output=family.multi_output and not support.labels,
            y_numeric=not support.labels,
        )

    def _fit(self, X, y, sample_weight):
        output_names = list(map(str, y.columns)) if isinstance(y, pd.DataFrame) else None
        X, y = self._validate_fit_data(X, y)
        if is_sparse(X) and X.format != "csr":
            X = X.tocsr()  # batches take rows: a copy of the stored entries, never dense
        weights = self._fit_weights(sample_weight, X)
        self._check_target(y, weights)
        family, Y = self._fit_target(y, weights)
        x_mean, x_scale = self._fit_input_scaling(X)
        device = resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        train_data, validation_data = self._training_tensors(
            X, Y, weights, family, x_mean, x_scale, device, seed
        )
        generator = torch.Generator().manual_seed(seed)
        rng_devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=rng_devices), training_threads(self._network_size(X)):
            torch.manual_seed(seed)
            module, previous = self._start_network(family, X.shape[1], device)
            probe = TrainingProbe(train_data)
            start_loss = probe.loss(module, family.nll)
            result = train(
                module,
                family.nll,
                train_data,
                validation_data,
                config=self._training_config(len(train_data[0])),
                generator=generator,
                result=previous,
            )
            end_loss = probe.loss(module, family.nll)
        report_training(
            self, result, start_loss, end_loss, max_iter=int(self.max_iter),
            monitors_validation=validation_data is not None,
        )

        self.module_ = module
        self.family_ = family
        self.device_ = device
        self.x_mean_ = x_mean
        self.x_scale_ = x_scale
        self.output_names_ = output_names
        self.training_result_ = result
        self.loss_curve_ = list(result.train_loss)
        self.validation_loss_curve_ = list(result.validation_loss)
        self.best_validation_loss_ = (
            min(result.validation_loss) if result.validation_loss else None
        )
        self.n_iter_ = result.n_iter
        # A fit starts afresh: a later partial_fit builds a new optimiser.
        self.__dict__.pop("_optimizer_state", None)
        self.__dict__.pop("_batch_rng_state", None)
        if family.is_classifier:
            self.classes_ = family.classes_
        return self

    # -- the named steps of a fit --------------------------------------------------
    @staticmethod
    def _fit_weights(sample_weight, X):
        """Validated weights relative to the largest, or ``None`` when absent or all equal."""
        if sample_weight is None:
            return None
        # Only ratios matter: scaled into (0, 1] in float64, they survive the float32 cast.
        weights = relative_weights(check_sample_weight(sample_weight, X))
        return None if np.all(weights == weights[0]) else weights  # same mean NLL

    def _fit_target(self, y, weights):
        """The fitted family and the target as training sees it, each made once.

        A warm start keeps the fitted family (its scaling and classes) and only
        checks the new targets against it.
        """
        if self._continues():
            check_continuation(self, y)
            try:
                return self.family_, self.family_.transform_target(y)
            except TargetSupportError as err:
                if not self.family_.is_classifier:
                    raise
                raise TargetSupportError(
                    f"{err} warm_start=True continues the fitted model, which keeps its "
                    "classes; set warm_start=False to fit a model on the new labels."
                ) from None
        family = self._make_family()
        return family, family.fit_transform(y, weights)

    def _fit_input_scaling(self, X):
        """Per-column mean and scale that training and prediction both apply to X."""
        if self._continues():
            return self.x_mean_, self.x_scale_
        if not self.scale_inputs:
            return np.zeros(X.shape[1]), np.ones(X.shape[1])
        x_mean, x_scale = column_mean_std(X)
        x_scale[~(x_scale > 0)] = 1.0
        return x_mean, x_scale

    def _training_tensors(self, X, Y, weights, family, x_mean, x_scale, device, seed):
        """Training and validation tensors on ``device``: the one float32 copy of X."""
        n_samples = X.shape[0]
        train_idx, val_idx = self._split(n_samples, Y if family.is_classifier else None, seed)
        if val_idx is not None and weights is not None and not (
            weights[val_idx].sum() > 0 and weights[train_idx].sum() > 0
        ):
            # Nothing to monitor, or nothing to train on: use every row, and the training NLL.
            train_idx, val_idx = np.arange(n_samples), None
        # Sparse rows are densified batch by batch, unless the one batch is every row.
        config = self._training_config(len(train_idx))
        per_batch = is_sparse(X) and config.solver != "lbfgs" and config.batch_size < len(train_idx)

        def tensor(array, dtype):
            return torch.as_tensor(array, dtype=dtype, device=device)

        def inputs(idx):
            if per_batch:
                return StandardizedRows(X, idx, x_mean, x_scale, device)
            return tensor(standardized_rows(X, idx, x_mean, x_scale), torch.float32)

        def subset(idx):
            return (
                inputs(idx),
                tensor(Y[idx], family.target_dtype),
                None if weights is None else tensor(weights[idx], torch.float32),
            )

        return subset(train_idx), (subset(val_idx) if val_idx is not None else None)

    def _start_network(self, family, n_features, device):
        """The network to train and the training history it continues (``None`` if new)."""
        if self._continues():
            # A copy, so that a failed continuation leaves the fitted model intact.
            return copy.deepcopy(self.module_).to(device), self.training_result_
        self.network_spec_ = {
            "n_features": int(n_features),
            "hidden": list(hidden_sizes(self.hidden_layer_sizes, self.depth, self.width)),
            "n_dependent": int(family.n_raw_[0]),
            "n_constant": int(family.n_raw_[1]),
            "activation": self.activation,
            "dropout": float(self.dropout),
        }
        module = build_network(self.network_spec_, initial_bias=family.initial_raw_)
        return module.to(device), None

    def _training_config(self, n_train):
        if self.batch_size == "full":
            batch_size = n_train
        elif self.batch_size == "auto":
            batch_size = min(AUTO_BATCH_SIZE, n_train)
        else:
            batch_size = min(int(self.batch_size), n_train)
        return TrainingConfig(
            solver=self.solver,
            learning_rate=float(self.learning_rate_init),
            momentum=float(self.momentum),
            weight_decay=float(self.weight_decay),
            batch_size=batch_size,
            max_iter=int(self.max_iter),
            n_iter_no_change=int(self.n_iter_no_change),
            tol=float(self.tol),
            verbose=int(self.verbose),
        )

    def _network_size(self, X):
        """Number of weights of the hidden layers (what decides whether threads pay off)."""
        sizes = (X.shape[1], *hidden_sizes(self.hidden_layer_sizes, self.depth, self.width))
        return sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))

    def _split(self, n_samples, codes, seed):
        """Training and validation row indices (no validation set without early stopping)."""
        fraction = self.validation_fraction if self.early_stopping else 0.0
        return validation_split(n_samples, fraction, codes, seed)

    # -- prediction -------------------------------------------------------------
    def _validate_predict_data(self, X):
        check_is_fitted(self, "module_")
        # Fast path for the common case (a finite float array of the right width, model
        # fitted without column names): the same outcome as validate_data at a fraction
        # of its cost, which dominates one-row latency. Anything else takes the full check.
        if (
            type(X) is np.ndarray
            and X.ndim == 2
            and X.dtype in (np.float32, np.float64)
            and X.shape[0] > 0
            and X.shape[1] == self.n_features_in_
            and not hasattr(self, "feature_names_in_")
            and np.isfinite(X).all()
        ):
            return X
        return validate_data(
            self, X, reset=False, accept_sparse=("csr", "csc"), dtype=(np.float64, np.float32)
        )

    def _raw_params(self, X):
        """Linked parameters (scaled units) for every row, as float64 arrays."""
        return predict_params(self.module_, self.family_.link, X, self.x_mean_, self.x_scale_)

    def predict_dist(self, X):
        """Predicted distribution of the target for each row of ``X``.

        Parameters
        ----------
        X : array-like, sparse matrix or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        Distribution
            One distribution per row, with ``mean``, ``var``, ``std``, ``mode``,
            ``median``, ``ppf``, ``interval``, ``cdf``, ``logpdf``/``logpmf``,
            ``rvs``, slicing and ``to_frame`` (which keeps a DataFrame's index).
        """
        index = X.index if isinstance(X, pd.DataFrame) else None
        X = self._validate_predict_data(X)
        return self.family_.distribution(
            self._raw_params(X), index=index, output_names=self.output_names_
        )

