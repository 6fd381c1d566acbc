"""The network part of the recipe: an MLP trunk and an output layer.

The network maps inputs to the raw outputs of a distribution family. It knows
nothing about distributions: a family only tells it how many raw outputs depend
on ``x`` and how many are free constants (for example one log-scale per output
of a homoscedastic model), and what the output bias should start at.
"""

import numbers
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["ACTIVATIONS", "DistributionNetwork", "build_network", "hidden_sizes"]

#: Activation names accepted by every estimator, mapped to their torch modules.
ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "logistic": nn.Sigmoid,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
    "identity": nn.Identity,
}


def hidden_sizes(hidden_layer_sizes, depth, width):
    """Resolve the hidden-layer sizes from explicit sizes or from depth and width.

    Parameters
    ----------
    hidden_layer_sizes : sequence of int or None
        Explicit sizes; when given, ``depth`` and ``width`` are ignored.
    depth : int
        Number of hidden layers (0 gives a generalised linear model).
    width : int
        Units in each hidden layer.

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> hidden_sizes(None, depth=2, width=64)
    (64, 64)
    >>> hidden_sizes([100, 20], depth=2, width=64)
    (100, 20)
    """
    if hidden_layer_sizes is None:
        return (_layer_size(width, "width"),) * int(depth)
    problem = (
        f"hidden_layer_sizes must be a sequence of positive integers; got {hidden_layer_sizes!r}"
    )
    if isinstance(hidden_layer_sizes, (str, bytes, dict, set)):
        raise TypeError(f"{problem}, a {type(hidden_layer_sizes).__name__}.")
    try:
        entries = np.asarray(hidden_layer_sizes, dtype=object)
    except (TypeError, ValueError):
        raise TypeError(f"{problem}.") from None
    if entries.ndim > 1:
        raise ValueError(f"{problem}, nested {entries.ndim} deep; give one size per layer.")
    return tuple(_layer_size(size, f"hidden_layer_sizes[{i}]", problem)
                 for i, size in enumerate(entries.reshape(-1)))


#: Units a layer may have: torch indexes a layer's weights with 64-bit integers, and no
#: machine holds a layer wider than this with even one input.
MAX_LAYER_SIZE = 2**31 - 1


def _layer_size(size, name, problem=None):
    """``size`` as a Python int in ``[1, MAX_LAYER_SIZE]``, or an error naming ``name``."""
    problem = problem or f"{name} must be a positive integer"
    if isinstance(size, (bool, np.bool_)) or not isinstance(size, numbers.Real):
        raise TypeError(f"{problem}: {name} is {size!r}, a {type(size).__name__}.")
    if not isinstance(size, numbers.Integral) and not (np.isfinite(size) and size == int(size)):
        raise ValueError(f"{problem}: {name} is {size!r}, not a whole number.")
    if not 1 <= size <= MAX_LAYER_SIZE:
        raise ValueError(
            f"{problem}: {name} is {size!r}, outside [1, {MAX_LAYER_SIZE}] units per layer."
        )
    return int(size)


def build_network(spec, initial_bias=None):
    """The network a fit trains, or that loading a saved model fills, from its description.

    Parameters
    ----------
    spec : dict
        ``n_features``, ``hidden`` (hidden-layer sizes), ``n_dependent``,
        ``n_constant``, ``activation`` and ``dropout``, as an estimator records
        them in its ``network_spec_``.
    initial_bias : array-like or None, default=None
        Starting raw outputs; zeros when ``None`` (weights about to be loaded).

    Returns
    -------
    DistributionNetwork

    Examples
    --------
    >>> spec = {"n_features": 2, "hidden": [4], "n_dependent": 1, "n_constant": 1,
    ...         "activation": "relu", "dropout": 0.0}
    >>> build_network(spec).head.out_features
    1
    """
    n_raw = int(spec["n_dependent"]) + int(spec["n_constant"])
    return DistributionNetwork(
        n_features=int(spec["n_features"]),
        hidden=[int(size) for size in spec["hidden"]],
        n_dependent=int(spec["n_dependent"]),
        n_constant=int(spec["n_constant"]),
        initial_bias=np.zeros(n_raw) if initial_bias is None else initial_bias,
        activation=spec["activation"],
        dropout=float(spec["dropout"]),
    )


class DistributionNetwork(nn.Module):
    """MLP whose output is the raw parameter vector of a distribution family.

    The output has ``n_dependent + n_constant`` columns: the first
    ``n_dependent`` come from a linear layer on the last hidden layer, the
    remaining ``n_constant`` are learned constants shared by all rows. The
    output weights start at zero and the biases at ``initial_bias`` so that an
    untrained network is the best constant (intercept-only) model.

    Parameters
    ----------
    n_features : int
        Number of input features.
    hidden : sequence of int
        Sizes of the hidden layers; empty for a linear model.
    n_dependent : int
        Number of raw outputs that depend on the input.
    n_constant : int
        Number of raw outputs that are constants.
    initial_bias : array-like of shape (n_dependent + n_constant,)
        Starting value of the raw outputs.
    activation : str, default="relu"
        A key of :data:`ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.

    Examples
    --------
    >>> import torch
    >>> net = DistributionNetwork(3, (8, 8), n_dependent=2, n_constant=1,
    ...                           initial_bias=[0.0, 1.0, -1.0])
    >>> net(torch.zeros(5, 3)).shape
    torch.Size([5, 3])
    """

    def __init__(
        self,
        n_features: int,
        hidden: Sequence[int],
        n_dependent: int,
        n_constant: int,
        initial_bias,
        activation: str = "relu",
        dropout: float = 0.0,
    ):
        super().__init__()
        layers = []
        n_in = n_features
        for size in hidden:
            layers.append(nn.Linear(n_in, size))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            n_in = size
        self.trunk = nn.Sequential(*layers)
        bias = torch.as_tensor(np.asarray(initial_bias, dtype=np.float32))
        self.head = nn.Linear(n_in, n_dependent)
        with torch.no_grad():
            self.head.weight.zero_()
            self.head.bias.copy_(bias[:n_dependent])
        self.constant = nn.Parameter(bias[n_dependent:].clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw outputs for a batch, in the dtype of ``x``.

        The weights are float32; a float64 batch (used at prediction time, so that
        results do not depend on batching) is run with float64 copies of them.
        """
        if x.dtype == self.head.weight.dtype:
            out = self.head(self.trunk(x))
            constant = self.constant
        else:
            steps, head, constant = self._weights_as(x.dtype)
            for function, arguments in steps:
                x = function(x, *arguments)
            out = nn.functional.linear(x, *head)
        if constant.numel():
            out = torch.cat([out, constant.expand(out.shape[0], -1)], dim=1)
        return out

    def _weights_as(self, dtype):
        """Copies of the weights in ``dtype``, remade only after the weights change.

        Casting on every call would dominate the latency of one-row predictions.
        """
        cache = self.__dict__.setdefault("_cast_cache", {})
        cached = cache.get(dtype)
        # Valid while the same parameter tensors hold the same values (in-place updates
        # bump a tensor's version; replacing a parameter changes the head's weight object).
        if cached is not None and cached[0][0] is self.head.weight:
            params, versions, weights = cached
            if tuple(p._version for p in params) == versions:
                return weights
        params = list(self.parameters())
        with torch.no_grad():
            cast = lambda layer: (layer.weight.to(dtype), layer.bias.to(dtype))  # noqa: E731
            # Activations and dropout are called through ``forward``: nn.Module's call
            # machinery (hooks) costs more than a one-row matrix product.
            steps = [
                (nn.functional.linear, cast(layer))
                if isinstance(layer, nn.Linear)
                else (layer.forward, ())
                for layer in self.trunk
            ]
            weights = (steps, cast(self.head), self.constant.to(dtype))
        params.insert(0, self.head.weight)
        cache[dtype] = (params, tuple(p._version for p in params), weights)
        return weights

    def __getstate__(self):
        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__
        return {k: v for k, v in state.items() if k != "_cast_cache"}
