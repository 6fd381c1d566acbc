"""Time to re-arrest (Rossi et al. 1980): skprob's survival regressors against Cox and Weibull AFT.

The data set ships with lifelines (``lifelines.datasets.load_rossi``): 432 released
prisoners followed for 52 weeks, 114 re-arrests (74% of the rows right-censored at
week 52), seven covariates. On 5-fold cross-validation repeated twice (the same
folds for every model), each model is fitted on four folds and scored on the fifth:

* concordance (Harrell's C; medians of the predicted times, or minus the Cox
  partial hazard), higher is better;
* integrated Brier score (IPCW, censoring by Kaplan-Meier on the training folds)
  over weeks 4 to 50 (from the test fold's first time, if later), lower is better;
* mean censored NLL (nats per row) for the models with a full distribution.

Models: ``WeibullSurvivalRegressor()`` and ``LogNormalSurvivalRegressor()`` with
their defaults; ``WeibullSurvivalRegressor(depth=0)`` (a linear Weibull model whose
shape also depends on x); lifelines' ``CoxPHFitter`` and ``WeibullAFTFitter``. The
metrics of every model are skprob's; the script also checks them against lifelines'
``concordance_index`` and scikit-survival's ``integrated_brier_score`` on the same
predictions and reports the largest difference.

Run in the benchmark environment (``make bench`` installs it)::

    .venv-bench/bin/python benchmarks/survival.py

or with ``--smoke`` for a seconds-long check of the script.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TIMES = np.arange(4.0, 51.0)


def load():
    from lifelines.datasets import load_rossi

    frame = load_rossi()
    X = frame.drop(columns=["week", "arrest"]).to_numpy(dtype=float)
    return X, frame["week"].to_numpy(dtype=float), frame["arrest"].to_numpy(dtype=bool)


def skprob_models(smoke):
    from skprob import LogNormalSurvivalRegressor, WeibullSurvivalRegressor

    fast = {"max_iter": 5} if smoke else {}
    return {
        "skprob Weibull": lambda seed: WeibullSurvivalRegressor(random_state=seed, **fast),
        "skprob log-normal": lambda seed: LogNormalSurvivalRegressor(random_state=seed, **fast),
        "skprob Weibull, depth=0": lambda seed: WeibullSurvivalRegressor(
            depth=0, random_state=seed, **fast),
    }


def lifelines_fit(name, X, time_, event):
    import pandas as pd
    from lifelines import CoxPHFitter, WeibullAFTFitter

    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    frame["week"], frame["arrest"] = time_, event
    fitter = CoxPHFitter() if name == "lifelines Cox" else WeibullAFTFitter()
    return fitter.fit(frame, duration_col="week", event_col="arrest")


def lifelines_predict(fitter, X, times):
    import pandas as pd

    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    survival = fitter.predict_survival_function(frame, times=times).to_numpy().T
    if hasattr(fitter, "predict_partial_hazard") and not hasattr(fitter, "rho_"):
        estimate = -fitter.predict_partial_hazard(frame).to_numpy()
        return estimate, survival, None
    params = fitter.params_
    coefficients = params["lambda_"].reindex(frame.columns).to_numpy()
    lam = np.exp(frame.to_numpy() @ coefficients + params["lambda_"]["Intercept"])
    rho = np.exp(params["rho_"]["Intercept"]) * np.ones(len(frame))
    return lam * np.log(2.0) ** (1.0 / rho), survival, (lam, rho)


def evaluate(y_train, y_test, estimate, survival, dist, times):
    from skprob.metrics import concordance_index, integrated_brier_score
    from skprob.metrics._survival import _censoring_survival, _event_time

    c_index = concordance_index(y_test, estimate)
    if dist is not None:
        ibs = integrated_brier_score(y_train, y_test, dist, times)
    else:  # the same formula, on the curves lifelines predicts
        train_event, train_time = _event_time(y_train)
        event, time_ = _event_time(y_test)
        censoring = _censoring_survival(train_event, train_time)
        g_time, g_t = censoring(time_), censoring(times)
        case = (time_[:, None] <= times) & event[:, None]
        control = time_[:, None] > times
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = case * survival**2 / np.where(g_time > 0, g_time, np.inf)[:, None] \
                + control * (1 - survival) ** 2 / g_t
        scores = terms.mean(axis=0)
        ibs = float(np.sum(np.diff(times) * (scores[1:] + scores[:-1]) / 2)
                    / (times[-1] - times[0]))
    return c_index, ibs


def check_against_references(y_train, y_test, estimate, survival, c_index, ibs, times):
    """Largest difference of skprob's metrics from lifelines' and scikit-survival's."""
    from lifelines.utils import concordance_index as lifelines_c
    from sksurv.metrics import integrated_brier_score as sksurv_ibs
    from sksurv.util import Surv

    def surv(y):
        event = y["lower"] == y["upper"]
        return Surv.from_arrays(event, y["lower"])

    ref_c = lifelines_c(y_test["lower"], estimate, y_test["lower"] == y_test["upper"])
    ref_ibs = sksurv_ibs(surv(y_train), surv(y_test), survival, times)
    return abs(ref_c - c_index), abs(ref_ibs - ibs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one fold, 5 epochs")
    parser.add_argument("--output", default=str(HERE / "results" / "survival.md"))
    args = parser.parse_args(argv)

    from sklearn.model_selection import RepeatedKFold

    from skprob.censoring import right_censored

    X, week, arrest = load()
    y = right_censored(week, arrest)
    folds = list(RepeatedKFold(n_splits=5, n_repeats=2, random_state=0).split(X))
    if args.smoke:
        folds = folds[:1]
    names = [*skprob_models(args.smoke), "lifelines Weibull AFT", "lifelines Cox"]
    results = {name: {"c": [], "ibs": [], "nll": [], "seconds": []} for name in names}
    largest_gap = [0.0, 0.0]
    for k, (train, test) in enumerate(folds):
        y_train, y_test = y[train], y[test]
        # The Brier score is defined within the test fold's follow-up (scikit-survival
        # checks it): the weeks of TIMES from its first time on.
        times = TIMES[(TIMES >= week[test].min()) & (TIMES < week[test].max())]
        for name in names:
            start = time.perf_counter()
            if name.startswith("skprob"):
                model = skprob_models(args.smoke)[name](k).fit(X[train], y_train)
                dist = model.predict_dist(X[test])
                estimate, survival = dist.median(), dist.survival_function(times)
                nll = -model.score(X[test], y_test)
            else:
                fitter = lifelines_fit(name, X[train], week[train], arrest[train])
                estimate, survival, weibull = lifelines_predict(fitter, X[test], times)
                dist = None
                nll = None
                if weibull is not None:
                    from skprob.families.weibull import WeibullDistribution

                    dist = WeibullDistribution(scale=weibull[0], shape=weibull[1])
                    nll = -dist.log_likelihood(y_test).mean()
            c_index, ibs = evaluate(y_train, y_test, estimate, survival, dist, times)
            gaps = check_against_references(y_train, y_test, estimate, survival, c_index, ibs,
                                            times)
            largest_gap = [max(a, b) for a, b in zip(largest_gap, gaps, strict=True)]
            row = results[name]
            row["c"].append(c_index)
            row["ibs"].append(ibs)
            row["nll"].append(nll)
            row["seconds"].append(time.perf_counter() - start)
    text = report(results, len(folds), largest_gap, args)
    Path(args.output).write_text(text)
    Path(args.output).with_suffix(".json").write_text(json.dumps(results, indent=1))
    print(text)
    return {"results": results, "text": text, "largest_gap": largest_gap}


def _cell(values, digits=3):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    return f"{np.mean(values):.{digits}f} ± {np.std(values) / np.sqrt(len(values)):.{digits}f}"


def report(results, n_folds, largest_gap, args):
    import skprob

    lines = [
        "# Survival: time to re-arrest (Rossi), skprob against Cox and Weibull AFT",
        "",
        f"Command: `python benchmarks/survival.py{' --smoke' if args.smoke else ''}` "
        f"(skprob {skprob.__version__}); {n_folds} test folds (5-fold cross-validation "
        "repeated twice, the same folds for every model). Mean ± standard error over folds.",
        "",
        "| Model | Concordance (higher) | Integrated Brier, weeks 4-50 (lower) | "
        "Censored NLL (lower) | Seconds per fit |",
        "|---|---|---|---|---|",
    ]
    for name, row in results.items():
        lines.append(f"| {name} | {_cell(row['c'])} | {_cell(row['ibs'], 4)} | "
                     f"{_cell(row['nll'])} | {np.mean(row['seconds']):.1f} |")
    lines += [
        "",
        "The Cox model has no full distribution, hence no NLL. All metrics are skprob's; "
        "against lifelines' `concordance_index` and scikit-survival's "
        "`integrated_brier_score` on the same predictions they differ by at most "
        f"{largest_gap[0]:.1e} (concordance) and {largest_gap[1]:.1e} (integrated Brier).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
