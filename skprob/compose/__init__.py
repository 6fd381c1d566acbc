"""Predicted distributions through scikit-learn's compositions.

scikit-learn's ``Pipeline``, ``GridSearchCV`` / ``RandomizedSearchCV``,
``TransformedTargetRegressor`` and ``cross_val_predict`` forward ``predict``
but know nothing of ``predict_dist``. These functions are the one way to get
distributions through them: :func:`predict_dist` walks down a fitted
composition (a pipeline's transformers, a search's ``best_estimator_``, a
target transform mapped back by change of variables) to the skprob estimator at
its end, and returns its distribution indexed like the caller's ``X``;
:func:`cross_val_predict_dist` gives out-of-fold distributions in the original
row order; :func:`predict` adds ``return_std`` to any of them.

Functions rather than subclasses of scikit-learn's compositions: they work on
the objects users already build, nest (a search over a pipeline ending in a
target transform), work on fitted models loaded from files, and follow
scikit-learn's classes as they change instead of copying their signatures.

Examples
--------
>>> import numpy as np
>>> import pandas as pd
>>> from sklearn.model_selection import GridSearchCV
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from skprob import HeteroscedasticRegressor, predict_dist
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"x": rng.uniform(-1, 1, 60)}, index=range(100, 160))
>>> y = X["x"] + 0.1 * rng.standard_normal(60)
>>> pipe = make_pipeline(StandardScaler(), HeteroscedasticRegressor(max_iter=5, random_state=0))
>>> search = GridSearchCV(pipe, {"heteroscedasticregressor__width": [8, 16]}, cv=2).fit(X, y)
>>> predict_dist(search, X.iloc[:2]).to_frame().index.tolist()
[100, 101]
"""

import copy

import numpy as np
import pandas as pd
from sklearn.base import clone, is_classifier
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import check_cv
from sklearn.pipeline import Pipeline
from sklearn.utils import indexable
from sklearn.utils.parallel import Parallel, delayed

from .._compat import BaseSearchCV, check_is_fitted, safe_indexing
from .._ensemble_distribution import EnsembleDistribution
from ._transformed import (
    KNOWN_TRANSFORMS,
    MonotoneFunctionTransformer,
    MonotoneTransform,
    TransformedDistribution,
    target_transform,
)

__all__ = [
    "KNOWN_TRANSFORMS",
    "MonotoneFunctionTransformer",
    "MonotoneTransform",
    "TransformedDistribution",
    "concat_distributions",
    "cross_val_predict_dist",
    "predict",
    "predict_dist",
    "target_transform",
]


def predict_dist(model, X):
    """The predicted distribution of a skprob estimator, alone or inside a composition.

    Parameters
    ----------
    model : fitted estimator
        A skprob estimator (or anything with ``predict_dist``), or a
        :class:`~sklearn.pipeline.Pipeline`, a search (``GridSearchCV``,
        ``RandomizedSearchCV``, any ``BaseSearchCV`` refitted on the best
        candidate) or a :class:`~sklearn.compose.TransformedTargetRegressor`
        around one, nested in any order.
    X : array-like, sparse matrix or DataFrame of shape (n_samples, n_features)
        Inputs as ``model.predict`` takes them.

    Returns
    -------
    Distribution
        One distribution per row. Its index is ``X``'s when ``X`` is a
        DataFrame, whatever the pipeline's transformers return. Through a
        ``TransformedTargetRegressor`` it is a :class:`TransformedDistribution`,
        the distribution of the untransformed target.

    Raises
    ------
    TypeError
        If ``model`` holds no estimator that predicts distributions, or its
        target transform cannot be mapped back exactly.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.compose import TransformedTargetRegressor
    >>> from skprob import HeteroscedasticRegressor, predict_dist
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, size=(80, 1))
    >>> y = np.exp(X[:, 0] + 0.2 * rng.standard_normal(80))
    >>> model = TransformedTargetRegressor(
    ...     HeteroscedasticRegressor(max_iter=5, random_state=0), func=np.log, inverse_func=np.exp
    ... ).fit(X, y)
    >>> dist = predict_dist(model, X[:3])  # a log-normal per row
    >>> bool(np.allclose(dist.median(), np.exp(model.regressor_.predict_dist(X[:3]).median())))
    True
    """
    index = X.index if isinstance(X, pd.DataFrame) else None
    dist = _predict_dist(model, X)
    return dist if index is None else _with_index(dist, index)


def _predict_dist(model, X):
    if isinstance(model, Pipeline):
        check_is_fitted(model)
        if len(model) > 1:
            X = model[:-1].transform(X)
        return _predict_dist(model[-1], X)
    if isinstance(model, BaseSearchCV):
        if not hasattr(model, "best_estimator_"):
            raise TypeError(
                f"{type(model).__name__} has no best_estimator_ (refit={model.refit!r}, or not "
                "fitted); predict_dist needs the refitted best model: fit with refit=True."
            )
        return _predict_dist(model.best_estimator_, X)
    if isinstance(model, TransformedTargetRegressor):
        check_is_fitted(model, "regressor_")
        return TransformedDistribution(
            _predict_dist(model.regressor_, X), target_transform(model.transformer_)
        )
    if hasattr(model, "predict_dist"):
        return model.predict_dist(X)
    raise TypeError(
        f"{type(model).__name__} does not predict distributions; expected a skprob estimator, "
        "or a Pipeline, GridSearchCV, RandomizedSearchCV or TransformedTargetRegressor "
        "around one."
    )


def _with_index(dist, index):
    if len(index) != len(dist):
        raise ValueError(
            f"X has {len(index)} rows but the model predicted {len(dist)} distributions; "
            "a step of the composition added or removed rows."
        )
    labelled = copy.copy(dist)
    labelled._index = pd.Index(index)
    if isinstance(dist, TransformedDistribution):
        labelled.base = _with_index(dist.base, index)
    return labelled


def predict(model, X, return_std=False):
    """``model.predict(X)``, with the predictive standard deviation through any composition.

    Pipelines forward ``return_std`` themselves; searches and target transforms
    do not. This gives the same point prediction as ``model.predict(X)`` and,
    with ``return_std=True``, the standard deviation of :func:`predict_dist`.

    Parameters
    ----------
    model : fitted estimator
        As for :func:`predict_dist`.
    X : array-like, sparse matrix or DataFrame of shape (n_samples, n_features)
    return_std : bool, default=False
        Also return the standard deviation of each row's distribution.

    Returns
    -------
    y_pred : ndarray
        ``model.predict(X)``: through a ``TransformedTargetRegressor`` the
        inverse transform of the regressor's point (the median of the
        transformed distribution when the regressor predicts a median or the
        mode of a symmetric family).
    y_std : ndarray, only when ``return_std=True``
        Of the distribution of the untransformed target.

    Raises
    ------
    ValueError
        If the standard deviation does not exist for some row.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skprob import HeteroscedasticRegressor
    >>> from skprob.compose import predict
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(60, 1))
    >>> y = X[:, 0] + 0.1 * rng.standard_normal(60)
    >>> search = GridSearchCV(HeteroscedasticRegressor(max_iter=5, random_state=0),
    ...                       {"width": [8, 16]}, cv=2).fit(X, y)
    >>> mean, std = predict(search, X[:2], return_std=True)
    >>> std.shape
    (2,)
    """
    point = model.predict(X)
    if not return_std:
        return point
    dist = predict_dist(model, X)
    dist._require_defined("std")
    return point, dist.std()


def concat_distributions(dists):
    """One distribution holding the rows of several of the same kind, in order.

    Parameters
    ----------
    dists : sequence of Distribution
        Of one class, with equal non-row settings (classes, members, transform).

    Returns
    -------
    Distribution

    Raises
    ------
    TypeError
        If the distributions are of different classes.
    ValueError
        If their classes, number of members or transform differ.

    Examples
    --------
    >>> from skprob.compose import concat_distributions
    >>> from skprob.families.normal import NormalDistribution
    >>> both = concat_distributions([NormalDistribution(loc=[0.0], scale=[1.0]),
    ...                              NormalDistribution(loc=[5.0], scale=[2.0])])
    >>> both.params["loc"]
    array([0., 5.])
    """
    dists = list(dists)
    if not dists:
        raise ValueError("dists is empty; expected at least one distribution.")
    first = dists[0]
    if len({type(d) for d in dists}) > 1:
        raise TypeError(
            "Cannot join distributions of different classes: "
            f"{sorted({type(d).__name__ for d in dists})}."
        )
    index = pd.Index(np.concatenate([np.asarray(d.index, dtype=object) for d in dists]))
    if isinstance(first, TransformedDistribution):
        if len({d.transform for d in dists}) > 1:
            raise ValueError("Cannot join distributions mapped back through different transforms.")
        base = concat_distributions([d.base for d in dists])
        return TransformedDistribution(base, first.transform, index=index)
    if isinstance(first, EnsembleDistribution):
        if len({d.n_members for d in dists}) > 1:
            raise ValueError(
                "Cannot join ensemble distributions with different numbers of members."
            )
        members = [
            concat_distributions([d.members[j] for d in dists]) for j in range(first.n_members)
        ]
        return EnsembleDistribution(members, index=index, output_names=first.output_names)
    extra = first._extra()
    for other in dists[1:]:
        for key, value in other._extra().items():
            if not np.array_equal(np.asarray(value), np.asarray(extra[key])):
                raise ValueError(
                    f"Cannot join distributions whose {key} differ: {np.asarray(extra[key])!r} "
                    f"and {np.asarray(value)!r}. For classifiers, every training fold must hold "
                    "every class: use a stratified splitter, or fewer folds."
                )
    params = {name: np.concatenate([d._params[name] for d in dists]) for name in first.param_names}
    return type(first)(index=index, output_names=first.output_names, **params, **extra)


def _fit_and_predict_dist(estimator, X, y, train, test, params):
    fit_params = {
        key: safe_indexing(value, train)
        if hasattr(value, "__len__") and len(value) == len(y) else value
        for key, value in (params or {}).items()
    }
    estimator.fit(safe_indexing(X, train), safe_indexing(y, train), **fit_params)
    return _predict_dist(estimator, safe_indexing(X, test))


def cross_val_predict_dist(estimator, X, y, *, groups=None, cv=None, n_jobs=None, params=None):
    """Out-of-fold predicted distributions: each row's from the model that did not see it.

    The distribution counterpart of :func:`sklearn.model_selection.cross_val_predict`,
    for any estimator :func:`predict_dist` accepts (a skprob estimator, a
    pipeline, a search or a target transform around one).

    Parameters
    ----------
    estimator : estimator
        Cloned and fitted once per fold.
    X : array-like, sparse matrix or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    groups : array-like of shape (n_samples,), default=None
        Group labels for group-aware splitters.
    cv : int, cross-validation generator or iterable, default=None
        As for ``cross_val_predict`` (5 folds, stratified for classifiers). The
        test folds must partition the rows.
    n_jobs : int or None, default=None
        Folds fitted in parallel by joblib.
    params : dict, default=None
        Fit parameters; arrays with one entry per row (``sample_weight``) are
        split with the rows.

    Returns
    -------
    Distribution
        One distribution per row of ``X``, in ``X``'s order and with its index.

    Raises
    ------
    ValueError
        If the test folds do not partition the rows, or classifier folds saw
        different classes.

    Examples
    --------
    >>> import numpy as np
    >>> from skprob import HeteroscedasticRegressor, cross_val_predict_dist
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(60, 1))
    >>> y = X[:, 0] + 0.1 * rng.standard_normal(60)
    >>> dist = cross_val_predict_dist(HeteroscedasticRegressor(max_iter=5, random_state=0),
    ...                               X, y, cv=3)
    >>> len(dist)
    60
    """
    index = X.index if isinstance(X, pd.DataFrame) else None
    X, y, groups = indexable(X, y, groups)
    splitter = check_cv(cv, y, classifier=is_classifier(estimator))
    splits = list(splitter.split(X, y, groups))
    test_rows = np.concatenate([test for _, test in splits])
    n = len(y)
    if len(test_rows) != n or not np.array_equal(np.sort(test_rows), np.arange(n)):
        raise ValueError(
            f"cv={cv!r} does not partition the rows: cross_val_predict_dist needs every row in "
            "exactly one test fold (KFold, StratifiedKFold, GroupKFold, ...)."
        )
    dists = Parallel(n_jobs=n_jobs)(
        delayed(_fit_and_predict_dist)(clone(estimator), X, y, train, test, params)
        for train, test in splits
    )
    joined = concat_distributions(dists)
    order = np.empty(n, dtype=np.int64)
    order[test_rows] = np.arange(n)
    ordered = joined[order]
    return _with_index(ordered, index if index is not None else pd.RangeIndex(n))
