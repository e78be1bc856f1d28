"""Drop requests outside the spider's scope, redirects included (they are archived, not followed)."""

from __future__ import annotations

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware

from crawler.downloadermiddlewares.limits import is_robots_request


class ScopeMiddleware(OffsiteMiddleware):
    """Scrapy's OffsiteMiddleware, with the spider's Scope in place of allowed_domains."""

    def should_follow(self, request, spider) -> bool:
        if is_robots_request(request):
            return True  # asked for a host the crawl fetches from (a CDN's requisites), to obey it there
        scope = getattr(spider, "scope", None)
        if scope is None:
            return super().should_follow(request, spider)
        return scope.allows(request.url)
