"""
Deep ensembles: what one network does not know
==============================================

A single network's predicted distribution describes the noise in the data
(aleatoric uncertainty), but not its own ignorance where there were no
training data (epistemic uncertainty): beyond the data it extrapolates its
mean and its standard deviation with full confidence. A deep ensemble fits
several copies of the same network from different random seeds and predicts
the equal-weight mixture of their distributions; where the copies disagree the
mixture widens. We fit a :class:`~skprob.ensemble.DeepEnsembleRegressor` of
:class:`~skprob.HeteroscedasticRegressor` networks and compare it with its own
members, each of them a single network, on held-out data like the training
data and on inputs beyond the training range.
"""

# %%
# Data, and inputs beyond it
# --------------------------
# Training inputs cover [-3, 3]; the noise grows with ``|x|``. One held-out set
# is drawn the same way, a second one from [-4.5, -3] and [3, 4.5], where no
# network saw any data.

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy import stats

from skprob import HeteroscedasticRegressor
from skprob.ensemble import DeepEnsembleRegressor

SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)


def true_mean(x):
    return np.sin(1.5 * x) + 0.1 * x**2


def true_sd(x):
    return 0.1 + 0.1 * np.abs(x)


def sample(x, rng):
    return x[:, None], true_mean(x) + true_sd(x) * rng.standard_normal(len(x))


def make_data(n_samples, random_state=SEED):
    rng = np.random.default_rng(random_state)
    train = sample(rng.uniform(-3.0, 3.0, n_samples), rng)
    test = sample(rng.uniform(-3.0, 3.0, n_samples), rng)
    beyond = sample(rng.choice([-1.0, 1.0], n_samples) * rng.uniform(3.0, 4.5, n_samples), rng)
    return train, test, beyond


# %%
# The ensemble
# ------------
# Its members are clones of the template that differ only by their seed
# (initial weights, validation split, batch order); ``estimators_`` holds them,
# and each is an ordinary fitted ``HeteroscedasticRegressor``.


def fit_ensemble(X_train, y_train, n_estimators, max_iter):
    return DeepEnsembleRegressor(
        HeteroscedasticRegressor(max_iter=max_iter), n_estimators=n_estimators,
        random_state=SEED,
    ).fit(X_train, y_train)


# %%
# Bands inside and beyond the data
# --------------------------------
# Left: one member on its own; right: the ensemble, with the mean of every
# member as a thin line. Shaded: the central 90% interval; dashed: the true
# one. Inside the training range the members agree and so do the bands.
# Beyond it every member extrapolates almost linearly, with a narrow band; the
# members differ in slope and width, and the mixture is wider where they do,
# which lowers its NLL there. It is no substitute for data: neither band
# follows the true curve far from the training range.


def plot_bands(ensemble, train, beyond):
    X_train, y_train = train
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), sharey=True, layout="constrained")
    grid = np.linspace(-4.5, 4.5, 400)
    true_lower, true_upper = stats.norm.interval(0.9, true_mean(grid), true_sd(grid))
    panels = {"one member (a single network)": ensemble.estimators_[0],
              f"deep ensemble of {len(ensemble.estimators_)}": ensemble}
    for ax, colour, (name, model) in zip(axes, ["C1", "C0"], panels.items(), strict=True):
        dist = model.predict_dist(grid[:, None])
        lower, upper = dist.interval(0.9)
        for edge in (-3.0, 3.0):
            ax.axvline(edge, color="0.7", linewidth=1)
        ax.scatter(X_train[:, 0], y_train, s=4, color="0.5", alpha=0.4, label="training data")
        ax.fill_between(grid, lower, upper, color=colour, alpha=0.3, linewidth=0,
                        label="predicted 90% interval")
        ax.plot(grid, dist.mean(), color=colour, linewidth=2, label="predicted mean")
        ax.plot(grid, true_lower, "k--", linewidth=1, label="true 90% interval")
        ax.plot(grid, true_upper, "k--", linewidth=1)
        ax.set_ylim(-3.5, 5.0)
        ax.set_xlabel("x (grey lines: edges of the training data)")
        ax.set_title(f"{name}\nheld-out NLL beyond the data: "
                     f"{model.nll(*beyond):.2f} nats")
        ax.legend(loc="upper center", fontsize="small", ncol=2)
    for member in ensemble.estimators_:
        axes[1].plot(grid, member.predict_dist(grid[:, None]).mean(), color="C0",
                     linewidth=0.7, alpha=0.8)
    axes[0].set_ylabel("y")
    return fig


def main(fast=False, output_dir=None):
    """Fit the ensemble, plot it next to one member and return NLLs in and beyond the data."""
    train, test, beyond = make_data(400 if fast else 800)
    ensemble = fit_ensemble(*train, n_estimators=3 if fast else 5,
                            max_iter=150 if fast else 300)
    fig = plot_bands(ensemble, train, beyond)
    if output_dir is not None:
        fig.savefig(f"{output_dir}/deep_ensemble.png", dpi=100)
    members = ensemble.estimators_
    results = {
        "ensemble_nll": ensemble.nll(*test),
        "member_nlls": np.array([member.nll(*test) for member in members]),
        "ensemble_beyond_nll": ensemble.nll(*beyond),
        "member_beyond_nlls": np.array([member.nll(*beyond) for member in members]),
        "n_members": len(members),
    }
    print(f"{'':<24}{'NLL, like training':>20}{'NLL, beyond the data':>23}")
    for i in range(len(members)):
        print(f"{f'member {i} (one network)':<24}{results['member_nlls'][i]:>20.3f}"
              f"{results['member_beyond_nlls'][i]:>23.3f}")
    print(f"{'mean of the members':<24}{results['member_nlls'].mean():>20.3f}"
          f"{results['member_beyond_nlls'].mean():>23.3f}")
    print(f"{'deep ensemble':<24}{results['ensemble_nll']:>20.3f}"
          f"{results['ensemble_beyond_nll']:>23.3f}")
    return results


if __name__ == "__main__":
    main()
    if matplotlib.get_backend().lower() != "agg":
        plt.show()
