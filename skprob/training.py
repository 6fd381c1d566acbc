"""The training part of the recipe: minimise the mean negative log-likelihood.

The loop sees a torch module, a per-row loss function and tensors already in
memory. Batches are slices of one shuffled copy per epoch (no DataLoader, no
numpy round trips); a non-finite loss rolls the weights back and retries with a
smaller learning rate; early stopping restores the best weights. It knows no
distribution family.
"""

import copy
import math
import time
from dataclasses import dataclass, field

import torch

from .exceptions import DivergenceError

__all__ = ["TrainingConfig", "TrainingResult", "train"]

#: How many times a diverged epoch is retried, each with the learning rate divided by 10.
MAX_RECOVERIES = 3
#: Rows per chunk when evaluating a loss without gradients.
EVAL_CHUNK = 65536


@dataclass
class TrainingConfig:
    """Optimiser and stopping settings of one fit.

    Examples
    --------
    >>> TrainingConfig(solver="sgd", learning_rate=0.01).momentum
    0.9
    """

    solver: str = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch_size: int = 256
    max_iter: int = 200
    n_iter_no_change: int = 20
    tol: float = 1e-4
    verbose: int = 0


@dataclass
class TrainingResult:
    """What a fit produced besides the weights.

    Examples
    --------
    >>> TrainingResult().n_iter
    0
    """

    train_loss: list = field(default_factory=list)
    validation_loss: list = field(default_factory=list)
    n_iter: int = 0
    best_epoch: int = 0
    learning_rate: float = 0.0
    converged: bool = False


def _make_optimizer(module, config, learning_rate):
    params = [p for p in module.parameters() if p.requires_grad]
    if config.solver in ("adam", "adamw"):
        optimizer_class = torch.optim.Adam if config.solver == "adam" else torch.optim.AdamW
        # The fused kernel updates all tensors in one call: the loop's main cost for small MLPs.
        fused = params[0].device.type in ("cpu", "cuda")
        return optimizer_class(
            params, lr=learning_rate, weight_decay=config.weight_decay, fused=fused
        )
    if config.solver == "sgd":
        return torch.optim.SGD(
            params,
            lr=learning_rate,
            momentum=config.momentum,
            nesterov=config.momentum > 0,
            weight_decay=config.weight_decay,
        )
    if config.solver == "lbfgs":
        return torch.optim.LBFGS(
            params, lr=learning_rate, max_iter=20, history_size=20, line_search_fn="strong_wolfe"
        )
    raise ValueError(f"Unknown solver {config.solver!r}.")


def _weighted_mean(loss, weight):
    if weight is None:
        return loss.mean()
    return (loss * weight).sum() / weight.sum()


@torch.no_grad()
def evaluate(module, loss_fn, X, Y, W):
    """Weighted mean loss over all rows, in chunks, without gradients.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Linear(1, 1)
    >>> loss = lambda raw, y: (raw[:, 0] - y) ** 2
    >>> evaluate(net, loss, torch.zeros(4, 1), torch.zeros(4), None) >= 0
    True
    """
    was_training = module.training
    module.eval()
    total = torch.zeros((), dtype=torch.float64, device=X.device)
    # Inputs densified on demand (sparse X) say how many rows one dense chunk may hold.
    chunk = getattr(X, "row_chunk", EVAL_CHUNK)
    for start in range(0, len(X), chunk):
        stop = start + chunk
        loss = loss_fn(module(X[start:stop]), Y[start:stop]).double()
        total += loss.sum() if W is None else (loss * W[start:stop]).sum()
    module.train(was_training)
    denominator = len(X) if W is None else float(W.sum())
    return float(total) / denominator if denominator > 0 else math.nan


def _run_epoch(module, loss_fn, optimizer, X, Y, W, config, generator):
    n = len(X)
    if config.solver == "lbfgs" or config.batch_size >= n:
        batches = [(X, Y, W)]
    else:
        order = torch.randperm(n, generator=generator).to(X.device)
        # Gathering each batch (rather than a shuffled copy of the data per epoch)
        # keeps the training data at one copy in memory.
        batches = (
            (
                X.index_select(0, idx),
                Y.index_select(0, idx),
                None if W is None else W.index_select(0, idx),
            )
            for idx in order.split(config.batch_size)
        )
    batch_losses, batch_weights = [], []
    for xb, yb, wb in batches:
        if wb is not None and not bool(wb.sum() > 0):
            continue  # rows of zero weight carry no likelihood: no step to take
        if config.solver == "lbfgs":
            def closure(xb=xb, yb=yb, wb=wb):
                optimizer.zero_grad(set_to_none=True)
                value = _weighted_mean(loss_fn(module(xb), yb), wb)
                value.backward()
                return value

            loss = optimizer.step(closure)
        else:
            optimizer.zero_grad(set_to_none=True)
            loss = _weighted_mean(loss_fn(module(xb), yb), wb)
            loss.backward()
            optimizer.step()
        batch_losses.append(loss.detach())
        batch_weights.append(len(xb) if wb is None else wb.sum())
    # One synchronisation per epoch, not per batch.
    weights = torch.as_tensor(batch_weights, dtype=torch.float64) if W is None else torch.stack(
        batch_weights
    ).double()
    losses = torch.stack(batch_losses).double()
    return float((losses * weights.to(losses.device)).sum() / weights.sum())


def train(module, loss_fn, train_data, validation_data=None, *, config, generator, result=None):
    """Fit ``module`` by minimising the weighted mean of ``loss_fn`` over rows.

    Parameters
    ----------
    module : torch.nn.Module
        Maps a batch of inputs to raw outputs.
    loss_fn : callable
        ``loss_fn(raw, y)`` returns the per-row loss (a 1-D tensor).
    train_data : tuple (X, Y, W)
        Tensors on the module's device; ``W`` may be ``None``.
    validation_data : tuple (X, Y, W) or None
        When given, stopping and the kept weights follow the validation loss.
    config : TrainingConfig
    generator : torch.Generator
        Source of the batch order.
    result : TrainingResult or None
        Previous result to continue (warm start).

    Returns
    -------
    TrainingResult

    Raises
    ------
    DivergenceError
        If the loss stays non-finite after :data:`MAX_RECOVERIES` retries.

    Examples
    --------
    >>> import torch
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> net = torch.nn.Linear(1, 1)
    >>> X = torch.linspace(-1, 1, 64)[:, None]
    >>> Y = 3 * X[:, 0]
    >>> loss = lambda raw, y: (raw[:, 0] - y) ** 2
    >>> config = TrainingConfig(learning_rate=0.1, batch_size=16, max_iter=100)
    >>> out = train(net, loss, (X, Y, None), config=config, generator=torch.Generator())
    >>> out.train_loss[-1] < 1e-3
    True
    """
    X, Y, W = train_data
    result = TrainingResult() if result is None else copy.deepcopy(result)
    learning_rate = config.learning_rate
    optimizer = _make_optimizer(module, config, learning_rate)
    monitor_validation = validation_data is not None
    best_loss = math.inf
    best_state = None
    stall = 0
    recoveries = 0
    epoch_offset = result.n_iter
    module.train()
    epoch = 0
    while epoch < config.max_iter:
        start_time = time.perf_counter()
        good_state = copy.deepcopy(module.state_dict())
        train_loss = _run_epoch(module, loss_fn, optimizer, X, Y, W, config, generator)
        val_loss = evaluate(module, loss_fn, *validation_data) if monitor_validation else None
        if not math.isfinite(train_loss) or (val_loss is not None and not math.isfinite(val_loss)):
            if recoveries >= MAX_RECOVERIES:
                module.load_state_dict(good_state)
                which, value = (
                    ("training", train_loss) if not math.isfinite(train_loss)
                    else ("validation", val_loss)
                )
                raise DivergenceError(
                    f"Training diverged: the {which} NLL became {value} in epoch "
                    f"{epoch_offset + epoch + 1} even after lowering the learning rate from "
                    f"{config.learning_rate:g} to {learning_rate:g}. Use a smaller "
                    "learning_rate_init, keep scale_inputs=True, or check X and y for extreme "
                    "values."
                )
            module.load_state_dict(good_state)
            recoveries += 1
            learning_rate /= 10.0
            optimizer = _make_optimizer(module, config, learning_rate)
            if config.verbose:
                print(f"Non-finite loss in epoch {epoch_offset + epoch + 1}: weights restored, "
                      f"learning rate lowered to {learning_rate:g}.", flush=True)
            continue
        epoch += 1
        result.train_loss.append(train_loss)
        if monitor_validation:
            result.validation_loss.append(val_loss)
        monitored = val_loss if monitor_validation else train_loss
        if monitored < best_loss - config.tol:
            best_loss = monitored
            stall = 0
            result.best_epoch = epoch_offset + epoch
            if monitor_validation:
                best_state = copy.deepcopy(module.state_dict())
        else:
            stall += 1
        if config.verbose:
            val_text = f" | validation NLL {val_loss:.4f}" if monitor_validation else ""
            print(
                f"Epoch {epoch_offset + epoch:4d}/{epoch_offset + config.max_iter} | "
                f"train NLL {train_loss:.4f}{val_text} | "
                f"{time.perf_counter() - start_time:.2f} s",
                flush=True,
            )
        if stall >= config.n_iter_no_change:
            result.converged = True
            break
    if best_state is not None:
        module.load_state_dict(best_state)
    module.eval()
    result.n_iter = epoch_offset + epoch
    result.learning_rate = learning_rate
    return result
