"""
From a DataFrame to per-row intervals: a pandas workflow
========================================================

Real tables mix numeric and categorical columns and carry an index that
identifies each row. This example preprocesses such a table with a
:class:`~sklearn.compose.ColumnTransformer` that outputs pandas, fits a
:class:`~skprob.HeteroscedasticRegressor` at the end of a
:class:`~sklearn.pipeline.Pipeline`, and turns the predicted distributions of
held-out rows into a DataFrame of 80% intervals joined back to the original
rows by their index.
"""

# %%
# A table of houses
# -----------------
# Synthetic data so that the example runs anywhere: floor area and age are
# numeric, district and heating are categorical. Prices are noisier in some
# districts than in others, which a per-row standard deviation can learn. The
# index holds house identifiers rather than 0, 1, 2, ...

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skprob import HeteroscedasticRegressor
from skprob.metrics import interval_coverage

SEED = 0
# Networks this small train faster on one thread, more so when the cores are shared.
torch.set_num_threads(1)
DISTRICTS = {"centre": (60.0, 40.0), "harbour": (20.0, 25.0), "hills": (35.0, 10.0),
             "suburb": (0.0, 5.0)}  # price premium and noise sd, in thousands


def make_houses(n_samples, random_state=SEED):
    rng = np.random.default_rng(random_state)
    district = rng.choice(list(DISTRICTS), n_samples)
    heating = rng.choice(["gas", "heat pump", "oil"], n_samples, p=[0.5, 0.3, 0.2])
    area = rng.gamma(9.0, 12.0, n_samples).round()
    age = rng.uniform(0, 80, n_samples).round()
    premium = np.array([DISTRICTS[d][0] for d in district])
    noise_sd = np.array([DISTRICTS[d][1] for d in district])
    price = (
        80.0 + 2.2 * area - 0.6 * age + premium + 15.0 * (heating == "heat pump")
        + noise_sd * rng.standard_normal(n_samples)
    )
    index = pd.Index([f"house-{i:04d}" for i in range(n_samples)], name="house_id")
    X = pd.DataFrame(
        {"area_m2": area, "age_years": age, "district": district, "heating": heating},
        index=index,
    )
    return X, pd.Series(price.round(1), index=index, name="price_k")


# %%
# Preprocessing that keeps pandas
# -------------------------------
# ``set_output(transform="pandas")`` makes the transformer return a DataFrame
# with the original index and readable column names. skprob standardises its
# inputs itself, so the scaler is only there to show a realistic pipeline.


def make_pipeline(max_iter):
    preprocess = ColumnTransformer(
        [
            ("numeric", StandardScaler(), ["area_m2", "age_years"]),
            ("categorical", OneHotEncoder(sparse_output=False), ["district", "heating"]),
        ],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    model = HeteroscedasticRegressor(max_iter=max_iter, random_state=SEED)
    return Pipeline([("preprocess", preprocess), ("model", model)])


# %%
# Distributions as a DataFrame
# ----------------------------
# A ``Pipeline`` forwards ``predict`` and ``score`` but not ``predict_dist``,
# so we transform the held-out rows with every step but the last and ask the
# last step for the distributions. ``to_frame()`` returns their parameters
# indexed like its input, which is the original index, so ``join`` lines the
# predictions up with the original rows without any bookkeeping.


def predict_frame(pipe, X_test, confidence=0.8):
    X_transformed = pipe[:-1].transform(X_test)
    dist = pipe[-1].predict_dist(X_transformed)
    lower, upper = dist.interval(confidence)
    percent = round(100 * confidence)
    params = dist.to_frame().assign(
        **{f"lower_{percent}": lower, f"upper_{percent}": upper}
    )
    return X_test.join(params), dist


# %%
# Predicted against observed
# --------------------------
# Each point is a held-out house (150 of them, to keep the plot legible), each
# bar its 80% interval. The noisy districts get wide bars, the quiet ones narrow
# bars.


def plot_intervals(frame, y_test, n_shown=150):
    frame, y_test = frame.iloc[:n_shown], y_test.iloc[:n_shown]
    fig, ax = plt.subplots(figsize=(6.4, 5.2), layout="constrained")
    for i, district in enumerate(DISTRICTS):
        rows = frame["district"] == district
        sub = frame[rows]
        ax.errorbar(
            sub["loc"], y_test[rows],
            xerr=[sub["loc"] - sub["lower_80"], sub["upper_80"] - sub["loc"]],
            fmt="o", markersize=3, elinewidth=0.8, alpha=0.6, color=f"C{i}",
            label=f"{district} (median width {(sub['upper_80'] - sub['lower_80']).median():.0f})",
        )
    limits = [min(frame["lower_80"].min(), y_test.min()),
              max(frame["upper_80"].max(), y_test.max())]
    ax.plot(limits, limits, "k--", linewidth=1, label="observed = predicted")
    ax.set_xlabel("predicted mean price [thousands], bar: 80% interval")
    ax.set_ylabel("observed price [thousands]")
    ax.set_title("Held-out houses: predicted mean and 80% interval")
    ax.legend(title="district (interval width)", fontsize="small", loc="upper left")
    return fig


def main(fast=False, output_dir=None):
    """Fit the pipeline, build the frame of intervals, plot it and return the metrics."""
    X, y = make_houses(800 if fast else 2000)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=SEED)
    pipe = make_pipeline(max_iter=100 if fast else 300).fit(X_train, y_train)
    frame, dist = predict_frame(pipe, X_test)
    frame["observed"] = y_test
    with pd.option_context("display.width", 120, "display.max_columns", None,
                           "display.precision", 1):
        print(frame.head())
    fig = plot_intervals(frame, y_test)
    if output_dir is not None:
        fig.savefig(f"{output_dir}/pandas_workflow.png", dpi=100)

    width = frame["upper_80"] - frame["lower_80"]
    results = {
        "nll": -pipe.score(X_test, y_test),
        "coverage_80": interval_coverage(y_test, dist, 0.8),
        "median_width_suburb": float(width[frame["district"] == "suburb"].median()),
        "median_width_centre": float(width[frame["district"] == "centre"].median()),
        "frame": frame,
        "test_index": X_test.index,
    }
    print(f"\nheld-out NLL {results['nll']:.3f} nats/house, "
          f"80% interval coverage {results['coverage_80']:.1%}")
    return results


if __name__ == "__main__":
    main()
    if matplotlib.get_backend().lower() != "agg":
        plt.show()
