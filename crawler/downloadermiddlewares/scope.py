"""Drop requests outside the spider's scope, redirects included (they are archived, not followed)."""

from __future__ import annotations

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware


class ScopeMiddleware(OffsiteMiddleware):
    """Scrapy's OffsiteMiddleware, with the spider's Scope in place of allowed_domains."""

    def should_follow(self, request, spider) -> bool:
        scope = getattr(spider, "scope", None)
        if scope is None:
            return super().should_follow(request, spider)
        return scope.allows(request.url)
