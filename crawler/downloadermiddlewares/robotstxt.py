"""robots.txt as RFC 9309 says when it cannot be read, in place of Scrapy's allow-all on every failure.

- 2xx: the rules apply;
- 4xx ("unavailable", 401 and 403 included): everything is allowed;
- 5xx, a timeout or a connection error ("unreachable"): everything on the host is disallowed for
  now; robots.txt is fetched again for the first request ROBOTSTXT_RETRY_AFTER seconds later;
- redirects are followed for up to ROBOTSTXT_MAX_REDIRECTS (5) hops, to other hosts too, and the
  rules found apply to the host asked (RFC 9309 2.3.1.2); more hops count as unavailable (allow).
Scrapy's own retries (RETRY_TIMES) happen first, so "unreachable" means after those.
"""

from __future__ import annotations

import logging
import time

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

ROBOTS_META = "robotstxt_request"  # request.meta flag of robots.txt fetches (and their redirects)


class Unreachable:
    """The stand-in parser for a host whose robots.txt could not be read: disallow all until `until`."""

    def __init__(self, until: float, reason: str):
        self.until = until  # time.monotonic()
        self.reason = reason

    def allowed(self, url, user_agent) -> bool:
        return False

    def crawl_delay(self, user_agent):
        return None


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.retry_after = settings.getfloat("ROBOTSTXT_RETRY_AFTER", 600.0)
        self.max_redirects = settings.getint("ROBOTSTXT_MAX_REDIRECTS", 5)

    def process_request_2(self, rp, request) -> None:
        if isinstance(rp, Unreachable):
            self._stats.inc_value("robotstxt/unreachable_skipped")
            raise IgnoreRequest(f"robots.txt unreachable ({rp.reason})")
        super().process_request_2(rp, request)

    async def robot_parser(self, request):
        netloc = urlparse_cached(request).netloc
        parser = self._parsers.get(netloc)
        if isinstance(parser, Unreachable) and time.monotonic() >= parser.until:
            del self._parsers[netloc]  # "retry later": this request fetches it again
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            await self._fetch(request, netloc)
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def _fetch(self, request, netloc: str) -> None:
        url = urlparse_cached(request)
        robots = Request(
            f"{url.scheme}://{netloc}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            # Redirects to other hosts are followed (the rules still apply to this host), at most
            # max_redirects of them; RedirectMiddleware counts them down in redirect_ttl.
            meta={
                "dont_obey_robotstxt": True,
                ROBOTS_META: True,
                "allow_offsite": True,
                "redirect_ttl": self.max_redirects,
            },
            callback=NO_CALLBACK,
        )
        if not self.max_redirects:
            robots.meta["dont_redirect"] = True
        try:
            response = await self.crawler.engine.download_async(robots)
        except IgnoreRequest as exc:
            # More redirects than allowed (or a redirect out of http/https): no robots.txt, as a 4xx.
            logger.info("robots.txt of %s: %s; treated as absent (all allowed)", netloc, exc)
            self._stats.inc_value("robotstxt/unavailable")
            self._settle(netloc, None)
        except Exception as exc:
            self._unreachable(netloc, f"{type(exc).__name__}: {exc}")
        else:
            await self._parse_robots(response, netloc, request)
        self._stats.inc_value("robotstxt/request_count")

    async def _parse_robots(self, response, netloc, request) -> None:
        status = response.status
        if 200 <= status < 300:
            return await super()._parse_robots(response, netloc, request)
        self._stats.inc_value("robotstxt/response_count")
        self._stats.inc_value(f"robotstxt/response_status_count/{status}")
        if status >= 500 or status < 100:
            self._unreachable(netloc, f"HTTP {status}")
            return None
        # 3xx left (no Location, or a loop cut short) and 4xx: unavailable, everything allowed.
        self._stats.inc_value("robotstxt/unavailable")
        return await super()._parse_robots(response.replace(body=b""), netloc, request)

    def _unreachable(self, netloc: str, reason: str) -> None:
        self._stats.inc_value("robotstxt/unreachable")
        logger.warning(
            "robots.txt of %s unreachable (%s): nothing on %s is fetched for now; robots.txt is tried again in %.0f s",
            netloc,
            reason,
            netloc,
            self.retry_after,
        )
        self._settle(netloc, Unreachable(time.monotonic() + self.retry_after, reason))

    def _settle(self, netloc: str, parser) -> None:
        waiting = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(waiting, Deferred):
            waiting.callback(parser)
