"""The numpy-side distributions of the built-in families, checked against scipy.stats.

Every summary, quantile, density and sampling method of the normal, Poisson,
Bernoulli and categorical distributions is compared with the matching frozen
scipy distribution on seeded random parameters, for one output per row and, where
the class supports it, several outputs per row. The container behaviour shared
by all distributions (length, slicing, ``to_frame``, ``params``) is checked too.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from skprob.exceptions import TargetSupportError
from skprob.families.bernoulli import BernoulliDistribution
from skprob.families.categorical import CategoricalDistribution
from skprob.families.normal import NormalDistribution
from skprob.families.poisson import PoissonDistribution

ATOL = 1e-6
N_ROWS = 7
N_OUTPUTS = 3
QUANTILE_LEVELS = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]
CONFIDENCES = [0.5, 0.8, 0.95]
BAD_CONFIDENCES = [0.0, 1.0, 1.5, -0.2]
# Sample size and tolerance (in standard errors) for the moment checks: loose
# enough to never flake, tight enough to catch a wrong parametrisation.
N_DRAWS = 20000
N_SE = 6.0


def close(actual, expected, atol=ATOL):
    np.testing.assert_allclose(actual, expected, rtol=ATOL, atol=atol)


# -- builders: a skprob distribution and the matching frozen scipy one ----------------
def make_normal(shape, seed=0, **kwargs):
    rng = np.random.default_rng(seed)
    loc = rng.normal(0.0, 5.0, size=shape)
    scale = rng.uniform(0.1, 3.0, size=shape)
    return NormalDistribution(loc=loc, scale=scale, **kwargs), stats.norm(loc, scale)


def make_poisson(shape, seed=0, **kwargs):
    rng = np.random.default_rng(seed)
    rate = rng.uniform(0.2, 15.0, size=shape)
    return PoissonDistribution(rate=rate, **kwargs), stats.poisson(rate)


def make_bernoulli(n_rows, seed=0, classes=(0, 1), **kwargs):
    # Moderate logits: scipy computes log(1 - p) directly, which loses all
    # precision for large logits where skprob stays in log space.
    logit = np.random.default_rng(seed).normal(0.0, 2.0, size=n_rows)
    dist = BernoulliDistribution(logit=logit, classes=list(classes), **kwargs)
    return dist, stats.bernoulli(special.expit(logit))


def make_categorical(n_rows, seed=0, classes=("a", "b", "c", "d"), **kwargs):
    probs = np.random.default_rng(seed).dirichlet(np.ones(len(classes)), size=n_rows)
    dist = CategoricalDistribution(log_probs=np.log(probs), classes=list(classes), **kwargs)
    return dist, probs


SCALAR_CASES = [
    pytest.param((make_normal, (N_ROWS,)), id="normal-1d"),
    pytest.param((make_normal, (N_ROWS, N_OUTPUTS)), id="normal-2d"),
    pytest.param((make_poisson, (N_ROWS,)), id="poisson-1d"),
    pytest.param((make_poisson, (N_ROWS, N_OUTPUTS)), id="poisson-2d"),
]


@pytest.fixture(params=SCALAR_CASES)
def scalar_case(request):
    """A normal or Poisson distribution, its scipy twin and its batch shape."""
    make, shape = request.param
    dist, frozen = make(shape)
    return dist, frozen, shape


def sample_points(dist, frozen, shape, seed=1):
    """Evaluation points inside the support (integers for discrete distributions)."""
    y = frozen.rvs(size=shape, random_state=seed).astype(np.float64)
    if dist.discrete:
        y[0] = 0.0  # the edge of the support
    return y


# -- normal and Poisson, against scipy ------------------------------------------------
def test_summaries_match_scipy(scalar_case):
    dist, frozen, shape = scalar_case
    assert dist.batch_shape == shape
    close(dist.mean(), frozen.mean())
    close(dist.var(), frozen.var())
    close(dist.std(), frozen.std())
    close(dist.median(), frozen.median())
    for method in ("mean", "var", "std", "median", "mode"):
        assert getattr(dist, method)().shape == shape, method
    if not dist.discrete:  # the normal's mode is its location
        close(dist.mode(), dist.params["loc"])


def test_poisson_mode_is_floor_rate_and_maximises_pmf():
    rate = np.array([[0.2, 1.0, 2.5], [3.0, 3.7, 12.9], [0.999, 7.0, 40.5]])
    dist = PoissonDistribution(rate=rate)
    mode = dist.mode()
    np.testing.assert_array_equal(mode, np.floor(rate))
    grid = np.arange(120.0).reshape(-1, 1, 1)
    best = stats.poisson.pmf(grid, rate).max(axis=0)
    # Integer rates have two modes (rate - 1 and rate): floor(rate) is one of them.
    close(dist.pmf(mode), best, atol=1e-12)
    close(dist.pmf(mode), stats.poisson.pmf(mode, rate))


def test_ppf_scalar_and_broadcast(scalar_case):
    dist, frozen, shape = scalar_case
    rng = np.random.default_rng(2)
    for q in QUANTILE_LEVELS:
        close(dist.ppf(q), frozen.ppf(q))
        assert dist.ppf(q).shape == shape
    per_row = rng.uniform(0.01, 0.99, size=shape)
    close(dist.ppf(per_row), frozen.ppf(per_row))
    # A leading axis of levels broadcasts against the rows (and outputs).
    stacked = rng.uniform(0.01, 0.99, size=(4,) + (1,) * len(shape))
    assert dist.ppf(stacked).shape == (4,) + shape
    close(dist.ppf(stacked), frozen.ppf(stacked))
    per_output = rng.uniform(0.01, 0.99, size=shape[-1:])
    close(dist.ppf(per_output), frozen.ppf(per_output))


def test_quantiles_stack_ppf_on_last_axis(scalar_case):
    dist, frozen, shape = scalar_case
    quantiles = dist.quantiles(QUANTILE_LEVELS)
    assert quantiles.shape == shape + (len(QUANTILE_LEVELS),)
    for j, q in enumerate(QUANTILE_LEVELS):
        close(quantiles[..., j], frozen.ppf(q))
    assert np.all(np.diff(quantiles, axis=-1) >= 0)


@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_interval_is_central_ppf(scalar_case, confidence):
    dist, frozen, _ = scalar_case
    lower, upper = dist.interval(confidence)
    close(lower, dist.ppf((1 - confidence) / 2))
    close(upper, dist.ppf((1 + confidence) / 2))
    close(lower, frozen.ppf((1 - confidence) / 2))
    close(upper, frozen.ppf((1 + confidence) / 2))


@pytest.mark.parametrize("confidence", BAD_CONFIDENCES)
def test_interval_rejects_bad_confidence(scalar_case, confidence):
    dist, _, _ = scalar_case
    with pytest.raises(ValueError, match="confidence"):
        dist.interval(confidence)


def test_cdf_sf_match_scipy(scalar_case):
    dist, frozen, shape = scalar_case
    y = sample_points(dist, frozen, shape)
    close(dist.cdf(y), frozen.cdf(y))
    close(dist.sf(y), frozen.sf(y))
    close(dist.cdf(y) + dist.sf(y), np.ones(shape))
    # The cdf at a quantile is at least the level (exactly it when continuous).
    for q in (0.1, 0.5, 0.9):
        assert np.all(dist.cdf(dist.ppf(q)) >= q - ATOL)


def test_density_matches_scipy(scalar_case):
    dist, frozen, shape = scalar_case
    y = sample_points(dist, frozen, shape)
    if dist.discrete:
        close(dist.logpmf(y), frozen.logpmf(y))
        close(dist.pmf(y), frozen.pmf(y))
        # Non-integer counts have probability zero.
        assert np.all(dist.logpmf(y + 0.5) == -np.inf)
        with pytest.raises(AttributeError, match="logpmf"):
            dist.logpdf(y)
        with pytest.raises(AttributeError):
            dist.pdf(y)
    else:
        close(dist.logpdf(y), frozen.logpdf(y))
        close(dist.pdf(y), frozen.pdf(y))
        with pytest.raises(AttributeError, match="logpdf"):
            dist.logpmf(y)
        with pytest.raises(AttributeError):
            dist.pmf(y)


def test_normal_logpdf_far_in_the_tails():
    # Exact where the square is representable, even when y - loc itself overflows ...
    dist = NormalDistribution(loc=[-1.7e308, 0.0], scale=[1e300, 1e-300])
    expected = stats.norm.logpdf(3.4e8) - 300 * np.log(10.0)
    np.testing.assert_allclose(dist.logpdf([1.7e308, 1e-147]),
                               [expected, -0.5 * 1e306 + 300 * np.log(10.0)], rtol=1e-13)
    # ... and -inf, silently, where -z**2 / 2 is below the most negative double.
    far = NormalDistribution(loc=[-9.1668e297, 0.0], scale=[2.3618, 1.0])
    assert np.all(far.logpdf([0.0, 1e200]) == -np.inf)


def test_log_likelihood_sums_over_outputs(scalar_case):
    dist, frozen, shape = scalar_case
    y = sample_points(dist, frozen, shape)
    expected = frozen.logpmf(y) if dist.discrete else frozen.logpdf(y)
    loglik = dist.log_likelihood(y)
    assert loglik.shape == (N_ROWS,)
    close(loglik, expected.reshape(N_ROWS, -1).sum(axis=1))
    if len(shape) == 1:  # one output also accepts a column target
        close(dist.log_likelihood(y[:, None]), loglik)
        close(dist.cdf(y[:, None]), frozen.cdf(y))


@pytest.mark.parametrize("method", ["cdf", "sf", "log_likelihood", "density"])
def test_wrong_target_shape_raises(scalar_case, method):
    dist, _, shape = scalar_case
    if method == "density":
        method = "logpmf" if dist.discrete else "logpdf"
    wrong = [(N_ROWS + 1,) + shape[1:], (N_ROWS, N_OUTPUTS + 1), (N_ROWS, 1, 1)]
    if len(shape) == 2:
        wrong.append((N_ROWS,))
    for bad in wrong:
        with pytest.raises(ValueError, match="shape"):
            getattr(dist, method)(np.ones(bad))


def test_rvs_shape_and_seeding(scalar_case):
    dist, _, shape = scalar_case
    assert dist.rvs(random_state=0).shape == shape
    draws = dist.rvs(size=5, random_state=0)
    assert draws.shape == (5,) + shape
    np.testing.assert_array_equal(draws, dist.rvs(size=5, random_state=0))
    np.testing.assert_array_equal(draws, dist.rvs(size=5, random_state=np.random.RandomState(0)))
    assert not np.array_equal(draws, dist.rvs(size=5, random_state=1))
    if dist.discrete:
        assert np.all(draws >= 0) and np.all(draws == np.floor(draws))


def test_rvs_moments(scalar_case):
    dist, _, shape = scalar_case
    draws = dist.rvs(size=N_DRAWS, random_state=4)
    mean, var = dist.mean(), dist.var()
    assert np.all(np.abs(draws.mean(axis=0) - mean) < N_SE * np.sqrt(var / N_DRAWS))
    # The sample variance of these light-tailed laws is within a few percent.
    np.testing.assert_allclose(draws.var(axis=0), var, rtol=0.08)


# -- Bernoulli, against scipy.stats.bernoulli -----------------------------------------
def test_bernoulli_matches_scipy():
    dist, frozen = make_bernoulli(N_ROWS)
    p = frozen.mean()
    close(dist.p, p)
    for method in ("mean", "var", "std", "median"):
        close(getattr(dist, method)(), getattr(frozen, method)())
    per_row = np.random.default_rng(5).uniform(size=N_ROWS)
    close(dist.ppf(per_row), frozen.ppf(per_row))
    quantiles = dist.quantiles(QUANTILE_LEVELS)
    assert quantiles.shape == (N_ROWS, len(QUANTILE_LEVELS))
    for j, q in enumerate(QUANTILE_LEVELS):
        close(dist.ppf(q), frozen.ppf(q))
        close(quantiles[:, j], frozen.ppf(q))
    for confidence in CONFIDENCES:
        tails = np.array([[(1 - confidence) / 2], [(1 + confidence) / 2]])
        close(dist.interval(confidence), frozen.ppf(tails))
    for confidence in BAD_CONFIDENCES:
        with pytest.raises(ValueError, match="confidence"):
            dist.interval(confidence)
    y = frozen.rvs(random_state=6)
    for method in ("cdf", "sf", "logpmf", "pmf"):
        close(getattr(dist, method)(y), getattr(frozen, method)(y))
    close(dist.log_likelihood(y), frozen.logpmf(y))
    close(dist.log_likelihood(y[:, None]), frozen.logpmf(y))
    np.testing.assert_array_equal(dist.mode(), (p > 0.5).astype(int))
    with pytest.raises(AttributeError, match="logpmf"):
        dist.logpdf(y)
    with pytest.raises(AttributeError):
        dist.pdf(y)


def test_bernoulli_log_probs_stay_accurate_for_extreme_logits():
    logit = np.array([-60.0, -35.0, 0.0, 35.0, 60.0])
    dist = BernoulliDistribution(logit=logit, classes=[0, 1])
    close(dist.logpmf(np.ones(5, dtype=int)), -np.logaddexp(0.0, -logit), atol=1e-12)
    close(dist.logpmf(np.zeros(5, dtype=int)), -np.logaddexp(0.0, logit), atol=1e-12)
    assert np.all(np.isfinite(dist.log_probs()))


def test_bernoulli_string_labels():
    dist, frozen = make_bernoulli(N_ROWS, classes=("no", "yes"))
    p = frozen.mean()
    labels = np.where(np.arange(N_ROWS) % 2 == 0, "yes", "no")
    indicator = (labels == "yes").astype(int)
    close(dist.pmf(labels), frozen.pmf(indicator))
    close(dist.cdf(labels), frozen.cdf(indicator))
    np.testing.assert_array_equal(dist.mode(), np.where(p > 0.5, "yes", "no"))
    with pytest.raises(TargetSupportError, match="maybe"):
        dist.logpmf(np.where(np.arange(N_ROWS) == 3, "maybe", "no"))
    assert issubclass(TargetSupportError, ValueError)


def test_bernoulli_probs_and_entropy():
    dist, frozen = make_bernoulli(N_ROWS)
    p = frozen.mean()
    close(dist.probs(), np.column_stack([1 - p, p]))
    close(dist.entropy(), frozen.entropy())


def test_bernoulli_rvs():
    dist, frozen = make_bernoulli(N_ROWS, classes=("no", "yes"))
    assert dist.rvs(random_state=0).shape == (N_ROWS,)
    draws = dist.rvs(size=N_DRAWS, random_state=0)
    assert draws.shape == (N_DRAWS, N_ROWS)
    assert set(np.unique(draws)) <= {"no", "yes"}
    np.testing.assert_array_equal(draws, dist.rvs(size=N_DRAWS, random_state=0))
    assert not np.array_equal(draws[:20], dist.rvs(size=20, random_state=1))
    p = frozen.mean()
    se = np.sqrt(p * (1 - p) / N_DRAWS)
    assert np.all(np.abs((draws == "yes").mean(axis=0) - p) < N_SE * se + 1e-9)


# -- categorical ----------------------------------------------------------------------
@pytest.mark.parametrize("classes", [("a", "b", "c", "d"), (-1, 0, 3, 10)], ids=["str", "int"])
def test_categorical_matches_multinomial(classes):
    dist, probs = make_categorical(N_ROWS, classes=classes)
    classes = np.asarray(classes)
    codes = np.random.default_rng(7).integers(0, len(classes), size=N_ROWS)
    labels = classes[codes]
    one_hot = np.eye(len(classes))[codes]
    expected = np.array(
        [stats.multinomial(1, p).logpmf(x) for p, x in zip(probs, one_hot, strict=True)]
    )
    close(dist.logpmf(labels), expected)
    close(dist.pmf(labels), np.exp(expected))
    close(dist.log_likelihood(labels), expected)
    close(dist.log_likelihood(labels[:, None]), expected)
    close(dist.probs(), probs)
    close(dist.log_probs(), np.log(probs))
    close(dist.entropy(), stats.entropy(probs, axis=1))
    np.testing.assert_array_equal(dist.mode(), classes[np.argmax(probs, axis=1)])
    with pytest.raises(AttributeError, match="logpmf"):
        dist.logpdf(labels)
    with pytest.raises(AttributeError):
        dist.pdf(labels)


def test_categorical_has_no_numeric_summaries():
    # Labels have no order or arithmetic: the base class says so explicitly.
    dist, _ = make_categorical(N_ROWS)
    for method, args in [("mean", ()), ("var", ()), ("median", ()), ("ppf", (0.5,)),
                         ("cdf", (["a"] * N_ROWS,)), ("quantiles", ([0.5],))]:
        with pytest.raises(NotImplementedError):
            getattr(dist, method)(*args)


def test_categorical_unknown_label_is_named():
    dist, _ = make_categorical(N_ROWS)
    labels = np.array(["a", "b", "zebra", "c", "d", "a", "b"])
    with pytest.raises(TargetSupportError, match="zebra"):
        dist.logpmf(labels)
    with pytest.raises(ValueError, match="zebra"):
        dist.log_likelihood(labels)


def test_categorical_wrong_target_shape_raises():
    dist, _ = make_categorical(N_ROWS)
    for bad in [np.array(["a"] * (N_ROWS + 1)), np.array([["a", "b"]] * N_ROWS)]:
        with pytest.raises(ValueError, match="shape"):
            dist.logpmf(bad)


def test_categorical_rvs():
    dist, probs = make_categorical(N_ROWS)
    assert dist.rvs(random_state=0).shape == (N_ROWS,)
    draws = dist.rvs(size=N_DRAWS, random_state=0)
    assert draws.shape == (N_DRAWS, N_ROWS)
    assert set(np.unique(draws)) <= set(dist.classes)
    np.testing.assert_array_equal(draws, dist.rvs(size=N_DRAWS, random_state=0))
    assert not np.array_equal(draws[:20], dist.rvs(size=20, random_state=1))
    for j, label in enumerate(dist.classes):
        freq = (draws == label).mean(axis=0)
        se = np.sqrt(probs[:, j] * (1 - probs[:, j]) / N_DRAWS)
        assert np.all(np.abs(freq - probs[:, j]) < N_SE * se + 1e-9), label


def test_categorical_unsorted_classes():
    probs = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    dist = CategoricalDistribution(log_probs=np.log(probs), classes=["b", "a", "c"])
    close(dist.pmf(["a", "b"]), [0.3, 0.6])


# -- the container protocol, for every class ------------------------------------------
OUTPUT_NAMES = ["y1", "y2", "y3"]
INDEX = pd.Index([f"row{i}" for i in range(N_ROWS)], name="id")
CONTAINER_CASES = {  # builder, expected to_frame columns (with OUTPUT_NAMES)
    "normal-1d": (lambda **kw: make_normal((N_ROWS,), **kw)[0], ["loc", "scale"]),
    "normal-2d": (lambda **kw: make_normal((N_ROWS, N_OUTPUTS), **kw)[0],
                  [f"{p}[{o}]" for p in ("loc", "scale") for o in OUTPUT_NAMES]),
    "poisson-1d": (lambda **kw: make_poisson((N_ROWS,), **kw)[0], ["rate"]),
    "poisson-2d": (lambda **kw: make_poisson((N_ROWS, N_OUTPUTS), **kw)[0],
                   [f"rate[{o}]" for o in OUTPUT_NAMES]),
    "bernoulli": (lambda **kw: make_bernoulli(N_ROWS, **kw)[0], ["p[1]"]),
    "categorical": (lambda **kw: make_categorical(N_ROWS, **kw)[0],
                    ["p[a]", "p[b]", "p[c]", "p[d]"]),
}


@pytest.fixture(params=sorted(CONTAINER_CASES))
def container_case(request):
    return CONTAINER_CASES[request.param]


def assert_same_params(dist, expected_params):
    params = dist.params
    assert params.keys() == expected_params.keys()
    for name, value in expected_params.items():
        np.testing.assert_array_equal(params[name], value)


@pytest.mark.parametrize(
    "key",
    [0, 3, -1, -2, np.int64(2), slice(1, 4), slice(None, None, 2),
     np.arange(N_ROWS) % 3 == 0, np.array([4, 0, 4]), [2, 1]],
    ids=["int0", "int3", "int-1", "int-2", "np.int", "slice", "step", "mask", "array", "list"],
)
def test_len_and_slicing(container_case, key):
    make, _ = container_case
    dist = make(index=INDEX, output_names=OUTPUT_NAMES)
    assert len(dist) == N_ROWS
    rows = np.atleast_1d(np.arange(N_ROWS)[key])
    part = dist[key]
    assert type(part) is type(dist)
    assert len(part) == len(rows)
    assert_same_params(part, {k: v[rows] for k, v in dist.params.items()})
    assert list(part.index) == list(INDEX[rows])
    assert part.output_names == OUTPUT_NAMES
    assert part.to_frame().columns.tolist() == dist.to_frame().columns.tolist()
    if hasattr(dist, "classes"):
        np.testing.assert_array_equal(part.classes, dist.classes)


@pytest.mark.parametrize("key", [N_ROWS, -N_ROWS - 1])
def test_out_of_range_int_raises(key):
    dist, _ = make_normal((N_ROWS,))
    with pytest.raises(IndexError):
        dist[key]


def test_to_frame(container_case):
    make, columns = container_case
    dist = make(index=INDEX, output_names=OUTPUT_NAMES)
    frame = dist.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert frame.columns.tolist() == columns
    assert frame.index.equals(INDEX)
    assert frame.index.name == "id"
    first = columns[0].split("[")[0]
    if first in dist.params:
        value = dist.params[first]
        np.testing.assert_array_equal(frame[columns[0]], value if value.ndim == 1 else value[:, 0])
    default = make().to_frame()
    assert default.index.equals(pd.RangeIndex(N_ROWS))


def test_to_frame_defaults_and_probabilities():
    frame = make_normal((N_ROWS, 2))[0].to_frame()
    assert frame.columns.tolist() == ["loc[0]", "loc[1]", "scale[0]", "scale[1]"]
    dist, probs = make_categorical(N_ROWS)
    close(dist.to_frame().to_numpy(), probs)
    bern, frozen = make_bernoulli(N_ROWS)
    close(bern.to_frame()["p[1]"].to_numpy(), frozen.mean())


def test_params_are_copies(container_case):
    make, _ = container_case
    dist = make()
    before = {k: v.copy() for k, v in dist.params.items()}
    params = dist.params
    for value in params.values():
        value[...] = 123.0
    for method in ("mean", "mode", "std", "var"):
        try:
            result = getattr(dist, method)()
        except NotImplementedError:
            continue
        if result.dtype.kind == "f":
            result[...] = 456.0
    assert_same_params(dist, before)


def test_repr(container_case):
    make, _ = container_case
    dist = make()
    text = repr(dist)
    assert text.startswith(type(dist).__name__ + "(")
    assert f"n_rows={N_ROWS}" in text
    for name, value in dist.params.items():
        assert f"{name}: {value.shape}" in text


def test_constructor_checks():
    with pytest.raises(TypeError, match="scale"):
        NormalDistribution(loc=[0.0, 1.0])
    with pytest.raises(ValueError, match="rows"):
        NormalDistribution(loc=[0.0, 1.0], scale=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="index"):
        PoissonDistribution(rate=[1.0, 2.0], index=["a", "b", "c"])
