"""Save and load fitted models without pickle: loading a file runs no code from it.

:func:`save` takes a fitted skprob estimator, a deep ensemble, or a
scikit-learn composition holding them (a ``Pipeline``, a ``ColumnTransformer``
with scikit-learn's own transformers, ...). A model file is a zip archive with
three members:

``skprob.json``
    The format name and version, the type of the saved object and the skprob,
    torch, scikit-learn, numpy, skops and safetensors versions that wrote it.
``objects.skops``
    The object tree in the `skops.io <https://skops.readthedocs.io>`_ format:
    scikit-learn objects, numpy arrays and plain values as skops stores them,
    with every tensor replaced by a reference into the next member and every
    object that holds tensors (a network, a skprob estimator, an ensemble) by
    its type's name and state (see ``skprob/persistence/_tree.py``).
``tensors.safetensors``
    Every tensor (network weights), moved to the CPU, in the
    `safetensors <https://huggingface.co/docs/safetensors>`_ format.

:func:`load` trusts only scikit-learn's, numpy's and scipy's types that skops
trusts by default, the classes defined in skprob, and torch's ``nn.Module``
layers; a file that names any other type is refused with a
:class:`PersistenceError` before anything is built, and no module named by a
file is imported. Files of the first format (``config.json`` and
``weights.npz``, one estimator each, written by skprob 0.1) still load.

Examples
--------
>>> import io
>>> import numpy as np
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from skprob import PoissonMLPRegressor
>>> from skprob.persistence import load, save
>>> rng = np.random.default_rng(0)
>>> X, y = rng.normal(size=(40, 2)), rng.poisson(3, 40)
>>> pipe = make_pipeline(StandardScaler(), PoissonMLPRegressor(width=8, max_iter=5)).fit(X, y)
>>> buffer = io.BytesIO()
>>> save(pipe, buffer)
>>> restored = load(io.BytesIO(buffer.getvalue()))
>>> bool(np.array_equal(restored.predict(X), pipe.predict(X)))
True
"""

import json
import os
import warnings
import zipfile

import numpy as np
import pandas as pd
import safetensors
import safetensors.torch
import sklearn
import torch
from sklearn.exceptions import NotFittedError

from .._compat import check_is_fitted
from .._lazy import on_first_use
from ..base import resolve_device
from ._checks import check_loaded
from ._errors import PersistenceError
from ._format1 import CONFIG_MEMBER as FORMAT1_MEMBER
from ._format1 import load_format1
from ._tree import Joiner, Splitter, trusted_class, type_name

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "PersistenceError", "load", "save"]

# Loads its type registry when imported (seconds): imported on the first save or load.
skops = on_first_use("skops", submodules=("io",))

#: Written to ``skprob.json`` so that other zip files are recognised as such.
FORMAT_NAME = "skprob-model"
#: Version of the layout written by :func:`save`.
FORMAT_VERSION = 2
#: Versions of this layout :func:`load` can read (format 1 is read by its own module).
READABLE_VERSIONS = (2,)

HEADER_MEMBER = "skprob.json"
OBJECTS_MEMBER = "objects.skops"
TENSORS_MEMBER = "tensors.safetensors"


def _skprob_version():
    from .._version import __version__

    return __version__


#: scikit-learn's own types that a fitted composition holds but skops does not trust
#: (a ColumnTransformer's remainder columns in scikit-learn 1.6).
SKLEARN_TYPES = ("sklearn.compose._column_transformer._RemainderColsList",)


def _trusted(name):
    return name in SKLEARN_TYPES or trusted_class(name) is not None


def _refused_types(skops_bytes):
    """Types in a skops payload that neither skops nor skprob trusts."""
    untrusted = skops.io.get_untrusted_types(data=skops_bytes)
    return sorted(name for name in untrusted if not _trusted(name))


def _trusted_types(skops_bytes):
    return [name for name in skops.io.get_untrusted_types(data=skops_bytes) if _trusted(name)]


def save(estimator, path):
    """Write a fitted estimator, ensemble or pipeline to a zip file, without pickle.

    Parameters
    ----------
    estimator : estimator
        A fitted skprob estimator, :class:`~skprob.DeepEnsembleRegressor` or
        :class:`~skprob.DeepEnsembleClassifier`, or a scikit-learn estimator
        (``Pipeline``, ``ColumnTransformer``, ...) that holds them. Every type
        inside must be one :func:`load` trusts: scikit-learn's own, numpy's,
        skprob's or torch's layers.
    path : str, path-like or writable binary file object
        Where to write; an existing file is replaced. Nothing is written when
        the estimator cannot be stored.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    TypeError
        If ``estimator`` is not a scikit-learn estimator.
    PersistenceError
        If it holds a type that :func:`load` would refuse (a user-defined
        function or class, say) or a torch object other than tensors and layers.

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
    ...     save(model, os.path.join(folder, "model.skprob"))
    ...     sorted(os.listdir(folder))
    ['model.skprob']
    """
    if not (hasattr(estimator, "fit") and hasattr(estimator, "get_params")):
        raise TypeError(
            "save stores fitted scikit-learn estimators (skprob estimators, deep ensembles and "
            f"pipelines holding them); got {type(estimator).__name__}. Use pickle or joblib "
            "for other objects."
        )
    _check_source(path, "save")
    check_is_fitted(estimator)
    splitter = Splitter()
    storable = splitter(estimator)
    try:
        objects = skops.io.dumps(storable, compression=zipfile.ZIP_DEFLATED)
    except (TypeError, ValueError, AttributeError, NotImplementedError) as err:
        raise PersistenceError(
            f"skops cannot store this {type(estimator).__name__}: {type(err).__name__}: {err}. "
            "Use pickle or joblib for it."
        ) from err
    refused = sorted(set(_refused_types(objects)).union(
        name for name in splitter.stored_types if trusted_class(name) is None))
    if refused:
        raise PersistenceError(
            f"The {type(estimator).__name__} holds objects of the types {refused}, which load "
            "would refuse: only scikit-learn's, numpy's and skprob's types and torch layers are "
            "trusted. Use pickle or joblib for it."
        )
    tensors = safetensors.torch.save(splitter.tensors)
    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "object": type_name(type(estimator)),
        "versions": {
            "skprob": _skprob_version(), "torch": torch.__version__,
            "sklearn": sklearn.__version__, "numpy": np.__version__,
            "skops": skops.__version__, "safetensors": safetensors.__version__,
        },
    }
    # Everything is encoded before the file is opened, so a failure leaves no partial file.
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(HEADER_MEMBER, json.dumps(header, indent=1))
        archive.writestr(OBJECTS_MEMBER, objects)
        archive.writestr(TENSORS_MEMBER, tensors)


def load(path, *, device="cpu"):
    """Read a model written by :func:`save`; no code from the file is run.

    Parameters
    ----------
    path : str, path-like or readable binary file object
        The model file (either format: this one, or skprob 0.1's
        ``config.json`` and ``weights.npz``).
    device : str, default="cpu"
        Device every tensor is mapped to (``"cpu"``, ``"cuda"``, ``"cuda:N"``,
        ``"mps"`` or ``"auto"``), so a model trained on a GPU loads on a
        machine without one. Estimators' ``device`` hyper-parameters are kept
        as saved; change them with ``set_params`` before refitting elsewhere.

    Returns
    -------
    estimator
        The fitted object, whose predictions equal the saved one's.

    Raises
    ------
    PersistenceError
        If the file is damaged, not a skprob model file, written in a format
        version this skprob cannot read, or names a type that is not trusted.

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
    >>> from skprob import CategoricalMLPClassifier, DeepEnsembleClassifier
    >>> from skprob.persistence import load, save
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(40, 2)), rng.choice(["ham", "spam"], size=40)
    >>> member = CategoricalMLPClassifier(width=8, max_iter=5)
    >>> clf = DeepEnsembleClassifier(member, n_estimators=2, random_state=0).fit(X, y)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "ensemble.skprob")
    ...     save(clf, path)
    ...     restored = load(path, device="cpu")
    >>> restored.classes_
    array(['ham', 'spam'], dtype='<U4')
    >>> bool(np.array_equal(restored.predict_proba(X), clf.predict_proba(X)))
    True
    """
    _check_source(path, "load")
    target_device = resolve_device(device)
    archive = _open_archive(path)
    estimator = None
    try:
        with archive:
            members = set(archive.namelist())
            if HEADER_MEMBER not in members and FORMAT1_MEMBER in members:
                estimator, written_by = load_format1(archive, target_device, _skprob_version())
                _probe([estimator])
            else:
                for member in (HEADER_MEMBER, OBJECTS_MEMBER, TENSORS_MEMBER):
                    if member not in members:
                        raise PersistenceError(f"The model file lacks {member}; it is damaged "
                                               "or was not written by skprob.persistence.save.")
                header = _read_header(archive.read(HEADER_MEMBER))
                objects = archive.read(OBJECTS_MEMBER)
                tensor_bytes = archive.read(TENSORS_MEMBER)
    except PersistenceError:
        raise
    except Exception as err:  # zlib, CRC, truncation, recursion: every way decoding fails
        kind = type(err).__name__ if type(err).__module__ == "builtins" else \
            f"{type(err).__module__}.{type(err).__name__}"
        raise PersistenceError(f"The model file is damaged; it cannot be read: "
                               f"{kind}: {err}") from None
    if estimator is not None:  # a file of the first format
        _warn_on_version(written_by)
        return estimator
    _warn_on_version(header["versions"]["skprob"])
    try:
        tensors = safetensors.torch.load(tensor_bytes)
    except Exception as err:  # safetensors raises its own error type for a damaged header
        raise PersistenceError(f"{TENSORS_MEMBER} is not a valid safetensors file: {err}") from None
    try:
        refused = _refused_types(objects)
    except Exception as err:  # skops's reader raises whatever json or zipfile raise
        raise PersistenceError(f"{OBJECTS_MEMBER} is not a valid skops file: "
                               f"{type(err).__name__}: {err}") from None
    if refused:
        raise PersistenceError(
            f"The file holds objects of the types {refused}, which skprob does not trust: only "
            "scikit-learn's, numpy's and skprob's types and torch layers load. The file was "
            "not written by skprob.persistence.save or was changed since."
        )
    try:
        tree = skops.io.loads(objects, trusted=_trusted_types(objects))
        joiner = Joiner(tensors, target_device)
        estimator = joiner(tree)
        _probe(joiner.objects)
    except PersistenceError:
        raise
    except Exception as err:  # a tampered tree fails in whatever it breaks
        raise PersistenceError(f"The model file is damaged or inconsistent: "
                               f"{type(err).__name__}: {err}") from err
    if type_name(type(estimator)) != header["object"]:
        raise PersistenceError(f"{HEADER_MEMBER} announces a {header['object']} but the file "
                               f"holds a {type_name(type(estimator))}: the file is damaged.")
    return estimator


def _check_source(path, function):
    """Refuse, by type, what cannot name or hold a model file."""
    if isinstance(path, (str, os.PathLike)):
        return
    if function == "load" and callable(getattr(path, "read", None)) and callable(
        getattr(path, "seek", None)
    ):
        return
    if function == "save" and callable(getattr(path, "write", None)):
        return
    mode = "readable, seekable" if function == "load" else "writable"
    raise TypeError(f"path must be a file name (str or path-like) or a {mode} binary file "
                    f"object; got {path!r}, a {type(path).__name__}.")


def _open_archive(path):
    """The zip archive at ``path``; a missing or unreadable file raises as ``open`` does."""
    try:
        return zipfile.ZipFile(path)
    except OSError:
        raise  # no such file, a folder, no permission: about the path, not the content
    except Exception as err:  # not a zip file, or a damaged directory of members
        raise PersistenceError(f"{path!r} is not a skprob model file (not a zip archive): "
                               f"{type(err).__name__}: {err}") from None


def _read_header(text):
    try:
        header = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PersistenceError(f"The model file's {HEADER_MEMBER} is not valid JSON; the file is "
                               f"damaged: {err}.") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise PersistenceError(f"{HEADER_MEMBER} does not declare format {FORMAT_NAME!r}; the "
                               "file was not written by skprob.persistence.save.")
    version = header.get("format_version")
    versions = header.get("versions")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        written_by = versions.get("skprob") if isinstance(versions, dict) else "unknown"
        raise PersistenceError(
            f"The file has format version {version!r}; this skprob ({_skprob_version()}) reads "
            f"versions {list(READABLE_VERSIONS)}. Load it with the skprob that wrote it "
            f"({written_by}) or a newer one."
        )
    if not (isinstance(versions, dict) and isinstance(versions.get("skprob"), str)
            and isinstance(header.get("object"), str)):
        raise PersistenceError(f"{HEADER_MEMBER} lacks 'object' or the skprob version in "
                               "'versions': the file is damaged.")
    return header


def _warn_on_version(written_by):
    written_by = str(written_by)
    if written_by.split(".")[:2] != _skprob_version().split(".")[:2]:
        warnings.warn(
            f"The model file was written by skprob {written_by}; this is skprob "
            f"{_skprob_version()}. Check its predictions, or refit with this version.",
            UserWarning,
            stacklevel=3,
        )


def _probe(objects):
    """One prediction of every loaded skprob estimator: a damaged file fails here."""
    check_loaded(objects)
    for obj in objects:
        if not (type(obj).__module__.startswith("skprob.") and hasattr(obj, "predict_dist")):
            continue
        try:
            check_is_fitted(obj)
        except NotFittedError:
            continue  # an unfitted template, such as a deep ensemble's estimator
        n_features = getattr(obj, "n_features_in_", None)
        if not isinstance(n_features, int):
            continue
        X = np.zeros((1, n_features))
        names = getattr(obj, "feature_names_in_", None)
        if names is not None:
            X = pd.DataFrame(X, columns=list(names))
        obj.predict_dist(X)


# Re-exported for the documentation of the error's home.
PersistenceError.__module__ = __name__
