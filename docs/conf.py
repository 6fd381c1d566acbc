"""Sphinx configuration of the skprob documentation.

Build with ``make docs`` (warnings are errors). ``SKPROB_DOCS_PLOT=False`` skips
running the gallery scripts (their pages then show the code without output), which
roughly halves the time of a full build.

Two include files are written here at every build, from what exists at that time:

- ``_generated_api.rst`` (included by ``api.rst``): autosummary tables of every public
  name, read from the estimator and family registries and from each public module's
  ``__all__``, so that a new family, estimator or function appears without editing
  the docs;
- ``_generated_benchmarks.md`` (included by ``benchmarks.md``): the result files in
  ``benchmarks/results/``, or how to produce them when there are none yet;
- ``_generated_families.md`` (included by ``families.md``): the table of estimators,
  their targets, distributions and parameters, read from the registry, so that a new
  family file appears there without editing the docs.

Nothing here needs the network: intersphinx is deliberately not configured.
"""

import importlib
import importlib.util
import inspect
import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the working tree, also when skprob is not installed in the environment.
sys.path.insert(0, str(ROOT))

import skprob  # noqa: E402
from skprob.families import FAMILIES  # noqa: E402

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
]

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
# Stubs are written for the tables in api.rst and in the file it includes; the include
# file is not a page, so it has to be named here to be scanned.
autosummary_generate = ["api.rst", "_generated_api.rst"]
autosummary_generate_overwrite = True
# Types live in the numpydoc sections; repeating hints in signatures adds only noise.
autodoc_typehints = "none"
autodoc_member_order = "groupwise"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- Markdown pages ------------------------------------------------------------------
myst_heading_anchors = 3

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
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False


# -- Generated include files ---------------------------------------------------------
def _write_if_changed(path, text):
    """Write ``text`` only when it differs, so that unchanged pages are not rebuilt."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _heading(title, char):
    return f"{title}\n{char * len(title)}\n\n"


def _autosummary(names, template=None):
    options = "   :toctree: generated\n" + (f"   :template: {template}\n" if template else "")
    rows = "".join(f"   {name}\n" for name in names)
    return f".. autosummary::\n{options}\n{rows}\n"


def _public_names(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in vars(module) if not name.startswith("_")]
    return list(names)


class _ApiWriter:
    """Collects autosummary tables; each object gets one page, under its first name."""

    def __init__(self):
        self.parts = []
        self.pages = {}  # id(object) -> full name of its page

    def table(self, module_name, names):
        """A table of the names not documented yet; re-exports become links."""
        module = importlib.import_module(module_name)
        new, aliases, containers = [], [], []
        for name in names:
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                continue
            # Only classes and functions are shared objects worth deduplicating:
            # two constants with equal values are different entries.
            shared = inspect.isclass(obj) or inspect.isroutine(obj)
            if shared and id(obj) in self.pages:
                role = "class" if inspect.isclass(obj) else "func"
                aliases.append(f":py:{role}:`{name} <{self.pages[id(obj)]}>`")
                continue
            if shared:
                self.pages[id(obj)] = f"{module_name}.{name}"
            # A registry's repr is a wall of text; its docstring comment says what it holds.
            if isinstance(obj, (dict, list, set, tuple)) and len(repr(obj)) > 80:
                containers.append(name)
            else:
                new.append(name)
        if new:
            self.parts.append(_autosummary(new))
        if containers:
            self.parts.append(_autosummary(containers, template="data_no_value"))
        if aliases:
            links = ", ".join(aliases)
            self.parts.append(f"Also importable from ``{module_name}``: {links}.\n\n")

    def module(self, module_name, title):
        module = importlib.import_module(module_name)
        self.parts.append(f".. _api-{module_name}:\n\n")
        self.parts.append(_heading(title, "-"))
        self.parts.append(f".. automodule:: {module_name}\n   :no-members:\n\n")
        self.parts.append(f".. currentmodule:: {module_name}\n\n")
        self.table(module_name, _public_names(module))

    def text(self, text):
        self.parts.append(text)


def _families_table(writer):
    """The registry as a table, then one table each of family and distribution classes."""
    estimators_by_module = {}
    for cls in skprob.all_estimators():
        estimators_by_module.setdefault(cls.__module__, []).append(cls.__name__)
    rows = []
    for name, family in sorted(FAMILIES.items()):
        dist = family.distribution_class
        estimators = ", ".join(
            f":class:`~skprob.{est}`" for est in estimators_by_module.get(family.__module__, [])
        )
        rows.append(
            f"   * - ``{name}``\n"
            f"     - {family.support}\n"
            f"     - :class:`~{family.__module__}.{family.__name__}`\n"
            f"     - :class:`~{dist.__module__}.{dist.__name__}`\n"
            f"     - {estimators or '(through DistributionRegressor only)'}\n"
        )
    writer.text(
        "Registered families (``skprob.available_families()``), with the estimators "
        "defined next to them. Any regression family can also be given by name to "
        ":class:`~skprob.DistributionRegressor`.\n\n"
        ".. list-table::\n   :header-rows: 1\n   :widths: 14 22 20 24 20\n\n"
        "   * - name\n     - support\n     - family\n     - distribution\n     - estimators\n"
        + "".join(rows)
        + "\n"
    )
    for title, classes in [
        ("Family classes", [(f.__module__, f.__name__) for _, f in sorted(FAMILIES.items())]),
        (
            "Distribution classes",
            [
                (f.distribution_class.__module__, f.distribution_class.__name__)
                for _, f in sorted(FAMILIES.items())
            ],
        ),
    ]:
        writer.text(_heading(title, "~"))
        for module_name, name in classes:
            writer.pages[id(getattr(importlib.import_module(module_name), name))] = (
                f"{module_name}.{name}"
            )
        # Relative to the current module, skprob.families, as autosummary expects.
        writer.text(
            _autosummary([f"{module.rpartition('.')[2]}.{name}" for module, name in classes])
        )


def write_api_reference(path):
    writer = _ApiWriter()
    writer.text(".. This file is written by conf.py at every build; do not edit it.\n\n")

    # The top-level names first, so that re-exports elsewhere link to these pages.
    writer.text(".. automodule:: skprob\n   :no-members:\n\n")
    writer.text(".. _api-skprob:\n\n" + _heading("Estimators", "-"))
    writer.text(
        "Every estimator registered in ``skprob.all_estimators()``, importable from "
        "``skprob``.\n\n.. currentmodule:: skprob\n\n"
    )
    estimator_names = [cls.__name__ for cls in skprob.all_estimators()]
    writer.table("skprob", estimator_names)
    top_level = [
        name
        for name in _public_names(skprob)
        if name not in estimator_names and not inspect.ismodule(getattr(skprob, name))
    ]
    writer.text(_heading("Other top-level names", "-"))
    writer.text(".. currentmodule:: skprob\n\n")
    writer.table("skprob", top_level)

    writer.module("skprob.families", "Distribution families")
    _families_table(writer)
    writer.module("skprob.distributions", "Distribution objects")
    writer.module("skprob.ensemble", "Deep ensembles")
    writer.module("skprob.generic", "The family as a hyper-parameter")
    writer.module("skprob.censoring", "Censored and interval targets")
    writer.module("skprob.survival", "Time to event")
    writer.module("skprob.base", "Estimator base classes")
    # Modules that may not exist yet in a given checkout are documented when present.
    for module_name, title in [
        ("skprob.metrics", "Metrics"),
        ("skprob.plotting", "Plotting"),
        ("skprob.persistence", "Saving and loading"),
        ("skprob.interop.skpro", "skpro"),
    ]:
        # skprob.interop.skpro needs the optional skpro package.
        dependency = "skpro" if module_name.endswith(".skpro") else module_name
        if importlib.util.find_spec(dependency) is not None:
            writer.module(module_name, title)
    writer.module("skprob.exceptions", "Exceptions")
    _write_if_changed(path, "".join(writer.parts))


def write_benchmarks(path):
    results = sorted((ROOT / "benchmarks" / "results").glob("*.md"))
    if not results:
        scripts = sorted((ROOT / "benchmarks").glob("*.py"))
        others = ", ".join(f"`{s.name}`" for s in scripts if s.name != "speed.py")
        text = (
            "No benchmark results have been written in this checkout yet. To produce the "
            "speed comparison, run from the repository root:\n\n"
            "```bash\npython benchmarks/speed.py\n```\n\n"
            "It writes `benchmarks/results/speed.md`, which this page then includes "
            "(`python benchmarks/speed.py --smoke` checks in seconds that the script works)."
            + (
                f" The other scripts in `benchmarks/` ({others}) work the same way."
                if others
                else ""
            )
            + "\n"
        )
    else:
        # Each report keeps its own title, one level below this page's; its images are
        # found next to it.
        blocks = [
            f"```{{include}} {os.path.relpath(result, DOCS)}\n"
            ":relative-images:\n:heading-offset: 1\n```\n"
            for result in results
        ]
        text = "\n".join(blocks)
    _write_if_changed(path, "<!-- Written by conf.py at every build; do not edit. -->\n\n" + text)


def write_families_table(path):
    """One row per registered estimator: target, distribution, what the network predicts."""
    rows = [
        "| target | distribution | estimator | the network predicts (link) | in brief |",
        "|---|---|---|---|---|",
    ]
    for cls in skprob.all_estimators():
        estimator = cls()
        family = estimator._make_family()
        summary = inspect.getdoc(cls).splitlines()[0].rstrip(".")
        name = f"{{class}}`~skprob.{cls.__name__}`"
        if getattr(cls, "family", None) is None:  # the family is a hyper-parameter
            rows.append(f"| any regression target | any regression family | {name} | "
                        f"those of the family | {summary} |")
            continue
        family.fit(family.example_target(50, random_state=0))
        parameters = "; ".join(
            f"{param}: {parameter.link.describe()}"
            + ("" if parameter.depends_on_x else ", one constant per output")
            for param, parameter in family.parameters().items()
        )
        dist = family.distribution_class
        rows.append(
            f"| {family.support.symbol} | {{class}}`~{dist.__module__}.{dist.__name__}` | "
            f"{name} | {parameters} | {summary} |"
        )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


write_api_reference(DOCS / "_generated_api.rst")
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
