"""
Several plausible answers: a mixture density network
====================================================

When one input is compatible with several quite different targets, a single
normal distribution can only spread itself over all of them: its mean falls
between the branches, where no data are. A mixture density network predicts
the weights, means and standard deviations of several normal components per
row, so its conditional density can have one peak per branch. We fit
:class:`~skprob.MixtureDensityRegressor` and
:class:`~skprob.HeteroscedasticRegressor` on a classic inverse problem and
compare their conditional densities and held-out negative log-likelihood (NLL).
"""

# %%
# An inverse problem
# ------------------
# Draw ``t`` uniformly on [0, 1] and set ``x = t + 0.3 sin(2 pi t) + noise``.
# Predicting ``x`` from ``t`` is easy; we predict ``y = t`` from ``x`` instead,
# which has up to three branches for the same ``x``. Half of the 4000 rows
# are held out.

import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import train_test_split

from skprob import HeteroscedasticRegressor, MixtureDensityRegressor

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)


def make_data(n_samples, random_state=SEED):
    rng = np.random.default_rng(random_state)
    t = rng.uniform(0.0, 1.0, n_samples)
    x = t + 0.3 * np.sin(2 * np.pi * t) + rng.uniform(-0.1, 0.1, n_samples)
    return x[:, None], t


X, y = make_data(2000 if FAST else 4000)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=SEED)

# %%
# One normal vs a mixture of three
# --------------------------------
# ``MixtureDensityRegressor(n_components=3)``: the network has three outputs
# per parameter (weight, mean, standard deviation) and is trained on the
# mixture's NLL.

max_iter = 200 if FAST else 400
normal = HeteroscedasticRegressor(max_iter=max_iter, random_state=SEED).fit(X_train, y_train)
mixture = MixtureDensityRegressor(
    n_components=3, max_iter=max_iter, random_state=SEED
).fit(X_train, y_train)
models = {"normal (HeteroscedasticRegressor)": normal,
          "mixture of 3 (MixtureDensityRegressor)": mixture}

# %%
# Conditional densities
# ---------------------
# Left: the data with the normal's mean and the mixture's most probable value
# (its highest peak), which jumps from branch to branch. Right: both predicted
# densities of ``y`` at three values of ``x`` (dotted lines on the left), over
# a histogram of the held-out targets whose ``x`` is within 0.05 of it.

x_values = (0.2, 0.5, 0.8)
fig, axes = plt.subplot_mosaic([["data", "d0"], ["data", "d1"], ["data", "d2"]],
                               figsize=(11, 6.4), layout="constrained", width_ratios=[1.3, 1])
ax = axes["data"]
ax.scatter(X_test[:, 0], y_test, s=5, color="0.6", alpha=0.6, label="held-out data")
x_grid = np.linspace(X_test.min(), X_test.max(), 300)[:, None]
ax.plot(x_grid[:, 0], normal.predict(x_grid), color="C3", linewidth=2, label="normal: mean")
ax.plot(x_grid[:, 0], mixture.predict(x_grid), ".", color="C0", markersize=3,
        label="mixture: most probable value")
for x_value in x_values:
    ax.axvline(x_value, color="black", linestyle=":", linewidth=1)
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("Held-out data and point predictions")
ax.legend(loc="upper left", fontsize="small")

y_grid = np.linspace(-0.2, 1.2, 400)
for i, x_value in enumerate(x_values):
    ax = axes[f"d{i}"]
    near = np.abs(X_test[:, 0] - x_value) < 0.05
    ax.hist(y_test[near], bins=np.linspace(-0.2, 1.2, 36), density=True, color="0.8",
            label=f"held-out y, |x - {x_value}| < 0.05")
    for colour, (name, model) in zip(["C3", "C0"], models.items(), strict=True):
        density = model.predict_dist(np.full((len(y_grid), 1), x_value)).pdf(y_grid)
        ax.plot(y_grid, density, color=colour, linewidth=2, label=name.split(" (")[0])
    ax.set_xlabel("y")
    ax.set_ylabel("density")
    ax.set_title(f"p(y | x = {x_value})", fontsize="medium")
    ax.legend(loc="upper right", fontsize="x-small")
plt.show()

# %%
# Held-out negative log-likelihood
# --------------------------------
# Lower is better. The normal has to cover all the branches with one wide
# bump, which puts density between them, where there are no data; the mixture
# puts one peak on each branch and its NLL is clearly lower.

normal_nll = normal.nll(X_test, y_test)
mixture_nll = mixture.nll(X_test, y_test)
print(f"{'normal (HeteroscedasticRegressor)':<42} held-out NLL {normal_nll:7.3f}")
print(f"{'mixture of 3 (MixtureDensityRegressor)':<42} held-out NLL {mixture_nll:7.3f}")
