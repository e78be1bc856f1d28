"""Browser mode's switch: whether a crawl asks for it, whether its browser can start, and the settings
that turn it on.

Only this module is imported by a plain crawl: the modules that need scrapy-playwright (the download
handler, the capture middleware) are named in the settings configure() sets, so Scrapy loads them in
browser mode only, and a plain crawl never pays for importing scrapy-playwright and Playwright.
"""

from __future__ import annotations

import os

PAGE = "page"  # request.meta key the spider sets on requests for pages (not sitemaps, feeds or images)
HANDLERS = "crawler.downloader.browser"  # scrapy-playwright's handler and what it calls back
CAPTURE_MIDDLEWARE = "crawler.downloadermiddlewares.browser.BrowserCaptureMiddleware"
# Between WARC capture (950) and the downloader: marks pages for the browser, archives what it fetched.
CAPTURE_MIDDLEWARE_PRIORITY = 960


def browser_wanted(settings) -> bool:
    return settings.getbool("BROWSER_ENABLED") or bool(settings.getlist("BROWSER_URL_PATTERNS"))


def missing_browser(settings) -> str | None:
    """Why the configured Chromium cannot be started, or None."""
    executable = settings.get("BROWSER_EXECUTABLE") or ""
    if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
        return f"no browser at {executable!r}: install Debian's chromium (apt-get install chromium) or set [browser] executable"
    return None


def configure(settings) -> None:
    """Turn browser mode on: call while settings are open (the spider does, when BROWSER_* asks for it)."""
    problem = missing_browser(settings)
    if problem:
        raise ValueError(problem)
    priority = "spider"
    handler = f"{HANDLERS}.BrowserDownloadHandler"
    settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler}, priority=priority)
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    middlewares[CAPTURE_MIDDLEWARE] = CAPTURE_MIDDLEWARE_PRIORITY
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority=priority)
    settings.set("TWISTED_REACTOR", "twisted.internet.asyncioreactor.AsyncioSelectorReactor", priority=priority)
    settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", priority=priority)
    settings.set(
        "PLAYWRIGHT_LAUNCH_OPTIONS",
        {
            "executable_path": settings.get("BROWSER_EXECUTABLE"),
            "headless": True,
            "args": settings.getlist("BROWSER_ARGS"),
        },
        priority=priority,
    )
    settings.set("PLAYWRIGHT_PROCESS_REQUEST_HEADERS", f"{HANDLERS}.request_headers", priority=priority)
    settings.set("PLAYWRIGHT_MAX_CONTEXTS", 1, priority=priority)
    # Retried like the plain crawl's timeouts and dropped connections.
    retry = [*settings.getlist("RETRY_EXCEPTIONS"), f"{HANDLERS}.BrowserPageTimeout", f"{HANDLERS}.BrowserCrashed"]
    settings.set("RETRY_EXCEPTIONS", retry, priority=priority)
    settings.set("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", max(1, settings.getint("BROWSER_MAX_PAGES")), priority=priority)
    # Service workers would answer some of the page's requests out of sight of the Network domain.
    settings.set("PLAYWRIGHT_CONTEXTS", {"default": {"service_workers": "block"}}, priority=priority)
    navigation = settings.getfloat("BROWSER_NAVIGATION_TIMEOUT") * 1000
    settings.set("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", navigation, priority=priority)
    # Memory of the crawl plus the browser's processes, in memusage/max and for MEMUSAGE_LIMIT_MB.
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["scrapy.extensions.memusage.MemoryUsage"] = None
    extensions["scrapy_playwright.memusage.ScrapyPlaywrightMemoryUsageExtension"] = 0
    settings.set("EXTENSIONS", extensions, priority=priority)
