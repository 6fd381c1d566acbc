"""Ordinal (proportional-odds) classes: probabilities to 1e-6 of the exact model, recovery."""

import mpmath
import numpy as np
import pandas as pd
import pytest
import torch
from scipy import special

from skprob import CategoricalMLPClassifier, OrdinalMLPClassifier
from skprob.families.ordinal import OrdinalDistribution, ordinal_log_probs


def exact_log_probs(eta, cutpoints):
    """``log(sigmoid(c_k - eta) - sigmoid(c_{k-1} - eta))`` in 50-digit arithmetic."""
    mpmath.mp.dps = 50
    out = np.empty((len(eta), cutpoints.shape[1] + 1))
    for i, (e, cuts) in enumerate(zip(eta, cutpoints, strict=True)):
        cdf = [mpmath.mpf(0)] + [1 / (1 + mpmath.exp(-(mpmath.mpf(c) - mpmath.mpf(e))))
                                 for c in cuts] + [mpmath.mpf(1)]
        out[i] = [float(mpmath.log(cdf[k + 1] - cdf[k])) for k in range(len(cuts) + 1)]
    return out


def test_log_probabilities_match_exact_arithmetic_across_the_parameter_range():
    rng = np.random.default_rng(0)
    n, k = 400, 5
    eta = rng.uniform(-40.0, 40.0, n)
    # Thresholds from nearly tied (gaps of 1e-6) to far apart (gaps of 20).
    gaps = np.exp(rng.uniform(np.log(1e-6), np.log(20.0), (n, k - 2)))
    cutpoints = rng.uniform(-20.0, 20.0, (n, 1)) + np.concatenate(
        [np.zeros((n, 1)), np.cumsum(gaps, axis=1)], axis=1)
    exact = exact_log_probs(eta, cutpoints)
    dist = OrdinalDistribution(eta=eta, cutpoints=cutpoints, classes=np.arange(k))
    np.testing.assert_allclose(dist.log_probs(), exact, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(dist.probs().sum(axis=1), 1.0, rtol=1e-12)
    y = rng.integers(0, k, n)
    np.testing.assert_allclose(dist.logpmf(y), exact[np.arange(n), y], rtol=1e-9, atol=1e-9)
    # cdf, quantiles and the mode from the exact probabilities.
    cumulative = np.cumsum(np.exp(exact), axis=1)
    np.testing.assert_allclose(dist.cdf(y), cumulative[np.arange(n), y], rtol=1e-9, atol=1e-12)
    for q in (0.05, 0.5, 0.95):
        np.testing.assert_array_equal(dist.ppf(q), np.argmax(cumulative >= q - 1e-12, axis=1))
    np.testing.assert_array_equal(dist.mode(), np.argmax(exact, axis=1))
    # float32, as in training, on moderate parameters.
    single = ordinal_log_probs(torch.as_tensor(eta / 8, dtype=torch.float32),
                               torch.as_tensor(cutpoints / 8, dtype=torch.float32))
    moderate = np.all(np.diff(cutpoints / 8, axis=1) > 1e-3, axis=1)
    reference = exact_log_probs(eta[moderate] / 8, cutpoints[moderate] / 8)
    np.testing.assert_allclose(single.numpy()[moderate], reference, rtol=1e-3, atol=1e-3)


LABELS = ["none", "mild", "moderate", "severe"]  # their order is not alphabetical
CUTPOINTS = np.array([-1.0, 0.5, 2.0])


def make_data(rng, n):
    X = rng.uniform(-1.0, 1.0, size=(n, 3))
    eta = 1.5 * X[:, 0] + np.sin(2.0 * X[:, 1]) + 0.5 * X[:, 1] * X[:, 2]
    codes = np.searchsorted(CUTPOINTS, eta + rng.logistic(size=n))
    y = pd.Series(pd.Categorical.from_codes(codes, LABELS, ordered=True))
    return X, y, codes, eta


def test_recovers_the_generating_model_and_keeps_the_categorical_order():
    rng = np.random.default_rng(1)
    X, y, train_codes, _ = make_data(rng, 5000)
    X_test, y_test, codes, eta = make_data(rng, 20000)
    truth = OrdinalDistribution(eta=eta, cutpoints=np.tile(CUTPOINTS, (len(eta), 1)),
                                classes=np.arange(4))
    true_nll = -truth.logpmf(codes).mean()
    model = OrdinalMLPClassifier(random_state=0).fit(X, y)
    assert model.classes_.tolist() == LABELS
    gap = -model.score(X_test, y_test) - true_nll
    # Measured: 0.003 nats (the categorical classifier: 0.007).
    assert gap < 0.03
    # The thresholds are identified up to a shift of eta: their gaps are recovered.
    cuts = model.predict_dist(X_test[:1]).params["cutpoints"][0]
    np.testing.assert_allclose(np.diff(cuts), np.diff(CUTPOINTS), atol=0.25)
    # Ordered labels predicted in the user's terms, and a 90% interval that covers.
    assert set(model.predict(X_test[:50])) <= set(LABELS)
    lower, upper = model.predict_dist(X_test).interval(0.9)
    position = {label: i for i, label in enumerate(LABELS)}
    low, high = np.vectorize(position.get)(lower), np.vectorize(position.get)(upper)
    assert np.mean((codes >= low) & (codes <= high)) >= 0.9
    categorical_gap = -CategoricalMLPClassifier(random_state=0).fit(X, train_codes).score(
        X_test, codes) - true_nll
    assert gap < categorical_gap


def test_explicit_classes_keep_unseen_levels_and_refuse_unknown_labels():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 2))
    y = np.where(X[:, 0] > 0, "b", "a")
    model = OrdinalMLPClassifier(classes=["a", "b", "c"], max_iter=5, random_state=0).fit(X, y)
    assert model.classes_.tolist() == ["a", "b", "c"]
    assert model.predict_proba(X[:3]).shape == (3, 3)
    with pytest.raises(ValueError, match="not in classes"):
        OrdinalMLPClassifier(classes=["a", "c"], max_iter=5).fit(X, y)


def test_probabilities_follow_the_cumulative_logits():
    dist = OrdinalDistribution(eta=[0.0, 2.0], cutpoints=[[-1.0, 1.0]] * 2, classes=[1, 2, 3])
    cdf = special.expit(np.array([[-1.0, 1.0], [-3.0, -1.0]]))
    expected = np.diff(np.concatenate([np.zeros((2, 1)), cdf, np.ones((2, 1))], axis=1), axis=1)
    np.testing.assert_allclose(dist.probs(), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="cutpoints must increase"):
        OrdinalDistribution(eta=[0.0], cutpoints=[[1.0, 1.0]], classes=[1, 2, 3])
