"""Saving and loading fitted models without pickle (skprob.persistence).

Tests that apply to every estimator iterate over the registry and draw targets
from the estimator's family (``example_target``), so new families are covered
without editing this file. Deep ensembles and scikit-learn compositions are
covered below them, then tampered files of each kind, then files of the first
format (``tests/data/format1_*``, written by skprob 0.1).
"""

import io
import json
import pickle
import warnings
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import safetensors.torch
import torch
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skprob
from skprob import (
    BernoulliMLPClassifier,
    CategoricalMLPClassifier,
    DeepEnsembleClassifier,
    DeepEnsembleRegressor,
    DistributionRegressor,
    GaussianMLPRegressor,
    HeteroscedasticRegressor,
    PoissonMLPRegressor,
    all_estimators,
)
from skprob.families import Family, get_family
from skprob.persistence import (
    FORMAT_VERSION,
    HEADER_MEMBER,
    OBJECTS_MEMBER,
    TENSORS_MEMBER,
    PersistenceError,
    load,
    save,
)

DATA = Path(__file__).resolve().parent / "data"

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


def read_members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_members(members, path):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def rewrite(path, edit_header=None, edit_schema=None, tensors=None, drop=None):
    """Copy of a model file with its header or skops schema edited, or a member replaced.

    ``edit_schema`` edits the ``schema.json`` inside the skops member, where skops
    names every type it will build; ``tensors`` replaces the safetensors member.
    """
    members = read_members(path)
    if edit_header is not None:
        header = json.loads(members[HEADER_MEMBER])
        edit_header(header)
        members[HEADER_MEMBER] = json.dumps(header).encode()
    if edit_schema is not None:
        inner = read_members(io.BytesIO(members[OBJECTS_MEMBER]))
        schema = json.loads(inner["schema.json"])
        edit_schema(schema)
        inner["schema.json"] = json.dumps(schema).encode()
        members[OBJECTS_MEMBER] = write_members(inner, io.BytesIO()).getvalue()
    if tensors is not None:
        members[TENSORS_MEMBER] = tensors
    members.pop(drop, None)
    return write_members(members, path.with_name("tampered.skprob"))


def schema_nodes(node):
    """Every node of a skops schema (dicts that name a ``__class__``)."""
    if isinstance(node, dict):
        if "__class__" in node:
            yield node
        for value in node.values():
            yield from schema_nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from schema_nodes(value)


def stored_type_names(schema):
    """The JSON nodes holding the type names of the objects skprob rebuilds itself."""
    for node in schema_nodes(schema):
        if node["__class__"] == "StoredObject":
            yield node["content"]["content"]["type_name"]


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


def test_family_object_parameter_round_trips(tmp_path):
    family = get_family("mixture", n_components=2)
    estimator = DistributionRegressor(family, **FAST)
    X, y = make_X(), family.example_target(N_SAMPLES, 0)
    estimator.fit(X, y)
    loaded = round_trip(estimator, tmp_path)
    assert loaded.distribution is not family
    assert type(loaded.distribution) is type(family)
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
    with pytest.raises(TypeError, match="fitted scikit-learn estimators"):
        save(object(), tmp_path / "x")

    class _LocalRegressor(PoissonMLPRegressor):  # private names are not registered
        def _make_family(self):
            return super()._make_family()

    estimator, X, y = fitted(PoissonMLPRegressor)
    estimator.__class__ = _LocalRegressor
    with pytest.raises(PersistenceError, match=r"_LocalRegressor'\], which load would"):
        save(estimator, tmp_path / "x")




def test_unstorable_objects_write_nothing(tmp_path):
    estimator, _, _ = fitted(PoissonMLPRegressor)
    estimator.callback_ = lambda: None  # a function: loading it would mean importing code
    with pytest.raises(PersistenceError, match="<lambda>'\\], which load would refuse"):
        save(estimator, tmp_path / "model.skprob")
    estimator.callback_ = torch.Generator()
    with pytest.raises(PersistenceError, match="Cannot store a Generator from torch"):
        save(estimator, tmp_path / "model.skprob")
    assert not (tmp_path / "model.skprob").exists()


# -- deep ensembles and scikit-learn compositions ------------------------------------


@pytest.fixture(scope="module")
def ensemble_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = X[:, 0] + (0.3 + 0.3 * np.abs(X[:, 1])) * rng.standard_normal(60)
    return X, y


@pytest.fixture(scope="module")
def saved_ensemble(tmp_path_factory, ensemble_data):
    X, y = ensemble_data
    ensemble = DeepEnsembleRegressor(HeteroscedasticRegressor(**FAST), n_estimators=3,
                                     random_state=0, prediction="median").fit(X, y)
    path = tmp_path_factory.mktemp("ensemble") / "ensemble.skprob"
    save(ensemble, path)
    return ensemble, path


def pipeline_data(n=60, seed=2):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "area": rng.uniform(30, 150, n),
        "age": rng.uniform(0, 80, n),
        "district": rng.choice(["north", "south", "centre"], n),
    }, index=pd.Index([f"house-{i}" for i in range(n)], name="house"))
    y = 2.0 * X["area"] - X["age"] + 20 * (X["district"] == "centre") + rng.normal(0, 10, n)
    return X, y.to_numpy()


@pytest.fixture(scope="module")
def saved_pipeline(tmp_path_factory):
    X, y = pipeline_data()
    columns = ColumnTransformer([
        ("numbers", StandardScaler(), ["area", "age"]),
        ("district", OneHotEncoder(handle_unknown="ignore"), ["district"]),
    ])
    pipe = Pipeline([("columns", columns), ("model", HeteroscedasticRegressor(**FAST))]).fit(X, y)
    path = tmp_path_factory.mktemp("pipeline") / "pipeline.skprob"
    save(pipe, path)
    return pipe, path


def test_ensemble_round_trip_gives_identical_predictions(saved_ensemble, ensemble_data):
    ensemble, path = saved_ensemble
    X, y = ensemble_data
    loaded = load(path)
    assert type(loaded) is DeepEnsembleRegressor
    assert loaded.get_params()["prediction"] == "median"
    assert_same_value(loaded.seeds_, ensemble.seeds_)
    assert len(loaded.estimators_) == 3
    for member, original in zip(loaded.estimators_, ensemble.estimators_, strict=True):
        assert member.module_ is not original.module_
        assert_same_predictions(original, member, X, y)
    dist, expected = loaded.predict_dist(X), ensemble.predict_dist(X)
    assert_same_value(dist.params, expected.params)
    assert_same_value(loaded.predict(X), ensemble.predict(X))  # the median: a root search
    assert loaded.score(X, y) == ensemble.score(X, y)
    # The unfitted template stays unfitted, and refits reproduce the ensemble.
    assert not hasattr(loaded.estimator, "module_")
    assert_same_value(loaded.fit(X, y).predict(X), ensemble.predict(X))


def test_ensemble_classifier_round_trip(tmp_path):
    X = make_X(90)
    y = np.array(["low", "mid", "high"])[np.argmax(X, axis=1)]
    clf = DeepEnsembleClassifier(CategoricalMLPClassifier(**FAST), n_estimators=2,
                                 random_state=0).fit(X, y)
    loaded = round_trip(clf, tmp_path)
    assert_same_value(loaded.classes_, clf.classes_)
    assert_same_predictions(clf, loaded, X, y)


def test_pipeline_round_trip_gives_identical_predictions(saved_pipeline):
    pipe, path = saved_pipeline
    X, y = pipeline_data(seed=3)  # rows the pipeline has not seen, a new district order
    loaded = load(path)
    assert [name for name, _ in loaded.steps] == ["columns", "model"]
    assert_same_value(loaded.predict(X), pipe.predict(X))
    assert loaded.score(X, y) == pipe.score(X, y)
    columns = loaded.named_steps["columns"]
    assert_same_value(columns.transform(X), pipe.named_steps["columns"].transform(X))
    assert_same_value(columns.named_transformers_["district"].categories_,
                      pipe.named_steps["columns"].named_transformers_["district"].categories_)
    Z = loaded[:-1].transform(X)
    assert_same_value(loaded[-1].predict_dist(Z).params, pipe[-1].predict_dist(Z).params)


def test_nested_compositions_round_trip(tmp_path):
    X, y = pipeline_data()
    ensemble = DeepEnsembleRegressor(HeteroscedasticRegressor(**FAST), n_estimators=2,
                                     random_state=0)
    columns = ColumnTransformer([("numbers", StandardScaler(), ["area", "age"])])
    pipe = Pipeline([("columns", columns), ("ensemble", ensemble)]).fit(X, y)
    loaded = round_trip(pipe, tmp_path)
    assert_same_value(loaded.predict(X), pipe.predict(X))
    assert loaded.score(X, y) == pipe.score(X, y)


def test_shared_objects_stay_shared(tmp_path):
    estimator, X, y = fitted(GaussianMLPRegressor)
    estimator.alias_ = estimator.module_  # one network under two names
    loaded = round_trip(estimator, tmp_path)
    assert loaded.alias_ is loaded.module_
    assert_same_predictions(estimator, loaded, X, y)


def test_saved_objects_are_left_unchanged(saved_pipeline, tmp_path):
    pipe, _ = saved_pipeline
    model = pipe.named_steps["model"]
    module, weight = model.module_, model.module_.head.weight
    save(pipe, tmp_path / "again.skprob")
    assert pipe.named_steps["model"] is model
    assert model.module_ is module and model.module_.head.weight is weight
    assert isinstance(model.device_, torch.device)


def test_file_holds_json_skops_and_safetensors(saved_pipeline):
    _, path = saved_pipeline
    members = read_members(path)
    assert sorted(members) == sorted([HEADER_MEMBER, OBJECTS_MEMBER, TENSORS_MEMBER])
    header = json.loads(members[HEADER_MEMBER])
    assert header["format_version"] == FORMAT_VERSION
    assert header["object"] == "sklearn.pipeline.Pipeline"
    assert header["versions"]["skprob"] == skprob.__version__
    assert header["versions"]["torch"] == torch.__version__
    tensors = safetensors.torch.load(members[TENSORS_MEMBER])
    # One hidden layer: its weight and bias, the head's, and the constant outputs.
    assert len(tensors) == 5
    assert {tensor.dtype for tensor in tensors.values()} == {torch.float32}
    inner = read_members(io.BytesIO(members[OBJECTS_MEMBER]))
    schema = json.loads(inner["schema.json"])
    assert sorted(node["content"] for node in stored_type_names(schema)) == [
        '"skprob.families.normal.HeteroscedasticRegressor"',
        '"skprob.network.DistributionNetwork"',
        '"torch.nn.modules.activation.ReLU"',
        '"torch.nn.modules.container.Sequential"',
        '"torch.nn.modules.linear.Linear"',
        '"torch.nn.modules.linear.Linear"',
    ]


# -- tampered files --------------------------------------------------------------------


def _retype(class_names, module, new_class):
    """Edit: the first schema node of one of ``class_names`` claims to be ``module.new_class``."""
    def edit(schema):
        node = next(n for n in schema_nodes(schema) if n["__class__"] in class_names)
        node["__module__"], node["__class__"] = module, new_class
    return edit


def _rename_stored(old, new):
    """Edit: the object skprob rebuilds as ``old`` is to be rebuilt as ``new``."""
    def edit(schema):
        node = next(n for n in stored_type_names(schema) if n["content"] == json.dumps(old))
        node["content"] = json.dumps(new)
    return edit


TAMPERINGS = [
    (dict(edit_schema=_retype(["NormalFamily"], "os", "system")),
     r"types \['os.system'\], which skprob does not trust"),
    # A scikit-learn transformer of the pipeline, the unfitted template of the ensemble.
    (dict(edit_schema=_retype(["StandardScaler", "HeteroscedasticRegressor"], "subprocess",
                              "Popen")),
     r"types \['subprocess.Popen'\], which skprob does not trust"),
    (dict(edit_schema=_rename_stored("skprob.network.DistributionNetwork", "builtins.eval")),
     "names the type 'builtins.eval', which is neither a skprob class nor a torch layer"),
    (dict(edit_schema=_rename_stored("skprob.network.DistributionNetwork",
                                     "skprob.persistence.save")),
     "names the type 'skprob.persistence.save', which is neither"),
    (dict(edit_schema=_rename_stored("skprob.network.DistributionNetwork",
                                     "torch.nn.modules.linear.Linear")),
     "module_ is a Linear, not a DistributionNetwork; the file is damaged"),
    (dict(tensors=b"not safetensors"), "not a valid safetensors file"),
    (dict(tensors=safetensors.torch.save({"0": torch.zeros(2)})),
     "refers to the tensor '1', which its safetensors member does not hold"),
    (dict(edit_header=lambda h: h.update(format_version=99)),
     r"format version 99; .* reads versions \[2\]"),
    (dict(edit_header=lambda h: h.update(format="other")), "does not declare format"),
    (dict(edit_header=lambda h: h.update(object="sklearn.linear_model.LinearRegression")),
     "announces a sklearn.linear_model.LinearRegression"),
    (dict(drop=OBJECTS_MEMBER), "lacks objects.skops"),
    (dict(drop=TENSORS_MEMBER), "lacks tensors.safetensors"),
]
TAMPERING_IDS = ["untrusted-type", "untrusted-transformer", "builtin-as-object",
                 "function-as-object", "wrong-torch-layer", "damaged-tensors", "missing-tensor",
                 "format-version", "format-name", "wrong-object", "no-objects", "no-tensors"]


@pytest.mark.parametrize(("tampering", "match"), TAMPERINGS, ids=TAMPERING_IDS)
@pytest.mark.parametrize("kind", ["ensemble", "pipeline"])
def test_tampered_files_are_refused(kind, tampering, match, saved_ensemble, saved_pipeline):
    path = (saved_ensemble if kind == "ensemble" else saved_pipeline)[1]
    with pytest.raises(PersistenceError, match=match) as info:
        load(rewrite(path, **tampering))
    assert isinstance(info.value, ValueError)


def test_wrong_weights_are_refused(saved_ensemble):
    _, path = saved_ensemble
    tensors = safetensors.torch.load(read_members(path)[TENSORS_MEMBER])
    tensors["0"] = torch.zeros(3, 3)  # the first tensor stored, now of the wrong shape
    with pytest.raises(PersistenceError, match=r"has weights of shape \(3, 3\), but "
                       "network_spec_ needs"):
        load(rewrite(path, tensors=safetensors.torch.save(tensors)))


def test_non_model_files_are_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a model")
    with pytest.raises(PersistenceError, match="not a zip archive"):
        load(path)
    bad = write_members({HEADER_MEMBER: b"{not json", OBJECTS_MEMBER: b"",
                         TENSORS_MEMBER: b""}, tmp_path / "bad.zip")
    with pytest.raises(PersistenceError, match="not valid JSON"):
        load(bad)
    with pytest.raises(PersistenceError, match="lacks skprob.json"):
        load(write_members({"other.txt": b""}, tmp_path / "other.zip"))


def test_other_skprob_minor_version_warns(saved_model):
    def version(text):
        return lambda header: header["versions"].update(skprob=text)

    with pytest.warns(UserWarning, match="written by skprob 99.0.0"):
        load(rewrite(saved_model, edit_header=version("99.0.0")))
    major, minor = skprob.__version__.split(".")[:2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(rewrite(saved_model, edit_header=version(f"{major}.{minor}.999")))


# -- files of the first format ---------------------------------------------------------


def test_first_format_files_still_load():
    expected = json.loads((DATA / "format1_predictions.json").read_text())
    X = np.array(expected["X"])
    regressor = load(DATA / "format1_heteroscedastic.skprob")
    assert type(regressor) is HeteroscedasticRegressor
    params = regressor.predict_dist(X).params
    for name, values in expected["heteroscedastic"].items():
        np.testing.assert_array_equal(params[name], values)
    classifier = load(DATA / "format1_categorical.skprob", device="cpu")
    np.testing.assert_array_equal(classifier.predict_proba(X), expected["categorical_proba"])
    assert classifier.classes_.tolist() == ["eggs", "ham", "spam"]
    # Saved again, it is a file of the current format with the same predictions.
    buffer = io.BytesIO()
    save(classifier, buffer)
    assert HEADER_MEMBER in read_members(io.BytesIO(buffer.getvalue()))
    np.testing.assert_array_equal(load(io.BytesIO(buffer.getvalue())).predict_proba(X),
                                  expected["categorical_proba"])


def test_tampered_first_format_files_are_refused(tmp_path):
    members = read_members(DATA / "format1_heteroscedastic.skprob")
    config = json.loads(members["config.json"])
    config["estimator"]["class"] = "os.system"
    members["config.json"] = json.dumps(config).encode()
    with pytest.raises(PersistenceError, match="estimator class 'os.system', which this"):
        load(write_members(members, tmp_path / "tampered.skprob"))
    config["format_version"] = 7
    members["config.json"] = json.dumps(config).encode()
    with pytest.raises(PersistenceError, match="format version 7"):
        load(write_members(members, tmp_path / "tampered.skprob"))
