"""Scrapy's meta-refresh redirects, without decoding the pages that cannot hold one."""

from __future__ import annotations

import codecs
from functools import lru_cache

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefreshMiddleware
from scrapy.http import HtmlResponse

# Scrapy reads the first 4,096 characters. No encoding this rule trusts spends more than 8 bytes on a
# character (UTF-8 and GB18030 at most 4; ISO-2022-JP a 3-byte escape with each 2-byte character).
SCANNED_CHARACTERS = 4096
BYTES_PER_CHARACTER = 8


@lru_cache(maxsize=64)
def _spells_ascii_as_ascii(encoding: str) -> bool:
    """Whether the word "refresh" in a page's text is, in this encoding, the same bytes in its body."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    # UTF-7 can also spell ASCII letters in base64; UTF-16/32 and EBCDIC fail the test below.
    return name != "utf-7" and "refresh REFRESH".encode(name, "strict") == b"refresh REFRESH"


def may_refresh(response: HtmlResponse) -> bool:
    """False when Scrapy's MetaRefreshMiddleware would find no refresh in the page, known from its bytes.

    Scrapy's looks for a <meta> tag whose attributes contain "refresh" (any case) in the first
    4,096 characters; in an encoding that spells ASCII letters as themselves, those characters lie in
    the first BYTES_PER_CHARACTER times as many bytes, so no such bytes there means no refresh.
    A page that declares no encoding (header, BOM, <meta>) is still decoded to infer one.
    """
    if not _spells_ascii_as_ascii(response.encoding):
        return True
    # bytes.lower() and `in` run at memory speed; an IGNORECASE regex cost more than the decoding it saves.
    return b"refresh" in response.body[: SCANNED_CHARACTERS * BYTES_PER_CHARACTER].lower()


class MetaRefreshMiddleware(ScrapyMetaRefreshMiddleware):
    """Scrapy's, which decodes the whole page to read its head: most pages are ruled out on their bytes.

    In a plain crawl nothing else in the crawl process decodes a page (extraction gets the bytes), so
    the decoding was work done for nothing on nearly every page.
    """

    def process_response(self, request, response, spider=None):
        if isinstance(response, HtmlResponse) and not may_refresh(response):
            return response
        return super().process_response(request, response)
