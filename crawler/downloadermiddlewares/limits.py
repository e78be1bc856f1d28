"""Exact page limits, unlike CLOSESPIDER_PAGECOUNT, which lets requests already under way overshoot."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.discovery.scope import netloc_key

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
    """

    def __init__(
        self,
        max_pages: int,
        max_per_host: int,
        stats,
        close_spider: Callable[[str], object],
        per_pattern: dict[str, int] | None = None,
    ):
        self.max_pages = max_pages
        self.max_per_host = max_per_host
        self.stats = stats
        self.close_spider = close_spider  # close_spider(reason), once the limit is reached
        self.count = 0
        self.per_host: Counter[str] = Counter()
        self.patterns = [(re.compile(p), p, budget) for p, budget in (per_pattern or {}).items()]
        self.per_pattern: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler):
        max_pages = crawler.settings.getint("LIMIT_PAGES")
        max_per_host = crawler.settings.getint("LIMIT_PAGES_PER_HOST")
        per_pattern = crawler.settings.get("LIMIT_PAGES_PER_PATTERN") or {}
        if isinstance(per_pattern, str):  # -s LIMIT_PAGES_PER_PATTERN='{"/tag/": 100}'
            per_pattern = json.loads(per_pattern)
        if not max_pages and not max_per_host and not per_pattern:
            raise NotConfigured
        return cls(
            max_pages, max_per_host, crawler.stats, lambda reason: close_spider(crawler, reason), dict(per_pattern)
        )

    def process_request(self, request, spider=None):
        if is_robots_request(request) or request.meta.get("retry_times"):
            return None
        if self.max_pages and self.count >= self.max_pages:
            self.stats.inc_value("limits/pages_dropped")
            raise IgnoreRequest("page limit reached")
        host = netloc_key(request.url)
        if self.max_per_host and self.per_host[host] >= self.max_per_host:
            self.stats.inc_value("limits/host_pages_dropped")
            raise IgnoreRequest(f"page limit for {host} reached")
        matched = [(pattern, budget) for regex, pattern, budget in self.patterns if regex.search(request.url)]
        for pattern, budget in matched:
            if self.per_pattern[pattern] >= budget:
                self.stats.inc_value("limits/pattern_pages_dropped")
                raise IgnoreRequest(f"page budget for {pattern!r} reached")
        self.count += 1
        self.per_host[host] += 1
        for pattern, budget in matched:
            self.per_pattern[pattern] += 1
            if self.per_pattern[pattern] == budget:
                logger.info("Page budget of %d for URLs matching %r reached; no more of them this run", budget, pattern)
        if self.max_pages and self.count == self.max_pages:
            logger.info("Page limit of %d reached; finishing the fetches under way", self.max_pages)
            self.close_spider("limit_pages")
        return None
