"""Sphinx configuration of the skprob documentation.

Build with ``make docs`` (warnings are errors). ``SKPROB_DOCS_PLOT=False`` skips
running the gallery scripts (their pages then show the code without output), which
roughly halves the time of a full build.

Include files are written here at every build, from what exists at that time:

- ``_generated_api_<group>.rst`` (included by ``api_<group>.rst``): autosummary tables
  of every public name, read from the estimator and family registries and from each
  public module's ``__all__``, so that a new family, estimator or function appears
  without editing the docs (``_ext/api_pages.py``);
- ``_generated_benchmarks.md`` (included by ``benchmarks.md``) and its figures in
  ``_generated_benchmarks/``: the headline tables and plots read from the result files
  in ``benchmarks/results/``, or how to produce them when there are none yet
  (``_ext/benchmark_pages.py``);
- ``_generated_families.md`` (included by ``families.md``): the table of estimators,
  their targets, distributions and parameters, read from the registry, so that a new
  family file appears there without editing the docs.

Nothing here needs the network. Links to scikit-learn, numpy, scipy, pandas and
torch (intersphinx) need those projects' inventories, which only their web sites
serve: they are configured only when ``SKPROB_DOCS_INTERSPHINX=1`` is set, for a
build on a machine that may fetch them. Every mention of a skprob object links to
its API page in every build (``_ext/autolink_api.py``), and formulas are rendered by
a copy of MathJax served with the site.
"""

import inspect
import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the working tree, also when skprob is not installed in the environment.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

from api_pages import GROUPS, write_api_pages, write_if_changed  # noqa: E402
from benchmark_pages import write_benchmark_pages  # noqa: E402

import skprob  # noqa: E402

# -- Project -----------------------------------------------------------------------
project = "skprob"
author = "the skprob developers"
copyright = "the skprob developers"
release = skprob.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "sphinx.ext.mathjax",
    # Copies MathJax into the site and points the pages at that copy.
    "sphinx-mathjax-offline",
    "autolink_api",
]
intersphinx_enabled = os.environ.get("SKPROB_DOCS_INTERSPHINX") == "1"
if intersphinx_enabled:
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "pandas": ("https://pandas.pydata.org/docs", None),
        "torch": ("https://docs.pytorch.org/docs/stable", None),
    }

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
# Generated include files are pieces of pages, not pages of their own.
exclude_patterns = [
    "_build",
    "_generated_*",
    "**/*.ipynb",
    "**/*.py",
    "**/*.md5",
    # Left over from builds with sphinx-gallery's timing pages, which are off (below).
    "sg_execution_times.rst",
    "auto_examples/sg_execution_times.rst",
]
nitpicky = False
suppress_warnings = []

# -- API reference -------------------------------------------------------------------
# Stubs are written for the tables of the API pages' include files (written below,
# by write_api_pages); they are not pages, so they are named here to be scanned.
autosummary_generate = [f"_generated_api_{group}.rst" for group, _, _ in GROUPS]
autosummary_generate_overwrite = True
# Types live in the numpydoc sections; repeating hints in signatures adds only noise.
autodoc_typehints = "none"
autodoc_member_order = "groupwise"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- Markdown pages ------------------------------------------------------------------
myst_heading_anchors = 3
# $...$ and $$...$$ formulas, and amsmath environments, rendered by MathJax.
myst_enable_extensions = ["dollarmath", "amsmath"]

# -- Gallery -----------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Scripts named plot_*.py are run and their figures captured; quickstart.py is a
    # console report (``make demo``), not a gallery page.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py|quickstart\.py",
    "plot_gallery": os.environ.get("SKPROB_DOCS_PLOT", "True"),
    "doc_module": ("skprob",),
    "backreferences_dir": "gen_modules/backreferences",
    "image_scrapers": ("matplotlib",),
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    # The timing pages load jQuery and DataTables from CDNs; each example page shows
    # its own running time anyway.
    "write_computation_times": False,
}

# -- HTML ----------------------------------------------------------------------------
# pydata-sphinx-theme ships its fonts and scripts; with no version switcher and no
# analytics configured it fetches nothing at build time and the pages load nothing
# from other sites.
html_theme = "pydata_sphinx_theme"
html_title = f"skprob {release}"
html_theme_options = {
    "navigation_with_keys": False,
    # All eight top-level sections in the header, none hidden under "More".
    "header_links_before_dropdown": 8,
    # The search as an icon, so the eight links and the logo fit on one row at 1400 px.
    "navbar_persistent": [],
    "navbar_end": ["search-button", "theme-switcher"],
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
# Pages without sub-pages get no section sidebar (it would be empty).
html_sidebars = {
    page: []
    for page in ["index", "install", "overview", "families", "benchmarks", "changelog",
                 "contributing", "citation"]
}
html_static_path = ["_static"]
html_css_files = ["skprob.css"]


# -- Generated include files ---------------------------------------------------------
def write_benchmarks(path):
    """Write ``path`` (``_generated_benchmarks.md``) and, beside it, its figures' folder.

    Results first, read from ``benchmarks/results/`` (``_ext/benchmark_pages.py``), or
    how to produce them when there are none yet.
    """
    write_benchmark_pages(path.parent, ROOT / "benchmarks" / "results")


def write_families_table(path):
    """One row per registered estimator: target, estimator, distribution, its parameters.

    Four columns, so the table fits a laptop's screen; the estimator's one-line summary
    sits in its cell rather than in a column of its own.
    """
    rows = [
        "| target | estimator | distribution | the network predicts (link) |",
        "|---|---|---|---|",
    ]
    for cls in skprob.all_estimators():
        estimator = cls()
        family = estimator._make_family()
        summary = inspect.getdoc(cls).splitlines()[0].rstrip(".")
        name = f"{{class}}`~skprob.{cls.__name__}`: {summary}"
        if getattr(cls, "family", None) is None:  # the family is a hyper-parameter
            rows.append(f"| any regression target | {name} | any regression family | "
                        "those of the family |")
            continue
        family.fit(family.example_target(50, random_state=0))
        parameters = "; ".join(
            f"{param}: {parameter.link.describe()}"
            + ("" if parameter.depends_on_x else ", one constant per output")
            for param, parameter in family.parameters().items()
        )
        dist = family.distribution_class
        rows.append(
            f"| {family.support.symbol} | {name} | "
            f"{{class}}`~{dist.__module__}.{dist.__name__}` | {parameters} |"
        )
    write_if_changed(path, "\n".join(rows) + "\n")


write_api_pages(DOCS)
write_benchmarks(DOCS / "_generated_benchmarks.md")
write_families_table(DOCS / "_generated_families.md")


# -- Build-time checks and autodoc filtering ------------------------------------------
def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document on skprob's classes only the members that skprob defines.

    Members inherited from scikit-learn (``get_params``, ``set_params``,
    ``get_metadata_routing``) and the ``set_*_request`` methods it generates are
    documented by scikit-learn; their docstrings point at labels of scikit-learn's own
    site, which would not resolve here.
    """
    if what != "class" or skip:
        return None
    if name.startswith("set_") and name.endswith("_request"):
        return True
    target = obj.fget if isinstance(obj, property) else obj
    module = getattr(target, "__module__", None) or ""
    if (inspect.isroutine(target) or isinstance(obj, property)) and not module.startswith("skprob"):
        return True
    return None


# Interim: a fitted attribute in a numpydoc shape, as in "shape (n_outputs_,)", is read
# by docutils as a link to a target "n_outputs" that does not exist (an error under -W).
# Escaping the underscore renders the name as written. Only shape specifications on
# lines without backquotes are touched; the docstrings themselves should say
# "(n_outputs,)" or quote the name, after which this is a no-op.
_SHAPE = re.compile(r"shape \(([^()`]*)\)")
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=[,)\s]|$)")


def _escape_attribute_names_in_shapes(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        if "shape (" in line and "`" not in line:
            lines[i] = _SHAPE.sub(
                lambda m: "shape (" + _TRAILING_UNDERSCORE.sub(r"\\_", m.group(1)) + ")", line
            )


_UNDERLINE = re.compile(r"^-{3,}\s*$")


def _module_sections_as_rubrics(app, what, name, obj, options, lines):
    """Show the numpydoc sections of module docstrings as rubrics, not as sections.

    numpydoc leaves module docstrings as they are, so their "Examples" headings would
    become sections of the API page and fill its table of contents with "Examples".
    """
    if what != "module":
        return
    for i in range(len(lines) - 1):
        title = lines[i].strip()
        if title and _UNDERLINE.match(lines[i + 1]) and len(lines[i + 1].strip()) == len(title):
            lines[i], lines[i + 1] = f".. rubric:: {title}", ""


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
    # Before numpydoc (priority 500) reformats the docstring.
    app.connect("autodoc-process-docstring", _escape_attribute_names_in_shapes, priority=400)
    app.connect("autodoc-process-docstring", _module_sections_as_rubrics)
