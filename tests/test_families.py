"""Generic checks over every registered family and every public estimator.

The families are taken from the registry, never from a hand-written list, so a
family added as a new file in ``skprob/families/`` is checked automatically:
its torch loss must agree with its numpy distribution in the user's units, the
output bias must start at the best constant model, and the links must survive
extreme raw outputs.
"""

import re

import numpy as np
import pytest
import torch
from sklearn.base import is_classifier

import skprob
from skprob.distributions import Distribution
from skprob.families import FAMILIES, Family, available_families, get_family
from skprob.families._base import Parameter, weighted_mean_std
from skprob.families._links import Identity, Link
from skprob.families._support import Support
from skprob.families.normal import NormalDistribution

N_ROWS = 200
RAW_SCALE = 1.5
EXTREME = 50.0
FAMILY_NAMES = available_families()
ESTIMATORS = skprob.all_estimators()

# Known defects of built-in families, as (test, family) -> reason; each is a strict
# xfail, so the test starts failing (as a reminder to drop the entry) once fixed.
KNOWN_BUGS: dict = {}


def fitted_family(name, n_rows=N_ROWS, seed=0):
    family = get_family(name)
    y = type(family).example_target(n_rows, random_state=seed)
    return family.fit(y), y


def random_raw(family, n_rows, seed=0):
    rng = np.random.default_rng(seed)
    return torch.as_tensor(rng.normal(0.0, RAW_SCALE, size=(n_rows, sum(family.n_raw_))))


def to_numpy(params):
    return {k: v.detach().numpy() for k, v in params.items()}


def target_tensor(family, y, dtype=torch.float64):
    """The target as the loss sees it, in the raw outputs' precision when it is real."""
    z = torch.as_tensor(family.transform_target(y))
    return z.to(dtype) if z.is_floating_point() else z.to(family.target_dtype)


def assert_nll_matches_distribution(family, raw, y):
    dist = family.distribution(to_numpy(family.link(raw)))
    nll = family.nll(raw, target_tensor(family, y)).detach().numpy()
    assert nll.shape == (len(raw),)
    np.testing.assert_allclose(nll, -dist.log_likelihood(y), rtol=1e-5, atol=1e-5)


@pytest.fixture(params=FAMILY_NAMES)
def name(request):
    reason = KNOWN_BUGS.get((request.node.originalname, request.param))
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    return request.param


# -- the registry ---------------------------------------------------------------------
def test_registry_is_consistent():
    assert FAMILY_NAMES == sorted(FAMILIES)
    assert len(FAMILY_NAMES) >= 4
    for key, cls in FAMILIES.items():
        assert issubclass(cls, Family)
        assert cls.name == key


def test_family_class_defines_its_contract(name):
    # The declarative contract: a support object, declared parameters with links, a
    # starting point, and a distribution that holds the one log-density.
    cls = FAMILIES[name]
    assert "name" in vars(cls)
    assert isinstance(cls.support, Support)
    assert cls.support.description.strip() and cls.support.symbol.strip()
    assert issubclass(cls.distribution_class, Distribution)
    assert cls.distribution_class is not Distribution
    assert cls.distribution_class.param_names
    assert cls.distribution_class.log_density is not Distribution.log_density
    assert cls.initial_params is not Family.initial_params
    family, _ = fitted_family(name)
    declared = family.parameters()
    assert declared and all(isinstance(p, Parameter) for p in declared.values())
    assert all(isinstance(p.link, Link) for p in declared.values())
    assert cls.example_target.__func__ is not Family.example_target.__func__
    y = cls.example_target(5, random_state=0)
    assert len(y) == 5
    np.testing.assert_array_equal(y, cls.example_target(5, random_state=0))
    assert cls.__doc__ and "Examples" in cls.__doc__


def test_fit_sets_raw_layout(name):
    family, y = fitted_family(name)
    assert len(family.n_raw_) == 2
    assert all(isinstance(n, int) and n >= 0 for n in family.n_raw_)
    assert sum(family.n_raw_) >= 1
    assert family.initial_raw_.shape == (sum(family.n_raw_),)
    assert np.all(np.isfinite(family.initial_raw_))
    assert family.y_ndim_ == np.asarray(y).ndim
    z = family.transform_target(y)
    assert len(z) == len(y)


# -- the torch loss against the numpy distribution ------------------------------------
def test_nll_matches_distribution_on_example_target(name):
    family, _ = fitted_family(name)
    y = type(family).example_target(N_ROWS, random_state=1)
    assert_nll_matches_distribution(family, random_raw(family, N_ROWS, seed=2), y)


def test_nll_matches_distribution_on_its_own_draws(name):
    family, _ = fitted_family(name)
    raw = random_raw(family, N_ROWS, seed=3)
    dist = family.distribution(to_numpy(family.link(raw)))
    y = dist.rvs(random_state=4)
    assert_nll_matches_distribution(family, raw, y)


def test_nll_matches_distribution_multi_output(name):
    """Independent outputs: per-column scaling and Jacobian summed over columns."""
    cls = FAMILIES[name]
    if cls.is_classifier or cls.joint or not cls.multi_output:
        pytest.skip(f"{name!r} has no independent multi-output mode")
    y = np.column_stack([cls.example_target(N_ROWS, random_state=s) for s in (0, 5)])
    family = get_family(name).fit(y)
    assert family.n_outputs_ == 2
    raw = random_raw(family, N_ROWS, seed=6)
    dist = family.distribution(to_numpy(family.link(raw)), output_names=["a", "b"])
    assert dist.batch_shape == (N_ROWS, 2)
    y_test = np.column_stack([cls.example_target(N_ROWS, random_state=s) for s in (7, 8)])
    assert_nll_matches_distribution(family, raw, y_test)


def test_distribution_keeps_index_and_rows(name):
    family, y = fitted_family(name)
    raw = random_raw(family, N_ROWS)
    index = [f"r{i}" for i in range(N_ROWS)]
    dist = family.distribution(to_numpy(family.link(raw)), index=index)
    assert isinstance(dist, family.distribution_class)
    assert len(dist) == N_ROWS
    assert list(dist.to_frame().index) == index
    assert dist.log_likelihood(y).shape == (N_ROWS,)


# -- the starting bias ----------------------------------------------------------------
def test_initial_raw_minimises_constant_model_nll(name):
    family, y = fitted_family(name)
    z = target_tensor(family, y)

    def mean_nll(raw_row):
        raw = torch.as_tensor(np.tile(raw_row, (len(y), 1)), dtype=torch.float64)
        return float(family.nll(raw, z).mean())

    best = mean_nll(family.initial_raw_)
    assert np.isfinite(best)
    for j in range(len(family.initial_raw_)):
        for step in (-1e-2, 1e-2):
            moved = family.initial_raw_.copy()
            moved[j] += step
            assert mean_nll(moved) >= best - 1e-6, (name, j, step)


# -- numerical safety -----------------------------------------------------------------
def extreme_raws(family, dtype):
    n_raw = sum(family.n_raw_)
    signs = np.random.default_rng(9).choice([-1.0, 1.0], size=(N_ROWS, n_raw))
    for values in (np.full((N_ROWS, n_raw), EXTREME), np.full((N_ROWS, n_raw), -EXTREME),
                   EXTREME * signs):
        yield torch.as_tensor(values, dtype=dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_extreme_raw_outputs_stay_finite(name, dtype):
    family, y = fitted_family(name)
    z = target_tensor(family, y, dtype=dtype)
    for raw in extreme_raws(family, dtype):
        params = family.link(raw)
        for key, value in params.items():
            assert torch.isfinite(value).all(), (key, raw[0])
            if value.is_floating_point():
                assert value.dtype == dtype, key
        assert torch.isfinite(family.nll(raw, z)).all(), raw[0]


def test_extreme_raw_outputs_give_usable_distribution(name):
    family, y = fitted_family(name)
    for raw in extreme_raws(family, torch.float64):
        dist = family.distribution(to_numpy(family.link(raw)))
        assert np.all(np.isfinite(dist.log_likelihood(y))), raw[0]


# -- get_family -----------------------------------------------------------------------
def test_get_family_unknown_name_lists_available():
    with pytest.raises(ValueError, match="no-such-family") as info:
        get_family("no-such-family")
    for known in FAMILY_NAMES:
        assert repr(known) in str(info.value)


def test_get_family_rejects_other_types():
    with pytest.raises(TypeError, match="family"):
        get_family(3)
    with pytest.raises(TypeError):
        get_family(get_family(FAMILY_NAMES[0]), foo=1)


def test_get_family_object_returns_unfitted_copy(name):
    original = get_family(name)
    copy = get_family(original)
    assert copy is not original
    assert type(copy) is type(original)
    assert copy.get_params() == original.get_params()
    copy.fit(type(original).example_target(50, random_state=0))
    assert not hasattr(original, "n_raw_")

    original.fit(type(original).example_target(N_ROWS, random_state=0))
    before = original.initial_raw_.copy()
    refit = get_family(original)
    assert not hasattr(refit, "n_raw_")
    refit.fit(type(original).example_target(30, random_state=11))
    np.testing.assert_array_equal(original.initial_raw_, before)


# -- registering a family -------------------------------------------------------------
@pytest.fixture
def restore_registry():
    saved = dict(FAMILIES)
    yield saved
    FAMILIES.clear()
    FAMILIES.update(saved)


def test_new_family_is_registered_and_usable(restore_registry):
    # The declarative contract: parameters with links, a start, a distribution.
    class UnitNormalFamily(Family):
        """Normal with unit scale (test only)."""

        name = "test-unit-normal"
        distribution_class = NormalDistribution
        params = {"loc": Parameter(Identity())}

        def distribution_params(self, params):
            return {"loc": params["loc"], "scale": torch.ones_like(params["loc"])}

        def initial_params(self, y, sample_weight):
            return {"loc": (sample_weight / sample_weight.sum()) @ y}

        @classmethod
        def example_target(cls, n_samples, random_state=None):
            return np.random.default_rng(random_state).normal(size=n_samples)

    assert FAMILIES["test-unit-normal"] is UnitNormalFamily
    assert "test-unit-normal" in available_families()
    family = get_family("test-unit-normal")
    assert isinstance(family, UnitNormalFamily)
    assert "Examples" in UnitNormalFamily.__doc__  # written for a family that has none
    assert UnitNormalFamily.support is NormalDistribution.support
    family.fit(UnitNormalFamily.example_target(N_ROWS, random_state=0))
    assert family.n_raw_ == (1, 0)
    assert_nll_matches_distribution(
        family, random_raw(family, N_ROWS), UnitNormalFamily.example_target(N_ROWS, 1)
    )


def test_unnamed_subclass_is_not_registered(restore_registry):
    class AbstractFamily(Family):
        pass

    assert dict(FAMILIES) == restore_registry


def test_duplicate_family_name_raises(restore_registry):
    taken = FAMILY_NAMES[0]
    with pytest.raises(ValueError, match=re.escape(repr(taken))):

        class ImpostorFamily(Family):
            name = taken

    assert FAMILIES[taken] is restore_registry[taken]


# -- estimators -----------------------------------------------------------------------
def section(doc, title):
    return re.search(rf"^\s*{title}\n\s*-{{{len(title)}}}\s*$", doc, flags=re.MULTILINE)


def test_estimators_are_registered_and_exported():
    assert ESTIMATORS
    for cls in ESTIMATORS:
        assert getattr(skprob, cls.__name__) is cls
        assert cls.__name__ in skprob.__all__


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_estimator_docstring_is_numpydoc(cls):
    doc = cls.__doc__
    assert doc, cls.__name__
    for title in ("Parameters", "Attributes", "Examples"):
        assert section(doc, title), f"{cls.__name__} lacks a {title!r} section"
    assert ">>>" in doc
    # Shared fragments must have been filled in.
    assert "{mlp_parameters}" not in doc and "{fitted_attributes}" not in doc


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_estimator_makes_registered_family(cls):
    estimator = cls()
    family = estimator._make_family()
    assert isinstance(family, Family)
    assert FAMILIES.get(family.name) is type(family)
    assert not hasattr(family, "n_raw_")
    assert is_classifier(estimator) == family.is_classifier


def test_weighted_mean_std_has_no_overflow():
    rng = np.random.default_rng(0)
    y, w = rng.normal(size=(50, 3)) * [1.0, 1e5, 1e-5], rng.uniform(size=50)
    share = w / w.sum()
    mean, std = weighted_mean_std(y, w)
    np.testing.assert_allclose(mean, share @ y, rtol=1e-14, atol=1e-20)
    np.testing.assert_allclose(std, np.sqrt(share @ (y - share @ y) ** 2), rtol=1e-14)
    # Squares of values beyond ~1e154 overflow; the scaled mean and std do not.
    huge_mean, huge_std = weighted_mean_std(y * 2.0**1000, w)
    np.testing.assert_array_equal(huge_mean, mean * 2.0**1000)
    np.testing.assert_array_equal(huge_std, std * 2.0**1000)
    edge = weighted_mean_std(np.array([[1.7e308], [-1.7e308]]), np.ones(2))
    np.testing.assert_array_equal(edge, ([0.0], [1.7e308]))
    np.testing.assert_array_equal(weighted_mean_std(np.zeros((3, 2)), np.ones(3)),
                                  (np.zeros(2), np.zeros(2)))
    # A constant column has no spread, not the rounding error of its mean (~1e184 here).
    constant = np.full((5, 1), 1e200)
    np.testing.assert_array_equal(weighted_mean_std(constant, np.ones(5)), ([1e200], [0.0]))


@pytest.mark.parametrize("name", ["normal", "mixture", "laplace", "multivariate_normal"])
def test_huge_targets_fit_without_overflow(name):
    # |y| ~ 1e300: the family's standardisation and start stay finite, without warnings.
    y = np.r_[1e300, np.arange(9.0)]
    family = get_family(name).fit(y[:, None] if name == "multivariate_normal" else y)
    assert np.all(np.isfinite(family.scale_)) and np.all(np.isfinite(family.initial_raw_))
