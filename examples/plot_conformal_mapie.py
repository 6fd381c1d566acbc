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
# We draw 5000 rows around ``sin(2 x)``.

import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from mapie.metrics.regression import regression_coverage_score, regression_mean_width_score
from mapie.regression import CrossConformalRegressor, SplitConformalRegressor
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

from skprob import HeteroscedasticRegressor

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
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


X, y = make_data(3000 if FAST else 5000)
max_iter = 60 if FAST else 150

# %%
# Split conformal: fit, then calibrate on rows the model did not see
# ------------------------------------------------------------------
# ``SplitConformalRegressor(prefit=True)`` takes the fitted model; ``conformalize``
# computes the score ``|y - mean| / std`` on the calibration rows, and the
# intervals are ``mean +- q * std`` with ``q`` the score's conformal quantile.
# Cross conformal (CV+, ``CrossConformalRegressor``) refits the model on five
# folds instead and calibrates on every row, which costs five fits but no
# held-out data. ``conformal_intervals`` does both, next to the model's own
# 90% interval, and we use it again on the diabetes data below.
#
# The table gives the share of the held-out targets inside each kind of
# interval, and the intervals' mean width. The model's own intervals hold
# more than 90% of the targets and are wider than they need to be; both
# conformal intervals hold close to 90%, and the split conformal ones are
# narrower than the model's own.

INTERVALS = {"model": "model's own 90% interval",
             "split": "split conformal, std score",
             "cross": "cross conformal (CV+), std score"}


def model(max_iter):
    return HeteroscedasticRegressor(width=32, max_iter=max_iter, random_state=SEED)


def coverage_and_width(y, intervals):
    intervals = np.asarray(intervals)
    if intervals.ndim == 2:  # (n, 2) from skprob: add the level axis MAPIE uses
        intervals = intervals[:, :, None]
    return (float(regression_coverage_score(y, intervals)[0]),
            float(regression_mean_width_score(intervals)[0]))


def conformal_intervals(X, y, max_iter, n_folds=5):
    """Held-out rows and their three kinds of 90% interval, keyed as in INTERVALS."""
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
    print(f"{len(y_train)} rows to fit, {len(y_conf)} to calibrate, {len(y_test)} held out")
    return X_test, y_test, {"model": np.stack([lower, upper], 1),
                            "split": split_intervals,
                            "cross": cross.predict_interval(X_test)[1]}


def print_table(y, intervals):
    print(f"{'intervals':<34}{'coverage':>10}{'mean width':>12}")
    for key, bounds in intervals.items():
        coverage, width = coverage_and_width(y, bounds)
        print(f"{INTERVALS[key]:<34}{coverage:>9.1%}{width:>12.3f}")


X_test, y_test, intervals = conformal_intervals(X, y, max_iter)
print_table(y_test, intervals)
synthetic_model_coverage, synthetic_model_width = coverage_and_width(y_test, intervals["model"])
synthetic_split_coverage, synthetic_split_width = coverage_and_width(y_test, intervals["split"])
synthetic_cross_coverage, synthetic_cross_width = coverage_and_width(y_test, intervals["cross"])

# %%
# Coverage where the noise is small and where it is large
# -------------------------------------------------------
# The standard-deviation score keeps the network's widths: narrow where the
# noise is small, wide where it is large, so coverage holds in both halves of
# the inputs and not only on average. Printed: the coverage and mean width of
# the split conformal intervals for ``x < 0`` and for ``x >= 0``.

quiet = X_test[:, 0] < 0.0
split_intervals = intervals["split"]
synthetic_split_coverage_quiet, synthetic_split_width_quiet = coverage_and_width(
    y_test[quiet], split_intervals[quiet])
synthetic_split_coverage_noisy, synthetic_split_width_noisy = coverage_and_width(
    y_test[~quiet], split_intervals[~quiet])
print(f"split conformal, x < 0 (small noise):  coverage {synthetic_split_coverage_quiet:.1%}, "
      f"mean width {synthetic_split_width_quiet:.3f}")
print(f"split conformal, x >= 0 (large noise): coverage {synthetic_split_coverage_noisy:.1%}, "
      f"mean width {synthetic_split_width_noisy:.3f}")

# %%
# The split conformal intervals along x
# -------------------------------------
# The held-out data with the split conformal 90% interval and the true mean:
# the band widens from left to right with the noise.

order = np.argsort(X_test[:, 0])
x_sorted = X_test[order, 0]
fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
ax.scatter(X_test[:, 0], y_test, s=5, color="0.6", alpha=0.6, label="held-out data")
ax.fill_between(x_sorted, split_intervals[order, 0, 0], split_intervals[order, 1, 0],
                color="C0", alpha=0.25, linewidth=0,
                label="90% split conformal interval (std score)")
ax.plot(x_sorted, np.sin(2.0 * x_sorted), "k--", linewidth=1, label="true mean")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("Split conformal intervals around a HeteroscedasticRegressor")
ax.legend(loc="upper left", fontsize="small")
plt.show()

# %%
# The same on scikit-learn's diabetes data
# ----------------------------------------
# 442 patients, ten features, a disease-progression score as the target: the
# same three kinds of interval, with 40% of the patients held out. The
# conformal guarantee holds whatever the data, so both conformal intervals
# again aim at 90% of the held-out targets; with fewer than two hundred
# held-out patients, the share can miss 90% by a few points by chance alone.

X_diabetes, y_diabetes = load_diabetes(return_X_y=True)
_, y_test_diabetes, intervals_diabetes = conformal_intervals(X_diabetes, y_diabetes,
                                                             40 if FAST else 150)
print_table(y_test_diabetes, intervals_diabetes)
diabetes_model_coverage, diabetes_model_width = coverage_and_width(
    y_test_diabetes, intervals_diabetes["model"])
diabetes_split_coverage, diabetes_split_width = coverage_and_width(
    y_test_diabetes, intervals_diabetes["split"])
diabetes_cross_coverage, diabetes_cross_width = coverage_and_width(
    y_test_diabetes, intervals_diabetes["cross"])
