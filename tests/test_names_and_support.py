"""Family names users write (aliases, "did you mean") and scores that refuse impossible targets."""

import numpy as np
import pytest

from skprob import (
    BernoulliMLPClassifier,
    DeepEnsembleRegressor,
    DistributionRegressor,
    PoissonMLPRegressor,
    available_families,
    get_family,
)
from skprob.exceptions import TargetSupportError
from skprob.families import resolve_family_name
from skprob.metrics import crps, mean_nll, neg_mean_nll_scorer

REGRESSION_FAMILIES = [n for n in available_families() if not get_family(n).is_classifier]


@pytest.mark.parametrize(
    "alias, name",
    [("gaussian", "normal"), ("Gaussian", "normal"), ("Student-T", "student_t"), ("t", "student_t"),
     ("negbin", "negative_binomial"), ("von-mises", "von_mises"), ("mvn", "multivariate_normal")],
)
def test_aliases_name_registered_families(alias, name):
    assert resolve_family_name(alias) == name
    assert type(get_family(alias)) is type(get_family(name))


def test_distribution_regressor_takes_an_alias():
    X = np.linspace(-1, 1, 40)[:, None]
    model = DistributionRegressor("gaussian", max_iter=2, random_state=0).fit(X, X[:, 0])
    assert model.family_.name == "normal"


def test_unknown_name_suggests_the_closest_and_lists_only_regression_families():
    with pytest.raises(ValueError, match="Did you mean 'poisson'") as err:
        DistributionRegressor("poison").fit(np.zeros((4, 1)), [0, 1, 2, 3])
    message = str(err.value)
    assert "Unknown distribution 'poison'" in message
    for name in REGRESSION_FAMILIES:
        assert repr(name) in message
    assert "'bernoulli'" not in message and "'categorical'" not in message


def test_a_class_label_family_is_refused_by_the_regressor_with_the_accepted_list():
    with pytest.raises(ValueError, match="names the 'bernoulli' family") as err:
        DistributionRegressor("binary").fit(np.zeros((4, 1)), [0.0, 1.0, 2.0, 3.0])
    assert "'categorical'" not in str(err.value) and "'normal'" in str(err.value)


def test_get_family_lists_every_family_and_suggests():
    with pytest.raises(ValueError, match="Did you mean 'laplace'") as err:
        get_family("laplce")
    assert "'bernoulli'" in str(err.value)  # get_family takes every family


@pytest.fixture(scope="module")
def poisson_model():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(60, 1))
    return PoissonMLPRegressor(max_iter=3, random_state=0).fit(X, rng.poisson(2.0, 60)), X


def test_score_nll_and_mean_nll_refuse_targets_outside_the_support(poisson_model):
    model, X = poisson_model
    y = [-1, 2, 3]
    for call in (lambda: model.score(X[:3], y), lambda: model.nll(X[:3], y),
                 lambda: model.log_likelihood(X[:3], y),
                 lambda: mean_nll(y, model.predict_dist(X[:3])),
                 lambda: neg_mean_nll_scorer(model, X[:3], y)):
        with pytest.raises(TargetSupportError, match=r"outside the support .* e\.g\. \[-1\.0\]"):
            call()
    with pytest.raises(TargetSupportError, match="2.5"):
        model.score(X[:3], [0, 2.5, 3])


def test_logpmf_keeps_minus_infinity_and_crps_stays_defined(poisson_model):
    model, X = poisson_model
    dist = model.predict_dist(X[:3])
    logp = dist.logpmf([-1, 2, 3])
    assert logp[0] == -np.inf and np.isfinite(logp[1:]).all()
    assert np.isfinite(crps([-1, 2, 3], dist))  # a finite, proper score outside the support


def test_ensemble_score_refuses_targets_outside_the_support():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(40, 1))
    ensemble = DeepEnsembleRegressor(PoissonMLPRegressor(max_iter=2), n_estimators=2,
                                     random_state=0).fit(X, rng.poisson(2.0, 40))
    with pytest.raises(TargetSupportError):
        ensemble.score(X[:2], [-3, 1])


def test_bernoulli_frame_names_the_class():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 2))
    y = np.where(X[:, 0] > 0, "malignant", "benign")
    clf = BernoulliMLPClassifier(max_iter=3, random_state=0).fit(X, y)
    frame = clf.predict_dist(X[:4]).to_frame()
    assert frame.columns.tolist() == ["p[malignant]"]
    np.testing.assert_allclose(frame["p[malignant]"], clf.predict_proba(X[:4])[:, 1])
