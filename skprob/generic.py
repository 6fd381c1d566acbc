"""An estimator whose distribution family is a hyper-parameter."""

from typing import ClassVar

from ._docs import fill_doc
from .base import MLPDistributionRegressor
from .families import Family, available_families, get_family, resolve_family_name

__all__ = ["DistributionRegressor"]


@fill_doc
class DistributionRegressor(MLPDistributionRegressor):
    """MLP regression for any registered distribution family, chosen by name or object.

    Because the family is a constructor parameter, model selection can compare
    families by held-out log-likelihood, e.g.
    ``GridSearchCV(DistributionRegressor(), {"distribution": ["normal", "laplace"]})``.

    Parameters
    ----------
    distribution : str or Family, default="normal"
        A name from :func:`skprob.available_families` (family defaults), or a
        family object with its own options, e.g. ``get_family("mixture",
        n_components=5)``. The object is copied at fit time, never modified.
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`; ``"auto"`` is the family's
        ``point_prediction`` (the mode unless the mode is uninformative).

    See Also
    --------
    skprob.available_families : the names ``distribution`` accepts.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import DistributionRegressor
    >>> from skprob.families import get_family
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(200, 2))
    >>> y = rng.poisson(np.exp(1 + X[:, 0]))
    >>> model = DistributionRegressor("poisson", max_iter=30, random_state=0).fit(X, y)
    >>> type(model.predict_dist(X[:2])).__name__
    'PoissonDistribution'
    >>> DistributionRegressor(get_family("normal", heteroscedastic=False)).distribution
    NormalFamily(heteroscedastic=False)
    """

    _parameter_constraints: ClassVar[dict] = {
        **MLPDistributionRegressor._parameter_constraints,
        "distribution": [str, Family],
    }

    distribution: object = "normal"

    def _make_family(self):
        distribution = self.distribution
        if isinstance(distribution, str):  # aliases, and "did you mean" among regression families
            distribution = resolve_family_name(
                distribution, accept=lambda cls: not cls.support.labels, what="distribution"
            )
        family = get_family(distribution)
        if family.is_classifier:
            raise ValueError(
                f"distribution={family.name!r} models class labels; DistributionRegressor takes "
                f"a regression family, one of "
                f"{[n for n in available_families() if not get_family(n).is_classifier]}. "
                "Use the matching classifier for labels."
            )
        return family
