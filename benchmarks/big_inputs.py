"""Memory benchmark: predicting on 10 million rows and fitting on 2 million.

Each case runs in a fresh process and reports its wall time and its peak resident
memory (``resource.getrusage``) next to the size of the data it was given, so that
the memory skprob adds on top of the caller's arrays can be read off directly.

Run ``python benchmarks/big_inputs.py`` (writes ``benchmarks/results/big_inputs.md``) or
``python benchmarks/big_inputs.py --smoke`` for a seconds-long check.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = {
    "full": dict(predict_rows=10_000_000, fit_rows=2_000_000),
    "smoke": dict(predict_rows=50_000, fit_rows=20_000),
}

CASE = """
import json, resource, time
import numpy as np, torch
from skprob import HeteroscedasticRegressor
torch.set_num_threads(1)
rng = np.random.default_rng(0)
kind, n_rows, n_features = {kind!r}, {n_rows}, {n_features}
model = HeteroscedasticRegressor(depth=2, width=64, max_iter=1, random_state=0)
if kind == "fit":
    X = rng.standard_normal((n_rows, n_features))
    y = X[:, 0] + rng.standard_normal(n_rows)
else:
    X_small = rng.standard_normal((2000, n_features))
    model.fit(X_small, X_small[:, 0])
    X = rng.standard_normal((n_rows, n_features)).astype(np.float32)
data_mb = X.nbytes / 2**20
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
if kind == "fit":
    model.fit(X, y)
elif kind == "predict":
    model.predict(X)
else:
    lower, upper = model.predict_dist(X).interval(0.9)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(dict(seconds=seconds, data_mb=data_mb, before_mb=before, peak_mb=peak)))
"""


def run_case(kind, n_rows, n_features):
    code = CASE.format(kind=kind, n_rows=n_rows, n_features=n_features)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "big_inputs.md")
    args = parser.parse_args(argv)
    size = SIZES["smoke" if args.smoke else "full"]
    cases = [
        ("predict", size["predict_rows"], 10),
        ("predict_dist + interval", size["predict_rows"], 10),
        ("fit (1 epoch, 2x64)", size["fit_rows"], 20),
    ]
    rows = []
    for label, n_rows, n_features in cases:
        kind = label.split()[0]
        result = run_case(kind, n_rows, n_features)
        rows.append((label, n_rows, n_features, result))
    lines = [
        "# Memory on big inputs",
        "",
        "One fresh process per case; `peak RSS` is the process's high-water mark, `before` is"
        " the mark after the data were created (and, for predictions, a small model fitted).",
        "",
        "| case | rows x features | data (MB) | before (MB) | peak RSS (MB) | added (MB) "
        "| time (s) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label, n_rows, n_features, r in rows:
        lines.append(
            f"| {label} | {n_rows:,} x {n_features} | {r['data_mb']:.0f} | {r['before_mb']:.0f} | "
            f"{r['peak_mb']:.0f} | {r['peak_mb'] - r['before_mb']:.0f} | {r['seconds']:.1f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.smoke:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    return rows


if __name__ == "__main__":
    main()
