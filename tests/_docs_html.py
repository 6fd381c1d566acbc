"""Reading the built documentation as a reader would: unlinked mentions, outside loads.

Used by tests/test_docs.py on the HTML of a fresh build.
"""

import inspect
import re
from html.parser import HTMLParser

import skprob
from skprob.families import FAMILIES

# Elements whose text is not prose: code blocks, links already, scripts, headings
# (a link in a heading would make the whole heading a link), the navigation, and
# the signature that defines an object on its own API page.
_NOT_PROSE = {"a", "pre", "script", "style", "h1", "h2", "h3", "h4", "h5", "h6", "nav", "head",
              "dt"}
_CAMEL_CASE = re.compile(r"\b[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+\b")


def public_names():
    """Names a reader may meet in prose: estimators, families, distributions, functions.

    Classes by their own name; functions of the public modules by their dotted name
    (``skprob.metrics.crps``) and by ``module.name`` (``metrics.crps``), since a
    bare ``crps`` or ``save`` is also an English word or another library's name.
    """
    classes = {cls.__name__ for cls in skprob.all_estimators()}
    for family in FAMILIES.values():
        classes |= {family.__name__, family.distribution_class.__name__}
    classes |= {name for name in skprob.__all__
                if inspect.isclass(getattr(skprob, name)) and _CAMEL_CASE.fullmatch(name)}
    dotted = set()
    for module_name in ("metrics", "plotting", "persistence"):
        module = getattr(skprob, module_name, None)
        for name in getattr(module, "__all__", []):
            if inspect.isroutine(getattr(module, name)):
                dotted |= {f"skprob.{module_name}.{name}", f"{module_name}.{name}"}
    return classes, dotted


class _ProseMentions(HTMLParser):
    def __init__(self, classes, dotted):
        super().__init__(convert_charrefs=True)
        self.classes, self.dotted = classes, dotted
        self.stack = []
        self.in_code = 0
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "img", "hr", "meta", "link", "input", "wbr"}:
            return
        self.stack.append(tag)
        # The article is the page's own text; sidebars and headers repeat page titles.
        if tag == "code":
            self.in_code += 1

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass
        if tag == "code":
            self.in_code = max(0, self.in_code - 1)

    def handle_data(self, data):
        if not self.stack or any(tag in _NOT_PROSE for tag in self.stack):
            return
        if self.in_code:
            name = re.sub(r"\(.*\)$", "", data.strip())
            if name in self.classes or name in self.dotted:
                self.found.append(name)
            return
        self.found += [word for word in _CAMEL_CASE.findall(data) if word in self.classes]


def unlinked_mentions(html, classes, dotted):
    """The public names that ``html``'s article mentions outside a link."""
    start = html.find('<article class="bd-article"')
    if start < 0:
        return []
    end = html.find("</article>", start)
    parser = _ProseMentions(classes, dotted)
    parser.feed(html[start:end])
    return parser.found


def outside_resources(html):
    """``src``/``href`` of scripts, style sheets and images loaded from another host."""
    pattern = re.compile(
        r"<(?:script|img|link)\b[^>]*?\b(?:src|href)=[\"'](?P<url>(?:https?:)?//[^\"']+)",
        re.IGNORECASE,
    )
    return [match["url"] for match in pattern.finditer(html)
            if not re.search(r"rel=[\"'](?:canonical|alternate)", match.group(0))]
