"""Exact page limits, unlike CLOSESPIDER_PAGECOUNT, which lets requests already under way overshoot."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

import redis
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.discovery.scope import netloc_key
from crawler.jobs.pagecounts import PageCounts, RedisPageCounts

from .robotstxt import ROBOTS_META

logger = logging.getLogger(__name__)


def close_spider(crawler, reason: str) -> None:
    """Close the spider once the requests (or items) under way are finished."""
    deferred_from_coro(crawler.engine.close_spider_async(reason=reason))


def is_robots_request(request) -> bool:
    """A robots.txt fetch, or a redirect it led to."""
    return bool(request.meta.get(ROBOTS_META)) or (
        bool(request.meta.get("dont_obey_robotstxt")) and request.url.endswith("/robots.txt")
    )


class PageLimitMiddleware:
    """At most LIMIT_PAGES fetches in a run, LIMIT_PAGES_PER_HOST per host, and for each regex of
    LIMIT_PAGES_PER_PATTERN its budget of fetches of matching URLs (a site section, a known trap).

    A fetch is a request sent to a server: redirects count, robots.txt and retries do not.
    Counted where the request leaves for the downloader (after robots.txt and scope checks), so the
    limit is never exceeded; when LIMIT_PAGES is reached the spider closes once fetches under way finish.
    With a Redis frontier the counts are the fleet's (crawler:<job>:pages, reset with the frontier):
    the limits hold for all the workers of the job together.
    """

    def __init__(
        self,
        max_pages: int,
        max_per_host: int,
        stats,
        close_spider: Callable[[str], object],
        per_pattern: dict[str, int] | None = None,
        counts: PageCounts | RedisPageCounts | None = None,
    ):
        self.max_pages = max_pages
        self.max_per_host = max_per_host
        self.stats = stats
        self.close_spider = close_spider  # close_spider(reason), once the limit is reached
        self.counts = counts or PageCounts()
        self.closing = False
        self.patterns = [(re.compile(p), p, budget) for p, budget in (per_pattern or {}).items()]

    @classmethod
    def from_crawler(cls, crawler):
        max_pages = crawler.settings.getint("LIMIT_PAGES")
        max_per_host = crawler.settings.getint("LIMIT_PAGES_PER_HOST")
        per_pattern = crawler.settings.get("LIMIT_PAGES_PER_PATTERN") or {}
        if isinstance(per_pattern, str):  # -s LIMIT_PAGES_PER_PATTERN='{"/tag/": 100}'
            per_pattern = json.loads(per_pattern)
        if not max_pages and not max_per_host and not per_pattern:
            raise NotConfigured
        url = crawler.settings.get("FRONTIER_URL")
        job = crawler.settings.get("JOB_NAME") or "crawl"
        counts = RedisPageCounts(redis.Redis.from_url(url), f"crawler:{job}:pages") if url else None
        close = lambda reason: close_spider(crawler, reason)  # noqa: E731
        return cls(max_pages, max_per_host, crawler.stats, close, dict(per_pattern), counts)

    def process_request(self, request, spider=None):
        if is_robots_request(request) or request.meta.get("retry_times"):
            return None
        host = netloc_key(request.url)
        # (counter, limit, stat of a page dropped, why): every limit this fetch counts against.
        limits = []
        if self.max_pages:
            limits.append(("*", self.max_pages, "limits/pages_dropped", "page limit reached"))
        if self.max_per_host:
            limits.append(
                (f"host:{host}", self.max_per_host, "limits/host_pages_dropped", f"page limit for {host} reached")
            )
        for regex, pattern, budget in self.patterns:
            if regex.search(request.url):
                limits.append(
                    (
                        f"pattern:{pattern}",
                        budget,
                        "limits/pattern_pages_dropped",
                        f"page budget for {pattern!r} reached",
                    )
                )
        used_up, counts = self.counts.take([(name, limit) for name, limit, _, _ in limits])
        if used_up is not None:
            name, _, stat, why = limits[used_up]
            self.stats.inc_value(stat)
            if stat == "limits/host_pages_dropped":
                self.stats.inc_value(f"hosts/{host}/over_limit")
            if name == "*":  # reached by another worker of the fleet: this one stops too
                self._close()
            raise IgnoreRequest(why)
        for (name, limit, _, _), count in zip(limits, counts):
            if count != limit:
                continue
            if name == "*":
                logger.info("Page limit of %d reached; finishing the fetches under way", self.max_pages)
                self._close()
            elif name.startswith("pattern:"):
                pattern = name.removeprefix("pattern:")
                logger.info("Page budget of %d for URLs matching %r reached; no more of them this run", limit, pattern)
        return None

    def _close(self) -> None:
        if not self.closing:
            self.closing = True
            self.close_spider("limit_pages")
