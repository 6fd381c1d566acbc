"""Reading files of the first skprob format (``config.json`` and ``weights.npz``).

skprob 0.1 wrote one estimator per file as a zip archive with two members:
``config.json`` (format name ``"skprob-estimator"``, version 1: the estimator's
registered class name, parameters and fitted attributes, the fitted family by
registered name, and the network's architecture) and ``weights.npz`` (the
network's ``state_dict`` and the numeric attributes, read with
``numpy.load(allow_pickle=False)``). :func:`skprob.persistence.load` still reads
them through this module; :func:`skprob.persistence.save` writes the current
format. Like the current reader, this one instantiates only classes found in
skprob's estimator and family registries and never imports a name read from a
file.
"""

import dataclasses
import io
import json
import re
import zipfile

import numpy as np
import torch

from ..base import ESTIMATORS
from ..families._base import FAMILIES
from ..network import ACTIVATIONS, build_network
from ..training import TrainingResult
from ._errors import PersistenceError

__all__ = ["CONFIG_MEMBER", "FORMAT_NAME", "load_format1"]

#: Format name declared in ``config.json``.
FORMAT_NAME = "skprob-estimator"
#: Versions of that format this module reads.
READABLE_VERSIONS = (1,)

CONFIG_MEMBER = "config.json"
ARRAYS_MEMBER = "weights.npz"
#: Fitted attributes that are rebuilt rather than stored.
REBUILT_ATTRIBUTES = ("module_", "family_", "device_")


def _is_fitted_name(name):
    """Public attributes ending in an underscore are what ``fit`` set."""
    return name.isidentifier() and name.endswith("_") and not name.startswith("_")


def _require(mapping, key, where):
    if not isinstance(mapping, dict) or key not in mapping:
        raise PersistenceError(f"{CONFIG_MEMBER} lacks {where}{key!r}: the file is damaged or "
                               "was not written by skprob.persistence.save.")
    return mapping[key]


class _Decoder:
    """Inverse of :class:`_Encoder`; builds only numpy, torch and registered objects."""

    def __init__(self, arrays):
        self.arrays = arrays

    def __call__(self, value):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self(item) for item in value]
        kind = _require(value, "type", "a tagged value's ")
        if kind == "float":
            return float(_require(value, "value", "a float's "))
        if kind == "tuple":
            return tuple(self(item) for item in _require(value, "items", "a tuple's "))
        if kind == "dict" and "pairs" in value:
            return {self(k): self(v) for k, v in value["pairs"]}
        if kind == "dict":
            return {k: self(v) for k, v in _require(value, "items", "a dict's ").items()}
        if kind == "ndarray":
            return self.npz(_require(value, "key", "an array's "))
        if kind == "labels":
            return self.labels(value)
        if kind == "scalar":
            return self(_require(value, "value", "a scalar's "))[()]
        if kind == "tensor":
            return torch.from_numpy(np.array(self(_require(value, "value", "a tensor's "))))
        if kind == "family":
            cls = _registered(FAMILIES, _require(value, "name", "a family's "), "family")
            return cls(**self(_require(value, "params", "a family's ")))
        if kind == "random_state":
            state = np.random.RandomState()
            state.set_state(self(_require(value, "state", "a random state's ")))
            return state
        if kind == "training_result":
            fields = self(_require(value, "fields", "the training result's "))
            known = {f.name for f in dataclasses.fields(TrainingResult)}
            return TrainingResult(**{k: v for k, v in fields.items() if k in known})
        raise PersistenceError(f"{CONFIG_MEMBER} holds a value of unknown type {kind!r}.")

    def npz(self, key):
        if key not in self.arrays:
            raise PersistenceError(f"{ARRAYS_MEMBER} lacks the array {key!r}: the file is damaged.")
        return self.arrays[key]

    def labels(self, value):
        code = str(_require(value, "dtype", "a label array's "))
        # Checked before numpy parses it: plain string, bytes or object dtypes only.
        if not re.fullmatch(r"[<>|=]?(U|S)[0-9]{0,9}|[<>|=]?O", code):
            raise PersistenceError(f"Label arrays hold strings, bytes or objects; got {code!r}.")
        dtype = np.dtype(code)
        shape = tuple(int(n) for n in _require(value, "shape", "a label array's "))
        values = _require(value, "values", "a label array's ")
        if dtype.kind == "O":
            out = np.empty(len(values), dtype=object)
            for i, item in enumerate(values):  # item by item: tuples must not become rows
                out[i] = self(item)
        elif dtype.kind == "S":
            out = np.array([item.encode("latin-1") for item in values], dtype=dtype)
        else:
            out = np.array(values, dtype=dtype)
        return out.reshape(shape)


def _set_attributes(obj, attributes, decode):
    for name, value in attributes.items():
        # Only fitted-attribute names: a file must not reach __dict__, __class__ or methods.
        if not _is_fitted_name(name) or name in REBUILT_ATTRIBUTES:
            raise PersistenceError(
                f"{CONFIG_MEMBER} sets the attribute {name!r}; only fitted attributes (public "
                "names ending in '_') are stored."
            )
        setattr(obj, name, decode(value))


def _registered(registry, name, what):
    if not isinstance(name, str) or name not in registry:
        known = sorted(registry)
        raise PersistenceError(
            f"The file names the {what} {name!r}, which this installation of skprob does not "
            f"register; known: {known}. Upgrade skprob or install the package that defines it."
        )
    return registry[name]


def load_format1(archive, device, skprob_version):
    """The estimator stored in an open format-1 archive, its network on ``device``."""
    members = set(archive.namelist())
    if ARRAYS_MEMBER not in members:
        raise PersistenceError(f"The model file lacks {ARRAYS_MEMBER}; it is damaged or was "
                               "not written by skprob.persistence.save.")
    try:
        config = json.loads(archive.read(CONFIG_MEMBER))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PersistenceError(f"The model file's {CONFIG_MEMBER} is not valid JSON; the file is "
                               f"damaged: {err}.") from None
    try:
        with np.load(io.BytesIO(archive.read(ARRAYS_MEMBER)), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
        raise PersistenceError(f"{ARRAYS_MEMBER} cannot be read without pickle: {err}.") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT_NAME:
        raise PersistenceError(f"{CONFIG_MEMBER} does not declare format {FORMAT_NAME!r}; the "
                               "file was not written by skprob.persistence.save.")
    version = _require(config, "format_version", "")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        raise PersistenceError(
            f"The file has format version {version!r}; this skprob ({skprob_version}) reads "
            f"versions {list(READABLE_VERSIONS)} of {FORMAT_NAME!r}. Load it with the skprob "
            f"that wrote it ({config.get('versions', {}).get('skprob', 'unknown')}) or a newer one."
        )
    written_by = str(_require(_require(config, "versions", ""), "skprob", "versions."))
    try:
        return _build(config, arrays, device), written_by
    except PersistenceError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RuntimeError) as err:
        # Any other inconsistency of a tampered or damaged file, with its context.
        raise PersistenceError(f"The model file is damaged or inconsistent: "
                               f"{type(err).__name__}: {err}") from err


def _build(config, arrays, device):
    decode = _Decoder(arrays)
    section = _require(config, "estimator", "")
    cls = _registered(ESTIMATORS, _require(section, "class", "estimator."), "estimator class")
    params = {k: decode(v) for k, v in _require(section, "params", "estimator.").items()}
    unknown = sorted(set(params) - set(cls._get_param_names()))
    if unknown:
        raise PersistenceError(f"The file gives {cls.__name__} the parameters {unknown}, which "
                               "this version does not take; load it with the skprob that wrote it.")
    estimator = cls(**params)

    family_section = _require(config, "family", "")
    family_cls = _registered(FAMILIES, _require(family_section, "name", "family."), "family")
    if type(estimator._make_family()) is not family_cls:
        raise PersistenceError(f"The file pairs {cls.__name__} with the family "
                               f"{family_cls.name!r}, which it does not train.")
    family = family_cls(**decode(_require(family_section, "params", "family.")))
    _set_attributes(family, _require(family_section, "attributes", "family."), decode)
    # Files of this format predate the declared raw-output layout: derive it.
    family._lay_out()

    spec = _require(config, "network", "")
    keys = ("n_features", "hidden", "n_dependent", "n_constant", "activation", "dropout")
    spec = {key: _require(spec, key, "network.") for key in keys}
    if tuple(getattr(family, "n_raw_", ())) != (spec["n_dependent"], spec["n_constant"]):
        raise PersistenceError(f"The network has {spec['n_dependent']} + {spec['n_constant']} raw "
                               f"outputs but the family needs {getattr(family, 'n_raw_', None)}.")
    if spec["activation"] not in ACTIVATIONS:
        raise PersistenceError(f"Unknown activation {spec['activation']!r} in {CONFIG_MEMBER}.")
    # The throw-away initial weights must not advance the caller's global torch RNG.
    with torch.random.fork_rng(devices=[]):
        module = build_network(spec)
    expected = module.state_dict()
    state = {}
    for key, reference in expected.items():
        value = decode.npz(f"module/{key}")
        if value.shape != tuple(reference.shape) or value.dtype.kind != "f":
            raise PersistenceError(f"Weight {key!r} has shape {value.shape} and dtype "
                                   f"{value.dtype}; the network described in {CONFIG_MEMBER} "
                                   f"needs shape {tuple(reference.shape)}, float.")
        state[key] = torch.from_numpy(np.array(value))
    if state and all(value.dtype == torch.float64 for value in state.values()):
        module.double()  # a float64 network stays float64 rather than being rounded
    module.load_state_dict(state, strict=True)
    module.to(device).eval()

    estimator.family_ = family
    estimator.module_ = module
    estimator.device_ = device
    estimator.network_spec_ = spec
    _set_attributes(estimator, _require(section, "attributes", "estimator."), decode)
    # One prediction at the input mean: a missing attribute fails here, not in user code.
    probe = np.asarray(estimator.x_mean_, dtype=np.float64).reshape(1, -1)
    family.distribution(estimator._raw_params(probe), output_names=estimator.output_names_)
    return estimator
