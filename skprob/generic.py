"""An estimator whose distribution family is a hyper-parameter."""

from ._docs import fill_doc
from .base import MLPDistributionRegressor
from .families import Family, available_families, get_family

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
    {mlp_parameters}

    Attributes
    ----------
    {fitted_attributes}

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

    _parameter_constraints: dict = {
        **MLPDistributionRegressor._parameter_constraints,
        "distribution": [str, Family],
    }

    def __init__(
        self,
        distribution="normal",
        *,
        prediction="auto",
        depth=1,
        width=256,
        hidden_layer_sizes=None,
        activation="relu",
        dropout=0.0,
        weight_decay=0.0,
        solver="adam",
        learning_rate_init=1e-3,
        momentum=0.9,
        batch_size="auto",
        max_iter=200,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        tol=1e-4,
        scale_inputs=True,
        random_state=None,
        device="cpu",
        verbose=0,
        warm_start=False,
    ):
        super().__init__(
            prediction=prediction,
            depth=depth,
            width=width,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            dropout=dropout,
            weight_decay=weight_decay,
            solver=solver,
            learning_rate_init=learning_rate_init,
            momentum=momentum,
            batch_size=batch_size,
            max_iter=max_iter,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            scale_inputs=scale_inputs,
            random_state=random_state,
            device=device,
            verbose=verbose,
            warm_start=warm_start,
        )
        self.distribution = distribution

    def _make_family(self):
        family = get_family(self.distribution)
        if family.is_classifier:
            raise ValueError(
                f"distribution={family.name!r} models class labels; DistributionRegressor takes "
                f"a regression family, one of "
                f"{[n for n in available_families() if not get_family(n).is_classifier]}. "
                "Use the matching classifier for labels."
            )
        return family
