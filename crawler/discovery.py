"""Reading sitemaps and feeds: URLs with the dates they give (no Scrapy; lxml with entities off)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False, remove_comments=True)


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
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _root(body: bytes):
    try:
        return etree.fromstring(body, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def sitemap_entries(body: bytes, base_url: str) -> tuple[str, list[Entry]]:
    """("sitemapindex" | "urlset" | "", entries) of a sitemap, news sitemaps included."""
    root = _root(body)
    if root is None or _local(root.tag) not in ("sitemapindex", "urlset"):
        return "", []
    entries = []
    for item in root:
        if _local(item.tag) not in ("sitemap", "url"):
            continue
        loc, lastmod, published = None, None, None
        for child in item.iter():
            name = _local(child.tag)
            if name == "loc" and child.text and loc is None:
                loc = child.text.strip()
            elif name == "lastmod":
                lastmod = child.text
            elif name == "publication_date":
                published = child.text
        if loc:
            entries.append(Entry(urljoin(base_url, loc), parse_when(published) or parse_when(lastmod)))
    return _local(root.tag), entries


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
