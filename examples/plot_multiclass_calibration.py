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
# standardised pixels and one hidden layer, and are fitted on the other three
# quarters.

import os

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

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)

digits = load_digits()
classes = np.arange(10)
X_train, X_test, y_train, y_test, _, images_test = train_test_split(
    digits.data, digits.target, digits.images, test_size=0.25, random_state=SEED,
    stratify=digits.target,
)
# sklearn's MLP multiplies its matrices with numpy's BLAS; like torch, it is
# faster on one thread for a network this small.
with threadpool_limits(limits=1):
    skprob_model = make_pipeline(
        StandardScaler(),
        CategoricalMLPClassifier(max_iter=100 if FAST else 200, random_state=SEED),
    ).fit(X_train, y_train)
    # sklearn's defaults (200 epochs; it stops earlier when the loss stalls).
    sklearn_model = make_pipeline(
        StandardScaler(), MLPClassifier(random_state=SEED)
    ).fit(X_train, y_train)
models = {"skprob CategoricalMLPClassifier": skprob_model,
          "sklearn MLPClassifier": sklearn_model}
probas = {name: model.predict_proba(X_test) for name, model in models.items()}
skprob_proba = probas["skprob CategoricalMLPClassifier"]

# %%
# Probabilities for a few images
# ------------------------------
# The four held-out images on which skprob's model is least sure. Next to each
# image, the predicted probability of every class; the true class is red.

n_shown = 4
rows = np.argsort(skprob_proba.max(axis=1))[:n_shown]
fig, axes = plt.subplots(2, n_shown, figsize=(11, 4.8), layout="constrained",
                         gridspec_kw={"height_ratios": [1.2, 1]})
for column, row in enumerate(rows):
    axes[0, column].imshow(images_test[row], cmap="gray_r")
    axes[0, column].set_axis_off()
    predicted = classes[np.argmax(skprob_proba[row])]
    axes[0, column].set_title(f"true {y_test[row]}, predicted {predicted}")
    colours = ["C3" if c == y_test[row] else "C0" for c in classes]
    axes[1, column].bar([str(c) for c in classes], skprob_proba[row], color=colours)
    axes[1, column].set_ylim(0, 1)
    axes[1, column].set_xlabel("class")
axes[1, 0].set_ylabel("predicted probability")
fig.suptitle("CategoricalMLPClassifier: the least confident held-out images "
             "(red bar: true class)")
plt.show()

# %%
# Reliability diagrams
# --------------------
# Held-out images are binned by the probability of their most probable class;
# each bar is the fraction classified correctly in its bin, and the number of
# images in the bin is written at its foot. A calibrated model follows the
# diagonal; the expected calibration error (ECE) is the gap averaged over
# images. Both networks are right on about 97% of the images, almost all of
# them in the top bin, so the lower bins hold a handful of images each and an
# ECE difference of a hundredth is within noise.

n_bins = 10
fig, axes = plt.subplots(1, len(probas), figsize=(11, 5.2), layout="constrained")
edges = np.linspace(0.0, 1.0, n_bins + 1)
for ax, (name, proba) in zip(axes, probas.items(), strict=True):
    plot_reliability_diagram(y_test, proba, n_bins=n_bins, classes=classes, ax=ax)
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
plt.show()

# %%
# Accuracy, log-loss and calibration error
# ----------------------------------------
# The share of held-out images classified correctly, the log-loss (the
# proper score that judges sharpness and calibration together; lower is
# better) and the ECE of both networks. skprob's probabilities are those of a
# categorical distribution: every row sums to one, up to rounding.

skprob_accuracy = accuracy_score(y_test, skprob_model.predict(X_test))
skprob_log_loss = log_loss(y_test, skprob_proba, labels=classes)
skprob_ece = expected_calibration_error(y_test, skprob_proba, n_bins=10, classes=classes)
sklearn_proba = probas["sklearn MLPClassifier"]
sklearn_accuracy = accuracy_score(y_test, sklearn_model.predict(X_test))
sklearn_log_loss = log_loss(y_test, sklearn_proba, labels=classes)
sklearn_ece = expected_calibration_error(y_test, sklearn_proba, n_bins=10, classes=classes)
skprob_rows_sum_to_one = float(np.abs(skprob_proba.sum(axis=1) - 1).max())
print(f"{'model':<34}{'accuracy':>9}{'log-loss':>10}{'ECE':>8}")
print(f"{'skprob CategoricalMLPClassifier':<34}{skprob_accuracy:>9.1%}{skprob_log_loss:>10.4f}"
      f"{skprob_ece:>8.4f}")
print(f"{'sklearn MLPClassifier':<34}{sklearn_accuracy:>9.1%}{sklearn_log_loss:>10.4f}"
      f"{sklearn_ece:>8.4f}")
print(f"skprob: largest distance of a row's probabilities' sum from one "
      f"{skprob_rows_sum_to_one:.1e}")
