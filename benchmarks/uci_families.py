"""UCI regression by family: the histogram and ``distribution="auto"`` against the normal.

On the standard train/test splits of the PBP / MC-dropout papers (the index files in
each dataset folder), every method is the skprob estimator with its defaults, seeded
with the split number, fitted on the split's training rows and scored on its test
rows (mean test NLL in nats, in the target's units):

* ``normal``: ``HeteroscedasticRegressor()``;
* ``mixture``: ``MixtureDensityRegressor()`` (3 components);
* ``histogram``: ``HistogramMLPRegressor()`` (64 quantile bins, exponential tails);
* ``auto``: ``DistributionRegressor(distribution="auto")``, the family chosen inside
  ``fit`` by validation NLL (the family it chose is recorded).

Each finished (dataset, split, method) is appended to a records file
(``uci_families.jsonl``, with the command that made it); a later run skips what is
there, so runs can stop, continue and add methods; the report (``uci_families.md``)
is written from all the records. Run::

    nice -n 10 python benchmarks/uci_families.py DATA_DIR --methods normal mixture histogram
    nice -n 10 python benchmarks/uci_families.py DATA_DIR --all --methods normal auto --splits 5

(the first compares the families on Power, Protein, Wine, Yacht and Kin8nm; ``auto``
fits every candidate family, about ten times the cost of one fit, so it may be run on
the first splits of all nine data sets), or with ``--smoke`` for a seconds-long check
that the script works.
"""

import argparse
import json
import math
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
DATASETS = {"bostonHousing": "Boston", "concrete": "Concrete", "energy": "Energy",
            "kin8nm": "Kin8nm", "naval-propulsion-plant": "Naval", "power-plant": "Power",
            "protein-tertiary-structure": "Protein", "wine-quality-red": "Wine", "yacht": "Yacht"}
#: The data sets of the family comparison (histogram and mixture against the normal).
FAMILY_DATASETS = ("power-plant", "protein-tertiary-structure", "wine-quality-red", "yacht",
                   "kin8nm")
METHODS = ("normal", "mixture", "histogram", "auto")


def load_dataset(data_dir, name):
    folder = Path(data_dir) / name / "data"
    data = np.loadtxt(folder / "data.txt")
    features = np.loadtxt(folder / "index_features.txt", dtype=int, ndmin=1)
    target = int(np.loadtxt(folder / "index_target.txt"))
    return data[:, features], data[:, target], folder, int(np.loadtxt(folder / "n_splits.txt"))


def make_model(method, seed, smoke):
    from skprob import (
        DistributionRegressor,
        HeteroscedasticRegressor,
        HistogramMLPRegressor,
        MixtureDensityRegressor,
    )

    options = {"random_state": seed, **({"max_iter": 3} if smoke else {})}
    return {
        "normal": HeteroscedasticRegressor, "mixture": MixtureDensityRegressor,
        "histogram": HistogramMLPRegressor,
        "auto": lambda **kw: DistributionRegressor(distribution="auto", **kw),
    }[method](**options)


def run_one(X, y, folder, split, method, smoke):
    train = np.loadtxt(folder / f"index_train_{split}.txt", dtype=int)
    test = np.loadtxt(folder / f"index_test_{split}.txt", dtype=int)
    start = time.perf_counter()
    model = make_model(method, split, smoke).fit(X[train], y[train])
    record = {"nll": float(model.nll(X[test], y[test])), "seconds": time.perf_counter() - start,
              "n_iter": int(model.n_iter_)}
    if method == "auto":
        record["chosen"] = model.distribution_
        record["selection"] = model.selection_scores_
    return record


def read_records(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def report(records):
    """Markdown: mean +- standard error of the test NLL over splits, per dataset and method."""
    lines = [
        "# UCI by family: histogram and `distribution=\"auto\"` against the normal",
        "",
        "Test NLL (nats per point, lower is better), mean +- standard error over the standard "
        "splits; every model is the skprob estimator with its defaults, seeded with the split "
        "number. `n` is the number of splits that ran. Made by (each on one thread, "
        "`nice -n 10`):",
        "",
        "```",
        *sorted({r["command"] for r in records}),
        "```",
        "",
        "| dataset | " + " | ".join(METHODS) + " |",
        "|---" * (len(METHODS) + 1) + "|",
    ]
    chosen_lines = []
    for folder, short in DATASETS.items():
        cells = []
        for method in METHODS:
            values = [r["nll"] for r in records if r["dataset"] == folder and r["method"] == method]
            if not values:
                cells.append("")
                continue
            mean = float(np.mean(values))
            se = float(np.std(values, ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0
            cells.append(f"{mean:.3f} +- {se:.3f} (n={len(values)})")
        if any(cells):
            lines.append(f"| {short} | " + " | ".join(cells) + " |")
        picks = [r["chosen"] for r in records if r["dataset"] == folder and r["method"] == "auto"]
        if picks:
            counts = {name: picks.count(name) for name in sorted(set(picks))}
            chosen_lines.append(f"- {short}: " + ", ".join(f"{k} x{v}" for k, v in counts.items()))
    paired = []
    for folder, short in DATASETS.items():
        for method in ("histogram", "mixture", "auto"):
            by_split = {r["split"]: r["nll"] for r in records
                        if r["dataset"] == folder and r["method"] == method}
            normal = {r["split"]: r["nll"] for r in records
                      if r["dataset"] == folder and r["method"] == "normal"}
            common = sorted(set(by_split) & set(normal))
            if common:
                diff = np.array([by_split[s] - normal[s] for s in common])
                wins = int(np.sum(diff < 0))
                paired.append(f"| {short} | {method} | {diff.mean():+.3f} | {wins}/{len(common)} |")
    lines += ["", "Paired against the normal on the same splits (negative: better than the "
              "normal):", "", "| dataset | method | mean NLL difference | splits better |",
              "|---|---|---|---|", *paired]
    if chosen_lines:
        lines += ["", "Families chosen by `distribution=\"auto\"` (per split):", "", *chosen_lines]
    seconds = sum(r["seconds"] for r in records)
    lines += ["", f"Total fitting time of the records: {seconds / 60:.1f} min (one thread)."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir")
    parser.add_argument("--datasets", nargs="+", default=list(FAMILY_DATASETS),
                        choices=list(DATASETS))
    parser.add_argument("--all", action="store_true", help="all nine data sets")
    parser.add_argument("--methods", nargs="+", default=list(METHODS[:3]), choices=METHODS)
    parser.add_argument("--splits", type=int, default=None, help="at most this many splits")
    parser.add_argument("--output", default=str(HERE / "results" / "uci_families.md"))
    parser.add_argument("--fresh", action="store_true",
                        help="discard the records written so far (they are kept and skipped "
                             "by default, so that runs continue and add up)")
    parser.add_argument("--smoke", action="store_true", help="one split, 3 epochs, no report")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    output = Path(args.output)
    records_path = output.with_suffix(".jsonl")
    if args.fresh and not args.smoke:
        records_path.write_text("")
    records = [] if args.smoke else read_records(records_path)
    done = {(r["dataset"], r["split"], r["method"]) for r in records}
    command = "python benchmarks/uci_families.py DATA_DIR " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])[1:])
    # The largest data set last, so that a run stopped early has the others.
    names = sorted(DATASETS, key=lambda name: name == "protein-tertiary-structure")
    for name in (names if args.all else args.datasets):
        X, y, folder, n_splits = load_dataset(args.data_dir, name)
        n_splits = 1 if args.smoke else min(n_splits, args.splits or n_splits)
        for split in range(n_splits):
            for method in args.methods:
                if (name, split, method) in done:
                    continue
                record = {"dataset": name, "split": split, "method": method,
                          **run_one(X, y, folder, split, method, args.smoke),
                          "command": command}
                print(json.dumps({k: v for k, v in record.items() if k != "selection"}),
                      flush=True)
                records.append(record)
                if not args.smoke:
                    with records_path.open("a") as handle:
                        handle.write(json.dumps(record) + "\n")
    if args.smoke:
        return records
    # Notes written by hand under "## Notes" are kept when the tables are rewritten.
    notes = output.read_text().partition("\n## Notes")[1:] if output.exists() else ("", "")
    output.write_text(report(read_records(records_path)) + "".join(notes))
    return records


if __name__ == "__main__":
    main()
