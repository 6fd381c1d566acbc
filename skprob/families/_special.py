"""Special functions that families' log-densities share, stable in float32 and float64.

Training evaluates log-densities in float32, where a difference of two large
``lgamma`` values keeps no digits at all; these helpers are written so that it
never has to be formed.
"""

import math

import torch

__all__ = ["log_pochhammer_scaled"]

#: From this argument on, ``lgamma`` differences come from Stirling's series.
_STIRLING_FROM = 8.0
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _stirling_tail(z):
    """``lgamma(z) - ((z - 1/2) log z - z + log(2 pi) / 2)`` for ``z >= 8`` (error < 3e-10)."""
    inv = 1.0 / z
    inv2 = inv * inv
    return inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 / 1260.0))


def log_pochhammer_scaled(x, n):
    """``lgamma(x + n) - lgamma(x) - n * log(x)`` (torch), for ``x > 0`` and ``n >= 0``.

    The log of the rising factorial ``x (x + 1) ... (x + n - 1)`` divided by ``x**n``:
    0 for ``n = 0`` and about ``n (n - 1) / (2 x)`` for large ``x``, where the two
    ``lgamma`` terms are huge and nearly equal. For ``x >= 8`` it is taken from
    Stirling's series, ``(x + n - 1/2) log1p(n / x) - n`` plus the series' tails,
    which never forms them; below, the ``lgamma`` terms are small enough to subtract.

    Examples
    --------
    >>> import torch
    >>> from skprob.families._special import log_pochhammer_scaled
    >>> x = torch.tensor([0.5, 3.0, 1e6], dtype=torch.float64)
    >>> n = torch.tensor([4.0, 2.0, 3.0], dtype=torch.float64)
    >>> log_pochhammer_scaled(x, n)  # log(0.5*1.5*2.5*3.5/0.5**4), log(12/9), ~3e-6
    tensor([4.6540e+00, 2.8768e-01, 3.0000e-06], dtype=torch.float64)
    """
    large = x >= _STIRLING_FROM
    big_x = torch.where(large, x, torch.full_like(x, _STIRLING_FROM))
    stirling = (
        (big_x + n - 0.5) * torch.log1p(n / big_x) - n
        + _stirling_tail(big_x + n) - _stirling_tail(big_x)
    )
    small_x = torch.where(large, torch.ones_like(x), x)
    direct = torch.lgamma(small_x + n) - torch.lgamma(small_x) - n * torch.log(small_x)
    return torch.where(large, stirling, direct)
