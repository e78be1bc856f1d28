"""Browser mode: send pages to headless Chromium and archive every exchange the browser made for them.

BrowserCaptureMiddleware sits between WARC capture (950) and the downloader (browsermode.configure()
adds it in browser mode). On the way out it
marks the page requests that browser mode renders (BROWSER_ENABLED, or BROWSER_URL_PATTERNS)
for scrapy-playwright, with a PageCapture that records the page's exchanges from the DevTools
protocol and runs the behaviours. On the way back it writes those exchanges (document, XHR/fetch,
scripts, styles, images, fonts, media) through the crawl's one RollingWarcWriter, deduplicated
like any other, plus the rendered DOM and a screenshot as resource records; the response
scrapy-playwright returns (the rendered DOM) is marked "archived" so WarcCaptureMiddleware does
not store it as if the server had sent it. A page that fails (timeout, crashed renderer) has what
the browser received archived and fails as any fetch does.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy_playwright.page import PageMethod

from crawler.archive.folder import dom_uri, screenshot_uri
from crawler.archive.writer import Exchange
from crawler.downloader.behaviours import Behaviours, PageCapture
from crawler.downloader.browser import CAPTURE
from crawler.downloader.browsermode import PAGE, browser_wanted
from crawler.downloader.devtools import DevToolsRecorder
from crawler.downloadermiddlewares.warc import WarcCaptureMiddleware, count_written

logger = logging.getLogger(__name__)

_NOT_PAGES = {f".{ext}" for ext in IGNORED_EXTENSIONS} | {".xml", ".rss", ".atom", ".json", ".gz", ".txt"}
_OURS = (CAPTURE, "playwright_page_init_callback", "playwright_page_methods", "playwright_context")


class BrowserCaptureMiddleware:
    def __init__(self, crawler, patterns: list[str], behaviours: Behaviours, max_size: int, stats):
        self.crawler = crawler  # its WarcCaptureMiddleware holds the crawl's WARC writer
        self.patterns = [re.compile(p) for p in patterns]
        self.behaviours = behaviours
        self.max_size = max_size
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not browser_wanted(settings):
            raise NotConfigured
        behaviours = Behaviours(
            network_idle=settings.getfloat("BROWSER_NETWORK_IDLE_TIMEOUT"),
            scroll=settings.getfloat("BROWSER_SCROLL_TIMEOUT"),
            close_banners=settings.getbool("BROWSER_CLOSE_BANNERS"),
            screenshot=settings.getbool("BROWSER_SCREENSHOT"),
        )
        patterns = settings.getlist("BROWSER_URL_PATTERNS")
        return cls(crawler, patterns, behaviours, settings.getint("DOWNLOAD_MAXSIZE"), crawler.stats)

    def renders(self, request) -> bool:
        """A page the browser loads: one the spider asked for as a page, a GET, and not a file by its name."""
        if not request.meta.get(PAGE) or request.method != "GET" or request.meta.get("playwright") is False:
            return False
        path = urlsplit(request.url).path.lower()
        if any(path.endswith(ext) for ext in _NOT_PAGES):
            return False
        return not self.patterns or any(p.search(request.url) for p in self.patterns)

    # ---- requests --------------------------------------------------------------------------

    def process_request(self, request, spider=None):
        if not self.renders(request):
            return None
        # A browser shows nothing for a 304 to a navigation it has no cached copy for (net::ERR_ABORTED):
        # rendered pages are fetched in full, and incremental runs judge them by their rendered content.
        for name in (b"If-None-Match", b"If-Modified-Since"):
            if request.headers.pop(name, None) is not None:
                self.stats.inc_value("browser/conditional_headers_dropped")
        capture = PageCapture(DevToolsRecorder(self.max_size), self.behaviours)
        request.meta.update(
            {
                "playwright": True,
                "playwright_context": "default",
                "playwright_page_init_callback": capture.attach,
                "playwright_page_methods": [PageMethod(capture.before_capture)],
                CAPTURE: capture,
            }
        )
        self.stats.inc_value("browser/pages")
        return None

    # ---- responses -------------------------------------------------------------------------

    def process_response(self, request, response, spider=None):
        capture: PageCapture | None = request.meta.get(CAPTURE)
        self._forget(request)
        if capture is None or "playwright" not in response.flags:
            return response
        charset = response.encoding if hasattr(response, "encoding") else "utf-8"
        dom = (dom_uri(response.url), f"text/html; charset={charset}", response.body)
        document = self._archive(request, capture, response.url, dom)
        if document is None:
            logger.warning("The browser recorded no response for the page %s itself", response.url)
            self.stats.inc_value("browser/pages_without_document")
        response.flags.append("archived")  # WarcCaptureMiddleware: not the server's bytes, do not store it
        scope = getattr(self.crawler.spider, "scope", None)
        if scope is not None and not scope.allows(response.url):
            # The browser followed a redirect (or a script) off the crawl's scope: archived, not followed,
            # as a plain crawl treats an off-site redirect.
            self.stats.inc_value("offsite/filtered")
            raise IgnoreRequest(f"the page moved out of scope to {response.url}")
        return response

    def process_exception(self, request, exception, spider=None):
        capture: PageCapture | None = request.meta.get(CAPTURE)
        self._forget(request)
        if capture is None or isinstance(exception, IgnoreRequest):
            return None
        self.stats.inc_value("browser/failed_pages")
        self.stats.inc_value(f"browser/failed_pages/{type(exception).__name__}")
        if capture.crashed:
            self.stats.inc_value("browser/renderer_crashes")
        self._archive(request, capture, request.url)
        return None  # a failed fetch, counted and retried (or not) like any other

    @staticmethod
    def _forget(request) -> None:
        """Drop what is ours from meta: a retry or redirect goes back to the frontier, which stores meta."""
        for key in _OURS:
            request.meta.pop(key, None)
        request.meta.pop("playwright", None)

    # ---- archiving -------------------------------------------------------------------------

    def _writer(self):
        capture = self.crawler.get_downloader_middleware(WarcCaptureMiddleware)
        return capture.writer if capture is not None else None

    def _archive(self, request, capture: PageCapture, page_url: str, dom: tuple[str, str, bytes] | None = None):
        """Write the page's exchanges; point request.meta's WARC keys at its document's records.

        The rendered DOM and the screenshot follow the document's records at once (readers such as
        crawler reextract find the DOM of a response right after it).
        """
        for name, value in capture.outcomes.items():
            self.stats.inc_value(f"browser/{name}", value)
        if capture.recorder.reencoded:
            self.stats.inc_value("browser/bodies_reencoded", capture.recorder.reencoded)
        if capture.recorder.inexact:
            self.stats.inc_value("browser/bodies_reencoded_inexact", capture.recorder.inexact)
        writer = self._writer()
        if writer is None:
            return None
        exchanges = capture.recorder.exchanges()
        documents = [exchange for exchange, is_document in exchanges if is_document]
        page = next(
            (e for e in reversed(documents) if e.response.url == page_url), documents[-1] if documents else None
        )
        found = None
        for exchange, _ in exchanges:
            written = self._write(writer, exchange)
            if exchange is page:
                found = written
                warc = asdict(written.payload or written.record)
                if written.revisit:
                    warc["revisit"] = asdict(written.record)
                request.meta["warc"] = warc
                request.meta["warc_record_id"] = written.record.record_id
                request.meta["warc_date"] = written.date
                request.meta["fetched_at"] = exchange.captured_at.isoformat(timespec="seconds")
                if dom is not None:
                    self._resources(capture, dom, written)
        self.stats.inc_value("browser/exchanges", len(exchanges))
        if found is None and dom is not None:
            self._resources(capture, dom, None)
        return found

    def _resources(self, capture: PageCapture, dom: tuple[str, str, bytes], document) -> None:
        """The rendered DOM and the screenshot, concurrent to the document's response (or revisit)."""
        concurrent_to = document.record.record_id if document else None
        date = document.date if document else None
        self._resource(*dom, concurrent_to, date)
        self.stats.inc_value("browser/dom_records")
        if capture.screenshot:
            url = dom[0].removeprefix("urn:dom:")
            self._resource(screenshot_uri(url), "image/png", capture.screenshot, concurrent_to, date)
            self.stats.inc_value("browser/screenshots")

    def _write(self, writer, exchange: Exchange):
        written = writer.write_exchange(exchange)
        count_written(self.stats, exchange, written)
        return written

    def _resource(self, uri: str, content_type: str, body: bytes, concurrent_to, date) -> None:
        writer = self._writer()
        location = writer.write_resource(uri, content_type, body, concurrent_to, date)
        self.stats.inc_value("warc/resource_records")
        self.stats.inc_value("warc/bytes", location.length)
