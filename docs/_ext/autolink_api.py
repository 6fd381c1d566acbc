"""Link every prose mention of a documented skprob object to its API page.

Pages written in Markdown, the README included, name objects as inline code
(```PoissonMLPRegressor```, ```DistributionRegressor.predict_dist```,
```skprob.metrics.crps()```) or in plain text. Writing a cross-reference role for
each would make the README unreadable on a code host, and a missed one goes
unnoticed. This extension does it at build time instead: before references are
resolved, inline code and CamelCase words in prose that name an object documented
in the Python domain become references to it. Code blocks, headings and text that
is already a link are left alone.

Without intersphinx (which needs the network to fetch inventories), references to
scikit-learn, numpy, scipy, pandas and torch objects, and inline-code mentions of
scikit-learn's estimators and functions by name (```GridSearchCV```), link to those
projects' API pages through their URL scheme instead.

The test of the documentation build counts the mentions this leaves unlinked.
"""

import functools
import re

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

# ``name``, ``name()`` or ``name(x, y=1)``: the call's arguments are not part of the name.
_CODE_NAME = re.compile(r"^(?P<name>[A-Za-z_][\w.]*)(?:\(.*\))?$")
# Class names in plain prose: CamelCase words (a lower-case word is too often English).
_PROSE_NAME = re.compile(r"\b([A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+)\b")
_SKIP_PARENTS = (
    nodes.reference,
    nodes.literal_block,
    nodes.title,
    nodes.FixedTextElement,
    nodes.raw,
    addnodes.pending_xref,
    addnodes.desc_signature,
)


#: API page of an object of another project, by its full name.
EXTERNAL_PAGES = {
    "sklearn": "https://scikit-learn.org/stable/modules/generated/{}.html",
    "numpy": "https://numpy.org/doc/stable/reference/generated/{}.html",
    "scipy": "https://docs.scipy.org/doc/scipy/reference/generated/{}.html",
    "pandas": "https://pandas.pydata.org/docs/reference/api/{}.html",
    "torch": "https://docs.pytorch.org/docs/stable/generated/{}.html",
}


def external_page(full_name, reftype="obj"):
    """The URL of ``full_name``'s API page in its project, or None for another project.

    Methods and attributes are anchors on their class's page.
    """
    pattern = EXTERNAL_PAGES.get(full_name.partition(".")[0])
    if not pattern or "." not in full_name:
        return None
    # A type named by its defining module (sklearn.preprocessing._data.StandardScaler) is
    # documented under its public one: the path up to its first private part.
    parts = full_name.split(".")
    private = [i for i, part in enumerate(parts) if part.startswith("_")]
    if private:
        if reftype in ("meth", "attr"):
            return None
        full_name = ".".join(parts[: private[0]] + parts[-1:])
    if reftype in ("meth", "attr"):
        return pattern.format(full_name.rpartition(".")[0]) + "#" + full_name
    return pattern.format(full_name)


@functools.cache
def sklearn_names():
    """``{name: public full name}`` of scikit-learn's estimators, and of its model
    selection and metrics functions (other function names, such as ``shuffle`` or
    ``clone``, read as ordinary words in code snippets)."""
    from sklearn.utils.discovery import all_estimators, all_functions

    functions = [(name, obj) for name, obj in all_functions()
                 if obj.__module__.startswith(("sklearn.model_selection", "sklearn.metrics"))]
    names = {}
    for name, obj in [*all_estimators(), *functions]:
        # The public module is the path up to its first private part:
        # sklearn.model_selection._search.GridSearchCV -> sklearn.model_selection.
        parts = []
        for part in obj.__module__.split("."):
            if part.startswith("_"):
                break
            parts.append(part)
        names[name] = ".".join([*parts, name])
    return names


def _external_reference(url, child):
    ref = nodes.reference("", "", internal=False, refuri=url)
    ref += child
    return ref


def documented_names(env):
    """``{name as written: full name}`` for skprob's documented Python objects.

    Each object is reachable by its full name, by its name without the ``skprob.``
    prefix and by its last one or two components (``crps``,
    ``DistributionRegressor.predict_dist``), unless two objects share that short
    form: ambiguous short forms are dropped, the first registered page wins for a
    re-exported object.
    """
    objects = env.get_domain("py").objects
    full_names = sorted(name for name in objects if name.startswith("skprob"))
    names, ambiguous = {}, set()
    for full in full_names:
        parts = full.split(".")
        forms = {full, ".".join(parts[1:]), parts[-1], ".".join(parts[-2:])}
        for form in forms - {""}:
            other = names.get(form)
            if other is None or other == full:
                names[form] = full
            elif form not in (full, ".".join(parts[1:])):
                ambiguous.add(form)
    # Short forms of two different objects say nothing; full names always resolve.
    for form in ambiguous:
        if form not in objects and "skprob." + form not in objects:
            names.pop(form, None)
    # One-word lower-case short forms (save, load, fit, mean) are common words in
    # code snippets of other libraries; only names with a capital or a dot link.
    return {form: full for form, full in names.items() if "." in form or not form.islower()}


def _reference(full_name, child):
    ref = addnodes.pending_xref(
        "", refdomain="py", reftype="obj", reftarget=full_name, refexplicit=True,
        refwarn=False,
    )
    ref += child
    return ref


def _inside(node, types):
    parent = node.parent
    while parent is not None:
        if isinstance(parent, types):
            return True
        parent = parent.parent
    return False


class LinkApiMentions(SphinxPostTransform):
    """Turns mentions of documented objects into references (see the module docstring)."""

    # Before the references resolver (priority 10), so the new references get resolved.
    default_priority = 5

    def run(self, **kwargs):
        names = documented_names(self.env)
        if not names:
            return
        for literal in list(self.document.findall(nodes.literal)):
            if _inside(literal, _SKIP_PARENTS):
                continue
            match = _CODE_NAME.match(literal.astext().strip())
            full = match and names.get(match["name"])
            if full:
                literal.replace_self(_reference(full, literal.deepcopy()))
            elif match and not self.app.config.intersphinx_enabled:
                outside = sklearn_names().get(match["name"]) or match["name"]
                url = external_page(outside) if outside.startswith("sklearn.") else None
                if url:
                    literal.replace_self(_external_reference(url, literal.deepcopy()))
        for text in list(self.document.findall(nodes.Text)):
            parent = text.parent
            if (parent is None or isinstance(parent, nodes.literal)
                    or _inside(text, _SKIP_PARENTS + (nodes.literal,))):
                continue
            pieces = _PROSE_NAME.split(str(text))
            if len(pieces) == 1 or not any(pieces[i] in names for i in range(1, len(pieces), 2)):
                continue
            new = []
            for i, piece in enumerate(pieces):
                if i % 2 and piece in names:
                    new.append(_reference(names[piece], nodes.Text(piece)))
                elif piece:
                    new.append(nodes.Text(piece))
            parent.replace(text, new)


def resolve_short_names(app, env, node, contnode):
    """A ``:class:`Name``` role in a docstring of another module, resolved by its name.

    Docstrings name related classes without their module (``PlackettLuceDistribution``
    on the page of ``skprob.PlackettLuceRanker``), which the Python domain looks up
    only in the current module.
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").removeprefix("~")
    full = documented_names(env).get(target)
    if full is None and not app.config.intersphinx_enabled:
        url = external_page(target, node.get("reftype"))
        return _external_reference(url, contnode) if url else None
    if full is None or full == target:
        return None
    domain = env.get_domain("py")
    return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"] or "obj",
                               full, node, contnode)


def setup(app):
    # True in conf.py when sphinx.ext.intersphinx is on: it then resolves other projects.
    app.add_config_value("intersphinx_enabled", False, "env")
    app.add_post_transform(LinkApiMentions)
    app.connect("missing-reference", resolve_short_names)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
