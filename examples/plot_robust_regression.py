"""
Outliers: Laplace and Student's t vs the normal
===============================================

A normal likelihood punishes a residual by its square, so a few far-away
targets pull the fitted mean towards them and inflate the predicted spread for
everybody. The Laplace likelihood (absolute residuals; its location is the
conditional median) and Student's t (whose tail weight is learned) give
outliers less pull. We fit :class:`~skprob.HeteroscedasticRegressor`,
:class:`~skprob.LaplaceMLPRegressor` and :class:`~skprob.StudentTMLPRegressor`
on data where one target in ten is shifted far upwards, and compare their
held-out negative log-likelihood (NLL) on data contaminated the same way.
"""

# %%
# A smooth curve plus one-sided outliers
# --------------------------------------
# 90% of the targets are a sine plus small normal noise; 10% are shifted up by
# 3 to 8 units. The outliers are part of the data-generating process, so the
# held-out half has them too.

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import train_test_split

from skprob import HeteroscedasticRegressor, LaplaceMLPRegressor, StudentTMLPRegressor

SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)


def curve(x):
    return np.sin(2.0 * x)


def make_data(n_samples, outlier_share=0.1, random_state=SEED):
    rng = np.random.default_rng(random_state)
    x = rng.uniform(-2.0, 2.0, n_samples)
    y = curve(x) + 0.2 * rng.standard_normal(n_samples)
    outlier = rng.uniform(size=n_samples) < outlier_share
    y[outlier] += rng.uniform(3.0, 8.0, outlier.sum())
    return x[:, None], y


# %%
# Three likelihoods, one network
# ------------------------------
# Each model predicts a location and a scale per row (the t also learns one
# degrees-of-freedom parameter). Their ``predict`` is the most probable value
# (the mode), which for all three is the location.


def fit_models(X_train, y_train, max_iter):
    models = {
        "normal (HeteroscedasticRegressor)": HeteroscedasticRegressor,
        "Laplace (LaplaceMLPRegressor)": LaplaceMLPRegressor,
        "Student's t (StudentTMLPRegressor)": StudentTMLPRegressor,
    }
    return {
        name: cls(max_iter=max_iter, random_state=SEED).fit(X_train, y_train)
        for name, cls in models.items()
    }


# %%
# Fitted curves
# -------------
# The points at the top are the outliers. The normal's most probable value is
# dragged up towards them and its 50% band is wide; the robust locations stay
# on the curve that the bulk of the data follows.


def plot_fits(models, X_test, y_test):
    fig, ax = plt.subplots(figsize=(8, 5.6), layout="constrained")
    grid = np.linspace(-2.0, 2.0, 300)[:, None]
    ax.scatter(X_test[:, 0], y_test, s=6, color="0.6", alpha=0.6, label="held-out data")
    ax.plot(grid[:, 0], curve(grid[:, 0]), "k--", linewidth=1.5, label="curve without outliers")
    for colour, (name, model) in zip(["C3", "C0", "C2"], models.items(), strict=True):
        dist = model.predict_dist(grid)
        lower, upper = dist.interval(0.5)
        ax.plot(grid[:, 0], model.predict(grid), color=colour, linewidth=2,
                label=f"{name}: NLL {model.nll(X_test, y_test):.3f}")
        ax.fill_between(grid[:, 0], lower, upper, color=colour, alpha=0.15, linewidth=0)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("Most probable value and 50% interval; held-out NLL in the legend")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize="small")
    return fig


def main(fast=False, output_dir=None):
    """Fit the three models, plot them and return their held-out NLLs."""
    X, y = make_data(1000 if fast else 2000)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=SEED)
    models = fit_models(X_train, y_train, max_iter=150 if fast else 300)
    fig = plot_fits(models, X_test, y_test)
    if output_dir is not None:
        fig.savefig(f"{output_dir}/robust_regression.png", dpi=100)
    grid = np.linspace(-2.0, 2.0, 200)[:, None]
    results = {}
    for key, model in zip(["normal", "laplace", "student_t"], models.values(), strict=True):
        results[f"{key}_nll"] = model.nll(X_test, y_test)
        # Distance of the most probable value from the outlier-free curve.
        results[f"{key}_curve_error"] = float(
            np.mean(np.abs(model.predict(grid) - curve(grid[:, 0])))
        )
    results["student_t_df"] = float(models["Student's t (StudentTMLPRegressor)"]
                                    .predict_dist(grid[:1]).params["df"][0])
    print(f"{'model':<36}{'held-out NLL':>13}{'|mode - curve|':>16}")
    for name, key in zip(models, ["normal", "laplace", "student_t"], strict=True):
        print(f"{name:<36}{results[f'{key}_nll']:>13.3f}{results[f'{key}_curve_error']:>16.3f}")
    print(f"degrees of freedom learned by the t: {results['student_t_df']:.2f}")
    return results


if __name__ == "__main__":
    main()
    if matplotlib.get_backend().lower() != "agg":
        plt.show()
