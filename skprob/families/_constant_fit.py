"""The best constant model of a family, by float64 L-BFGS on its NLL.

Networks start at the best intercept-only fit; families give a closed-form or
moment start, and this refines it to the exact optimum of the weighted NLL.
"""

import numpy as np
import torch

__all__ = ["minimise_constant_nll"]


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
        except (RuntimeError, ValueError):
            return raw
        with torch.no_grad():
            end = float(objective())
    polished = raw.copy()
    polished[free] = theta.detach().numpy()
    if np.isfinite(end) and end <= start and np.all(np.isfinite(polished)):
        return polished
    return raw
