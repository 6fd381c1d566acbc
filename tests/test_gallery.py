"""Every gallery script in examples/ runs in fast mode and shows what it claims.

Gallery scripts are sphinx-gallery pages: top-level code in ``# %%`` cells, so that
each figure and printed number sits under the code and text that produce it. The
test runs each script (``examples/plot_*.py``) as ``__main__`` under the
non-interactive Agg backend with ``SKPROB_GALLERY_FAST=1``, which the scripts read
to use smaller data and shorter training. A generic check asks that a figure was
drawn and labelled, and a check per script (keyed by the file's stem) asserts what
the example is there to show, reading the script's module-level names; every value
a check reads must be finite. A new script without its own check fails the test.
"""

import ast
import numbers
import runpy
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES.glob("plot_*.py"))
#: The environment variable the scripts read to run on smaller data.
FAST_VARIABLE = "SKPROB_GALLERY_FAST"


class RecordingNamespace(dict):
    """A script's globals that remember which names a check read."""

    def __init__(self, namespace):
        super().__init__(namespace)
        self.read = []

    def __getitem__(self, key):
        self.read.append(key)
        return super().__getitem__(key)


def numeric_values(value, name):
    """(name, float array) for every number inside a value a check read."""
    if isinstance(value, (bool, np.bool_)):
        return [(name, np.array([float(value)]))]
    if isinstance(value, numbers.Real):
        return [(name, np.array([float(value)]))]
    if isinstance(value, pd.DataFrame):
        numeric = value.select_dtypes("number")
        return [(f"{name}[{column}]", numeric[column].to_numpy(float)) for column in numeric]
    if isinstance(value, (np.ndarray, pd.Series)) and np.issubdtype(value.dtype, np.number):
        return [(name, np.asarray(value, dtype=float))]
    if isinstance(value, dict):
        return [item for key, inner in value.items()
                for item in numeric_values(inner, f"{name}[{key!r}]")]
    return []


# -- one check per script: what its figure and numbers are there to show --------------
def check_conformal_mapie(r, figures):
    # MAPIE's split and cross conformal intervals hold about 90% of the held-out targets
    # (1200 synthetic rows: sampling error about 0.9%; 177 diabetes patients: about 2.3%) ...
    for data, tolerance in (("synthetic", 0.03), ("diabetes", 0.065)):
        for method in ("split", "cross"):
            assert abs(r[f"{data}_{method}_coverage"] - 0.9) <= tolerance, (data, method)
    # ... where the normal model's own intervals, under heavy-tailed noise, hold more and
    # are wider than they need to be.
    assert r["synthetic_model_coverage"] > 0.92
    assert r["synthetic_split_width"] < 0.95 * r["synthetic_model_width"]
    # The standard-deviation score keeps the network's widths: coverage holds where the
    # noise is small and where it is large (true sd 0.35 and 0.85 on average), with
    # intervals more than 1.8 times as wide there.
    for half in ("quiet", "noisy"):
        assert abs(r[f"synthetic_split_coverage_{half}"] - 0.9) <= 0.05, half
    assert r["synthetic_split_width_noisy"] > 1.8 * r["synthetic_split_width_quiet"]


def check_heteroscedastic(r, figures):
    # Input-dependent noise wins clearly on held-out likelihood ...
    assert r["heteroscedastic_nll"] < r["homoscedastic_nll"] - 0.1
    assert r["heteroscedastic_nll"] - r["true_nll"] < 0.1
    # ... its 90% intervals hold about 90% of the held-out targets, where the noise is
    # small as well as overall, while constant-width intervals over-cover where the
    # noise is small and under-cover where it is large.
    assert abs(r["heteroscedastic_coverage_90"] - 0.9) <= 0.05
    assert abs(r["heteroscedastic_coverage_90_quiet"] - 0.9) <= 0.08
    assert r["homoscedastic_coverage_90_quiet"] > 0.97
    assert r["homoscedastic_coverage_90_noisy"] < r["homoscedastic_coverage_90_quiet"] - 0.1
    assert len(figures[0].axes) == 2  # the two models side by side


def check_pandas_workflow(r, figures):
    frame = r["frame"]
    # The predictions were joined back to the original rows by their index.
    assert frame.index.equals(r["test_index"])
    assert frame.index.name == "house_id"
    assert all(label.startswith("house-") for label in frame.index)
    for column in ["area_m2", "age_years", "district", "heating", "loc", "scale",
                   "lower_80", "upper_80", "observed"]:
        assert column in frame.columns
    assert not frame[["loc", "scale", "lower_80", "upper_80"]].isna().any().any()
    assert (frame["lower_80"] < frame["loc"]).all() and (frame["loc"] < frame["upper_80"]).all()
    assert abs(r["coverage_80"] - 0.8) <= 0.07
    # Noisy districts get wider intervals than quiet ones (true noise sd 40 vs 5).
    assert r["median_width_centre"] > 3 * r["median_width_suburb"]


def check_grid_search(r, figures):
    scores = r["scores"]
    assert scores.size == r["n_grid"] == r["n_cells"]
    assert np.isfinite(scores).all()
    assert r["best_cv_score"] == pytest.approx(scores.max())
    # The heat-map shows every cell of the grid, one annotation each.
    (ax,) = [ax for fig in figures for ax in fig.axes if ax.images]
    assert ax.images[0].get_array().shape == scores.shape
    assert len(ax.texts) == r["n_grid"]
    assert 4.5 < r["test_nll"] < 6.0  # diabetes targets: around 5.4 nats per patient


def check_poisson_counts(r, figures):
    assert r["mlp_nll"] < r["glm_nll"]
    assert r["mlp_nll"] - r["true_nll"] < 0.05
    assert r["mlp_rate_error"] < r["glm_rate_error"] / 2


def check_multiclass_calibration(r, figures):
    assert r["skprob_accuracy"] > 0.9
    assert r["skprob_log_loss"] < 0.3
    assert r["skprob_log_loss"] < r["sklearn_log_loss"] + 0.05
    assert r["skprob_ece"] < 0.1
    assert r["skprob_rows_sum_to_one"] < 1e-9
    assert len(figures) == 2  # the images with their probabilities, the reliability diagrams


def check_robust_regression(r, figures):
    # Both robust likelihoods beat the normal on held-out data with outliers ...
    assert r["laplace_nll"] < r["normal_nll"] - 0.2
    assert r["student_t_nll"] < r["normal_nll"] - 0.2
    # ... and their most probable value stays on the curve the outliers were added to.
    assert max(r["laplace_curve_error"], r["student_t_curve_error"]) < 0.15
    assert r["normal_curve_error"] > 2 * max(r["laplace_curve_error"],
                                             r["student_t_curve_error"])
    assert r["student_t_df"] < 5  # heavy tails detected


def check_mixture_density(r, figures):
    assert r["mixture_nll"] < r["normal_nll"] - 0.3


def check_positive_targets(r, figures):
    assert r["gamma_nll"] < r["exponential_nll"] - 0.1
    assert abs(r["gamma_coverage_90"] - 0.9) <= 0.05
    assert r["exponential_mean_width_90"] > r["gamma_mean_width_90"]


def check_survival(r, figures):
    # The censored likelihood lands near the generating model (fast mode: 0.02 nats, medians
    # 5% off, calibration within 0.15 at t = 1); both shortcuts are 0.13-0.16 nats worse,
    # put the medians 25-35% too early and are further off in calibration.
    assert 0.3 < r["censored_share"] < 0.5
    assert r["censored_nll_gap"] < 0.05
    assert abs(r["censored_median_ratio"] - 1.0) < 0.1
    for shortcut in ("dropped", "as_events"):
        assert r[f"{shortcut}_nll_gap"] > r["censored_nll_gap"] + 0.05
        assert r[f"{shortcut}_median_ratio"] < 0.85
        assert r[f"{shortcut}_integrated_brier"] > r["censored_integrated_brier"]
        assert r[f"{shortcut}_calibration_error"] > r["censored_calibration_error"]


def check_proportions(r, figures):
    assert r["beta_nll"] < r["normal_nll"]
    assert r["beta_share_outside"] == 0.0
    assert r["normal_share_outside"] > 0.1


def check_multivariate(r, figures):
    assert r["multivariate_nll"] < r["independent_nll"] - 0.05
    predicted, true = r["correlation_predicted"], r["correlation_true"]
    assert np.array_equal(np.sign(predicted), np.sign(true))
    assert np.abs(predicted - true).max() < 0.25


def check_directions(r, figures):
    assert r["von_mises_nll"] < r["normal_nll"] - 0.3
    assert abs(r["von_mises_coverage_90"] - 0.9) <= 0.05
    assert np.rad2deg(r["von_mises_direction_error"]) < 10


def check_rankings(r, figures):
    assert r["nll"] < r["uniform_nll"] - 0.3
    assert r["nll"] - r["true_nll"] < 0.05
    assert r["top_prob_error"] < 0.15
    # The item predicted first is the observed first item more often than chance (1/4).
    assert r["accuracy_of_top_item"] > 0.4


def check_deep_ensemble(r, figures):
    assert r["n_members"] == len(r["member_nlls"]) >= 2
    # A mixture's log-density is at least the mean of its members' (Jensen), row by row.
    assert r["ensemble_nll"] <= r["member_nlls"].mean() + 1e-9
    assert r["ensemble_beyond_nll"] <= r["member_beyond_nlls"].mean() + 1e-9
    # Beyond the data the members disagree, and the mixture gains from it.
    assert r["ensemble_beyond_nll"] < r["member_beyond_nlls"].mean() - 0.1


def check_ordinal(r, figures):
    # The ordinal model keeps the levels in the order of the ordered Categorical, where the
    # categorical one sorts the labels alphabetically.
    assert r["ordinal_keeps_level_order"] and r["categorical_sorts_labels"]
    ordinal, categorical = r["ordinal_nll"], r["categorical_nll"]
    # Fewest rows: the ordinal likelihood is clearly better (fast mode: 0.08 nats) ...
    assert ordinal[0] < categorical[0] - 0.04
    # ... and at least as good at every size, with the gap closing as the rows grow ...
    assert np.all(ordinal < categorical + 0.005)
    assert categorical[-1] - ordinal[-1] < categorical[0] - ordinal[0]
    # ... near the generating model with 1000 rows (fast mode: 0.013 nats above it), where
    # the linear logistic regression stays far from it.
    assert ordinal[-1] - r["true_nll"] < 0.04
    assert np.all(r["logistic_nll"] > ordinal + 0.1)
    assert r["ordinal_proba_distance"] < r["categorical_proba_distance"]
    assert len(figures[0].axes) == 5  # three stacked panels, the log-loss, the rare level


def check_histogram(r, figures):
    # On a target with two branches, a floor and a power-law tail, the histogram beats the
    # normal by far and the mixture of normals too (fast mode: 0.75, 1.38 and 0.86 nats,
    # the generating model 0.65) ...
    assert r["histogram_nll"] < r["normal_nll"] - 0.4
    assert r["histogram_nll"] < r["mixture_nll"] - 0.03
    assert r["histogram_nll"] - r["true_nll"] < 0.15
    # ... mostly in the far tail, where normal tails cost hundreds of nats on one row.
    assert r["histogram_worst_row_nll"] < r["mixture_worst_row_nll"] / 3
    # Its 90% intervals hold about 90% of the held-out targets, on the branches and on
    # the tail, while the normal's over-cover the branches and are wider.
    assert abs(r["histogram_coverage_90"] - 0.9) <= 0.03
    for part in ("branches", "tail"):
        assert abs(r[f"histogram_coverage_90_{part}"] - 0.9) <= 0.05, part
    assert r["normal_coverage_90_branches"] > 0.97
    assert r["normal_mean_width_90"] > 1.15 * r["histogram_mean_width_90"]
    assert len(figures[0].axes) == 5  # data, coverage and three densities


CHECKS = {name.removeprefix("check_"): check for name, check in globals().items()
          if name.startswith("check_")}


@pytest.fixture
def no_figures():
    plt.close("all")
    yield
    plt.close("all")


def test_scripts_are_found():
    assert len(SCRIPTS) >= 13
    assert "plot_heteroscedastic" in [path.stem for path in SCRIPTS]


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.stem)
def test_gallery_script_format(path):
    """Sphinx-gallery layout: a reST title and a paragraph, then top-level code in cells."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree, clean=False)
    assert docstring is not None, "the script needs a module docstring"
    lines = docstring.strip("\n").splitlines()
    title, underline = lines[0], lines[1]
    assert title.strip() and set(underline) == {"="} and len(underline) >= len(title)
    assert lines[2] == "" and lines[3].strip(), "a paragraph follows the title"
    assert source.count("\n# %%\n") >= 3, "code cells are separated by '# %%' blocks"
    # Output appears under the cell that makes it only when the work is done at top
    # level, not in a main() called by the last cell.
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert "main" not in functions, "write the steps as top-level cells, not main()"
    assert "__name__" not in source, "the script runs top to bottom, with no main guard"
    assert FAST_VARIABLE in source, f"read {FAST_VARIABLE} to run fast in the tests"


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.stem)
def test_gallery_script_runs(path, no_figures, tmp_path, monkeypatch, capsys):
    assert path.stem.removeprefix("plot_") in CHECKS, f"add a check for {path.name}"
    monkeypatch.chdir(tmp_path)  # anything written to the working directory lands here
    monkeypatch.setenv(FAST_VARIABLE, "1")
    # The figures stay open for the checks, whatever the script's last line does.
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)

    namespace = RecordingNamespace(runpy.run_path(str(path), run_name="__main__"))

    assert capsys.readouterr().out, "the script prints its numbers"
    figures = [plt.figure(number) for number in plt.get_fignums()]
    assert figures, "the script drew no figure"
    for figure in figures:  # readable: a title and labelled axes
        axes = [ax for ax in figure.axes if ax.has_data() and ax.get_label() != "<colorbar>"]
        assert figure.get_suptitle() or all(ax.get_title() for ax in axes), path.name
        if not all(ax.name == "polar" for ax in axes):
            assert all(ax.get_xlabel() or ax.name == "polar" or not ax.get_xticks().size
                       for ax in axes if not ax.images), f"an x axis without label: {path.name}"
            assert any(ax.get_ylabel() for ax in axes), f"no y label: {path.name}"
    assert list(tmp_path.iterdir()) == [], "the script wrote files in the working directory"
    CHECKS[path.stem.removeprefix("plot_")](namespace, figures)
    values = [item for key in dict.fromkeys(namespace.read)
              for item in numeric_values(dict.__getitem__(namespace, key), key)]
    assert values, "the check read no number"
    for name, array in values:
        assert np.isfinite(array).all(), f"{path.name}: {name} is not finite"
