# One command each: `make demo` sets up and runs the quickstart, `make test` sets up and runs
# the tests. Every environment installs exactly the versions locked in requirements/.
PYTHON ?= python3
# pip itself is pinned too: a newer pip may resolve or build differently.
PIP_VERSION := 25.3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test test-oldest ci lint clean bench lock docs

# $(call make_env,venv folder,lock file): a fresh virtual environment holding exactly the
# lock (no resolution at install time), then skprob itself in editable mode. --no-deps and
# --no-build-isolation keep pip from fetching anything the lock does not name; `pip check`
# fails the set-up if the lock is incomplete.
define make_env
	rm -rf $(1)
	$(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install --quiet pip==$(PIP_VERSION)
	$(1)/bin/python -m pip install --quiet --no-deps -r $(2)
	$(1)/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(1)/bin/python -m pip check
	touch $(1)/.installed
endef

$(VENV)/.installed: requirements/test.txt pyproject.toml
	$(call make_env,$(VENV),requirements/test.txt)

setup: $(VENV)/.installed

demo: setup
	$(BIN)/python examples/quickstart.py

test: setup
	$(BIN)/python -m pytest -n 2 -q

# The lower bounds of pyproject.toml, checked: numpy, scipy, scikit-learn and pandas at the
# oldest versions skprob claims to support, on the core tests; persistence and metrics check
# the lower bounds of skops, safetensors and scoringrules.
OLDEST_TESTS := tests/test_estimator_contract.py tests/test_families.py tests/test_persistence.py \
	tests/test_distributions.py tests/test_bad_input.py tests/test_metrics.py tests/test_crps_exact.py
.venv-oldest/.installed: requirements/oldest.txt pyproject.toml
	$(call make_env,.venv-oldest,requirements/oldest.txt)

test-oldest: .venv-oldest/.installed
	.venv-oldest/bin/python -m pytest -n 2 -q -o addopts="" -p no:cacheprovider $(OLDEST_TESTS)

# What CI runs on a fresh clone (.ci/run).
ci: test test-oldest

lint: setup
	$(BIN)/ruff check .

# The benchmark contenders (skorch, NGBoost) live in an environment of their own, so that
# their requirements never decide the versions the tests run on. `make bench` sets it up
# and runs the benchmark scripts' smoke tests in it; run a benchmark with
# `.venv-bench/bin/python benchmarks/<name>.py`.
.venv-bench/.installed: requirements/bench.txt pyproject.toml
	$(call make_env,.venv-bench,requirements/bench.txt)

bench: .venv-bench/.installed
	.venv-bench/bin/python -m pytest -q -o addopts="" -p no:cacheprovider tests/test_benchmarks.py

# Regenerates every lock from pyproject.toml with uv (pinned), resolving for CPython 3.11 on
# x86-64 Linux, the CPU build of torch (requirements/torch-cpu.txt) taken from the wheel
# folder of FIND_LINKS. Review the diff, then commit it.
UV_VERSION := 0.13.9
FIND_LINKS ?= /opt/wheels
UV := .venv-tools/bin/uv
LOCK := $(UV) pip compile --quiet --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu --find-links $(FIND_LINKS) --no-emit-find-links \
	--custom-compile-command "make lock" \
	-c requirements/torch-cpu.txt

$(UV):
	$(PYTHON) -m venv .venv-tools
	.venv-tools/bin/python -m pip install --quiet uv==$(UV_VERSION)

lock: $(UV)
	$(LOCK) pyproject.toml requirements/build.in --extra test --extra docs --extra lint \
		-o requirements/test.txt
	$(LOCK) pyproject.toml requirements/build.in --extra bench -o requirements/bench.txt
	$(LOCK) pyproject.toml requirements/build.in requirements/oldest.in \
		--resolution lowest-direct -o requirements/oldest.txt

clean:
	rm -rf $(VENV) .venv-oldest .venv-bench .venv-tools .pytest_cache build *.egg-info

# The HTML documentation in docs/_build/html; every Sphinx warning is an error.
# SKPROB_DOCS_PLOT=False make docs skips running the gallery scripts.
docs: setup
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html
