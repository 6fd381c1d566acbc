"""Links: the maps from unconstrained network outputs onto a parameter's valid range.

Each link is a small object with ``forward`` (torch, raw output to parameter),
``inverse`` (numpy, parameter to raw output, used to start the output bias at
the best constant model) and ``range`` (what the parameter may be), as
scikit-learn's ``_loss/link.py`` does. A link may read a block of raw outputs
that is shaped differently from the parameter it makes (a Cholesky factor from
its lower triangle): :meth:`Link.raw_shape` says how many raw outputs it needs.
"""

import math

import numpy as np
import torch

__all__ = [
    "LOG_BOUND",
    "SCALE_FLOOR",
    "CholeskyFactor",
    "Exp",
    "Identity",
    "Link",
    "LogSoftmax",
    "OrderedCutpoints",
    "Softplus",
    "inverse_softplus",
    "positive",
]

#: Floor added after softplus so that scale-like parameters never reach zero.
SCALE_FLOOR = 1e-6
#: Bound on a log-linked raw output: ``exp`` of it neither overflows nor underflows
#: float32 (about 2.4e17 and 4.2e-18), whatever the optimiser does to the raw value.
LOG_BOUND = 40.0


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


class Link:
    """Base class: an elementwise map from the real line onto a parameter's range.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skprob.families._links import Softplus
    >>> link = Softplus()
    >>> raw = link.inverse(np.array([0.5, 3.0]))
    >>> link.forward(torch.as_tensor(raw)).numpy().round(6)
    array([0.5, 3. ])
    """

    #: Words for the range of the parameter, for documentation and messages.
    range = "the real numbers"

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        """The parameter for raw outputs ``raw`` (torch, any dtype and device)."""
        raise NotImplementedError

    def inverse(self, value: np.ndarray) -> np.ndarray:
        """Raw outputs (float64 numpy) whose :meth:`forward` is ``value``."""
        raise NotImplementedError

    def raw_shape(self, shape: tuple) -> tuple:
        """Shape of the raw block one row needs for a parameter of per-row ``shape``."""
        return tuple(shape)

    def describe(self):
        """The link in a few words, for tables of families."""
        return type(self).__name__.lower()

    def __repr__(self):
        return f"{type(self).__name__}()"


class Identity(Link):
    """The raw output is the parameter (locations, logits).

    Examples
    --------
    >>> import torch
    >>> from skprob.families._links import Identity
    >>> Identity().forward(torch.tensor([-2.0, 3.0]))
    tensor([-2.,  3.])
    """

    def forward(self, raw):
        return raw

    def inverse(self, value):
        return np.asarray(value, dtype=np.float64)


class Softplus(Link):
    """``softplus(raw) + floor``: a positive parameter that never reaches zero (scales).

    Parameters
    ----------
    floor : float, default=1e-6
        Smallest value of the parameter.

    Examples
    --------
    >>> import torch
    >>> from skprob.families._links import Softplus
    >>> float(Softplus(floor=0.5).forward(torch.tensor(-100.0)))
    0.5
    """

    def __init__(self, floor=SCALE_FLOOR):
        self.floor = floor
        self.range = f"(floor={floor:g}, inf)"

    def forward(self, raw):
        return positive(raw, self.floor)

    def inverse(self, value):
        return inverse_softplus(value, self.floor)

    def describe(self):
        return f"softplus + {self.floor:g}"

    def __repr__(self):
        return f"Softplus(floor={self.floor:g})"


class Exp(Link):
    """``floor + exp(raw)`` with the raw output clamped to ``[-bound, upper]``: a log link.

    Used for rates and means, where the network's output is read on the log
    scale as in a GLM. The clamp keeps ``exp`` finite and non-zero in float32.

    Parameters
    ----------
    bound : float, default=LOG_BOUND
        Largest ``|raw|`` used.
    floor : float, default=0.0
        Smallest value of the parameter (added to the exponential).
    upper : float or None, default=None
        Largest raw value used, when it is below ``bound``.

    Examples
    --------
    >>> import math, torch
    >>> from skprob.families._links import Exp
    >>> link = Exp()
    >>> float(link.forward(torch.tensor(math.log(3.0), dtype=torch.float64)))
    3.0
    >>> float(link.inverse(1e300)) == link.bound
    True
    """

    def __init__(self, bound=LOG_BOUND, floor=0.0, upper=None):
        self.bound = bound
        self.floor = floor
        self.upper = upper
        self.range = f"({floor:g}, inf)"

    def forward(self, raw):
        upper = self.bound if self.upper is None else self.upper
        value = torch.exp(raw.clamp(-self.bound, upper))
        return value if self.floor == 0.0 else self.floor + value

    def inverse(self, value):
        upper = self.bound if self.upper is None else self.upper
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = np.log(np.asarray(value, dtype=np.float64) - self.floor)
        return np.clip(np.nan_to_num(raw, nan=-self.bound), -self.bound, upper)

    def describe(self):
        return "exp (log link)" if self.floor == 0.0 else f"{self.floor:g} + exp"

    def __repr__(self):
        return f"Exp(bound={self.bound:g}, floor={self.floor:g}, upper={self.upper})"


class LogSoftmax(Link):
    """Log-probabilities over the last axis: ``log_softmax(raw)`` (class and item weights).

    The inverse is centred: logits are defined up to a common constant, and the
    centred ones keep the starting bias near zero.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skprob.families._links import LogSoftmax
    >>> raw = LogSoftmax().inverse(np.log([0.25, 0.75]))
    >>> float(raw.sum())
    0.0
    >>> LogSoftmax().forward(torch.as_tensor(raw)).exp().numpy().round(2)
    array([0.25, 0.75])
    """

    range = "log-probabilities (each row's exponentials sum to one)"

    def forward(self, raw):
        return torch.log_softmax(raw, dim=-1)

    def describe(self):
        return "log-softmax"

    def inverse(self, value):
        value = np.asarray(value, dtype=np.float64)
        return value - value.mean(axis=-1, keepdims=True)


class CholeskyFactor(Link):
    """A lower-triangular factor with a positive diagonal from its ``K (K + 1) / 2`` entries.

    The raw block is the lower triangle in row-major order (as
    :func:`numpy.tril_indices`); diagonal entries pass through a softplus with a
    floor and the others are used as they are, so every factor is that of a
    positive definite matrix.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skprob.families._links import CholeskyFactor
    >>> factor = np.linalg.cholesky(np.array([[1.0, 0.5], [0.5, 2.0]]))
    >>> raw = CholeskyFactor().inverse(factor)
    >>> raw.shape
    (3,)
    >>> CholeskyFactor().forward(torch.as_tensor(raw[None])).numpy().round(6)[0]
    array([[1.      , 0.      ],
           [0.5     , 1.322876]])
    """

    range = "lower-triangular matrices with a positive diagonal"

    def __init__(self, floor=SCALE_FLOOR):
        self.floor = floor

    def raw_shape(self, shape):
        k = shape[-1]
        return tuple(shape[:-2]) + (k * (k + 1) // 2,)

    @staticmethod
    def _size(n_entries):
        return int(round((math.sqrt(8 * n_entries + 1) - 1) / 2))

    def forward(self, raw):
        k = self._size(raw.shape[-1])
        rows, cols = np.tril_indices(k)
        index = lambda a: torch.as_tensor(a, dtype=torch.long, device=raw.device)  # noqa: E731
        diagonal = torch.as_tensor(rows == cols, device=raw.device)
        entries = torch.where(diagonal, positive(raw, self.floor), raw)
        factor = raw.new_zeros(raw.shape[:-1] + (k, k))
        factor[..., index(rows), index(cols)] = entries
        return factor

    def inverse(self, value):
        value = np.asarray(value, dtype=np.float64)
        rows, cols = np.tril_indices(value.shape[-1])
        entries = value[..., rows, cols].copy()
        diagonal = rows == cols
        entries[..., diagonal] = inverse_softplus(np.maximum(entries[..., diagonal], 1e-3),
                                                  self.floor)
        return entries

    def describe(self):
        return "Cholesky factor (softplus diagonal)"

    def __repr__(self):
        return f"CholeskyFactor(floor={self.floor:g})"


class OrderedCutpoints(Link):
    """Increasing values over the last axis: the first raw value, then softplus increments.

    ``c[0] = raw[0]`` and ``c[j] = c[j - 1] + softplus(raw[j]) + floor``, so the
    values are strictly increasing by construction (the thresholds of an
    ordinal model, whatever the optimiser does).

    Parameters
    ----------
    floor : float, default=1e-3
        Smallest gap between neighbouring values.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skprob.families._links import OrderedCutpoints
    >>> link = OrderedCutpoints()
    >>> raw = link.inverse(np.array([-1.0, 0.5, 2.0]))
    >>> link.forward(torch.as_tensor(raw)).numpy().round(6)
    array([-1. ,  0.5,  2. ])
    >>> bool((torch.diff(link.forward(torch.full((4,), -50.0))) > 0).all())
    True
    """

    range = "increasing values (each above the previous by at least the floor)"

    def __init__(self, floor=1e-3):
        self.floor = floor

    def forward(self, raw):
        steps = torch.cat([raw[..., :1], positive(raw[..., 1:], self.floor)], dim=-1)
        return torch.cumsum(steps, dim=-1)

    def inverse(self, value):
        value = np.asarray(value, dtype=np.float64)
        gaps = np.maximum(np.diff(value, axis=-1), 2.0 * self.floor)
        return np.concatenate([value[..., :1], inverse_softplus(gaps, self.floor)], axis=-1)

    def describe(self):
        return f"first value, then cumulative softplus + {self.floor:g}"

    def __repr__(self):
        return f"OrderedCutpoints(floor={self.floor:g})"
