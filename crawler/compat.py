"""Every private Scrapy (and Twisted) API this project touches, in one place.

Checked against Scrapy 2.18 to 2.19 and Twisted 24 to 25. A Scrapy release that changes one of
them fails tests/test_compat.py and tests/test_warc_fidelity.py, not a user's crawl; a Scrapy
outside the checked range gets one warning when the crawl starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import scrapy
import scrapy.downloadermiddlewares.cookies as scrapy_cookies
from scrapy.core.downloader.handlers import http11 as scrapy_http11
from scrapy.extensions.throttle import AutoThrottle
from scrapy.utils._download_handlers import check_stop_download, get_dataloss_msg, wrap_twisted_exceptions
from tldextract import TLDExtract
from twisted.web._newclient import HEADER, STATUS

logger = logging.getLogger(__name__)

CHECKED_SCRAPY = ((2, 18), (2, 19))

# The HTTP/1.1 download handler's parts, subclassed by crawler.downloader.http11 to record heads
# as they cross the socket and to keep bodies cut short.
LenientHTTPClientParser = scrapy_http11._LenientHTTPClientParser
LenientHTTP11ClientProtocol = scrapy_http11._LenientHTTP11ClientProtocol
LenientHTTP11ClientFactory = scrapy_http11._LenientHTTP11ClientFactory
ResponseReader = scrapy_http11._ResponseReader
ScrapyAgent = scrapy_http11._ScrapyAgent
HTTP11DownloadHandler = scrapy_http11.HTTP11DownloadHandler
ResponseDone = scrapy_http11.ResponseDone
PotentialDataLoss = scrapy_http11.PotentialDataLoss
get_warnsize_msg = scrapy_http11.get_warnsize_msg
PARSER_STATUS, PARSER_HEADER = STATUS, HEADER  # twisted.web._newclient.HTTPParser states

__all__ = [
    "DelayThrottle",
    "HTTP11DownloadHandler",
    "LenientHTTP11ClientFactory",
    "LenientHTTP11ClientProtocol",
    "LenientHTTPClientParser",
    "PARSER_HEADER",
    "PARSER_STATUS",
    "PotentialDataLoss",
    "ResponseDone",
    "ResponseReader",
    "ScrapyAgent",
    "check_stop_download",
    "get_dataloss_msg",
    "get_warnsize_msg",
    "wrap_twisted_exceptions",
]


def warn_if_unchecked() -> None:
    version = tuple(int(part) for part in scrapy.__version__.split(".")[:2])
    low, high = CHECKED_SCRAPY
    if not low <= version <= high:
        logger.warning(
            "Scrapy %s is outside the range this crawler was checked against (%s to %s)",
            scrapy.__version__,
            ".".join(map(str, low)),
            ".".join(map(str, high)),
        )


def use_bundled_public_suffix_list() -> None:
    """CookiesMiddleware without the public-suffix-list download.

    Scrapy's module-level TLDExtract fetches the list from the internet the first time a cookie
    carries a Domain attribute; a crawler must make no request nobody asked for, so cookies use the
    snapshot bundled with tldextract.
    """
    scrapy_cookies._split_domain = TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def on_request_finished(engine, callback: Callable[[scrapy.Request], None]) -> None:
    """Call callback(request) when the engine is completely finished with a scheduled request.

    Scrapy has no signal for that moment; the engine's slot removes the request from its
    in-progress set exactly then, so its remove_request is wrapped.
    """
    slot = engine._slot
    remove_request = slot.remove_request

    def remove_and_call(request):
        callback(request)
        remove_request(request)

    slot.remove_request = remove_and_call


def on_requests_drained(engine, callback: Callable[[], None]) -> None:
    """Call callback() when the engine, closing the spider, has finished its last request (before the
    downloader, the item pipelines and the scheduler close).

    The engine's close_spider awaits its slot's close() exactly until then; that method is wrapped.
    """
    slot = engine._slot
    close = slot.close

    async def close_then_call():
        await close()
        callback()

    slot.close = close_then_call


def engine_closing(engine) -> bool:
    """Whether the engine has begun closing the spider (Scrapy sets its slot's `closing` first thing)."""
    slot = getattr(engine, "_slot", None)
    return slot is None or slot.closing is not None


def wake_engine(engine) -> None:
    """Make an idle engine ask the scheduler for work now (it looks only every 5 s otherwise)."""
    if engine._slot is not None:  # None once the spider is closed
        engine._slot.nextcall.schedule()


def downloader_without_delay(downloader) -> None:
    """Scrapy's downloader slots start requests as soon as they come, without delay or jitter:
    crawler.downloadermiddlewares.politeness spaces them, per host and across workers.

    The downloader gives new slots its `_delay` (DOWNLOAD_DELAY; AutoThrottle sets it too) and
    the jitter of DOWNLOAD_DELAY_JITTER.
    """
    downloader._delay = 0.0
    downloader._jitter = 0.0
    for slot in downloader.slots.values():
        slot.delay, slot.jitter = 0.0, 0.0


class DelayThrottle(AutoThrottle):
    """Scrapy's AutoThrottle (its settings, its policy, its debug lines) adjusting delays kept elsewhere.

    A subclass gives `delay_slot(request)`: (key, an object whose `.delay` AutoThrottle reads and
    sets, with `.transferring` for the debug line) or (None, None). The downloader's own slots are
    left alone (AutoThrottle would set their delay, and that of every new slot).
    """

    def _spider_opened(self, spider) -> None:
        self.mindelay = self._min_delay()
        self.maxdelay = self._max_delay()

    def _get_slot(self, request, spider):
        return self.delay_slot(request)

    def delay_slot(self, request):
        raise NotImplementedError
