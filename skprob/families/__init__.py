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

import difflib
import importlib
import pkgutil

from ._base import FAMILIES, Family

__all__ = ["ALIASES", "Family", "available_families", "get_family", "resolve_family_name"]

#: Other names users write for registered families (case, spaces and hyphens are ignored).
ALIASES = {
    "gaussian": "normal",
    "norm": "normal",
    "t": "student_t",
    "studentt": "student_t",
    "student": "student_t",
    "exp": "exponential",
    "expon": "exponential",
    "gaussian_mixture": "mixture",
    "gmm": "mixture",
    "mdn": "mixture",
    "nb": "negative_binomial",
    "negbin": "negative_binomial",
    "nbinom": "negative_binomial",
    "vonmises": "von_mises",
    "multivariate_gaussian": "multivariate_normal",
    "mvn": "multivariate_normal",
    "binary": "bernoulli",
    "logistic": "bernoulli",
    "multinomial": "categorical",
    "softmax": "categorical",
    "plackettluce": "plackett_luce",
}


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


def _normalised(name):
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def resolve_family_name(name, accept=None, what="distribution family"):
    """The registered name for ``name``, an alias of it, or an error with "did you mean".

    Parameters
    ----------
    name : str
        A family name or alias; case, spaces and hyphens do not matter.
    accept : callable or None, default=None
        ``accept(family_class)`` is true for the families the caller takes (a
        regressor takes no class-label family); the error lists only those.
    what : str, default="distribution family"
        How the error names the thing asked for.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If ``name`` names no family the caller accepts.

    Examples
    --------
    >>> from skprob.families import resolve_family_name
    >>> resolve_family_name("Gaussian")
    'normal'
    >>> try:
    ...     resolve_family_name("poison")
    ... except ValueError as err:
    ...     print(str(err).split(";")[0])
    Unknown distribution family 'poison'
    """
    accepted = sorted(n for n, cls in FAMILIES.items() if accept is None or accept(cls))
    key = _normalised(name)
    if name in FAMILIES:
        canonical = name
    else:
        canonical = key if key in FAMILIES else ALIASES.get(key, ALIASES.get(key.replace("_", "")))
    if canonical in accepted:
        return canonical
    if canonical is not None and canonical in FAMILIES:
        raise ValueError(
            f"{what} {name!r} names the {canonical!r} family, which is not accepted here; "
            f"expected one of {accepted}."
        )
    candidates = accepted + [alias for alias, target in ALIASES.items() if target in accepted]
    close = difflib.get_close_matches(key, candidates, n=3, cutoff=0.6)
    suggestion = [ALIASES.get(c, c) for c in close]
    hint = f" Did you mean {sorted(set(suggestion), key=suggestion.index)[0]!r}?" if close else ""
    raise ValueError(f"Unknown {what} {name!r}; expected one of {accepted}.{hint}")


def get_family(family, **options):
    """A fresh family instance from a registered name or a family object.

    Parameters
    ----------
    family : str or Family
        A name from :func:`available_families` or one of its :data:`ALIASES`
        (``"gaussian"`` for ``"normal"``), or a family instance (which is
        copied, so that fitting never changes the caller's object).
    **options
        Constructor options of the family, when ``family`` is a name.

    Returns
    -------
    Family

    Raises
    ------
    ValueError
        If the name is not registered; the message suggests the closest name.
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
        return FAMILIES[resolve_family_name(family)](**options)
    raise TypeError(
        f"family must be a family name (str) or a skprob Family; got {type(family).__name__}."
    )


_import_all()
