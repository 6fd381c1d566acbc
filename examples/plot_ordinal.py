"""
Ordered classes: ratings with a proportional-odds MLP
=====================================================

Ratings, grades and severities are classes with an order: "poor" lies between
"very poor" and "fair". A categorical classifier ignores that order and learns
one probability per class on its own; a class seen rarely, or a small training
set, leaves it with little to go on. :class:`~skprob.OrdinalMLPClassifier`
predicts one latent score per row and cuts a logistic distribution around it
at learned, increasing thresholds, so every class borrows strength from its
neighbours. On synthetic ratings whose generating model we know, we compare it
with :class:`~skprob.CategoricalMLPClassifier` and scikit-learn's
:class:`~sklearn.linear_model.LogisticRegression` on held-out log-loss (the
mean negative log-likelihood, NLL) for training sets of growing size.
"""

# %%
# Ratings from a latent score
# ---------------------------
# A latent score ``s = 2 sin(1.5 x0) + 0.8 x1^2 + logistic noise`` is cut at
# four thresholds into five levels, "very poor" to "excellent". The thresholds
# leave the middle level, "fair", rare (about one row in ten). The labels are an
# ordered pandas Categorical: their alphabetical order ("excellent", "fair",
# ...) is not the rating order, and the ordinal model must keep the latter.
# The models are scored on 20,000 held-out rows; their class shares and the
# generating model's negative log-likelihood (NLL) of them, the floor no model
# can beat on average, are printed below.

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from skprob import CategoricalMLPClassifier, OrdinalMLPClassifier

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)

LEVELS = ["very poor", "poor", "fair", "good", "excellent"]
THRESHOLDS = np.array([-1.0, 1.0, 1.6, 3.4])


def latent_score(X):
    return 2.0 * np.sin(1.5 * X[:, 0]) + 0.8 * X[:, 1] ** 2


def true_proba(X):
    """Class probabilities of the generating model (it is a proportional-odds model)."""
    cumulative = expit(THRESHOLDS[None, :] - latent_score(X)[:, None])
    ones = np.ones((len(X), 1))
    return np.diff(np.hstack([0.0 * ones, cumulative, ones]), axis=1)


def make_ratings(n_samples, rng):
    X = rng.uniform(-2.0, 2.0, (n_samples, 2))
    codes = np.digitize(latent_score(X) + rng.logistic(size=n_samples), THRESHOLDS)
    return X, pd.Series(pd.Categorical.from_codes(codes, LEVELS, ordered=True))


rng = np.random.default_rng(SEED)
X_test, y_test = make_ratings(20000, rng)
codes = y_test.cat.codes.to_numpy()
true_nll = float(-np.mean(np.log(true_proba(X_test)[np.arange(len(codes)), codes])))
shares = np.bincount(codes, minlength=len(LEVELS)) / len(codes)
print("share of each level: " + ", ".join(
    f"{level} {share:.0%}" for level, share in zip(LEVELS, shares, strict=True)))
print(f"generating model's held-out NLL: {true_nll:.3f} nats per row")

# %%
# Three classifiers on training sets of growing size
# --------------------------------------------------
# Both networks get the same options. With a few hundred rows an epoch is one
# or two gradient steps, so a learning rate of 0.01 lets early stopping see
# progress before it gives up. Logistic regression is linear in the inputs: a
# baseline that cannot follow the sine or the square.
#
# For each training size we draw a few independent training sets, fit the
# three classifiers on each and score them on the same held-out rows. The
# table gives the held-out log-loss, the mean over the draws. The ordinal
# model's lead is largest with the fewest rows and shrinks as they grow: given
# thousands of rows the categorical model finds the bands too. The generating
# model's NLL is the floor for all three, and logistic regression stays far
# above the two networks.


def fit_models(X, y, max_iter, random_state):
    options = {"max_iter": max_iter, "learning_rate_init": 0.01, "random_state": random_state}
    return {
        "OrdinalMLPClassifier": OrdinalMLPClassifier(**options).fit(X, y),
        "CategoricalMLPClassifier": CategoricalMLPClassifier(**options).fit(X, y),
        "LogisticRegression": LogisticRegression(max_iter=1000).fit(X, y),
    }


def proba_in_level_order(model, X):
    """Predicted probabilities with columns in rating order, whatever ``classes_`` is."""
    columns = [list(model.classes_).index(level) for level in LEVELS]
    return model.predict_proba(X)[:, columns]


def held_out_nll(model, X, codes):
    proba = proba_in_level_order(model, X)
    return float(-np.mean(np.log(proba[np.arange(len(codes)), codes])))


train_sizes = np.array([300, 1000] if FAST else [200, 400, 800, 1600, 3200])
n_draws = 2 if FAST else 3
names = ["OrdinalMLPClassifier", "CategoricalMLPClassifier", "LogisticRegression"]
nll = {name: np.zeros(len(train_sizes)) for name in names}
for i, n in enumerate(train_sizes):
    for draw in range(n_draws):
        X, y = make_ratings(int(n), rng)
        models = fit_models(X, y, max_iter=200 if FAST else 400, random_state=draw)
        for name in names:
            nll[name][i] += held_out_nll(models[name], X_test, codes) / n_draws
        if i == 0 and draw == 0:
            smallest = models  # shown below: the regime where the order matters most
ordinal_nll = nll["OrdinalMLPClassifier"]
categorical_nll = nll["CategoricalMLPClassifier"]
logistic_nll = nll["LogisticRegression"]

print(f"held-out NLL (nats per row), mean of {n_draws} training draws; "
      f"generating model {true_nll:.3f}")
print(f"{'training rows':<26}" + "".join(f"{n:>8d}" for n in train_sizes))
for name in names:
    print(f"{name:<26}" + "".join(f"{value:>8.3f}" for value in nll[name]))

# %%
# The order of the classes
# ------------------------
# The models fitted on the first, smallest training set list their classes in
# ``classes_``. The ordinal model keeps the order of the ordered Categorical,
# "very poor" to "excellent"; the categorical one sorts the labels
# alphabetically, which is harmless for it since it ignores the order anyway.

ordinal, categorical = smallest["OrdinalMLPClassifier"], smallest["CategoricalMLPClassifier"]
print(f"OrdinalMLPClassifier.classes_:     {ordinal.classes_.tolist()}")
print(f"CategoricalMLPClassifier.classes_: {categorical.classes_.tolist()}")
ordinal_keeps_level_order = ordinal.classes_.tolist() == LEVELS
categorical_sorts_labels = categorical.classes_.tolist() == sorted(LEVELS)

# %%
# Predicted probabilities and held-out log-loss
# ---------------------------------------------
# Top row: with ``x1 = 0`` the latent score follows the sine of ``x0``; stacked
# areas show each level's probability, lowest level at the bottom, for the
# generating model and for the two networks fitted on the smallest training
# set. The ordinal model's bands keep their order and the thin "fair" band sits
# where the score crosses it; the categorical model, trained on the same few
# hundred rows, has to find the rare band on its own. Bottom right: the
# probability of the rare middle level, "fair", alone. Bottom left: the
# held-out log-loss from the table above against the number of training rows.

x0 = np.linspace(-2.0, 2.0, 201)
X_line = np.column_stack([x0, np.zeros_like(x0)])
fig, axes = plt.subplot_mosaic([["true", "ordinal", "categorical"], ["nll", "nll", "fair"]],
                               figsize=(13, 8), layout="constrained")
colours = plt.get_cmap("RdYlGn")(np.linspace(0.05, 0.95, len(LEVELS)))
panels = [("true", "generating model", true_proba(X_line)),
          ("ordinal", "OrdinalMLPClassifier", proba_in_level_order(ordinal, X_line)),
          ("categorical", "CategoricalMLPClassifier",
           proba_in_level_order(categorical, X_line))]
for key, title, proba in panels:
    axes[key].stackplot(x0, proba.T, labels=LEVELS, colors=colours, alpha=0.9)
    axes[key].set_xlim(-2.0, 2.0)
    axes[key].set_ylim(0.0, 1.0)
    axes[key].set_xlabel("x0 (x1 = 0)")
    axes[key].set_title(title)
axes["true"].set_ylabel("class probability (stacked)")
axes["categorical"].legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small",
                           reverse=True)

fair = LEVELS.index("fair")
axes["fair"].plot(x0, true_proba(X_line)[:, fair], color="black", linewidth=3, alpha=0.3,
                  label="generating model")
for colour, name in [("C0", "OrdinalMLPClassifier"), ("C1", "CategoricalMLPClassifier")]:
    axes["fair"].plot(x0, proba_in_level_order(smallest[name], X_line)[:, fair],
                      color=colour, label=name)
axes["fair"].set_xlabel("x0 (x1 = 0)")
axes["fair"].set_ylabel('P("fair")')
axes["fair"].set_title('The rare middle level, "fair"')
axes["fair"].legend(fontsize="small")

for colour, name in zip(["C0", "C1", "C2"], names, strict=True):
    axes["nll"].plot(train_sizes, nll[name], "o-", color=colour, label=name)
axes["nll"].axhline(true_nll, color="black", linestyle="--", linewidth=1,
                    label="generating model")
axes["nll"].set_xscale("log")
axes["nll"].set_xticks(train_sizes, [str(n) for n in train_sizes])
axes["nll"].minorticks_off()
axes["nll"].set_xlabel("training rows")
axes["nll"].set_ylabel("held-out NLL (nats per row)")
axes["nll"].set_title("Held-out log-loss, mean over training draws")
axes["nll"].legend(fontsize="small")
fig.suptitle(f"Five ordered levels: probabilities from {train_sizes[0]} training rows (top, "
             "right) and held-out log-loss (bottom left)")
plt.show()

# %%
# Distance to the true probabilities
# ----------------------------------
# How far each model fitted on the smallest training set is from the
# generating model's probabilities, row by row: the total variation distance
# (half the sum of the absolute differences over the five levels), averaged
# over the held-out rows. The ordinal model is closer to the truth than the
# categorical one.

truth = true_proba(X_test)
distance = {name: float(0.5 * np.abs(proba_in_level_order(smallest[name], X_test)
                                     - truth).sum(axis=1).mean()) for name in names}
ordinal_proba_distance = distance["OrdinalMLPClassifier"]
categorical_proba_distance = distance["CategoricalMLPClassifier"]
logistic_proba_distance = distance["LogisticRegression"]
print(f"mean total variation distance to the true probabilities, {train_sizes[0]} rows: "
      + ", ".join(f"{name} {value:.3f}" for name, value in distance.items()))
