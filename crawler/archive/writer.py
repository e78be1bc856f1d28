"""Rolling gzip WARC files written through warcio.

A file being written is named *.warc.gz.open and renamed when closed, so a closed-looking file
always ends in a complete record. Every record is its own gzip member and is flushed when written,
so a crash loses at most the record being written (see repair.py). A write that fails (a full
disk) is cut off again, so the file still ends in a complete record, and the OSError goes to the
caller. The capture middleware hands us plain exchanges.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import logging
import os
import re
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Protocol

from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter
from zlib_ng import zlib_ng

from crawler.web.page import Page
from crawler.web.redact import CREDENTIAL_HEADERS, mask_header_values

from .appendfile import AppendFile
from .folder import RecordLocation
from .heads import VerbatimHead, dechunked_head, rebuilt_request_head, rebuilt_response_head
from .index import RunIndex
from .repair import OPEN_SUFFIX, repair_open_files

logger = logging.getLogger(__name__)

DIGEST_ALGORITHMS = ("sha1", "sha256")
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/{version}/revisit/server-not-modified"
# A file rolled over stays open this long at most for the metadata records of its responses.
DRAIN_SECONDS = 120.0


@dataclass(frozen=True)
class DigestEntry:
    """The first capture of a payload digest: what a later revisit record refers to."""

    digest: str
    url: str
    date: str  # WARC-Date of the original capture
    filename: str | None = None
    offset: int | None = None
    length: int | None = None  # of the original response record
    record_id: str | None = None  # its WARC-Record-ID, for WARC-Refers-To


@dataclass(frozen=True)
class Written:
    """What write_exchange did: where the fetch's own record went, and the record holding its payload."""

    record: RecordLocation  # the response or revisit record of this fetch
    payload: RecordLocation | None  # the response record with the bytes (an earlier one for a revisit)
    payload_digest: str
    date: str  # WARC-Date
    revisit: bool = False
    bytes_written: int = 0  # both records, as stored
    original: DigestEntry | None = None  # for a revisit: the capture it refers to


@dataclass
class Exchange:
    """One HTTP request and the response it got, as the downloader saw them.

    response_head/request_head are the bytes of the status line and headers as they crossed the
    wire, when the download handler could record them; otherwise the heads are rebuilt from the
    parsed fields (Scrapy's header names and order, a standard reason phrase).
    """

    response: Page  # URL, status, headers and body as received
    method: str = "GET"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes = b""
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None
    captured_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    truncated: str | None = None  # WARC-Truncated reason: length, time, disconnect, unspecified
    response_head: bytes | None = None
    request_head: bytes | None = None
    # For a 304 answer to a conditional request: the earlier capture whose payload it confirms.
    not_modified: DigestEntry | None = None


class DigestIndex(Protocol):
    """Where payload digests are remembered for dedup (the job state implements it)."""

    def digest(self, digest: str) -> DigestEntry | None: ...

    def add_digest(self, entry: DigestEntry) -> bool: ...


def payload_digest(body: bytes, algorithm: str = "sha1") -> str:
    """'sha1:BASE32' as warcio and the field's tools write WARC-Payload-Digest."""
    return f"{algorithm}:{base64.b32encode(hashlib.new(algorithm, body).digest()).decode('ascii')}"


def warc_date(moment: datetime, warc_version: str) -> str:
    return datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=warc_version >= "1.1")


class _Writer(WARCWriter):
    """warcio's writer with a choice of digest algorithm for block and payload digests."""

    # warcio gives metadata records a payload digest equal to the block's; they hold no HTTP
    # message, so no payload (and warcat then checks that digest against a payload it defines
    # otherwise).
    NO_PAYLOAD_DIGEST_TYPES = ("warcinfo", "revisit", "metadata")

    def __init__(self, *args, digest_algorithm: str = "sha1", **kwargs):
        super().__init__(*args, **kwargs)
        self.digest_algorithm = digest_algorithm

    def _create_digester(self):
        return Digester(self.digest_algorithm)

    def _write_warc_record(self, out, record):
        """One gzip member per record, at level 6: warcio uses 9, which costs about twice the time for
        a few percent of size on HTML. Compressed by zlib-ng: the same gzip format and size as zlib's
        at a half of its CPU time (bench pages: 0.46 -> 0.24 ms a record)."""
        if not self.gzip:
            return super()._write_warc_record(out, record)
        buffer = BytesIO()
        self.gzip = False
        try:
            super()._write_warc_record(buffer, record)
        finally:
            self.gzip = True
        compressor = zlib_ng.compressobj(GZIP_LEVEL, zlib_ng.DEFLATED, zlib_ng.MAX_WBITS + 16)
        out.write(compressor.compress(buffer.getbuffer()) + compressor.flush())
        out.flush()


GZIP_LEVEL = 6


@dataclass
class _OpenFile:
    """A file being written: NAME.open on disk, NAME once closed."""

    file: AppendFile
    path: Path
    name: str
    writer: _Writer
    warcinfo_id: str = ""
    # Responses written here whose metadata record may still come: it must go in this file too.
    held: set[str] = field(default_factory=set)
    rolled_at: float | None = None  # when it stopped taking exchanges (monotonic seconds)


_NAME = re.compile(r"^(?P<prefix>.+)-(?P<stamp>\d{14})-(?P<serial>\d{5})-(?P<host>[^/]+?)\.warc(\.gz)?(\.open)?$")


def warc_fields(fields) -> bytes:
    """An application/warc-fields block: one `name: value` line per field, then an empty line.

    The empty line ends the block as it ends a WARC header; without it warcat re-reads the block
    two bytes longer than its Content-Length ("Content block length changed").
    """
    return "".join(f"{name}: {value}\r\n" for name, value in fields if value not in (None, "")).encode() + b"\r\n"


class RollingWarcWriter:
    """Append exchanges to PREFIX-YYYYMMDDhhmmss-SERIAL-HOST.warc.gz files, rolling over at max_size.

    With a digest index, a response whose payload was archived before (in this crawl or an earlier
    one of the same job) is written as a revisit record pointing at that first copy; a 304 answer
    to a conditional request, as a server-not-modified revisit pointing at the capture it confirms.

    A response written with hold=True keeps its file open past a rollover until its metadata
    record is written (write_metadata) or not needed (release), so the two always share a file.
    Request heads are stored with their credentials masked unless keep_credentials. With an index,
    every record written is noted there (its CDXJ line made as it is written).
    """

    def __init__(
        self,
        directory: str | os.PathLike,
        prefix: str,
        info: dict[str, str],
        max_size: int = 1024**3,
        gzip: bool = True,
        warc_version: str = "1.1",
        hostname: str | None = None,
        digest_algorithm: str = "sha1",
        digest_index: DigestIndex | None = None,
        dedup_min_size: int = 1,
        keep_credentials: bool = False,
        index: RunIndex | None = None,
    ):
        if digest_algorithm not in DIGEST_ALGORITHMS:
            raise ValueError(f"WARC digest algorithm must be one of {DIGEST_ALGORITHMS}, not {digest_algorithm!r}")
        if str(warc_version) not in ("1.0", "1.1"):
            raise ValueError(f"WARC version must be 1.0 or 1.1, not {warc_version!r}")
        self.directory = Path(directory)
        self.prefix = re.sub(r"[^A-Za-z0-9._]+", "_", prefix) or "crawl"
        self.info = info
        self.max_size = max_size
        self.gzip = gzip
        self.warc_version = str(warc_version)
        self.hostname = re.sub(r"[^A-Za-z0-9.]+", "_", hostname or socket.gethostname())
        self.digest_algorithm = digest_algorithm
        self.digest_index = digest_index
        self.dedup_min_size = dedup_min_size
        self.keep_credentials = keep_credentials
        self.index = index
        self.files: list[Path] = []  # closed files, in name order
        self.repaired = repair_open_files(self.directory)
        self.serial = self._last_serial()
        self._open_file: _OpenFile | None = None
        self._draining: list[_OpenFile] = []  # rolled over, waiting for their held responses' metadata
        self.metadata_elsewhere = 0  # metadata records that could not join their response's file

    @property
    def extension(self) -> str:
        return ".warc.gz" if self.gzip else ".warc"

    def _last_serial(self) -> int:
        """Serials go on from the files an earlier run left here, so names sort in capture order."""
        serials = [
            int(m["serial"])
            for p in (self.directory.iterdir() if self.directory.is_dir() else ())
            if (m := _NAME.match(p.name)) and m["prefix"] == self.prefix
        ]
        return max(serials, default=0)

    def _open(self) -> _OpenFile:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.serial += 1
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        name = f"{self.prefix}-{stamp}-{self.serial:05d}-{self.hostname}{self.extension}"
        path = self.directory / (name + OPEN_SUFFIX)
        # Locked for as long as we write, so that repair (another worker starting in this folder)
        # leaves it alone; locked under a name repair ignores, then renamed: no unlocked moment.
        hidden = self.directory / f".{name}{OPEN_SUFFIX}.new"
        file = AppendFile(hidden, exclusive=True)  # open until close() or rollover
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.replace(hidden, path)
        writer = _Writer(file, gzip=self.gzip, warc_version=self.warc_version, digest_algorithm=self.digest_algorithm)
        open_file = _OpenFile(file, path, name, writer)
        info = self._warcinfo_record(open_file)
        open_file.warcinfo_id = info.rec_headers.get_header("WARC-Record-ID")
        self._write(open_file, info)
        self._open_file = open_file
        return open_file

    def _warcinfo_record(self, open_file: _OpenFile):
        writer = open_file.writer
        body = warc_fields(self.info.items())
        record = writer.create_warc_record(
            "",
            "warcinfo",
            payload=BytesIO(body),
            length=len(body),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Filename": open_file.name, "WARC-Date": writer.curr_warc_date()},
        )
        return record

    def _ensure_open(self) -> _OpenFile:
        self._close_drained()
        current = self._open_file
        if current is not None and current.file.tell() >= self.max_size:
            self._open_file = None
            if current.held:
                current.rolled_at = time.monotonic()
                self._draining.append(current)
            else:
                self._close_file(current)
        return self._open_file or self._open()

    def _close_drained(self, force: bool = False) -> None:
        """Close rolled-over files whose held responses all got their metadata (or waited too long)."""
        now = time.monotonic()
        for open_file in list(self._draining):
            if force or not open_file.held or now - (open_file.rolled_at or now) > DRAIN_SECONDS:
                self._draining.remove(open_file)
                self._close_file(open_file)

    def _file_holding(self, record_id: str) -> _OpenFile | None:
        for open_file in (self._open_file, *self._draining):
            if open_file is not None and record_id in open_file.held:
                return open_file
        return None

    def _write(self, open_file: _OpenFile, record) -> RecordLocation:
        if open_file.warcinfo_id and record.rec_type != "warcinfo":
            record.rec_headers.add_header("WARC-Warcinfo-ID", open_file.warcinfo_id)
        offset = open_file.file.tell()
        try:
            open_file.writer.write_record(record)
        except OSError:
            self._index_abandoned()
            open_file.file.rollback(offset)  # an uncompressed record is written in pieces
            raise
        try:
            open_file.file.flush()
        except OSError:
            self._index_abandoned()
            raise
        location = RecordLocation(
            filename=open_file.name,
            offset=offset,
            length=open_file.file.tell() - offset,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
        )
        if self.index is not None:
            self.index.add(record, location.filename, location.offset, location.length)
        return location

    def _index_abandoned(self) -> None:
        """A failed write: what the file holds now is for a reading of it to say, not for this run's lines."""
        if self.index is not None:
            self.index.complete = False

    # ---- records ---------------------------------------------------------------------------

    def _response_head(self, exchange: Exchange) -> VerbatimHead:
        response = exchange.response
        raw = exchange.response_head or rebuilt_response_head(
            exchange.protocol, response.status or 0, list(response.headers)
        )
        return VerbatimHead(dechunked_head(raw, len(response.body), bool(exchange.truncated)))

    def _request_head(self, exchange: Exchange) -> VerbatimHead:
        raw = exchange.request_head or rebuilt_request_head(
            exchange.method, exchange.response.url, exchange.protocol, exchange.request_headers
        )
        if not self.keep_credentials:
            raw = mask_header_values(raw, CREDENTIAL_HEADERS)
        return VerbatimHead(raw, is_http_request=True)

    def _digest_index_for(self, exchange: Exchange) -> DigestIndex | None:
        """The digest index, if this exchange takes part in dedup (whole, non-empty payloads)."""
        if exchange.truncated or len(exchange.response.body) < self.dedup_min_size:
            return None
        return self.digest_index

    def _revisit(self, writer: _Writer, exchange: Exchange, original: DigestEntry, profile: str | None, headers):
        if original.record_id:
            headers["WARC-Refers-To"] = original.record_id
        record = writer.create_revisit_record(
            exchange.response.url,
            original.digest,
            original.url,
            original.date,
            http_headers=self._response_head(exchange),
            warc_headers_dict=headers,
        )
        if profile:
            record.rec_headers.replace_header("WARC-Profile", profile)
        return record

    def write_exchange(self, exchange: Exchange, hold: bool = False) -> Written:
        """Write a response (or revisit) record and its request record.

        hold: a metadata record about this response may follow (see the class docstring).
        """
        open_file = self._ensure_open()
        writer = open_file.writer
        digest_index = self._digest_index_for(exchange)
        url, body = exchange.response.url, exchange.response.body
        date = warc_date(exchange.captured_at, self.warc_version)
        digest = payload_digest(body, self.digest_algorithm)
        warc_headers = {"WARC-Date": date}
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        not_modified = exchange.not_modified if exchange.response.status == 304 and not body else None
        original = not_modified or (digest_index.digest(digest) if digest_index is not None else None)
        if not_modified is not None:
            profile = NOT_MODIFIED_PROFILE.format(version=self.warc_version)
            record = self._revisit(writer, exchange, not_modified, profile, dict(warc_headers))
        elif original is not None:
            record = self._revisit(writer, exchange, original, None, dict(warc_headers))
        else:
            if exchange.truncated:
                warc_headers["WARC-Truncated"] = exchange.truncated
            warc_headers["WARC-Payload-Digest"] = digest
            record = writer.create_warc_record(
                url,
                "response",
                payload=BytesIO(body),
                length=len(body),
                http_headers=self._response_head(exchange),
                warc_headers_dict=dict(warc_headers),
            )
        request_headers = {"WARC-Date": date, "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID")}
        if exchange.ip_address:
            request_headers["WARC-IP-Address"] = exchange.ip_address
        request = writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=self._request_head(exchange),
            warc_headers_dict=request_headers,
        )
        location = self._write(open_file, record)
        size = location.length + self._write(open_file, request).length
        if hold:
            open_file.held.add(location.record_id)
        if original is not None:
            payload = None
            if original.filename and original.offset is not None and original.length and original.record_id:
                payload = RecordLocation(original.filename, original.offset, original.length, original.record_id)
            return Written(location, payload, original.digest, date, True, size, original)
        if digest_index is not None:
            entry = DigestEntry(
                digest, url, date, location.filename, location.offset, location.length, location.record_id
            )
            digest_index.add_digest(entry)
        return Written(location, location, digest, date, bytes_written=size)

    def write_metadata(
        self, url: str, concurrent_to: str, fields: list[tuple[str, str]], date: str | None = None
    ) -> RecordLocation:
        """A metadata record (application/warc-fields) about the capture concurrent_to, in that capture's file."""
        open_file = self._file_holding(concurrent_to)
        if open_file is None:
            open_file = self._ensure_open()
            self.metadata_elsewhere += 1
            logger.debug("Metadata record for %s written outside its response's file", url)
        body = warc_fields(fields)
        record = open_file.writer.create_warc_record(
            url,
            "metadata",
            payload=BytesIO(body),
            length=len(body),
            warc_content_type="application/warc-fields",
            warc_headers_dict={
                "WARC-Date": date or open_file.writer.curr_warc_date(),
                "WARC-Concurrent-To": concurrent_to,
            },
        )
        location = self._write(open_file, record)
        self.release(concurrent_to)
        return location

    def write_resource(
        self, uri: str, content_type: str, body: bytes, concurrent_to: str | None = None, date: str | None = None
    ) -> RecordLocation:
        """A resource record: something the crawler made of a capture (a screenshot, a rendered DOM)."""
        open_file = self._ensure_open()
        warc_headers = {"WARC-Date": date or open_file.writer.curr_warc_date()}
        if concurrent_to:
            warc_headers["WARC-Concurrent-To"] = concurrent_to
        warc_headers["WARC-Payload-Digest"] = payload_digest(body, self.digest_algorithm)
        record = open_file.writer.create_warc_record(
            uri,
            "resource",
            payload=BytesIO(body),
            length=len(body),
            warc_content_type=content_type,
            warc_headers_dict=warc_headers,
        )
        return self._write(open_file, record)

    def sync(self) -> None:
        """fsync the files being written (a checkpoint: what is written so far survives a power cut)."""
        for open_file in (self._open_file, *self._draining):
            if open_file is not None:
                os.fsync(open_file.file.fileno())

    def release(self, record_id: str) -> None:
        """No (more) metadata will come for this response: its file may close."""
        open_file = self._file_holding(record_id)
        if open_file is not None:
            open_file.held.discard(record_id)
            if open_file is not self._open_file:
                self._close_drained()

    def _close_file(self, open_file: _OpenFile) -> None:
        """Flush, fsync and rename a file to its final name."""
        open_file.file.flush()
        os.fsync(open_file.file.fileno())
        open_file.file.close()
        final = open_file.path.with_name(open_file.name)
        os.replace(open_file.path, final)
        self.files.append(final)
        self.files.sort(key=lambda p: p.name)
        logger.info("Closed WARC file %s (%d bytes)", final, final.stat().st_size)

    def close(self) -> None:
        """Close every open file."""
        self._close_drained(force=True)
        open_file, self._open_file = self._open_file, None
        if open_file is not None:
            self._close_file(open_file)
