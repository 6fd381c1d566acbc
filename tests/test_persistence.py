"""Saving and loading fitted estimators without pickle (skprob.persistence).

Tests that apply to every estimator iterate over the registry and draw targets
from the estimator's family (``example_target``), so new families are covered
without editing this file.
"""

import io
import json
import pickle
import warnings
import zipfile

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError

import skprob
from skprob import (
    BernoulliMLPClassifier,
    CategoricalMLPClassifier,
    DistributionRegressor,
    GaussianMLPRegressor,
    PoissonMLPRegressor,
    all_estimators,
)
from skprob.families import Family, get_family
from skprob.persistence import (
    ARRAYS_MEMBER,
    CONFIG_MEMBER,
    FORMAT_VERSION,
    PersistenceError,
    load,
    save,
)

ESTIMATORS = all_estimators()
IDS = [cls.__name__ for cls in ESTIMATORS]
every_estimator = pytest.mark.parametrize("cls", ESTIMATORS, ids=IDS)
# Tiny and fast: a few epochs of a narrow network.
FAST = {"max_iter": 3, "width": 8, "learning_rate_init": 1e-2, "random_state": 0}
N_SAMPLES = 40


def make_X(n=N_SAMPLES, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 3))


def fitted(cls, n=N_SAMPLES, **params):
    estimator = cls(**{**FAST, **params})
    y = estimator._make_family().example_target(n, 0)
    X = make_X(n)
    return estimator.fit(X, y), X, y


def round_trip(estimator, tmp_path, **load_options):
    path = tmp_path / "model.skprob"
    save(estimator, path)
    return load(path, **load_options)


def assert_same_value(a, b):
    """Equal values of the same types and dtypes (arrays compared bit for bit)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, Family):
        assert_same_value(a.get_params(deep=False), b.get_params(deep=False))
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            assert_same_value(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same_value(x, y)
    else:
        assert a == b or (a != a and b != b), (a, b)  # NaN equals NaN here


def assert_same_predictions(a, b, X, y):
    dist_a, dist_b = a.predict_dist(X), b.predict_dist(X)
    assert type(dist_a) is type(dist_b)
    assert_same_value(dist_a.params, dist_b.params)
    assert_same_value(a.predict(X), b.predict(X))
    if hasattr(a, "predict_proba"):
        assert_same_value(a.predict_proba(X), b.predict_proba(X))
    assert a.score(X, y) == b.score(X, y)


def fitted_attributes(obj, skip=("module_", "family_", "device_")):
    return {k: v for k, v in vars(obj).items() if k.endswith("_") and k not in skip}


def rewrite(path, edit_config=None, arrays=None, drop=None):
    """Copy of a model file with its config edited or its members replaced."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    if edit_config is not None:
        config = json.loads(members[CONFIG_MEMBER])
        edit_config(config)
        members[CONFIG_MEMBER] = json.dumps(config).encode()
    if arrays is not None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        members[ARRAYS_MEMBER] = buffer.getvalue()
    members.pop(drop, None)
    out = path.with_name("tampered.skprob")
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    estimator, X, y = fitted(GaussianMLPRegressor)
    path = tmp_path_factory.mktemp("saved") / "model.skprob"
    save(estimator, path)
    return path


# -- round trips ------------------------------------------------------------------


@every_estimator
def test_round_trip_gives_identical_predictions(cls, tmp_path):
    estimator, X, y = fitted(cls)
    loaded = round_trip(estimator, tmp_path)
    assert type(loaded) is cls
    assert_same_predictions(estimator, loaded, X, y)
    assert_same_value(estimator.get_params(deep=False), loaded.get_params(deep=False))
    assert_same_value(fitted_attributes(estimator), fitted_attributes(loaded))
    family, loaded_family = estimator.family_, loaded.family_
    assert_same_value(fitted_attributes(family, ()), fitted_attributes(loaded_family, ()))
    assert loaded.device_ == torch.device("cpu")
    assert not loaded.module_.training


@every_estimator
def test_loaded_estimator_refits_and_warm_starts_like_the_original(cls, tmp_path):
    estimator, X, y = fitted(cls)
    loaded = round_trip(estimator, tmp_path)
    # Warm start continues from the stored weights, input scaling and training curves.
    estimator.set_params(warm_start=True).fit(X, y)
    loaded.set_params(warm_start=True).fit(X, y)
    assert loaded.n_iter_ == estimator.n_iter_ == 2 * FAST["max_iter"]
    assert_same_predictions(estimator, loaded, X, y)
    # A cold refit of the loaded estimator equals a fresh fit with the same seed.
    loaded.set_params(warm_start=False).fit(X, y)
    fresh, _, _ = fitted(cls)
    assert_same_predictions(fresh, loaded, X, y)


@every_estimator
def test_pickle_and_joblib_round_trips_still_work(cls, tmp_path):
    estimator, X, y = fitted(cls)
    assert_same_predictions(estimator, pickle.loads(pickle.dumps(estimator)), X, y)
    joblib.dump(estimator, tmp_path / "model.joblib")
    assert_same_predictions(estimator, joblib.load(tmp_path / "model.joblib"), X, y)


def test_file_holds_only_json_and_pickle_free_arrays(saved_model):
    with zipfile.ZipFile(saved_model) as archive:
        assert sorted(archive.namelist()) == [CONFIG_MEMBER, ARRAYS_MEMBER]
        config = json.loads(archive.read(CONFIG_MEMBER))
        with np.load(io.BytesIO(archive.read(ARRAYS_MEMBER)), allow_pickle=False) as npz:
            weights = {k: npz[k] for k in npz.files if k.startswith("module/")}
    assert config["format_version"] == FORMAT_VERSION
    assert config["versions"]["skprob"] == skprob.__version__
    assert config["versions"]["torch"] == torch.__version__
    assert config["estimator"]["class"] == "GaussianMLPRegressor"
    assert config["family"]["name"] == "normal"
    assert config["family"]["params"] == {"type": "dict", "items": {"heteroscedastic": False}}
    assert config["network"] == {"n_features": 3, "hidden": [8], "n_dependent": 1,
                                 "n_constant": 1, "activation": "relu", "dropout": 0.0}
    assert {v.dtype for v in weights.values()} == {np.dtype(np.float32)}


def test_family_object_parameter_round_trips(tmp_path):
    family = get_family("mixture", n_components=2)
    estimator = DistributionRegressor(family, **FAST)
    X, y = make_X(), family.example_target(N_SAMPLES, 0)
    estimator.fit(X, y)
    save(estimator, tmp_path / "m.zip")
    with zipfile.ZipFile(tmp_path / "m.zip") as archive:
        params = json.loads(archive.read(CONFIG_MEMBER))["estimator"]["params"]
    assert params["distribution"] == {
        "type": "family", "name": "mixture",
        "params": {"type": "dict", "items": {"n_components": 2}},
    }
    loaded = load(tmp_path / "m.zip")
    assert loaded.distribution is not family
    assert loaded.distribution.get_params() == {"n_components": 2}
    assert_same_predictions(estimator, loaded, X, y)


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["no", "yes"]),
        np.array(["früh", "spät", "nie"]),
        np.array(["a", "b", "c"], dtype=object),
        np.array([3, 7, 11]),
        np.array([3, 7], dtype=np.int32),
        np.array([False, True]),
        np.array([1.0, 2.0, 4.0]),
    ],
    ids=["str", "unicode", "object", "int64", "int32", "bool", "float"],
)
def test_class_labels_keep_their_dtype(labels, tmp_path):
    cls = BernoulliMLPClassifier if len(labels) == 2 else CategoricalMLPClassifier
    X = make_X()
    y = labels[np.arange(N_SAMPLES) % len(labels)]
    estimator = cls(**FAST).fit(X, y)
    loaded = round_trip(estimator, tmp_path)
    assert_same_value(estimator.classes_, loaded.classes_)
    assert_same_value(estimator.family_.classes_, loaded.family_.classes_)
    assert_same_predictions(estimator, loaded, X, y)


def test_unusual_values_round_trip(tmp_path):
    estimator, X, y = fitted(PoissonMLPRegressor, random_state=np.random.RandomState(3))
    # Stand-ins for the fitted attributes a future estimator or family might add.
    estimator.mixed_labels_ = np.array([1, "a", True, None, 2.5, np.int32(4), (1, "b")],
                                       dtype=object)
    estimator.grid_ = np.array([["a", "bb"], ["ccc", "d"]])
    estimator.raw_ = np.array([b"x", b"\xff"])
    estimator.stamps_ = np.array(["2024-01-01", "NaT"], dtype="datetime64[D]")
    estimator.misc_ = {"nan": float("nan"), "inf": -np.inf, 3: (np.float32(0.1), np.str_("z")),
                       "nested": [np.int8(-1), np.bool_(True), np.zeros((0, 2))]}
    estimator.family_.buffer_ = torch.arange(3)
    loaded = round_trip(estimator, tmp_path)
    for name in ("mixed_labels_", "grid_", "raw_", "stamps_", "misc_"):
        assert_same_value(getattr(estimator, name), getattr(loaded, name))
    assert torch.equal(loaded.family_.buffer_, torch.arange(3))
    state, loaded_state = estimator.random_state.get_state(), loaded.random_state.get_state()
    assert_same_value(state[2:], loaded_state[2:])
    np.testing.assert_array_equal(state[1], loaded_state[1])
    assert_same_predictions(estimator, loaded, X, y)


def test_dataframe_names_round_trip(tmp_path):
    X = pd.DataFrame(make_X(), columns=["age", "height", "weight"])
    rng = np.random.default_rng(1)
    y = pd.DataFrame({"left": rng.normal(size=N_SAMPLES), "right": rng.normal(size=N_SAMPLES)})
    estimator = GaussianMLPRegressor(**FAST).fit(X, y)
    loaded = round_trip(estimator, tmp_path)
    assert_same_value(estimator.feature_names_in_, loaded.feature_names_in_)
    assert loaded.output_names_ == ["left", "right"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no feature-name mismatch warning
        frame = loaded.predict_dist(X).to_frame()
    pd.testing.assert_frame_equal(frame, estimator.predict_dist(X).to_frame())
    assert_same_predictions(estimator, loaded, X, y.to_numpy())


def test_file_objects_and_explicit_device(saved_model):
    buffer = io.BytesIO(saved_model.read_bytes())
    loaded = load(buffer, device="cpu")
    assert next(loaded.module_.parameters()).device.type == "cpu"
    out = io.BytesIO()
    save(loaded, out)
    y = GaussianMLPRegressor()._make_family().example_target(N_SAMPLES, 0)
    assert_same_predictions(loaded, load(io.BytesIO(out.getvalue())), make_X(), y)


def test_loading_leaves_the_global_torch_rng_alone(saved_model):
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    load(saved_model)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_model_loads_on_cpu(tmp_path):
    estimator, X, y = fitted(GaussianMLPRegressor, device="cuda")
    loaded = round_trip(estimator, tmp_path, device="cpu")
    assert next(loaded.module_.parameters()).device.type == "cpu"
    assert loaded.get_params()["device"] == "cuda"  # the hyper-parameter is kept
    np.testing.assert_allclose(loaded.predict(X), estimator.predict(X), rtol=1e-5, atol=1e-5)


# -- refusals ---------------------------------------------------------------------


def test_unfitted_estimator_is_refused(tmp_path):
    with pytest.raises(NotFittedError):
        save(PoissonMLPRegressor(), tmp_path / "model.skprob")
    assert not (tmp_path / "model.skprob").exists()


def test_non_skprob_objects_and_unregistered_classes_are_refused(tmp_path):
    with pytest.raises(TypeError, match="skprob estimators"):
        save(object(), tmp_path / "x")

    class _LocalRegressor(PoissonMLPRegressor):  # private names are not registered
        def _make_family(self):
            return super()._make_family()

    estimator, X, y = fitted(PoissonMLPRegressor)
    estimator.__class__ = _LocalRegressor
    with pytest.raises(PersistenceError, match="_LocalRegressor is not registered"):
        save(estimator, tmp_path / "x")


def test_unstorable_attribute_writes_nothing(tmp_path):
    estimator, _, _ = fitted(PoissonMLPRegressor)
    estimator.callback_ = lambda: None
    with pytest.raises(PersistenceError, match="'callback_' of type function"):
        save(estimator, tmp_path / "model.skprob")
    assert not (tmp_path / "model.skprob").exists()


def _set(*keys, value):
    def edit(config):
        node = config
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return edit


def _delete(*keys):
    def edit(config):
        node = config
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]
    return edit


@pytest.mark.parametrize(
    "edit, match",
    [
        (_set("estimator", "class", value="os.system"),
         r"estimator class 'os.system', which this installation .* does not register"),
        (_set("estimator", "class", value="PoissonMLPRegressor"), "does not train"),
        (_set("family", "name", value="zeta"), "family 'zeta'"),
        (_set("format_version", value=99), r"format version 99; .* reads versions \[1\]"),
        (_set("format", value="other"), "does not declare format"),
        (_delete("network"), "lacks 'network'"),
        (_delete("estimator", "params"), "lacks estimator.'params'"),
        (_delete("family", "attributes", "loc_"), "damaged or inconsistent: AttributeError"),
        (_set("estimator", "params", "max_iter", value={"type": "pickle"}), "unknown type"),
        (_set("estimator", "params", "bogus", value=1), r"parameters \['bogus'\]"),
        (_set("network", "hidden", value=[9]), "Weight 'trunk.0.weight' has shape"),
        (_set("network", "n_constant", value=0), "raw outputs but the family needs"),
        (_set("estimator", "attributes", "__dict__", value={"type": "dict", "items": {}}),
         "attribute '__dict__'"),
        (_set("family", "attributes", "link", value=None), "attribute 'link'"),
    ],
    ids=["unknown-class", "class-family-mismatch", "unknown-family", "format-version",
         "format-name", "missing-section", "missing-key", "missing-attribute",
         "unknown-tag", "unknown-param", "wrong-architecture", "wrong-layout",
         "dunder-attribute", "method-attribute"],
)
def test_tampered_config_is_refused(saved_model, edit, match):
    with pytest.raises(PersistenceError, match=match) as info:
        load(rewrite(saved_model, edit_config=edit))
    assert isinstance(info.value, ValueError)


def test_label_dtypes_are_checked_before_numpy_parses_them(tmp_path):
    estimator, _, _ = fitted(CategoricalMLPClassifier)
    save(estimator, tmp_path / "m.zip")

    def edit(config):
        config["family"]["attributes"]["classes_"]["dtype"] = "[('a', 'O')]"

    with pytest.raises(PersistenceError, match="Label arrays hold strings"):
        load(rewrite(tmp_path / "m.zip", edit_config=edit))


def test_tampered_arrays_are_refused(saved_model):
    with pytest.raises(PersistenceError, match="cannot be read without pickle"):
        load(rewrite(saved_model, arrays={"evil": np.array([object()], dtype=object)}))
    with pytest.raises(PersistenceError, match="lacks the array"):
        load(rewrite(saved_model, arrays={}))
    with pytest.raises(PersistenceError, match="lacks weights.npz"):
        load(rewrite(saved_model, drop=ARRAYS_MEMBER))
    with pytest.raises(PersistenceError, match="lacks config.json"):
        load(rewrite(saved_model, drop=CONFIG_MEMBER))


def test_non_model_files_are_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a model")
    with pytest.raises(PersistenceError, match="not a zip archive"):
        load(path)
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as archive:
        archive.writestr(CONFIG_MEMBER, "{not json")
        archive.writestr(ARRAYS_MEMBER, b"")
    with pytest.raises(PersistenceError, match="not valid JSON"):
        load(tmp_path / "bad.zip")


def test_other_skprob_minor_version_warns(saved_model):
    with pytest.warns(UserWarning, match="written by skprob 99.0.0"):
        load(rewrite(saved_model, edit_config=_set("versions", "skprob", value="99.0.0")))
    major, minor = skprob.__version__.split(".")[:2]
    patched = rewrite(saved_model, edit_config=_set("versions", "skprob",
                                                    value=f"{major}.{minor}.999"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(patched)
