"""The job state of crawler/state.py kept in Redis, shared by every worker of a distributed crawl.

Same interface as JobState (capture, put_capture, digest, add_digest), so incremental runs and
WARC revisit records agree across machines. No Scrapy here.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from crawler.state import Capture, DigestEntry


class RedisJobState:
    def __init__(self, server, job: str):
        self.server = server
        self.captures_key = f"crawler:{job}:captures"
        self.digests_key = f"crawler:{job}:digests"

    def capture(self, url: str) -> Capture | None:
        raw = self.server.hget(self.captures_key, url)
        return Capture(**json.loads(raw)) if raw else None

    def put_capture(self, capture: Capture) -> None:
        self.server.hset(self.captures_key, capture.url, json.dumps(asdict(capture)))

    def digest(self, digest: str) -> DigestEntry | None:
        raw = self.server.hget(self.digests_key, digest)
        return DigestEntry(**json.loads(raw)) if raw else None

    def add_digest(self, entry: DigestEntry) -> bool:
        """Remember the first capture of a digest; False if a worker already did (HSETNX is atomic)."""
        return bool(self.server.hsetnx(self.digests_key, entry.digest, json.dumps(asdict(entry))))

    def close(self) -> None:
        pass

