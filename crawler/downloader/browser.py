"""Browser mode's download handler: scrapy-playwright for the pages meant for the browser, ours for the rest.

BrowserDownloadHandler is the http and https handler of a browser crawl (browsermode.configure()
sets it up while settings are open). Requests that crawler.downloadermiddlewares.browser marked for the
browser (meta "playwright") are loaded in headless Chromium by scrapy-playwright; every other
request (robots.txt, sitemaps, feeds, images, pages outside BROWSER_URL_PATTERNS) goes to
CapturingHTTP11DownloadHandler exactly as in a plain crawl. What the browser itself fetches for a
page goes through the browser, never through Scrapy.

Resource limits: one browser, one context, at most BROWSER_MAX_PAGES pages at once
(scrapy-playwright's semaphores); BROWSER_PAGE_TIMEOUT bounds a page from navigation to capture
(past it the page is closed and the fetch fails with BrowserPageTimeout); when the browser's
processes use more than BROWSER_MEMORY_LIMIT_MB, new pages wait while the open ones finish and
the browser is restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref

import psutil
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.headers import use_scrapy_headers

from .behaviours import PageCapture
from .devtools import RECORDERS
from .http11 import CapturingHTTP11DownloadHandler

logger = logging.getLogger(__name__)

CAPTURE = "_browser_capture"  # request.meta key: the page's PageCapture
MEMORY_CHECK_INTERVAL = 2.0  # seconds between measurements of the browser's memory


class BrowserPageTimeout(Exception):
    """A page not captured within BROWSER_PAGE_TIMEOUT: it never finished loading, or a behaviour hung."""


class BrowserCrashed(Exception):
    """The renderer of the page crashed (or was killed) before the page was captured."""


def browser_memory(root: psutil.Process | None = None) -> int:
    """Bytes of memory of the Playwright driver this process started and all it started (the browser).

    Proportional set size where the system reports it: the browser's processes share much of their
    memory, which a sum of resident sizes would count once per process.
    """
    total = 0
    with contextlib.suppress(psutil.Error):
        for child in (root or psutil.Process()).children():
            with contextlib.suppress(psutil.Error):
                if "run-driver" not in " ".join(child.cmdline()):
                    continue
                for process in [child, *child.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += getattr(process.memory_full_info(), "pss", 0) or process.memory_info().rss
    return total


_HANDLERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PENDING: set[asyncio.Task] = set()


async def request_headers(*, browser_type_name, playwright_request, scrapy_request_data):
    """PLAYWRIGHT_PROCESS_REQUEST_HEADERS: scrapy-playwright's header rule, once the recorder streams the body."""
    with contextlib.suppress(Exception):  # requests of workers and other pages have no recorder
        recorder = RECORDERS.get(playwright_request.frame.page)
        # A navigation is reported only once it is let go: its body comes from getResponseBody.
        navigation = playwright_request.is_navigation_request()
        if recorder is not None and not navigation and not await recorder.ready(playwright_request.url):
            logger.debug("Not streaming %s: its body comes from getResponseBody", playwright_request.url)
    return await use_scrapy_headers(
        browser_type_name=browser_type_name,
        playwright_request=playwright_request,
        scrapy_request_data=scrapy_request_data,
    )


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    lazy = False  # scrapy-playwright starts Playwright when the engine starts

    def __init__(self, crawler):
        super().__init__(crawler)
        # A crashed page is a failed fetch, retried (or not) by RETRY_TIMES like any other: scrapy-playwright
        # would otherwise try it again three times on its own.
        self.config.target_closed_max_retries = 0
        self.http = CapturingHTTP11DownloadHandler(crawler)
        settings = crawler.settings
        self.page_timeout = settings.getfloat("BROWSER_PAGE_TIMEOUT")
        self.memory_limit = settings.getint("BROWSER_MEMORY_LIMIT_MB") * 1024 * 1024
        self._open_pages = 0
        self._restarting = False
        self._may_open = asyncio.Event()
        self._may_open.set()
        self._checked_at = 0.0
        self._closed = False

    @classmethod
    def from_crawler(cls, crawler):
        # http and https share one handler, so that a crawl has one browser.
        handler = _HANDLERS.get(crawler)
        if handler is None:
            handler = _HANDLERS[crawler] = cls(crawler)
        return handler

    async def download_request(self, request):
        if not request.meta.get("playwright"):
            return await self.http.download_request(request)
        await self._may_open.wait()
        self._open_pages += 1
        capture: PageCapture | None = request.meta.get(CAPTURE)
        try:
            return await self._render(request, capture)
        finally:
            self._open_pages -= 1
            await self._watch_memory()

    async def _render(self, request, capture: PageCapture | None):
        """scrapy-playwright's download, failing as soon as the page's renderer crashes or its time is up."""
        download = asyncio.ensure_future(self._download_request(request))
        crash = asyncio.ensure_future(capture.crash.wait()) if capture is not None else None
        try:
            done, _ = await asyncio.wait(
                [f for f in (download, crash) if f is not None],
                timeout=self.page_timeout or None,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if download in done:
                return download.result()
            download.cancel()
            if capture is not None:
                await capture.close_page()
            if crash is not None and crash in done:
                self._recount_crashed_page()
                raise BrowserCrashed("the browser's renderer crashed (or was killed) while loading the page")
            raise BrowserPageTimeout(f"page not captured within BROWSER_PAGE_TIMEOUT ({self.page_timeout:g} s)")
        except PlaywrightTimeoutError as exc:
            raise BrowserPageTimeout(f"page did not finish loading: {exc.message.splitlines()[0]}") from exc
        except Exception as exc:
            if capture is not None and capture.crashed and not isinstance(exc, BrowserCrashed):
                self._recount_crashed_page()
                raise BrowserCrashed(f"the browser's renderer crashed: {exc}") from exc
            raise
        finally:
            if crash is not None:
                crash.cancel()

    def _recount_crashed_page(self) -> None:
        """scrapy-playwright frees a page's slot on "crash" and again on "close": take the extra one back."""
        wrapper = self.context_wrappers.get("default")
        if wrapper is not None:
            self._spawn_acquire(wrapper.semaphore)

    @staticmethod
    def _spawn_acquire(semaphore: asyncio.Semaphore) -> None:
        task = asyncio.ensure_future(semaphore.acquire())
        _PENDING.add(task)
        task.add_done_callback(_PENDING.discard)

    async def _watch_memory(self) -> None:
        """Restart the browser between pages once its processes use more than BROWSER_MEMORY_LIMIT_MB."""
        now = time.monotonic()
        if not self.memory_limit or self._restarting or now - self._checked_at < MEMORY_CHECK_INTERVAL:
            if self._restarting and self._open_pages == 0:
                await self._restart()
            return
        self._checked_at = now
        used = await asyncio.to_thread(browser_memory)  # reads /proc: off the reactor's thread
        peak = self.stats.get_value("browser/memory_max_bytes") or 0
        self.stats.set_value("browser/memory_max_bytes", max(peak, used))
        if used > self.memory_limit:
            logger.info("Browser uses %d MB (BROWSER_MEMORY_LIMIT_MB): restarting it", used // 2**20)
            self._restarting = True
            self._may_open.clear()
            if self._open_pages == 0:
                await self._restart()

    async def _restart(self) -> None:
        browser = getattr(self, "browser", None)
        try:
            if browser is not None:
                # scrapy-playwright forgets its contexts and the browser on "disconnected" and launches
                # a new one for the next page (PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER).
                with contextlib.suppress(Exception):
                    await browser.close()
                self.stats.inc_value("browser/restarts")
        finally:
            self._restarting = False
            self._may_open.set()

    async def close(self) -> None:
        if self._closed:  # registered for http and https
            return
        self._closed = True
        await self.http.close()
        await super().close()
