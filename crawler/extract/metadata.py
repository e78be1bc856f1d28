"""Structured metadata: JSON-LD nodes and microdata, flattened for field lookups."""

from __future__ import annotations

import json
import re

from .text import squash, text_of

ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "blogposting",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "scholarlyarticle",
    "techarticle",
    "report",
    "liveblogposting",
    "socialmediaposting",
    "posting",
    "review",
}
LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage", "profilepage"}

_MAX_TEXT_DEPTH = 8
_TRAILING_COMMA = re.compile(r",\s*([\]}])")
_MAX_NODES = 500
# Deeper than this, a JSON-LD value is not metadata anyone reads (and text_value stops there too).
_MAX_DEPTH = 40


def _loads(text: str):
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    text = text.strip().rstrip(";")
    try:
        return json.loads(text)
    except ValueError:
        pass
    except RecursionError:
        return None  # nested deeper than Python's stack: no page means that
    try:
        return json.loads(_TRAILING_COMMA.sub(r"\1", text), strict=False)
    except (ValueError, RecursionError):
        return None


def _walk(value, out: list[dict]) -> None:
    """Collect nodes in document order: a @graph's nodes, then the node, then its mainEntity and the like.

    Without recursion, and no deeper than _MAX_DEPTH, so a hostile nesting cannot exhaust the stack.
    """
    stack: list[tuple[object, int, bool]] = [(value, 0, False)]  # (value, depth, emit: append this dict now)
    while stack and len(out) < _MAX_NODES:
        value, depth, emit = stack.pop()
        if emit:
            out.append(value)
            continue
        if depth > _MAX_DEPTH:
            continue
        if isinstance(value, list):
            stack.extend((item, depth + 1, False) for item in reversed(value))
        elif isinstance(value, dict):
            graph = value.get("@graph")
            later: list[tuple[object, int, bool]] = []
            if "@type" in value or graph is None:
                later.append((value, depth, True))
                # Articles nested in WebPage.mainEntity and similar are nodes of their own.
                for key in ("mainEntity", "mainEntityOfPage", "itemListElement"):
                    child = value.get(key)
                    if isinstance(child, (dict, list)):
                        later.append((child, depth + 1, False))
            stack.extend(reversed(later))
            if graph is not None:
                stack.append((graph, depth + 1, False))


def parse_jsonld(scripts) -> list[dict]:
    """Every JSON-LD object of a page's <script> elements, @graph and arrays flattened; broken blocks skipped."""
    nodes: list[dict] = []
    for script in scripts:
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        data = _loads(script.text or "")
        if data is not None:
            _walk(data, nodes)
    return nodes


def types_of(node: dict) -> set[str]:
    value = node.get("@type")
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return set()
    return {t.rsplit("/", 1)[-1].lower() for t in value if isinstance(t, str)}


def nodes_of_type(nodes: list[dict], wanted: set[str]) -> list[dict]:
    return [n for n in nodes if types_of(n) & wanted]


def text_value(value, depth: int = 0) -> str:
    """A plain string from a JSON-LD value that may be a string, a list or a {"@value"|"name"} object."""
    if isinstance(value, str):
        return squash(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if depth >= _MAX_TEXT_DEPTH:
        return ""
    if isinstance(value, list):
        for item in value[:_MAX_NODES]:
            text = text_value(item, depth + 1)
            if text:
                return text
        return ""
    if isinstance(value, dict):
        for key in ("@value", "name", "text", "url", "@id"):
            if key in value:
                return text_value(value[key], depth + 1)
    return ""


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def microdata(doc, prop: str, scope_types: set[str] | None = None) -> list:
    """Elements carrying itemprop=prop (optionally inside an itemscope of one of scope_types)."""
    found = []
    for el in doc.itemprops.get(prop, ()):
        if scope_types:
            scope = next(el.iterancestors(), None)
            while scope is not None and scope.get("itemscope") is None:
                scope = scope.getparent()
            itemtype = (scope.get("itemtype") or "").rsplit("/", 1)[-1].lower() if scope is not None else ""
            if itemtype not in scope_types:
                continue
        found.append(el)
    return found


def microdata_value(el) -> str:
    """The value of an itemprop element as HTML microdata defines it."""
    tag = el.tag
    if tag == "meta":
        return (el.get("content") or "").strip()
    if tag in ("a", "link", "area"):
        return (el.get("href") or "").strip()
    if tag in ("img", "audio", "video", "source", "embed", "iframe"):
        return (el.get("src") or "").strip()
    if tag == "time":
        return (el.get("datetime") or squash(text_of(el))).strip()
    if el.get("content"):
        return el.get("content").strip()
    return squash(text_of(el))
