"""Plots of predicted distributions, their calibration and the training curve.

matplotlib is an optional extra (``pip install "skprob[plot]"``): it is imported
only when a plotting function is called, and its absence raises
:class:`MatplotlibMissingError`. Every function draws into ``ax`` when given
one, otherwise into a new figure, and returns the Axes.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from skprob.families.normal import NormalDistribution
>>> from skprob.plotting import plot_predicted_distribution
>>> ax = plot_predicted_distribution(NormalDistribution(loc=[0.0], scale=[1.0]), 0.5)
>>> ax.get_xlabel()
'y'
>>> import matplotlib.pyplot as plt; plt.close(ax.figure)
"""

import numpy as np
import pandas as pd

from .distributions import Distribution
from .exceptions import NotFittedError, SkprobError
from .metrics._calibration import _coverage_curve, _reliability_bins, pit
from .metrics._common import _check_dist, _check_numeric

__all__ = [
    "MatplotlibMissingError",
    "plot_calibration_curve",
    "plot_loss_curve",
    "plot_pit_histogram",
    "plot_predicted_distribution",
    "plot_predictive_bands",
    "plot_reliability_diagram",
]

#: Probability left out at each end of the range over which a density is drawn.
_TAIL = 1e-3
#: Colour of predictive elements and of observations, used consistently.
_MODEL_COLOR, _OBSERVED_COLOR = "C0", "C3"


class MatplotlibMissingError(SkprobError, ImportError):
    """matplotlib, needed for plotting, is not installed.

    Examples
    --------
    >>> from skprob.plotting import MatplotlibMissingError
    >>> issubclass(MatplotlibMissingError, ImportError)
    True
    """


def _pyplot():
    """Import matplotlib's pyplot on first use, with an install hint when it is absent."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise MatplotlibMissingError(
            "Plotting needs matplotlib, which is not installed. Install the plotting "
            'extra with `pip install "skprob[plot]"` (or `pip install matplotlib`).'
        ) from err
    return plt


def _axes(ax, square=False):
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 5.0) if square else (6.4, 4.4), layout="constrained")
    return ax


def _column(X, feature):
    """One input column as a float array, by position or (for a DataFrame) by name."""
    if isinstance(X, pd.DataFrame):
        if feature in X.columns:
            return X[feature].to_numpy(dtype=np.float64), str(feature)
        return X.iloc[:, feature].to_numpy(dtype=np.float64), str(X.columns[feature])
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    return X[:, feature], f"x[{feature}]"


def _one_output(values, output):
    values = np.asarray(values)
    return values if values.ndim == 1 else values[:, output]


def plot_predictive_bands(
    estimator, X, y=None, *, feature=0, confidences=(0.5, 0.9), center="mean", output=0, ax=None
):
    """Predictive centre and central intervals against one input column.

    Rows are sorted by the chosen column, so the plot reads as a curve when
    the other inputs are fixed or matter little (e.g. 1-D problems).

    Parameters
    ----------
    estimator : fitted skprob regressor or Distribution
        A model whose ``predict_dist(X)`` is drawn, or that distribution itself
        (one row per row of ``X``).
    X : array-like or DataFrame of shape (n_samples, n_features)
        Inputs.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
        Observed targets, drawn as points when given.
    feature : int or str, default=0
        Column of ``X`` on the horizontal axis (a name for DataFrames).
    confidences : sequence of float in (0, 1), default=(0.5, 0.9)
        Levels of the central intervals drawn as shaded bands.
    center : {"mean", "median"}, default="mean"
        The line drawn through the bands.
    output : int, default=0
        Output shown for a multi-output model.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skprob.families.normal import NormalDistribution
    >>> from skprob.plotting import plot_predictive_bands
    >>> X = np.linspace(0, 1, 20)[:, None]
    >>> dist = NormalDistribution(loc=X[:, 0], scale=0.1 + X[:, 0])
    >>> ax = plot_predictive_bands(dist, X, y=X[:, 0])
    >>> len(ax.collections)  # two bands and the observed points
    3
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    if center not in ("mean", "median"):
        raise ValueError(f"center must be 'mean' or 'median'; got {center!r}.")
    dist = estimator if isinstance(estimator, Distribution) else estimator.predict_dist(X)
    _check_numeric(dist, "Predictive bands")
    x, x_label = _column(X, feature)
    if len(x) != len(dist):
        raise ValueError(f"X has {len(x)} rows but the distribution has {len(dist)}.")
    order = np.argsort(x, kind="stable")
    x = x[order]
    ax = _axes(ax)
    levels = sorted({float(c) for c in confidences}, reverse=True)
    for i, level in enumerate(levels):  # widest first, so narrower bands sit on top
        lower, upper = (_one_output(v, output)[order] for v in dist.interval(level))
        alpha = 0.15 + 0.25 * i / max(1, len(levels) - 1)
        ax.fill_between(x, lower, upper, color=_MODEL_COLOR, alpha=alpha, linewidth=0,
                        label=f"{level:.0%} central interval")
    centre = _one_output(getattr(dist, center)(), output)[order]
    ax.plot(x, centre, color=_MODEL_COLOR, linewidth=2, label=f"predictive {center}")
    if y is not None:
        observed = _one_output(np.asarray(y, dtype=np.float64), output)[order]
        ax.scatter(x, observed, s=12, color=_OBSERVED_COLOR, alpha=0.7, label="observed",
                   zorder=3)
    ax.set_xlabel(x_label)
    if len(dist.batch_shape) == 1:
        ax.set_ylabel("y")
    else:
        ax.set_ylabel(f"y[{dist.output_names[output] if dist.output_names else output}]")
    ax.set_title("Predictive distribution")
    ax.legend(loc="best")
    return ax


def plot_predicted_distribution(dist_row, y_observed=None, *, output=0, ax=None):
    """Density, probability mass or class probabilities of one predicted row.

    Continuous distributions are drawn as a density curve over their central
    99.8%, discrete numeric ones as bars of the probability mass of each value
    in that range, classifiers as bars of the class probabilities; the observed
    value (or class) is marked.

    Parameters
    ----------
    dist_row : Distribution
        One row, e.g. ``estimator.predict_dist(X)[i]`` (slicing keeps one row).
    y_observed : scalar or label, default=None
        The observed target of that row.
    output : int, default=0
        Output shown for a multi-output model.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skprob.families.poisson import PoissonDistribution
    >>> from skprob.plotting import plot_predicted_distribution
    >>> ax = plot_predicted_distribution(PoissonDistribution(rate=[3.0]), y_observed=4)
    >>> ax.get_ylabel()
    'probability'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    _check_dist(dist_row, "dist_row")
    if len(dist_row) != 1:
        raise ValueError(
            f"dist_row must hold one row; got {len(dist_row)}. Select one with dist[i]."
        )
    ax = _axes(ax)
    label = f" (row {dist_row.index[0]})"
    if dist_row.over_labels:
        probs = np.exp(dist_row.log_probs())[0]
        bars = ax.bar([str(c) for c in dist_row.classes], probs, color=_MODEL_COLOR,
                      label="predicted probability")
        handles = [bars]
        if y_observed is not None:
            hit = np.flatnonzero(dist_row.classes == y_observed)
            if len(hit) == 0:
                raise ValueError(
                    f"y_observed={y_observed!r} is not one of the classes "
                    f"{dist_row.classes.tolist()}."
                )
            bars[hit[0]].set_color(_OBSERVED_COLOR)
            bars[hit[0]].set_label(f"observed class: {y_observed}")
            handles.append(bars[hit[0]])
        ax.set_xlabel("class")
        ax.set_ylabel("probability")
        ax.set_ylim(0.0, 1.05)
        ax.set_title(f"Predicted class probabilities{label}")
        ax.legend(handles=handles, loc="best")
        return ax

    _check_numeric(dist_row, "plot_predicted_distribution")
    lo, hi = (float(_one_output(dist_row.ppf(q), output)[0]) for q in (_TAIL, 1.0 - _TAIL))
    if y_observed is not None:
        lo, hi = min(lo, float(y_observed)), max(hi, float(y_observed))
    if dist_row.discrete:
        grid = np.arange(np.floor(lo), np.ceil(hi) + 1.0)
    else:
        pad = 0.05 * (hi - lo) if hi > lo else 1.0
        grid = np.linspace(lo - pad, hi + pad, 400)
    # One copy of the row per grid point turns the curve into one vectorised call.
    repeated = dist_row[np.zeros(len(grid), dtype=int)]
    values = np.broadcast_to(grid.reshape((-1,) + (1,) * (len(repeated.batch_shape) - 1)),
                             repeated.batch_shape)
    if dist_row.discrete:
        mass = _one_output(repeated.pmf(values), output)
        handles = [ax.bar(grid, mass, width=0.8, color=_MODEL_COLOR,
                          label="predicted probability")]
        ax.set_ylabel("probability")
    else:
        density = _one_output(repeated.pdf(values), output)
        handles = ax.plot(grid, density, color=_MODEL_COLOR, linewidth=2,
                          label="predicted density")
        ax.fill_between(grid, density, color=_MODEL_COLOR, alpha=0.2, linewidth=0)
        ax.set_ylabel("density")
        ax.set_ylim(bottom=0.0)
    if y_observed is not None:
        handles.append(ax.axvline(float(y_observed), color=_OBSERVED_COLOR, linestyle="--",
                                  linewidth=2, label=f"observed y = {float(y_observed):.4g}"))
    ax.set_xlabel("y")
    ax.set_title(f"Predicted distribution{label}")
    ax.legend(handles=handles, loc="best")
    return ax


def plot_pit_histogram(y, dist, bins=10, *, random_state=None, ax=None):
    """Histogram of PIT values with the uniform density of a calibrated model.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Observed targets.
    dist : Distribution
        Predicted distributions for the same rows.
    bins : int, default=10
        Number of equal-width bins on [0, 1].
    random_state : int, RandomState instance or None, default=None
        Seed of the randomised PIT of discrete distributions.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    See Also
    --------
    skprob.metrics.pit : the values drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skprob.families.normal import NormalDistribution
    >>> from skprob.plotting import plot_pit_histogram
    >>> dist = NormalDistribution(loc=np.zeros(100), scale=np.ones(100))
    >>> y = np.random.default_rng(0).standard_normal(100)
    >>> len(plot_pit_histogram(y, dist, bins=5).patches)
    5
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    values = np.ravel(pit(y, dist, random_state=random_state))
    ax = _axes(ax)
    heights, _, _ = ax.hist(values, bins=np.linspace(0.0, 1.0, int(bins) + 1), density=True,
                            color=_MODEL_COLOR, alpha=0.7, edgecolor="white", label="PIT values")
    ax.axhline(1.0, color="black", linestyle="--", linewidth=1.5, label="uniform (calibrated)")
    ax.set_xlim(0.0, 1.0)
    # Head room above the tallest bar holds the legend, so that it covers no bar.
    top = max(float(np.max(heights, initial=0.0)), 1.0)
    ax.set_ylim(0.0, 1.4 * top)
    ax.set_xlabel("PIT value (predicted cdf at the observation)")
    ax.set_ylabel("density")
    ax.set_title("PIT histogram")
    ax.legend(loc="upper center", ncol=2, frameon=False)
    return ax


def plot_reliability_diagram(y, proba, n_bins=10, *, classes=None, ax=None):
    """Accuracy of the most probable class against its predicted probability.

    Each bar is a bin of the top probability; the number at its foot is how
    many rows the bin holds.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Observed class labels.
    proba : Distribution or array-like of shape (n_samples, n_classes)
        A categorical or Bernoulli distribution, or ``predict_proba`` output.
    n_bins : int, default=10
        Number of equal-width bins of the top probability.
    classes : array-like of shape (n_classes,), default=None
        Labels of the columns of an array ``proba``; see
        :func:`skprob.metrics.expected_calibration_error`.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skprob.plotting import plot_reliability_diagram
    >>> p = np.random.default_rng(0).uniform(size=200)
    >>> y = (np.random.default_rng(1).uniform(size=200) < p).astype(int)
    >>> ax = plot_reliability_diagram(y, p, n_bins=5)
    >>> len(ax.patches)
    5
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    edges, weight, mean_conf, accuracy, ece = _reliability_bins(y, proba, n_bins, classes)
    ax = _axes(ax, square=True)
    width = np.diff(edges)
    ax.bar(edges[:-1], np.nan_to_num(accuracy), width=width, align="edge", color=_MODEL_COLOR,
           alpha=0.7, edgecolor="white", label="observed accuracy")
    ax.plot([0, 1], [0, 1], color="black", linestyle="--", linewidth=1.5,
            label="perfect calibration")
    filled = weight > 0
    ax.plot(mean_conf[filled], accuracy[filled], marker="o", color=_OBSERVED_COLOR,
            clip_on=False, label="accuracy at mean confidence")
    # How many rows each bin holds: an accuracy from 3 rows says little.
    for left, w, count in zip(edges[:-1], width, weight, strict=True):
        if count > 0:
            ax.annotate(f"{count:.0f}", (left + w / 2, 0.0), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=7,
                        rotation=90 if len(width) > 12 else 0)
    ax.text(0.98, 0.02, "numbers: rows per bin", transform=ax.transAxes, ha="right",
            va="bottom", fontsize=7, color="dimgray")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("predicted probability of the most probable class")
    ax.set_ylabel("observed accuracy")
    ax.set_title(f"Reliability diagram (ECE = {ece:.3f})")
    ax.legend(loc="upper left")
    return ax


def plot_calibration_curve(y, dist, *, levels=None, ax=None):
    """Observed coverage of central predictive intervals against their nominal level.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Observed targets.
    dist : Distribution
        Predicted distributions of a regressor for the same rows.
    levels : array-like of float in (0, 1), default=None
        Nominal levels; ``None`` means 0.05, 0.10, ..., 0.95.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skprob.families.normal import NormalDistribution
    >>> from skprob.plotting import plot_calibration_curve
    >>> dist = NormalDistribution(loc=np.zeros(100), scale=np.ones(100))
    >>> y = np.random.default_rng(0).standard_normal(100)
    >>> len(plot_calibration_curve(y, dist).lines)
    2
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    levels, observed = _coverage_curve(y, dist, levels, None)
    error = float(np.mean(np.abs(observed - levels)))
    ax = _axes(ax, square=True)
    ax.plot([0, 1], [0, 1], color="black", linestyle="--", linewidth=1.5,
            label="perfect calibration")
    ax.plot(levels, observed, marker="o", color=_MODEL_COLOR, linewidth=2,
            label="model")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_aspect("equal")
    ax.set_xlabel("nominal coverage of central interval")
    ax.set_ylabel("observed coverage")
    ax.set_title(f"Interval calibration (error = {error:.3f})")
    ax.legend(loc="upper left")
    return ax


def plot_loss_curve(estimator, *, ax=None):
    """Training and validation NLL per epoch, with the epoch whose weights were kept.

    Parameters
    ----------
    estimator : fitted skprob estimator
        Reads ``loss_curve_``, ``validation_loss_curve_`` (empty without early
        stopping) and the best epoch of ``training_result_``.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skprob import GaussianMLPRegressor
    >>> from skprob.plotting import plot_loss_curve
    >>> X = np.linspace(0, 1, 60)[:, None]
    >>> model = GaussianMLPRegressor(width=8, max_iter=10, random_state=0).fit(X, X[:, 0])
    >>> ax = plot_loss_curve(model)
    >>> [text.get_text() for text in ax.get_legend().get_texts()][:2]
    ['training NLL', 'validation NLL']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    train = getattr(estimator, "loss_curve_", None)
    if not train:
        raise NotFittedError(
            f"{type(estimator).__name__} has no loss_curve_; fit it before plotting its loss."
        )
    validation = list(getattr(estimator, "validation_loss_curve_", None) or [])
    monitored = validation if validation else list(train)
    result = getattr(estimator, "training_result_", None)
    best = getattr(result, "best_epoch", 0)
    if not 1 <= best <= len(monitored):
        best = int(np.argmin(monitored)) + 1
    ax = _axes(ax)
    epochs = np.arange(1, len(train) + 1)
    ax.plot(epochs, train, color=_MODEL_COLOR, linewidth=2, label="training NLL")
    if validation:
        ax.plot(epochs[: len(validation)], validation, color="C1", linewidth=2,
                label="validation NLL")
    ax.axvline(best, color="grey", linestyle=":", linewidth=1.5)
    ax.scatter([best], [monitored[best - 1]], s=60, color=_OBSERVED_COLOR, zorder=3,
               label=f"best epoch ({best})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean NLL (nats per sample)")
    ax.set_title("Training curve")
    ax.legend(loc="upper right")
    return ax
