"""The estimator core: everything an estimator does that no family decides.

:class:`MLPDistributionEstimator` does everything that does not depend on the
distribution: input validation, the network, the training loop, batching at
prediction time, scoring by log-likelihood. A concrete estimator is a family
plus hyper-parameters: it only implements ``_make_family``.
"""

import copy
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

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
from ..network import ACTIVATIONS, DistributionNetwork, hidden_sizes
from ..training import TrainingConfig, train
from ._mixins import LikelihoodScoreMixin

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


class MLPDistributionEstimator(LikelihoodScoreMixin, BaseEstimator):
    """Base class: an MLP that predicts the parameters of a distribution family.

    Not used directly; see the concrete estimators. Subclasses implement
    ``_make_family`` and are registered in :data:`ESTIMATORS`.
    """

    _parameter_constraints: dict = {
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

    def __init__(
        self,
        *,
        depth=1,
        width=256,
        hidden_layer_sizes=None,
        activation="relu",
        dropout=0.0,
        weight_decay=0.0,
        solver="adam",
        learning_rate_init=1e-3,
        momentum=0.9,
        batch_size="auto",
        max_iter=200,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        tol=1e-4,
        scale_inputs=True,
        random_state=None,
        device="cpu",
        verbose=0,
        warm_start=False,
    ):
        self.depth = depth
        self.width = width
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.momentum = momentum
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.scale_inputs = scale_inputs
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.warm_start = warm_start

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_make_family" in cls.__dict__ and not cls.__name__.startswith("_"):
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
        raise NotImplementedError

    def _check_target(self, y, sample_weight):
        """Estimator-level target checks that need the sample weights."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        family = self._make_family()
        tags.target_tags.required = True
        tags.target_tags.multi_output = family.multi_output and not family.is_classifier
        tags.target_tags.single_output = not family.joint
        return tags

    # -- fitting ----------------------------------------------------------------
    @fit_context
    def fit(self, X, y, sample_weight=None):
        """Fit the network by minimising the mean negative log-likelihood.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Inputs.
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

    def _validate_fit_data(self, X, y):
        family = self._make_family()
        reset = not (self.warm_start and hasattr(self, "module_"))
        return validate_data(
            self,
            X,
            y,
            reset=reset,
            dtype=(np.float64, np.float32),
            multi_output=family.multi_output and not family.is_classifier,
            y_numeric=not family.is_classifier,
        )

    def _fit(self, X, y, sample_weight):
        output_names = list(map(str, y.columns)) if isinstance(y, pd.DataFrame) else None
        X, y = self._validate_fit_data(X, y)
        weights = None
        if sample_weight is not None:
            weights = check_sample_weight(sample_weight, X)
            if np.all(weights == weights[0]):
                weights = None  # equal weights leave the mean NLL unchanged
        self._check_target(y, weights)

        warm = self.warm_start and hasattr(self, "module_")
        # Warm starts keep the fitted family (its scaling and classes); transform_target
        # below checks the new targets against it before any training.
        family = self.family_ if warm else self._make_family().fit(y, weights)
        device = resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

        if warm:
            x_mean, x_scale = self.x_mean_, self.x_scale_
        elif self.scale_inputs:
            x_mean, x_scale = column_mean_std(X)
            x_scale[~(x_scale > 0)] = 1.0
        else:
            x_mean, x_scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
        Y = family.transform_target(y)

        train_idx, val_idx = self._split(len(X), Y if family.is_classifier else None, seed)
        if val_idx is not None and weights is not None and not weights[val_idx].sum() > 0:
            train_idx, val_idx = np.arange(len(X)), None  # nothing to monitor: use the training NLL
        to_tensor = lambda a, dtype: torch.as_tensor(a, dtype=dtype, device=device)  # noqa: E731
        def subset(idx):
            return (
                to_tensor(standardized_rows(X, idx, x_mean, x_scale), torch.float32),
                to_tensor(Y[idx], family.target_dtype),
                None if weights is None else to_tensor(weights[idx], torch.float32),
            )
        train_data = subset(train_idx)
        validation_data = subset(val_idx) if val_idx is not None else None
        n_train = len(train_idx)
        if self.batch_size == "full":
            batch_size = n_train
        elif self.batch_size == "auto":
            batch_size = min(AUTO_BATCH_SIZE, n_train)
        else:
            batch_size = min(int(self.batch_size), n_train)
        config = TrainingConfig(
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
        generator = torch.Generator().manual_seed(seed)
        rng_devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=rng_devices), training_threads(self._network_size(X)):
            torch.manual_seed(seed)
            if warm:
                # A copy, so that a failed continuation leaves the fitted model intact.
                module = copy.deepcopy(self.module_).to(device)
                previous = self.training_result_
            else:
                n_dependent, n_constant = family.n_raw_
                module = DistributionNetwork(
                    n_features=X.shape[1],
                    hidden=hidden_sizes(self.hidden_layer_sizes, self.depth, self.width),
                    n_dependent=n_dependent,
                    n_constant=n_constant,
                    initial_bias=family.initial_raw_,
                    activation=self.activation,
                    dropout=float(self.dropout),
                ).to(device)
                previous = None
            result = train(
                module,
                family.nll,
                train_data,
                validation_data,
                config=config,
                generator=generator,
                result=previous,
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
        if family.is_classifier:
            self.classes_ = family.classes_
        return self

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
        return validate_data(self, X, reset=False, dtype=(np.float64, np.float32))

    def _raw_params(self, X):
        """Linked parameters (standardised units) for every row, as float64 arrays."""
        return predict_params(self.module_, self.family_.link, X, self.x_mean_, self.x_scale_)

    def predict_dist(self, X):
        """Predicted distribution of the target for each row of ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

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
