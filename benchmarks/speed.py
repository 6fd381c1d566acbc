"""Speed benchmark: skprob against a hand-written torch loop, skorch and sklearn's MLP.

All contenders train the same network (2 hidden layers of 64 ReLU units) on the same
synthetic heteroscedastic data for the same number of epochs and batch size. Times are
medians over repeated runs in one process (``time.perf_counter``); peak memory of the
``predict_dist`` run is measured in a fresh subprocess (``resource.getrusage``).

Run ``python benchmarks/speed.py`` (writes ``benchmarks/results/speed.md``) or
``python benchmarks/speed.py --smoke`` for a seconds-long check that the script works.
"""

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
SIZES = {
    "full": dict(n_rows=20_000, big_rows=200_000, dist_rows=1_000_000, repeats=5, epochs=20,
                 grid_widths=(32, 64, 128)),
    "smoke": dict(n_rows=1_000, big_rows=2_000, dist_rows=20_000, repeats=1, epochs=2,
                  grid_widths=(8,)),
}
N_FEATURES, WIDTH, DEPTH, EPOCHS, BATCH = 10, 64, 2, 20, 256


def make_data(n_rows, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, N_FEATURES)).astype(np.float32)
    y = X[:, 0] + np.sin(X[:, 1]) + np.exp(0.3 * X[:, 2]) * rng.standard_normal(n_rows)
    return X, y.astype(np.float32)


def gaussian_nll(out, y):
    scale = torch.nn.functional.softplus(out[:, 1]) + 1e-6
    return (0.5 * ((y - out[:, 0]) / scale) ** 2 + torch.log(scale)).mean()


def mlp(n_out=2):
    layers, n_in = [], N_FEATURES
    for _ in range(DEPTH):
        layers += [torch.nn.Linear(n_in, WIDTH), torch.nn.ReLU()]
        n_in = WIDTH
    return torch.nn.Sequential(*layers, torch.nn.Linear(n_in, n_out))


def fit_hand_loop(X, y):
    """The practical floor: what a user would write by hand."""
    torch.manual_seed(0)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    net = mlp()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(EPOCHS):
        order = torch.randperm(len(Xt))
        for start in range(0, len(Xt), BATCH):
            idx = order[start : start + BATCH]
            loss = gaussian_nll(net(Xt[idx]), yt[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return net.eval()


def fit_skprob(X, y):
    from skprob import HeteroscedasticRegressor

    return HeteroscedasticRegressor(
        depth=DEPTH, width=WIDTH, batch_size=BATCH, max_iter=EPOCHS, early_stopping=False,
        n_iter_no_change=EPOCHS + 1, scale_inputs=False, random_state=0,
    ).fit(X, y)


def fit_skorch(X, y):
    from skorch import NeuralNetRegressor

    class NLL(torch.nn.Module):
        def forward(self, out, target):
            return gaussian_nll(out, target.reshape(-1))

    net = NeuralNetRegressor(
        mlp, criterion=NLL, optimizer=torch.optim.Adam, lr=1e-3, max_epochs=EPOCHS,
        batch_size=BATCH, train_split=None, verbose=0, iterator_train__shuffle=True,
    )
    return net.fit(X, y.reshape(-1, 1))


def fit_sklearn(X, y):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPRegressor(
            hidden_layer_sizes=(WIDTH,) * DEPTH, batch_size=BATCH, max_iter=EPOCHS, tol=0.0,
            n_iter_no_change=EPOCHS + 1, random_state=0,
        ).fit(X, y)


FITTERS = {"hand-written torch loop": fit_hand_loop, "skprob": fit_skprob,
           "skorch": fit_skorch, "sklearn MLPRegressor": fit_sklearn}
#: Contenders that need a package of the benchmark environment (``make bench``).
PEER_PACKAGES = {"skorch": "skorch"}


def available_fitters():
    """The contenders whose packages are installed, and the names of those that are not."""
    missing = [name for name, package in PEER_PACKAGES.items()
               if importlib.util.find_spec(package) is None]
    return {n: f for n, f in FITTERS.items() if n not in missing}, missing


def predictor(name, model):
    if name == "hand-written torch loop":
        def predict(x):
            with torch.inference_mode():
                return model(torch.as_tensor(x)).numpy()
        return predict
    return model.predict


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def latency_us(fn, x, calls):
    fn(x)
    start = time.perf_counter()
    for _ in range(calls):
        fn(x)
    return (time.perf_counter() - start) / calls * 1e6


def predict_dist_memory(n_rows):
    """Run predict_dist on n_rows in a fresh process; return (seconds, peak RSS growth in MB)."""
    code = f"""
import json, resource, time, numpy as np, torch
from skprob import HeteroscedasticRegressor
rng = np.random.default_rng(0)
X = rng.standard_normal((2000, {N_FEATURES})).astype(np.float32)
model = HeteroscedasticRegressor(depth={DEPTH}, width={WIDTH}, max_iter=2, random_state=0)
model.fit(X, X[:, 0])
X_big = rng.standard_normal(({n_rows}, {N_FEATURES})).astype(np.float32)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
dist = model.predict_dist(X_big)
lower, upper = dist.interval(0.9)
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": seconds, "growth_mb": (after - before) / 1024}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["seconds"], result["growth_mb"]


def grid_search_times(X, y, widths):
    """Wall time of one GridSearchCV per n_jobs setting.

    joblib keeps its worker processes between calls, so the first ``n_jobs=2`` search
    pays for starting them (a fresh interpreter importing torch and scikit-learn, about
    5 s here) and a second identical search shows the cost once they are running.
    """
    from sklearn.model_selection import GridSearchCV

    from skprob import HeteroscedasticRegressor

    estimator = HeteroscedasticRegressor(max_iter=EPOCHS, batch_size=BATCH, random_state=0)
    grid = {"depth": [1, 2], "width": list(widths)}
    times = {}
    for label, n_jobs in (("n_jobs=1", 1), ("n_jobs=2, workers starting", 2),
                          ("n_jobs=2, workers running", 2)):
        start = time.perf_counter()
        GridSearchCV(estimator, grid, cv=3, n_jobs=n_jobs).fit(X, y)
        times[label] = time.perf_counter() - start
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "speed.md")
    args = parser.parse_args(argv)
    size = SIZES["smoke" if args.smoke else "full"]
    global EPOCHS  # the contenders read it; the smoke run only checks that they all work
    EPOCHS = size["epochs"]
    X, y = make_data(size["n_rows"])
    x_one = X[:1]
    rows = []
    base = None
    fitters, missing = available_fitters()
    for name, fit in fitters.items():
        seconds = median_time(lambda fit=fit: fit(X, y), size["repeats"])
        model = fit(X, y)
        latency = latency_us(predictor(name, model), x_one, 200 if args.smoke else 2000)
        base = seconds if base is None else base
        rows.append((name, seconds, seconds / base, latency))
    X_big, y_big = make_data(size["big_rows"])
    big = {name: median_time(lambda f=FITTERS[name]: f(X_big, y_big), 1)
           for name in ("hand-written torch loop", "skprob")}
    dist_seconds, dist_growth = predict_dist_memory(size["dist_rows"])
    grid = grid_search_times(X, y, size["grid_widths"])
    n_candidates = 2 * len(size["grid_widths"])
    serial = grid["n_jobs=1"]
    starting, running = "n_jobs=2, workers starting", "n_jobs=2, workers running"

    lines = [
        "# Speed",
        "",
        f"Data: {size['n_rows']:,} rows x {N_FEATURES} features, heteroscedastic normal target; "
        f"MLP {DEPTH}x{WIDTH} ReLU, Adam (lr 1e-3), {EPOCHS} epochs, batch {BATCH}, "
        f"torch threads {torch.get_num_threads()}. Median of {size['repeats']} fits.",
        "",
        *([f"Not installed, so not run: {', '.join(missing)} (install the benchmark "
           "environment with `make bench`).", ""] if missing else []),
        "| contender | fit (s) | fit / hand loop | predict 1 row (us) |",
        "|---|---:|---:|---:|",
        *[f"| {n} | {s:.2f} | {r:.2f} | {lat:.0f} |" for n, s, r, lat in rows],
        "",
        f"Fit on {size['big_rows']:,} rows (one run): hand loop "
        f"{big['hand-written torch loop']:.2f} s, skprob {big['skprob']:.2f} s "
        f"(ratio {big['skprob'] / big['hand-written torch loop']:.2f}).",
        "",
        f"`predict_dist` + 90% intervals on {size['dist_rows']:,} rows: {dist_seconds:.2f} s "
        f"({size['dist_rows'] / dist_seconds:,.0f} rows/s), peak RSS growth {dist_growth:.0f} MB.",
        "",
        f"GridSearchCV (depth {{1, 2}} x width {{{', '.join(map(str, size['grid_widths']))}}}, "
        f"{n_candidates} candidates, 3 folds, the fit above): "
        + ", ".join(f"{label} {seconds:.2f} s" for label, seconds in grid.items())
        + f"; speed-up of n_jobs=2 over n_jobs=1: {serial / grid[starting]:.2f}x"
        f" with the workers' start-up, {serial / grid[running]:.2f}x without.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.smoke:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    return {"rows": rows, "big": big, "dist": (dist_seconds, dist_growth), "grid": grid}


if __name__ == "__main__":
    main()
