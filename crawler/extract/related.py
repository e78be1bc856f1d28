"""Related-post blocks ("You may also like", "Related articles", ...) as [{"title", "url"}]."""

from __future__ import annotations

import re
from functools import lru_cache

from .document import Document
from .text import squash, text_of

HEADING = re.compile(
    r"^\W*(?:you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|related(?: posts?| articles?| stories| news| content| reading| coverage)?|"
    r"read (?:also|more|next)|more (?:stories|from|on|in|news|articles)\b.*|recommended(?: for you| stories| articles)?|see also|also read|"
    r"further reading|don'?t miss|similar (?:posts|articles|stories)|more like this|"
    r"lesen sie auch|ähnliche artikel|à lire aussi|sur le même sujet|leia também|te puede interesar|artículos relacionados|"
    r"مطالب مرتبط|اخبار مرتبط|مطالب پیشنهادی|مقالات ذات صلة|اقرأ أيضا|اقرأ أيضاً)\W*$",
    re.I,
)
CONTAINER = re.compile(
    r"related|relatedposts|yarpp|crp_related|rp4wp|more-stories|more-articles|recommended|you-may-like|read-next|also-read|similar-posts",
)
_MAX_LINKS = 30
_HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6", "div", "span", "p", "strong", "em", "b", "header", "summary", "legend")


def links_in(container, doc: Document, page_url: str) -> list[dict]:
    """Titled links of a block, absolute, each URL once, the page itself left out."""
    seen: dict[str, dict] = {}
    for a in container.iter("a"):
        url = doc.absolute(a.get("href"))
        if not url or url.rstrip("/") == page_url.rstrip("/"):
            continue
        title = squash(text_of(a)) or squash(a.get("title"))
        if len(title) < 8:
            seen.setdefault(url, {"title": "", "url": url})
            continue
        entry = seen.setdefault(url, {"title": title, "url": url})
        if not entry["title"]:
            entry["title"] = title
    items = [e for e in seen.values() if e["title"]]
    return items if len(items) <= _MAX_LINKS else []


def _headings(doc: Document):
    """Elements whose whole text is a related-block heading: a scan of short text nodes, no full-text reads."""
    body = doc.root.find("body")
    if body is None:
        return
    for el in body.iter(_HEADING_TAGS):
        text = el.text
        if text is None or len(text) > 80 or not text.strip():
            # "<h3><em>You may also like</em></h3>": the text sits one level down.
            continue
        if not HEADING.match(text.strip()):
            continue
        heading = el
        parent = el.getparent()
        if parent is not None and parent.tag in _HEADING_TAGS and squash(text_of(parent)) == squash(text_of(el)):
            heading = parent
        yield heading


def _block_of(heading, doc: Document, page_url: str) -> list[dict]:
    """Links of the block a heading introduces: its nearest ancestor with links, or its next sibling."""
    node = heading
    for _ in range(4):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        items = links_in(parent, doc, page_url)
        if items:
            return items
        node = parent
    sibling = heading.getnext()
    return links_in(sibling, doc, page_url) if sibling is not None else []


def _from_headings(doc: Document, page_url: str) -> list[dict]:
    """Every block under a related-posts heading, in page order, each link once."""
    items: dict[str, dict] = {}
    for heading in _headings(doc):
        for item in _block_of(heading, doc, page_url):
            items.setdefault(item["url"], item)
        if len(items) >= _MAX_LINKS:
            break
    return list(items.values())


@lru_cache(maxsize=16384)
def _is_container_label(label: str) -> bool:
    return bool(CONTAINER.search(label.lower()))


def _from_containers(doc: Document, page_url: str) -> list[dict]:
    for el, label in doc.labelled:
        if _is_container_label(label) and el.tag not in ("a", "link", "meta", "body", "script", "style"):
            items = links_in(el, doc, page_url)
            if len(items) >= 2:
                return items
    return []


def extract_related(doc: Document, page_url: str) -> list[dict]:
    return _from_headings(doc, page_url) or _from_containers(doc, page_url)
