"""The Sphinx documentation builds with warnings as errors, and lists every estimator.

The build runs on a copy of the documentation sources in a temporary directory, so
that the files Sphinx generates (API stubs, gallery pages) never land in the working
tree and two runs cannot collide. The gallery scripts are not executed here
(``SKPROB_DOCS_PLOT=False``); another test runs every example.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import skprob

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DOCS_REQUIREMENTS = ["sphinx", "numpydoc", "sphinx_gallery", "myst_parser", "pydata_sphinx_theme"]
# Everything Sphinx writes next to the sources; not part of a copy of them.
GENERATED = [
    "_build",
    "generated",
    "auto_examples",
    "gen_modules",
    "_generated_*",
    "sg_execution_times.rst",
]


def missing_docs_requirements():
    return [name for name in DOCS_REQUIREMENTS if importlib.util.find_spec(name) is None]


def copy_sources(destination):
    """The files the documentation reads, laid out as in the repository."""
    shutil.copytree(DOCS, destination / "docs", ignore=shutil.ignore_patterns(*GENERATED))
    shutil.copytree(
        ROOT / "examples",
        destination / "examples",
        ignore=shutil.ignore_patterns("__pycache__", "*.png"),
    )
    shutil.copy2(ROOT / "README.md", destination / "README.md")
    results = ROOT / "benchmarks" / "results"
    if results.is_dir():
        shutil.copytree(results, destination / "benchmarks" / "results")
    return destination / "docs"


@pytest.mark.skipif(
    bool(missing_docs_requirements()),
    reason=(
        f"documentation tools not installed ({', '.join(missing_docs_requirements())}); "
        'install them with: pip install -e ".[docs]"'
    ),
)
def test_docs_build_without_warnings(tmp_path):
    source = copy_sources(tmp_path / "src")
    output = tmp_path / "html"
    # The copy has no package next to it: document the skprob of this checkout.
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "SKPROB_DOCS_PLOT": "False", "MPLBACKEND": "Agg", "PYTHONPATH": pythonpath}
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",  # every warning is an error, all of them reported
        "-b",
        "html",
        "-q",
        "-d",
        str(tmp_path / "doctrees"),
        str(source),
        str(output),
    ]
    build = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, f"sphinx-build failed:\n{build.stdout}\n{build.stderr}"

    pages = {path.relative_to(output).as_posix() for path in output.rglob("*.html")}
    for page in [
        "index.html",
        "overview.html",
        "user_guide.html",
        "families.html",
        "api.html",
        "benchmarks.html",
        "auto_examples/index.html",
    ]:
        assert page in pages
    # Every registered estimator, family and distribution has its own API page.
    expected = [f"skprob.{cls.__name__}" for cls in skprob.all_estimators()]
    for family in skprob.families.FAMILIES.values():
        for cls in [family, family.distribution_class]:
            expected.append(f"{cls.__module__}.{cls.__name__}")
    missing = [name for name in expected if f"generated/{name}.html" not in pages]
    assert not missing, f"no API page for {missing}"
    # The families page's table is generated from the registry: every estimator has a row.
    families = (output / "families.html").read_text(encoding="utf-8")
    missing = [cls.__name__ for cls in skprob.all_estimators() if cls.__name__ not in families]
    assert not missing, f"the families page has no row for {missing}"
    # Each gallery script has its page (not run here, so without figures).
    for script in sorted((source.parent / "examples").glob("plot_*.py")):
        assert f"auto_examples/{script.stem}.html" in pages
