"""Requests for a page's requisites: archived so the page replays as it looked, never followed as pages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import scrapy

from crawler.discovery.recent import RecentSet
from crawler.discovery.requisites import requisite_rejection
from crawler.discovery.scope import Scope

# Fetched soon after their page (above sitemap entries, 10), as a browser would load them.
REQUISITE_PRIORITY = 20
_CSS_TYPES = (b"text/css",)


class RequisiteRequests:
    """Turns (url, kind) pairs into requests: scope rules for requisites, each URL once, counted in stats."""

    def __init__(self, scope: Scope, stats, seen: RecentSet, other_hosts: bool = True):
        self.scope = scope
        self.stats = stats
        self.seen = seen  # shared with the spider's links: a URL is requested once
        self.other_hosts = other_hosts

    def requests(self, pairs: Iterable[tuple[str, str]], callback, errback) -> Iterator[scrapy.Request]:
        for url, kind in pairs:
            if url in self.seen:
                continue
            self.seen.add(url)
            reason = requisite_rejection(self.scope, url, kind, self.other_hosts)
            if reason:
                self.stats.inc_value(f"requisites/rejected/{reason}")
                continue
            self.stats.inc_value("requisites/requested")
            self.stats.inc_value(f"requisites/requested/{kind}")
            if not self.scope.host_allowed(url):
                self.stats.inc_value("requisites/other_hosts")
            yield scrapy.Request(
                url,
                callback=callback,
                errback=errback,
                priority=REQUISITE_PRIORITY,
                meta={
                    "requisite": kind,
                    # The spider decided: ScopeMiddleware lets it through (include patterns, other hosts).
                    "allow_offsite": True,
                    # Part of its page, not a link further: DEPTH_LIMIT never drops it (Scrapy >= 2.18).
                    "depth_reset": True,
                },
            )

    def archived(self, response) -> None:
        self.stats.inc_value("requisites/archived")

    def failed(self, failure) -> None:
        self.stats.inc_value("requisites/failed")
        response = getattr(failure.value, "response", None)
        reason = f"http_{response.status}" if response is not None else type(failure.value).__name__
        self.stats.inc_value(f"requisites/failed/{reason}")


def is_stylesheet(response) -> bool:
    """CSS by its Content-Type, or an untyped (or text/plain) answer to a stylesheet request."""
    content_type = response.headers.get(b"Content-Type", b"").split(b";")[0].strip().lower()
    if content_type in _CSS_TYPES:
        return True
    return response.meta.get("requisite") == "stylesheet" and content_type in (b"", b"text/plain")


def charset(response) -> str | None:
    """The charset parameter of the Content-Type, for decoding a stylesheet."""
    for part in response.headers.get(b"Content-Type", b"").decode("latin-1").split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None
