"""The error of :mod:`skprob.persistence`, in a module of its own to avoid import cycles."""

from ..exceptions import SkprobError

__all__ = ["PersistenceError"]


class PersistenceError(SkprobError, ValueError):
    """A model file cannot be written or read safely.

    Raised by :func:`~skprob.persistence.load` for files that are damaged, not
    written by :func:`~skprob.persistence.save`, written in a newer format, or
    that hold a type this installation does not trust; raised by
    :func:`~skprob.persistence.save` for objects that could not be loaded back
    without pickle.

    Examples
    --------
    >>> from skprob.persistence import PersistenceError
    >>> issubclass(PersistenceError, ValueError)
    True
    """
