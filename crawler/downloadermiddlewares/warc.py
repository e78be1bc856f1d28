"""Archive every HTTP exchange the downloader makes, before Scrapy decodes or follows it."""

from __future__ import annotations

import logging
import socket
from dataclasses import asdict
from datetime import datetime, timezone
from importlib.metadata import version

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached

import crawler
from crawler.archive.writer import Exchange, RollingWarcWriter
from crawler.job import job_output_dir

logger = logging.getLogger(__name__)


def _header_pairs(headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def warcinfo(settings) -> dict[str, str]:
    """What shaped the crawl, for the warcinfo record of every file."""
    return {
        "software": f"crawler/{crawler.__version__} (Scrapy/{scrapy.__version__}; warcio/{version('warcio')})",
        "format": f"WARC File Format {settings.get('WARC_VERSION', '1.1')}",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "hostname": socket.gethostname(),
        "isPartOf": settings.get("JOB_NAME") or "",
        "http-header-user-agent": settings.get("USER_AGENT") or "",
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
    }


class WarcCaptureMiddleware:
    """Downloader middleware placed next to the downloader (priority 950).

    It sees raw responses: still Content-Encoded, before redirects and retries are handled,
    robots.txt included. Responses served from Scrapy's HTTP cache are not archived again.
    """

    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED"):
            raise NotConfigured
        self.stats = crawler.stats
        self.writer = RollingWarcWriter(
            job_output_dir(settings),
            prefix=settings.get("WARC_PREFIX") or settings.get("JOB_NAME") or "crawl",
            info=warcinfo(settings),
            max_size=settings.getint("WARC_MAX_SIZE"),
            gzip=settings.getbool("WARC_GZIP", True),
            warc_version=str(settings.get("WARC_VERSION", "1.1")),
        )
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if "cached" in response.flags:
            return response
        exchange = Exchange(
            url=response.url,
            method=request.method,
            request_headers=self._request_headers(request),
            request_body=request.body,
            status=response.status,
            response_headers=_header_pairs(response.headers),
            response_body=response.body,
            protocol=response.protocol or "HTTP/1.1",
            ip_address=str(response.ip_address) if response.ip_address else None,
            captured_at=datetime.now(timezone.utc),
        )
        location = self.writer.write_exchange(exchange)
        request.meta["warc"] = asdict(location)
        request.meta["fetched_at"] = exchange.captured_at.isoformat(timespec="seconds")
        self.stats.inc_value("warc/records", 2)
        self.stats.inc_value("warc/bytes", location.length)
        return response

    @staticmethod
    def _request_headers(request) -> list[tuple[str, str]]:
        # The HTTP client adds Host itself; restate it so the record reads as sent.
        headers = [("Host", urlparse_cached(request).netloc)]
        headers += [(k, v) for k, v in _header_pairs(request.headers) if k.lower() != "host"]
        if request.body:
            headers.append(("Content-Length", str(len(request.body))))
        return headers

    def spider_closed(self, spider):
        self.writer.close()
        self.stats.set_value("warc/files", [str(p) for p in self.writer.files])
