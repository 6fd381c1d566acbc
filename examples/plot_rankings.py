"""
Rankings: Plackett-Luce probabilities that depend on x
======================================================

Some targets are orderings: which of four products a customer tried first,
second, third and last; the finishing order of a race. The Plackett-Luce
model gives each item a score; the first item is drawn with probabilities
``softmax(scores)``, the second from the remaining items the same way, and so
on. :class:`~skprob.PlackettLuceRanker` lets an MLP predict the scores from
``x`` and is trained on the log-probability of the observed orderings. We fit
it on orderings simulated from known scores and compare the predicted
probability of each item being ranked first with the truth.
"""

# %%
# Orderings from known scores
# ---------------------------
# Four items whose scores trade places as ``x`` goes from -1 to 1. Sorting
# the scores plus independent Gumbel noise draws an exact Plackett-Luce
# ordering; row ``i`` of ``y`` lists the item indices from first to last.
# Half of the orderings are held out; the first three training orderings are
# printed below.

import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.special import softmax
from sklearn.model_selection import train_test_split

from skprob import PlackettLuceRanker

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)
ITEMS = ["A", "B", "C", "D"]


def true_scores(x):
    return np.column_stack([2.0 * x, -2.0 * x, 1.0 - 3.0 * x**2, np.full_like(x, -0.5)])


def make_rankings(n_samples, random_state=SEED):
    rng = np.random.default_rng(random_state)
    x = rng.uniform(-1.0, 1.0, n_samples)
    noisy = true_scores(x) + rng.gumbel(size=(n_samples, len(ITEMS)))
    return x[:, None], np.argsort(-noisy, axis=1)


def true_log_likelihood(x, orderings):
    """Exact Plackett-Luce log-probability of each ordering under the true scores."""
    chosen = np.take_along_axis(true_scores(x), orderings, axis=1)
    remaining = np.logaddexp.accumulate(chosen[:, ::-1], axis=1)[:, ::-1]
    return np.sum(chosen - remaining, axis=1)


X, y = make_rankings(2000 if FAST else 4000)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=SEED)
print("first three orderings (item indices, first to last):")
print(y_train[:3])

# %%
# Fit the ranker
# --------------
# ``predict`` returns the most probable ordering; ``predict_dist`` a
# distribution over orderings with ``top_probs()``, ``pmf`` and ``rvs``.

ranker = PlackettLuceRanker(max_iter=150 if FAST else 300, random_state=SEED).fit(
    X_train, y_train
)

# %%
# Held-out likelihood
# -------------------
# The negative log-likelihood (NLL) of the held-out orderings, in nats per
# ordering, between two references: orderings drawn uniformly at random
# (``log 4! = 3.178`` nats) and the true scores, the floor no model can beat on
# average. The ranker lands far below the uniform baseline and close to the
# floor. We also count how often the item it predicts first is the one
# observed first (chance is 1 in 4).

nll = ranker.nll(X_test, y_test)
# Every ordering equally likely: log(4!) nats.
uniform_nll = float(np.log(24.0))
true_nll = float(-true_log_likelihood(X_test[:, 0], y_test).mean())
accuracy_of_top_item = float(np.mean(ranker.predict(X_test)[:, 0] == y_test[:, 0]))
print(f"held-out NLL {nll:.3f} nats per ordering (uniform {uniform_nll:.3f}, "
      f"true scores {true_nll:.3f})")
print(f"predicted first item observed first in {accuracy_of_top_item:.1%} of held-out rows")

# %%
# Probability of being ranked first
# ---------------------------------
# Solid lines: the ranker's ``top_probs()`` across ``x``; dashed: the true
# ``softmax`` of the scores. The ranker was never shown a probability, only
# orderings, yet its curves follow the true ones; the largest gap between them
# on the grid is printed below the figure.

grid = np.linspace(-1.0, 1.0, 200)
predicted = ranker.predict_dist(grid[:, None]).top_probs()
truth = softmax(true_scores(grid), axis=1)
fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")
for k, item in enumerate(ITEMS):
    ax.plot(grid, predicted[:, k], color=f"C{k}", linewidth=2, label=f"item {item}")
    ax.plot(grid, truth[:, k], color=f"C{k}", linestyle="--", linewidth=1)
ax.plot([], [], color="black", linestyle="--", linewidth=1, label="true probabilities")
ax.set_xlabel("x")
ax.set_ylabel("probability of being ranked first")
ax.set_ylim(0, 1)
ax.set_title(f"PlackettLuceRanker: held-out NLL {nll:.3f} nats per ordering\n"
             f"(uniform orderings {uniform_nll:.3f}, true scores {true_nll:.3f})")
ax.legend(loc="upper center", ncol=5, fontsize="small")
plt.show()

top_prob_error = float(np.abs(predicted - truth).max())
print(f"largest error of a top-item probability: {top_prob_error:.3f}")
