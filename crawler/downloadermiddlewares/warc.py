"""Archive every HTTP exchange the downloader makes, before Scrapy decodes or follows it."""

from __future__ import annotations

import logging
import socket
import sqlite3
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import version

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached

import crawler
from crawler.archive.browser import CAPTURE_NOTE as BROWSER_CAPTURE_NOTE
from crawler.archive.index import RunIndex
from crawler.archive.writer import DigestEntry, Exchange, RollingWarcWriter
from crawler.downloader.http11 import PARTIAL, WIRE, Partial, Wire
from crawler.extensions.jobstate import job_state
from crawler.jobs.paths import job_output_dir
from crawler.signals import checkpoint, request_done, warc_files_closed, write_failed
from crawler.web.page import Page
from crawler.web.redact import CREDENTIAL_HEADERS

logger = logging.getLogger(__name__)


class NotArchived(IgnoreRequest):
    """The exchange could not be written (a full disk): the request is dropped, and is no answer."""


# Settings that shape what a crawl fetches, recorded in every warcinfo record.
_SHAPING_SETTINGS = (
    "USER_AGENT",
    "ROBOTSTXT_OBEY",
    "DEPTH_LIMIT",
    "DOWNLOAD_MAXSIZE",
    "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_DELAY",
    "AUTOTHROTTLE_ENABLED",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "RETRY_TIMES",
    "CLOSESPIDER_PAGECOUNT",
    "CLOSESPIDER_ITEMCOUNT",
    "CLOSESPIDER_TIMEOUT",
    "CLOSESPIDER_ERRORCOUNT",
    "HTTPCACHE_ENABLED",
    "COOKIES_ENABLED",
)
_CAPTURE_NOTE = (
    "HTTP/1.x status lines, headers and request heads are copied from the socket (line endings as CRLF). "
    "Bodies are stored as received, Content-Encoding included, but without chunked framing: "
    "Transfer-Encoding: chunked is restated in place as Content-Length. "
    "Exchanges through other download handlers (cache misses over HTTP/2, ...) have heads rebuilt from "
    "Scrapy's parsed headers: names case-normalised, repeated headers grouped, standard reason phrases. "
    "Responses served from Scrapy's HTTP cache are not archived again."
)


def _header_pairs(headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, values in headers.items() for value in values]


def _scope_description(spider) -> str:
    scope = getattr(spider, "scope", None)
    if scope is None:
        return ""
    parts = [f"hosts={','.join(sorted(getattr(scope, 'hosts', ()) or ()))}"]
    if getattr(scope, "subdomains", False):
        parts.append("subdomains=yes")
    for name in ("include", "exclude"):
        patterns = [getattr(p, "pattern", str(p)) for p in getattr(scope, name, ()) or ()]
        if patterns:
            parts.append(f"{name}={' '.join(patterns)}")
    return "; ".join(parts)


def warcinfo(settings, spider=None) -> dict[str, str]:
    """What made and shaped the crawl, for the warcinfo record at the start of every file."""
    warc_version = str(settings.get("WARC_VERSION") or "1.1")
    info = {
        "software": f"crawler/{crawler.__version__} (Scrapy/{scrapy.__version__}; warcio/{version('warcio')})",
        "format": f"WARC File Format {warc_version}",
        "conformsTo": f"https://iipc.github.io/warc-specifications/specifications/warc-format/warc-{warc_version}/",
        "hostname": socket.gethostname(),
        "isPartOf": settings.get("JOB_NAME") or "",
        "operator": settings.get("JOB_OPERATOR") or "",
        "description": settings.get("JOB_DESCRIPTION") or "",
        "http-header-user-agent": settings.get("USER_AGENT") or "",
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "seeds": " ".join(getattr(spider, "start_urls", None) or []),
        "scope": _scope_description(spider),
        "digest-algorithm": settings.get("WARC_DIGEST_ALGORITHM") or "sha1",
        "deduplication": "revisit records (identical-payload-digest) across all runs of this job"
        if settings.getbool("WARC_DEDUP")
        else "none",
        "capture": _CAPTURE_NOTE,
        "http-request-credentials": "kept as sent"
        if settings.getbool("WARC_KEEP_CREDENTIALS")
        else f"masked: the values of {', '.join(h.title() for h in CREDENTIAL_HEADERS)} request headers "
        "are replaced by ***",
    }
    prefixes: tuple[str, ...] = ("SCOPE_", "LIMIT_", "DATE_")
    if settings.getbool("BROWSER_ENABLED") or settings.getlist("BROWSER_URL_PATTERNS"):
        info["capture-browser"] = BROWSER_CAPTURE_NOTE
        prefixes += ("BROWSER_",)
    for name in sorted(set(_SHAPING_SETTINGS) | {k for k in settings.attributes if k.startswith(prefixes)}):
        value = settings.get(name)
        if value not in (None, "", [], {}):
            info[f"crawler-setting-{name}"] = str(value)
    return info


class WarcCaptureMiddleware:
    """Downloader middleware placed next to the downloader (priority 950).

    It sees raw responses: still Content-Encoded, before redirects and retries are handled,
    robots.txt included. With crawler.downloader.http11.CapturingHTTP11DownloadHandler as the
    http(s) handler it also gets the heads as sent and received, and bodies cut short by
    DOWNLOAD_MAXSIZE, a dropped connection or a timeout (archived with WARC-Truncated).
    """

    def __init__(self, writer: RollingWarcWriter, stats, signals=None, metadata: bool = False):
        self.writer = writer
        self.stats = stats
        self.signals = signals  # sends warc_files_closed when the last file is closed
        self.metadata = metadata  # pages may get a metadata record, which must share their file
        for repair in writer.repaired:
            stats.inc_value("warc/repaired_files")
            stats.inc_value("warc/repaired_bytes_cut", repair.cut)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED"):
            raise NotConfigured
        writer = RollingWarcWriter(
            job_output_dir(settings),
            prefix=settings.get("WARC_PREFIX") or settings.get("JOB_NAME") or "crawl",
            info=warcinfo(settings, crawler.spider),
            max_size=settings.getint("WARC_MAX_SIZE"),
            gzip=settings.getbool("WARC_GZIP", True),
            warc_version=str(settings.get("WARC_VERSION") or "1.1"),
            digest_algorithm=settings.get("WARC_DIGEST_ALGORITHM") or "sha1",
            # The job's state, in Redis for a distributed crawl, so revisits work across the fleet.
            digest_index=job_state(crawler) if settings.getbool("WARC_DEDUP") else None,
            dedup_min_size=settings.getint("WARC_DEDUP_MIN_SIZE", 1),
            hostname=settings.get("WORKER_ID"),  # host-pid for a worker of a distributed crawl
            keep_credentials=settings.getbool("WARC_KEEP_CREDENTIALS"),
            # The CDXJ lines of this run's records, made as they are written (crawler.extensions.warc_index).
            index=RunIndex(job_output_dir(settings)) if settings.getbool("WARC_CDXJ_ENABLED") else None,
        )
        middleware = cls(writer, crawler.stats, crawler.signals, settings.getbool("WARC_METADATA_ENABLED"))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(middleware.request_done, signal=request_done)
        crawler.signals.connect(middleware.checkpoint, signal=checkpoint)
        return middleware

    # ---- responses -------------------------------------------------------------------------

    def process_response(self, request, response):
        wire: Wire | None = request.meta.pop(WIRE, None)
        partial: Partial | None = request.meta.pop(PARTIAL, None)
        if "cached" in response.flags:
            self.stats.inc_value("warc/cache_hits_not_archived")
            return response
        if "archived" in response.flags:  # archived where it was made (browser mode: the rendered DOM)
            return response
        page = Page(response.url, response.body, _header_pairs(response.headers), response.status)
        ip_address = str(response.ip_address) if response.ip_address else None
        truncated = partial.reason if partial and "dataloss" in response.flags else None
        exchange = self._exchange(request, page, wire, response.protocol or "HTTP/1.1", ip_address, truncated)
        if response.status == 304:
            exchange.not_modified = _earlier_payload(request)
        self._archive(request, exchange, hold=self.metadata and _may_be_page(response))
        return response

    def process_exception(self, request, exception):
        wire: Wire | None = request.meta.pop(WIRE, None)
        partial: Partial | None = request.meta.pop(PARTIAL, None)
        if isinstance(exception, IgnoreRequest):
            return None  # a decision (robots.txt, scope), not a failed fetch
        if wire is None or partial is None:
            self.stats.inc_value("warc/failed_fetches")
            self.stats.inc_value(f"warc/failed_fetches/{type(exception).__name__}")
            # Every attempt, retries included; FetchOutcomeMiddleware warns once about final failures.
            logger.debug(
                "Fetch failed, nothing to archive: %s (%s: %s)", request.url, type(exception).__name__, exception
            )
            return None
        page = Page(request.url, partial.body, wire.headers, wire.status)
        self._archive(request, self._exchange(request, page, wire, wire.protocol, wire.ip_address, partial.reason))
        logger.warning(
            "Archived %d bytes of %s as a truncated record (WARC-Truncated: %s; %s)",
            len(partial.body),
            request.url,
            partial.reason,
            partial.detail,
        )
        return None

    def _exchange(
        self, request, page: Page, wire: Wire | None, protocol: str, ip_address: str | None, truncated: str | None
    ) -> Exchange:
        return Exchange(
            response=page,
            method=request.method,
            request_headers=self._request_headers(request),
            request_body=request.body,
            protocol=protocol,
            ip_address=ip_address,
            captured_at=wire.received_at if wire else datetime.now(UTC),
            truncated=truncated,
            response_head=wire.response_head if wire else None,
            request_head=wire.request_head if wire else None,
        )

    def _write_failed(self, error: Exception) -> None:
        """A full disk (or a broken job state): the crawl stops; the file still ends in a whole record."""
        if self.signals is None:
            raise error
        self.signals.send_catch_log(write_failed, what=f"the WARC file in {self.writer.directory}", error=error)

    def _archive(self, request, exchange: Exchange, hold: bool = False) -> None:
        try:
            written = self.writer.write_exchange(exchange, hold=hold)
        except (OSError, sqlite3.Error) as exc:
            self._write_failed(exc)
            # Not archived, so not processed either: its record would point at no WARC record.
            raise NotArchived(f"not archived ({exc})") from None
        payload = written.payload or written.record
        warc = asdict(payload)
        if written.revisit:
            warc["revisit"] = asdict(written.record)
        request.meta["warc"] = warc
        # The capture holding this fetch's payload, for a later 304 to refer to (incremental runs).
        request.meta["warc_payload"] = written.original or DigestEntry(
            written.payload_digest,
            request.url,
            written.date,
            payload.filename,
            payload.offset,
            payload.length,
            payload.record_id,
        )
        request.meta["warc_record_id"] = written.record.record_id  # this fetch's own record
        request.meta["warc_date"] = written.date
        request.meta["fetched_at"] = exchange.captured_at.isoformat(timespec="seconds")
        count_written(self.stats, exchange, written)

    @staticmethod
    def _request_headers(request) -> list[tuple[str, str]]:
        """The request's headers for a rebuilt request head: the HTTP client adds Host itself."""
        headers = [("Host", urlparse_cached(request).netloc)]
        headers += [(k, v) for k, v in _header_pairs(request.headers) if k.lower() != "host"]
        if request.body:
            headers.append(("Content-Length", str(len(request.body))))
        return headers

    # ---- metadata and closing --------------------------------------------------------------

    def write_metadata(self, url: str, concurrent_to: str, fields: list[tuple[str, str]], date: str | None = None):
        try:
            location = self.writer.write_metadata(url, concurrent_to, fields, date)
        except OSError as exc:
            self._write_failed(exc)
            return None
        self.stats.inc_value("warc/metadata_records")
        self.stats.inc_value("warc/bytes", location.length)
        return location

    def request_done(self, request):
        record_id = request.meta.get("warc_record_id")
        if record_id:
            self.writer.release(record_id)

    def checkpoint(self) -> None:
        self.writer.sync()

    def spider_closed(self, spider):
        if self.writer.metadata_elsewhere:
            self.stats.set_value("warc/metadata_records_in_another_file", self.writer.metadata_elsewhere)
        try:
            self.writer.close()
        except OSError as exc:
            self._write_failed(exc)
        self.stats.set_value("warc/files", [str(p) for p in self.writer.files])
        if self.signals is not None:
            self.signals.send_catch_log(warc_files_closed, warc_files=list(self.writer.files), index=self.writer.index)
        if self.writer.index is not None:
            self.writer.index.close()


def count_written(stats, exchange: Exchange, written) -> None:
    """The warc/ stats of one archived exchange (a response and its request), for every capture path."""
    stats.inc_value("warc/records", 2)
    stats.inc_value("warc/bytes", written.bytes_written)
    if exchange.not_modified is not None and written.revisit:
        stats.inc_value("warc/revisits")
        stats.inc_value("warc/revisits/server_not_modified")
    elif written.revisit:
        stats.inc_value("warc/revisits")
        stats.inc_value("warc/dedup_payload_bytes_saved", len(exchange.response.body))
    else:
        stats.inc_value("warc/responses")
    if exchange.truncated:
        stats.inc_value("warc/truncated")
    if exchange.response_head is None:
        stats.inc_value("warc/heads_rebuilt")


def _earlier_payload(request) -> DigestEntry | None:
    """For a 304: the capture holding the payload it confirms (IncrementalMiddleware's previous_capture)."""
    previous = request.meta.get("previous_capture")
    return getattr(previous, "payload", None)


def _may_be_page(response) -> bool:
    """A response the spider may parse as a page (and so give a metadata record): 2xx, HTML or untyped."""
    content_type = response.headers.get(b"Content-Type", b"").lower()
    return 200 <= response.status < 300 and (not content_type or b"html" in content_type)
