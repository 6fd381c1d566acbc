"""The quickstart (``make demo``) runs, and its numbers say what its report claims."""

import contextlib
import importlib.util
import io
from pathlib import Path

import pytest

QUICKSTART = Path(__file__).resolve().parent.parent / "examples" / "quickstart.py"


@pytest.fixture(scope="module")
def quickstart():
    """The quickstart's ``main()`` run once: its module, returned metrics and printed report."""
    spec = importlib.util.spec_from_file_location("quickstart", QUICKSTART)
    module = importlib.util.module_from_spec(spec)
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        spec.loader.exec_module(module)  # importing must not run the examples
        imported = report.getvalue()
        results = module.main()
    return module, results, imported, report.getvalue()


def test_import_runs_nothing_and_report_matches_results(quickstart):
    module, results, imported, report = quickstart
    assert imported == ""
    for section in ["1. Diabetes", "2. Breast cancer", "3. Handwritten digits", "4. Counts"]:
        assert section in report
    # The printed numbers are the returned ones.
    diabetes = results["diabetes"]
    assert module.fmt(diabetes["HeteroscedasticRegressor"]["nll"]) in report
    assert module.fmt(results["breast_cancer"]["log_loss"]) in report
    assert module.fmt(results["counts"]["true_nll"]) in report


def test_regression_distributions_are_calibrated(quickstart):
    diabetes = quickstart[1]["diabetes"]
    constant = diabetes["constant"]
    for name in ["GaussianMLPRegressor", "HeteroscedasticRegressor"]:
        metrics = diabetes[name]
        # Both networks beat the best constant normal on held-out patients ...
        assert metrics["nll"] < constant["nll"]
        assert metrics["rmse"] < constant["rmse"]
        # ... and their 90 % intervals hold roughly 90 % of the held-out targets.
        assert 0.8 <= metrics["coverage_90"] <= 0.98
    # Input-dependent noise gives at least as good a likelihood, up to a small margin.
    hetero, homo = diabetes["HeteroscedasticRegressor"], diabetes["GaussianMLPRegressor"]
    assert hetero["nll"] < homo["nll"] + 0.05


def test_classifiers_beat_baselines(quickstart):
    results = quickstart[1]
    cancer = results["breast_cancer"]
    assert cancer["accuracy"] > 0.93
    assert cancer["log_loss"] < 0.2 < cancer["constant_log_loss"]
    assert 0.0 < cancer["example_p_malignant"] < 1.0

    ours = results["digits"]["CategoricalMLPClassifier"]
    theirs = results["digits"]["sklearn MLPClassifier (defaults)"]
    assert ours["accuracy"] > 0.9
    assert ours["log_loss"] < 0.3
    # Trained on the likelihood with early stopping, skprob's probabilities are no
    # worse than those of sklearn's default MLP (up to a small margin).
    assert ours["log_loss"] < theirs["log_loss"] + 0.05


def test_counts_come_close_to_the_true_model(quickstart):
    counts = quickstart[1]["counts"]
    assert counts["true_nll"] < counts["nll"] < counts["glm_nll"] < counts["constant_nll"]
    # Within 0.1 nats per row of the model that generated the data.
    assert counts["nll"] - counts["true_nll"] < 0.1
    assert counts["rate_mae"] < 0.5
    assert counts["coverage_90"] >= 0.85


def test_demo_stays_quick(quickstart):
    # The demo promises well under a minute; the bound is loose because CI cores are
    # shared, and it still catches a change that makes the demo several times slower.
    assert quickstart[1]["seconds"] < 120
