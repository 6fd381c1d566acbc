"""Fitted with defaults, each model comes close to the true generating model.

The issue's bar: held-out NLL within 0.05 nats per sample of the NLL of the
model that generated the data.
"""

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from skprob import (
    BernoulliMLPClassifier,
    CategoricalMLPClassifier,
    GaussianMLPRegressor,
    HeteroscedasticRegressor,
    PoissonMLPRegressor,
)

N_TRAIN, N_TEST = 5000, 20000
TOLERANCE = 0.05  # nats per sample


def _inputs(rng, n):
    return rng.uniform(-1.0, 1.0, size=(n, 3))


def _mean(X):
    return np.sin(2.0 * X[:, 0]) + X[:, 1]


def _logit(X):
    return 2.0 * np.sin(2.0 * X[:, 0]) + 2.0 * X[:, 1]


def _normal_constant(X, rng):
    dist = stats.norm(_mean(X), 0.3)
    return dist, dist.rvs(random_state=rng)


def _normal_varying(X, rng):
    dist = stats.norm(_mean(X), 0.1 + 0.5 * np.abs(X[:, 2]))
    return dist, dist.rvs(random_state=rng)


def _poisson(X, rng):
    dist = stats.poisson(np.exp(1.0 + np.sin(2.0 * X[:, 0]) + 0.5 * X[:, 1]))
    return dist, dist.rvs(random_state=rng)


def _bernoulli(X, rng):
    dist = stats.bernoulli(1.0 / (1.0 + np.exp(-_logit(X))))
    return dist, dist.rvs(random_state=rng)


CASES = {
    "gaussian": (GaussianMLPRegressor, _normal_constant),
    "heteroscedastic": (HeteroscedasticRegressor, _normal_varying),
    "poisson": (PoissonMLPRegressor, _poisson),
    "bernoulli": (BernoulliMLPClassifier, _bernoulli),
}


def _true_nll(dist, y):
    logp = dist.logpmf(y) if hasattr(dist, "logpmf") else dist.logpdf(y)
    return -float(np.mean(logp))


@pytest.mark.parametrize("case", sorted(CASES))
def test_defaults_recover_the_generating_model(case):
    estimator, draw = CASES[case]
    rng = np.random.default_rng(1)
    X, X_test = _inputs(rng, N_TRAIN), _inputs(rng, N_TEST)
    _, y = draw(X, rng)
    true_dist, y_test = draw(X_test, rng)
    model = estimator(random_state=0).fit(X, y)
    gap = model.nll(X_test, y_test) - _true_nll(true_dist, y_test)
    assert -0.02 < gap < TOLERANCE, f"{case}: NLL gap to the true model {gap:.4f}"


def test_categorical_recovers_softmax_model():
    rng = np.random.default_rng(2)
    X, X_test = _inputs(rng, N_TRAIN), _inputs(rng, N_TEST)

    def logits(X):
        return np.stack([_logit(X), -_logit(X), 2.0 * X[:, 2]], axis=1)

    def draw(X):
        p = np.exp(logits(X) - np.logaddexp.reduce(logits(X), axis=1, keepdims=True))
        u = rng.uniform(size=(len(X), 1))
        return (u > np.cumsum(p, axis=1)).sum(axis=1), p

    y, _ = draw(X)
    y_test, p_test = draw(X_test)
    labels = np.array(["a", "b", "c"])
    model = CategoricalMLPClassifier(random_state=0).fit(X, labels[y])
    true_nll = -np.mean(np.log(p_test[np.arange(len(y_test)), y_test]))
    gap = model.nll(X_test, labels[y_test]) - true_nll
    assert -0.02 < gap < TOLERANCE


def test_digits_defaults_match_sklearn_mlp():
    """Held-out log-loss and accuracy at least as good as MLPClassifier's, both on defaults."""
    X, y = load_digits(return_X_y=True)
    ours, theirs = [], []
    # One BLAS thread for sklearn's MLP, as torch has in the tests: no oversubscription
    # between the two test workers.
    with threadpool_limits(1):
        _compare_on_digits(X, y, ours, theirs)
    ours, theirs = np.mean(ours, axis=0), np.mean(theirs, axis=0)
    assert ours[0] <= theirs[0], f"log-loss {ours[0]:.4f} vs MLPClassifier {theirs[0]:.4f}"
    assert ours[1] >= theirs[1], f"accuracy {ours[1]:.4f} vs MLPClassifier {theirs[1]:.4f}"


def _compare_on_digits(X, y, ours, theirs):
    for seed in range(3):
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, stratify=y, random_state=seed
        )
        for model, scores in [
            (CategoricalMLPClassifier(random_state=seed), ours),
            (MLPClassifier(random_state=seed), theirs),
        ]:
            model.fit(X_train, y_train)
            proba = model.predict_proba(X_test)
            scores.append(
                (log_loss(y_test, proba), accuracy_score(y_test, model.predict(X_test)))
            )
