"""HTTP basic auth for the host users name, written as they write it: "host" or "host:port".

Scrapy compares HTTPAUTH_DOMAIN with the URL's host *and port*, so `domain = "127.0.0.1"` never
matches `http://127.0.0.1:8080/` and credentials are silently not sent. Here "host" matches the
host on any port (and its subdomains, as in Scrapy), "host:port" that port only (443/80 also match
https/http URLs without a port). Credentials configured but never sent get a warning at the end.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.httpauth import HttpAuthMiddleware as ScrapyHttpAuthMiddleware
from scrapy.exceptions import NotConfigured
from w3lib.http import basic_auth_header

from crawler.discovery.scope import netloc_key

logger = logging.getLogger(__name__)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def domain_matches(domain: str, url: str) -> bool:
    """Whether url is on domain ("host": any port, subdomains too; "host:port": that port)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    wanted = urlsplit("//" + domain.strip().lower().rstrip("/").split("://")[-1])
    wanted_host = wanted.hostname or ""
    try:
        wanted_port = wanted.port
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return False
    if wanted_port is not None and wanted_port != port:
        return False
    return bool(wanted_host) and (host == wanted_host or host.endswith("." + wanted_host))


class HttpAuthMiddleware(ScrapyHttpAuthMiddleware):
    def __init__(self, header: bytes, domain: str, stats):
        super().__init__()
        self._auth, self._domain = header, domain
        self.stats = stats
        self.sent = 0
        self.hosts: set[str] = set()  # a few hosts requests went to, for the warning

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        user, password = settings.get("HTTPAUTH_USER") or "", settings.get("HTTPAUTH_PASS") or ""
        if not user and not password:
            raise NotConfigured
        domain = settings.get("HTTPAUTH_DOMAIN")
        if not domain:
            raise NotConfigured("HTTPAUTH_DOMAIN is not set: credentials are sent to no host")
        middleware = cls(basic_auth_header(user, password), str(domain), crawler.stats)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_request(self, request, spider=None):
        if b"Authorization" in request.headers or request.meta.get("http_user") or request.meta.get("http_pass"):
            return super().process_request(request)
        if domain_matches(self._domain, request.url):
            request.headers[b"Authorization"] = self._auth
            self.sent += 1
            self.stats.inc_value("httpauth/sent")
        elif len(self.hosts) < 5:
            self.hosts.add(netloc_key(request.url))
        return None

    def spider_closed(self, spider, reason):
        if not self.sent:
            logger.warning(
                "Credentials for %s were configured but never sent: no request went to that host "
                "(requests went to %s); write [auth] domain as host or host:port",
                self._domain,
                ", ".join(sorted(self.hosts)) or "no host",
            )
