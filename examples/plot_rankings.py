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

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.special import softmax
from sklearn.model_selection import train_test_split

from skprob import PlackettLuceRanker

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


# %%
# Fit the ranker
# --------------
# ``predict`` returns the most probable ordering; ``predict_dist`` a
# distribution over orderings with ``top_probs()``, ``pmf`` and ``rvs``.


def fit_ranker(X_train, y_train, max_iter):
    return PlackettLuceRanker(max_iter=max_iter, random_state=SEED).fit(X_train, y_train)


# %%
# Probability of being ranked first
# ---------------------------------
# Solid lines: the ranker's ``top_probs()`` across ``x``; dashed: the true
# ``softmax`` of the scores. The ranker was never shown a probability, only
# orderings.


def plot_top_probs(ranker, nll, baselines):
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
                 f"(uniform orderings {baselines['uniform']:.3f}, "
                 f"true scores {baselines['true']:.3f})")
    ax.legend(loc="upper center", ncol=5, fontsize="small")
    return fig


def main(fast=False, output_dir=None):
    """Fit the ranker, plot its top-item probabilities and return its held-out NLL."""
    X, y = make_rankings(2000 if fast else 4000)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=SEED)
    ranker = fit_ranker(X_train, y_train, max_iter=150 if fast else 300)
    grid = np.linspace(-1.0, 1.0, 200)
    results = {
        "nll": ranker.nll(X_test, y_test),
        # Every ordering equally likely: log(4!) nats.
        "uniform_nll": float(np.log(24.0)),
        "true_nll": float(-true_log_likelihood(X_test[:, 0], y_test).mean()),
        "top_prob_error": float(np.abs(
            ranker.predict_dist(grid[:, None]).top_probs()
            - softmax(true_scores(grid), axis=1)
        ).max()),
        "accuracy_of_top_item": float(np.mean(ranker.predict(X_test)[:, 0] == y_test[:, 0])),
    }
    fig = plot_top_probs(ranker, results["nll"],
                         {"uniform": results["uniform_nll"], "true": results["true_nll"]})
    if output_dir is not None:
        fig.savefig(f"{output_dir}/rankings.png", dpi=100)
    print(f"held-out NLL {results['nll']:.3f} nats per ordering (uniform "
          f"{results['uniform_nll']:.3f}, true scores {results['true_nll']:.3f}); largest "
          f"error of a top-item probability {results['top_prob_error']:.3f}")
    return results


if __name__ == "__main__":
    main()
    if matplotlib.get_backend().lower() != "agg":
        plt.show()
