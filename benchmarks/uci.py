"""UCI regression benchmark: skprob against published MC dropout, Deep Ensembles and NGBoost.

Uses the standard train/test splits of the PBP / MC-dropout papers (the index files in
each dataset folder). For every dataset and split it fits

* ``pbp``: a ``HeteroscedasticRegressor`` under the PBP protocol (1 hidden layer of
  ``n_hidden.txt`` ReLU units, standardised inputs and target), trained with Adam and
  early stopping on an inner 80/20 split of the training set; on small training sets
  the dropout rate is chosen on that inner split (the test split is never used);
* ``skprob``: ``HeteroscedasticRegressor(random_state=seed)`` with its own defaults
  (early stopping on an inner validation split of the training set);
* ``ensemble``: a ``DeepEnsembleRegressor`` of 5 copies of the ``pbp`` network with the
  split's chosen dropout (the mixture's NLL, the mixture mean for RMSE);
* ``ngboost``: ``NGBRegressor`` (Normal) with the package defaults (500 stages,
  learning rate 0.01, depth-3 trees), seeded;

and reports the mean +- standard error over splits of the test NLL (nats per point) and
test RMSE, both in the target's original units, beside the published numbers.

Run ``python benchmarks/uci.py DATA_DIR`` (writes ``benchmarks/results/uci.md`` and the
per-split records next to it, ``uci.jsonl``) or ``python benchmarks/uci.py DATA_DIR
--smoke`` for a seconds-long check that the script works.
"""

import argparse
import csv
import itertools
import json
import math
import os
import shlex
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
DATASETS = {  # folder -> short name used in the tables
    "bostonHousing": "Boston", "concrete": "Concrete", "energy": "Energy", "kin8nm": "Kin8nm",
    "naval-propulsion-plant": "Naval", "power-plant": "Power",
    "protein-tertiary-structure": "Protein", "wine-quality-red": "Wine", "yacht": "Yacht",
}
LARGE = "protein-tertiary-structure"
SMOKE_DATASETS = ("yacht", "bostonHousing")
PUBLISHED_DECIMALS = 2  # every published mean and +- is printed to 2 decimals
ROUNDING = 0.5 * 10**-PUBLISHED_DECIMALS
METHODS = ("pbp", "skprob", "ensemble", "ngboost")
PUBLISHED = {  # column label -> method name in published_results.csv
    "MC dropout paper": "MC dropout (paper)",
    "MC dropout 2018 grid": "MC dropout (2018 grid search)",
    "Deep Ens. paper": "Deep Ensembles (M=5, adv. training)",
    "NGBoost paper": "NGBoost",
}
# (label, our method, reference: a published column or one of our methods)
WINS = (
    ("(a) pbp beats MC dropout paper", "pbp", "MC dropout paper"),
    ("(c) ensemble beats Deep Ens. paper", "ensemble", "Deep Ens. paper"),
    ("(c) ensemble beats NGBoost here", "ensemble", "ngboost"),
    ("(b) skprob beats MC dropout paper", "skprob", "MC dropout paper"),
)


@dataclass(frozen=True)
class Settings:
    batch_size: int = 100  # Deep Ensembles
    max_epochs: int = 1000  # cap of every early-stopped fit ...
    max_steps: int = 40_000  # ... and of its Adam steps, which bounds the large sets' cost
    patience: int = 30  # epochs without an inner-validation improvement before stopping
    learning_rates: tuple = (1e-3, 1e-2)  # candidates, chosen on the inner split
    inner_fraction: float = 0.2  # as the 2018 MC-dropout grid search
    dropouts: tuple = (0.0, 0.05, 0.1, 0.2)  # candidates on training sets below small_rows
    small_rows: int = 5000  # larger sets train without dropout: one candidate
    n_members: int = 5
    ngb_estimators: int = 500  # ngboost's default
    ngb_estimators_large: int = 500
    skprob_max_iter: int = 200  # skprob's default


SMOKE = Settings(max_epochs=4, max_steps=100, patience=2, dropouts=(0.0, 0.1),
                 learning_rates=(1e-3,), n_members=2,
                 ngb_estimators=20, ngb_estimators_large=20, skprob_max_iter=5)


# -- data and published numbers ---------------------------------------------------------------
def load_dataset(data_dir, name):
    folder = Path(data_dir) / name / "data"
    data = np.loadtxt(folder / "data.txt")
    features = np.loadtxt(folder / "index_features.txt", dtype=int, ndmin=1)
    target = int(np.loadtxt(folder / "index_target.txt"))
    return {
        "X": data[:, features], "y": data[:, target], "folder": folder,
        "n_splits": int(np.loadtxt(folder / "n_splits.txt")),
        "n_hidden": int(np.loadtxt(folder / "n_hidden.txt")),
    }


def split_indices(dataset, split):
    folder = dataset["folder"]
    return (np.loadtxt(folder / f"index_train_{split}.txt", dtype=int),
            np.loadtxt(folder / f"index_test_{split}.txt", dtype=int))


def load_published(data_dir):
    """{(dataset, metric): {column label: (mean, pm, pm_kind)}} from published_results.csv."""
    path = Path(data_dir) / "published_results.csv"
    wanted = {method: label for label, method in PUBLISHED.items()}
    table = {}
    if not path.exists():
        return table
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["method"] in wanted:
                cell = (float(row["mean"]), float(row["pm"]), row["pm_kind"])
                table.setdefault((row["dataset"], row["metric"]), {})[wanted[row["method"]]] = cell
    return table


# -- the four methods -------------------------------------------------------------------------
def pbp_network(n_hidden, settings, learning_rate, dropout, seed, n_rows):
    """The PBP-shaped network, early-stopped on an inner split of its training set."""
    from skprob import HeteroscedasticRegressor

    steps_per_epoch = math.ceil((1 - settings.inner_fraction) * n_rows / settings.batch_size)
    epochs = min(settings.max_epochs, max(1, settings.max_steps // steps_per_epoch))
    return HeteroscedasticRegressor(
        depth=1, width=n_hidden, batch_size=settings.batch_size, max_iter=epochs,
        learning_rate_init=learning_rate, dropout=dropout, early_stopping=True,
        validation_fraction=settings.inner_fraction, n_iter_no_change=settings.patience,
        scale_inputs=True, random_state=seed,
    )


def choose_network(X, y, n_hidden, settings, seed):
    """The (learning rate, dropout) pair and fitted network with the best inner NLL.

    Every candidate holds out the same 20% of the training set (the estimator's own
    ``validation_fraction``; they share the seed), stops when that NLL has not improved
    for ``patience`` epochs and keeps its best epoch's weights. The winner is used as
    it is (no refit), so the reported model never saw its inner validation rows; the
    test split plays no part.
    """
    from skprob.exceptions import DivergenceError

    dropouts = settings.dropouts if len(X) < settings.small_rows else (0.0,)
    scores, best = {}, None
    for rate, dropout in itertools.product(settings.learning_rates, dropouts):
        try:
            model = pbp_network(n_hidden, settings, rate, dropout, seed, len(X)).fit(X, y)
            score = float(model.best_validation_loss_)
            epochs = int(np.argmin(model.validation_loss_curve_)) + 1
        except (DivergenceError, ValueError):
            model, score, epochs = None, math.inf, 0
        scores[f"lr={rate:g},dropout={dropout:g}"] = {"inner_nll": score, "best_epoch": epochs}
        # Ties go to the earlier candidate: the smaller rate, then less dropout.
        if math.isfinite(score) and (best is None or score < best[0]):
            best = (score, {"learning_rate": rate, "dropout": dropout}, model)
    if best is None:
        raise RuntimeError(f"every candidate failed on the inner split: {scores}")
    return best[1], best[2], scores


def run_method(method, X, y, X_test, y_test, n_hidden, settings, seed, state, large):
    """Fit one method on one split; return (nll, rmse, info)."""
    if method in ("pbp", "ensemble"):
        if "chosen" not in state:
            state["chosen"], state["model"], state["inner"] = choose_network(
                X, y, n_hidden, settings, seed)
        chosen = state["chosen"]
        network = pbp_network(n_hidden, settings, chosen["learning_rate"], chosen["dropout"],
                              seed, len(X))
        info = dict(chosen)
        if method == "pbp":
            # Read back from the records the choice comes without its network: refit it.
            model = state["model"] or network.fit(X, y)
            info.update(inner=state["inner"], n_iter=model.n_iter_)
        else:
            from skprob.ensemble import DeepEnsembleRegressor

            # Each member is early-stopped on its own inner split (its seed draws it).
            model = DeepEnsembleRegressor(
                network, n_estimators=settings.n_members, random_state=seed).fit(X, y)
        return model.nll(X_test, y_test), rmse(model.predict(X_test), y_test), info
    if method == "skprob":
        from skprob import HeteroscedasticRegressor

        model = HeteroscedasticRegressor(
            max_iter=settings.skprob_max_iter, random_state=seed).fit(X, y)
        return (model.nll(X_test, y_test), rmse(model.predict(X_test), y_test),
                {"n_iter": model.n_iter_})
    if method == "ngboost":
        from ngboost import NGBRegressor
        from ngboost.learners import default_tree_learner
        from sklearn.base import clone

        n_estimators = settings.ngb_estimators_large if large else settings.ngb_estimators
        model = NGBRegressor(
            Base=clone(default_tree_learner).set_params(random_state=seed),
            n_estimators=n_estimators, verbose=False, random_state=seed,
        ).fit(X, y)
        dist = model.pred_dist(X_test)
        nll = -float(np.mean(dist.logpdf(y_test)))
        return nll, rmse(dist.loc, y_test), {"n_estimators": n_estimators}
    raise ValueError(f"method={method!r} is not one of {METHODS}.")


def rmse(prediction, y):
    return float(np.sqrt(np.mean((np.asarray(prediction) - y) ** 2)))


# -- summaries and tables ---------------------------------------------------------------------
def summarise(records):
    """{(dataset, method): {"nll": (mean, se, n), "rmse": ..., "seconds": [...], ...}}."""
    groups = {}
    for record in records:
        groups.setdefault((record["dataset"], record["method"]), []).append(record)
    summary = {}
    for key, group in groups.items():
        good = [r for r in group if r.get("error") is None]
        entry = {"splits": sorted(r["split"] for r in good), "failed": len(group) - len(good),
                 "seconds": [r["seconds"] for r in group]}
        for metric in ("nll", "rmse"):
            values = np.array([r[metric] for r in good], dtype=float)
            se = float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else math.nan
            entry[metric] = (float(values.mean()) if len(values) else math.nan, se, len(values))
            entry[f"{metric}_by_split"] = {r["split"]: r[metric] for r in good}
        summary[key] = entry
    return summary


def paired_means(summary, name, first, second, metric):
    """Means of two of our methods over the splits that both of them finished."""
    by_split = [summary.get((name, m), {}).get(f"{metric}_by_split", {}) for m in (first, second)]
    common = sorted(set(by_split[0]) & set(by_split[1]))
    if not common:
        return math.nan, math.nan
    return tuple(float(np.mean([values[s] for s in common])) for values in by_split)


def decimals_for(value):
    """Decimals that show about three significant digits, at least two."""
    if not math.isfinite(value) or value == 0:
        return 2
    return max(2, 2 - int(math.floor(math.log10(abs(value)))))


def fmt(mean, pm, digits, suffix=""):
    if not math.isfinite(mean):
        return "—"
    pm_text = f" ± {pm:.{digits}f}" if math.isfinite(pm) else ""
    return f"{mean:.{digits}f}{pm_text}{suffix}"


def metric_table(metric, summary, published, datasets, methods):
    pub_cols = list(PUBLISHED)
    wins = [w for w in WINS if w[1] in methods and (w[2] in PUBLISHED or w[2] in methods)]
    kinds = {}
    for (_, m), cells in published.items():
        if m == metric:
            for label, (_, _, kind) in cells.items():
                kinds.setdefault(label, kind)
    header = (["dataset"] + [f"{m} (here) [se]" for m in methods]
              + [f"{c} [{kinds.get(c, '?')}]" for c in pub_cols]
              + [f"{label} ({metric.upper()})" for label, _, _ in wins])
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    counts = {label: [0, 0, 0] for label, _, _ in wins}
    for name in datasets:
        ours = {m: summary.get((name, m), {}).get(metric, (math.nan, math.nan, 0))
                for m in methods}
        pubs = published.get((name, metric), {})
        reference = [v[0] for v in ours.values() if math.isfinite(v[0])]
        digits = 2 if metric == "nll" else decimals_for(min(map(abs, reference), default=1.0))
        counts_n = {v[2] for v in ours.values() if v[2]}
        cells = [DATASETS[name]]
        for m in methods:
            mean, se, n = ours[m]
            note = f" (n={n})" if n and len(counts_n) > 1 else ""
            cells.append(fmt(mean, se, digits, note))
        for col in pub_cols:
            mean, pm, _ = pubs.get(col, (math.nan, math.nan, ""))
            cells.append(fmt(mean, pm, PUBLISHED_DECIMALS))
        for label, mine, ref in wins:
            a = ours[mine][0]
            if ref in PUBLISHED:
                b = pubs.get(ref, (math.nan,))[0]
            else:  # two of ours: compare on the splits both ran
                a, b = paired_means(summary, name, mine, ref, metric)
            if not (math.isfinite(a) and math.isfinite(b)):
                cells.append("—")
                continue
            if ref in PUBLISHED and b == 0:  # printed as 0.00: no comparison is possible
                cells.append("— (published 0.00)")
                continue
            won = a < b
            # A published mean is rounded to 2 decimals: a gap below half a unit is a tie.
            close = ref in PUBLISHED and abs(a - b) < ROUNDING
            counts[label][0] += won
            counts[label][1] += 1
            counts[label][2] += close
            mark = ", within rounding" if close else ""
            cells.append(f"{'yes' if won else 'no'} ({a - b:+.{digits}f}{mark})")
        lines.append("| " + " | ".join(cells) + " |")
    totals = [f"{label}: {w} of {n}" + (f"; {c} of the {n} comparisons within the published "
                                         f"rounding (|difference| < {ROUNDING:g})" if c else "")
              for label, (w, n, c) in counts.items()]
    return "\n".join(lines), totals


def runs_table(summary, records, datasets, methods):
    lines = ["| dataset | " + " | ".join(f"{m}: splits (mean s/split, total s)" for m in methods)
             + " | pbp (learning rate, dropout) chosen per split |",
             "|---|" + "---|" * (len(methods) + 1)]
    for name in datasets:
        cells = [DATASETS[name]]
        for m in methods:
            entry = summary.get((name, m))
            if entry is None:
                cells.append("not run")
                continue
            splits = ",".join(map(str, entry["splits"])) or "none"
            failed = f", {entry['failed']} failed" if entry["failed"] else ""
            secs = entry["seconds"]
            cells.append(f"{splits}{failed} ({np.mean(secs):.1f} s, {np.sum(secs):.0f} s)")
        chosen = [(r["info"]["learning_rate"], r["info"]["dropout"])
                  for r in sorted(records, key=lambda r: r["split"])
                  if r["dataset"] == name and r["method"] == "pbp" and r.get("info")]
        cells.append(", ".join(f"({a:g}, {b:g})" for a, b in chosen) or "—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(records, published, datasets, methods, settings, command, notes):
    summary = summarise(records)
    nll_table, nll_totals = metric_table("nll", summary, published, datasets, methods)
    rmse_table, rmse_totals = metric_table("rmse", summary, published, datasets, methods)
    dropout_text = ", ".join(f"{r:g}" for r in settings.dropouts)
    rate_text = ", ".join(f"{r:g}" for r in settings.learning_rates)
    lines = [
        "# UCI regression benchmark",
        "",
        f"Command: `{command}`",
        "",
        *notes,
        "Standard PBP / MC-dropout splits (index files of each dataset). Every number is "
        "per test point in the target's original units; lower is better for both. \"here\" "
        "columns: mean ± standard error over the splits that ran (SD with ddof=1 / sqrt(n)); "
        "published columns print the ± the paper printed, of the kind in brackets (se, sd, "
        "sd? = probably SD). Win columns compare means: yes when ours is lower, then "
        "(ours − reference); a comparison between two of our methods uses only the splits "
        "that both finished.",
        "",
        f"* `pbp`: HeteroscedasticRegressor, 1 hidden layer of `n_hidden.txt` ReLU units "
        f"(50; 100 for protein), standardised inputs and target, Adam, batch "
        f"{settings.batch_size}, early stopping on an inner {settings.inner_fraction:.0%} "
        f"validation split of the training set (patience {settings.patience} epochs, at most "
        f"{settings.max_epochs} epochs and {settings.max_steps:,} steps, best epoch's weights "
        f"kept, no refit). Chosen per split by the NLL on that inner split (the candidates "
        f"share it): the learning rate from {{{rate_text}}} and, on training sets below "
        f"{settings.small_rows:,} rows, the dropout rate from {{{dropout_text}}} (larger sets "
        "use no dropout). The test split is never used for any choice. The time includes "
        "the selection.",
        f"* `skprob`: HeteroscedasticRegressor(random_state=split) defaults (1x256, batch 256, "
        f"up to {settings.skprob_max_iter} epochs, early stopping on 10% of the training set).",
        f"* `ensemble`: DeepEnsembleRegressor of {settings.n_members} `pbp` networks (the "
        "split's chosen learning rate and dropout, reused; each member early-stopped on its "
        "own inner split, drawn by its seed), mixture NLL, mixture mean for RMSE.",
        f"* `ngboost`: NGBRegressor(Normal) package defaults ({settings.ngb_estimators} stages, "
        "learning rate 0.01, depth-3 trees, natural gradient, no validation split), seeded; "
        f"{settings.ngb_estimators_large} stages on protein.",
        "* Seeds: split index for every model. Each process trains on one torch thread; "
        f"this report was written on a machine of {os.cpu_count()} cores, which the notes "
        "above say how many processes shared: wall times are indicative only.",
        "",
        "## Test NLL (nats per point)",
        "",
        nll_table,
        "",
        *[f"* {t}" for t in nll_totals],
        "",
        "## Test RMSE",
        "",
        rmse_table,
        "",
        *[f"* {t}" for t in rmse_totals],
        "",
        "## Splits run and wall time (time.perf_counter, fit + predict)",
        "",
        runs_table(summary, records, datasets, methods),
        "",
    ]
    return "\n".join(lines), summary


# -- driver -----------------------------------------------------------------------------------
def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="folder holding the dataset folders")
    parser.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=None)
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--splits", type=int, default=None, help="first N splits (default all)")
    parser.add_argument("--large-splits", type=int, default=None,
                        help="first M splits for protein (default: as --splits)")
    parser.add_argument("--ngb-estimators-large", type=int, default=None,
                        help="NGBoost stages on protein (default: as the others)")
    parser.add_argument("--time-budget", type=float, default=None,
                        help="minutes after which no new (dataset, split) starts")
    parser.add_argument("--smoke", action="store_true",
                        help="2 tiny datasets, 1 split, few epochs: seconds")
    parser.add_argument("--output", type=Path, default=None,
                        help="Markdown file (default benchmarks/results/uci.md; none in smoke)")
    parser.add_argument("--report-only", action="store_true",
                        help="rebuild the tables from the records file, fit nothing")
    parser.add_argument("--resume", action="store_true",
                        help="keep the records file's fits (and settings), run the rest")
    parser.add_argument("--merge", nargs="+", type=Path, default=None, metavar="RECORDS",
                        help="build the report from these records files (runs of the same "
                             "settings over different datasets, e.g. in parallel), fit nothing")
    parser.add_argument("--note", action="append", default=[],
                        help="a paragraph to add to the report (kept in the records file)")
    return parser.parse_args(argv)


def read_records(path):
    """(meta, records) from a records file: one JSON line of settings, then one per fit."""
    lines = [json.loads(line) for line in path.read_text().splitlines() if line]
    meta = lines[0]
    for key in ("dropouts", "learning_rates"):
        meta["settings"][key] = tuple(meta["settings"][key])
    return meta, lines[1:]


def merge_records(paths):
    """One (meta, records) from runs of the same settings over different datasets."""
    metas, records = [], []
    for path in paths:
        meta, part = read_records(path)
        metas.append(meta)
        records += part
    if any(meta["settings"] != metas[0]["settings"] for meta in metas):
        raise ValueError(f"the records files {[str(p) for p in paths]} hold different settings")
    datasets = [name for name in DATASETS if any(name in meta["datasets"] for meta in metas)]
    notes = []
    for meta in metas:
        notes += [f"Records from `{meta['command']}` ({', '.join(meta['datasets'])}):", "",
                  *meta["notes"]]
    methods = [m for m in METHODS if any(m in meta["methods"] for meta in metas)]
    command = " ; ".join(meta["command"] for meta in metas)
    return ({"command": command, "settings": metas[0]["settings"], "notes": notes,
             "datasets": datasets, "methods": methods}, records)


def make_plan(data_dir, datasets, n_first, n_large):
    """(dataset, split) pairs, split-major, so that a partial run covers every dataset."""
    loaded = {name: load_dataset(data_dir, name) for name in datasets}
    plan = []
    for split in range(max(d["n_splits"] for d in loaded.values())):
        for name, data in loaded.items():
            limit = n_large if name == LARGE and n_large else n_first
            if split < min(data["n_splits"], limit or data["n_splits"]):
                plan.append((name, split))
    return loaded, plan


def run_split(data, name, split, methods, settings, done, state, log):
    """Fit every method not yet done on one split; return the new records."""
    train_idx, test_idx = split_indices(data, split)
    X, y = data["X"][train_idx], data["y"][train_idx]
    X_test, y_test = data["X"][test_idx], data["y"][test_idx]
    new = []
    for method in methods:
        if (name, split, method) in done:
            continue
        # Every model takes the split as its seed; the global states are seeded too for
        # any library code that draws from them.
        torch.manual_seed(split)
        np.random.seed(split)  # noqa: NPY002
        t0 = time.perf_counter()
        record = {"dataset": name, "split": split, "method": method}
        try:
            nll, err, info = run_method(method, X, y, X_test, y_test, data["n_hidden"],
                                        settings, split, state, name == LARGE)
            record.update(nll=nll, rmse=err, info=info, error=None)
        except Exception as exc:  # one failed fit must not lose the others
            record.update(nll=math.nan, rmse=math.nan, info={}, error=repr(exc))
        record["seconds"] = time.perf_counter() - t0
        new.append(record)
        log(record)
    return new


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    torch.set_num_threads(1)
    settings = SMOKE if args.smoke else Settings()
    if args.ngb_estimators_large is not None:
        settings = replace(settings, ngb_estimators_large=args.ngb_estimators_large)
    datasets = list(args.datasets or (SMOKE_DATASETS if args.smoke else DATASETS))
    methods = list(args.methods)
    output = args.output if args.output or args.smoke else HERE / "results" / "uci.md"
    records_path = output.with_suffix(".jsonl") if output else None
    command = "python benchmarks/uci.py " + " ".join(shlex.quote(a) for a in argv)
    published = load_published(args.data_dir)
    records, notes = [], []
    meta = {"command": command, "settings": settings.__dict__, "notes": notes,
            "datasets": datasets, "methods": methods}
    if args.merge:
        meta, records = merge_records(args.merge)
        records_path.write_text("".join(json.dumps(x) + "\n" for x in [meta, *records]))
        args.report_only = True
    if args.report_only or args.resume:
        meta, records = read_records(records_path)
        settings = Settings(**meta["settings"])
        datasets, methods, notes = meta["datasets"], meta["methods"], meta["notes"]
        if args.resume:
            notes += [f"Resumed (the finished fits kept) with `{command}`.", ""]
    for note in args.note:
        notes += [note, ""]
    if args.report_only and args.note:  # keep the added notes with the records
        lines = records_path.read_text().splitlines()
        lines[0] = json.dumps({**meta, "notes": notes})
        records_path.write_text("\n".join(lines) + "\n")
    if not args.report_only:
        loaded, plan = make_plan(args.data_dir, datasets, 1 if args.smoke else args.splits,
                                 args.large_splits)
        done = {(r["dataset"], r["split"], r["method"]) for r in records}
        if records_path:
            records_path.parent.mkdir(parents=True, exist_ok=True)
            records_path.write_text("".join(json.dumps(x) + "\n" for x in [meta, *records]))
        start = time.perf_counter()

        def log(record):
            if records_path:
                with records_path.open("a") as handle:
                    handle.write(json.dumps(record) + "\n")
            print(f"[{(time.perf_counter() - start) / 60:6.1f} min] {record['dataset']} split "
                  f"{record['split']} {record['method']}: NLL {record['nll']:.4f} RMSE "
                  f"{record['rmse']:.4g} ({record['seconds']:.1f} s) {record['info']} "
                  f"{record['error'] or ''}", flush=True)

        for i, (name, split) in enumerate(plan):
            elapsed = time.perf_counter() - start
            if args.time_budget is not None and elapsed > 60 * args.time_budget:
                notes += [f"**Stopped by the time budget ({args.time_budget:g} min) after "
                          f"{elapsed / 60:.1f} min; {len(plan) - i} planned (dataset, split) "
                          "pairs not started.**", ""]
                print(notes[-2], flush=True)
                break
            state = {}  # the learning rate chosen for pbp, reused by the ensemble
            for r in records:
                if (r["dataset"], r["split"], r["method"]) == (name, split, "pbp") and r["info"]:
                    state.update(model=None, inner=r["info"].get("inner", {}), chosen={
                        k: r["info"][k] for k in ("learning_rate", "dropout")})
            records += run_split(loaded[name], name, split, methods, settings, done, state, log)
            if output:
                output.write_text(report(records, published, datasets, methods, settings,
                                         meta["command"], notes)[0])
        if records_path:  # keep the notes (time budget, resumption) with the records
            lines = records_path.read_text().splitlines()
            lines[0] = json.dumps({**meta, "notes": notes})
            records_path.write_text("\n".join(lines) + "\n")
    text, summary = report(records, published, datasets, methods, settings, meta["command"],
                           notes)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
    print(text)
    return {"records": records, "summary": summary, "text": text}


if __name__ == "__main__":
    main()
