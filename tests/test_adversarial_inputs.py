"""Inputs the property suite did not generate at first, each a regression test.

An adversarial run found them breaking the rule "a valid fit with finite
outputs, or a ValueError/TypeError that names the problem": sample weights at
the ends of the float range, huge counts, warm starts that change the target or
the family, device names torch knows but skprob cannot use, malformed
``hidden_layer_sizes``, tensors and huge Python integers as inputs, rankings
asked for a mean, dates, nested cells and missing labels. Each is checked here
with the smallest input that showed it (damaged model files are in
``test_persistence_damage.py``).
"""

import warnings

import mpmath
import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats
from sklearn.exceptions import ConvergenceWarning

from skprob import (
    BernoulliMLPClassifier,
    CategoricalMLPClassifier,
    DeepEnsembleRegressor,
    DistributionRegressor,
    GaussianMLPRegressor,
    MixtureDensityRegressor,
    PlackettLuceRanker,
    PoissonMLPRegressor,
    all_estimators,
)
from skprob.exceptions import TargetSupportError, UndefinedStatisticError
from skprob.families._scaling import RobustStandardize
from skprob.families.poisson import poisson_log_pmf

KW = {"max_iter": 2, "width": 4, "random_state": 0}
ESTIMATORS = all_estimators()


@pytest.fixture(scope="module")
def data():
    X = np.random.default_rng(0).normal(size=(30, 2))
    return X, X[:, 0] + 10


def forbid_training(monkeypatch):
    def train(*args, **kwargs):
        raise AssertionError("training started although the input should have been refused")

    monkeypatch.setattr("skprob.base._estimator.train", train)


def params_of(model, X):
    return model.predict_dist(X).params


def assert_same_params(a, b):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=1e-6, err_msg=name)


# -- sample weights across the float range ---------------------------------------------
def test_tiny_weights_train_like_their_ratios(data):
    """1e-46 is 0 in float32: before, training crashed in torch.stack."""
    X, y = data
    tiny = GaussianMLPRegressor(**KW).fit(X, y, sample_weight=np.linspace(1e-46, 5e-46, 30))
    moderate = GaussianMLPRegressor(**KW).fit(X, y, sample_weight=np.linspace(1, 5, 30))
    assert_same_params(params_of(tiny, X), params_of(moderate, X))


@pytest.mark.parametrize("weights", [np.r_[1e-300, np.full(29, 1e300)],
                                     np.geomspace(5e-324, 1.7e308, 30)],
                         ids=["1e-300-and-1e300", "geomspace-full-range"])
def test_weights_spanning_the_float_range_fit(data, weights):
    """Weights of 1e300 are inf in float32: before, a DivergenceError blamed the step size."""
    X, y = data
    model = GaussianMLPRegressor(**KW).fit(X, y, sample_weight=weights)
    assert np.isfinite(model.loss_curve_).all()
    relative = weights / weights.max()
    relative[relative < np.finfo(np.float32).tiny] = 0.0
    same = GaussianMLPRegressor(**KW).fit(X, y, sample_weight=relative)
    assert_same_params(params_of(model, X), params_of(same, X))


def test_one_weighted_row_trains_wherever_the_split_puts_it():
    """The only row of positive weight in the validation set left no batch: raw torch error."""
    X = np.random.default_rng(6).normal(size=(20, 2))
    for row in range(20):
        weights = np.zeros(20)
        weights[row] = 1e300  # 1e300 makes every other positive weight round to zero
        weights[row - 1] = 1e-3
        model = GaussianMLPRegressor(max_iter=1, width=2, random_state=0, early_stopping=True)
        model.fit(X, X[:, 0], sample_weight=weights)
        assert np.isfinite(model.loss_curve_).all()


@pytest.mark.parametrize(
    "name", ["GaussianMLPRegressor", "MultivariateGaussianMLPRegressor", "StudentTMLPRegressor"])
def test_weights_on_one_row_leave_the_others_in_float32_range(name):
    """All weight on one row: a weighted std of ~0 put the others at 1e14 (NaN training)."""
    import skprob

    cls = getattr(skprob, name)
    y = cls()._make_family().example_target(6, 0)
    X = np.random.default_rng(0).normal(size=(6, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = cls(**KW).fit(X, y, sample_weight=[0, 0, 0, 0, 1e-30, 1e-3])
    assert np.isfinite(model.loss_curve_).all() and np.isfinite(model.predict(X)).all()
    # The scale keeps within 1e3 of the spread of the rows with weight, not ~1e-15.
    spread = np.std(np.asarray(y)[4:], axis=0)
    assert np.all(model.family_.scale_ >= 1e-3 * spread * (1 - 1e-12))


def test_robust_scale_floor_ignores_one_far_outlier():
    """The robust floor uses the unweighted IQR, so one 1e10 among N(0, 1) leaves it alone."""
    y = np.r_[np.random.default_rng(0).normal(size=100), 1e10][:, None]
    weights = np.ones(101)
    median, scale = RobustStandardize().fit(y, weights, None)
    lower, upper = np.quantile(y, [0.25, 0.75], method="inverted_cdf")
    np.testing.assert_allclose(scale, (upper - lower) / (2 * 0.6744897501960817))
    assert median == np.quantile(y, 0.5, method="inverted_cdf")


def test_score_with_huge_weights_is_the_unweighted_score(data):
    """np.average summed 1e308 + 1e308 to inf: the score was NaN or -inf."""
    X, y = data
    model = GaussianMLPRegressor(**KW).fit(X, y)
    assert model.score(X[:2], y[:2], sample_weight=[1e308, 1e308]) == pytest.approx(
        model.score(X[:2], y[:2]))
    assert model.score(X[:3], y[:3], sample_weight=[1e308, 1e308, 5e-324]) == pytest.approx(
        model.score(X[:2], y[:2]))


def test_rows_of_zero_weight_do_not_count_in_the_score(data):
    X, y = data
    model = PoissonMLPRegressor(**KW).fit(X, np.round(np.abs(y)))
    score = model.score(X[:2], [3.0, 40.0], sample_weight=[1.0, 0.0])
    assert score == pytest.approx(model.score(X[:1], [3.0]))
    # A count outside the support is refused as fit refuses it, whatever its weight.
    with pytest.raises(TargetSupportError, match="outside the support"):
        model.score(X[:2], [3.0, -1.0], sample_weight=[1.0, 0.0])


# -- huge counts ------------------------------------------------------------------------
def reference_poisson_log_pmf(y, rate):
    # y log(rate) and log(y!) cancel to about log(y) / 2 for y near rate: enough digits
    # to hold both terms to the last of the 50 kept of their difference.
    digits = 50 + int(max(0.0, np.log10(max(y, rate))))
    with mpmath.workdps(digits):
        y, rate = mpmath.mpf(y), mpmath.mpf(rate)
        return y * mpmath.log(rate) - rate - mpmath.loggamma(y + 1)


@pytest.mark.parametrize("count", [1e15, 3e15, 1e100, 1e300, 1e305, 1.7e308])
@pytest.mark.parametrize("rate", [1e-3, 3.0, 1e15, 1e300])
def test_poisson_log_pmf_of_huge_counts_is_the_rounded_true_value(count, rate):
    """The log-pmf was NaN for a count near the float limit: lgamma and y log(rate) overflow."""
    value = float(poisson_log_pmf(torch.tensor([count], dtype=torch.float64),
                                  torch.tensor([rate], dtype=torch.float64))[0])
    expected = reference_poisson_log_pmf(count, rate)
    if expected < -np.finfo(np.float64).max:
        assert value == -np.inf  # the correctly rounded value
    else:
        assert value == pytest.approx(float(expected), rel=1e-12)


def test_poisson_score_of_a_count_near_the_float_limit(data):
    X, y = data
    model = PoissonMLPRegressor(**KW).fit(X, np.round(np.abs(y)))
    rate = model.predict_dist(X[:1]).mean()[0]
    # log P(1.7e308) is about -1.2e311: below the float range, so -inf, never NaN.
    assert reference_poisson_log_pmf(1.7e308, rate) < -np.finfo(np.float64).max
    assert model.score(X[:1], [1.7e308]) == -np.inf
    assert np.isfinite(model.score(X[:1], [1e300]))


# -- warm starts that change the target or the model --------------------------------------
@pytest.mark.parametrize("columns", [(1, 2), (2, 1)], ids=["1-to-2", "2-to-1"])
def test_warm_start_with_another_number_of_columns_is_refused(data, columns, monkeypatch):
    X, y = data
    targets = {1: y, 2: np.column_stack([y, -y])}
    model = GaussianMLPRegressor(**KW, warm_start=True).fit(X, targets[columns[0]])
    before = params_of(model, X)
    forbid_training(monkeypatch)
    with pytest.raises(ValueError, match=rf"y has {columns[1]} column\(s\); the fitted "
                                         rf"GaussianMLPRegressor .* was fitted on {columns[0]}"):
        model.fit(X, targets[columns[1]])
    assert_same_params(params_of(model, X), before)


@pytest.mark.parametrize("change", [{"distribution": "laplace"}, {"hidden_layer_sizes": [3, 3]},
                                    {"activation": "tanh"}, {"dropout": 0.5}],
                         ids=["family", "hidden-layers", "activation", "dropout"])
def test_warm_start_after_a_structural_change_is_refused(data, change, monkeypatch, tmp_path):
    """The old family (or network) was kept silently; the saved file then failed to load."""
    from skprob.persistence import load, save

    X, y = data
    model = DistributionRegressor(**KW, warm_start=True).fit(X, y)
    before = params_of(model, X)
    forbid_training(monkeypatch)
    with pytest.raises(ValueError, match="warm_start=True continues .* changed since it was "
                                         "fitted.*Set warm_start=False"):
        model.set_params(**change).fit(X, y)
    assert_same_params(params_of(model, X), before)
    model.set_params(distribution="normal", hidden_layer_sizes=None, activation="relu",
                     dropout=0.0)
    save(model, tmp_path / "model.skprob")
    assert_same_params(params_of(load(tmp_path / "model.skprob"), X), before)


def test_warm_start_with_a_new_label_says_the_classes_are_kept(data, monkeypatch):
    X, _ = data
    model = BernoulliMLPClassifier(**KW, warm_start=True).fit(X, np.arange(30) % 2)
    forbid_training(monkeypatch)
    with pytest.raises(TargetSupportError, match=r"not fitted on: \[2\].*warm_start=True "
                                                 "continues the fitted model, which keeps its "
                                                 "classes; set warm_start=False"):
        model.fit(X, np.arange(30) % 3)


# -- hyper-parameters -------------------------------------------------------------------
@pytest.mark.parametrize("device", ["xpu", "meta", "vulkan", "ipu", "lazy", "hpu", "mtia",
                                    "privateuseone", "fpga", "xla", "maia", "opengl", "cuda:-1",
                                    "CPU", " cpu", "cpu:x", ""])
def test_devices_skprob_cannot_use_are_refused(data, device, monkeypatch):
    """torch.device accepts "xpu", "meta", ...: each failed later with a raw torch error."""
    X, y = data
    forbid_training(monkeypatch)
    with pytest.raises(ValueError, match=f"device={device!r} .*expected 'cpu', 'cuda'"):
        GaussianMLPRegressor(**KW, device=device).fit(X, y)


def test_cpu_with_an_index_is_the_cpu(data):
    X, y = data
    model = GaussianMLPRegressor(**KW, device="cpu:1").fit(X, y)
    assert model.device_ == torch.device("cpu")


@pytest.mark.parametrize(("sizes", "error", "match"), [
    ([float("inf")], ValueError, r"hidden_layer_sizes\[0\] is inf, not a whole number"),
    ([float("nan")], ValueError, r"hidden_layer_sizes\[0\] is nan, not a whole number"),
    ([2.5], ValueError, r"hidden_layer_sizes\[0\] is 2.5, not a whole number"),
    ([[2, 3]], ValueError, "hidden_layer_sizes must .*nested 2 deep"),
    ({"a": 1}, TypeError, r"hidden_layer_sizes must .*got \{'a': 1\}, a dict"),
    (["a"], TypeError, r"hidden_layer_sizes\[0\] is 'a', a str"),
    ([True], TypeError, r"hidden_layer_sizes\[0\] is True, a bool"),
    ([4, 10**30], ValueError, r"hidden_layer_sizes\[1\] is 10+, outside \[1, 2147483647\]"),
    ([0], ValueError, r"hidden_layer_sizes\[0\] is 0, outside"),
], ids=["inf", "nan", "fraction", "nested", "dict", "str", "bool", "huge", "zero"])
def test_malformed_hidden_layer_sizes_are_refused_by_name(data, sizes, error, match,
                                                          monkeypatch):
    X, y = data
    forbid_training(monkeypatch)
    with pytest.raises(error, match=match):
        GaussianMLPRegressor(**KW, hidden_layer_sizes=sizes).fit(X, y)


def test_integral_float_layer_sizes_are_accepted(data):
    X, y = data
    model = GaussianMLPRegressor(**KW, hidden_layer_sizes=[3.0, np.int64(2)]).fit(X, y)
    assert model.network_spec_["hidden"] == [3, 2]


def test_width_beyond_any_layer_is_refused(data, monkeypatch):
    X, y = data
    forbid_training(monkeypatch)
    with pytest.raises(ValueError, match=r"width is 10+, outside \[1, 2147483647\]"):
        GaussianMLPRegressor(max_iter=2, width=10**30).fit(X, y)


# -- tensors and numbers beyond float64 -----------------------------------------------------
def test_tensor_that_requires_grad_is_an_input_like_any_other(data):
    X, y = data
    model = GaussianMLPRegressor(**KW).fit(torch.tensor(X, requires_grad=True), torch.tensor(y))
    reference = GaussianMLPRegressor(**KW).fit(X, y)
    tensor = torch.tensor(X, requires_grad=True)
    np.testing.assert_array_equal(model.predict(tensor), reference.predict(X))
    assert model.score(tensor, torch.tensor(y)) == reference.score(X, y)


@pytest.mark.parametrize("where", ["X", "y", "sample_weight", "predict", "score"])
def test_python_integers_beyond_float64_are_refused_by_name(data, where):
    X, y = data
    huge = 10**400
    fitted = GaussianMLPRegressor(**KW).fit(X, y)
    name = {"predict": "X", "score": "y"}.get(where, where)
    with pytest.raises(ValueError, match=f"{name} holds a number beyond the float64 range"):
        if where == "X":
            GaussianMLPRegressor(**KW).fit([[huge, 1.0]] + X[1:].tolist(), y)
        elif where == "y":
            GaussianMLPRegressor(**KW).fit(X, [huge] + y[1:].tolist())
        elif where == "sample_weight":
            GaussianMLPRegressor(**KW).fit(X, y, sample_weight=[huge] + [1] * 29)
        elif where == "predict":
            fitted.predict([[huge, 1.0]])
        else:
            fitted.score(X[:1], [huge])


# -- statistics a family does not have -------------------------------------------------------
@pytest.fixture(scope="module")
def rankings(data):
    return PlackettLuceRanker.family.example_target(30, 0)


@pytest.mark.parametrize("options", [{"prediction": "mean"}, {"prediction": "median"}],
                         ids=["mean", "median"])
def test_rankings_through_distribution_regressor(data, rankings, options):
    """A ranking has no mean or median: NotImplementedError leaked from predict."""
    X, _ = data
    model = DistributionRegressor("plackett_luce", **KW, **options).fit(X, rankings)
    with pytest.raises(UndefinedStatisticError, match="PlackettLuceDistribution has no "):
        model.predict(X[:2])
    model.set_params(prediction="auto")
    assert np.array_equal(np.sort(model.predict(X[:2]), axis=1), [[0, 1, 2, 3]] * 2)
    with pytest.raises(ValueError, match="has no standard deviation"):
        model.predict(X[:2], return_std=True)


def test_rankings_through_a_deep_ensemble(data, rankings):
    X, _ = data
    ensemble = DeepEnsembleRegressor(PlackettLuceRanker(**KW), n_estimators=2, random_state=0)
    ensemble.fit(X, rankings)
    for prediction in ("mean", "median", "mode"):
        with pytest.raises(ValueError, match="has no"):
            ensemble.set_params(prediction=prediction).predict(X[:2])
    assert np.isfinite(ensemble.score(X, rankings))


def test_undefined_statistic_is_still_a_not_implemented_error(data, rankings):
    X, _ = data
    dist = PlackettLuceRanker(**KW).fit(X, rankings).predict_dist(X[:2])
    with pytest.raises(NotImplementedError, match="has no mean; it offers mode"):
        dist.mean()


# -- messages that now say what is wrong ---------------------------------------------------
def test_datetime_and_nested_columns_are_named(data):
    X, y = data
    dates = pd.DataFrame({"when": pd.date_range("2020", periods=30), "x": X[:, 1]})
    with pytest.raises(ValueError, match=r"X column 'when' holds dates or durations"):
        GaussianMLPRegressor(**KW).fit(dates, y)
    durations = pd.DataFrame({"x": X[:, 1], "took": pd.to_timedelta(np.arange(30), "s")})
    with pytest.raises(ValueError, match=r"X column 'took' holds dates or durations"):
        GaussianMLPRegressor(**KW).fit(durations, y)
    nested = pd.DataFrame({"pair": [[1, 2]] * 30, "x": X[:, 1]})
    with pytest.raises(TypeError, match=r"X column 'pair' holds a list \(\[1, 2\]\) in a cell"):
        GaussianMLPRegressor(**KW).fit(nested, y)
    with pytest.raises(ValueError, match="X holds dates or durations"):
        GaussianMLPRegressor(**KW).fit(np.datetime64("2020-01-01") + np.arange(30)[:, None], y)
    with pytest.raises(ValueError, match="X is not a table of numbers"):
        GaussianMLPRegressor(**KW).fit([[1.0, [2.0, 3.0]]] * 30, y)


@pytest.mark.parametrize("labels", [
    np.array(["a", None, "b"] * 10, dtype=object),
    pd.Series(["a", pd.NA, "b"] * 10, dtype="string"),
    pd.Series(["a", None, "b"] * 10),
    np.array(["a", float("nan"), "b"] * 10, dtype=object),
], ids=["none-and-str", "pandas-string-na", "object-series-none", "nan-and-str"])
@pytest.mark.parametrize("cls", [BernoulliMLPClassifier, CategoricalMLPClassifier])
def test_missing_labels_are_named(data, cls, labels):
    X, _ = data
    with pytest.raises(ValueError, match=r"Input y contains NaN or missing labels \(None, "
                                         r"pd.NA\): 10 of 30, first at position 1"):
        cls(**KW).fit(X, labels)


def test_labels_of_mixed_types_are_named(data):
    X, _ = data
    with pytest.raises(ValueError, match=r"y mixes labels of several types \(number, string\)"):
        CategoricalMLPClassifier(**KW).fit(X, np.array([1, "a", 2] * 10, dtype=object))


def test_missing_label_at_score_is_named(data):
    X, _ = data
    model = CategoricalMLPClassifier(**KW).fit(X, np.array(["a", "b", "c"] * 10))
    with pytest.raises(ValueError, match="missing labels"):
        model.score(X[:3], pd.Series(["a", pd.NA, "b"], dtype="string"))


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_empty_distribution_frame_and_no_quantiles(data, cls):
    X, _ = data
    y = cls()._make_family().example_target(30, 0)
    dist = cls(**KW).fit(X, y).predict_dist(X[:3])
    frame = dist.to_frame()
    empty = dist[:0].to_frame()
    assert list(empty.columns) == list(frame.columns) and len(empty) == 0
    if dist._lacks("quantiles") is None:
        assert dist.quantiles([]).shape == dist.batch_shape + (0,)
    else:
        with pytest.raises(UndefinedStatisticError):
            dist.quantiles([])


def test_mixture_quantiles_of_no_levels(data):
    X, y = data
    dist = MixtureDensityRegressor(**KW).fit(X, y).predict_dist(X[:4])
    assert dist.quantiles(np.array([])).shape == (4, 0)


def test_lognormal_moments_with_a_huge_sigma_are_inf_without_warnings():
    """sigma ** 2 overflowed with a RuntimeWarning (found by the long property profile)."""
    from skprob.families.lognormal import LogNormalDistribution

    dist = LogNormalDistribution(median=[1.0, 0.0, 2.0], sigma=[1e200, 1e200, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mean, var, std, mode = dist.mean(), dist.var(), dist.std(), dist.mode()
    assert np.all(mean[:1] == np.inf) and np.all(var[:1] == np.inf) and std[0] == np.inf
    assert mean[1] == var[1] == std[1] == mode[0] == mode[1] == 0.0
    reference = stats.lognorm(s=0.5, scale=2.0)
    np.testing.assert_allclose([mean[2], var[2], std[2]],
                               [reference.mean(), reference.var(), reference.std()], rtol=1e-13)


def test_ordinal_log_probabilities_stay_finite_far_from_the_thresholds():
    """With |eta| ~ 1e18 the thresholds' gap rounded to 0 and the log-probability to -inf."""
    from skprob.families.ordinal import ordinal_log_probs

    cutpoints = torch.tensor([[-1.0, 0.5, 2.0]] * 2, dtype=torch.float64)
    log_probs = ordinal_log_probs(torch.tensor([4.6e18, -4.6e18], dtype=torch.float64),
                                  cutpoints)
    assert torch.isfinite(log_probs).all()
    # Far above the thresholds the middle classes' log-probabilities are -(eta - c_k) plus
    # log(1 - exp(c_{k-1} - c_k)): about -4.6e18.
    np.testing.assert_allclose(log_probs[0, :3].numpy(), -4.6e18, rtol=1e-12)
    assert log_probs[0, 3] == 0.0 and log_probs[1, 0] == 0.0
