"""Modules imported on first use, for dependencies that are slow to import.

Examples
--------
>>> from skprob._lazy import on_first_use
>>> json = on_first_use("json")
>>> json.dumps([1])
'[1]'
"""

import importlib

__all__ = ["on_first_use"]


class _OnFirstUse:
    def __init__(self, name, submodules):
        self._name, self._submodules = name, submodules

    def __getattr__(self, attribute):
        for submodule in self._submodules:  # attributes of the package once imported
            importlib.import_module(f"{self._name}.{submodule}")
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self):
        return f"<module {self._name!r}, imported on first use>"


def on_first_use(name, submodules=()):
    """A stand-in for module ``name`` that imports it (and ``submodules``) when first used.

    scoringrules compiles its numba kernels and skops loads its type registry when
    imported, seconds that ``import skprob`` need not pay before they are used.

    Parameters
    ----------
    name : str
        The module's import name.
    submodules : tuple of str
        Submodules reached as attributes (``skops.io``), imported with it.
    """
    return _OnFirstUse(name, tuple(submodules))
