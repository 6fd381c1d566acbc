"""The contract every skprob estimator keeps, checked on tiny seeded data.

Tests that apply to every estimator iterate over the registry
(:func:`skprob.all_estimators`) and draw a valid target from the estimator's
family (``family.example_target``), so a new family is covered without editing
this file. Family-specific numbers (scipy references, the marginal a network
starts from) are keyed by family name.
"""

import pickle
import re

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import special, stats
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

from skprob import (
    CategoricalMLPClassifier,
    HeteroscedasticRegressor,
    PoissonMLPRegressor,
    all_estimators,
)
from skprob.base import MLPDistributionRegressor
from skprob.distributions import ScipyDistribution
from skprob.exceptions import TargetSupportError

ESTIMATORS = all_estimators()
IDS = [cls.__name__ for cls in ESTIMATORS]
N_SAMPLES = 60
N_FEATURES = 3
# Small and fast: a few epochs of a narrow network on 60 rows.
FAST = {"max_iter": 20, "width": 8, "learning_rate_init": 1e-2, "random_state": 0}

every_estimator = pytest.mark.parametrize("cls", ESTIMATORS, ids=IDS)


def family_of(cls):
    return cls()._make_family()


def make(cls, **params):
    return cls(**{**FAST, **params})


def make_X(n=N_SAMPLES, seed=0):
    return np.random.default_rng(seed).normal(size=(n, N_FEATURES))


def make_y(cls, n=N_SAMPLES, seed=0):
    return family_of(cls).example_target(n, seed)


def require_regressor(cls):
    if not issubclass(cls, MLPDistributionRegressor):
        pytest.skip(f"{cls.__name__} is not a regressor: no `prediction` or `return_std`")


def require_multi_output(cls):
    family = family_of(cls)
    if family.is_classifier or not family.multi_output:
        pytest.skip(f"the {family.name!r} family models a single target")
    if np.ndim(family.example_target(4, 0)) != 1:
        pytest.skip(f"the {family.name!r} family's example target is already 2-D")


def make_y_2d(cls, n=N_SAMPLES):
    return np.column_stack([make_y(cls, n, seed=0), make_y(cls, n, seed=1)])


def assert_same_dist(a, b, **tol):
    assert a.params.keys() == b.params.keys()
    for name in a.params:
        if tol:
            np.testing.assert_allclose(a.params[name], b.params[name], err_msg=name, **tol)
        else:
            np.testing.assert_array_equal(a.params[name], b.params[name], err_msg=name)


# -- fit, predict, shapes ---------------------------------------------------------
@every_estimator
def test_fit_returns_self(cls):
    est = make(cls)
    assert est.fit(make_X(), make_y(cls)) is est
    check_is_fitted(est)


@every_estimator
def test_predict_shape_follows_target(cls):
    X, y = make_X(), make_y(cls)
    est = make(cls).fit(X, y)
    pred = est.predict(X[:7])
    assert pred.shape == (7,) + np.shape(y)[1:]
    dist = est.predict_dist(X[:7])
    assert len(dist) == 7
    assert est.log_likelihood(X[:7], y[:7]).shape == (7,)
    if family_of(cls).is_classifier:
        assert set(pred) <= set(est.classes_)
    else:
        assert np.all(np.isfinite(pred))


@every_estimator
def test_predict_shape_2d_target(cls):
    require_regressor(cls)
    require_multi_output(cls)
    X, Y = make_X(), make_y_2d(cls)
    est = make(cls).fit(X, Y)
    mean, std = est.predict(X[:7], return_std=True)
    assert est.predict(X[:7]).shape == mean.shape == std.shape == (7, 2)
    assert est.predict_dist(X[:7]).mean().shape == (7, 2)
    # independent outputs: one log-likelihood per row, summed over outputs
    assert est.log_likelihood(X[:7], Y[:7]).shape == (7,)


@every_estimator
def test_2d_target_with_one_column_stays_2d(cls):
    require_regressor(cls)
    require_multi_output(cls)
    X, y = make_X(), make_y(cls)[:, None]
    est = make(cls).fit(X, y)
    mean, std = est.predict(X[:5], return_std=True)
    assert mean.shape == std.shape == est.predict(X[:5]).shape == (5, 1)
    assert np.isfinite(est.score(X, y))


@every_estimator
def test_return_std_matches_predict_dist(cls):
    require_regressor(cls)
    X = make_X()
    est = make(cls).fit(X, make_y(cls))
    dist = est.predict_dist(X)
    for prediction in ("mode", "mean", "median"):
        est.set_params(prediction=prediction)
        point, std = est.predict(X, return_std=True)
        np.testing.assert_array_equal(point, getattr(dist, prediction)())
        np.testing.assert_array_equal(point, est.predict(X))
        np.testing.assert_array_equal(std, dist.std())
        assert np.all(std > 0)


def test_poisson_mean_and_mode_differ_as_documented():
    X, y = make_X(), PoissonMLPRegressor()._make_family().example_target(N_SAMPLES, 0)
    est = PoissonMLPRegressor(**FAST).fit(X, y)
    rate = est.predict_dist(X).params["rate"]
    assert np.all(rate != np.floor(rate))  # otherwise mode and mean could coincide
    np.testing.assert_array_equal(est.set_params(prediction="mean").predict(X), rate)
    np.testing.assert_array_equal(est.set_params(prediction="mode").predict(X), np.floor(rate))
    np.testing.assert_array_equal(
        est.set_params(prediction="median").predict(X), stats.poisson(rate).median()
    )
    _, std = est.predict(X, return_std=True)
    np.testing.assert_allclose(std, np.sqrt(rate))


# -- the predicted distribution ---------------------------------------------------
@every_estimator
def test_predict_dist_container(cls):
    X = make_X()
    est = make(cls).fit(X, make_y(cls))
    dist = est.predict_dist(X[:10])
    params = dist.params
    assert len(dist) == 10
    assert set(params) == set(dist.param_names)
    assert all(len(v) == 10 for v in params.values())
    params[dist.param_names[0]][:] = 123.0  # a copy: the distribution does not change
    assert not np.any(dist.params[dist.param_names[0]] == 123.0)

    for key, index in [
        (3, [3]),
        (-1, [9]),
        (-2, [8]),
        (np.int64(4), [4]),
        (slice(2, 5), [2, 3, 4]),
        (slice(None, None, -3), [9, 6, 3, 0]),
        (np.arange(10) % 3 == 0, [0, 3, 6, 9]),
    ]:
        part = dist[key]
        assert len(part) == len(index), key
        for name, value in part.params.items():
            # (a family may renormalise its parameters when it rebuilds: last-bit differences)
            np.testing.assert_allclose(value, dist.params[name][index], rtol=1e-12, err_msg=name)
        assert list(part.to_frame().index) == index
    for key in (10, -11):
        with pytest.raises(IndexError):
            dist[key]


@every_estimator
def test_to_frame_keeps_dataframe_index(cls):
    X = make_X()
    index = pd.Index([f"row{i}" for i in range(N_SAMPLES)], name="id")
    X_df = pd.DataFrame(X, columns=["a", "b", "c"], index=index)
    est = make(cls).fit(X_df, make_y(cls))
    frame = est.predict_dist(X_df.iloc[::-1]).to_frame()
    assert frame.index.equals(index[::-1])
    assert frame.shape[0] == N_SAMPLES
    # the same numbers as predicting without row labels, which gives a range index
    bare = est.predict_dist(X_df.iloc[::-1].reset_index(drop=True)).to_frame()
    assert bare.index.equals(pd.RangeIndex(N_SAMPLES))
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), bare)


@every_estimator
def test_to_frame_names_outputs_after_y_columns(cls):
    require_multi_output(cls)
    X = make_X()
    Y = pd.DataFrame(make_y_2d(cls), columns=["alpha", "beta"])
    est = make(cls).fit(X, Y)
    dist = est.predict_dist(X)
    frame = dist.to_frame()
    # "<param>[<output>]", possibly followed by a family's own sub-labels
    labels = [re.fullmatch(r"(\w+)\[(\w+)\](.*)", col) for col in frame.columns]
    assert all(labels), list(frame.columns)
    by_output = {}
    for match in labels:
        by_output.setdefault(match.group(2), []).append((match.group(1), match.group(3)))
    assert set(by_output) == {"alpha", "beta"}
    assert by_output["alpha"] == by_output["beta"]
    for name, value in dist.params.items():
        if f"{name}[alpha]" in frame:
            np.testing.assert_array_equal(frame[f"{name}[alpha]"], value[:, 0])
            np.testing.assert_array_equal(frame[f"{name}[beta]"], value[:, 1])


@every_estimator
def test_to_frame_names_a_single_output_column(cls):
    require_multi_output(cls)
    Y = pd.DataFrame({"beta": make_y(cls)})
    est = make(cls).fit(make_X(), Y)
    columns = est.predict_dist(make_X()).to_frame().columns
    assert all(re.fullmatch(r"\w+\[beta\].*", col) for col in columns), list(columns)


# -- scoring ----------------------------------------------------------------------
@every_estimator
def test_score_is_mean_log_likelihood(cls):
    X, y = make_X(), make_y(cls)
    est = make(cls).fit(X, y)
    log_lik = est.predict_dist(X).log_likelihood(y)
    assert log_lik.shape == (N_SAMPLES,)
    np.testing.assert_array_equal(est.log_likelihood(X, y), log_lik)
    assert est.score(X, y) == pytest.approx(log_lik.mean(), rel=1e-12)
    assert est.nll(X, y) == -est.score(X, y)
    w = np.random.default_rng(1).uniform(0, 3, size=N_SAMPLES)
    assert est.score(X, y, sample_weight=w) == pytest.approx(
        np.sum(w * log_lik) / np.sum(w), rel=1e-12
    )
    assert est.nll(X, y, sample_weight=w) == -est.score(X, y, sample_weight=w)
    assert est.score(X, y, sample_weight=w) != pytest.approx(est.score(X, y), rel=1e-9)


def _onehot(classes, y):
    return (np.asarray(y)[:, None] == np.asarray(classes)[None, :]).astype(int)


#: Family name -> log-density of y under the predicted parameters, straight from scipy,
#: for families whose distribution is not a ScipyDistribution (those are held against
#: their own scipy counterpart, ``dist._scipy()``, whatever their family).
SCIPY_LOGPDF = {
    "bernoulli": lambda p, y, classes: stats.bernoulli.logpmf(
        (np.asarray(y) == classes[1]).astype(int), special.expit(p["logit"])
    ),
    "categorical": lambda p, y, classes: stats.multinomial.logpmf(
        _onehot(classes, y), 1, np.exp(p["log_probs"])
    ),
    # Observed rates count / exposure: the Poisson log-pmf continued to real y.
    "poisson_rate": lambda p, y, classes: (
        special.xlogy(y, p["rate"]) - p["rate"] - special.gammaln(np.asarray(y) + 1.0)
    ),
}


def scipy_log_density(family, dist, y, classes):
    if family.name in SCIPY_LOGPDF:
        return SCIPY_LOGPDF[family.name](dist.params, y, classes)
    if isinstance(dist, ScipyDistribution):
        frozen = dist._scipy()
        return frozen.logpmf(y) if dist.discrete else frozen.logpdf(y)
    return None


@every_estimator
def test_score_matches_scipy_by_hand(cls):
    family = family_of(cls)
    X, y = make_X(), make_y(cls)
    targets = [y]
    if family.multi_output and not family.is_classifier:
        targets.append(make_y_2d(cls))
    for target in targets:
        est = make(cls).fit(X, target)
        dist = est.predict_dist(X)
        logp = scipy_log_density(family, dist, target, getattr(est, "classes_", None))
        if logp is None:
            pytest.skip(f"no scipy reference for the {family.name!r} family")
        by_hand = logp.reshape(N_SAMPLES, -1).sum(axis=1)
        assert np.all(np.isfinite(by_hand))
        assert est.score(X, target) == pytest.approx(by_hand.mean(), rel=1e-9)
        assert est.nll(X, target) == pytest.approx(-by_hand.mean(), rel=1e-9)
        np.testing.assert_allclose(est.log_likelihood(X, target), by_hand, rtol=1e-9)


# -- classifiers ------------------------------------------------------------------
CLASSIFIERS = [cls for cls in ESTIMATORS if family_of(cls).is_classifier]


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=[c.__name__ for c in CLASSIFIERS])
def test_classifier_probabilities(cls):
    X, y = make_X(), make_y(cls)
    est = make(cls).fit(X, y)
    proba = est.predict_proba(X)
    assert proba.shape == (N_SAMPLES, len(est.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all((proba > 0) & (proba < 1))
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(proba), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(est.predict(X), est.classes_[np.argmax(proba, axis=1)])
    codes = np.searchsorted(est.classes_, y)
    np.testing.assert_allclose(
        est.log_likelihood(X, y), np.log(proba[np.arange(N_SAMPLES), codes]), rtol=1e-9
    )


def _relabel(kind, y):
    classes, codes = np.unique(y, return_inverse=True)
    k = len(classes)
    if kind == "str":
        return np.array(["owl", "cat", "emu", "yak", "ant", "bee"][:k])[codes]
    if kind == "int":
        return np.array([40, -3, 7, 1000, 0, 5][:k])[codes]
    names = np.array(["owl", "cat", "emu", "yak", "ant", "bee"][:k])
    # categories deliberately not in sorted order
    return pd.Series(pd.Categorical(names[codes], categories=list(names)))


@pytest.mark.parametrize("kind", ["str", "int", "categorical"])
@pytest.mark.parametrize("cls", CLASSIFIERS, ids=[c.__name__ for c in CLASSIFIERS])
def test_classifier_label_types(cls, kind):
    X = make_X()
    labels = _relabel(kind, make_y(cls))
    values = np.asarray(labels)
    est = make(cls).fit(X, labels)
    np.testing.assert_array_equal(est.classes_, np.unique(values))
    pred = est.predict(X)
    assert set(pred) <= set(values)
    proba = est.predict_proba(X)
    np.testing.assert_array_equal(pred, est.classes_[np.argmax(proba, axis=1)])
    codes = np.array([list(est.classes_).index(v) for v in values])
    by_hand = np.log(proba[np.arange(N_SAMPLES), codes]).mean()
    assert est.score(X, labels) == pytest.approx(by_hand, rel=1e-9)
    frame = est.predict_dist(X).to_frame()
    assert frame.shape[0] == N_SAMPLES


# -- inputs -----------------------------------------------------------------------
@every_estimator
def test_dataframe_sets_feature_names_in(cls):
    X, y = make_X(), make_y(cls)
    X_df = pd.DataFrame(X, columns=["height", "weight", "age"])
    est = make(cls).fit(X_df, y)
    np.testing.assert_array_equal(est.feature_names_in_, ["height", "weight", "age"])
    assert est.n_features_in_ == 3
    assert_same_dist(est.predict_dist(X_df), make(cls).fit(X, y).predict_dist(X))
    est_np = make(cls).fit(X, y)
    assert not hasattr(est_np, "feature_names_in_")
    assert est_np.n_features_in_ == 3


@every_estimator
def test_memory_layout_of_X_changes_nothing(cls):
    """C order, Fortran order, strided views and slices fit and predict bit for bit alike."""
    X, y = make_X(), make_y(cls)
    wide = np.repeat(X, 2, axis=1)  # wide[:, ::2] is X as a strided view
    taller = np.vstack([X[:5], X, X[:5]])  # taller[5:-5] is X as a view with an offset
    layouts = {
        "fortran": np.asfortranarray(X),
        "strided view": wide[:, ::2],
        "row slice of a larger array": np.asfortranarray(taller)[5:-5],
        "reversed rows, reversed back": X[::-1][::-1],
    }
    reference = make(cls).fit(X, y)
    expected = reference.predict_dist(X)
    for name, X_layout in layouts.items():
        assert np.array_equal(X_layout, X), name
        fitted = make(cls).fit(X_layout, y)
        assert_same_dist(fitted.predict_dist(X_layout), expected)
        assert_same_dist(reference.predict_dist(X_layout), expected)
    # Fewer rows per forward pass may take another BLAS kernel: equal to rounding.
    subset = reference.predict_dist(np.asfortranarray(X)[7:19])
    assert_same_dist(subset, expected[7:19], rtol=1e-12, atol=1e-12)


@every_estimator
def test_float32_float64_and_lists(cls):
    X32 = make_X().astype(np.float32)
    X64 = X32.astype(np.float64)
    y = make_y(cls)
    dist64 = make(cls).fit(X64, y).predict_dist(X64)
    dist32 = make(cls).fit(X32, y).predict_dist(X32)
    dist_list = make(cls).fit(X64.tolist(), y.tolist()).predict_dist(X64.tolist())
    for dist in (dist64, dist32, dist_list):
        assert all(np.all(np.isfinite(v)) for v in dist.params.values())
    assert_same_dist(dist32, dist64, rtol=1e-6, atol=1e-7)
    assert_same_dist(dist_list, dist64, rtol=1e-6, atol=1e-7)


# -- reproducibility, clone, pickle -----------------------------------------------
@every_estimator
def test_same_seed_same_predictions_other_seed_differs(cls):
    X, y = make_X(), make_y(cls)
    a = make(cls, random_state=0).fit(X, y).predict_dist(X)
    b = make(cls, random_state=0).fit(X, y).predict_dist(X)
    c = make(cls, random_state=1).fit(X, y).predict_dist(X)
    assert_same_dist(a, b)
    assert any(not np.allclose(a.params[k], c.params[k]) for k in a.params)


@every_estimator
def test_clone_is_unfitted_with_same_params(cls):
    est = make(cls, depth=2, solver="sgd").fit(make_X(), make_y(cls))
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    with pytest.raises(NotFittedError):
        check_is_fitted(copy)
    with pytest.raises(NotFittedError):
        copy.predict(make_X())


@every_estimator
def test_pickle_round_trip(cls):
    X, y = make_X(), make_y(cls)
    est = make(cls).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    assert_same_dist(restored.predict_dist(X), est.predict_dist(X))
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    assert restored.score(X, y) == est.score(X, y)
    assert restored.loss_curve_ == est.loss_curve_


# -- training options -------------------------------------------------------------
@every_estimator
def test_warm_start_continues_and_cold_start_refits(cls):
    X, y = make_X(), make_y(cls)
    est = make(cls, max_iter=5, early_stopping=False, warm_start=True).fit(X, y)
    first = list(est.loss_curve_)
    assert est.n_iter_ == len(first) == 5
    est.fit(X, y)
    assert est.n_iter_ == 10
    assert len(est.loss_curve_) == 10
    assert est.loss_curve_[:5] == first
    # continued from the trained weights: one epoch at a negligible learning rate keeps them
    before = est.predict_dist(X)
    est.set_params(learning_rate_init=1e-12, max_iter=1).fit(X, y)
    assert est.n_iter_ == 11
    assert_same_dist(est.predict_dist(X), before, rtol=1e-5, atol=1e-6)
    # without warm_start, fit starts again from scratch
    cold = make(cls, max_iter=5, early_stopping=False).fit(X, y)
    cold.fit(X, y)
    assert cold.n_iter_ == 5
    assert cold.loss_curve_ == first
    cold.set_params(learning_rate_init=1e-12, max_iter=1).fit(X, y)
    assert cold.n_iter_ == 1
    assert any(not np.allclose(v, before.params[k]) for k, v in cold.predict_dist(X).params.items())


@every_estimator
def test_verbose_prints_one_line_per_epoch(cls, capsys):
    X, y = make_X(), make_y(cls)
    est = make(cls, max_iter=4, verbose=1).fit(X, y)
    *lines, last = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == est.n_iter_ == 4
    # then one closing line: why training stopped, and which epoch's weights were kept
    assert last.startswith("Training stopped after epoch 4: max_iter=4 epochs were run")
    assert f"kept the weights of epoch {est.training_result_.best_epoch} " in last
    pattern = r"Epoch\s+(\d+)/(\d+) \| train NLL (-?[\d.]+) \| validation NLL (-?[\d.]+) .*"
    for epoch, line in enumerate(lines, start=1):
        match = re.fullmatch(pattern, line)
        assert match, line
        assert int(match.group(1)) == epoch
        assert int(match.group(2)) == 4
        assert float(match.group(3)) == pytest.approx(est.loss_curve_[epoch - 1], abs=5e-5)
        assert float(match.group(4)) == pytest.approx(
            est.validation_loss_curve_[epoch - 1], abs=5e-5
        )
    make(cls, max_iter=2, verbose=0).fit(X, y)
    assert capsys.readouterr().out == ""


@every_estimator
def test_early_stopping_curves(cls):
    X, y = make_X(), make_y(cls)
    est = make(cls, early_stopping=False).fit(X, y)
    assert est.validation_loss_curve_ == []
    assert est.best_validation_loss_ is None
    assert len(est.loss_curve_) == est.n_iter_
    est = make(cls, early_stopping=True).fit(X, y)
    assert len(est.validation_loss_curve_) == len(est.loss_curve_) == est.n_iter_
    assert est.best_validation_loss_ == min(est.validation_loss_curve_)


def linear_shapes(est):
    return [
        (m.in_features, m.out_features)
        for m in est.module_.modules()
        if isinstance(m, torch.nn.Linear)
    ]


@every_estimator
def test_hidden_layer_sizes_override_depth_and_width(cls):
    est = make(cls, hidden_layer_sizes=(7, 3), depth=5, width=99).fit(make_X(), make_y(cls))
    n_dependent = est.family_.n_raw_[0]
    assert linear_shapes(est) == [(N_FEATURES, 7), (7, 3), (3, n_dependent)]
    est = make(cls, depth=2, width=5).fit(make_X(), make_y(cls))
    assert linear_shapes(est) == [(N_FEATURES, 5), (5, 5), (5, n_dependent)]


@every_estimator
def test_depth_zero_is_a_glm(cls):
    X = make_X()
    est = make(cls, depth=0).fit(X, make_y(cls))
    assert linear_shapes(est) == [(N_FEATURES, est.family_.n_raw_[0])]
    params = est.predict_dist(X).params
    assert all(np.all(np.isfinite(v)) for v in params.values())
    assert np.isfinite(est.score(X, make_y(cls)))


@pytest.mark.parametrize(
    "solver, batch_size",
    # lbfgs always steps on the full batch
    [
        ("adam", "full"),
        ("adam", 16),
        ("adamw", 16),
        ("sgd", "full"),
        ("sgd", 16),
        ("lbfgs", "full"),
    ],
)
@every_estimator
def test_solvers_and_batch_sizes(cls, solver, batch_size):
    X, y = make_X(), make_y(cls)
    est = make(cls, solver=solver, batch_size=batch_size, max_iter=5).fit(X, y)
    assert 1 <= est.n_iter_ <= 5
    assert np.all(np.isfinite(est.loss_curve_))
    params = est.predict_dist(X).params
    assert all(np.all(np.isfinite(v)) for v in params.values())
    assert np.isfinite(est.score(X, y))


# -- where training starts, and target standardisation ---------------------------
def _weighted_marginal_check(family_name, est, dist, y, w):
    """Family-specific: the untrained network is the weighted marginal of y."""
    if family_name == "normal":
        mean = np.average(y, weights=w)
        std = np.sqrt(np.average((y - mean) ** 2, weights=w))
        np.testing.assert_allclose(dist.params["loc"], mean, rtol=1e-6)
        np.testing.assert_allclose(dist.params["scale"], std, rtol=1e-5)
    elif family_name == "poisson":
        np.testing.assert_allclose(dist.params["rate"], np.average(y, weights=w), rtol=1e-5)


@every_estimator
def test_untrained_network_is_the_weighted_marginal(cls):
    X, y = make_X(), make_y(cls)
    w = np.random.default_rng(3).uniform(0.1, 5.0, size=N_SAMPLES)
    est = make(cls, learning_rate_init=1e-12, max_iter=1).fit(X, y, sample_weight=w)
    # the best constant model: every row gets the family's initial raw outputs
    with torch.no_grad():
        raw = est.module_(torch.as_tensor((X - est.x_mean_) / est.x_scale_, dtype=torch.float32))
    np.testing.assert_allclose(
        raw.numpy(), np.broadcast_to(est.family_.initial_raw_, raw.shape), atol=1e-6
    )
    dist = est.predict_dist(X)
    family = family_of(cls)
    if family.is_classifier:
        frequency = [np.average(np.asarray(y) == c, weights=w) for c in est.classes_]
        np.testing.assert_allclose(est.predict_proba(X), np.tile(frequency, (N_SAMPLES, 1)),
                                   rtol=1e-5)
    elif family.name in ("normal", "poisson"):
        _weighted_marginal_check(family.name, est, dist, y, w)
    else:
        return  # no hand-written marginal for this family: the constant model is checked above
    # and the marginal really is weighted: the unweighted one differs
    unweighted = make(cls, learning_rate_init=1e-12, max_iter=1).fit(X, y).predict_dist(X)
    assert any(not np.allclose(dist.params[k], unweighted.params[k]) for k in dist.params)


@every_estimator
def test_affine_target_change_transforms_predictions(cls):
    require_regressor(cls)
    # An odd number of rows: a median-type constant optimum (Laplace) is then unique, so both
    # fits start from the same point and the comparison can be tight.
    X, y = make_X(n=61), make_y(cls, n=61)
    if np.ndim(y) != 1:
        pytest.skip("this family's example target is 2-D")
    y_big = 1000.0 * y + 5.0
    family = family_of(cls).fit(y)
    try:
        family_big = family_of(cls).fit(y_big)
    except TargetSupportError:
        pytest.skip(f"1000 * y + 5 is outside the {family.name!r} family's support")
    if not np.allclose(family_big.scale_, 1000.0 * family.scale_) or not np.allclose(
        family_big.loc_, 1000.0 * family.loc_ + 5.0
    ):
        pytest.skip(f"the {family.name!r} family does not standardise its target affinely")
    small = make(cls).fit(X, y)
    big = make(cls).fit(X, y_big)
    dist, dist_big = small.predict_dist(X), big.predict_dist(X)
    np.testing.assert_allclose(dist_big.mean(), 1000.0 * dist.mean() + 5.0, rtol=1e-6)
    np.testing.assert_allclose(dist_big.std(), 1000.0 * dist.std(), rtol=1e-6)
    np.testing.assert_allclose(
        small.log_likelihood(X, y) - big.log_likelihood(X, y_big), np.log(1000.0), atol=1e-8
    )
    assert small.score(X, y) - big.score(X, y_big) == pytest.approx(np.log(1000.0), abs=1e-8)
    np.testing.assert_allclose(
        np.asarray(big.loss_curve_) - np.asarray(small.loss_curve_), np.log(1000.0), atol=1e-4
    )


# -- model selection --------------------------------------------------------------
def _mixed_frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "size": rng.uniform(0, 10, n),
            "age": rng.normal(40, 12, n),
            "colour": rng.choice(["red", "green", "blue"], n),
        },
        index=pd.Index(np.arange(1000, 1000 + 2 * n, 2), name="house"),
    )
    shift = X["colour"].map({"red": 2.0, "green": 0.0, "blue": -2.0})
    y = 3.0 + 0.5 * X["size"] + shift + (0.2 + 0.1 * X["size"]) * rng.standard_normal(n)
    return X, y


def test_grid_search_over_pipeline_with_dataframe():
    X, y = _mixed_frame()
    # pandas output from the preprocessing keeps X's index up to predict_dist
    pipe = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [
                        ("num", StandardScaler(), ["size", "age"]),
                        ("cat", OneHotEncoder(sparse_output=False), ["colour"]),
                    ]
                ),
            ),
            ("reg", HeteroscedasticRegressor(max_iter=20, learning_rate_init=1e-2,
                                             random_state=0)),
        ]
    ).set_output(transform="pandas")
    grid = {"reg__depth": [1, 2, 3], "reg__width": [16, 64]}
    search = GridSearchCV(pipe, grid, cv=KFold(3)).fit(X, y)
    assert set(search.best_params_) == {"reg__depth", "reg__width"}
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (6,)
    assert np.all(np.isfinite(scores))
    assert search.best_score_ == np.max(scores)
    # a log-likelihood, not R^2: check one split against -nll computed by hand
    train, test = next(KFold(3).split(X, y))
    first = clone(pipe).set_params(**search.cv_results_["params"][0])
    first.fit(X.iloc[train], y.iloc[train])
    held_out = first[:-1].transform(X.iloc[test])
    assert search.cv_results_["split0_test_score"][0] == pytest.approx(
        -first[-1].nll(held_out, y.iloc[test]), rel=1e-9
    )
    # a Pipeline only forwards sklearn's own methods: predict_dist is called on its last step
    best = search.best_estimator_
    dist = best[-1].predict_dist(best[:-1].transform(X))
    frame = dist.to_frame()
    assert frame.index.equals(X.index)
    assert list(frame.columns) == ["loc", "scale"]
    np.testing.assert_array_equal(best.predict(X), dist.mode())
    assert best.score(X, y) == pytest.approx(dist.log_likelihood(y).mean(), rel=1e-12)


@every_estimator
def test_cross_val_score_is_minus_nll_per_fold(cls):
    X, y = make_X(), make_y(cls)
    cv = KFold(3, shuffle=True, random_state=0)
    est = make(cls, max_iter=10)
    scores = cross_val_score(est, X, y, cv=cv)
    assert scores.shape == (3,)
    for score, (train, test) in zip(scores, cv.split(X, y), strict=True):
        fold = clone(est).fit(X[train], y[train])
        assert score == pytest.approx(-fold.nll(X[test], y[test]), rel=1e-9)
        assert score == pytest.approx(fold.predict_dist(X[test]).log_likelihood(y[test]).mean(),
                                      rel=1e-9)


# -- sample weights of zero --------------------------------------------------------
# Zero weights are valid input; the training loop is family-agnostic, so two estimators do.
WEIGHT_ESTIMATORS = pytest.mark.parametrize(
    "cls", [HeteroscedasticRegressor, CategoricalMLPClassifier], ids=lambda c: c.__name__
)


@WEIGHT_ESTIMATORS
def test_zero_weight_rows_in_minibatches(cls):
    X, y = make_X(), make_y(cls)
    # two positive rows (with different targets): at least 4 of the 6 batches weigh zero
    w = np.zeros(N_SAMPLES)
    w[[0, int(np.argmax(np.asarray(y) != np.asarray(y)[0]))]] = 1.0
    est = make(cls, batch_size=10, max_iter=5, early_stopping=False).fit(X, y, sample_weight=w)
    assert np.all(np.isfinite(est.loss_curve_))
    assert est.training_result_.learning_rate == FAST["learning_rate_init"]


@WEIGHT_ESTIMATORS
def test_zero_weight_validation_split(cls):
    X, y = make_X(), make_y(cls)
    est = make(cls, batch_size="full", max_iter=3, validation_fraction=0.5)
    w = np.ones(N_SAMPLES)
    # the rows _split will hold out for validation (same seed derivation as fit)
    seed = int(np.random.RandomState(FAST["random_state"]).randint(np.iinfo(np.int32).max))
    codes = est._make_family().fit(y).transform_target(y) if family_of(cls).is_classifier else None
    _, val_idx = est._split(N_SAMPLES, codes, seed)
    w[val_idx] = 0.0
    est.fit(X, y, sample_weight=w)
    assert np.all(np.isfinite(est.loss_curve_))
