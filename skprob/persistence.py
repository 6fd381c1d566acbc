"""Save and load fitted estimators without pickle: loading a file runs no code.

A model file is a zip archive with two members:

``config.json``
    The format name and version, the skprob, torch, scikit-learn and numpy
    versions that wrote it, the estimator's class name (as registered in
    :data:`skprob.base.ESTIMATORS`) and ``get_params()``, the fitted family
    (registered name, constructor options, fitted attributes), the estimator's
    other fitted attributes and the architecture of the network.
``weights.npz``
    Every numeric array: the network's ``state_dict`` under ``module/<name>``
    (float32 or float64, moved to the CPU) and the numeric fitted attributes
    under ``arrays/<n>``. It is read with ``numpy.load(allow_pickle=False)``.

Values in ``config.json`` are plain JSON (null, booleans, integers, finite
floats, strings, lists); anything else is an object with a ``"type"`` tag:
``float`` (non-finite floats), ``tuple``, ``dict``, ``ndarray`` (a key into
``weights.npz``), ``labels`` (string, bytes or object arrays such as class
labels, with their numpy dtype), ``scalar`` (a numpy scalar, wrapping one of
the two array forms), ``tensor``, ``family`` (a family given as a
hyper-parameter: registered name and options), ``random_state`` (the state of
a :class:`numpy.random.RandomState`) and ``training_result``. :func:`load` only
instantiates classes found in the estimator and family registries and never
imports a name read from a file.
"""

import dataclasses
import io
import json
import math
import re
import warnings
import zipfile

import numpy as np
import sklearn
import torch

from ._compat import check_is_fitted
from .base import ESTIMATORS, MLPDistributionEstimator, resolve_device
from .exceptions import SkprobError
from .families._base import FAMILIES, Family
from .network import ACTIVATIONS, DistributionNetwork, build_network
from .training import TrainingResult

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "PersistenceError", "load", "save"]

#: Written to ``config.json`` so that other zip files are recognised as such.
FORMAT_NAME = "skprob-estimator"
#: Version of the layout written by :func:`save`.
FORMAT_VERSION = 1
#: Versions :func:`load` can read.
READABLE_VERSIONS = (1,)

CONFIG_MEMBER = "config.json"
ARRAYS_MEMBER = "weights.npz"
#: Fitted attributes that are rebuilt rather than stored.
REBUILT_ATTRIBUTES = ("module_", "family_", "device_")
#: Array kinds numpy saves natively (no pickle); others go to JSON as labels.
NPZ_KINDS = "biufcmM"
LABEL_KINDS = "USO"


class PersistenceError(SkprobError, ValueError):
    """A model file cannot be written or read safely.

    Raised by :func:`load` for files that are damaged, not written by
    :func:`save`, written in a newer format, or that name a class or family
    this installation does not register; raised by :func:`save` for fitted
    state that cannot be stored without pickle.

    Examples
    --------
    >>> from skprob.persistence import PersistenceError
    >>> issubclass(PersistenceError, ValueError)
    True
    """


# -- encoding ------------------------------------------------------------------


class _Encoder:
    """Turns Python values into JSON, collecting numeric arrays for the npz."""

    def __init__(self):
        self.arrays = {}

    def array(self, value):
        value = np.asarray(value)
        if value.dtype.kind in NPZ_KINDS and not value.dtype.fields:
            key = f"arrays/{len(self.arrays)}"
            self.arrays[key] = value
            return {"type": "ndarray", "key": key}
        if value.dtype.kind in LABEL_KINDS:
            flat = value.ravel().tolist() if value.dtype.kind != "O" else list(value.ravel())
            if value.dtype.kind == "S":
                values = [item.decode("latin-1") for item in flat]
            elif value.dtype.kind == "O":
                values = [self(item, "an element of an object array") for item in flat]
            else:
                values = flat
            return {"type": "labels", "dtype": value.dtype.str, "shape": list(value.shape),
                    "values": values}
        raise PersistenceError(f"Cannot store an array of dtype {value.dtype} without pickle; "
                               "expected numbers, booleans, dates, strings or objects.")

    def __call__(self, value, where):
        if isinstance(value, np.generic):  # first: np.str_ and np.float64 subclass str, float
            return {"type": "scalar", "value": self.array(value)}
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value) if math.isfinite(value) else {"type": "float", "value": str(value)}
        if isinstance(value, list):
            return [self(item, where) for item in value]
        if isinstance(value, tuple):
            return {"type": "tuple", "items": [self(item, where) for item in value]}
        if isinstance(value, dict):
            if all(isinstance(key, str) for key in value):  # readable form for the usual case
                return {"type": "dict", "items": {k: self(v, where) for k, v in value.items()}}
            return {"type": "dict", "pairs": [[self(k, where), self(v, where)]
                                              for k, v in value.items()]}
        if isinstance(value, np.ndarray):
            return self.array(value)
        if isinstance(value, torch.Tensor):
            return {"type": "tensor", "value": self.array(_tensor_to_numpy(value, where))}
        if isinstance(value, Family):
            return {"type": "family", "name": _family_name(value, where),
                    "params": self(value.get_params(deep=False), where)}
        if isinstance(value, np.random.RandomState):
            return {"type": "random_state", "state": self(value.get_state(), where)}
        if isinstance(value, TrainingResult):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
            return {"type": "training_result", "fields": self(fields, where)}
        raise PersistenceError(f"Cannot store {where} of type {type(value).__name__} without "
                               "pickle. Use pickle or joblib for this estimator.")


def _family_name(family, where):
    if FAMILIES.get(getattr(family, "name", None)) is not type(family):
        raise PersistenceError(f"{where} is a {type(family).__name__}, which is not registered "
                               "in skprob.families; only registered families can be stored.")
    return family.name


def _tensor_to_numpy(tensor, where):
    try:
        return tensor.detach().cpu().numpy().copy()
    except TypeError:  # dtypes numpy lacks, such as bfloat16
        raise PersistenceError(f"{where} is a tensor of dtype {tensor.dtype}, which numpy "
                               "cannot hold; convert it to float32 first.") from None


def _is_fitted_name(name):
    """Public attributes ending in an underscore are what ``fit`` set."""
    return name.isidentifier() and name.endswith("_") and not name.startswith("_")


def _fitted_attributes(obj, skip=()):
    return {k: v for k, v in vars(obj).items() if _is_fitted_name(k) and k not in skip}


def _network_spec(estimator):
    """The description :func:`~skprob.network.build_network` rebuilds the network from."""
    if type(estimator.module_) is not DistributionNetwork:
        raise PersistenceError(f"module_ is a {type(estimator.module_).__name__}; only skprob "
                               "DistributionNetwork modules can be stored without pickle.")
    return dict(estimator.network_spec_)


def save(estimator, path):
    """Write a fitted skprob estimator to a zip file, without pickle.

    Parameters
    ----------
    estimator : MLPDistributionEstimator
        A fitted estimator whose class is registered in
        :data:`skprob.base.ESTIMATORS`.
    path : str, path-like or writable binary file object
        Where to write; an existing file is replaced. Nothing is written when
        the estimator cannot be stored.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    TypeError
        If ``estimator`` is not a skprob estimator.
    PersistenceError
        If its class is not registered, or a fitted attribute cannot be stored
        without pickle.

    See Also
    --------
    load : read the file back.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skprob import PoissonMLPRegressor
    >>> from skprob.persistence import save
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 2))
    >>> model = PoissonMLPRegressor(width=8, max_iter=5, random_state=0).fit(X, rng.poisson(3, 40))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save(model, os.path.join(folder, "model.zip"))
    ...     sorted(os.listdir(folder))
    ['model.zip']
    """
    if not isinstance(estimator, MLPDistributionEstimator):
        raise TypeError(f"save stores fitted skprob estimators; got {type(estimator).__name__}. "
                        "Use pickle or joblib for other objects.")
    check_is_fitted(estimator, "module_")
    name = type(estimator).__name__
    if ESTIMATORS.get(name) is not type(estimator):
        raise PersistenceError(
            f"{name} is not registered in skprob.base.ESTIMATORS, so load could not find it; "
            "only registered estimator classes (skprob.all_estimators()) can be stored."
        )
    encode = _Encoder()
    family = estimator.family_
    params = estimator.get_params(deep=False)
    config = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "versions": {"skprob": _skprob_version(), "torch": torch.__version__,
                     "sklearn": sklearn.__version__, "numpy": np.__version__},
        "estimator": {
            "class": name,
            "params": {key: encode(value, f"parameter {key!r}") for key, value in params.items()},
            "attributes": {
                key: encode(value, f"fitted attribute {key!r}")
                for key, value in _fitted_attributes(estimator, REBUILT_ATTRIBUTES).items()
            },
        },
        "family": {
            "name": _family_name(family, "family_"),
            "params": encode(family.get_params(deep=False), "the family's options"),
            "attributes": {
                key: encode(value, f"family_.{key}")
                for key, value in _fitted_attributes(family).items()
            },
        },
        "network": _network_spec(estimator),
    }
    arrays = dict(encode.arrays)
    for key, tensor in estimator.module_.state_dict().items():
        value = _tensor_to_numpy(tensor, f"module_ weight {key!r}")
        if value.dtype not in (np.float32, np.float64):
            raise PersistenceError(f"module_ weight {key!r} is {value.dtype}; expected float.")
        arrays[f"module/{key}"] = value
    # Everything is encoded before the file is opened, so a failure leaves no partial file.
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    text = json.dumps(config, indent=1, allow_nan=False)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(CONFIG_MEMBER, text)
        archive.writestr(ARRAYS_MEMBER, buffer.getvalue())


def _skprob_version():
    from ._version import __version__

    return __version__


# -- decoding ------------------------------------------------------------------


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


def _read_archive(path):
    try:
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
            for member in (CONFIG_MEMBER, ARRAYS_MEMBER):
                if member not in members:
                    raise PersistenceError(f"The model file lacks {member}; it is damaged or "
                                           "was not written by skprob.persistence.save.")
            text = archive.read(CONFIG_MEMBER)
            blob = archive.read(ARRAYS_MEMBER)
    except zipfile.BadZipFile as err:
        raise PersistenceError(f"{path!r} is not a skprob model file (not a zip archive): "
                               f"{err}.") from None
    try:
        config = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PersistenceError(f"{CONFIG_MEMBER} is not valid JSON: {err}.") from None
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
        raise PersistenceError(f"{ARRAYS_MEMBER} cannot be read without pickle: {err}.") from None
    return config, arrays


def load(path, *, device="cpu"):
    """Read an estimator written by :func:`save`; no code from the file is run.

    Parameters
    ----------
    path : str, path-like or readable binary file object
        The model file.
    device : str, default="cpu"
        Device the network's weights are mapped to (``"cpu"``, ``"cuda"``,
        ``"cuda:N"`` or ``"auto"``), so a model trained on a GPU loads on a
        machine without one. The estimator's ``device`` hyper-parameter is kept
        as saved; change it with ``set_params`` before refitting elsewhere.

    Returns
    -------
    MLPDistributionEstimator
        A fitted estimator whose predictions equal the saved one's.

    Raises
    ------
    PersistenceError
        If the file is damaged, not a skprob model file, written in a format
        version this skprob cannot read, or names an unregistered estimator
        class or family.

    Warns
    -----
    UserWarning
        If the file was written by a skprob of another major or minor version.

    See Also
    --------
    save : write a fitted estimator.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skprob import CategoricalMLPClassifier
    >>> from skprob.persistence import load, save
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(40, 2)), rng.choice(["ham", "spam"], size=40)
    >>> clf = CategoricalMLPClassifier(width=8, max_iter=5, random_state=0).fit(X, y)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "model.zip")
    ...     save(clf, path)
    ...     restored = load(path, device="cpu")
    >>> restored.classes_
    array(['ham', 'spam'], dtype='<U4')
    >>> bool(np.array_equal(restored.predict_proba(X), clf.predict_proba(X)))
    True
    """
    target_device = resolve_device(device)
    config, arrays = _read_archive(path)
    if not isinstance(config, dict) or config.get("format") != FORMAT_NAME:
        raise PersistenceError(f"{CONFIG_MEMBER} does not declare format {FORMAT_NAME!r}; the "
                               "file was not written by skprob.persistence.save.")
    version = _require(config, "format_version", "")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        raise PersistenceError(
            f"The file has format version {version!r}; this skprob ({_skprob_version()}) reads "
            f"versions {list(READABLE_VERSIONS)}. Load it with the skprob that wrote it "
            f"({config.get('versions', {}).get('skprob', 'unknown')}) or a newer one."
        )
    try:
        return _build(config, arrays, target_device)
    except PersistenceError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RuntimeError) as err:
        # Any other inconsistency of a tampered or damaged file, with its context.
        raise PersistenceError(f"The model file is damaged or inconsistent: "
                               f"{type(err).__name__}: {err}") from err


def _build(config, arrays, device):
    written_by = str(_require(_require(config, "versions", ""), "skprob", "versions."))
    if written_by.split(".")[:2] != _skprob_version().split(".")[:2]:
        warnings.warn(
            f"The model file was written by skprob {written_by}; this is skprob "
            f"{_skprob_version()}. Check its predictions, or refit with this version.",
            UserWarning,
            stacklevel=3,
        )
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
    _set_attributes(estimator, _require(section, "attributes", "estimator."), decode)
    # One prediction at the input mean: a missing attribute fails here, not in user code.
    probe = np.asarray(estimator.x_mean_, dtype=np.float64).reshape(1, -1)
    family.distribution(estimator._raw_params(probe), output_names=estimator.output_names_)
    return estimator
