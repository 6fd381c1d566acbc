"""Recovery of the generating model by the families of counts, positives, ordinal classes
and compositions, and the family that ``DistributionRegressor(distribution="auto")`` picks.

Part ``recovery``: for each family (the Poisson rate with exposure scored on the
counts), data drawn from a known model whose parameters all depend on x (with an
interaction); the estimator with its defaults (seeded) is fitted on 5,000 rows and scored
on 20,000 fresh rows. Reported: the held-out NLL gap to the generating model (nats per
row; the target is under 0.05) and the coverage of the central 90% interval (the target
is 87-93% for continuous targets; for counts, classes and the Tweedie's zeros, whose
interval ends are atoms, the generating model's own coverage is shown beside it; for
compositions, each part's marginal interval).

Part ``auto``: on synthetic sets of 3,000 rows from one family each,
``DistributionRegressor(distribution="auto")`` with its defaults (seeded) chooses among all
registered families whose support holds the target; reported are the choice, the held-out
scores of the candidates and the time.

Run ``python benchmarks/families.py recovery`` and ``python benchmarks/families.py auto``
(one torch thread each); each writes its part of ``benchmarks/results/families.md``.
"""

import argparse
import platform
import re
import time
from pathlib import Path

import numpy as np
import torch
from scipy import special

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "results" / "families.md"
N_TRAIN, N_TEST, SEED = 5000, 20000, 4


def _x(rng, n):
    return rng.uniform(-1.0, 1.0, size=(n, 3))


def zero_inflated(kind):
    from skprob.families.zero_inflated import (
        ZeroInflatedNegativeBinomialDistribution,
        ZeroInflatedPoissonDistribution,
    )

    def make(rng, n):
        X = _x(rng, n)
        mean = np.exp(1.2 + X[:, 0] + 0.5 * X[:, 1] * X[:, 2])
        pi = special.expit(-0.5 + 1.5 * X[:, 1])
        if kind == "poisson":
            counts = rng.poisson(mean)
            truth = ZeroInflatedPoissonDistribution(rate=mean, zero_logit=special.logit(pi))
        else:
            alpha = np.exp(-0.7 + 0.5 * X[:, 2])
            counts = rng.negative_binomial(1.0 / alpha, 1.0 / (1.0 + alpha * mean))
            truth = ZeroInflatedNegativeBinomialDistribution(
                mean=mean, alpha=alpha, zero_logit=special.logit(pi))
        return X, np.where(rng.uniform(size=n) < pi, 0, counts).astype(float), truth
    return make


def lognormal(rng, n):
    from skprob.families.lognormal import LogNormalDistribution

    X = _x(rng, n)
    median = np.exp(1.0 + X[:, 0] + 0.5 * X[:, 1] * X[:, 2])
    sigma = np.exp(-1.0 + 0.6 * X[:, 1])
    y = median * np.exp(sigma * rng.standard_normal(n))
    return X, y, LogNormalDistribution(median=median, sigma=sigma)


def weibull(rng, n):
    from skprob.families.weibull import WeibullDistribution

    X = _x(rng, n)
    scale = np.exp(1.0 + X[:, 0] + 0.5 * X[:, 1] * X[:, 2])
    shape = np.exp(0.5 + 0.4 * X[:, 1])
    return X, scale * rng.weibull(shape), WeibullDistribution(scale=scale, shape=shape)


def tweedie(rng, n):
    """Amounts with exact zeros: Tweedie with power 1.5 (the estimator's default)."""
    from skprob.families.tweedie import TweedieDistribution

    X = _x(rng, n)
    mean = np.exp(0.5 + X[:, 0] + 0.5 * X[:, 1] * X[:, 2])
    dispersion = np.exp(0.2 + 0.5 * X[:, 1])
    truth = TweedieDistribution(mean=mean, dispersion=dispersion, power=1.5)
    return X, truth.rvs(random_state=int(rng.integers(2**31))), truth


def ordinal(rng, n):
    from skprob.families.ordinal import OrdinalDistribution

    X = _x(rng, n)
    cutpoints = np.array([-1.0, 0.5, 2.0])
    eta = 1.5 * X[:, 0] + np.sin(2.0 * X[:, 1]) + 0.5 * X[:, 1] * X[:, 2]
    codes = np.searchsorted(cutpoints, eta + rng.logistic(size=n))
    truth = OrdinalDistribution(eta=eta, cutpoints=np.tile(cutpoints, (n, 1)),
                                classes=np.arange(4))
    return X, codes, truth


def dirichlet(rng, n):
    from skprob.families.dirichlet import DirichletDistribution

    X = _x(rng, n)
    logits = np.stack([X[:, 0], -X[:, 0] + 0.5 * X[:, 1] * X[:, 2], np.zeros(n)], axis=1)
    mean = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    alpha = mean * np.exp(2.5 + 0.8 * X[:, 2])[:, None]
    return X, np.stack([rng.dirichlet(a) for a in alpha]), DirichletDistribution(alpha=alpha)


def claims(rng, n):
    """Counts over exposures from 0.05 to 1; returned as rates, with the exposure."""
    from skprob.families.poisson_rate import PoissonRateDistribution

    X = _x(rng, n)
    rate = np.exp(0.3 + X[:, 0] + 0.5 * X[:, 1] * X[:, 2])
    exposure = rng.uniform(0.05, 1.0, n)
    counts = rng.poisson(rate * exposure).astype(float)
    return X, counts / exposure, PoissonRateDistribution(rate=rate), exposure


def _coverage(dist, y):
    if y.ndim == 2:  # compositions: each part's marginal interval, averaged over the parts
        return float(np.mean((y >= dist.ppf(0.05)) & (y <= dist.ppf(0.95))))
    if dist.discrete and hasattr(dist, "classes"):
        lower, upper = dist.interval(0.9)
        return float(np.mean((y >= lower) & (y <= upper)))
    return float(dist.in_interval(y, 0.9).mean())


def recovery():
    import skprob

    cases = [
        ("ZeroInflatedPoissonMLPRegressor", zero_inflated("poisson")),
        ("ZeroInflatedNegativeBinomialMLPRegressor", zero_inflated("nb")),
        ("LogNormalMLPRegressor", lognormal),
        ("WeibullMLPRegressor", weibull),
        ("TweedieMLPRegressor", tweedie),
        ("OrdinalMLPClassifier", ordinal),
        ("DirichletMLPRegressor", dirichlet),
        ("PoissonRateMLPRegressor", claims),
    ]
    lines = ["| estimator | NLL gap [nats] | 90% coverage | generating model's coverage | "
             "fit [s] |", "|---|---:|---:|---:|---:|"]
    for name, make in cases:
        rng = np.random.default_rng(SEED)
        X, y, _, *exposure = make(rng, N_TRAIN)
        X_test, y_test, truth, *exposure_test = make(rng, N_TEST)
        weight = {"sample_weight": exposure[0]} if exposure else {}
        start = time.perf_counter()
        model = getattr(skprob, name)(random_state=0).fit(X, y, **weight)
        seconds = time.perf_counter() - start
        dist = model.predict_dist(X_test)
        if exposure:  # rates: scored as the counts over each row's exposure
            dist, truth = dist.counts(exposure_test[0]), truth.counts(exposure_test[0])
            y_test = np.round(y_test * exposure_test[0])
        gap = -dist.log_likelihood(y_test).mean() + truth.log_likelihood(y_test).mean()
        row = (f"| {name} | {gap:.4f} | {_coverage(dist, y_test):.1%} | "
               f"{_coverage(truth, y_test):.1%} | {seconds:.0f} |")
        print(row, flush=True)
        lines.append(row)
    return lines


def auto():
    from skprob import DistributionRegressor

    def normal(rng, n):
        X = _x(rng, n)
        return X, 1.0 + X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + np.exp(-1 + 0.5 * X[:, 1]) * \
            rng.standard_normal(n)

    def counts(kind):
        def make(rng, n):
            X = _x(rng, n)
            mean = np.exp(1.0 + 0.8 * X[:, 0])
            if kind == "poisson":
                return X, rng.poisson(mean).astype(float)
            if kind == "negative_binomial":
                return X, rng.negative_binomial(1.5, 1.5 / (1.5 + mean)).astype(float)
            pi = special.expit(-0.5 + 1.5 * X[:, 1])
            return X, np.where(rng.uniform(size=n) < pi, 0, rng.poisson(mean)).astype(float)
        return make

    def positive(kind):
        def make(rng, n):
            X = _x(rng, n)
            median = np.exp(0.5 + 0.7 * X[:, 0])
            if kind == "lognormal":
                return X, median * np.exp(0.8 * rng.standard_normal(n))
            if kind == "gamma":
                return X, rng.gamma(3.0, median / 3.0)
            return X, median * rng.weibull(0.8, n)
        return make

    cases = [("normal", normal), ("poisson", counts("poisson")),
             ("negative_binomial", counts("negative_binomial")),
             ("zero_inflated_poisson", counts("zero_inflated_poisson")),
             ("lognormal", positive("lognormal")), ("gamma", positive("gamma")),
             ("weibull", positive("weibull"))]
    lines = ["| generating family | chosen | held-out log-likelihood per candidate "
             "(best first) | fit [s] |", "|---|---|---|---:|"]
    for kind, make in cases:
        X, y = make(np.random.default_rng(SEED), 3000)
        start = time.perf_counter()
        model = DistributionRegressor(distribution="auto", random_state=0).fit(X, y)
        seconds = time.perf_counter() - start
        scores = sorted(((s, n) for n, s in model.selection_scores_.items() if s is not None),
                        reverse=True)
        failed = [n for n, s in model.selection_scores_.items() if s is None]
        text = ", ".join(f"{n} {s:.3f}" for s, n in scores) + \
            (f"; not fitted: {', '.join(failed)}" if failed else "")
        row = f"| {kind} | {model.distribution_} | {text} | {seconds:.0f} |"
        print(row, flush=True)
        lines.append(row)
    return lines


def _write(part, lines, command):
    text = OUTPUT.read_text() if OUTPUT.exists() else (
        "# Families: recovery of the generating model, and the choice of "
        "`distribution=\"auto\"`\n\nMade by `benchmarks/families.py` (see its docstring for "
        "the data).\n")
    block = (f"<!-- {part} -->\n## {part}\n\nCommand: `{command}` on {platform.machine()} "
             f"Linux, Python {platform.python_version()}, torch {torch.__version__}, one torch "
             "thread, a 2-core machine shared with other processes (times are indicative).\n\n"
             + "\n".join(lines) + f"\n<!-- /{part} -->\n")
    pattern = re.compile(rf"<!-- {part} -->.*<!-- /{part} -->\n", re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text + "\n" + block
    OUTPUT.write_text(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["recovery", "auto"])
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    lines = recovery() if args.part == "recovery" else auto()
    _write(args.part, lines, f"python benchmarks/families.py {args.part}")


if __name__ == "__main__":
    main()
