"""Special functions that families' log-densities share, stable in float32 and float64.

Training evaluates log-densities in float32, where a difference of two large
``lgamma`` values keeps no digits at all; these helpers are written so that it
never has to be formed.
"""

import math

import torch

__all__ = ["HALF_LOG_2PI", "bd0", "log_pochhammer_scaled", "stirling_error"]

#: From this argument on, ``lgamma`` differences come from Stirling's series.
_STIRLING_FROM = 8.0
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


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


#: Terms of the series for ``bd0`` where ``|v| < 1/19``: ``v**20 < 1e-25``.
_BD0_TERMS = 10


def stirling_error(y):
    """``log(y!) - (y + 1/2) log(y) + y - log(2 pi) / 2``, accurate to float64 for ``y >= 30``."""
    inv = 1.0 / y
    inv2 = inv * inv
    return inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 / 1680)))


def bd0(x, m):
    """``x log(x / m) + m - x`` (non-negative) without cancellation or overflow.

    Loader's deviance term: a series in ``v = (x - m) / (x + m)`` where ``x`` is
    within 10% of ``m``, the direct formula elsewhere. Each branch sees harmless
    stand-ins in the elements the other one takes, so that neither makes
    infinities whose gradient would turn into NaN.
    """
    half_diff = 0.5 * x - 0.5 * m  # halves: x + m overflows near the float limit
    near = half_diff.abs() < 0.1 * (0.5 * x + 0.5 * m)
    one = torch.ones_like(x)
    x_near, m_near = torch.where(near, x, one), torch.where(near, m, one)
    diff = x_near - m_near
    v = diff / (x_near + m_near)
    series = diff * v
    term = 2.0 * x_near * v
    v2 = v * v
    for j in range(1, _BD0_TERMS + 1):
        term = term * v2
        series = series + term / (2 * j + 1)
    x_far, m_far = torch.where(near, 2.0 * one, x), torch.where(near, one, m)
    with torch.no_grad():
        ratio = x_far / m_far
        exact_ratio = torch.isfinite(ratio) & (ratio >= torch.finfo(ratio.dtype).tiny)
    log_ratio = torch.where(
        exact_ratio,
        torch.log(torch.where(exact_ratio, x_far, one) / torch.where(exact_ratio, m_far, one)),
        torch.log(x_far) - torch.log(m_far),  # x / m beyond the float range
    )
    far = x_far * log_ratio + (m_far - x_far)
    return torch.where(near, series, far)
