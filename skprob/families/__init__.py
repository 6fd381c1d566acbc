"""Distribution families, found through a registry.

Every module in this package that defines a :class:`Family` subclass with a
``name`` registers it on import, and this package imports all its modules, so a
new distribution is one new file here.

Examples
--------
>>> from skprob.families import available_families, get_family
>>> "poisson" in available_families()
True
>>> get_family("normal", heteroscedastic=False)
NormalFamily(heteroscedastic=False)
"""

import importlib
import pkgutil

from ._base import FAMILIES, Family

__all__ = ["Family", "available_families", "get_family"]


def _import_all():
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")


def available_families():
    """Names of all registered families, sorted.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from skprob.families import available_families
    >>> "categorical" in available_families()
    True
    """
    return sorted(FAMILIES)


def get_family(family, **options):
    """A fresh family instance from a registered name or a family object.

    Parameters
    ----------
    family : str or Family
        A name from :func:`available_families`, or a family instance (which is
        copied, so that fitting never changes the caller's object).
    **options
        Constructor options of the family, when ``family`` is a name.

    Returns
    -------
    Family

    Raises
    ------
    ValueError
        If the name is not registered.
    TypeError
        If ``family`` is neither a string nor a :class:`Family`.

    Examples
    --------
    >>> from skprob.families import get_family
    >>> get_family("poisson")
    PoissonFamily()
    """
    if isinstance(family, Family):
        if options:
            raise TypeError("Options can only be given with a family name, not a family object.")
        return family.__class__(**family.get_params())
    if isinstance(family, str):
        try:
            cls = FAMILIES[family]
        except KeyError:
            raise ValueError(
                f"Unknown distribution family {family!r}; expected one of {available_families()}."
            ) from None
        return cls(**options)
    raise TypeError(
        f"family must be a family name (str) or a skprob Family; got {type(family).__name__}."
    )


_import_all()
