"""What a fit tells its user when it ends: warnings and the closing ``verbose`` line.

Kept apart from the training loop, which only reports numbers: this module
decides what deserves a warning.

* scikit-learn's :class:`~sklearn.exceptions.ConvergenceWarning` when training
  ran ``max_iter`` epochs without meeting the stopping rule;
* :class:`~skprob.exceptions.DivergenceWarning` when the kept weights' training
  NLL ends more than :data:`DIVERGENCE_NATS` nats per row above where training
  started, measured on the same rows (a loss that grew, finite but huge, under
  too large a learning rate). Non-finite losses remain a
  :class:`~skprob.exceptions.DivergenceError`, raised by the loop itself;
* with ``verbose``, one line saying why training stopped and whose weights were kept.
"""

import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning

from .exceptions import DivergenceWarning
from .training import evaluate

__all__ = ["DIVERGENCE_NATS", "PROBE_ROWS", "TrainingProbe", "report_training"]

#: Rise of the training NLL (nats per row, start to end) that counts as divergence: the
#: kept weights give the training rows e times less likelihood than the starting ones.
DIVERGENCE_NATS = 1.0
#: Training rows (evenly spaced) on which the NLL is measured before and after training.
PROBE_ROWS = 4096


class TrainingProbe:
    """The training NLL on a fixed set of rows, measured before and after training.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Linear(1, 1)
    >>> loss = lambda raw, y: (raw[:, 0] - y) ** 2
    >>> probe = TrainingProbe((torch.zeros(8, 1), torch.zeros(8), None))
    >>> probe.loss(net, loss) >= 0
    True
    """

    def __init__(self, train_data):
        X, Y, W = train_data
        n = len(X)
        rows = torch.as_tensor(
            np.unique(np.linspace(0, n - 1, min(n, PROBE_ROWS)).astype(np.int64)),
            device=Y.device,
        )
        self.data = (
            # sparse inputs stay sparse: evaluation densifies them chunk by chunk
            X.subset(rows) if hasattr(X, "subset") else X.index_select(0, rows),
            Y.index_select(0, rows),
            None if W is None else W.index_select(0, rows),
        )

    def loss(self, module, loss_fn):
        """Mean NLL of these rows under ``module`` (eval mode, no gradients)."""
        return evaluate(module, loss_fn, *self.data)


def report_training(estimator, result, start_loss, end_loss, *, max_iter, monitors_validation):
    """Warn about a fit that did not converge or diverged; print the closing ``verbose`` line.

    Parameters
    ----------
    estimator : MLPDistributionEstimator
        The estimator being fitted (for its name and hyper-parameters).
    result : TrainingResult
    start_loss, end_loss : float
        Training NLL of the probe rows before and after training (kept weights).
    max_iter : int
        Epochs this fit could run.
    monitors_validation : bool
        Whether stopping and the kept weights followed a validation NLL.

    Examples
    --------
    >>> import warnings
    >>> from skprob import HeteroscedasticRegressor
    >>> from skprob.training import TrainingResult
    >>> result = TrainingResult(train_loss=[1.0, 0.9], n_iter=2, best_epoch=2, converged=True)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error")
    ...     report_training(HeteroscedasticRegressor(), result, 1.2, 0.9, max_iter=2,
    ...                     monitors_validation=False)
    """
    name = type(estimator).__name__
    monitored = "validation" if monitors_validation else "training"
    if result.converged:
        why = (
            f"the {monitored} NLL did not improve by tol={estimator.tol:g} for "
            f"n_iter_no_change={estimator.n_iter_no_change} epochs"
        )
    else:
        why = f"max_iter={max_iter} epochs were run before the {monitored} NLL stopped improving"
        warnings.warn(
            f"{name}: training stopped at max_iter={max_iter} epochs before the {monitored} "
            f"NLL stopped improving (by tol={estimator.tol:g} for "
            f"n_iter_no_change={estimator.n_iter_no_change} epochs). Increase max_iter, or "
            "raise learning_rate_init if the loss was still falling steadily.",
            ConvergenceWarning,
            stacklevel=5,
        )
    if monitors_validation and result.validation_loss:
        kept = (
            f"kept the weights of epoch {result.best_epoch} (best validation NLL "
            f"{min(result.validation_loss):.4f})"
        )
    else:
        kept = f"kept the weights of the last epoch, {result.n_iter}"
    diverged = np.isfinite(start_loss) and end_loss > start_loss + DIVERGENCE_NATS
    if diverged:
        warnings.warn(
            f"{name}: training diverged: the training NLL ended at {end_loss:.4g} nats per row, "
            f"far above the {start_loss:.4g} it started from (learning_rate_init="
            f"{estimator.learning_rate_init:g}). The predictions are worse than a constant "
            "model's; use a smaller learning_rate_init (the default is 1e-3), and keep "
            "scale_inputs=True.",
            DivergenceWarning,
            stacklevel=5,
        )
    if estimator.verbose:
        print(
            f"Training stopped after epoch {result.n_iter}: {why}; {kept}; training NLL "
            f"{start_loss:.4f} at the start, {end_loss:.4f} with the kept weights"
            + (" (diverged)." if diverged else "."),
            flush=True,
        )
