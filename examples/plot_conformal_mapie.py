"""
Conformal intervals with MAPIE: coverage guaranteed, width from the predicted spread
====================================================================================

A skprob regressor's intervals are as good as its distribution: when the noise
has heavier tails than the normal it assumes, its nominal 90% intervals hold
more or less than 90% of the targets (here more: a normal with the noise's
standard deviation puts its 5% and 95% quantiles beyond the t's). Conformal prediction with `MAPIE
<https://mapie.readthedocs.io>`_ rescales them on held-out data so that they
do, whatever the model. Its standard-deviation score, ``|y - mean| / std``,
reads both numbers from ``predict(X, return_std=True)``, which every skprob
regressor has: the calibrated intervals keep the network's input-dependent
width. We measure the coverage of split and cross conformal intervals on
heavy-tailed synthetic data and on scikit-learn's diabetes data.
"""

# %%
# Heavy-tailed noise whose size depends on x
# ------------------------------------------
# The noise is Student's t with 3 degrees of freedom, scaled by a standard
# deviation that grows from 0.1 to 1.1 across the inputs. A normal
# likelihood with an input-dependent scale fits its spread but not its tails.

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from mapie.metrics.regression import regression_coverage_score, regression_mean_width_score
from mapie.regression import CrossConformalRegressor, SplitConformalRegressor
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

from skprob import HeteroscedasticRegressor

SEED = 0
CONFIDENCE = 0.9
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)


def noise_sd(x):
    return 0.1 + 0.25 * (x + 2.0)


def make_data(n_samples, random_state=SEED):
    rng = np.random.default_rng(random_state)
    x = rng.uniform(-2.0, 2.0, n_samples)
    # A t with 3 degrees of freedom has variance 3: divided by sqrt(3), noise_sd is its sd.
    noise = noise_sd(x) * rng.standard_t(3, n_samples) / np.sqrt(3.0)
    return x[:, None], np.sin(2.0 * x) + noise


def model(max_iter):
    return HeteroscedasticRegressor(width=32, max_iter=max_iter, random_state=SEED)


# %%
# Split conformal: fit, then calibrate on rows the model did not see
# ------------------------------------------------------------------
# ``SplitConformalRegressor(prefit=True)`` takes the fitted model; ``conformalize``
# computes the score ``|y - mean| / std`` on the calibration rows, and the
# intervals are ``mean +- q * std`` with ``q`` the score's conformal quantile.
# Cross conformal (CV+, ``CrossConformalRegressor``) refits the model on five
# folds instead and calibrates on every row, which costs five fits but no
# held-out data.


def coverage_and_width(y, intervals):
    intervals = np.asarray(intervals)
    if intervals.ndim == 2:  # (n, 2) from skprob: add the level axis MAPIE uses
        intervals = intervals[:, :, None]
    return (float(regression_coverage_score(y, intervals)[0]),
            float(regression_mean_width_score(intervals)[0]))


def evaluate(X, y, max_iter, n_folds, label):
    X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.4, random_state=SEED)
    X_train, X_conf, y_train, y_conf = train_test_split(X_fit, y_fit, test_size=0.4,
                                                        random_state=SEED)
    fitted = model(max_iter).fit(X_train, y_train)
    lower, upper = fitted.predict_dist(X_test).interval(CONFIDENCE)
    split = SplitConformalRegressor(fitted, confidence_level=CONFIDENCE,
                                    conformity_score="std_normalized", prefit=True)
    split.conformalize(X_conf, y_conf)
    split_intervals = split.predict_interval(X_test)[1]
    cross = CrossConformalRegressor(model(max_iter), confidence_level=CONFIDENCE,
                                    conformity_score="std_normalized", method="plus",
                                    cv=n_folds, random_state=SEED)
    cross.fit_conformalize(X_fit, y_fit)
    cross_intervals = cross.predict_interval(X_test)[1]
    rows = {
        "model's own 90% interval": coverage_and_width(y_test, np.stack([lower, upper], 1)),
        "split conformal, std score": coverage_and_width(y_test, split_intervals),
        "cross conformal (CV+), std score": coverage_and_width(y_test, cross_intervals),
    }
    print(f"\n{label}: {len(y_train)} rows to fit, {len(y_conf)} to calibrate, "
          f"{len(y_test)} held out")
    print(f"  {'intervals':<34}{'coverage':>10}{'mean width':>12}")
    for name, (coverage, width) in rows.items():
        print(f"  {name:<34}{coverage:>9.1%}{width:>12.3f}")
    return rows, X_test, y_test, split_intervals


# %%
# Coverage where the noise is small and where it is large
# -------------------------------------------------------
# The standard-deviation score keeps the network's widths: narrow where the
# noise is small, wide where it is large, so coverage holds in both halves of
# the inputs and not only on average.


def plot_intervals(X_test, y_test, intervals):
    order = np.argsort(X_test[:, 0])
    x = X_test[order, 0]
    fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
    ax.scatter(X_test[:, 0], y_test, s=5, color="0.6", alpha=0.6, label="held-out data")
    ax.fill_between(x, intervals[order, 0, 0], intervals[order, 1, 0], color="C0", alpha=0.25,
                    linewidth=0, label="90% split conformal interval (std score)")
    ax.plot(x, np.sin(2.0 * x), "k--", linewidth=1, label="true mean")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("Split conformal intervals around a HeteroscedasticRegressor")
    ax.legend(loc="upper left", fontsize="small")
    return fig


def main(fast=False, output_dir=None):
    """Measure the coverage of the model's and MAPIE's intervals on both data sets."""
    X, y = make_data(3000 if fast else 5000)
    max_iter = 60 if fast else 150
    rows, X_test, y_test, split_intervals = evaluate(X, y, max_iter, 5, "Heavy-tailed noise")
    results = {}
    for key, name in [("model", "model's own 90% interval"),
                      ("split", "split conformal, std score"),
                      ("cross", "cross conformal (CV+), std score")]:
        results[f"synthetic_{key}_coverage"], results[f"synthetic_{key}_width"] = rows[name]
    quiet = X_test[:, 0] < 0.0
    for half, mask in [("quiet", quiet), ("noisy", ~quiet)]:
        results[f"synthetic_split_coverage_{half}"] = coverage_and_width(
            y_test[mask], split_intervals[mask])[0]
        results[f"synthetic_split_width_{half}"] = coverage_and_width(
            y_test[mask], split_intervals[mask])[1]
    print(f"  split conformal coverage for x < 0 (small noise): "
          f"{results['synthetic_split_coverage_quiet']:.1%}, for x >= 0 (large noise): "
          f"{results['synthetic_split_coverage_noisy']:.1%}")

    X_d, y_d = load_diabetes(return_X_y=True)
    rows, *_ = evaluate(X_d, y_d, 40 if fast else 150, 5, "Diabetes")
    for key, name in [("model", "model's own 90% interval"),
                      ("split", "split conformal, std score"),
                      ("cross", "cross conformal (CV+), std score")]:
        results[f"diabetes_{key}_coverage"], results[f"diabetes_{key}_width"] = rows[name]

    fig = plot_intervals(X_test, y_test, split_intervals)
    if output_dir is not None:
        fig.savefig(f"{output_dir}/conformal_mapie.png", dpi=100)
    return results


if __name__ == "__main__":
    main()
    if matplotlib.get_backend().lower() != "agg":
        plt.show()
