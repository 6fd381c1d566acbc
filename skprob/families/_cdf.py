"""Log-probabilities of intervals, for censored targets, stable far into the tails.

A censored row contributes ``log P(lower < Y <= upper)``. A distribution that
defines the torch functions ``log_cdf`` and ``log_sf`` gets it from
:func:`log_interval_probability`, which takes the difference of the two cdf
values on the side where it keeps its digits. Distributions whose cdf torch
cannot compute (incomplete gamma and beta functions with parameter gradients)
evaluate it in float64 numpy through :func:`numpy_function`, with central
finite-difference gradients; :func:`log_gammainc` and :func:`log_betainc` give
those cdfs in log space where scipy's values underflow.
"""

import math

import numpy as np
import torch
from scipy import special

__all__ = [
    "log1mexp",
    "log_betainc",
    "log_gammainc",
    "log_interval_probability",
    "numpy_function",
]

_LOG_HALF = math.log(0.5)
#: Below this, scipy's incomplete gamma and beta values lose digits or underflow,
#: and their logs come from the series and continued fractions instead.
_SMALL = 1e-280
#: Terms of the series and continued fractions (they converge fast where used).
_TERMS = 300
#: Relative step of the finite-difference gradients.
_STEP = 1e-6


def log1mexp(x):
    """``log(1 - exp(x))`` for ``x <= 0`` (torch), accurate at both ends (Maechler 2012).

    Examples
    --------
    >>> import torch
    >>> log1mexp(torch.tensor([-1e-20, -1.0, -50.0], dtype=torch.float64))
    tensor([-4.6052e+01, -4.5868e-01, -1.9287e-22], dtype=torch.float64)
    """
    near = x > -math.log(2.0)
    x_near = torch.where(near, x, torch.full_like(x, -math.log(2.0)))
    x_far = torch.where(near, torch.full_like(x, -math.log(2.0)), x)
    return torch.where(near, torch.log(-torch.expm1(x_near)), torch.log1p(-torch.exp(x_far)))


def log_interval_probability(distribution_class, params, lower, upper, inside):
    """``log P(lower < Y <= upper)`` (torch) from the distribution's ``log_cdf`` and ``log_sf``.

    Where ``lower`` lies in the upper half of the distribution the survival
    function is differenced (``sf(lower) - sf(upper)``), elsewhere the cdf, so
    that neither loses its digits in a tail. ``-inf`` and ``inf`` bounds give
    the one-sided probabilities exactly: their cdf values are constants, and the
    cdf is evaluated at ``inside`` (any point of the support) in their stead, so
    that no infinite slope meets a zero gradient (which would be nan).

    Examples
    --------
    >>> import torch
    >>> from skprob.families.normal import NormalDistribution
    >>> params = {"loc": torch.zeros(2, dtype=torch.float64),
    ...           "scale": torch.ones(2, dtype=torch.float64)}
    >>> lower = torch.tensor([-1.0, 40.0], dtype=torch.float64)
    >>> upper = torch.tensor([1.0, float("inf")], dtype=torch.float64)
    >>> inside = torch.tensor([0.0, 41.0], dtype=torch.float64)
    >>> log_p = log_interval_probability(NormalDistribution, params, lower, upper, inside)
    >>> log_p.numpy().round(4).tolist()
    [-0.3817, -804.6084]
    """
    open_below, open_above = lower == -math.inf, upper == math.inf
    lower = torch.where(open_below, inside, lower)
    upper = torch.where(open_above, inside, upper)
    zero, minus_inf = torch.zeros_like(inside), torch.full_like(inside, -math.inf)
    log_cdf_upper = torch.where(open_above, zero, distribution_class.log_cdf(params, upper))
    log_cdf_lower = torch.where(open_below, minus_inf, distribution_class.log_cdf(params, lower))
    log_sf_lower = torch.where(open_below, zero, distribution_class.log_sf(params, lower))
    log_sf_upper = torch.where(open_above, minus_inf, distribution_class.log_sf(params, upper))
    # log1mexp of a difference of two -inf is nan; such a term is never the one used.
    cdf_gap = torch.where(log_cdf_upper > -math.inf, log_cdf_lower - log_cdf_upper,
                          torch.full_like(log_cdf_upper, -math.inf))
    sf_gap = torch.where(log_sf_lower > -math.inf, log_sf_upper - log_sf_lower,
                         torch.full_like(log_sf_lower, -math.inf))
    by_cdf = log_cdf_upper + log1mexp(torch.clamp(cdf_gap, max=0.0))
    by_sf = log_sf_lower + log1mexp(torch.clamp(sf_gap, max=0.0))
    return torch.where(log_sf_lower < _LOG_HALF, by_sf, by_cdf)


class _NumpyFunction(torch.autograd.Function):
    """A float64 numpy function of tensors, differentiated by central finite differences."""

    @staticmethod
    def forward(ctx, function, *tensors):
        shape = torch.broadcast_shapes(*(t.shape for t in tensors))
        arrays = [np.broadcast_to(_as_numpy(t), shape) for t in tensors]
        ctx.function, ctx.shape = function, shape
        ctx.save_for_backward(*tensors)
        reference = tensors[0]
        return torch.as_tensor(function(*arrays), dtype=reference.dtype, device=reference.device)

    @staticmethod
    def backward(ctx, grad):
        tensors = ctx.saved_tensors
        arrays = [np.broadcast_to(_as_numpy(t), ctx.shape) for t in tensors]
        grad_np = _as_numpy(grad)
        grads = []
        for i, tensor in enumerate(tensors):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            value = arrays[i]
            step = _STEP * np.maximum(np.abs(value), 1e-3)
            shifted = list(arrays)
            shifted[i] = value + step
            above = ctx.function(*shifted)
            shifted[i] = value - step
            below = ctx.function(*shifted)
            with np.errstate(invalid="ignore", over="ignore"):
                slope = (above - below) / (2.0 * step)
            # Unused entries (a where() picked another branch) carry a zero gradient and
            # may sit where the function has no slope (an infinite bound): no nan from them.
            contribution = np.where(np.isfinite(slope), slope, 0.0) * grad_np
            while contribution.ndim > tensor.dim():
                contribution = contribution.sum(axis=0)
            for axis, size in enumerate(tensor.shape):
                if size == 1 and contribution.shape[axis] != 1:
                    contribution = contribution.sum(axis=axis, keepdims=True)
            grads.append(torch.as_tensor(contribution, dtype=tensor.dtype, device=tensor.device))
        return (None, *grads)


def _as_numpy(tensor):
    return tensor.detach().to("cpu", torch.float64).numpy()


def numpy_function(function, *tensors):
    """``function(*arrays)`` on float64 copies of ``tensors``, as a differentiable tensor.

    For cdfs that torch cannot differentiate in all their parameters (the
    incomplete gamma and beta functions): values in float64 on the CPU, gradients
    by central finite differences (relative step 1e-6).

    Examples
    --------
    >>> import numpy as np, torch
    >>> x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    >>> numpy_function(np.square, x).sum().backward()
    >>> x.grad
    tensor([2., 4.], dtype=torch.float64)
    """
    return _NumpyFunction.apply(function, *tensors)


def log_gammainc(a, x, upper=False):
    """``log P(a, x)`` (or ``log Q(a, x)`` with ``upper=True``), the regularized incomplete
    gamma functions in log space, finite where scipy's values underflow.

    Parameters
    ----------
    a, x : ndarray
        Shape ``a > 0`` and argument ``x >= 0``.
    upper : bool, default=False
        The upper function ``Q = 1 - P`` instead.

    Examples
    --------
    >>> import numpy as np
    >>> log_gammainc(np.array([3.0, 2.0]), np.array([1e-200, 1e3]), upper=True).round(6)
    array([   0.      , -993.091245])
    """
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    value = special.gammaincc(a, x) if upper else special.gammainc(a, x)
    other = special.gammainc(a, x) if upper else special.gammaincc(a, x)
    with np.errstate(divide="ignore"):
        # A value near 1 keeps its digits as 1 minus the other function, which is small.
        out = np.where(value > 0.5, np.log1p(-np.minimum(other, 0.5)), np.log(value)) + 0.0
    redo = ~(value > _SMALL) & (x > 0) & np.isfinite(x)
    if redo.any():
        a_r, x_r = a[redo], x[redo]
        log_front = a_r * np.log(x_r) - x_r - special.gammaln(a_r)
        series = x_r < a_r + 1.0  # P's series converges there; Q's continued fraction beyond
        log_p = np.empty_like(a_r)
        log_p[series] = (log_front[series] + np.log(_gamma_series(a_r[series], x_r[series]))
                         - np.log(a_r[series]))
        log_q = np.empty_like(a_r)
        log_q[~series] = log_front[~series] - np.log(_gamma_fraction(a_r[~series], x_r[~series]))
        # The other function from the one computed: 1 - exp(log) (it is then near 1).
        if upper:
            log_q[series] = np.log1p(-np.exp(np.minimum(log_p[series], 0.0)))
            out[redo] = log_q
        else:
            log_p[~series] = np.log1p(-np.exp(np.minimum(log_q[~series], 0.0)))
            out[redo] = log_p
    return out


def _gamma_series(a, x):
    """``sum_k x^k / ((a + 1) ... (a + k))``: ``P(a, x) a e^x Gamma(a) / x^a``, as a series."""
    term = np.ones_like(a)
    total = np.ones_like(a)
    for k in range(1, _TERMS):
        term = term * x / (a + k)
        total = total + term
        if np.all(term < 1e-17 * total):
            break
    return total


def _gamma_fraction(a, x):
    """The continued fraction of ``Q(a, x)`` (modified Lentz), valid for ``x > a - 1``."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = np.full_like(a, 1.0 / tiny)
    d = 1.0 / np.where(b == 0, tiny, b)
    h = d.copy()
    for i in range(1, _TERMS):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        delta = d * c
        h = h * delta
        if np.all(np.abs(delta - 1.0) < 1e-16):
            break
    return 1.0 / h


def log_betainc(a, b, log_x, log_1mx):
    """``log I_x(a, b)``, the regularized incomplete beta function, from ``log x`` and
    ``log(1 - x)`` (so that ``x`` near 0 or 1 keeps its digits), finite where scipy's
    value underflows.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0.3, 1e-200])
    >>> log_p = log_betainc(np.array([2.0, 5.0]), np.array([3.0, 1.0]), np.log(x), np.log1p(-x))
    >>> log_p.round(4).tolist()
    [-1.0547, -2302.5851]
    """
    a, b, log_x, log_1mx = np.broadcast_arrays(*(np.asarray(v, np.float64)
                                                 for v in (a, b, log_x, log_1mx)))
    x = np.exp(log_x)
    value = special.betainc(a, b, x)
    with np.errstate(divide="ignore"):
        out = np.log(value)
    redo = ~(value > _SMALL) & np.isfinite(log_x) & (log_x < 0)
    if redo.any():
        a_r, b_r, lx, l1x = a[redo], b[redo], log_x[redo], log_1mx[redo]
        # Underflow happens far in the lower tail, where x < (a + 1) / (a + b + 2) and the
        # continued fraction converges without the symmetry.
        log_front = a_r * lx + b_r * l1x - special.betaln(a_r, b_r) - np.log(a_r)
        out[redo] = log_front + np.log(_beta_fraction(a_r, b_r, np.exp(lx)))
    return out


def _beta_fraction(a, b, x):
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(a)
    d = 1.0 - qab * x / qap
    d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
    h = d.copy()
    for m in range(1, _TERMS):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
        c = 1.0 + aa / np.where(np.abs(c) < tiny, tiny, c)
        h = h * d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
        c = 1.0 + aa / np.where(np.abs(c) < tiny, tiny, c)
        delta = d * c
        h = h * delta
        if np.all(np.abs(delta - 1.0) < 1e-16):
            break
    return h
