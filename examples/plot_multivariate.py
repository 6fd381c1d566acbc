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
# target grows with ``x``. Half of the rows are held out.

import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy import stats
from sklearn.model_selection import train_test_split

from skprob import HeteroscedasticRegressor, MultivariateGaussianMLPRegressor

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
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


def correlation(cov):
    """Correlation of the two targets from a stack of 2 x 2 covariance matrices."""
    return cov[:, 0, 1] / np.sqrt(cov[:, 0, 0] * cov[:, 1, 1])


X, y = make_data(1500 if FAST else 3000)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=SEED)

# %%
# Joint vs independent
# --------------------
# Both models predict two means and two standard deviations per row; only the
# multivariate one also predicts the correlation.

max_iter = 150 if FAST else 300
independent = HeteroscedasticRegressor(max_iter=max_iter, random_state=SEED).fit(
    X_train, y_train
)
multivariate = MultivariateGaussianMLPRegressor(max_iter=max_iter, random_state=SEED).fit(
    X_train, y_train
)

# %%
# Held-out likelihood
# -------------------
# The negative log-likelihood (NLL) of the held-out rows, in nats per row for
# both targets together. The multivariate normal's is the lower: knowing the
# correlation makes the second target less surprising once the first is known.

independent_nll = independent.nll(X_test, y_test)
multivariate_nll = multivariate.nll(X_test, y_test)
for name, nll in [("independent normals", independent_nll),
                  ("multivariate normal", multivariate_nll)]:
    print(f"{name:<20} held-out NLL {nll:7.3f} nats per row (2 targets)")

# %%
# Predicted and true correlations
# -------------------------------
# At four values of ``x``, the correlation the multivariate model predicts and
# the true one. The predicted correlations have the right sign everywhere and
# follow the true ones from negative to positive.

x_values = (-0.8, -0.3, 0.3, 0.8)
x_dist = multivariate.predict_dist(np.array(x_values)[:, None])
means, covs = x_dist.mean(), x_dist.covariance()
correlation_predicted = correlation(covs)
correlation_true = correlation(true_covariance(np.array(x_values)))
for label, values in [("x", x_values), ("predicted correlation", correlation_predicted),
                      ("true correlation", correlation_true)]:
    print(f"{label + ':':<23}", "  ".join(f"{v:+.2f}" for v in values))

# %%
# Covariance ellipses
# -------------------
# Each ellipse holds 90% of the probability of the predicted (solid) or true
# (dashed) distribution at one of the four values of ``x``; the points are the
# held-out rows, coloured by their ``x``. The predicted ellipses tilt one way
# on the left and the other way on the right, as the data do.


def ellipse(mean, cov, level=0.9, n_points=100):
    radius = np.sqrt(stats.chi2.ppf(level, df=2))
    angle = np.linspace(0, 2 * np.pi, n_points)
    circle = radius * np.column_stack([np.cos(angle), np.sin(angle)])
    return mean + circle @ np.linalg.cholesky(cov).T


true_means, true_covs = true_mean(np.array(x_values)), true_covariance(np.array(x_values))
fig, ax = plt.subplots(figsize=(7.5, 5.6), layout="constrained")
points = ax.scatter(y_test[:, 0], y_test[:, 1], c=X_test[:, 0], cmap="coolwarm", s=5,
                    alpha=0.35)
fig.colorbar(points, ax=ax, label="x of the held-out row")
colours = plt.get_cmap("coolwarm")((np.array(x_values) + 1) / 2)
for i, x_value in enumerate(x_values):
    ax.plot(*ellipse(means[i], covs[i]).T, color=colours[i], linewidth=2.5,
            label=f"x = {x_value:+.1f}: predicted correlation {correlation_predicted[i]:+.2f}")
    ax.plot(*ellipse(true_means[i], true_covs[i]).T, color="black", linestyle="--",
            linewidth=1)
ax.plot([], [], color="black", linestyle="--", linewidth=1, label="true 90% ellipses")
ax.set_xlabel("first target y[0]")
ax.set_ylabel("second target y[1]")
ax.set_title("MultivariateGaussianMLPRegressor: predicted 90% ellipses")
ax.legend(loc="upper center", fontsize="small")
plt.show()
