"""Scrapy's HTTP/1.1 download handler, recording what the WARC needs and Scrapy throws away.

- the request head as written to the socket and the response head as read from it (status line
  with the server's reason phrase, header names, order and repeats, framing headers);
- the first DOWNLOAD_MAXSIZE bytes of a body that is too big (Scrapy discards it; a body whose
  Content-Length announces it is too big is read up to the limit instead of refused unread);
- the part of a body received before the connection dropped or the download timed out.

It also caps the response head (DOWNLOAD_HEADERS_MAXSIZE bytes, DOWNLOAD_HEADERS_MAXCOUNT
lines): Twisted reads header lines for as long as a server sends them, so a server streaming
headers forever would take all memory. Past the cap the fetch fails with ResponseHeadTooLarge.

Scrapy's behaviour towards the rest of the crawl is unchanged: too big still fails with
DownloadCancelledError, data loss with ResponseDataLossError, timeouts with DownloadTimeoutError.
What was received is left in request.meta[WIRE] / request.meta[PARTIAL] for WarcCaptureMiddleware.

It subclasses private classes of Scrapy's handler, taken from crawler.compat (which says which
Scrapy versions they were checked against).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from scrapy import signals
from scrapy.exceptions import ResponseDataLossError
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.web.iweb import UNKNOWN_LENGTH

from crawler import compat

logger = logging.getLogger(__name__)

WIRE = "_warc_wire"  # request.meta key: Wire, set when response headers arrive
PARTIAL = "_warc_partial"  # request.meta key: Partial, set when a body was cut short


@dataclass
class Wire:
    """The exchange as it crossed the socket, up to the end of the response headers."""

    status: int
    protocol: str
    headers: list[tuple[str, str]]  # as Scrapy parsed them (for responses whose head was not recorded)
    response_head: bytes | None
    request_head: bytes | None
    ip_address: str | None = None
    # When the response headers arrived: the capture time (WARC-Date) of the exchange.
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class Partial:
    body: bytes
    reason: str  # WARC-Truncated value: length, disconnect, time
    detail: str = field(default="")


class _Buffer:
    """A transport stand-in that keeps what is written to it."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.parts.append(data)

    def writeSequence(self, data) -> None:
        self.parts.extend(data)


class ResponseHeadTooLarge(Exception):
    """The server sent more header bytes or lines than DOWNLOAD_HEADERS_MAXSIZE / DOWNLOAD_HEADERS_MAXCOUNT."""


class _RecordingParser(compat.LenientHTTPClientParser):
    """Keeps the status line and header lines (line endings as CRLF) on the response object, up to the caps."""

    max_head_size = 256 * 1024  # set from the settings by CapturingHTTP11DownloadHandler
    max_head_lines = 500

    def lineReceived(self, line: bytes) -> None:
        if self.state == compat.PARSER_STATUS:
            self._warc_lines = []
            self._warc_head_size = 0
        lines = self.__dict__.setdefault("_warc_lines", [])
        if self.state in (compat.PARSER_STATUS, compat.PARSER_HEADER):
            self._warc_head_size = self.__dict__.get("_warc_head_size", 0) + len(line) + 2
            if self._warc_head_size > self.max_head_size or len(lines) > self.max_head_lines:
                raise ResponseHeadTooLarge(
                    f"response head larger than {self.max_head_size} bytes or {self.max_head_lines} header lines "
                    "(DOWNLOAD_HEADERS_MAXSIZE, DOWNLOAD_HEADERS_MAXCOUNT)"
                )
        lines.append(line.removesuffix(b"\r"))
        if self.state == compat.PARSER_HEADER and not lines[-1] and self.response is not None:
            self.response._warc_head = b"\r\n".join(lines) + b"\r\n"
        super().lineReceived(line)


class _RecordingProtocol(compat.LenientHTTP11ClientProtocol):
    def request(self, request):
        written = _Buffer()
        # Twisted's connection pool sends the same request object again on a fresh connection when
        # a pooled one turns out closed: wrap the original writer, not our wrapper of the last try
        # (which wrote the head twice on the wire, and into the record).
        write_headers = request.__dict__.setdefault("_warc_write_headers", request._writeHeaders)

        def _writeHeaders(transport, TEorCL):
            write_headers(written, TEorCL)
            transport.writeSequence(written.parts)

        request._writeHeaders = _writeHeaders
        d = super().request(request)
        self._parser.__class__ = _RecordingParser

        def attach(response):
            response._warc_request_head = b"".join(written.parts) or None
            return response

        return d.addCallback(attach)


class _RecordingFactory(compat.LenientHTTP11ClientFactory):
    def buildProtocol(self, addr):
        return _RecordingProtocol(self._quiescentCallback)


class _Reader(compat.ResponseReader):
    """Keeps the first maxsize bytes of a body that is too big, and whatever came before a dropped connection."""

    def dataReceived(self, data: bytes) -> None:
        if self._finished.called:
            return
        if self._maxsize and self._bytes_received + len(data) > self._maxsize:
            kept = self._bodybuf.getvalue() + data[: self._maxsize - self._bytes_received]
            self._request.meta[PARTIAL] = Partial(
                kept, "length", f"body larger than DOWNLOAD_MAXSIZE ({self._maxsize} bytes)"
            )
            logger.warning(
                "Cancelling download of %s: body larger than DOWNLOAD_MAXSIZE (%d bytes); its first %d bytes are archived "
                "as a truncated record",
                self._request.url,
                self._maxsize,
                len(kept),
            )
            self._bodybuf.truncate(0)
            self._finished.cancel()
            return
        super().dataReceived(data)

    def connectionLost(self, reason=None) -> None:
        if not self._finished.called and not reason.check(compat.ResponseDone, compat.PotentialDataLoss):
            self._request.meta[PARTIAL] = Partial(
                self._bodybuf.getvalue(), "disconnect", "connection lost before the body ended"
            )
        super().connectionLost(reason)


class _Agent(compat.ScrapyAgent):
    _reader: _Reader | None = None

    def _cb_bodyready(self, txresponse, request):
        version = txresponse.version
        request.meta[WIRE] = Wire(
            status=int(txresponse.code),
            protocol=f"{version[0].decode()}/{version[1]}.{version[2]}",
            headers=[
                (k.decode("latin-1"), v.decode("latin-1"))
                for k, vs in self._headers_from_twisted_response(txresponse).items()
                for v in vs
            ],
            response_head=getattr(txresponse, "_warc_head", None),
            request_head=getattr(txresponse, "_warc_request_head", None),
            ip_address=str(ip) if (ip := getattr(txresponse, "_scrapy_ip_address", None)) else None,
        )
        if stop_download := compat.check_stop_download(
            signals.headers_received,
            self._crawler,
            request,
            headers=self._headers_from_twisted_response(txresponse),
            body_length=txresponse.length,
        ):
            txresponse._transport.stopProducing()
            txresponse._transport.loseConnection()
            return {"txresponse": txresponse, "stop_download": stop_download}
        if txresponse.length == 0:
            return {
                "txresponse": txresponse,
                "certificate": getattr(txresponse, "_scrapy_certificate", None),
                "ip_address": getattr(txresponse, "_scrapy_ip_address", None),
            }
        maxsize = request.meta.get("download_maxsize", self._maxsize)
        warnsize = request.meta.get("download_warnsize", self._warnsize)
        expected_size = txresponse.length if txresponse.length != UNKNOWN_LENGTH else -1
        fail_on_dataloss = request.meta.get("download_fail_on_dataloss", self._fail_on_dataloss)
        # Unlike Scrapy, a body announced as too big is read up to maxsize, so the archive keeps its start.
        reached_warnsize = bool(warnsize and expected_size > warnsize)
        if reached_warnsize:
            logger.warning(compat.get_warnsize_msg(expected_size, warnsize, request, expected=True))
        d: Deferred = Deferred(partial(self._cancel, txresponse=txresponse))
        self._reader = _Reader(
            finished=d,
            txresponse=txresponse,
            request=request,
            maxsize=maxsize,
            warnsize=warnsize,
            reached_warnsize=reached_warnsize,
            fail_on_dataloss=fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        txresponse.deliverBody(self._reader)
        self._txresponse = txresponse
        return d

    def _cb_timeout(self, result: Any, request, url: str, timeout: float):
        if not self._timeout_cl.active() and self._reader is not None and PARTIAL not in request.meta:
            request.meta[PARTIAL] = Partial(
                self._reader._bodybuf.getvalue(), "time", f"DOWNLOAD_TIMEOUT ({timeout} s) reached"
            )
        return super()._cb_timeout(result, request, url, timeout)


class CapturingHTTP11DownloadHandler(compat.HTTP11DownloadHandler):
    """HTTP11DownloadHandler whose connections record heads and keep cut bodies for the WARC."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self._pool._factory = _RecordingFactory
        settings = crawler.settings
        _RecordingParser.max_head_size = settings.getint("DOWNLOAD_HEADERS_MAXSIZE", 256 * 1024)
        _RecordingParser.max_head_lines = settings.getint("DOWNLOAD_HEADERS_MAXCOUNT", 500)

    async def download_request(self, request):
        request.meta.pop(WIRE, None)
        request.meta.pop(PARTIAL, None)
        agent = _Agent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        try:
            with compat.wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                logger.warning(compat.get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise
