"""Incremental runs: ask servers only for what changed since the job's last capture of a URL."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime

from scrapy.exceptions import NotConfigured

from crawler.extensions.jobstate import job_state
from crawler.jobs.state import Capture, JobState, RedisJobState
from crawler.signals import request_done, write_failed


class IncrementalMiddleware:
    """Adds If-None-Match / If-Modified-Since from earlier runs and marks unchanged pages.

    Only pages that were articles last time get conditional requests; hubs (listings, home) are
    fetched in full because their links lead to what is new. `request.meta["unchanged"]` is set
    for a 304 answer, or a 200 whose decoded body has the digest stored last time; the spider then
    writes no record. Placed after HttpCompressionMiddleware in
    the response path (priority 585) so the digest does not depend on gzip's bytes. The capture is
    committed on `request_done`, after the page's record is written, so a crash never marks a page
    unchanged whose record was lost. A capture remembers the WARC record holding its payload, which
    the revisit record of a later 304 refers to (previous_capture, read by WarcCaptureMiddleware).
    """

    def __init__(self, state: JobState | RedisJobState, stats, signals=None):
        self.state = state
        self.stats = stats
        self.signals = signals  # to report a capture that could not be written

    @classmethod
    def from_crawler(cls, crawler):
        state = job_state(crawler)
        if not crawler.settings.getbool("INCREMENTAL_ENABLED") or state is None:
            raise NotConfigured
        middleware = cls(state, crawler.stats, crawler.signals)
        crawler.signals.connect(middleware.request_done, signal=request_done)
        return middleware

    def process_request(self, request, spider=None):
        if request.method != "GET" or request.meta.get("dont_obey_robotstxt"):
            return None
        previous = self.state.capture(request.url)
        if previous is None:
            return None
        request.meta["previous_capture"] = previous
        # Listings and other hubs are fetched in full: their links lead to what is new.
        if not previous.article:
            return None
        if previous.etag:
            request.headers.setdefault("If-None-Match", previous.etag)
        if previous.last_modified:
            request.headers.setdefault("If-Modified-Since", previous.last_modified)
        return None

    def process_response(self, request, response, spider=None):
        previous: Capture | None = request.meta.get("previous_capture")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        if response.status == 304 and previous is not None:
            request.meta["unchanged"] = True
            request.meta["capture"] = replace(previous, fetched_at=now)
            self.stats.inc_value("incremental/not_modified")
            # Only former articles get conditional requests: this one is an unchanged article.
            self.stats.inc_value("articles/unchanged")
        elif response.status == 200 and request.url == response.url:
            digest = "sha1:" + hashlib.sha1(response.body).hexdigest()
            if previous is not None and previous.content_digest == digest:
                request.meta["unchanged"] = True
                self.stats.inc_value("incremental/unchanged")
            else:
                self.stats.inc_value("incremental/changed" if previous is not None else "incremental/new")
            request.meta["capture"] = Capture(
                request.url,
                now,
                response.status,
                _header(response, b"ETag"),
                _header(response, b"Last-Modified"),
                digest,
                # Set by WarcCaptureMiddleware: where this payload is archived, for a later 304's revisit.
                payload=request.meta.get("warc_payload"),
            )
        return response

    def request_done(self, request):
        capture = request.meta.get("capture")
        if capture is not None:
            if "article" in request.meta:  # set by the spider once it has looked at the page
                capture = replace(capture, article=request.meta["article"])
            try:
                self.state.put_capture(capture)
            except sqlite3.Error as exc:
                if self.signals is None:
                    raise
                self.signals.send_catch_log(write_failed, what=getattr(self.state, "path", "the job state"), error=exc)


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
