"""Property-based robustness tests over every registered estimator.

Every generated case must satisfy the rule in ``_robustness.py``: fit and then give
finite predictions, parameters and scores (``-inf`` only for a target outside the
support), or refuse with a ``ValueError``/``TypeError`` that names the problem; never
a raw torch error, NaN, a hang or a ``RuntimeWarning`` from skprob's code. Clean,
moderate inputs must be accepted, and so must valid sample weights of any size,
devices skprob runs on and well-formed ``hidden_layer_sizes``. The generators
(``_generators.py``) reach X as tensors (also requiring grad), dates, durations,
nested cells and integers beyond float64; labels with ``None``, ``pd.NA`` or mixed
types; counts up to the float limit; compositions with subnormal, zero or
negative parts and rows off their sum; weights from 5e-324 to 1.7e308; device
strings torch knows but skprob cannot use; warm starts after a change of target
shape, labels, family or network; and saved files with damaged bytes or members,
which ``load`` must refuse (``PersistenceError``) or return as a usable model.

Hypothesis profiles, registered here and applied per test (no global side effect):
``ci`` (default: 25 examples per test and estimator, derandomised so that CI is
reproducible) and ``dev`` (500); choose with ``SKPROB_HYPOTHESIS_PROFILE=dev``.

The violations found when this file was written (subnormal targets, Student t
moments and far tails, overflow of squares for huge X or y) are fixed, and each is
kept as a regression test at the end (``test_regression``). A violation that is
reported but not yet fixed can be listed in ``KNOWN`` (symptom, estimator and
input), pinned by a strict ``xfail`` regression case: the property tests then
record it as a hypothesis event and still fail on any new kind of violation.
"""

import collections
import io
import math
import os

import _generators as gen
import numpy as np
import pandas as pd
import pytest
from _generators import (
    EDGES,
    NONFINITE,
    inputs,
    label_target,
    numeric_target,
    structured_target,
)
from _robustness import (
    REFUSED,
    Finding,
    Known,
    attempt,
    check_fitted,
    check_score,
    input_tags,
)
from _robustness import settle as settle_with
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from skprob import all_estimators
from skprob.persistence import PersistenceError, load

# No per-example deadline: on a loaded CI machine a fit can stall for seconds and
# hypothesis would report that as a failure; the 60 s alarm below still catches hangs.
for _name, _examples in [("ci", 25), ("dev", 500)]:
    settings.register_profile(
        _name, max_examples=_examples, derandomize=_name == "ci", database=None,
        deadline=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
PROFILE = settings.get_profile(os.environ.get("SKPROB_HYPOTHESIS_PROFILE", "ci"))

ESTIMATORS = all_estimators()
BY_NAME = {cls.__name__: cls for cls in ESTIMATORS}
every_estimator = pytest.mark.parametrize("cls", ESTIMATORS, ids=list(BY_NAME))
#: Examples run per test, reported at the end of the module.
EXAMPLES = collections.Counter()


# -- violations known but not yet fixed ---------------------------------------------
#: Each entry (``_robustness.Known``: key, symptoms, estimators, input tags) lets the
#: property tests pass on a violation already reported, recorded as a hypothesis
#: event; pin each one by a strict ``xfail`` regression case at the end of this file
#: and remove the entry with its fix. The violations found when this file was written
#: are fixed; their regression cases below now pass as ordinary tests.
KNOWN: list[Known] = []


def settle(findings):
    settle_with(findings, KNOWN)


# -- generated data ----------------------------------------------------------------
#: Support class -> kind of edge values; a new family declares one of these supports.
SUPPORT_KINDS = {
    "Orderings": "orderings", "RealVectors": "vectors", "Counts": "counts",
    "UnitInterval": "unit", "PositiveReals": "positive", "Directions": "angles",
    "RealLine": "real", "NonNegativeReals": "nonnegative", "NonNegativeAmounts": "nonnegative",
    "Simplex": "simplex",
}


def support_kind(family):
    """Classify a family by its declared support, so that new families need no hand list."""
    if family.is_classifier:
        return "labels"
    kind = SUPPORT_KINDS.get(type(family.support).__name__)
    if kind is None:
        pytest.fail(f"support {family.support!r} is new to test_properties: add its edge values")
    return kind


def make(cls, draw):
    return cls(max_iter=draw(st.integers(3, 5)), width=draw(st.integers(4, 8)),
               depth=draw(st.integers(0, 2)), random_state=0)


def rows(draw, low=2, high=40, empty=True):
    """Row counts: one row and (optionally) none come first, so that they are tried."""
    choices = [st.just(1), *([st.just(0)] if empty else []), st.integers(low, high)]
    return draw(st.one_of(*choices), label="n_rows")


def fits_cleanly(X, y, family):
    """Whether a fit must succeed: finite, moderate numbers and a valid target."""
    if not isinstance(X, np.ndarray) or X.dtype.kind != "f" or not X.size:
        return False
    if not np.isfinite(X).all() or np.abs(X).max() > 1e6:
        return False
    return not family.is_classifier or len(np.unique(y)) >= 2


# -- the property tests ---------------------------------------------------------------
@every_estimator
@PROFILE
@given(data=st.data())
def test_fit_on_random_inputs(cls, data):
    """Random X (shape, dtype, magnitude, structure, NaN/inf) with a valid target."""
    EXAMPLES["fit_on_random_inputs"] += 1
    est = make(cls, data.draw)
    family = est._make_family()
    n = rows(data.draw)
    X = data.draw(inputs(n, data.draw(st.integers(1, 6), label="n_features")))
    y = family.example_target(n, data.draw(st.integers(0, 2**16), label="y_seed"))
    findings = []
    if attempt(findings, est, "fit", lambda: est.fit(X, y), input_tags(y)) is REFUSED:
        event("refused")
        if not findings and fits_cleanly(X, y, family):
            findings.append(Finding(cls.__name__, "fit", "refused-clean-input", f"X={X[:2]}"))
    else:
        event("fitted")
        check_fitted(findings, est, X, y)
        check_fitted(findings, est, X[:1], y[:1])  # predict on one row
    settle(findings)


@every_estimator
@PROFILE
@given(data=st.data())
def test_fit_on_targets_at_support_edges(cls, data):
    """Targets at (and beyond) the edges of each family's support, in many containers."""
    EXAMPLES["fit_on_targets_at_support_edges"] += 1
    est = make(cls, data.draw)
    family = est._make_family()
    kind = support_kind(family)
    n = rows(data.draw, empty=False)
    base = family.example_target(n, data.draw(st.integers(0, 2**16), label="y_seed"))
    if kind == "labels":
        y = label_target(data.draw, base)
    elif kind == "simplex":
        y = gen.simplex_target(data.draw, base, n)
    elif kind == "orderings" or (kind == "vectors" and data.draw(st.booleans())):
        y = structured_target(data.draw, kind, base, n)
    else:
        y = numeric_target(data.draw, family, kind, base, n)
    X = np.random.default_rng(n).normal(size=(n, 2))
    findings = []
    fitted = attempt(findings, est, "fit", lambda: est.fit(X, y), input_tags(y))
    event("refused" if fitted is REFUSED else "fitted")
    if fitted is not REFUSED:
        check_fitted(findings, est, X, y)
    settle(findings)


def edge_heavy(kind, y):
    """A valid target whose mass sits at the edge of the support (shapes below one etc.)."""
    y = np.asarray(y)
    if kind in ("unit", "positive", "nonnegative"):
        return np.maximum(y**4, 1e-12)
    if kind == "counts":
        return np.where(np.arange(len(y)) % 5 == 0, y, 0.0)
    if kind == "angles":
        return np.pi - np.mod(np.abs(y) * 0.05, 0.2)  # around the cut at +-pi
    if kind == "labels":
        classes = np.unique(y)
        return np.where(np.arange(len(y)) < 2, classes[0], classes[-1])  # one rare class
    if kind == "orderings":
        return np.where(np.arange(len(y))[:, None] == 0, y, y[1:2])  # nearly all identical
    if kind == "vectors":
        return np.column_stack([y[:, 0], y[:, 0] * 2.0 + 1e-6 * y[:, 1]])
    if kind == "simplex":  # most of each row in one part, the others near zero
        crowded = np.maximum(y**6, 1e-12)
        return crowded / crowded.sum(axis=1, keepdims=True)
    return y**3  # real line: heavy tails


_CLEAN_FITS = {}


def clean_fit(cls, variant="typical"):
    """One fit per estimator on clean data, typical or crowded at the support's edge."""
    if (cls, variant) not in _CLEAN_FITS:
        est = cls(max_iter=5, width=8, random_state=0)
        y = est._make_family().example_target(40, 0)
        if variant == "edge-heavy":
            y = edge_heavy(support_kind(est._make_family()), y)
        _CLEAN_FITS[cls, variant] = est.fit(np.random.default_rng(0).normal(size=(40, 3)), y)
    return _CLEAN_FITS[cls, variant]


@every_estimator
@PROFILE
@given(data=st.data())
def test_predict_and_score_new_inputs(cls, data):
    """A fitted model on one row, no rows, far or broken X, targets at or past the edges."""
    EXAMPLES["predict_and_score_new_inputs"] += 1
    draw = data.draw
    est = clean_fit(cls, draw(st.sampled_from(("typical", "edge-heavy")), label="fit"))
    kind = support_kind(est.family_)
    n = rows(draw, high=10)
    X = draw(inputs(n, draw(st.sampled_from((3, 3, 3, 2)), label="n_features")))
    y = np.asarray(type(est.family_).example_target(n, draw(st.integers(0, 2**16))))
    if kind == "labels" and n:
        y = y.astype(object)
        y[draw(st.integers(0, n - 1))] = draw(st.sampled_from(("unseen", math.nan, 3, None,
                                                               pd.NA)))
    elif kind in EDGES and n:
        y = y.astype(np.float64)
        for _ in range(draw(st.integers(1, 3))):
            y.flat[draw(st.integers(0, y.size - 1))] = draw(
                st.sampled_from(EDGES[kind][0] + EDGES[kind][1] + NONFINITE))
    elif kind == "orderings" and n and draw(st.booleans()):
        y = y.astype(np.float64)
        y[draw(st.integers(0, n - 1)), 0] = draw(st.sampled_from((-1.0, 0.5, 9.0, math.nan)))
    elif kind == "simplex" and n:
        y = y.astype(np.float64)
        row, edit = draw(st.integers(0, n - 1)), draw(st.sampled_from(
            ("subnormal", "zero", "off-sum", "nonfinite", "as-is")))
        if edit in ("subnormal", "zero"):
            y[row] = 5e-324 if edit == "subnormal" else 0.0
            y[row, 0] = 1.0
        elif edit == "off-sum":
            y[row] *= 1.01
        elif edit == "nonfinite":
            y[row, 0] = draw(st.sampled_from(NONFINITE))
    note(f"score target: {y.ravel()[:8]!r}")
    findings = []
    check_fitted(findings, est, X, y)
    settle(findings)


def clean_data(cls, draw, n_low=2):
    """An estimator of ``cls``, clean X and a valid target (two classes at least)."""
    est = make(cls, draw)
    n = draw(st.integers(n_low, 30), label="n_rows")
    X = np.random.default_rng(n).normal(size=(n, 2))
    y = est._make_family().example_target(n, draw(st.integers(0, 2**16)))
    if est._make_family().is_classifier and len(np.unique(y)) < 2:
        y = np.asarray(y).copy()
        classes = np.unique(est._make_family().example_target(40, 0))
        y[0] = classes[classes != y[1]][0]
    return est, X, y


def require_fit(findings, est, X, y, valid, what, **fit_params):
    """Fit under the rule; a valid input that is refused is a finding too."""
    fitted = attempt(findings, est, "fit", lambda: est.fit(X, y, **fit_params), input_tags(y))
    event(f"{what}: {'valid' if valid else 'invalid'}, "
          f"{'refused' if fitted is REFUSED else 'fitted'}")
    if fitted is REFUSED and valid and not findings:
        findings.append(Finding(type(est).__name__, "fit", "refused-valid-input", what))
    return fitted is not REFUSED


@every_estimator
@PROFILE
@given(data=st.data())
def test_sample_weights_across_the_float_range(cls, data):
    """Weights from 5e-324 to 1.7e308 (0 or inf in float32), some invalid; fit and score."""
    EXAMPLES["sample_weights_across_the_float_range"] += 1
    est, X, y = clean_data(cls, data.draw)
    weights, valid = data.draw(gen.sample_weights(len(X)))
    if valid and est._make_family().is_classifier:  # two classes must keep some weight
        w = np.asarray(weights, dtype=float)
        valid = len(np.unique(y[w / w.max() >= np.finfo(np.float32).tiny])) >= 2
    findings = []
    if require_fit(findings, est, X, y, valid, "sample_weight", sample_weight=weights):
        check_fitted(findings, est, X, y)
        score = attempt(findings, est, "score", lambda: est.score(X, y, sample_weight=weights))
        if score is not REFUSED and not math.isfinite(score):
            findings.append(Finding(cls.__name__, "score", "weighted-score-nonfinite", str(score)))
    settle(findings)


@every_estimator
@PROFILE
@given(data=st.data())
def test_devices_and_layer_sizes(cls, data):
    """Device strings torch knows but skprob cannot use; malformed hidden_layer_sizes."""
    EXAMPLES["devices_and_layer_sizes"] += 1
    est, X, y = clean_data(cls, data.draw)
    (device, device_ok), (sizes, sizes_ok) = data.draw(gen.devices()), data.draw(gen.layer_sizes())
    note(f"device={device!r}, hidden_layer_sizes={sizes!r}")
    est.set_params(device=device, hidden_layer_sizes=sizes)
    findings = []
    if require_fit(findings, est, X, y, device_ok and sizes_ok, "device and layers"):
        check_fitted(findings, est, X, y)
    settle(findings)


@every_estimator
@PROFILE
@given(data=st.data())
def test_warm_start_after_a_change(cls, data):
    """A warm refit after a change of rows, target columns, labels, family or network shape."""
    EXAMPLES["warm_start_after_a_change"] += 1
    est, X, y = clean_data(cls, data.draw, n_low=4)
    est.set_params(warm_start=True).fit(X, y)
    new_y = gen.warm_change(data.draw, est, y)
    X = X[: len(new_y)]
    findings = []
    if require_fit(findings, est, X, new_y, False, "warm refit"):
        check_fitted(findings, est, X, new_y)
        if not findings:  # what a refit leaves must save and load back
            attempt(findings, est, "persistence", lambda: load(io.BytesIO(gen.saved_bytes(est))))
    settle(findings)


_SAVED = {}


def strict_load(data):
    """``load``, with a refusal other than PersistenceError turned into a raw error."""
    try:
        return load(io.BytesIO(data))
    except PersistenceError:
        raise
    except (ValueError, TypeError) as err:
        raise RuntimeError(f"not a PersistenceError: {type(err).__name__}: {err}") from err


@every_estimator
@PROFILE
@given(data=st.data())
def test_load_damaged_files(cls, data):
    """Flipped bytes, truncation, replaced, nested or edited members: refused or usable."""
    EXAMPLES["load_damaged_files"] += 1
    if cls not in _SAVED:
        _SAVED[cls] = gen.saved_bytes(clean_fit(cls))
    damaged = data.draw(gen.tampered(_SAVED[cls]))
    findings = []
    model = attempt(findings, clean_fit(cls), "load", lambda: strict_load(damaged))
    if model is not REFUSED:
        event("damaged file loaded")
        check_fitted(findings, model, np.random.default_rng(0).normal(size=(4, 3)),
                     model.family_.example_target(4, 0) if hasattr(model, "family_") else [])
    settle(findings)


@pytest.fixture(scope="module", autouse=True)
def _report_example_count(request):
    yield
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None and EXAMPLES:
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(EXAMPLES.items()))
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\ntest_properties: {sum(EXAMPLES.values())} hypothesis "
                                f"examples run ({parts})")


# -- regression tests: each violation found, smallest example, now fixed ----------------
FAR = np.array([[3.45584192e299, 8.21618144e299, 3.30437076e299]])
FAR_2 = np.array([[1.25730221e299, -1.32104863e299, 6.40422650e299]])
#: (estimator, clean fit, X, target, what went wrong before the fix): scored under the rule.
SCORE_CASES = {
    "student-t-far-x": ("StudentTMLPRegressor", "typical", FAR, [0.0],
                        "Student t log-density overflows to -inf in scipy (true value ~ -700)"),
    "normal-far-x": ("GaussianMLPRegressor", "typical", FAR, [0.0],
                     "normal log-density overflows with a RuntimeWarning from normal.py"),
}


def score_case(name, variant, X, y, check=check_score):
    findings = []
    check(findings, clean_fit(BY_NAME[name], variant), X, y)
    return findings


def moments_case(name):
    findings, est = [], clean_fit(BY_NAME[name])
    out = attempt(findings, est, "predict", lambda: est.predict(FAR, return_std=True))
    if out is not REFUSED and not np.isfinite(out[1]).all():
        findings.append(Finding(name, "predict", "nonfinite-predict", str(out[1])))
    return findings


def fit_case(name, y):
    findings, est = [], BY_NAME[name](max_iter=3, width=4, random_state=0)
    X = np.random.default_rng(0).normal(size=(len(y), 1))
    if attempt(findings, est, "fit", lambda: est.fit(X, y), input_tags(y)) is not REFUSED:
        check_fitted(findings, est, X, y)
    return findings


#: Cases that fit, predict or score on their own: (case, what went wrong before the fix).
OTHER_CASES = {
    "gamma-subnormal-1": (lambda: fit_case("GammaMLPRegressor", [5e-324]),
                          "gamma on y=[5e-324] predicts scale 0.0; log_likelihood NaN"),
    "gamma-subnormal-2": (lambda: fit_case("GammaMLPRegressor", [5e-324, 5e-324]),
                          "y=[5e-324]*2: mean underflows to 0, warnings, raw scipy brentq error"),
    "student-t-3-rows": (lambda: fit_case("StudentTMLPRegressor", BY_NAME[
        "StudentTMLPRegressor"]()._make_family().example_target(3, 0)),
                         "Student t fitted on 3 rows has df <= 1: predict std is NaN"),
    "mixture-far-x": (lambda: moments_case("MixtureDensityRegressor"),
                      "mixture predict std is NaN for a far X (squares overflow)"),
    "mvn-far-x": (lambda: moments_case("MultivariateGaussianMLPRegressor"),
                  "multivariate normal predict std is inf for a far X (squares overflow)"),
    "beta-far-x": (lambda: score_case("BetaMLPRegressor", "typical", FAR_2, [0.5], check_fitted),
                   "beta var overflows (a + b)**3 with a RuntimeWarning from beta.py"),
    "huge-target": (lambda: fit_case("GaussianMLPRegressor", np.r_[1e300, np.arange(9.0)]),
                    "|y| ~ 1e300 overflows weighted_mean_std: RuntimeWarning from skprob"),
    # Found by the dev profile once the entries above were fixed:
    "student-t-constant-huge-target": (
        lambda: fit_case("StudentTMLPRegressor", np.full(5, 1e200)),
        "the mean of 5 x 1e200 is off by ~1e184, the std of the standardisation is that "
        "error, and the predicted std (scale ~1e181) overflows in scipy's var: inf"),
    "gamma-wide-range": (lambda: fit_case("GammaMLPRegressor", [1e-300, 1e30]),
                         "1e-300 / mean(y) underflows to 0: log(0) warning, raw brentq error"),
    "student-t-far-outlier": (lambda: fit_case("StudentTMLPRegressor", [1e200, 10.3, 12.1, 6.4]),
                              "1e199 IQRs out: the start overflows float32 (RuntimeWarning)"),
    "histogram-extreme-targets": (
        lambda: fit_case("HistogramMLPRegressor", [1e200, 5e199, 1e199, 3e199]),
        "the exponential tails of a target near 1e200 overflow (RuntimeWarning, nan)"),
    # Found by the widened generators (counts up to the float limit):
    "negative-binomial-huge-counts": (
        lambda: fit_case("NegativeBinomialMLPRegressor", [1e300]),
        "initial_params squares a mean of 1e300 (RuntimeWarning from negative_binomial.py); "
        "the log-pmf of 1.7e308 is NaN (lgamma and xlogy both overflow)"),
}
#: Regression cases of violations in ``KNOWN``: reported, not fixed yet.
XFAIL: set = set()
#: One case per id; a violation reported but not fixed yet gets
#: ``marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=...)`` and a
#: ``KNOWN`` entry, both removed with its fix.
REGRESSIONS = [
    pytest.param(lambda case=case: score_case(*case[:4]), id=key)
    for key, case in SCORE_CASES.items()
] + [pytest.param(case, id=key, marks=[pytest.mark.xfail(strict=True, raises=AssertionError,
                                                        reason=why)] if key in XFAIL else [])
      for key, (case, why) in OTHER_CASES.items()]


@pytest.mark.parametrize("case", REGRESSIONS)
def test_regression(case):
    findings = case()
    assert not findings, "\n".join(map(str, findings))
