"""Headline: structured data and the page's own <h1>, without the " | Site" decoration."""

from __future__ import annotations

import re

from .document import Document
from .metadata import ARTICLE_TYPES, microdata, microdata_value, nodes_of_type, text_value
from .text import squash, text_of

_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|·|•|»|::|/)\s+")


def _comparable(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().casefold()


def strip_site_name(title: str, site_name: str = "") -> str:
    """Drop a site name (leading or trailing) and its separator from a title."""
    seps = list(_SEPARATORS.finditer(title))
    if not seps:
        return title
    head, tail = title[: seps[0].start()], title[seps[-1].end() :]
    without_tail, without_head = title[: seps[-1].start()], title[seps[0].end() :]
    site = _comparable(site_name)
    if site:
        for part, rest in ((tail, without_tail), (head, without_head)):
            key = _comparable(part)
            if key == site or (site in key and len(part) < 40):
                return rest
    # Unknown site name: a short trailing part is a label far more often than a headline.
    if len(tail) <= 30 and len(tail) < len(without_tail):
        return without_tail
    return title


def _h1s(doc: Document) -> list[str]:
    return [t for t in (squash(text_of(h)) for h in doc.root.iter("h1")) if t]


def extract_title(doc: Document, site_name: str = "") -> str:
    html_title = doc.html_title
    structured = ""
    for node in nodes_of_type(doc.jsonld, ARTICLE_TYPES):
        structured = text_value(node.get("headline") or node.get("name"))
        if structured:
            break
    if not structured:
        for el in microdata(doc, "headline"):
            structured = microdata_value(el)
            if structured:
                break
    og = doc.meta.get("og:title") or doc.meta.get("twitter:title") or ""
    # An <h1> that the other sources agree with is the headline as shown on the page.
    references = [_comparable(t) for t in (structured, og, html_title) if t]
    site = _comparable(site_name)
    for h1 in _h1s(doc):
        key = _comparable(h1)
        # A logo <h1> holding the site name is contained in "Headline - Site" too: not the headline.
        if len(key) > 3 and key != site and any(key in ref and 2 * len(key) >= len(ref) for ref in references):
            return h1
    if structured:
        return structured
    if og:
        return strip_site_name(squash(og), site_name)
    if html_title:
        return strip_site_name(html_title, site_name)
    h1s = _h1s(doc)
    return h1s[0] if h1s else ""
