"""What a loaded model must satisfy before :func:`~skprob.persistence.load` returns it.

A file that decodes may still describe a model that cannot work: weights whose
shapes differ from the network it names, class labels that do not match the
network's outputs, a negative or non-finite scale. Such a model would load and
then fail, or return NaN, at its first prediction. These checks compare every
loaded skprob estimator's fitted values with its network and with each other,
and refuse the file with a :class:`PersistenceError` that names the value.
"""

import copy
import numbers

import numpy as np
import torch
from sklearn.exceptions import NotFittedError

from .._compat import check_is_fitted, validate_params
from ..families._base import Family
from ..network import ACTIVATIONS, DistributionNetwork, hidden_sizes
from ._errors import PersistenceError

__all__ = ["check_loaded"]


def _fail(owner, message):
    raise PersistenceError(
        f"The model file holds a {type(owner).__name__} whose {message}; the file is damaged "
        "or was changed since it was saved."
    )


def _is_count(value, low=0):
    return (isinstance(value, numbers.Integral) and not isinstance(value, bool)
            and value >= low)


def _float_vector(owner, name, value, length, positive=False):
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        _fail(owner, f"{name} is not numeric ({type(value).__name__})")
    if array.shape != (length,):
        _fail(owner, f"{name} has shape {array.shape}, but the network needs ({length},)")
    if not np.isfinite(array).all():
        _fail(owner, f"{name} is not finite ({array[:4].tolist()})")
    if positive and not (array > 0).all():
        _fail(owner, f"{name} must be positive but is {array[:4].tolist()}")


def _check_spec(est):
    spec = getattr(est, "network_spec_", None)
    keys = ("n_features", "hidden", "n_dependent", "n_constant", "activation", "dropout")
    if not isinstance(spec, dict) or set(spec) != set(keys):
        _fail(est, f"network_spec_ is not a network description with keys {list(keys)}")
    counts = [spec["n_features"], spec["n_dependent"], spec["n_constant"]]
    if not all(_is_count(n) for n in counts) or spec["n_features"] < 1:
        _fail(est, f"network_spec_ has invalid sizes {counts}")
    try:
        hidden = hidden_sizes(spec["hidden"], 0, 1)
    except (TypeError, ValueError) as err:
        _fail(est, f"network_spec_ has invalid hidden layers: {err}")
    if spec["activation"] not in ACTIVATIONS:
        _fail(est, f"network_spec_ names the unknown activation {spec['activation']!r}")
    dropout = spec["dropout"]
    if not (isinstance(dropout, numbers.Real) and 0 <= dropout < 1):
        _fail(est, f"network_spec_ has dropout {dropout!r}, outside [0, 1)")
    return spec, hidden


def _check_network(est, spec, hidden):
    module = getattr(est, "module_", None)
    if not isinstance(module, DistributionNetwork):
        _fail(est, f"module_ is a {type(module).__name__}, not a DistributionNetwork")
    linear = [layer for layer in module.trunk if isinstance(layer, torch.nn.Linear)]
    sizes = [spec["n_features"], *hidden]
    expected = [(f"trunk layer {i}", tuple(layer.weight.shape), (sizes[i + 1], sizes[i]))
                for i, layer in enumerate(linear)]
    if len(linear) != len(hidden):
        _fail(est, f"network has {len(linear)} hidden layers but network_spec_ describes "
                   f"{len(hidden)}")
    n_last = sizes[-1]
    expected += [
        ("output layer", tuple(module.head.weight.shape), (spec["n_dependent"], n_last)),
        ("constant outputs", tuple(module.constant.shape), (spec["n_constant"],)),
    ]
    for what, shape, wanted in expected:
        if shape != wanted:
            _fail(est, f"{what} has weights of shape {shape}, but network_spec_ needs {wanted}")
    for name, tensor in module.state_dict().items():
        if not torch.is_floating_point(tensor):
            _fail(est, f"network weight {name!r} has dtype {tensor.dtype}, not a float")
        if not bool(torch.isfinite(tensor).all()):
            _fail(est, f"network weight {name!r} holds NaN or infinity")


def _check_family(est, spec):
    family = getattr(est, "family_", None)
    if not isinstance(family, Family):
        _fail(est, f"family_ is a {type(family).__name__}, not a skprob family")
    declared = type(est._make_family())
    if type(family) is not declared:
        _fail(est, f"fitted family is {type(family).__name__}, but its parameters name "
                   f"{declared.__name__}")
    if getattr(family, "y_ndim_", None) not in (1, 2):
        _fail(est, f"family_.y_ndim_ is {getattr(family, 'y_ndim_', None)!r}, not 1 or 2")
    n_outputs = getattr(family, "n_outputs_", None)
    if not _is_count(n_outputs, 1):
        _fail(est, f"family_.n_outputs_ is {n_outputs!r}, not a positive integer")
    if family.is_classifier:
        _check_classes(est, family)
    else:
        _float_vector(est, "family_.loc_", getattr(family, "loc_", None), n_outputs)
        _float_vector(est, "family_.scale_ (the target's scale)", getattr(family, "scale_", None),
                      n_outputs, positive=True)
        jacobian = getattr(family, "log_jacobian_", None)
        if not (isinstance(jacobian, numbers.Real)
                and np.isclose(jacobian, np.log(family.scale_).sum(), rtol=1e-9, atol=1e-9)):
            _fail(est, f"family_.log_jacobian_ is {jacobian!r}, not the log of its scale_")
    # The raw outputs the family needs, derived again from its classes and options.
    derived = copy.copy(family)
    try:
        derived._lay_out()
    except Exception as err:  # a damaged attribute fails in whatever it breaks
        _fail(est, f"family_ cannot lay out its outputs ({type(err).__name__}: {err})")
    wanted = (spec["n_dependent"], spec["n_constant"])
    if tuple(derived.n_raw_) != wanted or tuple(getattr(family, "n_raw_", ())) != wanted:
        _fail(est, f"family needs {tuple(derived.n_raw_)} raw outputs (depending on x, "
                   f"constant), but the network has {wanted}")
    if family.is_classifier:
        _check_own_classes(est)


def _check_classes(est, family):
    classes = np.asarray(getattr(family, "classes_", None))
    if classes.ndim != 1 or len(classes) < 2:
        _fail(est, f"family_.classes_ is {classes!r}, not at least two labels")
    try:
        unique = np.unique(classes)
    except TypeError:
        _fail(est, f"classes_ {classes.tolist()} cannot be sorted")
    if len(unique) != len(classes) or not np.array_equal(unique, classes):
        _fail(est, f"classes_ {classes.tolist()[:6]} are not sorted, distinct labels")


def _check_own_classes(est):
    """The estimator's ``classes_`` are its family's (sklearn reads one, predictions the other)."""
    own, classes = getattr(est, "classes_", None), est.family_.classes_
    if own is None or not np.array_equal(np.asarray(own, dtype=object),
                                         np.asarray(classes, dtype=object)):
        shown = np.asarray(own).tolist() if own is not None else None
        _fail(est, f"classes_ {shown} differ from its family's {classes.tolist()}")


def check_estimator(est):
    """Refuse a loaded skprob estimator whose fitted values do not fit together.

    Parameters
    ----------
    est : MLPDistributionEstimator
        A fitted estimator as loaded.

    Raises
    ------
    PersistenceError
        If a hyper-parameter is invalid, or the network, the input scaling, the
        family (its scale, classes and output layout) or the feature names do not
        agree with each other.
    """
    try:
        validate_params(est)
    except (TypeError, ValueError) as err:
        _fail(est, f"hyper-parameters are invalid: {err}")
    spec, hidden = _check_spec(est)
    n_features = getattr(est, "n_features_in_", None)
    if n_features != spec["n_features"] or not _is_count(n_features, 1):
        _fail(est, f"n_features_in_ is {n_features!r}, but its network takes "
                   f"{spec['n_features']} inputs")
    _float_vector(est, "x_mean_", getattr(est, "x_mean_", None), n_features)
    _float_vector(est, "x_scale_", getattr(est, "x_scale_", None), n_features, positive=True)
    names = getattr(est, "feature_names_in_", None)
    if names is not None and np.shape(names) != (n_features,):
        _fail(est, f"feature_names_in_ has shape {np.shape(names)}, not ({n_features},)")
    _check_network(est, spec, hidden)
    _check_family(est, spec)
    output_names = getattr(est, "output_names_", None)
    if output_names is not None and (
        not isinstance(output_names, list)
        or len(output_names) != est.family_.n_outputs_
        or not all(isinstance(name, str) for name in output_names)
    ):
        _fail(est, f"output_names_ is {output_names!r}, not {est.family_.n_outputs_} names")


def check_ensemble(ensemble):
    """Refuse a loaded deep ensemble whose members do not match it or each other."""
    members = getattr(ensemble, "estimators_", None)
    if not isinstance(members, list) or not members:
        _fail(ensemble, "estimators_ is not a non-empty list of fitted members")
    n_features = getattr(ensemble, "n_features_in_", None)
    for member in members:
        if not hasattr(member, "predict_dist"):
            _fail(ensemble, f"member {type(member).__name__} predicts no distribution")
        if getattr(member, "n_features_in_", None) != n_features:
            _fail(ensemble, f"member takes {getattr(member, 'n_features_in_', None)} inputs, "
                            f"the ensemble {n_features}")
    classes = getattr(ensemble, "classes_", None)
    if classes is not None:
        for member in members:
            if not np.array_equal(np.asarray(member.classes_, dtype=object),
                                  np.asarray(classes, dtype=object)):
                _fail(ensemble, f"classes_ {np.asarray(classes).tolist()} differ from a "
                                f"member's {np.asarray(member.classes_).tolist()}")


def check_loaded(objects):
    """Check every fitted skprob estimator and deep ensemble among ``objects``.

    Examples
    --------
    >>> from skprob.persistence._checks import check_loaded
    >>> check_loaded([])
    """
    from ..base import MLPDistributionEstimator
    from ..ensemble import _BaseDeepEnsemble

    for obj in objects:
        if isinstance(obj, MLPDistributionEstimator):
            if hasattr(obj, "module_") or hasattr(obj, "family_"):
                check_estimator(obj)
        elif isinstance(obj, _BaseDeepEnsemble):
            try:
                check_is_fitted(obj, "estimators_")
            except NotFittedError:
                continue
            check_ensemble(obj)
