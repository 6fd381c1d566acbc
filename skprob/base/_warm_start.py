"""What a warm start may not change: the family, the network's shape and the target's columns.

``warm_start=True`` continues training the fitted network with the fitted
family (its target scaling and classes). A hyper-parameter that decides either
of them, changed since that fit, would be ignored without a word, and a target
with another number of columns would be broadcast against the old outputs; both
are refused here, before anything is trained.
"""

import numpy as np

from ..network import hidden_sizes

__all__ = ["check_continuation", "structural_changes"]


def _same(a, b):
    """Equality of two parameter values that may be arrays or families."""
    if hasattr(a, "get_params") and hasattr(b, "get_params"):
        return type(a) is type(b) and _same(a.get_params(), b.get_params())
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)))
    except (TypeError, ValueError):
        return a is b


def structural_changes(estimator):
    """Names of the settings that now differ from those the fitted model was built with.

    Parameters
    ----------
    estimator : MLPDistributionEstimator
        A fitted estimator.

    Returns
    -------
    list of str
        Each entry ``"what: fitted -> now"``.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import DistributionRegressor
    >>> from skprob.base._warm_start import structural_changes
    >>> X, y = np.random.default_rng(0).normal(size=(20, 1)), np.arange(20.0)
    >>> model = DistributionRegressor("normal", max_iter=2, width=4).fit(X, y)
    >>> structural_changes(model.set_params(distribution="laplace"))
    ['the family: NormalFamily() -> LaplaceFamily()']
    """
    changes = []
    fitted_family, family = estimator.family_, estimator._make_family()
    if type(family) is not type(fitted_family) or not _same(
        family.get_params(), fitted_family.get_params()
    ):
        changes.append(f"the family: {fitted_family!r} -> {family!r}")
    spec = getattr(estimator, "network_spec_", None)
    if spec is not None:
        now = {
            "hidden layers": list(
                hidden_sizes(estimator.hidden_layer_sizes, estimator.depth, estimator.width)
            ),
            "activation": estimator.activation,
            "dropout": float(estimator.dropout),
        }
        before = {
            "hidden layers": list(spec["hidden"]),
            "activation": spec["activation"],
            "dropout": float(spec["dropout"]),
        }
        changes += [f"the {key}: {before[key]!r} -> {now[key]!r}"
                    for key in now if not _same(before[key], now[key])]
    return changes


def _n_columns(y):
    return 1 if np.ndim(y) < 2 else np.shape(y)[1]


def check_continuation(estimator, y):
    """Refuse a warm start that would silently ignore a change, before any training.

    Parameters
    ----------
    estimator : MLPDistributionEstimator
        A fitted estimator with ``warm_start=True``.
    y : ndarray
        The validated new target.

    Raises
    ------
    ValueError
        If the family or the network's shape changed since the fit, or ``y``
        has another number of columns than the fitted target.
    """
    changes = structural_changes(estimator)
    if changes:
        raise ValueError(
            f"warm_start=True continues the fitted {type(estimator).__name__}, but "
            f"{'; '.join(changes)} changed since it was fitted, and a warm start would keep the "
            "old ones. Set warm_start=False to fit a new model with the new settings."
        )
    family = estimator.family_
    if not family.is_classifier and _n_columns(y) != family.n_outputs_:
        raise ValueError(
            f"y has {_n_columns(y)} column(s); the fitted {type(estimator).__name__} that "
            f"warm_start=True continues was fitted on {family.n_outputs_}. Set "
            "warm_start=False to fit a model on the new target."
        )
