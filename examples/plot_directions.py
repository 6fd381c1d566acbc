"""
Directions: a von Mises distribution on the circle
==================================================

Wind directions, headings and times of day are angles: -179 degrees and +179
degrees are neighbours, not opposites. A normal distribution on the raw angle
does not know that, and treats the targets on either side of the cut at +-pi
as far apart. :class:`~skprob.VonMisesMLPRegressor` predicts a von Mises
distribution (a mean direction and a concentration) for each row, whose
density wraps around the circle. We fit it and a normal with input-dependent
noise (:class:`~skprob.HeteroscedasticRegressor`) on directions that cross the
cut, and compare their held-out negative log-likelihood (NLL).
"""

# %%
# Directions that turn with x
# ---------------------------
# The mean direction makes 1.3 full turns as ``x`` goes from -1 to 1, so it
# crosses the cut at +-pi near both ends; the concentration grows with ``x``
# (directions get more predictable). Angles are in radians in (-pi, pi].
# Of 3000 rows, half are held out.

import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import train_test_split

from skprob import HeteroscedasticRegressor, VonMisesMLPRegressor
from skprob.families.von_mises import wrap_angle

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)


def true_direction(x):
    return wrap_angle(1.3 * np.pi * x)


def true_kappa(x):
    return 2.0 + 6.0 * (x + 1.0)


def make_data(n_samples, random_state=SEED):
    rng = np.random.default_rng(random_state)
    x = rng.uniform(-1.0, 1.0, n_samples)
    return x[:, None], wrap_angle(rng.vonmises(true_direction(x), true_kappa(x)))


X, y = make_data(1500 if FAST else 3000)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=SEED)

# %%
# Two models
# ----------
# The von Mises family predicts the mean direction as the angle of a 2-D
# vector (``atan2``), which has no cut, and the concentration through a
# softplus. The normal sees the raw angles as numbers on a line.

max_iter = 150 if FAST else 300
normal = HeteroscedasticRegressor(max_iter=max_iter, random_state=SEED).fit(X_train, y_train)
von_mises = VonMisesMLPRegressor(max_iter=max_iter, random_state=SEED).fit(X_train, y_train)
models = {"normal (HeteroscedasticRegressor)": normal,
          "von Mises (VonMisesMLPRegressor)": von_mises}

# %%
# A polar plot
# ------------
# The angle is the direction; the distance from the centre is ``x + 2``, so
# each ring is one input value. The von Mises band (its 90% interval) follows
# the data across the cut on the left of the circle; the normal has to reach
# across the whole circle to cover the targets on both sides of the cut. Each
# panel's title gives the model's held-out NLL.


def polar_band(ax, dist, radius, colour, label):
    # Unwrap the mean direction along the curve so that the band does not jump
    # by a full turn where it crosses the cut.
    centre = np.unwrap(dist.mean())
    shift = centre - dist.mean()
    lower, upper = (bound + shift for bound in dist.interval(0.9))
    # A polygon's edges are straight on screen: trace the two ends of the band as
    # arcs, point by point, rather than as one chord across the circle.
    outer = np.linspace(lower[-1], upper[-1], 60)
    inner = np.linspace(upper[0], lower[0], 60)
    theta = np.concatenate([lower, outer, upper[::-1], inner])
    r = np.concatenate([radius, np.full(60, radius[-1]), radius[::-1], np.full(60, radius[0])])
    ax.fill(theta, r, color=colour, alpha=0.25, linewidth=0, label=f"{label}: 90% interval")
    ax.plot(centre, radius, color=colour, linewidth=2, label=f"{label}: mean direction")


fig, axes = plt.subplots(1, 2, figsize=(11, 5.6), subplot_kw={"projection": "polar"},
                         layout="constrained")
grid = np.linspace(-1.0, 1.0, 300)[:, None]
for ax, colour, (name, model) in zip(axes, ["C3", "C0"], models.items(), strict=True):
    ax.scatter(y_test, X_test[:, 0] + 2.0, s=4, color="0.5", alpha=0.5, label="held-out data")
    polar_band(ax, model.predict_dist(grid), grid[:, 0] + 2.0, colour, name.split(" (")[0])
    ax.plot(np.full(2, np.pi), [0, 3.2], color="black", linestyle=":", linewidth=1,
            label="the cut at +-pi")
    ax.set_rticks([1, 2, 3], ["x = -1", "x = 0", "x = 1"], fontsize="small")
    ax.set_rlim(0, 3.2)
    ax.set_title(f"{name}\nheld-out NLL = {model.nll(X_test, y_test):.3f} nats")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.32), ncol=2, fontsize="small")
plt.show()

# %%
# Numbers
# -------
# The held-out NLL of both models (lower is better), and for the von Mises
# model the share of held-out angles inside their 90% interval, measured
# around the circle, and the mean angle between its predicted mean direction
# and the true one. The von Mises model has the clearly lower NLL, its
# intervals hold about 90% of the angles, and its mean direction stays close
# to the true one.


def circular_coverage(y, dist, confidence):
    """Share of angles inside their central interval, measured around the circle."""
    lower, upper = dist.interval(confidence)
    centre = dist.mean()
    offset = wrap_angle(y - centre)
    return float(np.mean((offset >= lower - centre) & (offset <= upper - centre)))


dist = von_mises.predict_dist(X_test)
normal_nll = normal.nll(X_test, y_test)
von_mises_nll = von_mises.nll(X_test, y_test)
von_mises_coverage_90 = circular_coverage(y_test, dist, 0.9)
# Mean angular distance between predicted and true mean direction.
von_mises_direction_error = float(np.mean(np.abs(
    wrap_angle(dist.mean() - true_direction(X_test[:, 0]))
)))
print(f"normal     held-out NLL {normal_nll:7.3f}")
print(f"von Mises  held-out NLL {von_mises_nll:7.3f}, 90% interval coverage "
      f"{von_mises_coverage_90:.1%}, mean direction error "
      f"{np.rad2deg(von_mises_direction_error):.1f} degrees")
