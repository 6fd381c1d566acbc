"""The best constant model of a family, by float64 L-BFGS on its NLL.

Networks start at the best intercept-only fit; families give a closed-form or
moment start, and this refines it to the exact optimum of the weighted NLL.
"""

import numpy as np
import torch

__all__ = ["minimise_constant_nll", "polish_constant_model"]

#: At most this many (evenly spaced) rows enter the polish: it is a start, not the fit.
_POLISH_MAX_ROWS = 100_000


def polish_constant_model(family, raw, y, sample_weight):
    """Refine a family's closed-form start to the exact constant-model optimum.

    Families start from moments or a few EM steps; a short float64 L-BFGS run
    on the weighted NLL of the constant model makes "training starts at the best
    intercept-only fit" hold for every family. The refinement is kept only if it
    is finite and no worse. Parameters with a ``start_range`` are then clipped
    into it, and the others refitted around the clipped values.
    """
    rows = np.linspace(0, len(y) - 1, min(len(y), _POLISH_MAX_ROWS)).astype(int)
    target = torch.as_tensor(np.asarray(y)[rows], dtype=torch.long
                             if family.target_dtype == torch.long else torch.float64)
    weight = torch.as_tensor(sample_weight[rows] / sample_weight[rows].sum())
    polished = minimise_constant_nll(family._scaled_nll, raw, target, weight, free=None)
    clipped, frozen = _clip_start(family, polished)
    if frozen.any():
        polished = minimise_constant_nll(family._scaled_nll, clipped, target, weight,
                                         free=~frozen)
    return polished


def _clip_start(family, raw):
    declared = family._fitted_parameters()
    frozen = np.zeros(len(raw), dtype=bool)
    raw = raw.copy()
    values = family.network_params(torch.as_tensor(raw[None]))
    for name, start, stop, _ in family.layout_:
        bounds = declared[name].start_range
        if bounds is None:
            continue
        value = values[name][0].numpy()
        clipped = np.clip(value, *bounds)
        if np.any(clipped != value):
            raw[start:stop] = np.asarray(declared[name].link.inverse(clipped)).ravel()
            frozen[start:stop] = True
    return raw, frozen


def minimise_constant_nll(objective_of_raw, raw, target, weight, free):
    """L-BFGS on the weighted mean NLL of a constant model, over the ``free`` raw entries.

    Returns the refined raw vector, or ``raw`` itself when the refinement fails or
    is no better.
    """
    raw = np.asarray(raw, dtype=np.float64)
    free = np.ones(len(raw), dtype=bool) if free is None else free
    fixed = torch.as_tensor(raw)
    theta = torch.tensor(raw[free], requires_grad=True)
    free_index = torch.as_tensor(np.flatnonzero(free))

    def objective():
        full = fixed.index_put((free_index,), theta)
        return (objective_of_raw(full.expand(len(target), -1), target) * weight).sum()

    with torch.enable_grad():
        optimizer = torch.optim.LBFGS(
            [theta], lr=1.0, max_iter=50, tolerance_grad=1e-12,
            tolerance_change=1e-14, line_search_fn="strong_wolfe",
        )

        def closure():
            optimizer.zero_grad()
            value = objective()
            value.backward()
            return value

        with torch.no_grad():
            start = float(objective())
        try:
            optimizer.step(closure)
        except (RuntimeError, ValueError, IndexError):
            # IndexError: torch's strong-Wolfe search can index an empty bracket on a
            # flat objective (targets a few subnormals apart); the start is kept.
            return raw
        with torch.no_grad():
            end = float(objective())
    polished = raw.copy()
    polished[free] = theta.detach().numpy()
    if np.isfinite(end) and end <= start and np.all(np.isfinite(polished)):
        return polished
    return raw
