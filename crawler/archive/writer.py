"""Rolling gzip WARC files written through warcio.

A file being written is named *.warc.gz.open and renamed when closed, so a closed-looking file
always ends in a complete record. No Scrapy here: the capture middleware hands us plain exchanges.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
# Hop-by-hop framing that Scrapy has already removed from the body we store.
_FRAMING = {"transfer-encoding", "content-length"}


@dataclass
class Exchange:
    """One HTTP request and the response it got, as the downloader saw them."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    response_body: bytes
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None
    captured_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    truncated: str | None = None  # WARC-Truncated reason: length, time, disconnect, unspecified


@dataclass(frozen=True)
class RecordLocation:
    filename: str
    offset: int
    length: int
    record_id: str


def _request_line(exchange: Exchange) -> str:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{exchange.method} {target} {exchange.protocol}"


def _response_headers(exchange: Exchange) -> list[tuple[str, str]]:
    """Headers that describe the stored body: de-chunked, so framing is restated to match."""
    headers = [(k, v) for k, v in exchange.response_headers if k.lower() not in _FRAMING]
    chunked = any(k.lower() == "transfer-encoding" for k, _ in exchange.response_headers)
    had_length = any(k.lower() == "content-length" for k, _ in exchange.response_headers)
    if (had_length or chunked) and not exchange.truncated:
        headers.append(("Content-Length", str(len(exchange.response_body))))
    elif had_length:
        headers += [(k, v) for k, v in exchange.response_headers if k.lower() == "content-length"]
    return headers


class RollingWarcWriter:
    """Append exchanges to PREFIX-TIMESTAMP-SERIAL-HOST.warc.gz files, rolling over at max_size."""

    def __init__(
        self,
        directory: str | os.PathLike,
        prefix: str,
        info: dict[str, str],
        max_size: int = 1024**3,
        gzip: bool = True,
        warc_version: str = "1.1",
        hostname: str | None = None,
    ):
        self.directory = Path(directory)
        self.prefix = prefix
        self.info = info
        self.max_size = max_size
        self.gzip = gzip
        self.warc_version = warc_version
        self.hostname = hostname or socket.gethostname()
        self.serial = 0
        self.files: list[Path] = []  # closed files, in order
        self._file = None
        self._path: Path | None = None
        self._writer: WARCWriter | None = None

    @property
    def extension(self) -> str:
        return ".warc.gz" if self.gzip else ".warc"

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.serial += 1
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]
        name = f"{self.prefix}-{stamp}-{self.serial:05d}-{self.hostname}{self.extension}"
        self._path = self.directory / (name + OPEN_SUFFIX)
        self._file = open(self._path, "xb")
        self._writer = WARCWriter(self._file, gzip=self.gzip, warc_version=self.warc_version)
        self._write(self._writer.create_warcinfo_record(name, self.info))

    def _write(self, record) -> RecordLocation:
        offset = self._file.tell()
        self._writer.write_record(record)
        return RecordLocation(
            filename=self._path.name[: -len(OPEN_SUFFIX)],
            offset=offset,
            length=self._file.tell() - offset,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
        )

    def write_exchange(self, exchange: Exchange) -> RecordLocation:
        """Write a response record and its request record; return where the response went."""
        if self._file is not None and self._file.tell() >= self.max_size:
            self.close()
        if self._file is None:
            self._open()
        writer = self._writer
        date = datetime_to_iso_date(exchange.captured_at.astimezone(timezone.utc).replace(tzinfo=None), use_micros=self.warc_version >= "1.1")
        reason = HTTPStatus(exchange.status).phrase if exchange.status in HTTPStatus._value2member_map_ else ""
        warc_headers = {"WARC-Date": date}
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        if exchange.truncated:
            warc_headers["WARC-Truncated"] = exchange.truncated
        response = writer.create_warc_record(
            exchange.url,
            "response",
            payload=BytesIO(exchange.response_body),
            length=len(exchange.response_body),
            http_headers=StatusAndHeaders(f"{exchange.status} {reason}".strip(), _response_headers(exchange), protocol=exchange.protocol),
            warc_headers_dict=warc_headers,
        )
        request = writer.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=StatusAndHeaders(_request_line(exchange), exchange.request_headers, is_http_request=True),
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        location = self._write(response)
        self._write(request)
        return location

    def close(self) -> None:
        """Flush, fsync and rename the open file to its final name."""
        if self._file is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        final = self._path.with_name(self._path.name[: -len(OPEN_SUFFIX)])
        os.replace(self._path, final)
        self.files.append(final)
        logger.info("Closed WARC file %s (%d bytes)", final, final.stat().st_size)
        self._file = self._writer = self._path = None
