"""Generators of the inputs ``test_properties.py`` draws.

X of many kinds (dtypes, containers, tensors, dates, nested cells, integers
beyond float64, non-finite cells), targets at and beyond the edges of each
support, class labels with missing values or mixed types; sample weights across
the whole float range, device strings, hidden layer sizes of every malformed
kind, warm starts that change the target or the model, and saved model files
with damaged bytes or members. The strategies beyond X and y also say whether
their draw is valid, so that a property test can require valid inputs to be
accepted, not merely refused politely.
"""

import io
import json
import math
import zipfile

import numpy as np
import pandas as pd
import torch
from hypothesis import note
from hypothesis import strategies as st

# -- X and y ----------------------------------------------------------------------
#: Values inside / outside each support: the edges the families must handle.
EDGES = {
    "counts": ([0.0, 1.0, 2.0, 1e6, 2.0**31, 1e15, 1e300, 1.7e308], [-1.0, 0.5, 1e-300]),
    "unit": ([1e-12, 1e-8, 1e-4, 0.5, 1 - 1e-4, 1 - 1e-8, 1 - 1e-12, 1e-300, 1 - 2**-53],
             [0.0, 1.0, -1e-12, 1 + 1e-12, 2.0]),
    "positive": ([1e-300, 1e-12, 1e-8, 1e8, 1e30, 5e-324], [0.0, -1e-300, -1.0]),
    "nonnegative": ([0.0, 5e-324, 1e-12, 1.0, 1e8, 1e30], [-1e-300, -1.0]),
    "angles": ([math.pi, -math.pi, math.pi - 1e-12, -math.pi + 1e-12, 0.0, 2 * math.pi,
                1e8, 1e300], []),
    "real": ([0.0, 1e-300, -1e-300, 1e-8, 1e8, -1e8, 1e30, 1e200], []),
    "vectors": ([0.0, 1e-300, 1e8, -1e8, 1e30, 1e200], []),
}
NONFINITE = [math.nan, math.inf, -math.inf]
MAGNITUDES = (1e-300, 1e-8, 1e-3, 1.0, 1e3, 1e8, 1e30, 1e300)
X_KINDS = ("float64", "float32", "int64", "bool", "list", "frame", "frame-object-numbers",
           "frame-object-numeric-strings", "frame-object-words", "tensor", "tensor-grad",
           "list-huge-int", "frame-dates", "frame-durations", "frame-nested")


@st.composite
def inputs(draw, n_rows, n_features):
    """An X of a random kind, magnitude and structure, maybe with one non-finite cell."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = draw(st.sampled_from((0.0, 1e8))) + draw(st.sampled_from(MAGNITUDES)) * rng.normal(
        size=(n_rows, n_features))
    structure = draw(st.sampled_from(("plain", "constant", "duplicated", "all-constant")))
    if structure in ("constant", "all-constant"):
        X[:, slice(None) if structure == "all-constant" else slice(0, 1)] = draw(
            st.sampled_from((0.0, 1.0, -3e8)))
    if structure == "duplicated" and n_features > 1:
        X[:, -1] = X[:, 0]
    kind = draw(st.sampled_from(X_KINDS))
    bad = None
    if kind not in ("int64", "bool") and X.size and draw(st.integers(0, 3)) == 0:
        bad = draw(st.sampled_from(NONFINITE))
        X[draw(st.integers(0, n_rows - 1)), draw(st.integers(0, n_features - 1))] = bad
    note(f"X: kind={kind}, structure={structure}, shape={X.shape}, bad cell={bad}")
    with np.errstate(over="ignore", invalid="ignore"):
        if kind in ("float64", "float32"):
            return X.astype(kind)
        if kind == "int64":
            return np.clip(X, -(2.0**62), 2.0**62).astype(np.int64)
    if kind in ("bool", "list"):
        return X > np.median(X) if kind == "bool" and X.size else X.tolist()
    if kind.startswith("tensor"):
        return torch.tensor(X, requires_grad=kind == "tensor-grad")
    if kind == "list-huge-int":  # beyond float64: must be refused by name
        return [[10**400 * (-1 if v < 0 else 1) for v in row] for row in X]
    frame = pd.DataFrame(X).add_prefix("x")
    column = {
        "frame-object-numbers": list(X[:, 0]),
        "frame-object-numeric-strings": [repr(float(v)) for v in X[:, 0]],
        "frame-object-words": [("low", "high")[i % 2] for i in range(n_rows)],
        "frame-dates": pd.date_range("2020", periods=n_rows),
        "frame-durations": pd.to_timedelta(np.arange(n_rows), "s"),
        "frame-nested": [[v, v] for v in X[:, 0]],
    }.get(kind)
    if column is not None:
        frame["x0"] = pd.Series(column, dtype=None if kind.endswith(("dates", "durations"))
                                else object)
    return frame


LABEL_RECODINGS = {
    "bool": lambda codes, classes: codes > 0,
    "huge-int": lambda codes, classes: codes.astype(np.int64) * 2**61,
    "negative-int": lambda codes, classes: -codes - 7,
    "float-integral": lambda codes, classes: codes.astype(float),
    "unicode": lambda codes, classes: np.array(["ä", "漢字", "🙂", "x y"])[codes % 4],
    "single-class": lambda codes, classes: np.full(len(codes), classes[0]),
    "object-mixed": lambda codes, classes: np.array([1 if c % 2 else "one" for c in codes],
                                                    dtype=object),
    "continuous": lambda codes, classes: codes + 0.25,
    "nan-label": lambda codes, classes: np.where(np.arange(len(codes)) == 0, np.nan, codes),
    "categorical-series": lambda codes, classes: pd.Series(classes[codes], dtype="category"),
    "none-and-str": lambda codes, classes: np.array([None if c == 0 else f"c{c}" for c in codes],
                                                    dtype=object),
    "string-series-na": lambda codes, classes: pd.Series(
        [pd.NA if c == 0 else f"c{c}" for c in codes], dtype="string"),
    "object-series-none": lambda codes, classes: pd.Series(
        [None if i == 0 else classes[c] for i, c in enumerate(codes)], dtype=object),
    "as-is": lambda codes, classes: classes[codes],
}


def label_target(draw, base):
    classes, codes = np.unique(base, return_inverse=True)
    recoding = draw(st.sampled_from(sorted(LABEL_RECODINGS)))
    note(f"labels: {recoding}")
    return LABEL_RECODINGS[recoding](codes, classes)


def structured_target(draw, kind, base, n):
    """Orderings and vectors: degenerate but valid shapes, or a broken cell."""
    variant = draw(st.sampled_from(("as-is", "identical", "two", "wide", "float", "broken")))
    note(f"{kind}: {variant}")
    order = lambda k: np.argsort(np.random.default_rng(0).normal(size=(n, k)), axis=1)  # noqa: E731
    if variant == "identical":
        return np.repeat(base[:1], n, axis=0)
    if variant == "two":
        return order(2) if kind == "orderings" else base[:, :1]
    if variant == "wide":
        if kind == "orderings":
            return order(7)
        return np.column_stack([base, 2.0 * base[:, 0], 1e-8 * base[:, 1], 1e8 * base[:, 0]])
    y = base.astype(np.float64)
    if variant == "broken":
        options = [0.5, -1.0, 99.0, *NONFINITE] if kind == "orderings" else NONFINITE
        y[draw(st.integers(0, n - 1)), 0] = draw(st.sampled_from(options))
        if kind == "orderings" and draw(st.booleans()):
            y[0, :] = 0.0  # a repeated item
    return y if variant != "as-is" else base


#: Proportions that stress a composition: the smallest positive floats, a row sum off
#: by more or less than the tolerance, and cells outside the open simplex.
SIMPLEX_VARIANTS = ("as-is", "identical", "two-parts", "many-parts", "subnormal-part",
                    "near-corner", "sum-off-by-1e-9", "sum-off-by-1e-3", "zero-part",
                    "negative-part", "nonfinite-part", "one-column")


def simplex_target(draw, base, n):
    """Compositions (rows of positive proportions summing to one) at and past the edges."""
    variant = draw(st.sampled_from(SIMPLEX_VARIANTS))
    note(f"simplex: {variant}")
    rng = np.random.default_rng(n)
    y = np.array(base, dtype=np.float64)
    row = draw(st.integers(0, n - 1))
    if variant == "identical":
        return np.repeat(y[:1], n, axis=0)
    if variant in ("two-parts", "many-parts"):
        return rng.dirichlet(np.full(2 if variant == "two-parts" else 12, 0.7), size=n)
    if variant in ("subnormal-part", "near-corner"):
        tiny = 5e-324 if variant == "subnormal-part" else 1e-12
        y[row] = tiny
        y[row, 0] = 1.0 - tiny * (y.shape[1] - 1)  # rounds to one: the row sums to one
    elif variant.startswith("sum-off-by"):
        y[row] *= 1.0 + float(variant.rsplit("-", 1)[1])
    elif variant == "zero-part":
        y[row, 0], y[row, 1] = 0.0, y[row, 1] + y[row, 0]
    elif variant == "negative-part":
        y[row, 0], y[row, 1] = -0.1, y[row, 1] + y[row, 0] + 0.1
    elif variant == "nonfinite-part":
        y[row, 0] = draw(st.sampled_from(NONFINITE))
    elif variant == "one-column":
        return np.ones((n, 1))
    return y


def numeric_target(draw, family, kind, base, n):
    """A numeric target with edge values of its support (maybe outside it) put in."""
    inside, outside = EDGES[kind]
    y = np.array(base, dtype=np.float64)
    if y.ndim == 1 and family.multi_output and draw(st.booleans()):
        y = np.column_stack([y, family.example_target(n, 1)])
    pool = inside + (outside + NONFINITE if draw(st.booleans()) else [])
    for _ in range(draw(st.integers(0, 3))):
        y.flat[draw(st.integers(0, y.size - 1))] = draw(st.sampled_from(pool))
    if draw(st.integers(0, 5)) == 0:
        y[...] = draw(st.sampled_from(inside))  # a constant target at the edge
    container = draw(st.sampled_from(("array", "list", "pandas", "float32")))
    note(f"y: shape={y.shape}, container={container}, values={y.ravel()[:6]!r}")
    if container == "list":
        return y.tolist()
    if container == "pandas":
        return pd.Series(y) if y.ndim == 1 else pd.DataFrame(y).add_prefix("y")
    with np.errstate(over="ignore"):  # float32 turns |y| > 3.4e38 into inf: fit must refuse
        return y.astype(np.float32) if container == "float32" else y


# -- sample weights, hyper-parameters and warm starts ---------------------------------
#: Weight magnitudes: float32 rounds the smallest to zero and the largest to infinity.
WEIGHT_MAGNITUDES = (0.0, 5e-324, 1e-310, 1e-46, 1e-30, 1e-3, 1.0, 7.0, 1e30, 1e300, 1.7e308)
#: Weights no fit may take: negative, non-finite, or all zero.
INVALID_WEIGHTS = (-1.0, -5e-324, math.nan, math.inf, -math.inf)


@st.composite
def sample_weights(draw, n):
    """Per-row weights and whether they are valid (finite, non-negative, not all zero)."""
    pool = st.sampled_from(WEIGHT_MAGNITUDES)
    kind = draw(st.sampled_from(("constant", "mixed", "mixed", "one-bad", "list", "tensor")))
    if kind == "constant":
        weights = np.full(n, draw(pool))
    else:
        weights = np.array([draw(pool) for _ in range(n)])
    if kind == "one-bad" and n:
        weights[draw(st.integers(0, n - 1))] = draw(st.sampled_from(INVALID_WEIGHTS))
    valid = bool(n and np.isfinite(weights).all() and (weights >= 0).all() and weights.max() > 0)
    note(f"sample_weight: {kind}, valid={valid}, values={weights[:6]!r}")
    if kind == "list":
        return weights.tolist(), valid
    if kind == "tensor":
        return torch.tensor(weights), valid
    return weights, valid


#: Devices: strings skprob runs on here, and those torch knows but skprob cannot use (or a
#: torch.device, which the string-typed parameter may refuse).
DEVICES_VALID = ("cpu", "auto", "cpu:0")
DEVICES_INVALID = (torch.device("cpu"), "meta", "xpu", "vulkan", "ipu", "lazy", "hpu", "mtia",
                   "xla", "fpga", "privateuseone", "cuda:99", "", "CPU", " cpu", "cpu:x", 3, None,
                   torch.device("meta"))


def devices():
    """A device and whether skprob must run on it (CPU-only machines included)."""
    valid = st.sampled_from(DEVICES_VALID).map(lambda d: (d, True))
    return st.one_of(valid, st.sampled_from(DEVICES_INVALID).map(lambda d: (d, False)))


LAYER_SIZES_INVALID = (
    [math.inf], [math.nan], [-1], [0], [2.5], [[2, 3]], {"a": 1}, "4", ["a"], [True],
    [None], [4, 10**30], [1e300], [complex(2, 0)], ((3,), 2),
)


def layer_sizes():
    """``hidden_layer_sizes`` and whether it is valid."""
    size = st.one_of(st.integers(1, 6), st.integers(1, 6).map(float),
                     st.integers(1, 6).map(np.int64))
    valid = st.one_of(st.lists(size, max_size=2), st.lists(size, max_size=2).map(tuple),
                      st.lists(size, min_size=1, max_size=2).map(np.array), st.just(None))
    return st.one_of(valid.map(lambda s: (s, True)),
                     st.sampled_from(LAYER_SIZES_INVALID).map(lambda s: (s, False)))


#: What may change between a warm fit and the next: each must be continued or refused.
WARM_CHANGES = ("nothing", "rows", "columns", "labels", "family", "hidden_layer_sizes",
                "activation", "dropout")


def warm_change(draw, est, y):
    """Apply one change to ``est`` and ``y`` before a warm refit; return the new y."""
    change = draw(st.sampled_from(WARM_CHANGES), label="warm change")
    y = np.asarray(y)
    if change == "rows":
        y = y[: max(1, len(y) // 2)]
    elif change == "columns" and y.dtype.kind == "f":
        y = y[:, 0] if y.ndim == 2 else np.column_stack([y, y])
    elif change == "labels" and est.family_.is_classifier:
        y = np.where(np.arange(len(y)) == 0, "new label", y.astype(str)).astype(object)
    elif change == "family" and "distribution" in est.get_params():
        est.set_params(distribution=draw(st.sampled_from(("laplace", "student_t", "poisson"))))
    elif change in ("hidden_layer_sizes", "activation", "dropout"):
        value = {"hidden_layer_sizes": [3, 2], "activation": "tanh", "dropout": 0.25}[change]
        est.set_params(**{change: value})
    note(f"warm start after: {change}")
    return y


# -- damaged model files --------------------------------------------------------------
def saved_bytes(model):
    from skprob.persistence import save

    buffer = io.BytesIO()
    save(model, buffer)
    return buffer.getvalue()


def _rewrite(data, member, content):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, content if name == member else source.read(name))
    return out.getvalue()


def _edit_json(text, draw):
    """A JSON document with one value replaced by something of another kind."""
    document = json.loads(text)
    replacement = draw(st.sampled_from((None, -1, 1e308, "x", [], {}, [[[[[]]]]], True)))

    def edit(node, depth=0):
        if isinstance(node, dict) and node:
            key = sorted(node)[draw(st.integers(0, len(node) - 1))]
            if depth > 3 or draw(st.booleans()):
                node[key] = replacement
            else:
                edit(node[key], depth + 1)
        elif isinstance(node, list) and node:
            edit(node[draw(st.integers(0, len(node) - 1))], depth + 1)

    edit(document)
    return json.dumps(document)


@st.composite
def tampered(draw, data):
    """``data`` (a saved model) with bytes flipped, cut, or one member replaced or edited."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        member = draw(st.sampled_from(names), label="member")
        content = archive.read(member)
    how = draw(st.sampled_from(("flip", "truncate", "garbage", "nested", "edit-json",
                                "drop-member")), label="tampering")
    note(f"tampering: {how} of {member}")
    if how == "flip":
        raw = bytearray(data)
        start = draw(st.integers(0, len(raw) - 1))
        for i in range(start, min(len(raw), start + draw(st.integers(1, 64)))):
            raw[i] ^= draw(st.integers(1, 255))
        return bytes(raw)
    if how == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    if how == "garbage":
        return _rewrite(data, member, draw(st.binary(max_size=64)))
    if how == "nested":
        return _rewrite(data, member, "[" * 100_000 + "]" * 100_000)
    if how == "edit-json":
        try:
            return _rewrite(data, member, _edit_json(content.decode(), draw))
        except (UnicodeDecodeError, ValueError):
            return _rewrite(data, member, content[: len(content) // 2])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in names:
            if name != member:
                target.writestr(name, source.read(name))
    return out.getvalue()
