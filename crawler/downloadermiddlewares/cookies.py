"""Scrapy's CookiesMiddleware without the public-suffix-list download.

Scrapy's module-level TLDExtract fetches the list from the internet the first time a cookie
carries a Domain attribute; a crawler must not make requests nobody asked for, so we use the
snapshot bundled with tldextract.
"""

from __future__ import annotations

import scrapy.downloadermiddlewares.cookies as scrapy_cookies
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from tldextract import TLDExtract

scrapy_cookies._split_domain = TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


class OfflineCookiesMiddleware(CookiesMiddleware):
    pass
