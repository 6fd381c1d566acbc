"""An estimator whose distribution family is a hyper-parameter."""

from typing import ClassVar

from ._docs import fill_doc
from ._selection import candidate_families, select_family
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
    distribution : str, Family or list of str, default="normal"
        A name from :func:`skprob.available_families` (family defaults), or a
        family object with its own options, e.g. ``get_family("mixture",
        n_components=5)``. The object is copied at fit time, never modified.
        ``"auto"`` chooses inside :meth:`fit` among the registered regression
        families whose support holds ``y`` (a list of names chooses among
        those): each is fitted with these hyper-parameters on 80% of at most
        20,000 rows and scored on the rest; the best held-out log-likelihood
        wins, except that the candidate with the fewest parameters is taken
        among those within one standard error (or 0.01 nats) of the best. For integer-valued
        targets continuous families are scored by the probability of the unit
        cell around each integer, ``F(y + 1/2) - F(y - 1/2)``, like the count
        families' probabilities. The chosen family is then fitted on all rows.
    prediction : {"auto", "mode", "mean", "median"}, default="auto"
        Point returned by :meth:`predict`; ``"auto"`` is the family's
        ``point_prediction`` (the mode unless the mode is uninformative).

    Attributes
    ----------
    distribution_ : str or Family
        The family fitted: ``distribution`` itself, or the choice of ``"auto"``.
    selection_scores_ : dict or None
        Held-out mean log-likelihood of each candidate family (``None`` for one
        that could not be fitted); ``None`` unless the family was chosen.

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
        "distribution": [str, Family, list],
    }

    distribution: object = "normal"

    def _chooses(self):
        return isinstance(self.distribution, list) or (
            isinstance(self.distribution, str) and self.distribution == "auto")

    def fit(self, X, y, sample_weight=None):
        if not self._chooses():
            # Set only once the fit succeeded: a refused fit leaves no fitted attribute.
            super().fit(X, y, sample_weight=sample_weight)
            self.distribution_, self.selection_scores_ = self.distribution, None
            return self
        if self.warm_start and hasattr(self, "module_"):
            return super().fit(X, y, sample_weight=sample_weight)  # keeps the chosen family
        self._validate_params()
        X_checked, y_checked = self._validate_fit_data(X, y)
        if self.distribution == "auto":
            names = candidate_families(y_checked)
        else:
            names = list(self.distribution)
            if not names or not all(isinstance(name, str) for name in names):
                raise ValueError(
                    f"distribution, as a list, must name at least one family; got {names!r}."
                )
            for name in names:
                get_family(name)  # an unknown name is refused before any fit
        self.distribution_, self.selection_scores_ = select_family(
            self, X_checked, y_checked, sample_weight, names)
        return super().fit(X, y, sample_weight=sample_weight)

    def _make_family(self):
        distribution = self.distribution
        if self._chooses():
            # Before a fit has chosen, the normal stands in (scikit-learn's tags ask).
            distribution = getattr(self, "distribution_", "normal")
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
