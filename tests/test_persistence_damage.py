"""Damaged and inconsistent model files: ``load`` refuses each with a PersistenceError.

Each case was found by an adversarial run: flipped bytes in a compressed member
(``zlib.error``), a path of the wrong type (``AttributeError``), a deeply nested
JSON member (``RecursionError``), and files that decoded into models whose
classes, scales or weights did not fit their network, which loaded and then
failed or predicted NaN. Both formats are checked: the current one and skprob
0.1's (``tests/data/format1_*``).
"""

import copy
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from skprob import (
    CategoricalMLPClassifier,
    DeepEnsembleClassifier,
    GaussianMLPRegressor,
    PoissonMLPRegressor,
)
from skprob.persistence import HEADER_MEMBER, PersistenceError, load, save

DATA = Path(__file__).resolve().parent / "data"
KW = {"max_iter": 2, "width": 4, "random_state": 0}


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).normal(size=(30, 2))


@pytest.fixture(scope="module")
def regressor(X):
    return GaussianMLPRegressor(**KW).fit(X, X[:, 0] + 10)


@pytest.fixture(scope="module")
def classifier(X):
    return CategoricalMLPClassifier(**KW).fit(X, np.array(["a", "b", "c"] * 10))


def saved(model):
    buffer = io.BytesIO()
    save(model, buffer)
    return buffer.getvalue()


def members_of(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: info for info in archive.infolist()}


def flip_bytes(data, member, start=5, count=30):
    """``data`` with bytes of ``member``'s compressed stream inverted (its CRC left as is)."""
    info = members_of(data)[member]
    raw = bytearray(data)
    # Local header: 30 bytes, then the file name and the extra field.
    name_length = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little")
    extra = int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
    offset = info.header_offset + 30 + name_length + extra
    for i in range(start, min(start + count, info.compress_size)):
        raw[offset + i] ^= 0xFF
    return bytes(raw)


def rewritten(data, member, content):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, content if name == member else source.read(name))
    return out.getvalue()


# -- arguments ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", [None, 3, 2.5, object(), [b"PK"], b"model.skprob"],
                         ids=["None", "int", "float", "object", "list", "bytes"])
def test_load_refuses_paths_of_the_wrong_type(path):
    """load(None) raised AttributeError: 'NoneType' object has no attribute 'seek'."""
    with pytest.raises(TypeError, match="path must be a file name .* or a readable, seekable"):
        load(path)


def test_save_refuses_paths_of_the_wrong_type(regressor):
    with pytest.raises(TypeError, match="path must be a file name .* or a writable"):
        save(regressor, None)


@pytest.mark.parametrize("device", [3, None, "meta", "xpu"])
def test_load_refuses_devices_it_cannot_use(regressor, device):
    with pytest.raises((TypeError, ValueError), match="device"):
        load(io.BytesIO(saved(regressor)), device=device)


def test_a_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "absent.skprob")


# -- bytes that do not decode ----------------------------------------------------------------
@pytest.mark.parametrize("member", ["skprob.json", "objects.skops", "tensors.safetensors"])
def test_flipped_bytes_in_a_compressed_member(regressor, member):
    """Inflating a corrupted member raised zlib.error."""
    with pytest.raises(PersistenceError, match="damaged"):
        load(io.BytesIO(flip_bytes(saved(regressor), member)))


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9, 0.99])
def test_truncated_files(regressor, keep):
    data = saved(regressor)
    with pytest.raises(PersistenceError):
        load(io.BytesIO(data[: int(len(data) * keep)]))


def test_deeply_nested_header(regressor):
    header = "[" * 100_000 + "]" * 100_000
    with pytest.raises(PersistenceError, match="damaged|not valid JSON"):
        load(io.BytesIO(rewritten(saved(regressor), HEADER_MEMBER, header)))


@pytest.mark.parametrize("versions", [{}, {"skprob": 1.0}, {"torch": "2.13.0"}],
                         ids=["empty", "number", "no-skprob"])
def test_header_without_the_skprob_version(regressor, versions):
    """Found by the long property profile: a header whose versions lack skprob's gave KeyError."""
    data = saved(regressor)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        header = json.loads(archive.read(HEADER_MEMBER))
    header["versions"] = versions
    with pytest.raises(PersistenceError, match="skprob version"):
        load(io.BytesIO(rewritten(data, HEADER_MEMBER, json.dumps(header))))


def test_deeply_nested_first_format_config():
    """json.loads raised RecursionError on a deeply nested config.json."""
    data = (DATA / "format1_heteroscedastic.skprob").read_bytes()
    config = json.loads(members_read(data, "config.json"))
    config["estimator"]["attributes"]["n_iter_"] = "NESTED"
    nested = json.dumps(config).replace('"NESTED"', "[" * 100_000 + "]" * 100_000)
    with pytest.raises(PersistenceError, match="RecursionError"):
        load(io.BytesIO(rewritten(data, "config.json", nested)))


def members_read(data, member):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(member)


# -- files that decode into inconsistent models ----------------------------------------------
def tampered(model, edit):
    """A file of ``model`` after ``edit`` changed a copy (as a hand-edited file would)."""
    model = copy.deepcopy(model)
    edit(model)
    return io.BytesIO(saved(model))


def _set(path, value):
    def edit(model):
        *owners, name = path.split(".")
        target = model
        for owner in owners:
            target = getattr(target, owner)
        setattr(target, name, value(getattr(target, name)) if callable(value) else value)
    return edit


def _poison_weight(model):
    with torch.no_grad():
        model.module_.head.weight[0, 0] = float("nan")


INCONSISTENT_REGRESSOR = [
    (_set("family_.scale_", lambda s: -s), r"family_.scale_ \(the target's scale\) must be "
                                           "positive"),
    (_set("family_.loc_", lambda s: s * np.nan), "family_.loc_ is not finite"),
    (_set("family_.log_jacobian_", 99.0), "log_jacobian_ is 99.0, not the log of its scale_"),
    (_set("x_scale_", lambda s: -s), "x_scale_ must be positive"),
    (_set("x_mean_", np.zeros(5)), r"x_mean_ has shape \(5,\), but the network needs \(2,\)"),
    (_set("n_features_in_", 3), "n_features_in_ is 3, but its network takes 2 inputs"),
    (_set("network_spec_", lambda s: {**s, "hidden": [5]}),
     r"trunk layer 0 has weights of shape \(4, 2\), but network_spec_ needs \(5, 2\)"),
    (_set("network_spec_", lambda s: {**s, "activation": "swish"}), "unknown activation"),
    (_set("family_.n_outputs_", 2), r"family_.loc_ has shape \(1,\), but the network needs"),
    (_poison_weight, "network weight 'head.weight' holds NaN"),
    (_set("prediction", "nope"), "hyper-parameters are invalid"),
    (_set("output_names_", ["a", "b"]), r"output_names_ is \['a', 'b'\], not 1 names"),
]


@pytest.mark.parametrize(("edit", "match"), INCONSISTENT_REGRESSOR,
                         ids=["negative-scale", "nan-loc", "jacobian", "negative-x-scale",
                              "x-mean-shape", "n-features", "hidden-spec", "activation",
                              "n-outputs", "nan-weight", "bad-hyper-parameter", "output-names"])
def test_inconsistent_regressor_files_are_refused(regressor, edit, match):
    """A negative scale loaded and then gave NaN; the others failed at predict."""
    with pytest.raises(PersistenceError, match=match):
        load(tampered(regressor, edit))


INCONSISTENT_CLASSIFIER = [
    (_set("classes_", np.array(["a", "b", "c", "d"])), "classes_ .* differ from its family's"),
    (_set("family_.classes_", np.array(["a", "b"])),
     r"family needs \(2, 0\) raw outputs .* but the network has \(3, 0\)"),
    (_set("family_.classes_", np.array(["c", "b", "a"])), "are not sorted, distinct labels"),
    (_set("family_.classes_", np.array(["a"])), "not at least two labels"),
]


@pytest.mark.parametrize(("edit", "match"), INCONSISTENT_CLASSIFIER,
                         ids=["estimator-classes", "family-classes", "unsorted", "one-class"])
def test_classes_inconsistent_with_the_network_are_refused(classifier, edit, match):
    """classes_ that did not match the network's outputs loaded and then failed."""
    with pytest.raises(PersistenceError, match=match):
        load(tampered(classifier, edit))


def test_ensemble_members_inconsistent_with_the_ensemble(X):
    ensemble = DeepEnsembleClassifier(CategoricalMLPClassifier(**KW), n_estimators=2,
                                      random_state=0).fit(X, np.arange(30) % 3)

    def edit(model):
        member = model.estimators_[1]
        member.classes_ = member.family_.classes_ = np.array([5, 6, 7])

    with pytest.raises(PersistenceError, match="differ from a member's"):
        load(tampered(ensemble, edit))


def test_wrong_family_for_the_estimator_is_refused(X):
    model = PoissonMLPRegressor(**KW).fit(X, np.arange(30) % 4)
    donor = GaussianMLPRegressor(**KW).fit(X, np.arange(30) % 4)
    with pytest.raises(PersistenceError, match="fitted family is NormalFamily, but its "
                                               "parameters name PoissonFamily"):
        load(tampered(model, _set("family_", donor.family_)))


# -- the first format ------------------------------------------------------------------------
def first_format(edit):
    data = (DATA / "format1_categorical.skprob").read_bytes()
    config = json.loads(members_read(data, "config.json"))
    edit(config)
    return io.BytesIO(rewritten(data, "config.json", json.dumps(config)))


def _labels(values):
    return {"type": "labels", "dtype": "<U4", "shape": [len(values)], "values": values}


def test_first_format_classes_inconsistent_with_the_network():
    def estimator_classes(config):
        config["estimator"]["attributes"]["classes_"] = _labels(["eggs", "ham", "spam", "x"])

    with pytest.raises(PersistenceError, match="differ from its family's"):
        load(first_format(estimator_classes))

    def family_classes(config):
        config["family"]["attributes"]["classes_"] = _labels(["eggs", "ham"])

    with pytest.raises(PersistenceError, match="raw outputs"):
        load(first_format(family_classes))


def test_first_format_invalid_hyper_parameter():
    def edit(config):
        config["estimator"]["params"]["activation"] = "swish"

    with pytest.raises(PersistenceError, match="activation"):
        load(first_format(edit))


def test_first_format_flipped_bytes():
    data = (DATA / "format1_heteroscedastic.skprob").read_bytes()
    for member in members_of(data):
        with pytest.raises(PersistenceError):
            load(io.BytesIO(flip_bytes(data, member)))
