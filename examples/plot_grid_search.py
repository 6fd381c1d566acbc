"""
Choosing the network size by held-out likelihood
================================================

Every skprob estimator's ``score`` is the mean log-likelihood of the targets
under the predicted distributions, so scikit-learn's
:class:`~sklearn.model_selection.GridSearchCV` ranks models by held-out
negative log-likelihood without a custom scorer. Here it searches the depth and
width of a :class:`~skprob.HeteroscedasticRegressor` on scikit-learn's
diabetes data, and the cross-validated scores are drawn as an annotated
heat-map.
"""

# %%
# The search
# ----------
# Three depths times three widths, three-fold cross-validation on three
# quarters of the patients (the last quarter is kept for the end). Each cell
# of the grid is refitted on the training folds and scored on the held-out
# fold; ``cv_results_`` keeps every number.

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_diabetes
from sklearn.model_selection import GridSearchCV, KFold, train_test_split

from skprob import HeteroscedasticRegressor

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)

depths, widths = ([1, 2], [16, 64]) if FAST else ([1, 2, 3], [16, 64, 256])
X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=SEED)
search = GridSearchCV(
    HeteroscedasticRegressor(max_iter=60 if FAST else 200, random_state=SEED),
    {"depth": depths, "width": widths},
    cv=KFold(3, shuffle=True, random_state=SEED),
).fit(X_train, y_train)

# %%
# ``cv_results_`` as a DataFrame
# ------------------------------
# One row per combination of hyper-parameters, best first. ``mean_test_score``
# is the mean held-out log-likelihood per patient (higher is better), so
# ``-mean_test_score`` is the held-out NLL; ``std_test_score`` is its spread
# over the three folds.

columns = ["param_depth", "param_width", "mean_test_score", "std_test_score",
           "rank_test_score", "mean_fit_time"]
frame = pd.DataFrame(search.cv_results_)[columns]
frame = frame.rename(columns=lambda name: name.removeprefix("param_"))
with pd.option_context("display.width", 120, "display.precision", 3):
    print(frame.sort_values("rank_test_score").to_string(index=False))

# %%
# The heat-map
# ------------
# Rows are depths, columns widths; each cell shows the mean held-out
# log-likelihood and its standard deviation over the folds. The best cell is
# framed.

scores = frame.pivot(index="depth", columns="width", values="mean_test_score")
spread = frame.pivot(index="depth", columns="width", values="std_test_score")
scores = scores.loc[depths, widths].to_numpy(dtype=float)
spread = spread.loc[depths, widths].to_numpy(dtype=float)
n_grid = len(depths) * len(widths)
n_cells = int(np.isfinite(scores).sum())

fig, ax = plt.subplots(figsize=(6.4, 4.8), layout="constrained")
image = ax.imshow(scores, cmap="viridis", aspect="auto")
fig.colorbar(image, ax=ax, label="mean held-out log-likelihood (higher is better)")
middle = (np.nanmax(scores) + np.nanmin(scores)) / 2
for i in range(len(depths)):
    for j in range(len(widths)):
        colour = "black" if scores[i, j] > middle else "white"
        ax.text(j, i, f"{scores[i, j]:.3f}\n± {spread[i, j]:.3f}", ha="center",
                va="center", color=colour, fontsize="small")
best_i, best_j = np.unravel_index(np.nanargmax(scores), scores.shape)
ax.add_patch(plt.Rectangle((best_j - 0.5, best_i - 0.5), 1, 1, fill=False,
                           edgecolor="red", linewidth=2.5))
ax.set_xticks(range(len(widths)), [str(w) for w in widths])
ax.set_yticks(range(len(depths)), [str(d) for d in depths])
ax.set_xlabel("width (units per hidden layer)")
ax.set_ylabel("depth (hidden layers)")
ax.set_title("HeteroscedasticRegressor on diabetes: 3-fold CV log-likelihood")
plt.show()

# %%
# The best model on patients the search never saw
# -----------------------------------------------
# ``GridSearchCV`` refits the best combination on all the training patients;
# its ``nll`` on the quarter of the patients kept aside is the honest estimate
# of how well the chosen network predicts new ones.

best_depth = search.best_params_["depth"]
best_width = search.best_params_["width"]
best_cv_score = search.best_score_
test_nll = search.best_estimator_.nll(X_test, y_test)
print(f"best: depth={best_depth}, width={best_width}; "
      f"held-out NLL of the refitted best model {test_nll:.3f} nats/patient")
