"""
Proportions: a beta distribution per row
========================================

Shares, rates and fractions live strictly between 0 and 1, and their spread
shrinks near the edges: a share whose typical value is 0.03 cannot vary by
+-0.1. :class:`~skprob.BetaMLPRegressor` predicts a beta distribution (a mean
through a logistic link and a precision) for each row. We compare it with a
normal distribution with input-dependent noise
(:class:`~skprob.HeteroscedasticRegressor`), which ignores the bounds, on
proportions whose mean sweeps from near 0 to near 1.
"""

# %%
# Data
# ----
# The mean is a logistic curve in ``x``; the precision ``a + b`` is 15, so the
# distributions are skewed near the edges and symmetric in the middle. Half of
# the rows are held out.

import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.special import expit
from sklearn.model_selection import train_test_split

from skprob import BetaMLPRegressor, HeteroscedasticRegressor
from skprob.plotting import plot_predictive_bands

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)


def true_mean(x):
    return expit(2.5 * x + 0.5 * np.sin(3.0 * x))


def make_data(n_samples, precision=15.0, random_state=SEED):
    rng = np.random.default_rng(random_state)
    x = rng.uniform(-1.5, 1.5, n_samples)
    mean = true_mean(x)
    y = rng.beta(precision * mean, precision * (1.0 - mean))
    # A beta draw can round to exactly 0 or 1 in floating point; keep it inside.
    return x[:, None], np.clip(y, 1e-6, 1.0 - 1e-6)


X, y = make_data(1000 if FAST else 2000)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=SEED)

# %%
# Beta vs normal
# --------------
# Both models predict a location and a spread per row. The beta predicts its
# mean (``prediction="mean"``), like the normal.

max_iter = 150 if FAST else 300
normal = HeteroscedasticRegressor(max_iter=max_iter, random_state=SEED).fit(X_train, y_train)
beta = BetaMLPRegressor(prediction="mean", max_iter=max_iter, random_state=SEED).fit(
    X_train, y_train
)
models = {"normal (HeteroscedasticRegressor)": normal, "beta (BetaMLPRegressor)": beta}

# %%
# 90% intervals
# -------------
# Each panel shows a model's predicted mean and 90% interval across ``x`` over
# the held-out data, with its held-out NLL in the title; the grey bands are
# outside (0, 1). The normal's interval is symmetric and runs below 0 and above
# 1 where the data crowd against the edges; the beta's interval is skewed away
# from them and always inside (0, 1).

fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True, layout="constrained")
grid = np.linspace(-1.5, 1.5, 200)[:, None]
for ax, (name, model) in zip(axes, models.items(), strict=True):
    ax.scatter(X_test[:, 0], y_test, s=5, color="0.6", alpha=0.6, label="held-out data")
    plot_predictive_bands(model, grid, confidences=(0.9,), ax=ax)
    ax.axhspan(-0.2, 0.0, color="0.9", zorder=0)
    ax.axhspan(1.0, 1.2, color="0.9", zorder=0, label="outside (0, 1)")
    ax.set_ylim(-0.2, 1.2)
    ax.set_title(f"{name}\nheld-out NLL = {model.nll(X_test, y_test):.3f} nats")
    ax.set_xlabel("x")
    ax.legend(loc="upper left", fontsize="small")
axes[0].set_ylabel("proportion y")
plt.show()

# %%
# Held-out NLL and intervals that leave (0, 1)
# --------------------------------------------
# The NLLs compare directly: both are densities of the same target in the same
# units. The beta's is the lower. The second number is the share of held-out
# rows whose 90% interval leaves the unit interval: none for the beta, a
# sizeable share for the normal.

normal_nll = normal.nll(X_test, y_test)
beta_nll = beta.nll(X_test, y_test)
normal_lower, normal_upper = normal.predict_dist(X_test).interval(0.9)
beta_lower, beta_upper = beta.predict_dist(X_test).interval(0.9)
normal_share_outside = float(np.mean((normal_lower < 0) | (normal_upper > 1)))
beta_share_outside = float(np.mean((beta_lower <= 0) | (beta_upper >= 1)))
for name, nll, share in [("normal", normal_nll, normal_share_outside),
                         ("beta", beta_nll, beta_share_outside)]:
    print(f"{name:<8} held-out NLL {nll:7.3f}   rows whose 90% interval "
          f"leaves (0, 1): {share:.1%}")
