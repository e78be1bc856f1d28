"""A starting profile for a site: for each field the generic extractor found, a selector that finds it.

`crawler profile new` writes these as a TOML profile (CSS selectors) or a Python parser; a person
then keeps the ones that are right and fixes the others.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from lxml import etree
from parsel.csstranslator import HTMLTranslator

from ..document import Document
from ..text import squash, text_of

_TRANSLATOR = HTMLTranslator()
_STABLE_CLASS = re.compile(r"^[A-Za-z][\w-]*$")
_VOLATILE_CLASS = re.compile(r"\d{3,}|^(?:is|has)-|active|current|selected|hover|open")
META_FIELDS = {
    "published": ("article:published_time", "datePublished"),
    "modified": ("article:modified_time", "dateModified"),
    "description": ("og:description", "description"),
    "site_name": ("og:site_name",),
    "image": ("og:image",),
}


@dataclass(frozen=True)
class Suggestion:
    field: str
    css: str  # a CSS selector (with ::text or ::attr() where the value is text or an attribute)
    value: object  # what the generic extractor found


def _classes(el) -> list[str]:
    return [c for c in (el.get("class") or "").split() if _STABLE_CLASS.match(c) and not _VOLATILE_CLASS.search(c)]


def _step(el) -> str:
    if el.get("id") and _STABLE_CLASS.match(el.get("id")):
        return f"{el.tag}#{el.get('id')}"
    classes = _classes(el)[:2]
    return el.tag + "".join(f".{c}" for c in classes)


def _matches(root, css: str) -> list:
    return etree.XPath(_TRANSLATOR.css_to_xpath(css))(root)


def css_path(root, el) -> str:
    """The shortest selector of ancestor steps (tag, id, classes) whose first match is el."""
    steps: list[str] = []
    node = el
    while node is not None and node.tag not in ("html",):
        steps.insert(0, _step(node))
        css = " ".join(steps)
        found = _matches(root, css)
        if found and found[0] is el:
            return css
        if "#" in steps[0]:
            break
        node = node.getparent()
    return " > ".join(_step(n) for n in [*reversed(list(el.iterancestors()))[1:], el])


def _element_with_text(doc: Document, text: str, prefer: tuple[str, ...] = ()):
    """The innermost element of <body> whose whole text is text (preferred tags first)."""
    wanted = squash(text)
    if not wanted:
        return None
    found = [el for el in doc.root.iter() if isinstance(el.tag, str) and squash(text_of(el)) == wanted]
    inner = [el for el in found if not any(child in found for child in el)]
    inner.sort(key=lambda el: (el.tag not in prefer, -len(list(el.iterancestors()))))
    return inner[0] if inner else None


def _common_ancestor(elements: list):
    if not elements:
        return None
    chains = [[el, *el.iterancestors()] for el in elements]
    for candidate in chains[0]:
        if all(candidate in chain for chain in chains[1:]):
            return candidate
    return None


def _smallest_box(choices: list[list]):
    """The innermost element holding one element of every list (each list: where one value is found)."""
    choices = [c for c in choices if c]
    if len(choices) < 2:
        return None
    best, best_size = None, 0
    for first in choices[0]:
        for box in first.iterancestors():
            inside = set(box.iter())
            if all(any(el in inside for el in other) for other in choices[1:]):
                if best is None or len(inside) < best_size:
                    best, best_size = box, len(inside)
                break
    return best


def _elements_with_text(doc: Document, text: str) -> list:
    """The innermost elements whose whole text is text."""
    wanted = squash(text)
    found = [el for el in doc.root.iter() if isinstance(el.tag, str) and wanted and squash(text_of(el)) == wanted]
    return [el for el in found if not any(child in found for child in el)]


def _meta(doc: Document, field: str) -> str | None:
    for name in META_FIELDS.get(field, ()):
        for attr in ("property", "name", "itemprop"):
            css = f'meta[{attr}="{name}"]::attr(content)'
            if doc.root.xpath(_TRANSLATOR.css_to_xpath(css)):
                return css
    return None


def suggest(doc: Document, record: dict) -> list[Suggestion]:
    """Selectors that find, on this page, the values the generic extractor gave."""
    root = doc.root
    out: list[Suggestion] = []

    def add(field: str, css: str | None) -> None:
        if css:
            out.append(Suggestion(field, css, record.get(SELECTOR_FIELDS.get(field, field))))

    title = _element_with_text(doc, record.get("title") or "", prefer=("h1", "h2"))
    add("title", f"{css_path(root, title)}::text" if title is not None and title.tag != "title" else None)
    names = [_elements_with_text(doc, name) for name in record.get("authors") or []]
    if len(names) == 1 and names[0]:
        add("authors", css_path(root, names[0][0]) + "::text")
    elif (box := _smallest_box(names)) is not None:
        add("authors", f"{css_path(root, box)} {names[0][0].tag}::text")
    for field in ("published", "modified"):
        if record.get(field):
            times = [t for t in root.iter("time") if t.get("datetime") and t.get("datetime")[:10] == record[field][:10]]
            add(field, f"{css_path(root, times[0])}::attr(datetime)" if times else _meta(doc, field))
    for field in ("description", "site_name", "image"):
        if record.get(field):
            add(field, _meta(doc, field))
    paragraphs = [p for p in (record.get("body_text") or "").split("\n\n") if p.strip()]
    if paragraphs:
        ends = [_element_with_text(doc, paragraphs[0]), _element_with_text(doc, paragraphs[-1])]
        body = _common_ancestor([el for el in ends if el is not None])
        add("body", css_path(root, body) if body is not None and body.tag != "body" else None)
    anchors = list(root.iter("a"))
    for field, key in (("breadcrumb", "name"), ("related", "title")):
        choices = [
            [a for a in anchors if doc.absolute(a.get("href")) == item["url"] and squash(text_of(a)) == item.get(key)]
            for item in record.get(field) or []
            if item.get("url")
        ]
        box = _smallest_box(choices)
        add(field, css_path(root, box) if box is not None and box.tag != "body" else None)
    for field in ("tags", "categories"):
        choices = [[a for a in anchors if squash(text_of(a)) == squash(name)] for name in record.get(field) or []]
        box = _smallest_box(choices)
        add(field, f"{css_path(root, box)} a::text" if box is not None and box.tag != "body" else None)
    return out


# ---- writing them out --------------------------------------------------------------------------

SELECTOR_FIELDS = {"body": "body_text"}  # a profile's field -> the record field it fills


def toml_profile(host: str, suggestions: list[Suggestion], source: str) -> str:
    lines = [
        f"# Starting profile for {host}, written by `crawler profile new` from {source}.",
        "# Each field: what the generic extractor found on that page, and a CSS selector that finds it there.",
        "# Keep the fields it gets wrong (a profile overrides only what its selectors find), fix the selectors,",
        "# delete the rest; check with `crawler fixture check`.",
        f"hosts = [{json.dumps(host)}]",
        "",
        "[fields]",
    ]
    for s in suggestions:
        lines.append(f"# {s.field}: {_shown(s.value)}")
        lines.append(f"{s.field} = [{json.dumps('css:' + s.css)}]")
    return "\n".join(lines) + "\n"


def _method_body(field: str, css: str) -> list[str]:
    """The lines of a parser method that returns field from what css finds."""
    if field in ("authors", "tags", "categories"):
        return [f"return page.css({css!r}).getall()"]
    if field == "body_text":
        return [
            f"paragraphs = page.css({css + ' p'!r})",
            'return "\\n\\n".join(t for p in paragraphs if (t := " ".join(p.xpath("string()").get().split())))',
        ]
    if field in ("breadcrumb", "related"):
        key = "name" if field == "breadcrumb" else "title"
        return [
            "links = {}",
            f"for a in page.css({css + ' a'!r}):",
            '    text, url = " ".join(a.xpath("string()").get().split()), page.doc.absolute(a.attrib.get("href"))',
            "    if text and url:",
            f'        links.setdefault(url, {{"{key}": text, "url": url}})',
            "return list(links.values())",
        ]
    return [f"return page.css({css!r}).get()"]


def python_parser(host: str, suggestions: list[Suggestion], source: str) -> str:
    methods = []
    for s in suggestions:
        field = SELECTOR_FIELDS.get(s.field, s.field)
        lines = [f"# generic: {_shown(s.value)}", *_method_body(field, s.css)]
        methods.append(f"    def {field}(self, page):\n" + "".join(f"        {line}\n" for line in lines))
    body = "\n".join(methods) or "    pass\n"
    return (
        f'"""Site parser for {host}, written by `crawler profile new --python` from {source}.\n\n'
        "Each method returns one field (None keeps the generic value); page has .soup (BeautifulSoup), .css(),\n"
        '.xpath() (parsel), .url, .headers and .record (the generic values). Delete the methods you do not need.\n"""\n\n'
        f"HOSTS = [{json.dumps(host)}]\n\n\nclass Parser:\n{body}"
    )


def _shown(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 100 else text[:100] + "…"
