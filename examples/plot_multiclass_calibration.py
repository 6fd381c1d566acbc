"""
Digits: class probabilities and their calibration
=================================================

A classifier's probabilities are worth reading only if they are calibrated:
among images given a top probability of 0.8, about 80% should be classified
correctly. :class:`~skprob.CategoricalMLPClassifier` predicts a categorical
distribution over the ten digits and is trained on its negative
log-likelihood (the log-loss), with early stopping on held-out log-loss. We
look at its probabilities for a few hard images of scikit-learn's digits data
set and compare its reliability diagram with that of scikit-learn's
:class:`~sklearn.neural_network.MLPClassifier`.
"""

# %%
# Data and models
# ---------------
# 8x8 images of handwritten digits, a quarter held out. Both networks get
# standardised pixels and one hidden layer.

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skprob import CategoricalMLPClassifier
from skprob.metrics import expected_calibration_error
from skprob.plotting import plot_reliability_diagram

SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)


def fit_models(X_train, y_train, max_iter):
    models = {
        "skprob CategoricalMLPClassifier": CategoricalMLPClassifier(
            max_iter=max_iter, random_state=SEED
        ),
        # sklearn's defaults (200 epochs; it stops earlier when the loss stalls).
        "sklearn MLPClassifier": MLPClassifier(random_state=SEED),
    }
    # sklearn's MLP multiplies its matrices with numpy's BLAS; like torch, it is
    # faster on one thread for a network this small.
    with threadpool_limits(limits=1):
        return {
            name: make_pipeline(StandardScaler(), model).fit(X_train, y_train)
            for name, model in models.items()
        }


# %%
# Probabilities for a few images
# ------------------------------
# The four held-out images on which skprob's model is least sure. Next to each
# image, the predicted probability of every class; the true class is red.


def plot_examples(images, proba, y_true, classes, n_shown=4):
    rows = np.argsort(proba.max(axis=1))[:n_shown]
    fig, axes = plt.subplots(2, n_shown, figsize=(11, 4.8), layout="constrained",
                             gridspec_kw={"height_ratios": [1.2, 1]})
    for column, row in enumerate(rows):
        axes[0, column].imshow(images[row], cmap="gray_r")
        axes[0, column].set_axis_off()
        predicted = classes[np.argmax(proba[row])]
        axes[0, column].set_title(f"true {y_true[row]}, predicted {predicted}")
        colours = ["C3" if c == y_true[row] else "C0" for c in classes]
        axes[1, column].bar([str(c) for c in classes], proba[row], color=colours)
        axes[1, column].set_ylim(0, 1)
        axes[1, column].set_xlabel("class")
    axes[1, 0].set_ylabel("predicted probability")
    fig.suptitle("CategoricalMLPClassifier: the least confident held-out images "
                 "(red bar: true class)")
    return fig


# %%
# Reliability diagrams
# --------------------
# Held-out images are binned by the probability of their most probable class;
# each bar is the fraction classified correctly in its bin, and the number of
# images in the bin is written at its foot. A calibrated model follows the
# diagonal; the expected calibration error (ECE) is the gap averaged over
# images. Both networks are right on about 97% of the images, almost all of
# them in the top bin, so the lower bins hold a handful of images each and an
# ECE difference of a hundredth is within noise. The log-loss printed below is
# the proper score that judges sharpness and calibration together.


def plot_reliability(y_test, probas, n_bins):
    fig, axes = plt.subplots(1, len(probas), figsize=(11, 5.2), layout="constrained")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    for ax, (name, proba) in zip(axes, probas.items(), strict=True):
        plot_reliability_diagram(y_test, proba, n_bins=n_bins, classes=np.arange(10), ax=ax)
        # Bins are (edge_b, edge_b+1], as in the diagram.
        which = np.digitize(proba.max(axis=1), edges[1:-1], right=True)
        counts = np.bincount(which, minlength=n_bins)
        for b in np.flatnonzero(counts):
            ax.text((edges[b] + edges[b + 1]) / 2, 0.02, f"n={counts[b]}", ha="center",
                    va="bottom", rotation=90, fontsize="small")
        ax.set_title(f"{name}\n{ax.get_title()}")
        ax.set_xlabel("confidence (probability of the predicted class)")
        ax.set_ylabel("fraction correct")
        ax.legend(loc="upper left", fontsize="small")
    return fig


def main(fast=False, output_dir=None):
    """Fit both classifiers, plot probabilities and reliability, return the metrics."""
    digits = load_digits()
    X_train, X_test, y_train, y_test, _, images_test = train_test_split(
        digits.data, digits.target, digits.images, test_size=0.25, random_state=SEED,
        stratify=digits.target,
    )
    models = fit_models(X_train, y_train, max_iter=100 if fast else 200)
    probas = {name: model.predict_proba(X_test) for name, model in models.items()}
    results = {}
    print(f"{'model':<34}{'accuracy':>9}{'log-loss':>10}{'ECE':>8}")
    for name, model in models.items():
        key = "skprob" if name.startswith("skprob") else "sklearn"
        results[f"{key}_accuracy"] = accuracy_score(y_test, model.predict(X_test))
        results[f"{key}_log_loss"] = log_loss(y_test, probas[name], labels=np.arange(10))
        results[f"{key}_ece"] = expected_calibration_error(
            y_test, probas[name], n_bins=10, classes=np.arange(10)
        )
        print(f"{name:<34}{results[f'{key}_accuracy']:>9.1%}{results[f'{key}_log_loss']:>10.4f}"
              f"{results[f'{key}_ece']:>8.4f}")
    skprob_proba = probas["skprob CategoricalMLPClassifier"]
    fig_examples = plot_examples(images_test, skprob_proba, y_test, np.arange(10))
    fig_reliability = plot_reliability(y_test, probas, n_bins=10)
    if output_dir is not None:
        fig_examples.savefig(f"{output_dir}/multiclass_examples.png", dpi=100)
        fig_reliability.savefig(f"{output_dir}/multiclass_reliability.png", dpi=100)
    results["skprob_rows_sum_to_one"] = float(np.abs(skprob_proba.sum(axis=1) - 1).max())
    return results


if __name__ == "__main__":
    main()
    if matplotlib.get_backend().lower() != "agg":
        plt.show()
