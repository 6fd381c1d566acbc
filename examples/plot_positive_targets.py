"""
Positive targets: gamma vs exponential
======================================

Waiting times, amounts and sizes are positive, and their spread usually grows
with their level. The exponential distribution has a single parameter, so its
standard deviation always equals its mean; the gamma distribution adds a
shape parameter that sets the coefficient of variation (sd / mean). We fit
:class:`~skprob.ExponentialMLPRegressor` and :class:`~skprob.GammaMLPRegressor`
on gamma-distributed data whose mean and shape both change with ``x`` and
compare their 90% intervals and held-out negative log-likelihood (NLL).
"""

# %%
# Data
# ----
# The mean rises and falls with ``x``; the shape grows from 1 (which is the
# exponential) at ``x = 0`` to 9 at ``x = 1``, so the data become relatively
# tighter from left to right. Half of the rows are held out.

import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import train_test_split

from skprob import ExponentialMLPRegressor, GammaMLPRegressor
from skprob.metrics import interval_coverage
from skprob.plotting import plot_predictive_bands

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)


def true_mean(x):
    return np.exp(1.0 + np.sin(3.0 * x))


def true_shape(x):
    return 1.0 + 8.0 * x


def make_data(n_samples, random_state=SEED):
    rng = np.random.default_rng(random_state)
    x = rng.uniform(0.0, 1.0, n_samples)
    shape = true_shape(x)
    return x[:, None], rng.gamma(shape, true_mean(x) / shape)


X, y = make_data(1500 if FAST else 4000)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=SEED)

# %%
# Two models for positive targets
# -------------------------------
# Both use a log link for the mean. The exponential's most probable value is
# always 0, so both predict their mean (``prediction="mean"``).

max_iter = 150 if FAST else 300
models = {
    "exponential (ExponentialMLPRegressor)": ExponentialMLPRegressor(
        prediction="mean", max_iter=max_iter, random_state=SEED
    ).fit(X_train, y_train),
    "gamma (GammaMLPRegressor)": GammaMLPRegressor(
        prediction="mean", max_iter=max_iter, random_state=SEED
    ).fit(X_train, y_train),
}

# %%
# Intervals
# ---------
# Each panel shows a model's predicted mean and 90% interval across ``x`` over
# the held-out data, with its held-out NLL in the title. The exponential's 90%
# interval starts at almost 0 everywhere and is far too wide on the right,
# where the data are tight; the gamma's interval narrows with them. The
# exponential's mean is also the less accurate of the two: its likelihood
# treats every row as if it were as noisy as the noisiest ones.

fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True, layout="constrained")
grid = np.linspace(0.0, 1.0, 200)[:, None]
for ax, (name, model) in zip(axes, models.items(), strict=True):
    ax.scatter(X_test[:, 0], y_test, s=5, color="0.6", alpha=0.6, label="held-out data")
    plot_predictive_bands(model, grid, confidences=(0.9,), ax=ax)
    ax.plot(grid[:, 0], true_mean(grid[:, 0]), "k--", linewidth=1, label="true mean")
    ax.set_title(f"{name}\nheld-out NLL = {model.nll(X_test, y_test):.3f} nats")
    ax.set_xlabel("x")
    ax.legend(loc="upper right", fontsize="small")
axes[0].set_ylabel("y > 0")
plt.show()

# %%
# NLL, coverage and width of the 90% intervals
# --------------------------------------------
# On the held-out rows: the NLL, the share of targets inside their 90%
# interval, and the mean width of those intervals. The gamma has the lower NLL,
# its intervals hold about 90% of the held-out targets, and they are narrower
# on average than the exponential's, which hold more targets than the 90% they
# claim because they are too wide wherever the shape is above 1.

exponential_name, gamma_name = models
exponential_dist = models[exponential_name].predict_dist(X_test)
gamma_dist = models[gamma_name].predict_dist(X_test)
exponential_nll = models[exponential_name].nll(X_test, y_test)
gamma_nll = models[gamma_name].nll(X_test, y_test)
exponential_coverage_90 = interval_coverage(y_test, exponential_dist, 0.9)
gamma_coverage_90 = interval_coverage(y_test, gamma_dist, 0.9)
exponential_mean_width_90 = float(np.mean(np.subtract(*exponential_dist.interval(0.9)[::-1])))
gamma_mean_width_90 = float(np.mean(np.subtract(*gamma_dist.interval(0.9)[::-1])))
for name, nll, coverage, width in [
    (exponential_name, exponential_nll, exponential_coverage_90, exponential_mean_width_90),
    (gamma_name, gamma_nll, gamma_coverage_90, gamma_mean_width_90),
]:
    print(f"{name:<40} NLL {nll:6.3f}   90% coverage {coverage:6.1%}   mean width {width:5.2f}")
