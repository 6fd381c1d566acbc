"""Memory benchmark: fitting on a sparse 1,000,000 x 1,000 CSR matrix with 1% non-zeros.

skprob densifies a sparse ``X`` one batch (or prediction chunk) of rows at a time,
so a fit needs memory for the stored entries plus a few dense batches, never for
the dense copy (here 8,000 MB of float64). The case runs in a fresh process;
its peak resident memory is read from ``VmHWM`` in ``/proc/self/status`` after the
high-water mark is reset once the data exist (``/proc/self/clear_refs``), so the
"added" column is what the fit itself needed on top of the caller's data.

Run ``python benchmarks/sparse_memory.py`` (writes ``benchmarks/results/sparse_memory.md``;
a few minutes on one core) or ``python benchmarks/sparse_memory.py --smoke`` for a
seconds-long check. ``--rows`` scales the number of rows.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = {"full": 1_000_000, "smoke": 5_000}
N_FEATURES = 1000
DENSITY = 0.01

CASE = """
import json, resource, time
from pathlib import Path
import numpy as np, scipy.sparse as sp, torch
from skprob import HeteroscedasticRegressor
torch.set_num_threads(1)

def rss_mb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def reset_peak():
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False

rng = np.random.default_rng(0)
n, p, per_row = {n_rows}, {n_features}, {per_row}
# per_row distinct sorted columns in each row: one in each of per_row equal bands.
band = p // per_row
indices = (np.arange(per_row, dtype=np.int32) * band
           + rng.integers(0, band, size=(n, per_row), dtype=np.int32)).ravel()
indptr = np.arange(0, n * per_row + 1, per_row, dtype=np.int64)
data = rng.standard_normal(n * per_row)
X = sp.csr_matrix((data, indices, indptr), shape=(n, p))
del indices, indptr, data
w = rng.standard_normal(p) / np.sqrt(per_row)
y = X @ w + 0.5 * rng.standard_normal(n)
sparse_mb = (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20
dense_mb = n * p * 8 / 2**20
model = HeteroscedasticRegressor(max_iter={max_iter}, random_state=0)
exact = reset_peak()
before = rss_mb("VmRSS")
start = time.perf_counter()
model.fit(X, y)
fit_seconds = time.perf_counter() - start
peak = rss_mb("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
score = model.score(X[: min(n, 100_000)], y[: min(n, 100_000)])
print(json.dumps(dict(
    rows=n, features=p, nnz=int(X.nnz), sparse_mb=sparse_mb, dense_mb=dense_mb,
    before_mb=before, peak_mb=peak, fit_seconds=fit_seconds, epochs=model.n_iter_,
    score_100k=score, exact_peak=exact, width=model.width, depth=model.depth,
    batch=model.batch_size,
)))
"""


def run_case(n_rows, max_iter):
    code = CASE.format(
        n_rows=n_rows, n_features=N_FEATURES, per_row=int(N_FEATURES * DENSITY), max_iter=max_iter
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"the benchmark process failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "sparse_memory.md")
    args = parser.parse_args(argv)
    n_rows = args.rows or SIZES["smoke" if args.smoke else "full"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    r = run_case(n_rows, args.epochs)
    lines = [
        "# Memory of a fit on a sparse matrix",
        "",
        f"`python benchmarks/sparse_memory.py` — one fresh process, one thread; a CSR matrix of "
        f"{r['rows']:,} x {r['features']:,} float64 with {r['nnz']:,} stored entries "
        f"({100 * r['nnz'] / (r['rows'] * r['features']):g}% non-zeros), "
        f"`HeteroscedasticRegressor(max_iter={r['epochs']})` (depth {r['depth']}, width "
        f"{r['width']}, batch {r['batch']}, 10% validation split). `before` is the resident "
        "memory once the data exist; `peak` is the high-water mark of the fit"
        + (" (reset before it starts)." if r["exact_peak"] else " (process lifetime).")
        ,
        "",
        "| rows x features | CSR data (MB) | dense copy (MB) | before (MB) | peak (MB) "
        "| added by the fit (MB) | added / dense copy | fit time (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| {r['rows']:,} x {r['features']:,} | {r['sparse_mb']:.0f} | {r['dense_mb']:.0f} | "
        f"{r['before_mb']:.0f} | {r['peak_mb']:.0f} | {r['peak_mb'] - r['before_mb']:.0f} | "
        f"{(r['peak_mb'] - r['before_mb']) / r['dense_mb']:.3f} | {r['fit_seconds']:.1f} |",
        "",
        f"Mean log-likelihood on the first 100,000 rows after {r['epochs']} epoch(s): "
        f"{r['score_100k']:.3f}. Machine: {os.cpu_count()} cores, load average {load:.1f} when "
        "the case started (the fit time grows with the load; the memory does not).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.smoke:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    return r


if __name__ == "__main__":
    main()
