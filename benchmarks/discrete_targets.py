"""UCI Wine: continuous families on an integer-valued target, exact and as rounded values.

Wine's target is a quality score in {3, ..., 8}. A continuous density fitted on the
scores as exact values can put spikes on the integers, and its test "NLL" is then a
density at the spikes, not a model of the scores. Fitted on
``skprob.censoring.rounded(y)`` (each score ``v`` as the interval ``(v - 1/2, v + 1/2]``)
the same family scores the log-probability of the recorded score, which a discrete
model's log-loss can be set beside. On the standard splits of the PBP / MC-dropout papers
(the index files in the dataset folder), every model is the skprob estimator with its
defaults, seeded with the split number:

* ``mixture`` / ``normal``: ``MixtureDensityRegressor()`` / ``HeteroscedasticRegressor()``
  on the scores as exact values (the warning about few distinct values is recorded);
* ``mixture, rounded`` / ``normal, rounded``: the same on ``rounded(y)``;
* ``categorical`` / ``ordinal``: ``CategoricalMLPClassifier()`` /
  ``OrdinalMLPClassifier()`` (log-loss of the score as a class; ordered for the latter);
* ``poisson``: ``PoissonMLPRegressor()``;
* ``auto``: ``DistributionRegressor(distribution="auto")`` on the exact scores (it compares
  continuous families by the probability of the unit cell around each integer); scored on
  ``rounded(y)`` when it chose a continuous family. The family it chose is recorded.

Run::

    python benchmarks/discrete_targets.py DATA_DIR            # all 20 splits
    python benchmarks/discrete_targets.py DATA_DIR --smoke    # seconds, one split

where DATA_DIR holds ``wine-quality-red/data``.
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
METHODS = ("mixture", "mixture, rounded", "normal", "normal, rounded", "categorical",
           "ordinal", "poisson", "auto")
#: Published test NLL on Wine (Gaussian models on the scores as exact values).
PUBLISHED = {"PBP": 0.97, "MC dropout": 0.93, "Deep ensembles": 0.94}


def load(data_dir):
    folder = Path(data_dir) / "wine-quality-red" / "data"
    data = np.loadtxt(folder / "data.txt")
    features = np.loadtxt(folder / "index_features.txt", dtype=int, ndmin=1)
    target = int(np.loadtxt(folder / "index_target.txt"))
    return data[:, features], data[:, target], folder


def make_model(method, seed, smoke):
    from skprob import (
        CategoricalMLPClassifier,
        DistributionRegressor,
        HeteroscedasticRegressor,
        MixtureDensityRegressor,
        OrdinalMLPClassifier,
        PoissonMLPRegressor,
    )

    options = {"random_state": seed, **({"max_iter": 5} if smoke else {})}
    family = method.split(",")[0]
    if family == "auto":
        return DistributionRegressor(distribution="auto", **options)
    return {"mixture": MixtureDensityRegressor, "normal": HeteroscedasticRegressor,
            "categorical": CategoricalMLPClassifier, "ordinal": OrdinalMLPClassifier,
            "poisson": PoissonMLPRegressor}[family](**options)


def run_one(X, y, folder, split, method, smoke):
    from skprob.censoring import rounded
    from skprob.exceptions import DiscreteTargetWarning

    train = np.loadtxt(folder / f"index_train_{split}.txt", dtype=int)
    test = np.loadtxt(folder / f"index_test_{split}.txt", dtype=int)
    y_fit = rounded(y, 1.0) if method.endswith("rounded") else y
    if method in ("categorical", "ordinal"):
        y_fit = y.astype(int)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = make_model(method, split, smoke).fit(X[train], y_fit[train])
    warned = any(issubclass(w.category, DiscreteTargetWarning) for w in caught)
    chosen = getattr(model, "distribution_", None)
    if chosen is not None and not model.predict_dist(X[test][:1]).discrete:
        y_fit = rounded(y, 1.0)  # the probability of the recorded score, as compared
    nll = -model.score(X[test], y_fit[test])
    return {"split": split, "method": method, "nll": float(nll), "warned": warned,
            "chosen": chosen, "seconds": time.perf_counter() - start}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir")
    parser.add_argument("--splits", type=int, default=20)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--output", default=str(HERE / "results" / "discrete_targets.md"))
    args = parser.parse_args(argv)
    X, y, folder = load(args.data_dir)
    splits = 1 if args.smoke else args.splits
    records = [run_one(X, y, folder, split, method, args.smoke)
               for split in range(splits) for method in args.methods]
    text = report(records, args)
    Path(args.output).write_text(text)
    Path(args.output).with_suffix(".json").write_text(json.dumps(records, indent=1))
    print(text)
    return {"records": records, "text": text}


def report(records, args):
    import skprob

    splits = sorted({r["split"] for r in records})
    lines = [
        "# UCI Wine: continuous families on integer scores",
        "",
        f"Command: `python benchmarks/discrete_targets.py DATA_DIR"
        f"{' --smoke' if args.smoke else f' --splits {args.splits}'}` (skprob "
        f"{skprob.__version__}); standard splits {splits[0]}-{splits[-1]}. Test NLL in nats "
        "per row, mean ± standard error over splits. On exact values it is a density at the "
        "recorded scores; on rounded values and for the discrete models it is the "
        "log-probability of the recorded score.",
        "",
        "| Model | Target | Test NLL | Warned at fit | Seconds per fit |",
        "|---|---|---|---|---|",
    ]
    for method in args.methods:
        rows = [r for r in records if r["method"] == method]
        nll = np.array([r["nll"] for r in rows])
        target = ("rounded scores" if method.endswith("rounded") else
                  "classes" if method in ("categorical", "ordinal") else "exact scores")
        if method == "auto":
            chosen = sorted({str(r["chosen"]) for r in rows})
            target += " (chose " + ", ".join(
                f"{c} {sum(str(r['chosen']) == c for r in rows)}x" for c in chosen) + ")"
        lines.append(
            f"| {method.split(',')[0]} | {target} | {nll.mean():.3f} ± "
            f"{nll.std() / np.sqrt(len(nll)):.3f} | {sum(r['warned'] for r in rows)} of "
            f"{len(rows)} | {np.mean([r['seconds'] for r in rows]):.1f} |")
    lines += ["", "Published Gaussian models on the exact scores (the same splits): "
              + ", ".join(f"{k} {v:.2f}" for k, v in PUBLISHED.items()) + ".", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
