"""Scrapy's CookiesMiddleware, with the public suffix list bundled with tldextract: no download."""

from __future__ import annotations

from scrapy.downloadermiddlewares.cookies import CookiesMiddleware

from crawler import compat


class OfflineCookiesMiddleware(CookiesMiddleware):
    @classmethod
    def from_crawler(cls, crawler):
        compat.use_bundled_public_suffix_list()
        return super().from_crawler(crawler)
