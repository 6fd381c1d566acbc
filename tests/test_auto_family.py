"""DistributionRegressor choosing its family by held-out likelihood (distribution="auto")."""

import numpy as np
import pytest
from sklearn.base import clone

from skprob import DistributionRegressor, available_families, get_family
from skprob._selection import candidate_families, select_family


def features(rng, n):
    return rng.uniform(-1.0, 1.0, size=(n, 2))


def counts(kind, rng, n):
    X = features(rng, n)
    mean = np.exp(1.0 + 0.8 * X[:, 0])
    if kind == "poisson":
        return X, rng.poisson(mean).astype(float)
    return X, rng.negative_binomial(1.5, 1.5 / (1.5 + mean)).astype(float)


def positive(kind, rng, n):
    X = features(rng, n)
    median = np.exp(0.5 + 0.7 * X[:, 0])
    if kind == "lognormal":
        return X, median * np.exp(0.8 * rng.standard_normal(n))
    return X, median * rng.weibull(0.8, n)  # a Weibull of shape 0.8, far from the others


@pytest.mark.parametrize("make, kind, candidates", [
    (counts, "poisson", ["poisson", "negative_binomial", "zero_inflated_poisson"]),
    (counts, "negative_binomial", ["poisson", "negative_binomial", "zero_inflated_poisson"]),
    (positive, "lognormal", ["lognormal", "weibull", "gamma"]),
    (positive, "weibull", ["lognormal", "weibull", "gamma"]),
])
def test_picks_the_generating_family_among_candidates(make, kind, candidates):
    X, y = make(kind, np.random.default_rng(0), 2000)
    model = DistributionRegressor(distribution=candidates, random_state=0).fit(X, y)
    assert model.distribution_ == kind, model.selection_scores_
    assert set(model.selection_scores_) == set(candidates)
    assert model.family_.name == kind
    # The chosen family is refitted on all rows and scored like any estimator.
    assert np.isfinite(model.score(X, y))


def test_auto_tries_every_family_that_fits_the_support():
    rng = np.random.default_rng(1)
    X = features(rng, 400)
    y = X[:, 0] + 0.3 * rng.standard_normal(400)  # negative values too
    model = DistributionRegressor(distribution="auto", max_iter=30, random_state=0).fit(X, y)
    assert set(model.selection_scores_) == set(candidate_families(y))
    assert {"normal", "laplace", "student_t"} <= set(model.selection_scores_)
    assert not {"poisson", "gamma", "beta"} & set(model.selection_scores_)
    assert model.distribution_ in model.selection_scores_
    assert model.distribution == "auto"  # the constructor's argument is left alone
    assert clone(model).get_params()["distribution"] == "auto"


def test_candidate_families_follow_the_target_support():
    rng = np.random.default_rng(2)
    assert "poisson" in candidate_families(rng.poisson(3.0, 100).astype(float))
    assert "poisson" not in candidate_families(rng.normal(size=100))
    assert "gamma" in candidate_families(rng.gamma(2.0, size=100))
    assert "von_mises" not in candidate_families(rng.uniform(-3.0, 3.0, 100))


def test_a_family_opts_out_of_auto_in_its_own_file(monkeypatch):
    """proposed_by_auto on the family class decides; the selection names no family."""
    amounts = np.r_[np.zeros(30), np.random.default_rng(4).gamma(2.0, size=70)]
    opted_out = {name for name in available_families()
                 if not get_family(name).proposed_by_auto}
    assert opted_out == {"von_mises", "poisson_rate", "tweedie"}
    assert not opted_out & set(candidate_families(amounts))
    monkeypatch.setattr(type(get_family("tweedie")), "proposed_by_auto", True)
    assert "tweedie" in candidate_families(amounts)


def test_the_fewest_parameters_win_a_tie():
    # Nested families whose held-out scores are within noise: the smaller one is taken.
    X, y = counts("poisson", np.random.default_rng(3), 600)
    model = DistributionRegressor(max_iter=40, random_state=0)
    name, scores = select_family(model, X, y, None, ["negative_binomial", "poisson"])
    assert name == "poisson"
    assert abs(scores["poisson"] - scores["negative_binomial"]) < 0.05


def test_bad_choices_are_refused():
    X, y = counts("poisson", np.random.default_rng(4), 50)
    with pytest.raises(ValueError, match="Unknown distribution family"):
        DistributionRegressor(distribution=["poisson", "nope"], max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="at least 3 rows"):
        DistributionRegressor(distribution="auto", max_iter=2).fit(X[:2], y[:2])
