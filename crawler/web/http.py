"""HTTP helpers every layer shares: header lookup, undoing Content-Encoding, telling HTML from XML."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable

try:
    import brotli  # optional: Scrapy decodes br only when it is installed, and so do we
except ImportError:  # pragma: no cover - depends on the environment
    brotli = None
try:
    from compression import zstd  # Python 3.14
except ImportError:
    try:
        from backports import zstd
    except ImportError:  # pragma: no cover - depends on the environment
        zstd = None

Headers = Iterable[tuple[str, str]]

_FEED_ROOTS = (b"<rss", b"<feed", b"<rdf:rdf")
_SITEMAP_ROOTS = (b"<urlset", b"<sitemapindex")
_HTML_STARTS = (b"<html", b"<!doctype html")


def header(headers: Headers | None, name: str) -> str | None:
    """The value of a header, repeats joined with ", " as RFC 9110 combines list fields; None if absent."""
    wanted = name.lower()
    values = [value for key, value in headers or () if key.lower() == wanted]
    return ", ".join(values) if values else None


def decode_content(body: bytes, encoding: str | None) -> bytes:
    """Undo Content-Encoding (gzip, deflate, br, zstd; several in order). Raises ValueError on others."""
    for coding in reversed([c.strip().lower() for c in (encoding or "").split(",") if c.strip()]):
        if coding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:
                body = zlib.decompress(body, -zlib.MAX_WBITS)
        elif coding == "br" and brotli is not None:
            body = brotli.decompress(body)
        elif coding == "zstd" and zstd is not None:
            body = zstd.decompress(body)
        elif coding != "identity":
            raise ValueError(f"cannot undo Content-Encoding {coding!r}")
    return body


def sniff(content_type: str | None, body: bytes) -> str | None:
    """What a decoded body holds for the crawl: "html", "xml" (sitemaps, feeds), "gzip" or None.

    The start of the body decides before the Content-Type does: servers label sitemaps text/html
    and gzip sitemaps application/octet-stream.
    """
    head = body[:512].lstrip().lower()
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    html_start = any(marker in head for marker in _HTML_STARTS)
    if head.startswith(b"<?xml") or any(root in head for root in _FEED_ROOTS + _SITEMAP_ROOTS):
        return "html" if html_start else "xml"
    if html_start or "html" in (content_type or "").lower():
        return "html"
    return None
