"""The API reference, grouped into pages, written from skprob's registries at every build.

``write_api_pages(docs_dir)`` writes one include file per group,
``_generated_api_<group>.rst``, included by the page ``api_<group>.rst``: autosummary
tables of every public name, read from the estimator and family registries and from
each public module's ``__all__``, so that a new family, estimator or function
appears without editing the docs. Each object gets one page, under the first name it
is listed with; re-exports elsewhere link to it.
"""

import importlib
import importlib.util
import inspect

import skprob
from skprob.families import FAMILIES

#: (group, page title, modules documented there in order). The top-level names come
#: first, so that re-exports elsewhere link to their pages.
GROUPS = [
    ("estimators", "Estimators", ["skprob.ensemble", "skprob.generic", "skprob.survival",
                                  "skprob.base"]),
    ("distributions", "Families and distributions", ["skprob.families",
                                                     "skprob.distributions"]),
    ("compositions", "Compositions and model selection", ["skprob.compose",
                                                          "skprob.interop.skpro"]),
    ("targets", "Censored and interval targets", ["skprob.censoring"]),
    ("metrics", "Metrics and scorers", ["skprob.metrics"]),
    ("plotting", "Plotting", ["skprob.plotting"]),
    ("persistence", "Saving and loading", ["skprob.persistence"]),
    ("exceptions", "Exceptions and warnings", ["skprob.exceptions"]),
]
MODULE_TITLES = {
    "skprob.ensemble": "Deep ensembles",
    "skprob.generic": "The family as a hyper-parameter",
    "skprob.survival": "Time to event",
    "skprob.base": "Estimator base classes",
    "skprob.families": "Distribution families",
    "skprob.distributions": "Distribution objects",
    "skprob.compose": "Transformed targets, concatenation and cross-validated distributions",
    "skprob.interop.skpro": "skpro",
    "skprob.censoring": "Censored and interval targets",
    "skprob.metrics": "Metrics",
    "skprob.plotting": "Plotting",
    "skprob.persistence": "Saving and loading",
    "skprob.exceptions": "Exceptions",
}
#: Modules that need an optional package, and that package.
OPTIONAL = {"skprob.interop.skpro": "skpro"}


def write_if_changed(path, text):
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
        self.groups = {}  # group -> its list of reST parts
        self.parts = []
        self.pages = {}  # id(object) -> full name of its page

    def group(self, name):
        """Write what follows into the include file of group ``name``."""
        self.parts = self.groups.setdefault(name, [
            ".. This file is written by the docs build at every build; do not edit it.\n\n"
        ])

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


def _top_level(writer):
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


def write_api_pages(docs_dir):
    """Write ``_generated_api_<group>.rst`` for every group; return their file names."""
    writer = _ApiWriter()
    for group, _, modules in GROUPS:
        writer.group(group)
        if group == "estimators":
            _top_level(writer)
        for module_name in modules:
            dependency = OPTIONAL.get(module_name, module_name)
            if importlib.util.find_spec(dependency) is None:
                continue
            writer.module(module_name, MODULE_TITLES[module_name])
            if module_name == "skprob.families":
                _families_table(writer)
    names = []
    for group, parts in writer.groups.items():
        name = f"_generated_api_{group}.rst"
        write_if_changed(docs_dir / name, "".join(parts))
        names.append(name)
    return names
