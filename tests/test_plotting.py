"""Plots: the expected artists, a rendered PNG each, and the missing-matplotlib error."""

import builtins
import importlib.util
import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from skprob import CategoricalMLPClassifier, HeteroscedasticRegressor
from skprob.exceptions import NotFittedError
from skprob.families.bernoulli import BernoulliDistribution
from skprob.families.normal import NormalDistribution
from skprob.families.poisson import PoissonDistribution
from skprob.plotting import (
    plot_calibration_curve,
    plot_loss_curve,
    plot_pit_histogram,
    plot_predicted_distribution,
    plot_predictive_bands,
    plot_reliability_diagram,
)

# Before pyplot is imported: figures render off-screen, without a display.
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, size=(150, 1))
    y = np.sin(X[:, 0]) + (0.1 + 0.1 * np.abs(X[:, 0])) * rng.standard_normal(150)
    model = HeteroscedasticRegressor(width=16, max_iter=30, learning_rate_init=0.01,
                                     random_state=0).fit(X, y)
    return model, X, y


@pytest.fixture(scope="module")
def classification():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 2))
    y = np.array(["cat", "dog", "emu"])[np.argmax(np.column_stack([X, -X.sum(1)]), axis=1)]
    return CategoricalMLPClassifier(width=8, max_iter=20, random_state=0).fit(X, y), X, y


def _legend(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def _renders(ax, tmp_path, name):
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path, dpi=60)
    assert path.stat().st_size > 2000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_predictive_bands(regression, tmp_path):
    model, X, y = regression
    ax = plot_predictive_bands(model, X, y, confidences=(0.5, 0.9))
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2
    assert len(ax.lines) == 1
    line_x = ax.lines[0].get_xdata()
    assert np.all(np.diff(line_x) >= 0)  # sorted by the feature
    assert _legend(ax) == ["90% central interval", "50% central interval",
                           "predictive mean", "observed"]
    assert ax.get_xlabel() == "x[0]" and ax.get_ylabel() == "y"
    assert ax.get_title()
    # The widest band is drawn first and holds the narrower one.
    outer, inner = (b.get_paths()[0].vertices[:, 1] for b in bands)
    assert np.ptp(outer) >= np.ptp(inner)
    _renders(ax, tmp_path, "bands")


def test_predictive_bands_from_a_distribution_and_a_dataframe():
    X = pd.DataFrame({"age": np.linspace(0, 1, 30), "other": np.zeros(30)})
    dist = NormalDistribution(loc=X["age"].to_numpy(), scale=np.full(30, 0.2))
    fig, ax = plt.subplots()
    out = plot_predictive_bands(dist, X, feature="age", confidences=[0.8], center="median",
                                ax=ax)
    assert out is ax
    assert ax.get_xlabel() == "age"
    assert _legend(ax) == ["80% central interval", "predictive median"]
    with pytest.raises(ValueError, match="center"):
        plot_predictive_bands(dist, X, center="mode")
    with pytest.raises(ValueError, match="rows"):
        plot_predictive_bands(dist[:10], X)


def test_predicted_distribution_continuous(regression, tmp_path):
    model, X, y = regression
    dist = model.predict_dist(X)
    ax = plot_predicted_distribution(dist[3], y_observed=y[3])
    assert len(ax.lines) == 2  # density and the observed marker
    density = ax.lines[0].get_ydata()
    assert np.all(density >= 0) and density.max() > 0
    assert len(ax.collections) == 1  # the shaded area under the density
    assert _legend(ax)[0] == "predicted density"
    assert _legend(ax)[1].startswith("observed y = ")
    assert ax.get_xlabel() == "y" and ax.get_ylabel() == "density"
    assert "row 3" in ax.get_title()
    _renders(ax, tmp_path, "density")
    with pytest.raises(ValueError, match="one row"):
        plot_predicted_distribution(dist[:2])


def test_predicted_distribution_counts(tmp_path):
    dist = PoissonDistribution(rate=[1.0, 4.0])
    ax = plot_predicted_distribution(dist[1], y_observed=7)
    heights = np.array([p.get_height() for p in ax.patches])
    positions = np.array([p.get_x() + p.get_width() / 2 for p in ax.patches])
    assert positions.min() == 0 and positions.max() >= 7
    np.testing.assert_allclose(heights[positions == 4], [4**4 * np.exp(-4) / 24])
    assert ax.get_ylabel() == "probability"
    assert _legend(ax) == ["predicted probability", "observed y = 7"]
    _renders(ax, tmp_path, "pmf")


def test_predicted_distribution_classes(classification, tmp_path):
    model, X, y = classification
    dist = model.predict_dist(X)
    ax = plot_predicted_distribution(dist[0], y_observed=y[0])
    assert len(ax.patches) == 3
    np.testing.assert_allclose([p.get_height() for p in ax.patches], model.predict_proba(X[:1])[0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "emu"]
    assert _legend(ax) == ["predicted probability", f"observed class: {y[0]}"]
    _renders(ax, tmp_path, "classes")
    binary = BernoulliDistribution(logit=[1.0], classes=[0, 1])
    ax = plot_predicted_distribution(binary)
    np.testing.assert_allclose([p.get_height() for p in ax.patches], [1 - binary.p[0], binary.p[0]])
    with pytest.raises(ValueError, match="not one of the classes"):
        plot_predicted_distribution(binary, y_observed=5)


def test_pit_histogram(regression, tmp_path):
    model, X, y = regression
    ax = plot_pit_histogram(y, model.predict_dist(X), bins=8)
    assert len(ax.patches) == 8
    area = sum(p.get_height() * p.get_width() for p in ax.patches)
    assert area == pytest.approx(1.0)  # a density, comparable with the uniform line
    assert len(ax.lines) == 1 and np.all(np.asarray(ax.lines[0].get_ydata()) == 1.0)
    assert _legend(ax) == ["PIT values", "uniform (calibrated)"]
    assert ax.get_xlabel().startswith("PIT value") and ax.get_ylabel() == "density"
    _renders(ax, tmp_path, "pit")
    counts = plot_pit_histogram([0.0, 3.0, 1.0], PoissonDistribution(rate=[1.0, 2.0, 1.0]),
                                random_state=0)
    assert len(counts.patches) == 10


def test_pit_histogram_legend_covers_no_bar(regression):
    model, X, y = regression
    ax = plot_pit_histogram(y, model.predict_dist(X), bins=8)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    bars = [patch.get_window_extent(renderer) for patch in ax.patches]
    assert not any(legend.overlaps(bar) for bar in bars if bar.height > 0)
    tallest = max(patch.get_height() for patch in ax.patches)
    assert ax.get_ylim()[1] == pytest.approx(1.4 * max(tallest, 1.0))


def test_reliability_diagram_shows_rows_per_bin():
    p = np.array([0.55] * 3 + [0.95] * 7)
    y = np.array([1, 0, 1] + [1] * 7)
    ax = plot_reliability_diagram(y, p, n_bins=5)
    numbers = [text.get_text() for text in ax.texts if text.get_text().isdigit()]
    assert numbers == ["3", "7"]  # the bins (0.4, 0.6] and (0.8, 1.0]
    assert any("rows per bin" in text.get_text() for text in ax.texts)


def test_reliability_diagram(classification, tmp_path):
    model, X, y = classification
    ax = plot_reliability_diagram(y, model.predict_dist(X), n_bins=10)
    assert len(ax.patches) == 10
    assert len(ax.lines) == 2  # the diagonal and accuracy at the mean confidence
    np.testing.assert_array_equal(ax.lines[0].get_xydata(), [[0, 0], [1, 1]])
    assert _legend(ax) == ["perfect calibration", "accuracy at mean confidence",
                           "observed accuracy"]
    assert "ECE" in ax.get_title()
    assert ax.get_ylabel() == "observed accuracy"
    _renders(ax, tmp_path, "reliability")
    proba = plot_reliability_diagram(y, model.predict_proba(X), n_bins=5,
                                     classes=model.classes_)
    assert len(proba.patches) == 5


def test_calibration_curve(regression, tmp_path):
    model, X, y = regression
    ax = plot_calibration_curve(y, model.predict_dist(X), levels=[0.2, 0.5, 0.8, 0.95])
    assert len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[1].get_xdata(), [0.2, 0.5, 0.8, 0.95])
    assert np.all((ax.lines[1].get_ydata() >= 0) & (ax.lines[1].get_ydata() <= 1))
    assert _legend(ax) == ["perfect calibration", "model"]
    assert ax.get_xlabel() == "nominal coverage of central interval"
    assert ax.get_ylabel() == "observed coverage"
    _renders(ax, tmp_path, "calibration")
    with pytest.raises(ValueError, match="class labels"):
        plot_calibration_curve(["a"], BernoulliDistribution(logit=[0.0], classes=["a", "b"]))


def test_loss_curve(regression, tmp_path):
    model, _, _ = regression
    ax = plot_loss_curve(model)
    assert len(ax.lines) == 3  # training, validation and the best-epoch marker line
    np.testing.assert_allclose(ax.lines[0].get_ydata(), model.loss_curve_)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), model.validation_loss_curve_)
    best = model.training_result_.best_epoch
    assert _legend(ax) == ["training NLL", "validation NLL", f"best epoch ({best})"]
    marker = ax.collections[0].get_offsets()[0]
    assert marker[0] == best
    assert marker[1] == pytest.approx(model.validation_loss_curve_[best - 1])
    assert ax.get_xlabel() == "epoch" and "NLL" in ax.get_ylabel()
    _renders(ax, tmp_path, "loss")
    no_validation = HeteroscedasticRegressor(width=4, max_iter=5, early_stopping=False,
                                             random_state=0).fit(*regression[1:])
    ax = plot_loss_curve(no_validation)
    assert _legend(ax)[:1] == ["training NLL"] and len(_legend(ax)) == 2
    with pytest.raises(NotFittedError):
        plot_loss_curve(HeteroscedasticRegressor())


def _fresh_plotting_module():
    """A private copy of skprob.plotting, imported under the current sys.modules."""
    spec = importlib.util.find_spec("skprob.plotting")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_matplotlib_in_sys_modules(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    plotting = _fresh_plotting_module()  # importing needs no matplotlib
    dist = NormalDistribution(loc=[0.0], scale=[1.0])
    calls = [
        lambda: plotting.plot_predicted_distribution(dist),
        lambda: plotting.plot_pit_histogram([0.0], dist),
        lambda: plotting.plot_calibration_curve([0.0], dist),
        lambda: plotting.plot_predictive_bands(dist, [[0.0]]),
        lambda: plotting.plot_reliability_diagram([1], np.array([0.7])),
    ]
    for call in calls:
        with pytest.raises(ImportError, match=r"skprob\[plot\]") as info:
            call()
        assert isinstance(info.value, plotting.MatplotlibMissingError)


def test_missing_matplotlib_on_import(monkeypatch):
    real_import = builtins.__import__

    def refuse_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse_matplotlib)
    plotting = _fresh_plotting_module()

    class Fitted:
        loss_curve_ = [1.0, 0.5]

    with pytest.raises(plotting.MatplotlibMissingError, match="pip install") as info:
        plotting.plot_loss_curve(Fitted())
    assert isinstance(info.value.__cause__, ModuleNotFoundError)
