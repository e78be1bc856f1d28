"""trafilatura as a second opinion on an article body that looks wrong.

Our body extractor is faster than trafilatura and better on most pages (docs/benchmarks.md), but when it
comes back empty, with a lead paragraph only, or with a sliver of a page full of text, the container it
chose is usually wrong: a review widget, a contact box, the first of several sections. trafilatura's
extractor (with its own readability and jusText fallbacks) is then asked too, and its body is taken
when it holds clearly more text. It is asked on few pages (about 7% of the articles benchmark), so the
full record stays well over twice as fast as trafilatura's.

Its body comes back as trafilatura's XML (p, head, list/item, quote, code, table/row/cell, lb), turned
here into the same blocks our own extractor renders, so body_text and body_html read the same either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import trafilatura

from .blocks import Block
from .document import Document
from .text import squash, without_break_hints

# Our body looks wrong when it is shorter than this (empty, a lead, a teaser)...
SHORT_BODY = 600  # characters
# ... or holds less than this share of the page's paragraph text (the wrong box on a full page).
SMALL_SHARE = 0.05
# trafilatura's body replaces ours when it is this much longer.
CLEARLY_LONGER = 1.5
_HEADINGS = {f"h{n}" for n in range(1, 7)}

# trafilatura logs pages it cannot parse at ERROR: a page without an article is not an error here.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


def looks_wrong(body_chars: int, page_paragraph_chars: int, page_chars: Callable[[], int]) -> bool:
    """Is a body of body_chars characters suspect, on a page with page_paragraph_chars characters of
    paragraph text (and page_chars() of text, asked only for a short body)? Not when the page holds
    no more to find."""
    if 0 < page_paragraph_chars < 2 * body_chars:
        return False
    if body_chars < SHORT_BODY:
        return page_chars() >= SHORT_BODY // 2
    return body_chars < SMALL_SHARE * page_paragraph_chars


def trafilatura_blocks(doc: Document) -> list[Block]:
    """trafilatura's article body for the page, as blocks; [] when it finds none."""
    result = trafilatura.bare_extraction(
        doc.text, url=doc.url, include_comments=False, include_tables=True, with_metadata=False, fast=True
    )
    body = getattr(result, "body", None)
    if body is None:
        return []
    blocks: list[Block] = []
    group = 0
    for el in body:
        tag = el.tag
        if tag == "list":
            group += 1
            for item in el.iter("item"):
                text = _text(item, skip="list")
                if text:
                    blocks.append(Block("li", text, 0, group))
            group += 1
        elif tag == "table":
            for row in el.iter("row"):
                text = " ".join(t for t in (_text(cell) for cell in row.iter("cell")) if t)
                if text:
                    blocks.append(Block("p", text, 0, group))
        else:
            text = _text(el)
            if text:
                blocks.append(Block(_kind(el), text, 0, group))
    return blocks


def _kind(el) -> str:
    if el.tag == "head":
        rend = (el.get("rend") or "h2").lower()
        return rend if rend in _HEADINGS else "h2"
    return {"quote": "blockquote", "code": "pre"}.get(el.tag, "p")


def _text(el, skip: str = "") -> str:
    """An element's text, line breaks (<lb/>) kept, nested `skip` elements left out."""
    parts: list[str] = []
    _collect_text(el, skip, parts)
    lines = (squash(line) for line in without_break_hints("".join(parts)).split("\n"))
    return "\n".join(line for line in lines if line)


def _collect_text(node, skip: str, parts: list[str]) -> None:
    if node.tag == "lb":
        parts.append("\n")
    elif node.text:
        parts.append(node.text)
    for child in node:
        if child.tag != skip:
            _collect_text(child, skip, parts)
        if child.tail:
            parts.append(child.tail)
