"""Link every prose mention of a documented skprob object to its API page.

Pages written in Markdown, the README included, name objects as inline code
(```PoissonMLPRegressor```, ```DistributionRegressor.predict_dist```,
```skprob.metrics.crps()```) or in plain text. Writing a cross-reference role for
each would make the README unreadable on a code host, and a missed one goes
unnoticed. This extension does it at build time instead: before references are
resolved, inline code and CamelCase words in prose that name an object documented
in the Python domain become references to it. Code blocks, headings and text that
is already a link are left alone.

The test of the documentation build counts the mentions this leaves unlinked.
"""

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
    target = node.get("reftarget", "")
    full = documented_names(env).get(target.removeprefix("~"))
    if full is None or full == target:
        return None
    domain = env.get_domain("py")
    return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"] or "obj",
                               full, node, contnode)


def setup(app):
    app.add_post_transform(LinkApiMentions)
    app.connect("missing-reference", resolve_short_names)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
