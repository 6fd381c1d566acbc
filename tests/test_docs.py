"""The documentation builds with warnings as errors, and reads as a reader expects.

The build runs once per test session, on a copy of the documentation sources in a
temporary directory, so that the files Sphinx generates (API stubs, gallery pages)
never land in the working tree and two runs cannot collide. The gallery is executed
in its fast mode; tests/test_gallery.py checks what each example shows. The built
pages are checked for unlinked mentions of public objects, loads from other hosts
and rendered math; the pages' own examples run as doctests or, where they show no
output, as scripts.
"""

import doctest
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from _docs_html import outside_resources, public_names, unlinked_mentions

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


needs_docs_tools = pytest.mark.skipif(
    bool(missing_docs_requirements()),
    reason=(
        f"documentation tools not installed ({', '.join(missing_docs_requirements())}); "
        'install them with: pip install -e ".[docs]"'
    ),
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One build of the whole site, gallery executed, shared by the tests of this module.

    The gallery scripts run in their fast mode (``SKPROB_GALLERY_FAST=1``, as in
    tests/test_gallery.py), so every figure and printed number is on its page.
    """
    if missing_docs_requirements():
        pytest.skip("documentation tools not installed")
    tmp_path = tmp_path_factory.mktemp("docs")
    source = copy_sources(tmp_path / "src")
    output = tmp_path / "html"
    # The copy has no package next to it: document the skprob of this checkout.
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "SKPROB_DOCS_PLOT": "True", "SKPROB_GALLERY_FAST": "1",
           "MPLBACKEND": "Agg", "PYTHONPATH": pythonpath}
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
    started = time.perf_counter()
    build = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - started
    return {"source": source, "output": output, "build": build, "seconds": seconds}


@needs_docs_tools
def test_docs_build_without_warnings(site):
    build, output, source = site["build"], site["output"], site["source"]
    assert build.returncode == 0, f"sphinx-build failed:\n{build.stdout}\n{build.stderr}"
    print(f"docs build, gallery executed in fast mode: {site['seconds']:.0f} s")

    pages = {path.relative_to(output).as_posix() for path in output.rglob("*.html")}
    for page in [
        "index.html",
        "install.html",
        "overview.html",
        "guide.html",
        "user_guide.html",
        "families.html",
        "api.html",
        "benchmarks.html",
        "changelog.html",
        "faq.html",
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
    # Each gallery script has its page, executed: its figures are on it.
    for script in sorted((source.parent / "examples").glob("plot_*.py")):
        page = output / "auto_examples" / f"{script.stem}.html"
        assert page.exists(), script.name
        assert "sphx-glr-single-img" in page.read_text(encoding="utf-8"), (
            f"{script.name}: no figure on its page")


@needs_docs_tools
def test_every_mention_of_a_public_object_is_a_link(site):
    """Prose that names an estimator, a distribution or a function links to its page."""
    assert site["build"].returncode == 0
    classes, dotted = public_names()
    unlinked = {}
    for path in sorted(site["output"].rglob("*.html")):
        found = unlinked_mentions(path.read_text(encoding="utf-8"), classes, dotted)
        if found:
            unlinked[path.relative_to(site["output"]).as_posix()] = found
    assert not unlinked, f"mentions that are not links: {unlinked}"
    # scikit-learn's objects link to its API pages (by their URL scheme when the build
    # has no intersphinx inventories): in prose code and in docstrings' roles alike.
    pipelines = (site["output"] / "howto_pipelines.html").read_text(encoding="utf-8")
    sklearn_pages = "https://scikit-learn.org/stable/modules/generated/"
    assert f'{sklearn_pages}sklearn.model_selection.GridSearchCV.html"' in pipelines
    counts = (site["output"] / "auto_examples" / "plot_poisson_counts.html").read_text(
        encoding="utf-8")
    assert f'{sklearn_pages}sklearn.linear_model.PoissonRegressor.html"' in counts


@needs_docs_tools
def test_pages_load_nothing_from_other_hosts_and_render_math(site):
    assert site["build"].returncode == 0
    output = site["output"]
    outside = {}
    for path in sorted(output.rglob("*.html")):
        urls = outside_resources(path.read_text(encoding="utf-8"))
        if urls:
            outside[path.relative_to(output).as_posix()] = urls
    assert not outside, f"pages that load from other hosts: {outside}"
    # Formulas are MathJax markup, rendered by the copy of MathJax served with the site.
    families = (output / "families.html").read_text(encoding="utf-8")
    assert families.count('class="math') >= 20
    assert "_static/mathjax/tex-chtml.js" in families
    assert (output / "_static" / "mathjax" / "tex-chtml.js").exists()


# Pages whose examples are doctests: ```pycon blocks of ``>>> `` lines with the output under
# each, run as written, top to bottom, in one session. A new page with such examples is
# found here without editing this list; the generated include files hold none.
DOCTEST_PAGES = sorted(
    path.name
    for path in DOCS.glob("*.md")
    if not path.name.startswith("_generated_") and ">>> " in path.read_text(encoding="utf-8")
)
DOCTEST_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
# Imported by some pages' examples but not needed by skprob itself: a page that imports one
# that is not installed is skipped.
OPTIONAL_MODULES = {"mapie", "skpro", "matplotlib"}
_EXAMPLE_IMPORT = re.compile(r"^\s*(?:>>>|\.\.\.)\s+(?:from|import)\s+([A-Za-z_]\w*)", re.MULTILINE)


def missing_optional_modules(text):
    imported = set(_EXAMPLE_IMPORT.findall(text)) & OPTIONAL_MODULES
    return sorted(name for name in imported if importlib.util.find_spec(name) is None)


@pytest.mark.parametrize("page", DOCTEST_PAGES)
def test_docs_page_examples_run_as_shown(page, tmp_path, monkeypatch):
    """Every example of the page prints what the page shows under it."""
    path = DOCS / page
    text = path.read_text(encoding="utf-8")
    missing = missing_optional_modules(text)
    if missing:
        pytest.skip(f"docs/{page} needs {', '.join(missing)}, which is not installed")
    # Figures are drawn off screen; files the examples write land in tmp_path.
    monkeypatch.setenv("MPLBACKEND", "Agg")
    if importlib.util.find_spec("matplotlib") is not None:
        import matplotlib.pyplot as plt

        backend = plt.get_backend()
        plt.switch_backend("Agg")
        monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    monkeypatch.chdir(tmp_path)
    threads = torch.get_num_threads()
    test = doctest.DocTestParser().get_doctest(text, {"__name__": "__main__"}, page, str(path), 0)
    report = io.StringIO()
    try:
        failed, attempted = doctest.DocTestRunner(optionflags=DOCTEST_FLAGS).run(
            test, out=report.write
        )
    finally:
        test.globs.clear()
        torch.set_num_threads(threads)  # a page may change it for the rest of its session
        if importlib.util.find_spec("matplotlib") is not None:
            plt.close("all")
            plt.switch_backend(backend)
    assert attempted > 0
    assert failed == 0, (
        f"{failed} of the {attempted} examples of docs/{page} do not print what the page "
        f"shows (`python -m doctest -o ELLIPSIS -o NORMALIZE_WHITESPACE docs/{page}` runs "
        f"them alone):\n{report.getvalue()}"
    )
    left = sorted(p.name for p in tmp_path.iterdir())
    assert not left, f"the examples of docs/{page} leave files behind: {left}"
