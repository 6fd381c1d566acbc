"""
Counts with a nonlinear rate: Poisson MLP vs Poisson GLM
========================================================

Counts of events are non-negative integers, and the Poisson distribution is the
natural model for them. scikit-learn's
:class:`~sklearn.linear_model.PoissonRegressor` is a generalised linear model:
the log of the rate is linear in the inputs.
:class:`~skprob.PoissonMLPRegressor` keeps the Poisson likelihood and the log
link but lets an MLP compute the log-rate, so it can follow a rate that is not
log-linear. On synthetic data with a known rate we compare both against the
truth, and look at the whole predicted distribution of one row.
"""

# %%
# Counts from a known, nonlinear rate
# -----------------------------------
# ``log(rate) = 1 + 0.8 x0 - 1.5 x1^2 + 0.7 sin(3 x2)``; a fourth input is
# noise. The quadratic and the sine are what a log-linear model cannot follow.
# 30% of the rows are held out to score the models on counts they never saw.

import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy import stats
from sklearn.linear_model import PoissonRegressor
from sklearn.model_selection import train_test_split

from skprob import PoissonMLPRegressor
from skprob.plotting import plot_predicted_distribution

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)


def true_rate(X):
    return np.exp(1.0 + 0.8 * X[:, 0] - 1.5 * X[:, 1] ** 2 + 0.7 * np.sin(3.0 * X[:, 2]))


def make_counts(n_samples, random_state=SEED):
    rng = np.random.default_rng(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 4))
    return X, rng.poisson(true_rate(X))


X, y = make_counts(1500 if FAST else 4000)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=SEED)

# %%
# Two Poisson models
# ------------------
# Both are fitted by maximum likelihood on the same training rows: the
# log-linear GLM without a penalty, and the MLP with the same Poisson
# likelihood and log link.

glm = PoissonRegressor(alpha=0.0).fit(X_train, y_train)
mlp = PoissonMLPRegressor(max_iter=150 if FAST else 300, random_state=SEED).fit(X_train, y_train)

# %%
# Held-out likelihood and rate error
# ----------------------------------
# The table below gives, for each model and for the true rate, the negative
# log-likelihood (NLL) of the held-out counts and the mean absolute distance of
# the predicted rate from the true one. The NLL of a count is that of a
# probability (no units), so the numbers compare directly, and the NLL of the
# true rate is the floor no model can beat on average. The MLP's NLL comes
# closer to that floor than the GLM's, and its rates are closer to the truth.

dist = mlp.predict_dist(X_test)
rates = {
    "PoissonRegressor (log-linear)": glm.predict(X_test),
    "PoissonMLPRegressor": dist.mean(),
    "true rate": true_rate(X_test),
}
nll = {name: float(-stats.poisson.logpmf(y_test, rate).mean()) for name, rate in rates.items()}
error = {name: float(np.mean(np.abs(rate - rates["true rate"]))) for name, rate in rates.items()}
print(f"{'model':<32}{'NLL':>8}{'mean |rate error|':>20}")
for name in rates:
    print(f"{name:<32}{nll[name]:>8.3f}{error[name]:>20.3f}")

mlp_nll = mlp.nll(X_test, y_test)
glm_nll = nll["PoissonRegressor (log-linear)"]
true_nll = nll["true rate"]
mlp_rate_error = error["PoissonMLPRegressor"]
glm_rate_error = error["PoissonRegressor (log-linear)"]

# %%
# Predicted rate against the true rate, and one predicted distribution
# --------------------------------------------------------------------
# On the left, each held-out row's predicted rate against its true rate: points
# on the diagonal are rows whose rate the model got right. On the right, the
# MLP's probability of every count for the held-out row with the largest true
# rate, with the count actually observed and the true rate.

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6), layout="constrained")
truth = rates["true rate"]
for colour, name in [("C1", "PoissonRegressor (log-linear)"), ("C0", "PoissonMLPRegressor")]:
    left.scatter(truth, rates[name], s=8, alpha=0.5, color=colour, label=name)
top = 1.05 * max(rate.max() for rate in rates.values())
left.plot([0, top], [0, top], "k--", linewidth=1, label="predicted = true")
left.set_xlim(0, top)
left.set_ylim(0, top)
left.set_xlabel("true rate (expected count)")
left.set_ylabel("predicted rate")
left.set_title("Held-out rows: predicted vs true rate")
left.legend(loc="upper left", fontsize="small")

row = int(np.argmax(truth))
plot_predicted_distribution(dist[row], y_test[row], ax=right)
right.axvline(truth[row], color="black", linestyle=":", linewidth=1.5,
              label=f"true rate = {truth[row]:.2f}")
right.set_xlabel("count")
right.set_title(f"PoissonMLPRegressor: predicted pmf of held-out row {row}\n"
                f"(predicted rate {dist.mean()[row]:.2f})")
right.legend(loc="upper right", fontsize="small")
plt.show()
