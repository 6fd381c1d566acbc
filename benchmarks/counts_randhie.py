"""Doctor visits (statsmodels' ``randhie``): count MLPs against statsmodels' Poisson and NB2 GLMs.

The RAND Health Insurance Experiment data that ship with statsmodels (20,190 people;
``mdvis``, the number of outpatient visits, on nine covariates) are split once, 80/20,
with a fixed seed. On the same training rows it fits

* statsmodels' Poisson GLM and NB2 model (``discrete_model.NegativeBinomial``, the
  dispersion estimated by maximum likelihood), each with an intercept;
* ``PoissonMLPRegressor``, ``NegativeBinomialMLPRegressor``,
  ``ZeroInflatedPoissonMLPRegressor`` and ``ZeroInflatedNegativeBinomialMLPRegressor``
  with their defaults (seeded);

and reports the mean held-out log-likelihood per person as NLL (nats, lower is better),
each from its own exact pmf. Needs statsmodels (the ``bench`` extra); the data are read
from the statsmodels package, nothing is downloaded. Run
``python benchmarks/counts_randhie.py`` (writes ``benchmarks/results/counts_randhie.md``)
or with ``--smoke`` for a seconds-long check.
"""

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import torch
from scipy import stats

HERE = Path(__file__).resolve().parent
SEED = 0


def load():
    from statsmodels.datasets import randhie

    data = randhie.load_pandas().data
    y = data["mdvis"].to_numpy(dtype=float)
    X = data.drop(columns="mdvis").to_numpy(dtype=float)
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(y))
    cut = int(round(0.8 * len(y)))
    return X[order[:cut]], y[order[:cut]], X[order[cut:]], y[order[cut:]]


def statsmodels_version():
    import statsmodels

    return statsmodels.__version__


def glm_scores(X, y, X_test, y_test):
    import statsmodels.api as sm

    Xc, Xc_test = sm.add_constant(X), sm.add_constant(X_test)
    poisson = sm.GLM(y, Xc, family=sm.families.Poisson()).fit()
    mu = poisson.predict(Xc_test)
    out = {"statsmodels Poisson GLM": (-stats.poisson(mu).logpmf(y_test).mean(),
                                       -stats.poisson(poisson.predict(Xc)).logpmf(y).mean())}
    nb2 = sm.NegativeBinomial(y, Xc, loglike_method="nb2").fit(disp=0, maxiter=200)
    alpha = float(nb2.params[-1])
    for name, rows, target in (("test", Xc_test, y_test), ("train", Xc, y)):
        mean = np.exp(rows @ nb2.params[:-1])
        nll = -stats.nbinom(n=1.0 / alpha, p=1.0 / (1.0 + alpha * mean)).logpmf(target).mean()
        out.setdefault("statsmodels NB2", [None, None])[0 if name == "test" else 1] = nll
    return {k: tuple(v) for k, v in out.items()}, alpha


def mlp_scores(X, y, X_test, y_test, smoke):
    from skprob import (
        NegativeBinomialMLPRegressor,
        PoissonMLPRegressor,
        ZeroInflatedNegativeBinomialMLPRegressor,
        ZeroInflatedPoissonMLPRegressor,
    )

    options = {"random_state": SEED, **({"max_iter": 3} if smoke else {})}
    out, seconds = {}, {}
    for cls in (PoissonMLPRegressor, NegativeBinomialMLPRegressor,
                ZeroInflatedPoissonMLPRegressor, ZeroInflatedNegativeBinomialMLPRegressor):
        start = time.perf_counter()
        model = cls(**options).fit(X, y)
        seconds[cls.__name__] = time.perf_counter() - start
        out[cls.__name__] = (model.nll(X_test, y_test), model.nll(X, y))
    return out, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(HERE / "results" / "counts_randhie.md"))
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    X, y, X_test, y_test = load()
    if args.smoke:
        X, y = X[:500], y[:500]
    glms, alpha = glm_scores(X, y, X_test, y_test)
    mlps, seconds = mlp_scores(X, y, X_test, y_test, args.smoke)
    rows = {**glms, **mlps}
    if args.smoke:
        return rows
    lines = [
        "# Doctor visits (randhie): count MLPs against statsmodels' GLMs",
        "",
        f"statsmodels' `randhie` data: {len(y) + len(y_test):,} people, `mdvis` (outpatient "
        f"visits; mean {np.mean(np.r_[y, y_test]):.2f}, {np.mean(np.r_[y, y_test] == 0):.1%} "
        f"zeros) on 9 covariates. One fixed 80/20 split (seed {SEED}): {len(y):,} rows to fit, "
        f"{len(y_test):,} held out. NLL in nats per person, each model's own exact pmf; the "
        "MLPs with their defaults (seeded), the GLMs with an intercept (statsmodels' "
        f"`GLM(Poisson)` and `NegativeBinomial(loglike_method='nb2')`, alpha = {alpha:.3f}).",
        "",
        "| model | held-out NLL | training NLL | fit time [s] |",
        "|---|---|---|---|",
    ]
    for name, (test, train) in sorted(rows.items(), key=lambda item: item[1][0]):
        fit = f"{seconds[name]:.0f}" if name in seconds else ""
        lines.append(f"| {name} | {test:.4f} | {train:.4f} | {fit} |")
    lines += ["", "Run with `python benchmarks/counts_randhie.py` (one torch thread) on "
              f"{platform.machine()} Linux, Python {platform.python_version()}, torch "
              f"{torch.__version__}, statsmodels {statsmodels_version()}; fit times are wall "
              "seconds on a 2-core machine shared with other processes (indicative only)."]
    Path(args.output).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return rows


if __name__ == "__main__":
    main()
