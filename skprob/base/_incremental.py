"""``partial_fit``: training on data that arrive in chunks, as ``MLPRegressor.partial_fit`` does.

The first call fixes everything ``fit`` learns from the data besides the
weights: the family's target scaling and classes (classifiers take every class
in ``classes=``), the input scaling and the network. Every call then runs one
pass (one epoch of mini-batches) over its chunk with an optimiser whose state
(Adam's moments) carries over between calls. There is no validation split and
no early stopping: the caller decides when to stop, as with any incremental
learner. The optimiser state and the batch-order generator are kept as plain
tensors, so the estimator pickles between calls (as Dask-ML's ``Incremental``
needs).
"""

import numpy as np
import pandas as pd
import torch
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets

from .._compat import validate_data
from .._runtime import resolve_device, standardized_rows, training_threads
from .._sparse import StandardizedRows, is_sparse
from ..exceptions import DivergenceError, TargetSupportError
from ..training import TrainingResult, _make_optimizer, _run_epoch

__all__ = ["IncrementalFitMixin"]


class IncrementalFitMixin:
    """The logic of ``partial_fit``, shared by regressors and classifiers.

    Examples
    --------
    >>> from skprob.base import MLPDistributionEstimator
    >>> issubclass(MLPDistributionEstimator, IncrementalFitMixin)
    True
    """

    def _partial_fit(self, X, y, sample_weight, classes):
        first = not hasattr(self, "module_")
        previous_state = dict(self.__dict__)
        try:
            self._partial_fit_step(X, y, sample_weight, classes, first)
        except BaseException:
            # A failed call must not leave a half-updated estimator behind.
            self.__dict__.clear()
            self.__dict__.update(previous_state)
            raise
        return self

    def _partial_fit_step(self, X, y, sample_weight, classes, first):
        support = self._make_family().support
        output_names = list(map(str, y.columns)) if isinstance(y, pd.DataFrame) else None
        X, y = validate_data(
            self, X, y, reset=first, accept_sparse=("csr", "csc"),
            dtype=(np.float64, np.float32), multi_output=not support.labels,
            y_numeric=not support.labels,
        )
        if support.labels:
            check_classification_targets(y)
        if is_sparse(X) and X.format != "csr":
            X = X.tocsr()
        weights = self._fit_weights(sample_weight, X)
        if first:
            self._start_incremental(X, y, weights, classes)
            self.output_names_ = output_names
            Y = self.family_.transform_target(y)
        else:
            self._check_same_classes(classes)
            Y = self.family_.transform_target(y)
        self._incremental_epoch(X, Y, weights)

    def _start_incremental(self, X, y, weights, classes):
        """Fix the family, the input scaling and the network from the first chunk."""
        family = self._make_family()
        if family.is_classifier:
            if classes is None:
                raise ValueError(
                    f"classes=None on the first call to {type(self).__name__}.partial_fit; "
                    "expected every class label the model will see (a chunk may lack some), "
                    "e.g. partial_fit(X, y, classes=np.unique(y_all))."
                )
            classes = np.unique(np.asarray(classes))
            unknown = np.setdiff1d(np.unique(y), classes)
            if len(unknown):
                raise TargetSupportError(
                    f"y contains labels that are not in classes={classes.tolist()}: "
                    f"{unknown[:5].tolist()}."
                )
            # Each class counted once more (add-one smoothing) in the starting point only,
            # so that classes absent from the first chunk start with a positive probability.
            w = np.ones(len(y)) if weights is None else weights
            family.fit_transform(np.concatenate([y, classes]),
                                 np.concatenate([w, np.ones(len(classes))]))
        else:
            family.fit_transform(y, weights)
        self.family_ = family
        self.x_mean_, self.x_scale_ = self._fit_input_scaling(X)
        self.device_ = resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        self._batch_rng_state = torch.Generator().manual_seed(seed).get_state()
        with torch.random.fork_rng(devices=self._rng_devices()):
            torch.manual_seed(seed)
            self.module_, _ = self._start_network(family, X.shape[1], self.device_)
        self.training_result_ = TrainingResult(learning_rate=float(self.learning_rate_init))
        self._optimizer_state = None
        if family.is_classifier:
            self.classes_ = family.classes_

    def _check_same_classes(self, classes):
        if classes is None or not hasattr(self, "classes_"):
            return
        if not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(
                f"classes={np.unique(classes).tolist()} differs from the classes of the first "
                f"call to partial_fit, {self.classes_.tolist()}; pass the same classes or none."
            )

    def _rng_devices(self):
        device = self.device_
        return [device.index or 0] if device.type == "cuda" else []

    def _incremental_epoch(self, X, Y, weights):
        """One pass of mini-batches over this chunk, continuing the optimiser."""
        family, module, device = self.family_, self.module_, self.device_
        n = X.shape[0]
        rows = np.arange(n)
        config = self._training_config(n)
        per_batch = is_sparse(X) and config.solver != "lbfgs" and config.batch_size < n
        inputs = (
            StandardizedRows(X, rows, self.x_mean_, self.x_scale_, device) if per_batch
            else torch.as_tensor(standardized_rows(X, rows, self.x_mean_, self.x_scale_),
                                 dtype=torch.float32, device=device)
        )
        data = (
            inputs,
            torch.as_tensor(Y, dtype=family.target_dtype, device=device),
            None if weights is None else torch.as_tensor(weights, dtype=torch.float32,
                                                         device=device),
        )
        generator = torch.Generator()
        state = getattr(self, "_batch_rng_state", None)
        if state is None:  # partial_fit after fit: a fresh batch order from random_state
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
            state = torch.Generator().manual_seed(seed).get_state()
        generator.set_state(state)
        optimizer = _make_optimizer(module, config, config.learning_rate)
        if getattr(self, "_optimizer_state", None) is not None:
            optimizer.load_state_dict(self._optimizer_state)
        dropout_seed = int(torch.randint(np.iinfo(np.int32).max, (1,), generator=generator))
        good_state = {k: v.clone() for k, v in module.state_dict().items()}
        with torch.random.fork_rng(devices=self._rng_devices()), training_threads(
            self._network_size(X)
        ):
            torch.manual_seed(dropout_seed)
            module.train()
            loss = _run_epoch(module, family.nll, optimizer, *data, config, generator)
            module.eval()
        # The float64 copies that prediction caches are stale now: fused optimisers
        # update the weights in place without bumping their tensor versions.
        module.__dict__.pop("_cast_cache", None)
        if not np.isfinite(loss):
            module.load_state_dict(good_state)
            raise DivergenceError(
                f"partial_fit diverged: the training NLL of this chunk became {loss}; the weights "
                f"of the previous call were restored. Use a smaller learning_rate_init (now "
                f"{self.learning_rate_init:g}), or check X and y for extreme values."
            )
        self._optimizer_state = optimizer.state_dict()
        self._batch_rng_state = generator.get_state()
        result = self.training_result_
        result.train_loss.append(loss)
        result.n_iter += 1
        result.best_epoch = result.n_iter
        self.loss_curve_ = list(result.train_loss)
        self.validation_loss_curve_ = []
        self.best_validation_loss_ = None
        self.n_iter_ = result.n_iter
