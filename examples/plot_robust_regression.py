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

import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import train_test_split

from skprob import HeteroscedasticRegressor, LaplaceMLPRegressor, StudentTMLPRegressor

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
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


X, y = make_data(1000 if FAST else 2000)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=SEED)

# %%
# Three likelihoods, one network
# ------------------------------
# Each model predicts a location and a scale per row (the t also learns one
# degrees-of-freedom parameter). Their ``predict`` is the most probable value
# (the mode), which for all three is the location.

max_iter = 150 if FAST else 300
normal = HeteroscedasticRegressor(max_iter=max_iter, random_state=SEED).fit(X_train, y_train)
laplace = LaplaceMLPRegressor(max_iter=max_iter, random_state=SEED).fit(X_train, y_train)
student_t = StudentTMLPRegressor(max_iter=max_iter, random_state=SEED).fit(X_train, y_train)
models = {
    "normal (HeteroscedasticRegressor)": normal,
    "Laplace (LaplaceMLPRegressor)": laplace,
    "Student's t (StudentTMLPRegressor)": student_t,
}

# %%
# Fitted curves
# -------------
# Each model's most probable value and 50% interval over the held-out data,
# with its held-out NLL in the legend. The points at the top are the outliers.
# The normal's most probable value is dragged up towards them and its 50% band
# is wide; the robust locations stay on the curve that the bulk of the data
# follows.

fig, ax = plt.subplots(figsize=(8, 5.6), layout="constrained")
grid = np.linspace(-2.0, 2.0, 300)[:, None]
ax.scatter(X_test[:, 0], y_test, s=6, color="0.6", alpha=0.6, label="held-out data")
ax.plot(grid[:, 0], curve(grid[:, 0]), "k--", linewidth=1.5, label="curve without outliers")
for colour, (name, model) in zip(["C3", "C0", "C2"], models.items(), strict=True):
    lower, upper = model.predict_dist(grid).interval(0.5)
    ax.plot(grid[:, 0], model.predict(grid), color=colour, linewidth=2,
            label=f"{name}: NLL {model.nll(X_test, y_test):.3f}")
    ax.fill_between(grid[:, 0], lower, upper, color=colour, alpha=0.15, linewidth=0)
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("Most probable value and 50% interval; held-out NLL in the legend")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize="small")
plt.show()

# %%
# Held-out NLL, distance from the curve and tail weight
# -----------------------------------------------------
# For each model, the held-out NLL and the mean distance of its most probable
# value from the outlier-free curve, on a grid of ``x``. Both robust
# likelihoods have a clearly lower NLL than the normal, and their most probable
# values lie much closer to the curve. The t's learned degrees of freedom are
# small: it has found that the tails are heavy.

curve_grid = np.linspace(-2.0, 2.0, 200)[:, None]
true_curve = curve(curve_grid[:, 0])
normal_nll = normal.nll(X_test, y_test)
laplace_nll = laplace.nll(X_test, y_test)
student_t_nll = student_t.nll(X_test, y_test)
normal_curve_error = float(np.mean(np.abs(normal.predict(curve_grid) - true_curve)))
laplace_curve_error = float(np.mean(np.abs(laplace.predict(curve_grid) - true_curve)))
student_t_curve_error = float(np.mean(np.abs(student_t.predict(curve_grid) - true_curve)))
student_t_df = float(student_t.predict_dist(curve_grid[:1]).params["df"][0])
print(f"{'model':<36}{'held-out NLL':>13}{'|mode - curve|':>16}")
for name, nll, curve_error in zip(
    models,
    [normal_nll, laplace_nll, student_t_nll],
    [normal_curve_error, laplace_curve_error, student_t_curve_error],
    strict=True,
):
    print(f"{name:<36}{nll:>13.3f}{curve_error:>16.3f}")
print(f"degrees of freedom learned by the t: {student_t_df:.2f}")
