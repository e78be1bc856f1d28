"""Which URLs a crawl may fetch."""

from __future__ import annotations

from urllib.parse import urlsplit


class Scope:
    """Exact hosts (host:port as in the start URLs), http and https only."""

    def __init__(self, hosts: set[str]):
        self.hosts = {h.lower() for h in hosts}

    @classmethod
    def from_seeds(cls, urls: list[str]) -> "Scope":
        return cls({_netloc(u) for u in urls if _netloc(u)})

    def allows(self, url: str) -> bool:
        if not url.startswith(("http://", "https://")):
            return False
        return not self.hosts or _netloc(url) in self.hosts


def _netloc(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != {"http": 80, "https": 443}.get(parts.scheme):
        return f"{host}:{parts.port}"
    return host
