"""The robustness rule that ``test_properties.py`` checks, as reusable helpers.

An estimator either fits and is then usable -- finite point predictions, finite
distribution parameters, and a score (and per-row log-likelihood) that is finite,
or ``-inf`` only for a target outside the family's support -- or it refuses the
input with a ``ValueError`` or ``TypeError`` whose message says what is wrong.
Never a raw torch (or scipy) error, never NaN or ``+inf`` in an output, never a
hang, and no ``RuntimeWarning`` from skprob's own code (the project's pytest
configuration turns those into errors).

Each check appends :class:`Finding` objects to a list instead of failing at once,
so that a test can tell known violations (:class:`Known`) from new ones.
"""

import contextlib
import math
import os
import signal
import threading
import traceback
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from hypothesis import event
from hypothesis.errors import InvalidArgument

#: Wall-clock limit of one call: a hang, not slowness (hypothesis' deadline covers that).
CALL_TIMEOUT_S = 60
#: Beyond this, squares overflow float64: a Gaussian log-density of -inf is then exact.
HUGE = 1e150
#: Families whose log-density falls like -z**2: for |z| beyond ~1e154 (a huge X or y)
#: it is below -1.8e308, so -inf is its correctly rounded value, not a failure.
QUADRATIC_TAILS = ("normal", "mixture", "multivariate_normal")
#: Errors raised inside these libraries reach the user unexplained (sklearn's are fine).
RAW_ORIGINS = ("torch", "scipy")
#: A refusal must say what it is about: one of these words (or a word containing it).
SUBJECT_WORDS = (
    "x y input sample feature label class target famil support string float nan inf "
    "diverg dtype array column row shape dimension value item ordering ranking "
    "device layer weight param warm file"
).split()
REFUSED = object()


@dataclass(frozen=True)
class Finding:
    estimator: str
    stage: str  # "fit", "predict", "predict_dist", "score", "log_likelihood"
    kind: str  # the symptom: "score-nan", "raw-error", "runtime-warning", ...
    detail: str
    tags: frozenset = frozenset()  # facts about the input: "y-nonfinite", "x-huge", ...

    def __str__(self):
        return f"{self.estimator}.{self.stage}: {self.kind}: {self.detail} {sorted(self.tags)}"


@contextlib.contextmanager
def time_limit(seconds):
    """Raise TimeoutError in the block after ``seconds`` (POSIX main thread only)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() != threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise TimeoutError(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def origin_package(err):
    """The top-level package whose Python code raised ``err`` (innermost frame)."""
    frames = traceback.extract_tb(err.__traceback__)
    parts = (frames[-1].filename if frames else "").split(os.sep)
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1]
    return "skprob" if "skprob" in parts else parts[-1]


def refusal_problem(err):
    """Why a ValueError/TypeError is not an acceptable refusal, or None."""
    origin, library = origin_package(err), type(err).__module__.split(".")[0]
    if origin in RAW_ORIGINS or library in RAW_ORIGINS:
        return f"raw {origin} error ({type(err).__name__}): {err}"
    message = str(err).strip()
    words = {w.strip(".,:;'\"()[]").lower() for w in message.split()}
    named = any(w == s or (len(s) > 2 and s in w) for w in words for s in SUBJECT_WORDS)
    return None if len(message) >= 15 and named else f"message names no problem: {message!r}"


def record(message):
    """A hypothesis event; nothing outside a hypothesis test (the regression tests)."""
    with contextlib.suppress(InvalidArgument):
        event(message)


def attempt(findings, estimator, stage, fn, tags=frozenset()):
    """Run ``fn`` under the rule; return its value, or REFUSED after a refusal."""
    name = type(estimator).__name__

    def found(kind, detail):
        findings.append(Finding(name, stage, kind, detail, tags))

    value = REFUSED
    with warnings.catch_warnings(record=True) as records, time_limit(CALL_TIMEOUT_S):
        warnings.simplefilter("always")
        try:
            value = fn()
        except (ValueError, TypeError) as err:
            record(f"{stage} refused by {origin_package(err)} code")
            problem = refusal_problem(err)
            if problem:
                found("bad-refusal", problem)
        except TimeoutError as err:
            found("hang", str(err))
        except Exception as err:  # anything else is a raw error by the rule
            where = traceback.extract_tb(err.__traceback__)[-1]
            found("raw-error", f"{type(err).__module__}.{type(err).__name__}: {err} "
                               f"(at {os.path.basename(where.filename)}:{where.lineno})")
    for r in records:
        if issubclass(r.category, RuntimeWarning) and f"{os.sep}skprob{os.sep}" in r.filename:
            found("runtime-warning", f"{os.path.basename(r.filename)}:{r.lineno}: {r.message}")
    return value


# -- what a fitted estimator must deliver --------------------------------------------
def as_float_rows(values):
    """A (n, k) float array of numeric input, or None for labels, strings, dates and no rows."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    try:
        values = np.asarray(values.to_numpy() if isinstance(values, pd.DataFrame) else values)
        with np.errstate(all="ignore"):
            return values.astype(np.float64).reshape(len(values), -1)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a huge Python integer
        return None


def input_tags(y, X=None, outside=None):
    """Facts about the input that known violations depend on."""
    tags, rows = set(), as_float_rows(y)
    if rows is not None and rows.size:
        finite = rows[np.isfinite(rows)]
        tiny = (finite != 0) & (np.abs(finite) < np.finfo(np.float64).tiny)
        tags |= {"y-nonfinite"} if not np.isfinite(rows).all() else set()
        tags |= {"y-huge"} if np.any(np.abs(finite) > HUGE) else set()
        tags |= {"y-subnormal"} if tiny.any() else set()
    x_rows = None if X is None else as_float_rows(X)
    if x_rows is not None and x_rows.size and np.any(np.abs(x_rows) > HUGE):
        tags.add("x-huge")
    if outside is not None and np.any(outside):
        tags.add("y-outside")
    return frozenset(tags)


def outside_support(est, y):
    """Per row: is the target outside the fitted family's support (non-finite included)?"""
    y, rows = np.asarray(y), as_float_rows(y)
    outside = np.zeros(len(y), dtype=bool)
    for i in range(len(y)):
        if rows is not None and not np.isfinite(rows[i]).all():
            outside[i] = True
            continue
        try:
            est.family_.support.check(y[i : i + 1], est.family_)
        except ValueError:
            outside[i] = True
    return outside


def check_fitted(findings, est, X, y):
    """Predictions, distribution and score of a fitted estimator, under the rule."""
    tags = input_tags([], X)

    def call(stage, fn):
        return attempt(findings, est, stage, fn, tags)

    def bad(stage, kind, detail):
        findings.append(Finding(type(est).__name__, stage, kind, detail, tags))

    dist = call("predict_dist", lambda: est.predict_dist(X))
    for key, value in ({} if dist is REFUSED else dist.params).items():
        if not np.all(np.isfinite(np.asarray(value, dtype=float))):
            bad("predict_dist", "nonfinite-params", f"{key}={np.ravel(value)[:4]}")
    if est.family_.is_classifier:
        proba = call("predict", lambda: est.predict_proba(X))
        if proba is not REFUSED and not np.allclose(proba.sum(axis=1), 1.0):
            bad("predict", "bad-proba", str(proba[:2]))
        labels = call("predict", lambda: est.predict(X))
        if labels is not REFUSED and not np.isin(labels, est.classes_).all():
            bad("predict", "unknown-label", str(labels[:4]))
    elif hasattr(est, "prediction"):  # a regressor: point and spread
        out = call("predict", lambda: est.predict(X, return_std=True))
        if out is not REFUSED and not (np.isfinite(out[0]).all() and np.isfinite(out[1]).all()):
            bad("predict", "nonfinite-predict", f"{np.ravel(out[0])[:3]} {np.ravel(out[1])[:3]}")
    else:  # rankings: every prediction is an ordering
        order = call("predict", lambda: est.predict(X))
        if order is not REFUSED and not np.all(np.sort(order, axis=1) == np.arange(order.shape[1])):
            bad("predict", "not-an-ordering", str(order[:2]))
    check_score(findings, est, X, y)


def check_score(findings, est, X, y):
    """log_likelihood and score: finite, or -inf only for targets outside the support."""
    name, y_array = type(est).__name__, np.asarray(y)
    outside = outside_support(est, y_array)
    tags = input_tags(y_array, X, outside)
    if "x-huge" in tags and est.family_.name in QUADRATIC_TAILS:
        outside[:] = True  # -inf is exact there (see QUADRATIC_TAILS)
    rows = as_float_rows(y_array)
    if rows is not None and len(rows) == len(outside):
        # Only a huge target's own row may be -inf (its true value may be below the range).
        with np.errstate(invalid="ignore"):
            outside |= (np.abs(rows) > HUGE).any(axis=1)
    log_lik = attempt(findings, est, "log_likelihood", lambda: est.log_likelihood(X, y), tags)
    for i, value in enumerate([] if log_lik is REFUSED else np.asarray(log_lik, dtype=float)):
        symptom = score_symptom(value, outside[i])
        if symptom:
            row = y_array[i : i + 1]
            findings.append(Finding(name, "log_likelihood", symptom, f"row {i}: y={row!r} -> "
                                    f"{value}", input_tags(row, X, outside[i : i + 1])))
    score = attempt(findings, est, "score", lambda: est.score(X, y), tags)
    symptom = None if score is REFUSED else score_symptom(score, outside.any())
    if symptom:
        findings.append(Finding(name, "score", symptom, f"score={score}", tags))


def score_symptom(value, outside):
    if math.isnan(value):
        return "score-nan"
    if value == math.inf:
        return "score-posinf"
    return "score-neginf-in-support" if value == -math.inf and not outside else None


# -- known violations ---------------------------------------------------------------
@dataclass(frozen=True)
class Known:
    """A violation already reported: matched by symptom, estimator and input tags."""

    key: str
    kinds: tuple
    estimators: tuple = ()  # empty: any estimator
    requires: tuple = ()  # input tags that must all be present

    def matches(self, f):
        return (f.kind in self.kinds and set(self.requires) <= f.tags
                and (not self.estimators or f.estimator in self.estimators))


def settle(findings, known):
    """Fail on findings that match no ``known`` violation; count the others as events."""
    unknown = []
    for finding in findings:
        match = next((k for k in known if k.matches(finding)), None)
        if match is None:
            unknown.append(finding)
        else:
            record(f"known violation: {match.key}")
    assert not unknown, "rule violated:\n" + "\n".join(map(str, unknown))
