"""Bad input is refused before any training, with a message that names the problem.

Every rejection is a ``ValueError`` (or subclass). While the rejection is checked,
the training loop is replaced by one that fails the test, so "before any
training" is enforced, not assumed. A fresh estimator stays unfitted; a fitted
one (with and without ``warm_start``) keeps its predictions exactly.

Tests that apply to every estimator iterate over :func:`skprob.all_estimators`.
"""

import copy
import itertools
import re

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from skprob import BernoulliMLPClassifier, PoissonMLPRegressor, all_estimators
from skprob.exceptions import DivergenceError, TargetSupportError

ESTIMATORS = all_estimators()
IDS = [cls.__name__ for cls in ESTIMATORS]
N_SAMPLES = 40
FAST = {"max_iter": 20, "width": 8, "learning_rate_init": 1e-2, "random_state": 0}

every_estimator = pytest.mark.parametrize("cls", ESTIMATORS, ids=IDS)


def family_of(cls):
    return cls()._make_family()


def make(cls, **params):
    return cls(**{**FAST, **params})


def make_X(n=N_SAMPLES, n_features=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, n_features))


def make_y(cls, n=N_SAMPLES, seed=0):
    return family_of(cls).example_target(n, seed)


def numeric_y(cls):
    """A valid float target (class labels as float codes), so that NaN and inf fit in."""
    y = make_y(cls)
    if family_of(cls).is_classifier:
        y = np.unique(y, return_inverse=True)[1]
    return np.array(y, dtype=np.float64)


_FITTED = {}


def fitted(cls, warm_start=False):
    """A fitted estimator (fitted once per class, copied per use)."""
    if cls not in _FITTED:
        _FITTED[cls] = make(cls).fit(make_X(), make_y(cls))
    return copy.deepcopy(_FITTED[cls]).set_params(warm_start=warm_start)


def snapshot(est):
    """Everything a failed fit must leave unchanged."""
    return {
        "attributes": sorted(vars(est)),
        "params": est.get_params(),
        "n_iter_": est.n_iter_,
        "loss_curve_": list(est.loss_curve_),
        "n_features_in_": est.n_features_in_,
        "dist": est.predict_dist(make_X()).params,
    }


def assert_same_snapshot(before, after):
    dist_before, dist_after = before.pop("dist"), after.pop("dist")
    assert after == before
    assert dist_after.keys() == dist_before.keys()
    for name in dist_before:
        np.testing.assert_array_equal(dist_after[name], dist_before[name], err_msg=name)


def assert_unfitted(est):
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    assert set(vars(est)) == set(est.get_params(deep=False))


def forbid_training(monkeypatch):
    def train(*args, **kwargs):
        raise AssertionError("training started although the input should have been refused")

    monkeypatch.setattr("skprob.base._estimator.train", train)


def assert_refused(cls, monkeypatch, X, y, match, error=ValueError, warm_match=None,
                   **fit_params):
    """``fit`` refuses (X, y) before training and leaves no half-fitted estimator.

    ``warm_match`` is the message expected from a warm start, when it differs.
    """
    previous = [fitted(cls), fitted(cls, warm_start=True)]
    before = [snapshot(est) for est in previous]
    forbid_training(monkeypatch)
    fresh = make(cls)
    with pytest.raises(error, match=match):
        fresh.fit(X, y, **fit_params)
    assert_unfitted(fresh)
    for est, snap, expected in zip(previous, before, [match, warm_match or match], strict=True):
        with pytest.raises(error, match=expected):
            est.fit(X, y, **fit_params)
        assert_same_snapshot(snap, snapshot(est))


# -- non-finite values ------------------------------------------------------------
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@every_estimator
def test_non_finite_X(cls, value, monkeypatch):
    X = make_X()
    X[5, 1] = value
    match = "Input X contains NaN" if np.isnan(value) else "Input X contains infinity"
    assert_refused(cls, monkeypatch, X, make_y(cls), match)
    with pytest.raises(ValueError, match=match):
        fitted(cls).predict_dist(X)


@pytest.mark.parametrize("value", [np.nan, np.inf], ids=["nan", "inf"])
@every_estimator
def test_non_finite_y(cls, value, monkeypatch):
    y = numeric_y(cls)
    y.flat[3] = value
    match = "Input y contains NaN" if np.isnan(value) else "Input y contains infinity"
    assert_refused(cls, monkeypatch, make_X(), y, match)


@pytest.mark.parametrize("cls", [c for c in ESTIMATORS if family_of(c).is_classifier],
                         ids=lambda c: c.__name__)
def test_missing_string_label(cls, monkeypatch):
    y = np.asarray(make_y(cls)).astype(object)
    y[3] = np.nan
    assert_refused(cls, monkeypatch, make_X(), y, "Input (y )?contains NaN")


@every_estimator
def test_non_finite_sample_weight(cls, monkeypatch):
    w = np.ones(N_SAMPLES)
    w[2] = np.nan
    assert_refused(cls, monkeypatch, make_X(), make_y(cls), "sample_weight contains NaN",
                   sample_weight=w)


# -- targets outside the support ---------------------------------------------------
@pytest.mark.parametrize(
    "bad, shown",
    [(-2.0, "-2"), (1.5, "1.5")],
    ids=["negative", "non-integer"],
)
def test_poisson_rejects_non_counts(bad, shown, monkeypatch):
    y = make_y(PoissonMLPRegressor)
    y[[4, 9]] = bad
    match = rf"'poisson' family needs y in the non-negative integers.*2 value\(s\).*{shown}"
    assert_refused(PoissonMLPRegressor, monkeypatch, make_X(), y, match,
                   error=TargetSupportError)


def test_bernoulli_rejects_three_classes(monkeypatch):
    y = np.arange(N_SAMPLES) % 3
    assert_refused(BernoulliMLPClassifier, monkeypatch, make_X(), y,
                   r"two classes; y has 3.*CategoricalMLPClassifier", error=TargetSupportError,
                   # a warm start keeps the fitted classes: the new one is an unknown label
                   warm_match=r"labels the model was not fitted on: \[2\]")


@pytest.mark.parametrize("cls", [c for c in ESTIMATORS if family_of(c).is_classifier],
                         ids=lambda c: c.__name__)
def test_classifier_unseen_label_at_score(cls):
    est = fitted(cls)
    y = np.asarray(make_y(cls)).copy()
    unseen = y.max() + 1 if y.dtype.kind in "iuf" else "never-seen"
    y = y.astype(object)
    y[0] = unseen
    with pytest.raises(TargetSupportError, match="not fitted on: .*" + re.escape(str(unseen))):
        est.score(make_X(), y)


def test_label_of_another_type_at_score():
    est = fitted(BernoulliMLPClassifier)  # int classes 0 and 1
    y = make_y(BernoulliMLPClassifier).astype(object)
    y[0] = "1"  # one label read back as text
    with pytest.raises(TargetSupportError, match="not fitted on"):
        est.score(make_X(), y)


# -- shapes and feature names ------------------------------------------------------
@every_estimator
def test_wrong_number_of_features_at_predict(cls):
    est = fitted(cls)
    before = snapshot(est)
    X = make_X(n_features=4)
    methods = ["predict_dist", "predict"] + (
        ["predict_proba", "predict_log_proba"] if family_of(cls).is_classifier else []
    )
    for method in methods:
        with pytest.raises(ValueError, match="X has 4 features, but .* is expecting 3 features"):
            getattr(est, method)(X)
    with pytest.raises(ValueError, match="X has 4 features"):
        est.score(X, make_y(cls))
    assert_same_snapshot(before, snapshot(est))


@every_estimator
def test_wrong_number_of_features_on_warm_start(cls, monkeypatch):
    est = fitted(cls, warm_start=True)
    before = snapshot(est)
    forbid_training(monkeypatch)
    with pytest.raises(ValueError, match="X has 2 features, but .* is expecting 3 features"):
        est.fit(make_X(n_features=2), make_y(cls))
    assert_same_snapshot(before, snapshot(est))


@every_estimator
def test_dataframe_feature_names(cls):
    X, y = make_X(), make_y(cls)
    est = make(cls, max_iter=2).fit(pd.DataFrame(X, columns=["a", "b", "c"]), y)
    with pytest.raises(ValueError, match="feature names should match"):
        est.predict_dist(pd.DataFrame(X, columns=["a", "b", "z"]))
    with pytest.raises(ValueError, match="same order"):
        est.predict_dist(pd.DataFrame(X[:, ::-1], columns=["c", "b", "a"]))
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        est.predict_dist(X)
    est_np = make(cls, max_iter=2).fit(X, y)
    with pytest.warns(UserWarning, match="X has feature names, but"):
        est_np.predict_dist(pd.DataFrame(X, columns=["a", "b", "c"]))


@every_estimator
def test_zero_rows(cls, monkeypatch):
    y = make_y(cls)
    assert_refused(cls, monkeypatch, make_X()[:0], y[:0], r"0 sample\(s\)")


@pytest.mark.parametrize("cls", [c for c in ESTIMATORS if family_of(c).is_classifier],
                         ids=lambda c: c.__name__)
def test_one_class(cls, monkeypatch):
    y = np.asarray(make_y(cls))
    assert_refused(cls, monkeypatch, make_X(), np.full(N_SAMPLES, y[0]),
                   "only one class.*at least two classes")
    w = (y == y[0]).astype(float)  # the other classes weigh nothing
    assert_refused(cls, monkeypatch, make_X(), y, "only one class with positive weight",
                   sample_weight=w)


# -- sample weights ----------------------------------------------------------------
@pytest.mark.parametrize(
    "weights, match",
    [
        (np.ones(N_SAMPLES - 1), r"sample_weight.shape == \(39,\), expected \(40,\)"),
        (np.r_[np.ones(N_SAMPLES - 1), -1.0], "Negative values in data passed to `?sample_weight"),
        (np.zeros(N_SAMPLES), "sample_weight sums to zero|must contain at least one non-zero"),
    ],
    ids=["wrong-length", "negative", "all-zero"],
)
@every_estimator
def test_bad_sample_weight(cls, weights, match, monkeypatch):
    assert_refused(cls, monkeypatch, make_X(), make_y(cls), match, sample_weight=weights)


@every_estimator
def test_bad_sample_weight_at_score(cls):
    est = fitted(cls)
    X, y = make_X(), make_y(cls)
    with pytest.raises(ValueError, match="sample_weight"):
        est.score(X, y, sample_weight=np.ones(N_SAMPLES - 1))
    with pytest.raises(ValueError, match="Negative values"):
        est.score(X, y, sample_weight=-np.ones(N_SAMPLES))
    with pytest.raises(ValueError, match="at least one non-zero"):
        est.score(X, y, sample_weight=np.zeros(N_SAMPLES))


# -- hyper-parameters --------------------------------------------------------------
BAD_PARAMS = [
    ("depth", -1, InvalidParameterError),
    ("depth", 1.5, InvalidParameterError),
    ("width", 0, InvalidParameterError),
    ("hidden_layer_sizes", [8, 0], ValueError),
    ("activation", "nope", InvalidParameterError),
    ("dropout", 1.0, InvalidParameterError),
    ("solver", "newton", InvalidParameterError),
    ("learning_rate_init", 0.0, InvalidParameterError),
    ("batch_size", 0, InvalidParameterError),
    ("batch_size", "half", InvalidParameterError),
    ("max_iter", 0, InvalidParameterError),
    ("validation_fraction", 1.0, InvalidParameterError),
    ("n_iter_no_change", 0, InvalidParameterError),
    ("device", "tpu", ValueError),
    ("device", 0, InvalidParameterError),
    ("prediction", "nope", InvalidParameterError),
]


@pytest.mark.parametrize(
    "name, value, error", BAD_PARAMS, ids=[f"{n}={v!r}" for n, v, _ in BAD_PARAMS]
)
@every_estimator
def test_invalid_hyper_parameter(cls, name, value, error, monkeypatch):
    if name not in cls().get_params():
        pytest.skip(f"{cls.__name__} has no {name!r} parameter")
    previous = fitted(cls)
    before = snapshot(previous)
    forbid_training(monkeypatch)
    est = make(cls, **{name: value})
    with pytest.raises(error) as info:
        est.fit(make_X(), make_y(cls))
    assert isinstance(info.value, ValueError)
    assert name in str(info.value)
    assert_unfitted(est)
    with pytest.raises(error):
        previous.set_params(**{name: value}).fit(make_X(), make_y(cls))
    previous.set_params(**before["params"])
    assert_same_snapshot(before, snapshot(previous))


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is available here")
@every_estimator
def test_cuda_requested_without_gpu(cls, monkeypatch):
    forbid_training(monkeypatch)
    est = make(cls, device="cuda")
    with pytest.raises(ValueError, match="device='cuda' was requested but no CUDA GPU is avail"):
        est.fit(make_X(), make_y(cls))
    assert_unfitted(est)


# -- divergence ---------------------------------------------------------------------
def poison_loss(monkeypatch, cls, is_bad):
    """Make the family's NLL NaN on the training calls (numbered from 1) where ``is_bad`` holds.

    Training calls are those made with gradients; evaluations without them (the training
    NLL measured before and after a fit) neither count nor change.
    """
    family_class = type(family_of(cls))
    original = family_class.nll
    calls = itertools.count(1)

    def nll(self, raw, y):
        loss = original(self, raw, y)
        if not torch.is_grad_enabled():
            return loss
        return loss * float("nan") if is_bad(next(calls)) else loss

    monkeypatch.setattr(family_class, "nll", nll)


# one loss evaluation per epoch: full batch, no validation set
ONE_CALL_PER_EPOCH = {"batch_size": "full", "early_stopping": False, "max_iter": 6}


def assert_finite_predictions(est):
    params = est.predict_dist(make_X()).params
    for name, value in params.items():
        assert np.all(np.isfinite(value)), name


@every_estimator
def test_far_too_high_learning_rate(cls):
    """Either training recovers (finite predictions) or it stops with advice, never NaN."""
    X, y = make_X(), make_y(cls)
    params = {"solver": "sgd", "learning_rate_init": 1e6, "max_iter": 20}
    est = make(cls, **params)
    try:
        est.fit(X, y)
    except DivergenceError as err:
        assert "learning_rate_init" in str(err)
        assert_unfitted(est)
        previous = fitted(cls)
        before = snapshot(previous)
        with pytest.raises(DivergenceError):
            previous.set_params(**params).fit(X, y)
        previous.set_params(**before["params"])
        assert_same_snapshot(before, snapshot(previous))
    else:
        assert_finite_predictions(est)
        assert np.all(np.isfinite(est.loss_curve_))


@every_estimator
def test_divergence_error_path(cls, monkeypatch):
    previous = fitted(cls)
    before = snapshot(previous)
    poison_loss(monkeypatch, cls, lambda call: call > 2)
    est = make(cls, **ONE_CALL_PER_EPOCH)
    with pytest.raises(DivergenceError, match="epoch 3") as info:
        est.fit(make_X(), make_y(cls))
    message = str(info.value)
    # the advice: which settings to change, and what was already tried
    assert "smaller learning_rate_init" in message
    assert "from 0.01 to 1e-05" in message
    assert_unfitted(est)
    with pytest.raises(DivergenceError):
        previous.fit(make_X(), make_y(cls))
    assert_same_snapshot(before, snapshot(previous))


@every_estimator
def test_divergence_recovery_path(cls, monkeypatch, capsys):
    poison_loss(monkeypatch, cls, lambda call: call == 3)
    est = make(cls, verbose=1, **ONE_CALL_PER_EPOCH).fit(make_X(), make_y(cls))
    out = capsys.readouterr().out
    assert "Non-finite loss in epoch 3: weights restored, learning rate lowered to 0.001" in out
    assert est.training_result_.learning_rate == pytest.approx(1e-3)
    assert est.n_iter_ == 6
    assert len(est.loss_curve_) == 6
    assert np.all(np.isfinite(est.loss_curve_))
    assert_finite_predictions(est)


@every_estimator
def test_divergence_on_warm_start_keeps_previous_model(cls, monkeypatch):
    previous = fitted(cls, warm_start=True)
    before = snapshot(previous)
    poison_loss(monkeypatch, cls, lambda call: call > 2)
    with pytest.raises(DivergenceError):
        previous.set_params(**ONE_CALL_PER_EPOCH).fit(make_X(), make_y(cls))
    previous.set_params(**before["params"])
    assert_same_snapshot(before, snapshot(previous))


@every_estimator
def test_extreme_X_at_predict_never_gives_nan(cls):
    est = fitted(cls)
    X = make_X() * 1e38  # finite in float64, overflows the float32 network
    try:
        params = est.predict_dist(X).params
    except ValueError as err:
        assert "non-finite" in str(err)
    else:
        for name, value in params.items():
            assert not np.any(np.isnan(value)), name
