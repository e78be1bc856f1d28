"""Request fingerprints on the canonical URL: tracking parameters and AMP variants do not make a new page."""

from __future__ import annotations

import hashlib
import json

from crawler.web.urls import canonical_url


class CanonicalRequestFingerprinter:
    """Like Scrapy's default (method, w3lib-canonical URL, body), after crawler.web.urls.clean_url.

    The Redis duplicate filter uses it too, so a fleet of workers agrees on what was seen.
    """

    def __init__(self):
        self._cache: dict[tuple[str, str, bytes], bytes] = {}

    def fingerprint(self, request) -> bytes:
        key = (request.method, request.url, request.body or b"")
        fingerprint = self._cache.get(key)
        if fingerprint is None:
            data = {"method": request.method, "url": canonical_url(request.url), "body": (request.body or b"").hex()}
            fingerprint = hashlib.sha1(json.dumps(data, sort_keys=True).encode()).digest()
            if len(self._cache) > 10_000:  # bound memory: the frontier keeps the fingerprints that matter
                self._cache.clear()
            self._cache[key] = fingerprint
        return fingerprint
