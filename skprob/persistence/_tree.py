"""Between an object tree holding torch objects and one that skops can store.

skops.io stores scikit-learn objects, numpy arrays and plain Python values, and
refuses on load every type that is not trusted; it cannot store tensors. Before
saving, :class:`Splitter` copies the tree with every tensor replaced by a
:class:`TensorRef` (the tensor itself goes to the safetensors member) and every
object whose state holds torch values (a network, a skprob estimator that owns
one, an ensemble of those) replaced by a :class:`StoredObject`: its type's name
and its converted state. Objects from other libraries (a ``Pipeline``, a
``ColumnTransformer``) stay what they are, as shallow copies whose state holds
the replacements, so that skops stores them with its own rules. After loading,
:class:`Joiner` puts tensors and objects back in place.

Nothing here knows a family or an estimator: an object is what its
``__getstate__`` returns, rebuilt by ``cls.__new__`` and ``__setstate__`` as
pickle would, but with classes looked up only among skprob's own and torch's
``nn.Module`` classes that are already imported (:func:`trusted_class`).
"""

import sys
import types
from collections import OrderedDict

import torch
from torch import nn

from ._errors import PersistenceError

__all__ = ["DeviceRef", "DtypeRef", "Joiner", "Splitter", "StoredObject", "TensorRef",
           "trusted_class", "type_name"]

#: Modules whose classes a file may name: skprob's own, and torch's layers.
_SKPROB_PREFIX = "skprob."
_TORCH_LAYER_PREFIX = "torch.nn.modules."


class TensorRef:
    """Stands for a tensor stored under ``key`` in the safetensors member."""

    def __init__(self, key, parameter, requires_grad):
        self.key = key
        self.parameter = parameter
        self.requires_grad = requires_grad


class DeviceRef:
    """Stands for a ``torch.device``; loading puts the device asked for in its place."""

    def __init__(self, name):
        self.name = name


class DtypeRef:
    """Stands for a ``torch.dtype``, by its name in the ``torch`` namespace."""

    def __init__(self, name):
        self.name = name


class StoredObject:
    """Stands for an object rebuilt from its type's name and its (converted) state."""

    def __init__(self, type_name, state):
        self.type_name = type_name
        self.state = state


def type_name(cls):
    """``module.QualName`` of a class, as skops writes it."""
    return f"{cls.__module__}.{cls.__qualname__}"


def trusted_class(name):
    """The class called ``name`` if a file may name it, else ``None``.

    Trusted are classes defined in skprob and subclasses of ``torch.nn.Module``
    defined in ``torch.nn.modules``, found among modules already imported: no
    module named by a file is ever imported.
    """
    if not isinstance(name, str):
        return None
    for prefix in (_SKPROB_PREFIX, _TORCH_LAYER_PREFIX):
        if not name.startswith(prefix):
            continue
        module_name, _, qualname = name.rpartition(".")
        module = sys.modules.get(module_name)
        obj = getattr(module, qualname, None) if module is not None else None
        if not isinstance(obj, type) or obj.__module__ != module_name:
            return None
        if prefix == _TORCH_LAYER_PREFIX and not issubclass(obj, nn.Module):
            return None
        return obj
    return None


_NAMED = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)


def _owns_torch_state(cls):
    """Whether instances of ``cls`` are rebuilt by skprob rather than by skops."""
    module = cls.__module__
    return module == "skprob" or module.startswith((_SKPROB_PREFIX, "torch."))


def _state_of(obj):
    """What pickle would store of ``obj``, or ``None`` for objects without a dict state."""
    getstate = getattr(obj, "__getstate__", None)
    try:
        state = getstate() if getstate is not None else getattr(obj, "__dict__", None)
    except TypeError:  # objects that refuse to be copied this way: skops decides
        return None
    return state if isinstance(state, dict) else None


class Splitter:
    """Copies a tree, moving tensors to :attr:`tensors` (key to CPU tensor)."""

    def __init__(self):
        self.tensors = {}
        #: Names of the types of every :class:`StoredObject` made.
        self.stored_types = set()
        self._memo = {}
        self._keep = []  # the originals stay alive, so their ids stay unique

    def __call__(self, value):
        key = id(value)
        if key not in self._memo:
            self._keep.append(value)
            self._memo[key] = self._convert(value)
        return self._memo[key]

    def _convert(self, value):
        if isinstance(value, torch.Tensor):
            return self._tensor(value)
        if isinstance(value, torch.device):
            return DeviceRef(str(value))
        if isinstance(value, torch.dtype):
            return DtypeRef(str(value).removeprefix("torch."))
        if type(value) in (list, tuple):
            items = [self(item) for item in value]
            same = all(new is old for new, old in zip(items, value, strict=True))
            return value if same else type(value)(items)
        if type(value) in (dict, OrderedDict):
            return self._mapping(value)
        if isinstance(value, _NAMED):
            return value  # stored by name; skops decides whether to trust it
        module = type(value).__module__
        if isinstance(value, nn.Module):
            self.stored_types.add(type_name(type(value)))
            return StoredObject(type_name(type(value)), self._mapping(_state_of(value)))
        if module == "torch" or module.startswith("torch."):
            raise PersistenceError(
                f"Cannot store a {type(value).__name__} from torch; skprob stores tensors, "
                "devices, dtypes and nn.Module layers. Use pickle or joblib for this object."
            )
        state = _state_of(value)
        if state is None:
            return value  # numbers, strings, arrays and the like: skops decides
        new_state = self._mapping(state)
        if new_state is state:
            return value
        if any(_owns_torch_state(cls) for cls in type(value).__mro__):
            # Rebuilt by skprob: its own __getstate__ may expect the torch values in place.
            self.stored_types.add(type_name(type(value)))
            return StoredObject(type_name(type(value)), new_state)
        # Another library's object (a Pipeline): a shallow copy holding the replacements.
        copy = type(value).__new__(type(value))
        if hasattr(copy, "__setstate__"):
            copy.__setstate__(dict(new_state))
        else:
            copy.__dict__.update(new_state)
        return copy

    def _mapping(self, mapping):
        items = {key: self(item) for key, item in mapping.items()}
        if all(items[key] is mapping[key] for key in mapping):
            return mapping
        return type(mapping)(items)

    def _tensor(self, tensor):
        key = str(len(self.tensors))
        # A copy on the CPU: safetensors refuses entries that share memory.
        self.tensors[key] = tensor.detach().to("cpu", copy=True).contiguous()
        return TensorRef(key, isinstance(tensor, nn.Parameter), bool(tensor.requires_grad))


class Joiner:
    """Puts tensors (moved to ``device``) and rebuilt objects back into a loaded tree.

    Lists and dicts are changed in place; other objects get the new values of
    their attributes. :attr:`objects` lists every object rebuilt or visited.
    """

    def __init__(self, tensors, device):
        self.tensors = tensors
        self.device = device
        self.objects = []
        self._memo = {}

    def __call__(self, value):
        key = id(value)
        if key not in self._memo:
            self._memo[key] = value  # a cycle back to this object meets the object itself
            self._memo[key] = self._convert(value)
        return self._memo[key]

    def _convert(self, value):
        if isinstance(value, TensorRef):
            return self._tensor(value)
        if isinstance(value, DeviceRef):
            return self.device
        if isinstance(value, DtypeRef):
            dtype = getattr(torch, str(value.name), None)
            if not isinstance(dtype, torch.dtype):
                raise PersistenceError(f"The file names the unknown torch dtype {value.name!r}.")
            return dtype
        if isinstance(value, StoredObject):
            return self._object(value)
        if type(value) is list:
            value[:] = [self(item) for item in value]
            return value
        if type(value) is tuple:
            return tuple(self(item) for item in value)
        if type(value) in (dict, OrderedDict):
            for key in list(value):
                value[key] = self(value[key])
            return value
        if isinstance(value, type) or not hasattr(value, "__dict__"):
            return value
        for name, item in list(vars(value).items()):
            new = self(item)
            if new is not item:
                setattr(value, name, new)
        self.objects.append(value)
        return value

    def _tensor(self, ref):
        if not isinstance(ref.key, str) or ref.key not in self.tensors:
            raise PersistenceError(f"The file refers to the tensor {ref.key!r}, which its "
                                   "safetensors member does not hold: the file is damaged.")
        tensor = self.tensors[ref.key].to(self.device)
        if ref.parameter:
            return nn.Parameter(tensor, requires_grad=bool(ref.requires_grad))
        return tensor.requires_grad_(bool(ref.requires_grad))

    def _object(self, stored):
        cls = trusted_class(stored.type_name)
        if cls is None:
            raise PersistenceError(
                f"The file names the type {stored.type_name!r}, which is neither a skprob class "
                "nor a torch layer of this installation; it is refused."
            )
        if not isinstance(stored.state, dict):
            raise PersistenceError(f"The state of a stored {stored.type_name} is not a dict: "
                                   "the file is damaged.")
        state = {key: self(item) for key, item in stored.state.items()}
        obj = cls.__new__(cls)
        if hasattr(obj, "__setstate__"):
            obj.__setstate__(state)
        else:
            obj.__dict__.update(state)
        self.objects.append(obj)
        return obj
