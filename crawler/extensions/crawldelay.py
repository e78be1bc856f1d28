"""Honour robots.txt Crawl-delay, which Scrapy's RobotsTxtMiddleware reads but does not apply."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.web.urls import netloc_key

from .politeness import politeness

logger = logging.getLogger(__name__)


class RobotsCrawlDelay:
    """Gives a host its robots.txt Crawl-delay (capped by CRAWL_DELAY_MAX) in the shared politeness
    state: every worker keeps its requests to the host at least that far apart, whatever AutoThrottle
    learns."""

    def __init__(self, crawler, user_agent: str, max_delay: float):
        self.crawler = crawler
        self.user_agent = user_agent
        self.max_delay = max_delay

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        extension = cls(crawler, user_agent, settings.getfloat("CRAWL_DELAY_MAX", 60.0))
        crawler.signals.connect(extension.robots_parsed, signal=signals.robots_parsed)
        return extension

    def robots_parsed(self, robotparser, request):
        delay = robotparser.crawl_delay(self.user_agent)
        if not delay:
            return
        host = netloc_key(request.url)
        seconds = min(float(delay), self.max_delay)
        politeness(self.crawler).store.set_crawl_delay(host, seconds)
        logger.info("robots.txt asks for a Crawl-delay of %ss on %s", delay, host)
        self.crawler.stats.set_value(f"robotstxt/crawl_delay/{host}", seconds)
