"""
Two targets at once: a multivariate normal with input-dependent covariance
==========================================================================

When a row has several targets whose errors are correlated, modelling each one
separately throws that information away. :class:`~skprob.MultivariateGaussianMLPRegressor`
predicts a mean vector and a full covariance matrix (through its Cholesky
factor) for each row, so variances *and* correlations can depend on ``x``. We
draw its 90% covariance ellipses at a few inputs and compare its held-out
negative log-likelihood (NLL) with that of independent normals
(:class:`~skprob.HeteroscedasticRegressor` with a two-column target).
"""

# %%
# Correlation that turns with x
# -----------------------------
# The mean moves along a parabola; the correlation of the two targets goes
# from -0.8 at ``x = -1`` to +0.8 at ``x = 1``, and the spread of the second
# target grows with ``x``.

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy import stats
from sklearn.model_selection import train_test_split

from skprob import HeteroscedasticRegressor, MultivariateGaussianMLPRegressor

SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)


def true_mean(x):
    return np.column_stack([x, x**2])


def true_covariance(x):
    sd1 = np.full_like(x, 0.15)
    sd2 = 0.1 + 0.1 * (x + 1.0)
    rho = 0.8 * x
    cov = np.empty((len(x), 2, 2))
    cov[:, 0, 0], cov[:, 1, 1] = sd1**2, sd2**2
    cov[:, 0, 1] = cov[:, 1, 0] = rho * sd1 * sd2
    return cov


def make_data(n_samples, random_state=SEED):
    rng = np.random.default_rng(random_state)
    x = rng.uniform(-1.0, 1.0, n_samples)
    chol = np.linalg.cholesky(true_covariance(x))
    noise = np.einsum("nij,nj->ni", chol, rng.standard_normal((n_samples, 2)))
    return x[:, None], true_mean(x) + noise


# %%
# Joint vs independent
# --------------------
# Both models predict two means and two standard deviations per row; only the
# multivariate one also predicts the correlation.


def fit_models(X_train, y_train, max_iter):
    return {
        "independent normals": HeteroscedasticRegressor(
            max_iter=max_iter, random_state=SEED
        ).fit(X_train, y_train),
        "multivariate normal": MultivariateGaussianMLPRegressor(
            max_iter=max_iter, random_state=SEED
        ).fit(X_train, y_train),
    }


# %%
# Covariance ellipses
# -------------------
# Each ellipse holds 90% of the probability of the predicted (solid) or true
# (dashed) distribution at one value of ``x``; the points are the held-out
# rows, coloured by their ``x``. The predicted ellipses tilt one way on the
# left and the other way on the right, as the data do.


def ellipse(mean, cov, level=0.9, n_points=100):
    radius = np.sqrt(stats.chi2.ppf(level, df=2))
    angle = np.linspace(0, 2 * np.pi, n_points)
    circle = radius * np.column_stack([np.cos(angle), np.sin(angle)])
    return mean + circle @ np.linalg.cholesky(cov).T


def plot_ellipses(model, X_test, y_test, x_values):
    dist = model.predict_dist(np.array(x_values)[:, None])
    means, covs = dist.mean(), dist.covariance()
    true_means, true_covs = true_mean(np.array(x_values)), true_covariance(np.array(x_values))
    fig, ax = plt.subplots(figsize=(7.5, 5.6), layout="constrained")
    points = ax.scatter(y_test[:, 0], y_test[:, 1], c=X_test[:, 0], cmap="coolwarm", s=5,
                        alpha=0.35)
    fig.colorbar(points, ax=ax, label="x of the held-out row")
    colours = plt.get_cmap("coolwarm")((np.array(x_values) + 1) / 2)
    for i, x_value in enumerate(x_values):
        outline = ellipse(means[i], covs[i])
        rho = covs[i, 0, 1] / np.sqrt(covs[i, 0, 0] * covs[i, 1, 1])
        ax.plot(*outline.T, color=colours[i], linewidth=2.5,
                label=f"x = {x_value:+.1f}: predicted correlation {rho:+.2f}")
        ax.plot(*ellipse(true_means[i], true_covs[i]).T, color="black", linestyle="--",
                linewidth=1)
    ax.plot([], [], color="black", linestyle="--", linewidth=1, label="true 90% ellipses")
    ax.set_xlabel("first target y[0]")
    ax.set_ylabel("second target y[1]")
    ax.set_title("MultivariateGaussianMLPRegressor: predicted 90% ellipses")
    ax.legend(loc="upper center", fontsize="small")
    return fig


def main(fast=False, output_dir=None):
    """Fit both models, draw the ellipses and return NLLs and correlations."""
    X, y = make_data(1500 if fast else 3000)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=SEED)
    models = fit_models(X_train, y_train, max_iter=150 if fast else 300)
    x_values = (-0.8, -0.3, 0.3, 0.8)
    fig = plot_ellipses(models["multivariate normal"], X_test, y_test, x_values)
    if output_dir is not None:
        fig.savefig(f"{output_dir}/multivariate.png", dpi=100)
    results = {f"{name.split()[0]}_nll": model.nll(X_test, y_test)
               for name, model in models.items()}
    cov = models["multivariate normal"].predict_dist(np.array(x_values)[:, None]).covariance()
    true_cov = true_covariance(np.array(x_values))
    results["correlation_predicted"] = cov[:, 0, 1] / np.sqrt(cov[:, 0, 0] * cov[:, 1, 1])
    results["correlation_true"] = true_cov[:, 0, 1] / np.sqrt(
        true_cov[:, 0, 0] * true_cov[:, 1, 1]
    )
    for name, model in models.items():
        print(f"{name:<20} held-out NLL {model.nll(X_test, y_test):7.3f} nats per row (2 targets)")
    rows = [("x", x_values), ("predicted correlation", results["correlation_predicted"]),
            ("true correlation", results["correlation_true"])]
    for label, values in rows:
        print(f"{label + ':':<23}", "  ".join(f"{v:+.2f}" for v in values))
    return results


if __name__ == "__main__":
    main()
    if matplotlib.get_backend().lower() != "agg":
        plt.show()
