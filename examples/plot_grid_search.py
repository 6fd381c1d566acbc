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
# Three depths times three widths, three-fold cross-validation. Each cell of
# the grid is refitted on the training folds and scored on the held-out fold;
# ``cv_results_`` keeps every number.

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_diabetes
from sklearn.model_selection import GridSearchCV, KFold, train_test_split

from skprob import HeteroscedasticRegressor

SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)


def run_search(X_train, y_train, depths, widths, max_iter):
    search = GridSearchCV(
        HeteroscedasticRegressor(max_iter=max_iter, random_state=SEED),
        {"depth": depths, "width": widths},
        cv=KFold(3, shuffle=True, random_state=SEED),
    )
    return search.fit(X_train, y_train)


# %%
# ``cv_results_`` as a DataFrame
# ------------------------------
# One row per combination of hyper-parameters. ``mean_test_score`` is the mean
# held-out log-likelihood per patient (higher is better), so
# ``-mean_test_score`` is the held-out NLL.


def results_frame(search):
    columns = ["param_depth", "param_width", "mean_test_score", "std_test_score",
               "rank_test_score", "mean_fit_time"]
    frame = pd.DataFrame(search.cv_results_)[columns]
    return frame.rename(columns=lambda name: name.removeprefix("param_"))


# %%
# The heat-map
# ------------
# Rows are depths, columns widths; each cell shows the mean held-out
# log-likelihood and its standard deviation over the folds. The best cell is
# framed.


def plot_heatmap(frame, depths, widths):
    scores = frame.pivot(index="depth", columns="width", values="mean_test_score")
    spread = frame.pivot(index="depth", columns="width", values="std_test_score")
    scores = scores.loc[depths, widths].to_numpy(dtype=float)
    spread = spread.loc[depths, widths].to_numpy(dtype=float)
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
    return fig, scores


def main(fast=False, output_dir=None):
    """Run the search, print the table, draw the heat-map and return the scores."""
    depths, widths = ([1, 2], [16, 64]) if fast else ([1, 2, 3], [16, 64, 256])
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=SEED)
    search = run_search(X_train, y_train, depths, widths, max_iter=60 if fast else 200)
    frame = results_frame(search)
    with pd.option_context("display.width", 120, "display.precision", 3):
        print(frame.sort_values("rank_test_score").to_string(index=False))
    fig, scores = plot_heatmap(frame, depths, widths)
    if output_dir is not None:
        fig.savefig(f"{output_dir}/grid_search.png", dpi=100)

    # The refitted best model, scored on patients the search never saw.
    results = {
        "scores": scores,
        "n_cells": int(np.isfinite(scores).sum()),
        "n_grid": len(depths) * len(widths),
        "best_depth": search.best_params_["depth"],
        "best_width": search.best_params_["width"],
        "best_cv_score": search.best_score_,
        "test_nll": search.best_estimator_.nll(X_test, y_test),
    }
    print(f"\nbest: depth={results['best_depth']}, width={results['best_width']}; "
          f"held-out NLL of the refitted best model {results['test_nll']:.3f} nats/patient")
    return results


if __name__ == "__main__":
    main()
    if matplotlib.get_backend().lower() != "agg":
        plt.show()
