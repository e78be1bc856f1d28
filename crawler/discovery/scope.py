"""Which URLs a crawl may fetch: hosts, include/exclude patterns and crawler-trap heuristics."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

from crawler.web.urls import netloc_key

from .recent import RecentSet
from .traps import TrapRules

MAX_URL_LENGTH = 1024
MAX_QUERY_PARAMS = 12
MAX_PATH_SEGMENTS = 20
MAX_SEGMENT_REPEATS = 3
# URLs found in scope, remembered: a new link is judged by the spider, then twice more by the scope
# middleware (when it is scheduled, and before it is fetched), and nothing it is judged by changes.
ALLOWED_URLS = 10_000
ALLOWED_URL_CHARS = 1_000_000


def trap_reason(url: str) -> str | None:
    """Why a URL looks like a crawler trap (endless calendars, growing queries, repeating paths), or None."""
    if len(url) > MAX_URL_LENGTH:
        return "long-url"
    parts = urlsplit(url)
    if parts.query and parts.query.count("&") + 1 > MAX_QUERY_PARAMS:
        return "many-query-params"
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) > MAX_PATH_SEGMENTS:
        return "deep-path"
    if segments and Counter(segments).most_common(1)[0][1] > MAX_SEGMENT_REPEATS:
        return "repeating-path"
    return None


class Scope:
    """Allowed hosts (exactly, or with subdomains), include/exclude regexes, trap heuristics (traps.TrapRules)."""

    def __init__(
        self,
        hosts: set[str],
        subdomains: bool = False,
        include: list[str] | None = None,
        exclude: list[str] | None = None,
        traps: TrapRules | None = None,
    ):
        self.hosts = {h.lower() for h in hosts}
        self.subdomains = subdomains
        self.include = [re.compile(p) for p in include or []]
        self.exclude = [re.compile(p) for p in exclude or []]
        self.traps = traps or TrapRules()
        self._allowed = RecentSet(ALLOWED_URLS, ALLOWED_URL_CHARS)

    @classmethod
    def from_seeds(cls, urls: list[str], **kwargs) -> Scope:
        return cls({netloc_key(u) for u in urls if netloc_key(u)}, **kwargs)

    def host_allowed(self, url: str) -> bool:
        if not self.hosts:
            return True
        key = netloc_key(url)
        if key in self.hosts:
            return True
        if self.subdomains:
            host, _, port = key.partition(":")
            for allowed in self.hosts:
                a_host, _, a_port = allowed.partition(":")
                if port == a_port and host.endswith("." + a_host.removeprefix("www.")):
                    return True
                if port == a_port and a_host.startswith("www.") and host == a_host[4:]:
                    return True
        return False

    def rejection(self, url: str) -> str | None:
        """Why url is out of scope ("host", "excluded", "not-included", a trap reason), or None."""
        if url in self._allowed:
            return None
        reason = self._rejection(url)
        if reason is None:
            self._allowed.add(url)
        return reason

    def _rejection(self, url: str) -> str | None:
        if not url.startswith(("http://", "https://")):
            return "scheme"
        if not self.host_allowed(url):
            return "host"
        if any(p.search(url) for p in self.exclude):
            return "excluded"
        if self.include and not any(p.search(url) for p in self.include):
            return "not-included"
        return trap_reason(url) or self.traps.calendar_reason(url)

    def allows(self, url: str) -> bool:
        return self.rejection(url) is None
