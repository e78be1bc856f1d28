"""Reading sitemaps and feeds: URLs with the dates they give (no Scrapy; lxml with entities off)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from io import BytesIO
from urllib.parse import urljoin

from lxml import etree

_PARSE_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "recover": True,
    "huge_tree": False,
    "remove_comments": True,
}
_PARSER = etree.XMLParser(**_PARSE_OPTIONS)


@dataclass(frozen=True)
class Entry:
    url: str
    when: datetime | None  # news publication date, else lastmod / pubDate


def parse_when(value: str | None) -> datetime | None:
    """A sitemap or feed date (W3C datetime, RFC 822) as an aware datetime, or None."""
    if not value:
        return None
    value = value.strip()
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _root(body: bytes):
    try:
        return etree.fromstring(body, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def sitemap_entries(body: bytes, base_url: str) -> tuple[str, Iterator[Entry]]:
    """("sitemapindex" | "urlset" | "", entries) of a sitemap, news sitemaps included.

    Entries stream from the parser and each is dropped once read, so a large sitemap never exists
    as a whole tree (the demo's 100,000-URL sitemap: +126 MB parsed whole, +4 MB streamed).
    """
    events = etree.iterparse(BytesIO(body), events=("start", "end"), **_PARSE_OPTIONS)
    try:
        _, root = next(events)
    except (StopIteration, etree.XMLSyntaxError):
        return "", iter(())
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        return "", iter(())
    return kind, _sitemap_items(events, root, base_url)


def _sitemap_items(events, root, base_url: str) -> Iterator[Entry]:
    try:
        for event, item in events:
            if event != "end" or item.getparent() is not root:
                continue
            if _local(item.tag) in ("sitemap", "url"):
                entry = _sitemap_item(item, base_url)
                if entry:
                    yield entry
            item.clear()
            while item.getprevious() is not None:
                del root[0]
    except etree.XMLSyntaxError:
        return  # what came before the damage is kept


def _sitemap_item(item, base_url: str) -> Entry | None:
    loc, lastmod, published = None, None, None
    for child in item.iter():
        name = _local(child.tag)
        if name == "loc" and child.text and loc is None:
            loc = child.text.strip()
        elif name == "lastmod":
            lastmod = child.text
        elif name == "publication_date":
            published = child.text
    return Entry(urljoin(base_url, loc), parse_when(published) or parse_when(lastmod)) if loc else None


def feed_entries(body: bytes, base_url: str) -> list[Entry]:
    """Item links of an RSS 1/2 or Atom feed, with their dates."""
    root = _root(body)
    if root is None:
        return []
    entries = []
    for item in root.iter("{*}item", "{*}entry", "item", "entry"):
        url = None
        for link in item.iter("{*}link", "link"):
            href = link.get("href") or (link.text or "").strip()
            if href and link.get("rel", "alternate") == "alternate":
                url = href
                break
        if not url:
            continue
        when = None
        for child in item:
            if _local(child.tag) in ("pubDate", "published", "updated", "date", "issued") and child.text:
                when = parse_when(child.text)
                if when:
                    break
        entries.append(Entry(urljoin(base_url, url), when))
    return entries
