"""
Deep ensembles: what one network does not know
==============================================

A single network's predicted distribution describes the noise in the data
(aleatoric uncertainty), but not its own ignorance where there were no
training data (epistemic uncertainty): beyond the data it extrapolates its
mean and its standard deviation with full confidence. A deep ensemble fits
several copies of the same network from different random seeds and predicts
the equal-weight mixture of their distributions; where the copies disagree the
mixture widens. We fit a :class:`~skprob.ensemble.DeepEnsembleRegressor` of
:class:`~skprob.HeteroscedasticRegressor` networks and compare it with its own
members, each of them a single network, on held-out data like the training
data and on inputs beyond the training range.
"""

# %%
# Data, and inputs beyond it
# --------------------------
# Training inputs cover [-3, 3]; the noise grows with ``|x|``. One held-out set
# is drawn the same way, a second one from [-4.5, -3] and [3, 4.5], where no
# network saw any data. Each set has 800 rows.

import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy import stats

from skprob import HeteroscedasticRegressor
from skprob.ensemble import DeepEnsembleRegressor

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)


def true_mean(x):
    return np.sin(1.5 * x) + 0.1 * x**2


def true_sd(x):
    return 0.1 + 0.1 * np.abs(x)


def sample(x, rng):
    return x[:, None], true_mean(x) + true_sd(x) * rng.standard_normal(len(x))


def make_data(n_samples, random_state=SEED):
    rng = np.random.default_rng(random_state)
    train = sample(rng.uniform(-3.0, 3.0, n_samples), rng)
    test = sample(rng.uniform(-3.0, 3.0, n_samples), rng)
    beyond = sample(rng.choice([-1.0, 1.0], n_samples) * rng.uniform(3.0, 4.5, n_samples), rng)
    return train, test, beyond


train, test, beyond = make_data(400 if FAST else 800)
X_train, y_train = train

# %%
# The ensemble
# ------------
# Five members, clones of the template that differ only by their seed
# (initial weights, validation split, batch order); ``estimators_`` holds them,
# and each is an ordinary fitted ``HeteroscedasticRegressor``. Printed: the
# seed the ensemble drew for each member, and how long it trained.

ensemble = DeepEnsembleRegressor(
    HeteroscedasticRegressor(max_iter=150 if FAST else 300), n_estimators=3 if FAST else 5,
    random_state=SEED,
).fit(X_train, y_train)
members = ensemble.estimators_
n_members = len(members)
for i, member in enumerate(members):
    print(f"member {i}: random_state={member.random_state}, trained for {member.n_iter_} epochs")

# %%
# Bands inside and beyond the data
# --------------------------------
# Left: one member on its own; right: the ensemble, with the mean of every
# member as a thin line. Shaded: the central 90% interval; dashed: the true
# one. Inside the training range the members agree and so do the bands.
# Beyond it every member extrapolates almost linearly, with a narrow band; the
# members differ in slope and width, and the mixture is wider where they do,
# which lowers its NLL there. It is no substitute for data: neither band
# follows the true curve far from the training range.

fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), sharey=True, layout="constrained")
grid = np.linspace(-4.5, 4.5, 400)
true_lower, true_upper = stats.norm.interval(0.9, true_mean(grid), true_sd(grid))
panels = {"one member (a single network)": members[0],
          f"deep ensemble of {n_members}": ensemble}
for ax, colour, (name, model) in zip(axes, ["C1", "C0"], panels.items(), strict=True):
    dist = model.predict_dist(grid[:, None])
    lower, upper = dist.interval(0.9)
    for edge in (-3.0, 3.0):
        ax.axvline(edge, color="0.7", linewidth=1)
    ax.scatter(X_train[:, 0], y_train, s=4, color="0.5", alpha=0.4, label="training data")
    ax.fill_between(grid, lower, upper, color=colour, alpha=0.3, linewidth=0,
                    label="predicted 90% interval")
    ax.plot(grid, dist.mean(), color=colour, linewidth=2, label="predicted mean")
    ax.plot(grid, true_lower, "k--", linewidth=1, label="true 90% interval")
    ax.plot(grid, true_upper, "k--", linewidth=1)
    ax.set_ylim(-3.5, 5.0)
    ax.set_xlabel("x (grey lines: edges of the training data)")
    ax.set_title(f"{name}\nheld-out NLL beyond the data: {model.nll(*beyond):.2f} nats")
    ax.legend(loc="upper center", fontsize="small", ncol=2)
for member in members:
    axes[1].plot(grid, member.predict_dist(grid[:, None]).mean(), color="C0",
                 linewidth=0.7, alpha=0.8)
axes[0].set_ylabel("y")
plt.show()

# %%
# Held-out NLL, member by member
# ------------------------------
# The NLL of each member, of their mean and of the ensemble, on held-out data
# like the training data and beyond it (lower is better). The mixture's
# log-density is at least the mean of its members' log-densities (Jensen's
# inequality), row by row, so the ensemble is never worse than the members'
# mean. Beyond the data, where the members disagree, it gains clearly on them.

ensemble_nll = ensemble.nll(*test)
member_nlls = np.array([member.nll(*test) for member in members])
ensemble_beyond_nll = ensemble.nll(*beyond)
member_beyond_nlls = np.array([member.nll(*beyond) for member in members])
print(f"{'':<24}{'NLL, like training':>20}{'NLL, beyond the data':>23}")
for i in range(n_members):
    print(f"{f'member {i} (one network)':<24}{member_nlls[i]:>20.3f}"
          f"{member_beyond_nlls[i]:>23.3f}")
print(f"{'mean of the members':<24}{member_nlls.mean():>20.3f}{member_beyond_nlls.mean():>23.3f}")
print(f"{'deep ensemble':<24}{ensemble_nll:>20.3f}{ensemble_beyond_nll:>23.3f}")
