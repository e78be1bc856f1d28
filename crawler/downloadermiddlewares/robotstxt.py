"""robots.txt as RFC 9309 says when it cannot be read, in place of Scrapy's allow-all on every failure.

- 2xx: the rules apply;
- 4xx ("unavailable", 401 and 403 included): everything is allowed;
- 5xx, a timeout or a connection error ("unreachable"): everything on the host is disallowed for
  now; robots.txt is fetched again for the first request ROBOTSTXT_RETRY_AFTER seconds later;
- redirects are followed for up to ROBOTSTXT_MAX_REDIRECTS (5) hops, to other hosts too, and the
  rules found apply to the host asked (RFC 9309 2.3.1.2); more hops count as unavailable (allow).
Scrapy's own retries (RETRY_TIMES) happen first, so "unreachable" means after those.

With a Redis frontier, one worker of the fleet fetches a host's robots.txt and the others take its
outcome from Redis (crawler.jobs.politeness): the host sees one robots.txt request per fleet (a day),
and every worker knows its rules and Crawl-delay before it sends the host anything else.
"""

from __future__ import annotations

import asyncio
import logging
import time

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.downloadermiddlewares.warc import NotArchived
from crawler.extensions.politeness import politeness
from crawler.jobs.politeness import ROBOTS_KEPT_SECONDS
from crawler.web.urls import netloc_key

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


def _relay(shared: Deferred) -> Deferred:
    """A Deferred of the shared one's result for one waiter. Awaiting a Deferred as a Future turns its
    result into None (Twisted's asFuture), so awaiting the shared one itself gave every waiter after the
    first None, "no robots.txt": fetched unchecked (Scrapy 2.19's own middleware does that)."""
    relay: Deferred = Deferred()

    def pass_on(result):
        relay.callback(result)
        return result

    shared.addCallback(pass_on)
    return relay


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.retry_after = settings.getfloat("ROBOTSTXT_RETRY_AFTER", 600.0)
        self.max_redirects = settings.getint("ROBOTSTXT_MAX_REDIRECTS", 5)
        # How long another worker may take to fetch a robots.txt before this one tries.
        self.claim_seconds = settings.getfloat("DOWNLOAD_TIMEOUT", 30) * (1 + settings.getint("RETRY_TIMES", 2)) + 10

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
            try:
                await self._fetch(request, netloc)
            except Exception as exc:  # the fleet's Redis, say: the host waits, as for an unreachable robots.txt
                if isinstance(self._parsers.get(netloc), Deferred):
                    logger.error("robots.txt of %s could not be had: %s", netloc, exc, exc_info=True)
                    self._unreachable(netloc, f"{type(exc).__name__}: {exc}")
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(_relay(parser))
        return parser

    async def _fetch(self, request, netloc: str) -> None:
        url = urlparse_cached(request)
        robots_url = f"{url.scheme}://{netloc}/robots.txt"
        store, host = politeness(self.crawler).store, netloc_key(robots_url)
        while True:
            claimed = store.claim_robots(host, self.claim_seconds)
            shared = store.shared_robots(host)  # after claiming: one may have been shared just before
            if shared is not None:
                self._stats.inc_value("robotstxt/shared")
                await self._use(shared, robots_url, netloc, request)
                return
            if claimed:
                break
            await asyncio.sleep(0.2)  # another worker is fetching it
        outcome = await self._download(robots_url, request, netloc)
        if outcome is not None:
            kept = self.retry_after if outcome["kind"] == "unreachable" else ROBOTS_KEPT_SECONDS
            store.share_robots(host, outcome, kept)

    async def _use(self, outcome: dict, robots_url: str, netloc: str, request) -> None:
        """A robots.txt outcome another worker met, as if this one had."""
        if outcome["kind"] == "response":
            await self._parse_robots(
                Response(robots_url, status=outcome["status"], body=outcome["body"]), netloc, request
            )
        elif outcome["kind"] == "unavailable":
            self._settle(netloc, None)
        else:
            self._unreachable(netloc, outcome.get("reason", "unknown"))

    async def _download(self, robots_url: str, request, netloc: str) -> dict | None:
        """Fetch and parse the host's robots.txt; the outcome, for the other workers of a fleet (None:
        none to share)."""
        robots = Request(
            robots_url,
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
        self._stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(robots)
        except NotArchived as exc:
            # This worker's failure (a full disk), not the site's answer: never "allow all", and not
            # for the fleet to share (another worker fetches it once this one's claim runs out).
            self._unreachable(netloc, f"{type(exc).__name__}: {exc}")
            return None
        except IgnoreRequest as exc:
            # More redirects than allowed (or a redirect out of http/https): no robots.txt, as a 4xx.
            logger.info("robots.txt of %s: %s; treated as absent (all allowed)", netloc, exc)
            self._stats.inc_value("robotstxt/unavailable")
            self._settle(netloc, None)
            return {"kind": "unavailable"}
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            self._unreachable(netloc, reason)
            return {"kind": "unreachable", "reason": reason}
        await self._parse_robots(response, netloc, request)
        return {"kind": "response", "status": response.status, "body": response.body}

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
