"""Honour robots.txt Crawl-delay, which Scrapy's RobotsTxtMiddleware reads but does not apply."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)


class RobotsCrawlDelay:
    """Keeps each host's download slot at least Crawl-delay seconds apart (capped by CRAWL_DELAY_MAX).

    Loaded after AutoThrottle so that its adjustments never go below the site's wish.
    """

    def __init__(self, crawler, user_agent: str, max_delay: float):
        self.crawler = crawler  # its engine's downloader holds the slots
        self.user_agent = user_agent
        self.max_delay = max_delay
        self.delays: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        extension = cls(crawler, user_agent, settings.getfloat("CRAWL_DELAY_MAX", 60.0))
        crawler.signals.connect(extension.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(extension.response_downloaded, signal=signals.response_downloaded)
        return extension

    def _slot(self, request):
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        return key, downloader.slots.get(key)

    def robots_parsed(self, robotparser, request):
        delay = robotparser.crawl_delay(self.user_agent)
        if not delay:
            return
        key, slot = self._slot(request)
        self.delays[key] = min(float(delay), self.max_delay)
        logger.info("robots.txt asks for a Crawl-delay of %ss on %s", delay, key)
        self.crawler.stats.set_value(f"robotstxt/crawl_delay/{key}", self.delays[key])
        if slot is not None:
            self._apply(slot, self.delays[key])

    def response_downloaded(self, response, request, spider=None):
        key, slot = self._slot(request)
        if key in self.delays and slot is not None:
            self._apply(slot, self.delays[key])

    @staticmethod
    def _apply(slot, delay: float) -> None:
        if slot.delay < delay:
            slot.delay = delay
        # A randomized delay may be half the configured one.
        slot.randomize_delay = False
