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
# index holds house identifiers rather than 0, 1, 2, ..., as the first rows
# below show. 30% of the houses are held out.

import os

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

# The test suite sets SKPROB_GALLERY_FAST=1 to run this page on less data and shorter training.
FAST = os.environ.get("SKPROB_GALLERY_FAST") == "1"
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


X, y = make_houses(800 if FAST else 2000)
print(X.join(y).head())
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=SEED)

# %%
# Preprocessing that keeps pandas
# -------------------------------
# ``set_output(transform="pandas")`` makes the transformer return a DataFrame
# with the original index and readable column names. skprob standardises its
# inputs itself, so the scaler is only there to show a realistic pipeline.
# The whole pipeline is fitted on the training houses.

preprocess = ColumnTransformer(
    [
        ("numeric", StandardScaler(), ["area_m2", "age_years"]),
        ("categorical", OneHotEncoder(sparse_output=False), ["district", "heating"]),
    ],
    verbose_feature_names_out=False,
).set_output(transform="pandas")
model = HeteroscedasticRegressor(max_iter=100 if FAST else 300, random_state=SEED)
pipe = Pipeline([("preprocess", preprocess), ("model", model)]).fit(X_train, y_train)

# %%
# Distributions as a DataFrame
# ----------------------------
# A ``Pipeline`` forwards ``predict`` and ``score`` but not ``predict_dist``,
# so we transform the held-out rows with every step but the last and ask the
# last step for the distributions. ``to_frame()`` returns their parameters
# (``loc`` and ``scale``) indexed like its input, which is the original index,
# so ``join`` lines the predictions up with the original rows without any
# bookkeeping. The first rows of the result show each house's inputs, its
# predicted mean and standard deviation, its 80% interval and its observed
# price.

X_test_transformed = pipe[:-1].transform(X_test)
dist = pipe[-1].predict_dist(X_test_transformed)
lower_80, upper_80 = dist.interval(0.8)
frame = X_test.join(dist.to_frame().assign(lower_80=lower_80, upper_80=upper_80))
frame["observed"] = y_test
test_index = X_test.index
with pd.option_context("display.width", 120, "display.max_columns", None,
                       "display.precision", 1):
    print(frame.head())

# %%
# Predicted against observed
# --------------------------
# Each point is a held-out house (the first 150 of them, to keep the plot
# legible), each bar its 80% interval, with the median width of each
# district's intervals in the legend. The noisy districts get wide bars, the
# quiet ones narrow bars.

n_shown = 150
shown, shown_observed = frame.iloc[:n_shown], y_test.iloc[:n_shown]
fig, ax = plt.subplots(figsize=(6.4, 5.2), layout="constrained")
for i, district in enumerate(DISTRICTS):
    rows = shown["district"] == district
    sub = shown[rows]
    ax.errorbar(
        sub["loc"], shown_observed[rows],
        xerr=[sub["loc"] - sub["lower_80"], sub["upper_80"] - sub["loc"]],
        fmt="o", markersize=3, elinewidth=0.8, alpha=0.6, color=f"C{i}",
        label=f"{district} (median width {(sub['upper_80'] - sub['lower_80']).median():.0f})",
    )
limits = [min(shown["lower_80"].min(), shown_observed.min()),
          max(shown["upper_80"].max(), shown_observed.max())]
ax.plot(limits, limits, "k--", linewidth=1, label="observed = predicted")
ax.set_xlabel("predicted mean price [thousands], bar: 80% interval")
ax.set_ylabel("observed price [thousands]")
ax.set_title("Held-out houses: predicted mean and 80% interval")
ax.legend(title="district (interval width)", fontsize="small", loc="upper left")
plt.show()

# %%
# Held-out likelihood, coverage and interval widths
# -------------------------------------------------
# Over all held-out houses: the negative log-likelihood (NLL) that the
# pipeline's ``score`` returns with its sign flipped, and the share of observed
# prices inside their 80% interval, which should be close to 80%. Below, the
# median interval width in the noisiest district ("centre", true noise sd 40)
# and in the quietest ("suburb", sd 5): the per-row standard deviation has
# picked up the difference.

nll = -pipe.score(X_test, y_test)
coverage_80 = interval_coverage(y_test, dist, 0.8)
width = frame["upper_80"] - frame["lower_80"]
median_width_centre = float(width[frame["district"] == "centre"].median())
median_width_suburb = float(width[frame["district"] == "suburb"].median())
print(f"held-out NLL {nll:.3f} nats/house, 80% interval coverage {coverage_80:.1%}")
print(f"median width of the 80% intervals: centre {median_width_centre:.1f}, "
      f"suburb {median_width_suburb:.1f} (thousands)")
