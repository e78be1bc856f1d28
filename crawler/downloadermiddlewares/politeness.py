"""Every request waits for its host's turn: the delay since the host's last request, and a free slot."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections import Counter
from datetime import UTC, datetime

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from crawler import compat
from crawler.extensions.politeness import politeness
from crawler.jobs.leases import lease_tokens
from crawler.jobs.politeness import Grant
from crawler.web.urls import netloc_key

logger = logging.getLogger(__name__)

SLOT_META = "politeness_slot"  # request.meta: (host, token) of the slot the request holds
RELEASED_META = "politeness_released"  # request.meta: its transfer is over, its slot free again


def in_transfer(requests) -> Counter[str]:
    """host -> requests of it that still need or hold a slot (not at the politeness middleware yet,
    waiting there, or being transferred), of the requests given (the downloader's active ones)."""
    return Counter(netloc_key(r.url) for r in requests if RELEASED_META not in r.meta)


def forget_slot(meta: dict) -> None:
    """A request queued again (a redirect, a retry) copies its parent's meta: it has no slot of its own yet."""
    meta.pop(SLOT_META, None)
    meta.pop(RELEASED_META, None)


class PolitenessMiddleware:
    """Holds each request until its host may have it, by the host's delay and concurrency
    (crawler.jobs.politeness), shared by every worker of the job; then the request goes, with its
    own downloader slot per host:port. Its slot is released as soon as its transfer ends (the
    response is in, or the download failed), and the engine is asked for the next request at once.

    Priority 900: after robots.txt, scope and limits (a dropped request takes no turn), just before
    WARC capture (950) and the socket, so the time granted is the time sent. robots.txt fetches pass
    here too. Scrapy's own slot delays are switched off (compat.downloader_without_delay): the delay
    is applied here, the same for every worker, and never randomized below itself.

    Stats per host: hosts/<host>/requests, /responses, /failures, /waited (seconds spent here),
    /delay (the last one in force), /min_spacing (the shortest time between two requests to the
    host, any worker's), /first_request and /last_request (UTC).
    """

    def __init__(self, crawler, worker: str):
        self.crawler = crawler
        self.shared = politeness(crawler)
        self.stats = crawler.stats
        self.tokens = lease_tokens(worker)
        self.min_spacing: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler):
        worker = crawler.settings.get("WORKER_ID") or f"{socket.gethostname()}-{os.getpid()}"
        middleware = cls(crawler, worker)
        crawler.signals.connect(middleware.engine_started, signal=signals.engine_started)
        crawler.signals.connect(middleware.request_left_downloader, signal=signals.request_left_downloader)
        return middleware

    def engine_started(self):
        compat.downloader_without_delay(self.crawler.engine.downloader)

    async def process_request(self, request, spider=None):
        forget_slot(request.meta)
        host = netloc_key(request.url)
        # Scrapy's slots are per host name; a site is a host:port here, as in the scope.
        request.meta.setdefault("download_slot", host)
        token = next(self.tokens)
        lease = request.meta.get("lease")  # the Redis frontier's: not sent once another worker has it
        waited = 0.0
        while True:
            answer = self.shared.store.acquire(host, token, lease)
            if isinstance(answer, Grant):
                break
            if answer.lost:
                self.stats.inc_value("frontier/leases_lost")
                raise IgnoreRequest(f"the frontier lease of {request.url} ran out; another worker fetches it")
            await asyncio.sleep(answer.seconds)
            waited += answer.seconds
        self.shared.hold(token, host)
        request.meta[SLOT_META] = (host, token)
        self._count(host, answer, waited)
        return None

    def _count(self, host: str, grant: Grant, waited: float) -> None:
        stats, prefix = self.stats, f"hosts/{host}/"
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        stats.inc_value(prefix + "requests")
        if waited:
            stats.inc_value(prefix + "waited", round(waited, 3), start=0.0)
        stats.set_value(prefix + "delay", round(grant.delay, 3))
        if stats.get_value(prefix + "first_request") is None:
            stats.set_value(prefix + "first_request", now)
        stats.set_value(prefix + "last_request", now)
        if grant.spacing is not None and grant.spacing < self.min_spacing.get(host, float("inf")):
            self.min_spacing[host] = grant.spacing
            stats.set_value(prefix + "min_spacing", round(grant.spacing, 3))

    def _release(self, request) -> None:
        held = request.meta.pop(SLOT_META, None)
        if held is None:
            return
        host, token = held
        request.meta[RELEASED_META] = host
        self.shared.drop(token)
        self.shared.store.release(host, token)
        try:
            engine = self.crawler.engine
        except RuntimeError:  # no crawl: a component on its own
            return
        compat.wake_engine(engine)  # the host may take its next request now

    def request_left_downloader(self, request, spider=None):
        self._release(request)

    def process_response(self, request, response, spider=None):
        self._release(request)
        if host := request.meta.get(RELEASED_META):
            self.stats.inc_value(f"hosts/{host}/responses")
        return response

    def process_exception(self, request, exception, spider=None):
        self._release(request)
        if host := request.meta.get(RELEASED_META):
            self.stats.inc_value(f"hosts/{host}/failures")
        return None
