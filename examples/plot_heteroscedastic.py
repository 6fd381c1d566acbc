"""
Noise that grows with x: heteroscedastic vs homoscedastic regression
====================================================================

Least squares is the negative log-likelihood of a normal distribution whose
standard deviation is the same for every input. When the noise grows with
``x`` that one standard deviation is too large where the data are tight and too
small where they spread out. :class:`~skprob.HeteroscedasticRegressor` lets the
network predict a standard deviation per row as well as a mean; we fit it next
to :class:`~skprob.GaussianMLPRegressor` (one learned standard deviation) on
1-D data whose true noise we know, and compare the held-out negative
log-likelihood (NLL) and the coverage of the 90% predictive intervals.
"""

# %%
# Data with a known, input-dependent noise level
# ----------------------------------------------
# The mean is a wiggle on a slope and the noise standard deviation rises
# linearly from 0.05 at ``x = 0`` to 1.05 at ``x = 5``. Half of the 2000 rows
# are held out to measure the NLL and the coverage on data the models never
# saw.

import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy import stats
from sklearn.model_selection import train_test_split

from skprob import GaussianMLPRegressor, HeteroscedasticRegressor
from skprob.metrics import interval_coverage, mean_nll

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)


def true_mean(x):
    return np.sin(1.5 * x) + 0.3 * x


def true_sd(x):
    return 0.05 + 0.2 * x


def make_data(n_samples, random_state=SEED):
    rng = np.random.default_rng(random_state)
    x = rng.uniform(0.0, 5.0, n_samples)
    y = true_mean(x) + true_sd(x) * rng.standard_normal(n_samples)
    return x[:, None], y


X, y = make_data(1200 if FAST else 2000)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=SEED)

# %%
# Two normal models, one recipe
# -----------------------------
# Both estimators predict a normal distribution per row and are trained by
# minimising its NLL. The only difference is whether the standard deviation
# depends on ``x``. ``predict_dist`` returns the distributions, from which the
# 90% central intervals and the NLL of the held-out targets follow.

homoscedastic = GaussianMLPRegressor(max_iter=300, random_state=SEED).fit(X_train, y_train)
heteroscedastic = HeteroscedasticRegressor(max_iter=300, random_state=SEED).fit(X_train, y_train)
models = {"homoscedastic (GaussianMLPRegressor)": homoscedastic,
          "heteroscedastic (HeteroscedasticRegressor)": heteroscedastic}

# %%
# Bands side by side
# ------------------
# The shaded band is each model's central 90% interval, the line its predictive
# mean, the dashed lines the true 90% interval of the data-generating process.
# The homoscedastic band has one width everywhere: too wide on the left and too
# narrow on the right, although it covers about 90% of the points *on average*.

fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True, layout="constrained")
order = np.argsort(X_test[:, 0])
x_sorted, y_sorted = X_test[order, 0], y_test[order]
true_lower, true_upper = stats.norm.interval(0.9, true_mean(x_sorted), true_sd(x_sorted))
for ax, (name, model) in zip(axes, models.items(), strict=True):
    dist = model.predict_dist(X_test[order])
    lower, upper = dist.interval(0.9)
    ax.scatter(x_sorted, y_sorted, s=6, color="0.55", alpha=0.6, label="held-out data")
    ax.fill_between(x_sorted, lower, upper, color="C0", alpha=0.3, linewidth=0,
                    label="predicted 90% interval")
    ax.plot(x_sorted, dist.mean(), color="C0", linewidth=2, label="predicted mean")
    ax.plot(x_sorted, true_lower, "k--", linewidth=1, label="true 90% interval")
    ax.plot(x_sorted, true_upper, "k--", linewidth=1)
    ax.set_title(f"{name}\nheld-out NLL = {model.nll(X_test, y_test):.3f} nats")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="upper left", fontsize="small")
fig.suptitle("Predictive mean and 90% interval of each model")
plt.show()

# %%
# Numbers
# -------
# Lower NLL is better; the true model's NLL, computed from the known noise, is
# the floor no model can beat on average. A calibrated 90% interval covers
# about 90% of held-out targets. Both models come close to that over all
# ``x``, but only the heteroscedastic one does so both where the noise is
# small (``x < 1``) and where it is large (``x >= 4``); the constant-width
# intervals cover almost everything on the left and too little on the right.

quiet, noisy = X_test[:, 0] < 1.0, X_test[:, 0] >= 4.0


def coverages(dist):
    """Coverage of the 90% intervals over all x, where x < 1 and where x >= 4."""
    return (interval_coverage(y_test, dist, 0.9),
            interval_coverage(y_test[quiet], dist[quiet], 0.9),
            interval_coverage(y_test[noisy], dist[noisy], 0.9))


homoscedastic_dist = homoscedastic.predict_dist(X_test)
homoscedastic_nll = mean_nll(y_test, homoscedastic_dist)
homoscedastic_coverage_90, homoscedastic_coverage_90_quiet, homoscedastic_coverage_90_noisy = (
    coverages(homoscedastic_dist))
heteroscedastic_dist = heteroscedastic.predict_dist(X_test)
heteroscedastic_nll = mean_nll(y_test, heteroscedastic_dist)
(heteroscedastic_coverage_90, heteroscedastic_coverage_90_quiet,
 heteroscedastic_coverage_90_noisy) = coverages(heteroscedastic_dist)
true_nll = float(
    -stats.norm.logpdf(y_test, true_mean(X_test[:, 0]), true_sd(X_test[:, 0])).mean()
)

print(f"{'':<16}{'':>8}{'coverage of the 90% intervals':>36}")
print(f"{'model':<16}{'NLL':>8}{'all x':>12}{'x < 1':>12}{'x >= 4':>12}")
print(f"{'homoscedastic':<16}{homoscedastic_nll:>8.3f}{homoscedastic_coverage_90:>12.1%}"
      f"{homoscedastic_coverage_90_quiet:>12.1%}{homoscedastic_coverage_90_noisy:>12.1%}")
print(f"{'heteroscedastic':<16}{heteroscedastic_nll:>8.3f}{heteroscedastic_coverage_90:>12.1%}"
      f"{heteroscedastic_coverage_90_quiet:>12.1%}{heteroscedastic_coverage_90_noisy:>12.1%}")
print(f"{'true model':<16}{true_nll:>8.3f}")
