"""Count how fetches finally ended, after retries and redirects: the numbers cron exit codes use."""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest

from crawler.web.redact import strip_userinfo

logger = logging.getLogger(__name__)


class FetchOutcomeMiddleware:
    """Placed first on the engine side (priority 1): it sees only what no other middleware handled.

    Stats: fetch/failed and fetch/failed/<exception> for fetches that got no answer (DNS, refused,
    timeout, reset, size limit) once retries are spent; fetch/server_error for final 5xx answers.
    """

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response, spider=None):
        if response.status >= 500:
            self.stats.inc_value("fetch/server_error")
        return response

    def process_exception(self, request, exception, spider=None):
        if isinstance(exception, IgnoreRequest):
            return None
        name = type(exception).__name__
        self.stats.inc_value("fetch/failed")
        self.stats.inc_value(f"fetch/failed/{name}")
        logger.warning("Fetch failed: %s (%s: %s)", strip_userinfo(request.url), name, exception)
        return None
