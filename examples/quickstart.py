"""skprob quickstart: four kinds of target, four distributions, one recipe.

Run it with ``make demo`` (or ``.venv/bin/python examples/quickstart.py``). Every
estimator below chooses a distribution for its target, lets an MLP predict the
distribution's parameters for each row of ``X``, and is trained by minimising
the negative log-likelihood (NLL). So the first number reported for every model
is its NLL on rows it never saw: lower is better, and ``model.score(X, y)`` is
the same number with the sign flipped (higher is better, as sklearn expects).

Only data that ship with scikit-learn are used, plus one synthetic count data
set generated below with a known rate. Nothing is downloaded.
"""

import time
from contextlib import contextmanager

import numpy as np
import torch
from scipy import stats
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.linear_model import PoissonRegressor
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skprob import (
    BernoulliMLPClassifier,
    CategoricalMLPClassifier,
    GaussianMLPRegressor,
    HeteroscedasticRegressor,
    PoissonMLPRegressor,
)

SEED = 0


# -- printing helpers -----------------------------------------------------------------
def fmt(value, digits=4):
    """A number with ``digits`` significant digits, keeping trailing zeros."""
    text = f"{value:#.{digits}g}"
    return text[:-1] if text.endswith(".") else text


def pct(value):
    return f"{100 * value:.1f} %"


def title(text, detail):
    print(f"\n{text}\n{'-' * len(text)}\n  {detail}\n")


def table(header, rows):
    """Print rows under a header; first column left-aligned, the others right-aligned."""
    widths = [max(len(str(row[j])) for row in [header, *rows]) for j in range(len(header))]
    for row in [header, *rows]:
        cells = [str(row[0]).ljust(widths[0])]
        cells += [str(cell).rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        print("  " + "   ".join(cells))


# -- 1. real-valued target: normal distribution -----------------------------------------
def diabetes():
    """Disease progression of diabetes patients: a normal distribution per patient."""
    data = load_diabetes(as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=SEED
    )
    title(
        "1. Diabetes progression: y in R -> normal distribution",
        f"{len(X_train)} patients to train, {len(X_test)} held out",
    )
    # The best constant model: one normal distribution for everybody.
    mean, sd = y_train.mean(), y_train.std(ddof=0)
    constant_lower, constant_upper = stats.norm.interval(0.9, loc=mean, scale=sd)
    results = {
        "constant": {
            "nll": -stats.norm.logpdf(y_test, loc=mean, scale=sd).mean(),
            "rmse": np.sqrt(np.mean((y_test - mean) ** 2)),
            "coverage_90": np.mean((y_test >= constant_lower) & (y_test <= constant_upper)),
        }
    }
    models = {
        # Constant noise: sigma is one learned number (least squares plus a sigma).
        "GaussianMLPRegressor": GaussianMLPRegressor(random_state=SEED),
        # Input-dependent noise: the network predicts a mean and a sigma per patient.
        "HeteroscedasticRegressor": HeteroscedasticRegressor(random_state=SEED),
    }
    # skprob standardises the inputs itself (scale_inputs=True) and the target too.
    for name, model in models.items():
        model.fit(X_train, y_train)
        lower, upper = model.predict_dist(X_test).interval(0.9)
        results[name] = {
            "nll": -model.score(X_test, y_test),
            "rmse": np.sqrt(mean_squared_error(y_test, model.predict(X_test))),
            "coverage_90": np.mean((y_test >= lower) & (y_test <= upper)),
        }
    table(
        ["model", "NLL [nats/patient]", "RMSE [y units]", "90% coverage"],
        [
            ["constant normal (train mean, sd)"] + _regression_cells(results["constant"]),
            *([name] + _regression_cells(results[name]) for name in models),
        ],
    )

    model = models["HeteroscedasticRegressor"]
    # predict_dist returns one distribution per row; to_frame keeps the patients' index.
    dist = model.predict_dist(X_test.iloc[:3])
    frame = dist.to_frame().assign(observed=y_test.iloc[:3])
    lower, upper = dist.interval(0.9)
    frame = frame.assign(lower_90=lower, upper_90=upper)
    print("\n  HeteroscedasticRegressor.predict_dist(X).to_frame() for three held-out patients:")
    print("  " + frame.round(1).to_string().replace("\n", "\n  "))
    patient = X_test.index[0]
    print(
        f"\n  Patient {patient}: predicted progression {dist.mean()[0]:.1f} +- {dist.std()[0]:.1f}"
        f" (mean +- sd), 90% interval [{lower[0]:.1f}, {upper[0]:.1f}], "
        f"observed {y_test.iloc[0]:.1f}."
    )
    return results


def _regression_cells(metrics):
    return [fmt(metrics["nll"]), fmt(metrics["rmse"]), pct(metrics["coverage_90"])]


# -- 2. binary target: Bernoulli ---------------------------------------------------------
def breast_cancer():
    """Malignant or benign tumour: a Bernoulli distribution per tumour."""
    data = load_breast_cancer()
    # Labels may be of any type: use the names, not 0/1.
    X, y = data.data, data.target_names[data.target]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=SEED, stratify=y
    )
    title(
        "2. Breast cancer: y in {benign, malignant} -> Bernoulli distribution",
        f"{len(X_train)} tumours to train, {len(X_test)} held out",
    )
    # A pipeline works as with any sklearn classifier (skprob would also scale X itself).
    model = make_pipeline(StandardScaler(), BernoulliMLPClassifier(random_state=SEED))
    model.fit(X_train, y_train)
    proba = model.predict_proba(X_test)
    prevalence = np.mean(y_train == "malignant")
    constant = np.tile([1 - prevalence, prevalence], (len(y_test), 1))
    results = {
        "log_loss": -model.score(X_test, y_test),
        "accuracy": accuracy_score(y_test, model.predict(X_test)),
        "constant_log_loss": log_loss(y_test, constant, labels=["benign", "malignant"]),
    }
    table(
        ["model", "NLL = log-loss [nats/tumour]", "accuracy"],
        [
            ["constant (training prevalence)", fmt(results["constant_log_loss"]),
             pct(np.mean(y_test == "benign"))],
            ["BernoulliMLPClassifier", fmt(results["log_loss"]), pct(results["accuracy"])],
        ],
    )
    classes = list(model.classes_)
    # The least certain held-out tumour is a more telling example than a confident one.
    row = int(np.argmin(np.abs(proba[:, classes.index("malignant")] - 0.5)))
    p_malignant = proba[row, classes.index("malignant")]
    results["example_p_malignant"] = p_malignant
    print(
        f"\n  Least certain held-out tumour: P(malignant) = {fmt(p_malignant, 3)}, "
        f"predicted {model.predict(X_test[row : row + 1])[0]}, actually {y_test[row]}."
    )
    return results


# -- 3. one of K classes: categorical -----------------------------------------------------
def digits():
    """Handwritten digits 0-9: a categorical distribution per image, next to sklearn's MLP."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=SEED, stratify=y
    )
    title(
        "3. Handwritten digits: y in {0, ..., 9} -> categorical distribution",
        f"{len(X_train)} images to train, {len(X_test)} held out",
    )
    models = {
        "CategoricalMLPClassifier": make_pipeline(
            StandardScaler(), CategoricalMLPClassifier(random_state=SEED)
        ),
        "sklearn MLPClassifier (defaults)": make_pipeline(
            StandardScaler(), MLPClassifier(random_state=SEED)
        ),
    }
    results = {}
    for name, model in models.items():
        model.fit(X_train, y_train)
        results[name] = {
            "log_loss": log_loss(y_test, model.predict_proba(X_test), labels=model.classes_),
            "accuracy": accuracy_score(y_test, model.predict(X_test)),
        }
    table(
        ["model", "log-loss [nats/image]", "accuracy"],
        [[name, fmt(m["log_loss"]), pct(m["accuracy"])] for name, m in results.items()],
    )
    print("  (for skprob the log-loss is -score(X, y); sklearn's score is the accuracy)")
    return results


# -- 4. counts: Poisson --------------------------------------------------------------------
def counts():
    """Synthetic counts with a known rate: a Poisson distribution per row."""
    # scikit-learn ships no count data set, so we simulate one whose true rate we know:
    # log(rate) = 1 + 0.8 x0 - x1^2 + 0.5 sin(3 x2); x3 is noise the model must ignore.
    rng = np.random.default_rng(SEED)
    X = rng.uniform(-1.0, 1.0, size=(3000, 4))
    rate = np.exp(1.0 + 0.8 * X[:, 0] - X[:, 1] ** 2 + 0.5 * np.sin(3.0 * X[:, 2]))
    y = rng.poisson(rate)
    X_train, X_test, y_train, y_test, _, rate_test = train_test_split(
        X, y, rate, test_size=0.25, random_state=SEED
    )
    title(
        "4. Counts: y in {0, 1, 2, ...} -> Poisson distribution",
        f"synthetic data with a known rate; {len(X_train)} rows to train, "
        f"{len(X_test)} held out",
    )
    model = PoissonMLPRegressor(random_state=SEED).fit(X_train, y_train)
    glm = PoissonRegressor(alpha=0.0).fit(X_train, y_train)
    rates = {
        "constant rate (training mean)": np.full(len(y_test), y_train.mean()),
        "sklearn PoissonRegressor (log-linear)": glm.predict(X_test),
        "PoissonMLPRegressor": model.predict_dist(X_test).mean(),
        "true rate (the best possible)": rate_test,
    }
    nll = {name: -stats.poisson.logpmf(y_test, r).mean() for name, r in rates.items()}
    mae = {name: np.mean(np.abs(r - rate_test)) for name, r in rates.items()}
    coverage = {}
    for name, r in rates.items():
        lower, upper = stats.poisson.interval(0.9, r)
        coverage[name] = np.mean((y_test >= lower) & (y_test <= upper))
    table(
        ["model", "NLL [nats/row]", "rate error [counts]", "90% coverage"],
        [[name, fmt(nll[name]), fmt(mae[name], 3), pct(coverage[name])] for name in rates],
    )
    print("  (rate error: mean |predicted rate - true rate|; count intervals hold >= 90 %)")
    dist = model.predict_dist(X_test[:3])
    lower, upper = dist.interval(0.9)
    frame = dist.to_frame().assign(
        true_rate=rate_test[:3],
        p_zero=dist.pmf([0, 0, 0]),
        lower_90=lower.astype(int),
        upper_90=upper.astype(int),
        observed=y_test[:3],
    )
    print("\n  PoissonMLPRegressor.predict_dist(X).to_frame() for three held-out rows:")
    print("  " + frame.round(3).to_string().replace("\n", "\n  "))
    return {
        "nll": nll["PoissonMLPRegressor"],
        "true_nll": nll["true rate (the best possible)"],
        "constant_nll": nll["constant rate (training mean)"],
        "glm_nll": nll["sklearn PoissonRegressor (log-linear)"],
        "rate_mae": mae["PoissonMLPRegressor"],
        "coverage_90": coverage["PoissonMLPRegressor"],
    }


@contextmanager
def single_thread():
    """Run torch and numpy's BLAS on one thread, restoring the settings afterwards.

    The networks here are small: splitting each matrix product over several threads
    costs more in synchronisation than it saves, a lot more when the cores are busy.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(previous)


def main():
    """Fit every example, print the report and return its metrics as a dict."""
    start = time.perf_counter()
    print("skprob quickstart: held-out negative log-likelihood (NLL), lower is better")
    with single_thread():
        results = {
            "diabetes": diabetes(),
            "breast_cancer": breast_cancer(),
            "digits": digits(),
            "counts": counts(),
        }
    results["seconds"] = time.perf_counter() - start
    print(f"\nDone in {results['seconds']:.1f} s.")
    return results


if __name__ == "__main__":
    main()
