"""Scores of predicted distributions against closed forms, scipy and the estimators."""

import numpy as np
import pytest
from scipy import integrate, stats
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skprob import CategoricalMLPClassifier, GaussianMLPRegressor, HeteroscedasticRegressor
from skprob.families.bernoulli import BernoulliDistribution
from skprob.families.categorical import CategoricalDistribution
from skprob.families.normal import NormalDistribution
from skprob.families.poisson import PoissonDistribution
from skprob.metrics import (
    crps,
    expected_calibration_error,
    interval_calibration_error,
    interval_coverage,
    make_distribution_scorer,
    mean_nll,
    neg_crps_scorer,
    neg_mean_nll_scorer,
    pit,
)


class _NormalWithoutClosedForm(NormalDistribution):
    """The normal with its ``crps`` hidden, to exercise the numerical routes."""

    crps = None


class _ScalarQuantiles(_NormalWithoutClosedForm):
    """A quantile function that refuses arrays of levels (the slow, safe route)."""

    def ppf(self, q):
        if np.ndim(q) > 0:
            raise ValueError("one level at a time")
        return super().ppf(q)


def _crps_by_integration(cdf, y, lower, upper):
    """Brute force: integral of (F(x) - 1{x >= y})^2, split at the jump."""
    left, _ = integrate.quad(lambda x: cdf(x) ** 2, lower, y, epsabs=1e-12, epsrel=1e-12)
    right, _ = integrate.quad(lambda x: (1.0 - cdf(x)) ** 2, y, upper, epsabs=1e-12,
                              epsrel=1e-12)
    return left + right


@pytest.fixture(scope="module")
def regression_data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(120, 2))
    y = X[:, 0] + (0.2 + 0.2 * np.abs(X[:, 1])) * rng.standard_normal(120)
    return X, y


@pytest.fixture(scope="module")
def fitted_regressor(regression_data):
    X, y = regression_data
    return HeteroscedasticRegressor(width=16, max_iter=30, random_state=0).fit(X, y)


# -- closed-form CRPS of the normal ---------------------------------------------------
@pytest.mark.parametrize(
    ("loc", "scale", "y"),
    [(0.0, 1.0, 0.0), (0.0, 1.0, 1.3), (2.0, 0.5, -1.0), (-3.0, 4.0, 10.0), (1.0, 1e-2, 1.005)],
)
def test_normal_crps_matches_brute_force_integral(loc, scale, y):
    dist = NormalDistribution(loc=[loc], scale=[scale])
    cdf = stats.norm(loc, scale).cdf
    expected = _crps_by_integration(cdf, y, loc - 40 * scale, loc + 40 * scale + abs(y - loc))
    np.testing.assert_allclose(dist.crps([y]), [expected], rtol=1e-7, atol=1e-12)


def test_normal_crps_shapes_and_limits():
    loc = np.array([[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]])
    scale = np.array([[1.0, 2.0], [0.5, 1.0], [3.0, 0.1]])
    y = np.array([[0.3, 1.0], [2.0, 1.0], [-4.0, 0.45]])
    dist = NormalDistribution(loc=loc, scale=scale)
    values = dist.crps(y)
    assert values.shape == (3, 2)
    for i in range(3):
        for j in range(2):
            single = NormalDistribution(loc=[loc[i, j]], scale=[scale[i, j]])
            np.testing.assert_allclose(values[i, j], single.crps([y[i, j]])[0], rtol=1e-12)
    # Scale and location equivariance, and the point-forecast limit |y - loc|.
    base = NormalDistribution(loc=[0.0], scale=[1.0]).crps([0.7])
    np.testing.assert_allclose(NormalDistribution(loc=[5.0], scale=[3.0]).crps([5.0 + 2.1]),
                               3.0 * base, rtol=1e-12)
    np.testing.assert_allclose(NormalDistribution(loc=[1.0], scale=[1e-9]).crps([3.5]), [2.5])
    # The multi-output mean score sums the outputs of a row, by every route.
    assert crps(y, dist) == pytest.approx(values.sum(axis=1).mean())
    numeric = _NormalWithoutClosedForm(loc=loc, scale=scale)
    assert crps(y, numeric) == pytest.approx(crps(y, dist), rel=1e-4)
    assert crps(y, numeric, method="sample", n_samples=4000) == pytest.approx(crps(y, dist),
                                                                              rel=0.05)
    assert pit(y, dist).shape == (3, 2)


# -- numerical CRPS routes ----------------------------------------------------------
def test_crps_quantile_route_matches_closed_form():
    rng = np.random.default_rng(1)
    loc = rng.normal(size=300)
    scale = rng.uniform(0.1, 3.0, size=300)
    y = loc + scale * rng.standard_normal(300)
    y[:10] = loc[:10] + 6.0 * scale[:10]  # outliers, where the far tails matter most
    exact = NormalDistribution(loc=loc, scale=scale)
    numeric = _NormalWithoutClosedForm(loc=loc, scale=scale)
    closed = crps(y, exact)
    assert crps(y, exact, method="closed_form") == closed
    assert crps(y, numeric) == pytest.approx(closed, rel=1e-4)  # "auto" falls back
    assert crps(y, exact, method="quantile") == pytest.approx(closed, rel=1e-4)
    # Row by row, the documented bounds, in standard deviations.
    from skprob.metrics._crps import _crps_from_quantiles

    for n_levels, bound in ((200, 1.05e-3), (1000, 2e-4)):
        rows = _crps_from_quantiles(exact, y, n_levels)
        assert np.all(np.abs(rows - exact.crps(y)) < bound * scale)
    bulk = np.abs(y - loc) < 2 * scale
    rows = _crps_from_quantiles(exact, y, 200)
    assert np.all(np.abs(rows - exact.crps(y))[bulk] < 5e-5 * scale[bulk])
    # A quantile function that takes one level at a time gives the same numbers.
    scalar_only = _ScalarQuantiles(loc=loc, scale=scale)
    assert crps(y, scalar_only) == pytest.approx(crps(y, numeric), rel=1e-12)


def test_crps_sample_route_is_close_and_seeded():
    rng = np.random.default_rng(2)
    loc, scale = rng.normal(size=1000), rng.uniform(0.5, 2.0, size=1000)
    y = loc + scale * rng.standard_normal(1000)
    dist = NormalDistribution(loc=loc, scale=scale)
    estimate = crps(y, dist, method="sample", n_samples=400, random_state=3)
    assert estimate == pytest.approx(crps(y, dist), abs=0.01)
    assert estimate == crps(y, dist, method="sample", n_samples=400, random_state=3)


def test_crps_of_counts_matches_exact_sum():
    rates = np.array([0.3, 2.0, 7.5, 20.0])
    y = np.array([0.0, 5.0, 7.0, 12.0])
    dist = PoissonDistribution(rate=rates)
    k = np.arange(200.0)
    F = stats.poisson(rates[:, None]).cdf(k)
    exact = ((F - (k >= y[:, None])) ** 2).sum(axis=1).mean()
    assert crps(y, dist) == pytest.approx(exact, rel=5e-3)
    assert crps(y, dist, n_levels=1000) == pytest.approx(exact, rel=5e-4)
    assert crps(y, dist, method="sample", n_samples=2000) == pytest.approx(exact, rel=0.05)


def test_crps_rejects_bad_input():
    dist = NormalDistribution(loc=[0.0], scale=[1.0])
    with pytest.raises(ValueError, match="method"):
        crps([0.0], dist, method="integral")
    with pytest.raises(ValueError, match="no exact CRPS for _NormalWithoutClosedForm"):
        crps([0.0], _NormalWithoutClosedForm(loc=[0.0], scale=[1.0]), method="closed_form")
    with pytest.raises(ValueError, match="n_levels"):
        crps([0.0], dist, method="quantile", n_levels=1)
    labels = CategoricalDistribution(log_probs=np.log([[0.5, 0.5]]), classes=["a", "b"])
    with pytest.raises(ValueError, match="class labels"):
        crps(["a"], labels)
    with pytest.raises(TypeError, match="Distribution"):
        crps([0.0], np.array([0.0]))


# -- PIT ------------------------------------------------------------------------------
def test_pit_of_true_normal_is_uniform():
    rng = np.random.default_rng(3)
    loc, scale = rng.normal(size=4000), rng.uniform(0.2, 2.0, size=4000)
    y = loc + scale * rng.standard_normal(4000)
    values = pit(y, NormalDistribution(loc=loc, scale=scale))
    np.testing.assert_allclose(values, stats.norm.cdf(y, loc, scale), rtol=1e-12)
    assert stats.kstest(values, "uniform").pvalue > 0.01
    # A model twice too wide piles its PIT values up in the middle.
    too_wide = pit(y, NormalDistribution(loc=loc, scale=2 * scale))
    assert stats.kstest(too_wide, "uniform").pvalue < 1e-6


def test_randomised_pit_of_counts_is_uniform():
    rng = np.random.default_rng(4)
    rates = rng.uniform(0.5, 4.0, size=4000)
    y = rng.poisson(rates).astype(float)
    dist = PoissonDistribution(rate=rates)
    values = pit(y, dist, random_state=0)
    assert np.all((values >= 0) & (values <= 1))
    assert stats.kstest(values, "uniform").pvalue > 0.01
    np.testing.assert_array_equal(values, pit(y, dist, random_state=0))
    # Each value lies between F(y - 1) and F(y); the plain cdf is far from uniform.
    cdf = stats.poisson(rates).cdf(y)
    assert np.all(values <= cdf + 1e-12)
    assert np.all(values >= stats.poisson(rates).cdf(y - 1) - 1e-12)
    assert stats.kstest(cdf, "uniform").pvalue < 1e-6


def test_pit_of_labels():
    dist = BernoulliDistribution(logit=[0.0, 0.0, 2.0], classes=["no", "yes"])
    values = pit(["no", "yes", "yes"], dist, random_state=0)
    assert values[0] <= 0.5 <= values[1]
    assert values[2] >= 1.0 - dist.p[2]
    three = CategoricalDistribution(log_probs=np.log([[0.2, 0.3, 0.5]]), classes=[0, 1, 2])
    with pytest.raises(ValueError, match="cdf"):
        pit([1], three)


# -- coverage and calibration ---------------------------------------------------------
def test_interval_coverage_of_true_model():
    rng = np.random.default_rng(5)
    loc, scale = rng.normal(size=20000), rng.uniform(0.5, 2.0, size=20000)
    y = loc + scale * rng.standard_normal(20000)
    dist = NormalDistribution(loc=loc, scale=scale)
    assert interval_coverage(y, dist) == pytest.approx(0.9, abs=0.01)
    assert interval_coverage(y, dist, confidence=0.5) == pytest.approx(0.5, abs=0.015)
    narrow = NormalDistribution(loc=loc, scale=scale / 2)
    expected = 2 * stats.norm.cdf(stats.norm.ppf(0.95) / 2) - 1
    assert interval_coverage(y, narrow) == pytest.approx(expected, abs=0.01)
    inside = np.abs(y - loc) <= stats.norm.ppf(0.95) * scale
    assert interval_coverage(y, dist, sample_weight=inside.astype(float)) == 1.0
    with pytest.raises(ValueError, match="confidence"):
        interval_coverage(y, dist, confidence=1.5)


def test_regression_calibration_error():
    rng = np.random.default_rng(6)
    loc = rng.normal(size=5000)
    y = loc + rng.standard_normal(5000)
    good = interval_calibration_error(y, NormalDistribution(loc=loc, scale=np.ones(5000)))
    bad = interval_calibration_error(y, NormalDistribution(loc=loc, scale=np.full(5000, 3.0)))
    assert good < 0.02
    assert bad > 0.2
    levels = [0.2, 0.6, 0.8]
    dist = NormalDistribution(loc=loc, scale=np.full(5000, 0.7))
    manual = np.mean([abs(interval_coverage(y, dist, c) - c) for c in levels])
    assert interval_calibration_error(y, dist, levels=levels) == pytest.approx(manual)
    with pytest.raises(ValueError, match="levels"):
        interval_calibration_error(y, dist, levels=[0.0, 0.5])


def test_calibration_error_of_counts():
    rng = np.random.default_rng(9)
    rates = rng.uniform(0.5, 5.0, size=5000)
    y = rng.poisson(rates).astype(float)
    dist = PoissonDistribution(rate=rates)
    # Discrete intervals over-cover; the randomised-PIT share does not.
    assert interval_coverage(y, dist, confidence=0.5) > 0.55
    assert interval_calibration_error(y, dist) < 0.02
    assert interval_calibration_error(y, PoissonDistribution(rate=3.0 * rates)) > 0.1


def test_expected_calibration_error_of_probabilities():
    rng = np.random.default_rng(7)
    p = rng.uniform(size=20000)
    y = (rng.uniform(size=20000) < p).astype(int)
    assert expected_calibration_error(y, p) < 0.02
    # Overconfident: probabilities pushed towards 0 and 1.
    sharp = 1.0 / (1.0 + np.exp(-4.0 * np.log(p / (1 - p))))
    assert expected_calibration_error(y, sharp) > 0.1
    # The same numbers from a distribution, and from two named columns.
    proba = np.column_stack([1 - p, p])
    labels = np.array(["neg", "pos"])[y]
    dist = BernoulliDistribution(logit=np.log(p / (1 - p)), classes=["neg", "pos"])
    expected = expected_calibration_error(y, proba)
    assert expected_calibration_error(labels, dist) == pytest.approx(expected)
    assert expected_calibration_error(labels, proba, classes=["neg", "pos"]) == pytest.approx(
        expected
    )
    categorical = CategoricalDistribution(log_probs=np.log(proba), classes=["neg", "pos"])
    assert expected_calibration_error(labels, categorical) == pytest.approx(expected)


def test_expected_calibration_error_by_hand():
    proba = np.array([[0.9, 0.1], [0.85, 0.15], [0.3, 0.7], [0.45, 0.55]])
    y = np.array([0, 1, 1, 0])
    # Bins of width 0.2: {0.9, 0.85} half right, {0.7} right, {0.55} wrong.
    expected = (2 * abs(0.5 - 0.875) + abs(1 - 0.7) + abs(0 - 0.55)) / 4
    assert expected_calibration_error(y, proba, n_bins=5) == pytest.approx(expected)
    weights = np.array([1.0, 1.0, 0.0, 0.0])
    assert expected_calibration_error(y, proba, weights, n_bins=5) == pytest.approx(0.375)
    with pytest.raises(ValueError, match="classes"):
        expected_calibration_error(np.array(["a", "b", "c", "a"]), proba)
    with pytest.raises(ValueError, match="n_bins"):
        expected_calibration_error(y, proba, n_bins=0)
    # One metric per kind of target: each refuses the other kind.
    with pytest.raises(TypeError, match="expected_calibration_error"):
        interval_calibration_error(y, CategoricalDistribution(log_probs=np.log(proba),
                                                              classes=[0, 1]))
    with pytest.raises(TypeError, match="interval_calibration_error"):
        expected_calibration_error(y, NormalDistribution(loc=np.zeros(4), scale=np.ones(4)))


# -- estimators and scorers -----------------------------------------------------------
def test_mean_nll_equals_minus_score(regression_data, fitted_regressor):
    X, y = regression_data
    dist = fitted_regressor.predict_dist(X)
    assert mean_nll(y, dist) == pytest.approx(-fitted_regressor.score(X, y), rel=1e-12)
    w = np.random.default_rng(0).uniform(size=len(y))
    assert mean_nll(y, dist, w) == pytest.approx(-fitted_regressor.score(X, y, w), rel=1e-12)
    assert neg_mean_nll_scorer(fitted_regressor, X, y) == pytest.approx(
        fitted_regressor.score(X, y), rel=1e-12
    )
    assert neg_crps_scorer(fitted_regressor, X, y) == pytest.approx(-crps(y, dist))


def test_mean_nll_of_a_classifier():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(90, 3))
    y = np.array(["a", "b", "c"])[np.argmax(X, axis=1)]
    clf = CategoricalMLPClassifier(width=8, max_iter=10, random_state=0).fit(X, y)
    dist = clf.predict_dist(X)
    assert mean_nll(y, dist) == pytest.approx(-clf.score(X, y), rel=1e-12)
    assert expected_calibration_error(y, dist) == pytest.approx(
        expected_calibration_error(y, clf.predict_proba(X), classes=clf.classes_)
    )


def test_scorers_in_model_selection(regression_data):
    X, y = regression_data
    model = GaussianMLPRegressor(width=8, max_iter=5, random_state=0)
    search = GridSearchCV(model, {"width": [4, 8]}, scoring=neg_crps_scorer, cv=2).fit(X, y)
    assert np.all(search.cv_results_["mean_test_score"] < 0)
    assert search.best_params_["width"] in (4, 8)

    scores = cross_validate(
        model, X, y, cv=2, return_estimator=True, return_indices=True,
        scoring={"nll": neg_mean_nll_scorer, "crps": neg_crps_scorer},
    )
    for fold, estimator in enumerate(scores["estimator"]):
        test = scores["indices"]["test"][fold]
        dist = estimator.predict_dist(X[test])
        assert scores["test_nll"][fold] == pytest.approx(estimator.score(X[test], y[test]))
        assert scores["test_crps"][fold] == pytest.approx(-crps(y[test], dist))


def test_scorers_score_a_pipeline_and_a_transformed_target(regression_data):
    """A scorer called estimator.predict_dist, which a Pipeline does not have."""
    X, y = regression_data
    pipeline = make_pipeline(StandardScaler(), GaussianMLPRegressor(width=8, max_iter=5,
                                                                    random_state=0)).fit(X, y)
    assert neg_mean_nll_scorer(pipeline, X, y) == pytest.approx(pipeline.score(X, y))
    dist = pipeline[-1].predict_dist(pipeline[0].transform(X))
    assert neg_crps_scorer(pipeline, X, y) == pytest.approx(-crps(y, dist))
    positive = np.exp(0.3 * y)
    logged = TransformedTargetRegressor(
        GaussianMLPRegressor(width=8, max_iter=5, random_state=0), func=np.log, inverse_func=np.exp
    ).fit(X, positive)
    # The scorer sees the distribution of y itself, a log-normal: its NLL is the normal's
    # NLL of log(y) plus the Jacobian term mean(log y).
    inner = logged.regressor_.predict_dist(X)
    expected = mean_nll(np.log(positive), inner) + np.mean(np.log(positive))
    assert neg_mean_nll_scorer(logged, X, positive) == pytest.approx(-expected)


def test_make_distribution_scorer():
    scorer = make_distribution_scorer(interval_coverage, confidence=0.5)
    assert "confidence=0.5" in repr(scorer)
    assert "greater_is_better=False" in repr(neg_crps_scorer)

    class Fixed:
        def predict_dist(self, X):
            return NormalDistribution(loc=np.zeros(len(X)), scale=np.ones(len(X)))

    assert scorer(Fixed(), np.zeros((2, 1)), [0.1, 3.0]) == 0.5
    with pytest.raises(TypeError, match="callable"):
        make_distribution_scorer("crps")
