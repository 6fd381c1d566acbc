"""skprob estimators and distributions in skpro, the probabilistic-regression toolbox.

:class:`SkprobRegressor` wraps any skprob regressor as an skpro
``BaseProbaRegressor``: ``fit`` and ``predict`` take and return pandas objects,
``predict_proba`` returns an skpro distribution with the index of ``X``, and
``predict_interval``, ``predict_quantiles`` and ``predict_var`` come from the
skprob distribution itself (exact quantiles and variances). It then works with
skpro's benchmarking (``skpro.benchmarking.evaluate``), metrics, pipelines and
reductions.

:func:`to_skpro` converts a skprob :class:`~skprob.Distribution`:

=================================  ==============================================
skprob distribution                skpro distribution
=================================  ==============================================
``NormalDistribution``             ``Normal(mu=loc, sigma=scale)``, exact
``LaplaceDistribution``            ``Laplace(mu=loc, scale=scale)``, exact
``StudentTDistribution``           ``TDistribution(mu=loc, sigma=scale, df=df)``,
                                   exact
``PoissonDistribution``            ``Poisson(mu=rate)``, exact
``GammaDistribution``              ``Gamma(alpha=shape, beta=1 / scale)``, exact
``ExponentialDistribution``        ``Exponential(rate=1 / scale)``, exact
``BetaDistribution``               ``Beta(alpha=a, beta=b)``, exact
``GaussianMixtureDistribution``    ``NormalMixture(pi, mu, sigma)``, exact (one
                                   output)
``EnsembleDistribution``           ``Mixture`` of the converted members with
                                   equal weights, exact when every member
                                   converts exactly
anything else                      ``QPD_Empirical``: equal weights on the
                                   quantiles at ``n_quantiles`` midpoint levels
                                   ``(i + 0.5) / n_quantiles`` (an approximation
                                   whose CRPS is skprob's ``method="quantile"``)
=================================  ==============================================

The conversion reads only the public Distribution API (``params``,
``members``, ``quantiles``, ``index``, ``output_names``), keyed by the
distribution's class name, so it needs nothing from the families.

Examples
--------
>>> from skprob.families.normal import NormalDistribution
>>> from skprob.interop.skpro import to_skpro
>>> dist = NormalDistribution(loc=[0.0, 1.0], scale=[1.0, 2.0])
>>> type(to_skpro(dist)).__name__
'Normal'
>>> to_skpro(dist).mean()
     0
0  0.0
1  1.0
"""

import numpy as np
import pandas as pd
from sklearn.base import clone, is_regressor
from skpro.distributions import (
    Beta,
    Exponential,
    Gamma,
    Laplace,
    Mixture,
    Normal,
    NormalMixture,
    Poisson,
    QPD_Empirical,
    TDistribution,
)
from skpro.regression.base import BaseProbaRegressor
from skpro.utils.sklearn import prep_skl_df

__all__ = ["EXACT_SKPRO", "SkprobRegressor", "to_skpro"]


def _columns(dist):
    """Parameters as (n_rows, n_outputs) arrays."""
    return {name: value.reshape(len(dist), -1) for name, value in dist.params.items()}


def _renamed(cls, **names):
    """A rule building ``cls`` from the parameters, renamed (``old="new"``)."""
    def rule(dist):
        params = _columns(dist)
        return cls, {new: params[old] for old, new in names.items()}
    return rule


def _gamma(dist):
    params = _columns(dist)
    return Gamma, {"alpha": params["shape"], "beta": 1.0 / params["scale"]}


def _exponential(dist):
    return Exponential, {"rate": 1.0 / _columns(dist)["scale"]}


def _mixture(dist):
    p = dist.params
    if p["loc"].ndim != 2:  # per-output weights: skpro's NormalMixture shares them
        return None
    return NormalMixture, {"pi": np.exp(p["log_weights"]), "mu": p["loc"][..., None],
                           "sigma": p["scale"][..., None]}


#: Exact conversions by distribution class name: ``rule(dist) -> (skpro class, params)``.
EXACT_SKPRO = {
    "NormalDistribution": _renamed(Normal, loc="mu", scale="sigma"),
    "LaplaceDistribution": _renamed(Laplace, loc="mu", scale="scale"),
    "StudentTDistribution": _renamed(TDistribution, loc="mu", scale="sigma", df="df"),
    "PoissonDistribution": _renamed(Poisson, rate="mu"),
    "GammaDistribution": _gamma,
    "ExponentialDistribution": _exponential,
    "BetaDistribution": _renamed(Beta, a="alpha", b="beta"),
    "GaussianMixtureDistribution": _mixture,
}


def _exact(dist, index, columns):
    """The skpro distribution equal to ``dist``, or ``None``."""
    if type(dist).__name__ == "EnsembleDistribution":
        members = [_exact(member, index, columns) for member in dist.members]
        if any(member is None for member in members):
            return None
        return Mixture([(f"member{j}", m) for j, m in enumerate(members)],
                       index=index, columns=columns)
    rule = EXACT_SKPRO.get(type(dist).__name__)
    built = None if rule is None else rule(dist)
    if built is None:
        return None
    cls, params = built
    return cls(**params, index=index, columns=columns)


def to_skpro(dist, *, columns=None, n_quantiles=200):
    """The skpro distribution of a skprob distribution (exact where skpro has the family).

    Parameters
    ----------
    dist : Distribution
        Distributions of a scalar target, one per row (and output), as
        returned by ``predict_dist``.
    columns : sequence of str or None, default=None
        Names of the outputs; the distribution's ``output_names``, else 0, 1, ...
    n_quantiles : int, default=200
        Quantile levels of the general form (``QPD_Empirical``), used for
        distributions skpro has no exact counterpart of.

    Returns
    -------
    skpro.distributions.base.BaseDistribution
        Indexed by ``dist.index`` (the index of a DataFrame ``X``).

    Raises
    ------
    TypeError
        If ``dist`` is over class labels or vectors, which skpro's regressors
        do not describe.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob.families.von_mises import VonMisesDistribution
    >>> from skprob.interop.skpro import to_skpro
    >>> dist = VonMisesDistribution(loc=[0.0], kappa=[4.0])
    >>> general = to_skpro(dist, n_quantiles=100)
    >>> type(general).__name__
    'QPD_Empirical'
    >>> bool(np.isclose(general.mean().iloc[0, 0], 0.0, atol=1e-12))
    True
    """
    from ..distributions import Distribution
    from ..families.categorical import CategoricalDistribution

    if not isinstance(dist, Distribution):
        raise TypeError(f"dist must be a skprob Distribution; got {type(dist).__name__}.")
    if isinstance(dist, CategoricalDistribution) or dist.event_ndim != 0:
        raise TypeError(
            f"dist is a {type(dist).__name__}, over class labels or vectors; skpro "
            "distributions describe real or integer targets, one value per output."
        )
    if not (isinstance(n_quantiles, (int, np.integer)) and n_quantiles >= 2):
        raise ValueError(f"n_quantiles must be an integer >= 2; got {n_quantiles!r}.")
    n_rows = len(dist)
    n_outputs = int(np.prod(dist.batch_shape[1:], dtype=int))
    if columns is None:
        columns = dist.output_names if dist.output_names is not None else range(n_outputs)
    columns = pd.Index(columns)
    if len(columns) != n_outputs:
        raise ValueError(f"columns has {len(columns)} names; dist has {n_outputs} outputs.")
    exact = _exact(dist, dist.index, columns)
    if exact is not None:
        return exact
    levels = (np.arange(n_quantiles) + 0.5) / n_quantiles
    values = np.asarray(dist.quantiles(levels), dtype=np.float64).reshape(n_rows, n_outputs, -1)
    frame = pd.DataFrame(
        values.transpose(2, 0, 1).reshape(-1, n_outputs),
        index=pd.MultiIndex.from_product([levels, dist.index]),
        columns=columns,
    )
    return QPD_Empirical(frame, index=dist.index, columns=columns)


class SkprobRegressor(BaseProbaRegressor):
    """Any skprob regressor as an skpro probabilistic regressor.

    ``fit`` clones ``estimator`` and fits it; ``predict`` is the estimator's
    point prediction; ``predict_proba`` converts its ``predict_dist`` with
    :func:`to_skpro`; ``predict_quantiles`` (and so ``predict_interval``) and
    ``predict_var`` are the skprob distribution's own ``quantiles`` and
    ``var``, exact whatever skpro's counterpart.

    Parameters
    ----------
    estimator : skprob regressor or None, default=None
        The model to wrap (never modified); ``HeteroscedasticRegressor()``
        when ``None``. Deep ensembles and ``DistributionRegressor`` work too.
    n_quantiles : int, default=200
        Quantile levels of :func:`to_skpro`'s general form.

    Attributes
    ----------
    estimator_ : skprob regressor
        The fitted clone.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skprob import LaplaceMLPRegressor
    >>> from skprob.interop.skpro import SkprobRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"x": rng.uniform(-1, 1, 100)})
    >>> y = pd.DataFrame({"y": 2 * X["x"] + rng.laplace(0, 0.2, 100)})
    >>> model = SkprobRegressor(LaplaceMLPRegressor(width=8, max_iter=20, random_state=0))
    >>> dist = model.fit(X, y).predict_proba(X.iloc[:3])
    >>> type(dist).__name__, dist.shape
    ('Laplace', (3, 1))
    >>> model.predict_interval(X.iloc[:3], coverage=0.9).shape
    (3, 2)
    """

    _tags = {
        "authors": ["the skprob developers"],
        "capability:multioutput": False,
        "capability:missing": False,
        "X_inner_mtype": "pd_DataFrame_Table",
        "y_inner_mtype": "pd_DataFrame_Table",
    }

    def __init__(self, estimator=None, n_quantiles=200):
        self.estimator = estimator
        self.n_quantiles = n_quantiles
        super().__init__()

    def _fit(self, X, y):
        from ..families.normal import HeteroscedasticRegressor

        template = HeteroscedasticRegressor() if self.estimator is None else self.estimator
        if not (is_regressor(template) and hasattr(template, "predict_dist")):
            raise TypeError(
                f"estimator={template!r} is not a skprob regressor (one with predict_dist); "
                "skpro's regressors predict distributions of numeric targets."
            )
        self.estimator_ = clone(template)
        self._y_columns = y.columns
        # Column names of mixed types become strings, as scikit-learn requires them.
        self.estimator_.fit(prep_skl_df(X), y.iloc[:, 0])
        return self

    def _dist(self, X):
        return self.estimator_.predict_dist(prep_skl_df(X))

    def _predict(self, X):
        point = self.estimator_.predict(prep_skl_df(X))
        point = np.asarray(point, dtype=np.float64).reshape(len(X), -1)
        return pd.DataFrame(point, index=X.index, columns=self._y_columns)

    def _predict_proba(self, X):
        return to_skpro(self._dist(X), columns=self._y_columns, n_quantiles=self.n_quantiles)

    def _predict_quantiles(self, X, alpha):
        values = np.asarray(self._dist(X).quantiles(alpha), dtype=np.float64)
        columns = self._get_columns(method="predict_quantiles", alpha=alpha)
        return pd.DataFrame(values.reshape(len(X), -1), index=X.index, columns=columns)

    def _predict_var(self, X):
        var = np.asarray(self._dist(X).var(), dtype=np.float64).reshape(len(X), -1)
        return pd.DataFrame(var, index=X.index, columns=self._y_columns)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Small, seeded instances for skpro's estimator checks.

        Parameters
        ----------
        parameter_set : str, default="default"
            Unused: one set of test parameters.

        Returns
        -------
        list of dict
            A normal and a mixture model, each a few epochs of a narrow network.

        Examples
        --------
        >>> from skprob.interop.skpro import SkprobRegressor
        >>> len(SkprobRegressor.get_test_params())
        2
        """
        from ..families.mixture import MixtureDensityRegressor
        from ..families.normal import HeteroscedasticRegressor

        small = {"width": 8, "max_iter": 5, "random_state": 0}
        return [
            {"estimator": HeteroscedasticRegressor(**small)},
            {"estimator": MixtureDensityRegressor(n_components=2, **small), "n_quantiles": 50},
        ]
