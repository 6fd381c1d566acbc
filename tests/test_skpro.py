"""skprob in skpro: the adapter passes skpro's estimator checks, distributions convert exactly.

skpro is an optional dependency (``pip install "skprob[skpro]"``); this module is
skipped where it is not installed.
"""

import numpy as np
import pandas as pd
import pytest

skpro = pytest.importorskip("skpro")

from sklearn.model_selection import KFold  # noqa: E402
from skpro.benchmarking.evaluate import evaluate  # noqa: E402
from skpro.metrics import CRPS, PinballLoss  # noqa: E402
from skpro.utils.estimator_checks import check_estimator  # noqa: E402

from skprob import (  # noqa: E402
    DeepEnsembleRegressor,
    GammaMLPRegressor,
    GaussianMLPRegressor,
    HeteroscedasticRegressor,
    LaplaceMLPRegressor,
    MixtureDensityRegressor,
    PoissonMLPRegressor,
    StudentTMLPRegressor,
)
from skprob.ensemble import EnsembleDistribution  # noqa: E402
from skprob.families.beta import BetaDistribution  # noqa: E402
from skprob.families.exponential import ExponentialDistribution  # noqa: E402
from skprob.families.gamma import GammaDistribution  # noqa: E402
from skprob.families.laplace import LaplaceDistribution  # noqa: E402
from skprob.families.mixture import GaussianMixtureDistribution  # noqa: E402
from skprob.families.normal import NormalDistribution  # noqa: E402
from skprob.families.poisson import PoissonDistribution  # noqa: E402
from skprob.families.student_t import StudentTDistribution  # noqa: E402
from skprob.families.von_mises import VonMisesDistribution  # noqa: E402
from skprob.interop.skpro import SkprobRegressor, to_skpro  # noqa: E402
from skprob.metrics import crps  # noqa: E402

SMALL = {"width": 8, "max_iter": 5, "random_state": 0}
CHECKED = [
    HeteroscedasticRegressor(**SMALL),
    GaussianMLPRegressor(**SMALL),
    LaplaceMLPRegressor(**SMALL),
    StudentTMLPRegressor(**SMALL),
    PoissonMLPRegressor(**SMALL),
    GammaMLPRegressor(**SMALL),
    MixtureDensityRegressor(n_components=2, **SMALL),
    DeepEnsembleRegressor(HeteroscedasticRegressor(**SMALL), n_estimators=2, random_state=0),
]


@pytest.mark.parametrize("estimator", CHECKED, ids=[type(e).__name__ for e in CHECKED])
def test_skpro_estimator_checks_pass(estimator):
    results = check_estimator(SkprobRegressor(estimator), raise_exceptions=True, verbose=False)
    assert set(results.values()) == {"PASSED"}
    # skpro's own regressor contract ran, not only the generic object checks.
    names = " ".join(results)
    for test in ("test_input_output_contract", "test_pred_quantiles_interval",
                 "test_online_update", "test_predict_proba_no_param_mutation",
                 "test_fit_does_not_overwrite_hyper_params"):
        assert test in names


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.uniform(-2, 2, n), "b": rng.normal(size=n)},
                     index=pd.Index([f"row{i}" for i in range(n)], name="id"))
    y = pd.DataFrame({"target": X["a"] + (0.2 + 0.3 * np.abs(X["b"])) * rng.normal(size=n)},
                     index=X.index)
    return X, y


def test_adapter_predictions_are_skprobs():
    X, y = _data()
    model = SkprobRegressor(HeteroscedasticRegressor(width=16, max_iter=30, random_state=0))
    model.fit(X.iloc[:80], y.iloc[:80])
    X_test = X.iloc[80:]
    dist = model.estimator_.predict_dist(X_test)
    proba = model.predict_proba(X_test)
    assert type(proba).__name__ == "Normal"
    assert proba.index.equals(X_test.index) and list(proba.columns) == ["target"]
    np.testing.assert_allclose(proba.mean().to_numpy()[:, 0], dist.mean(), rtol=1e-12)
    interval = model.predict_interval(X_test, coverage=[0.5, 0.9])
    lower, upper = dist.interval(0.9)
    np.testing.assert_allclose(interval[("target", 0.9, "lower")], lower, rtol=1e-12)
    np.testing.assert_allclose(interval[("target", 0.9, "upper")], upper, rtol=1e-12)
    quantiles = model.predict_quantiles(X_test, alpha=[0.1, 0.5, 0.975])
    np.testing.assert_allclose(quantiles.to_numpy(), dist.quantiles([0.1, 0.5, 0.975]),
                               rtol=1e-12)
    np.testing.assert_allclose(model.predict_var(X_test).to_numpy()[:, 0], dist.var(),
                               rtol=1e-12)
    np.testing.assert_allclose(model.predict(X_test).to_numpy()[:, 0],
                               model.estimator_.predict(X_test), rtol=1e-12)


def test_skpro_evaluate_runs_and_agrees_with_skprob():
    X, y = _data()
    model = SkprobRegressor(HeteroscedasticRegressor(width=8, max_iter=20, random_state=0))
    results = evaluate(model, KFold(3), X, y, scoring=[CRPS(), PinballLoss()],
                       return_data=True)
    assert len(results) == 3
    assert np.all(np.isfinite(results["test_CRPS"]))
    # The first fold again, scored by skprob: the same mean CRPS.
    train, test = next(KFold(3).split(X))
    refit = HeteroscedasticRegressor(width=8, max_iter=20, random_state=0)
    refit.fit(X.iloc[train], y.iloc[train, 0])
    expected = crps(y.iloc[test, 0], refit.predict_dist(X.iloc[test]))
    assert results["test_CRPS"].iloc[0] == pytest.approx(expected, rel=1e-6)


def _random_distributions(rng, n=6):
    index = pd.Index([f"r{i}" for i in range(n)])
    loc, scale = rng.normal(size=n), rng.uniform(0.2, 3.0, n)
    shape, a = rng.uniform(0.5, 5.0, n), rng.uniform(0.5, 5.0, n)
    weights = rng.dirichlet(np.ones(3), n)
    return {
        "Normal": NormalDistribution(loc=loc, scale=scale, index=index),
        "Laplace": LaplaceDistribution(loc=loc, scale=scale, index=index),
        "TDistribution": StudentTDistribution(df=shape + 1, loc=loc, scale=scale, index=index),
        "Poisson": PoissonDistribution(rate=3 * shape, index=index),
        "Gamma": GammaDistribution(shape=shape, scale=scale, index=index),
        "Exponential": ExponentialDistribution(scale=scale, index=index),
        "Beta": BetaDistribution(a=a, b=shape, index=index),
        "NormalMixture": GaussianMixtureDistribution(
            log_weights=np.log(weights), loc=rng.normal(size=(n, 3)) * 3,
            scale=rng.uniform(0.3, 2.0, (n, 3)), index=index),
        "Mixture": EnsembleDistribution([LaplaceDistribution(loc=loc + j, scale=scale)
                                         for j in range(3)], index=index),
    }


@pytest.mark.parametrize("name", list(_random_distributions(np.random.default_rng(0))))
def test_exact_conversions_agree_with_skprob(name):
    dist = _random_distributions(np.random.default_rng(1))[name]
    index = dist.index
    converted = to_skpro(dist, columns=["y"])
    assert type(converted).__name__ == name
    assert converted.index.equals(index) and list(converted.columns) == ["y"]

    def column(frame):
        return np.asarray(frame, dtype=float).reshape(len(dist))

    y = column(dist.ppf(np.linspace(0.05, 0.95, len(dist))))
    frame = pd.DataFrame({"y": y}, index=index)
    np.testing.assert_allclose(column(converted.mean()), dist.mean(), rtol=1e-9)
    # skpro's TDistribution.var casts df to float32 (relative error up to 7e-7 here);
    # SkprobRegressor.predict_var returns skprob's own, exact variance.
    np.testing.assert_allclose(column(converted.var()), dist.var(),
                               rtol=2e-6 if name == "TDistribution" else 1e-9)
    np.testing.assert_allclose(column(converted.cdf(frame)), dist.cdf(y), rtol=1e-9)
    density = dist.pmf(y) if dist.discrete else dist.pdf(y)
    skpro_density = converted.pmf(frame) if dist.discrete else converted.pdf(frame)
    np.testing.assert_allclose(column(skpro_density), density, rtol=1e-9)
    if name not in ("NormalMixture", "Mixture"):  # skpro solves their quantiles numerically
        levels = pd.DataFrame({"y": np.linspace(0.02, 0.98, len(dist))}, index=index)
        np.testing.assert_allclose(column(converted.ppf(levels)),
                                   dist.ppf(levels["y"].to_numpy()), rtol=1e-9)


def test_other_distributions_take_the_quantile_form():
    dist = VonMisesDistribution(loc=[0.0, 2.0], kappa=[4.0, 0.5])
    converted = to_skpro(dist, n_quantiles=100)
    assert type(converted).__name__ == "QPD_Empirical"
    levels = (np.arange(100) + 0.5) / 100
    # Equal weights on the midpoint quantiles: its mean is their average, its cdf steps
    # by 1/100 at each, and its CRPS is skprob's quantile route at the same levels.
    quantiles = dist.quantiles(levels)
    np.testing.assert_allclose(converted.mean().to_numpy()[:, 0], quantiles.mean(axis=1),
                               atol=1e-12)
    at = pd.DataFrame({0: quantiles[:, 30] + 1e-9})
    np.testing.assert_allclose(converted.cdf(at).to_numpy()[:, 0], 0.31, atol=1e-9)
    ensemble = EnsembleDistribution([VonMisesDistribution(loc=[0.0], kappa=[2.0])] * 2)
    assert type(to_skpro(ensemble)).__name__ == "QPD_Empirical"


def test_refusals():
    from skprob import CategoricalMLPClassifier
    from skprob.families.categorical import CategoricalDistribution

    labels = CategoricalDistribution(log_probs=np.log([[0.5, 0.5]]), classes=["a", "b"])
    with pytest.raises(TypeError, match="class labels or vectors"):
        to_skpro(labels)
    with pytest.raises(ValueError, match="n_quantiles must be an integer >= 2"):
        to_skpro(VonMisesDistribution(loc=[0.0], kappa=[1.0]), n_quantiles=1)
    with pytest.raises(ValueError, match="columns has 2 names"):
        to_skpro(NormalDistribution(loc=[0.0], scale=[1.0]), columns=["a", "b"])
    X, y = _data(30)
    with pytest.raises(TypeError, match="is not a skprob regressor"):
        SkprobRegressor(CategoricalMLPClassifier()).fit(X, y)
