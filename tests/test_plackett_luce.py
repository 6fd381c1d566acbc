"""The Plackett-Luce family, its distribution and PlackettLuceRanker."""

import itertools

import numpy as np
import pandas as pd
import pytest
import torch

from skprob import PlackettLuceRanker
from skprob.exceptions import TargetSupportError
from skprob.families import get_family
from skprob.families.plackett_luce import (
    PlackettLuceDistribution,
    PlackettLuceFamily,
    _constant_scores,
)


def brute_force_probability(scores, ordering):
    """Product over stages of worth(chosen) / total worth of the items still available."""
    worth = np.exp(scores)
    probability = 1.0
    for j in range(len(ordering)):
        probability *= worth[ordering[j]] / worth[list(ordering[j:])].sum()
    return probability


def all_orderings(k, n_rows):
    """Every permutation of ``k`` items, each repeated for ``n_rows`` rows: (k!, n_rows, k)."""
    perms = np.array(list(itertools.permutations(range(k))))
    return np.repeat(perms[:, None, :], n_rows, axis=1)


def true_scores(X):
    """Ground truth of the synthetic problem: each item's score depends on x."""
    x0, x1 = X[:, 0], X[:, 1]
    return np.column_stack([3 * x0, 2 * np.sin(2 * x1), 2 * x0 * x1 - 0.5, np.zeros(len(X))])


# -- (b) the distribution -------------------------------------------------------
@pytest.mark.parametrize("k", [3, 4])
def test_pmf_sums_to_one_and_matches_product_formula(rng, k):
    scores = rng.normal(0.0, 1.5, size=(5, k))
    dist = PlackettLuceDistribution(scores=scores)
    orderings = all_orderings(k, len(dist))
    pmf = np.array([dist.pmf(rows) for rows in orderings])  # (k!, n_rows)
    np.testing.assert_allclose(pmf.sum(axis=0), 1.0, rtol=0, atol=1e-6)
    expected = [
        [brute_force_probability(scores[i], rows[i]) for i in range(len(dist))]
        for rows in orderings
    ]
    np.testing.assert_allclose(pmf, expected, rtol=1e-10)
    # First-place probabilities: the total over orderings that start with each item.
    first = np.stack([pmf[orderings[:, 0, 0] == item].sum(axis=0) for item in range(k)], axis=1)
    np.testing.assert_allclose(dist.top_probs(), first, rtol=1e-10)
    np.testing.assert_allclose(dist.top_probs().sum(axis=1), 1.0)
    # The mode (items by decreasing score) is the most probable ordering.
    best = orderings[np.argmax(pmf, axis=0), np.arange(len(dist))]
    np.testing.assert_array_equal(dist.mode(), best)


def test_scores_are_defined_up_to_a_constant(rng):
    scores = rng.normal(size=(4, 3))
    y = PlackettLuceDistribution(scores=scores).rvs(random_state=0)
    shifted = PlackettLuceDistribution(scores=scores + rng.normal(size=(4, 1)) * 10)
    np.testing.assert_allclose(
        shifted.logpmf(y), PlackettLuceDistribution(scores=scores).logpmf(y), rtol=1e-10
    )


def test_rvs_frequencies_match_pmf():
    scores = np.array([[1.0, 0.0, -0.5]])
    dist = PlackettLuceDistribution(scores=scores)
    draws = dist.rvs(size=60_000, random_state=0)[:, 0]
    assert draws.shape == (60_000, 3)
    for ordering in itertools.permutations(range(3)):
        frequency = np.mean(np.all(draws == ordering, axis=1))
        # The standard error of each frequency is below 0.0021.
        assert frequency == pytest.approx(dist.pmf([ordering])[0], abs=0.01)
    assert np.all(np.sort(draws, axis=1) == np.arange(3))


def test_container_protocol(rng):
    dist = PlackettLuceDistribution(scores=rng.normal(size=(5, 4)), output_names=list("abcd"))
    assert len(dist) == 5 and dist.batch_shape == (5,)
    part = dist[2:4]
    assert len(part) == 2
    np.testing.assert_array_equal(part.mode(), dist.mode()[2:4])
    # Score columns name items, not the positions the output names describe.
    assert list(dist.to_frame().columns) == ["scores[0]", "scores[1]", "scores[2]", "scores[3]"]
    assert dist.rvs(random_state=0).shape == (5, 4)
    with pytest.raises(AttributeError, match="logpmf"):
        dist.logpdf(dist.mode())
    with pytest.raises(NotImplementedError):
        dist.mean()


# -- (c) the family's torch NLL against the distribution ------------------------
def test_family_nll_equals_distribution_log_likelihood():
    y = PlackettLuceFamily.example_target(300, random_state=0)
    family = get_family("plackett_luce").fit(y)
    raw = torch.as_tensor(np.random.default_rng(1).normal(0.0, 2.0, size=(300, 4)))
    nll = family.nll(raw, torch.as_tensor(family.transform_target(y))).numpy()
    params = {name: value.numpy() for name, value in family.link(raw).items()}
    dist = family.distribution(params)
    np.testing.assert_allclose(nll, -dist.log_likelihood(y), rtol=0, atol=1e-5)
    # Training feeds float32 raw outputs and integer targets.
    nll32 = family.nll(raw.float(), torch.as_tensor(y, dtype=torch.long)).numpy()
    np.testing.assert_allclose(nll32, nll, rtol=1e-5)


@pytest.mark.parametrize("weighted", [False, True])
def test_initial_raw_is_the_constant_maximum_likelihood(rng, weighted):
    y = PlackettLuceFamily.example_target(500, random_state=1)
    weights = rng.uniform(0.1, 2.0, size=500) if weighted else np.ones(500)
    family = PlackettLuceFamily().fit(y, weights)
    w = torch.as_tensor(weights / weights.sum())

    def constant_model_gradient(scores):
        raw = torch.tensor(np.tile(scores, (500, 1)), requires_grad=True)
        (family.nll(raw, torch.as_tensor(y)) * w).sum().backward()
        return np.abs(raw.grad.sum(dim=0).numpy()).max()

    # The gradient of the constant model's NLL with respect to its scores vanishes,
    # both after the minorise-maximise start alone (up to its pseudo-count) and at
    # the family's initial raw outputs.
    assert constant_model_gradient(_constant_scores(y, weights)) < 1e-3
    assert constant_model_gradient(family.initial_raw_) < 1e-4
    assert np.argmax(family.initial_raw_) == 0  # item 0 has the highest true score


def test_initial_raw_is_finite_when_an_item_is_always_last():
    y = np.array([[0, 1, 2], [1, 0, 2], [0, 1, 2]])
    assert np.all(np.isfinite(PlackettLuceFamily().fit(y).initial_raw_))


# -- (d) recovery of a known model ---------------------------------------------
def test_held_out_nll_close_to_true_model():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(10_000, 2))
    y = PlackettLuceDistribution(scores=true_scores(X)).rvs(random_state=0)
    model = PlackettLuceRanker(random_state=0).fit(X[:5000], y[:5000])
    X_test, y_test = X[5000:], y[5000:]
    truth = PlackettLuceDistribution(scores=true_scores(X_test))
    gap = model.nll(X_test, y_test) - (-truth.log_likelihood(y_test).mean())
    print(f"Plackett-Luce (K=4): held-out NLL gap to the true model {gap:.4f} nats/sample")
    assert gap < 0.05
    top_agreement = np.mean(model.predict(X_test)[:, 0] == truth.mode()[:, 0])
    assert top_agreement > 0.9


# -- the estimator ---------------------------------------------------------------
def test_estimator_outputs(rng):
    X = rng.normal(size=(80, 3))
    y = pd.DataFrame(PlackettLuceFamily.example_target(80, random_state=0).astype(float),
                     columns=["first", "second", "third", "fourth"])
    model = PlackettLuceRanker(max_iter=3, width=8, random_state=0)
    model.fit(X, y, sample_weight=rng.uniform(0.5, 1.5, size=80))
    predicted = model.predict(X[:6])
    assert predicted.shape == (6, 4) and predicted.dtype.kind == "i"
    assert np.all(np.sort(predicted, axis=1) == np.arange(4))
    dist = model.predict_dist(X[:6])
    np.testing.assert_allclose(dist.top_probs().sum(axis=1), 1.0)
    np.testing.assert_allclose(model.log_likelihood(X[:6], y[:6]), dist.logpmf(y[:6]))
    assert model.score(X, y) == pytest.approx(model.log_likelihood(X, y).mean())


# -- (e) invalid targets --------------------------------------------------------
@pytest.mark.parametrize(
    "bad_row",
    [[0, 0, 2], [0, 1, 3], [0, 1, -2], [0, 1.5, 2], [2, 1, np.nan]],
    ids=["repeated", "too-large", "negative", "non-integer", "missing"],
)
def test_non_orderings_are_rejected(bad_row):
    y = np.array([[0, 1, 2], [2, 0, 1], bad_row], dtype=float)
    with pytest.raises(TargetSupportError, match="row 2"):
        PlackettLuceFamily().fit(y)


def test_estimator_rejects_non_orderings(rng):
    X = rng.normal(size=(3, 2))
    with pytest.raises(TargetSupportError, match="ordering of the items 0..2"):
        PlackettLuceRanker(max_iter=2).fit(X, [[0, 1, 2], [1, 1, 0], [2, 1, 0]])


def test_wrong_shapes_are_rejected(rng):
    X = rng.normal(size=(40, 2))
    y = PlackettLuceFamily.example_target(40, random_state=0)
    with pytest.raises(TargetSupportError, match="2-D y"):
        PlackettLuceRanker(max_iter=2).fit(X, y[:, 0])
    with pytest.raises(TargetSupportError, match="at least two items"):
        PlackettLuceRanker(max_iter=2).fit(X, np.zeros((40, 1)))
    model = PlackettLuceRanker(max_iter=2, width=8).fit(X, y)
    with pytest.raises(TargetSupportError, match="ranks 4 items"):
        model.score(X, y[:, :3])
    with pytest.raises(TargetSupportError, match="ranks 4 items"):
        model.family_.transform_target(np.tile(np.arange(5), (40, 1)))
    with pytest.raises(ValueError, match="rows"):
        model.predict_dist(X[:3]).logpmf(y)
