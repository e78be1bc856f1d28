"""Record every HTTP exchange of a browser page from Chrome's DevTools protocol (the Network domain).

One DevToolsRecorder per page, attached before navigation. Bodies are streamed out of the browser
as they arrive (Network.streamResourceContent): the bytes the network stack delivered, with
Content-Encoding undone but no charset conversion, where Network.getResponseBody would hand text
resources back already decoded to text. Where streaming missed part of a body, getResponseBody
is the fallback and text is encoded back in the charset the resource declares (stat
browser/bodies_reencoded). The exchanges become writer.Exchange objects through
crawler.archive.browser.devtools_exchange.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import contextlib
import logging
import time
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime

from crawler.archive.browser import devtools_exchange
from crawler.archive.writer import Exchange
from crawler.web.charset import declared_encoding

logger = logging.getLogger(__name__)

RECORDERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Playwright page -> its recorder


@dataclass
class _Hop:
    """One request and its response; a redirect chain is several hops of one protocol requestId."""

    request: dict
    wall_time: float  # seconds since the epoch when it was sent
    timestamp: float  # the protocol's monotonic clock, same moment
    document: bool  # a navigation of the page's main frame
    response: dict | None = None
    response_timestamp: float | None = None
    redirected: bool = False


@dataclass
class _Resource:
    hops: list[_Hop] = field(default_factory=list)
    sent: list[dict] = field(default_factory=list)  # requestWillBeSentExtraInfo, one per hop
    received: list[dict] = field(default_factory=list)  # responseReceivedExtraInfo, one per hop
    chunks: list[bytes] = field(default_factory=list)
    streamed: int = 0  # bytes streamed out of the browser
    expected: int = 0  # decoded bytes the browser reported receiving (dataReceived dataLength)
    cut: bool = False  # more than max_size arrived
    body: bytes | None = None
    finished: bool = False
    failed: str | None = None
    reencoded: bool = False
    streaming: asyncio.Future | None = None  # the streamResourceContent call, until it answers


class DevToolsRecorder:
    """The exchanges of one page, in the order their requests were sent."""

    def __init__(self, max_size: int = 0):
        self.max_size = max_size  # DOWNLOAD_MAXSIZE: bodies past it are cut and marked WARC-Truncated: length
        self.session = None
        self.main_frame: str | None = None
        self._resources: dict[str, _Resource] = {}
        self._tasks: set[asyncio.Task] = set()
        self.reencoded = 0  # bodies taken from getResponseBody as text and encoded back
        self.inexact = 0  # ... whose length then differs from what the browser received
        self.from_cache = 0

    async def attach(self, page) -> None:
        """Start recording; call before the page navigates (scrapy-playwright's page init callback)."""
        self.session = session = await page.context.new_cdp_session(page)
        tree = await session.send("Page.getFrameTree")
        self.main_frame = tree["frameTree"]["frame"]["id"]
        session.on("Network.requestWillBeSent", self._request_will_be_sent)
        session.on("Network.requestWillBeSentExtraInfo", self._request_extra)
        session.on("Network.responseReceived", self._response_received)
        session.on("Network.responseReceivedExtraInfo", self._response_extra)
        session.on("Network.dataReceived", self._data_received)
        session.on("Network.loadingFinished", self._loading_finished)
        session.on("Network.loadingFailed", self._loading_failed)
        await session.send("Network.enable", {"maxPostDataSize": 65536})

    # ---- events --------------------------------------------------------------------------

    def _request_will_be_sent(self, event: dict) -> None:
        request = event["request"]
        if not request["url"].startswith(("http://", "https://")):
            return
        request_id = event["requestId"]
        resource = self._resources.get(request_id)
        if resource is None:
            resource = self._resources[request_id] = _Resource()
            resource.streaming = self._spawn(self._stream(request_id))
        elif event.get("redirectResponse") and resource.hops:
            previous = resource.hops[-1]
            previous.response = event["redirectResponse"]
            previous.response_timestamp = event["timestamp"]
            previous.redirected = True
        document = (
            event.get("type") == "Document"
            and event.get("frameId") == self.main_frame
            and request_id == event.get("loaderId")
        )
        resource.hops.append(_Hop(request, event.get("wallTime") or 0.0, event["timestamp"], document))

    def _request_extra(self, event: dict) -> None:
        resource = self._resources.get(event["requestId"])
        if resource is not None:
            resource.sent.append(event.get("headers") or {})

    def _response_extra(self, event: dict) -> None:
        resource = self._resources.get(event["requestId"])
        if resource is not None:
            resource.received.append(event)

    def _response_received(self, event: dict) -> None:
        resource = self._resources.get(event["requestId"])
        if resource is None or not resource.hops:
            return
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromServiceWorker") or response.get("fromPrefetchCache"):
            # Not an exchange with a server; the one that fetched it was recorded where it happened.
            self.from_cache += 1
            self._resources.pop(event["requestId"], None)
            return
        hop = resource.hops[-1]
        hop.response = response
        hop.response_timestamp = event["timestamp"]

    def _data_received(self, event: dict) -> None:
        resource = self._resources.get(event["requestId"])
        if resource is None:
            return
        resource.expected += event.get("dataLength") or 0
        if event.get("data"):
            self._keep(resource, base64.b64decode(event["data"]))

    def _loading_finished(self, event: dict) -> None:
        resource = self._resources.get(event["requestId"])
        if resource is None:
            return
        resource.finished = True
        if resource.cut or (resource.streaming is None and resource.streamed >= resource.expected):
            resource.body = b"".join(resource.chunks)
        else:
            self._spawn(self._finish_body(event["requestId"], resource))

    def _loading_failed(self, event: dict) -> None:
        resource = self._resources.get(event["requestId"])
        if resource is not None:
            resource.failed = event.get("errorText") or "failed"

    # ---- bodies ----------------------------------------------------------------------------

    def _keep(self, resource: _Resource, data: bytes) -> None:
        if resource.cut:
            return
        if self.max_size and resource.streamed + len(data) > self.max_size:
            data = data[: self.max_size - resource.streamed]
            resource.cut = True
        resource.chunks.append(data)
        resource.streamed += len(data)

    async def _stream(self, request_id: str) -> None:
        try:
            result = await self.session.send("Network.streamResourceContent", {"requestId": request_id})
        except Exception as exc:  # finished or gone already: getResponseBody is the fallback
            logger.debug("Cannot stream %s: %s", request_id, exc)
            return
        finally:
            if (resource := self._resources.get(request_id)) is not None:
                resource.streaming = None
        resource = self._resources.get(request_id)
        if resource is not None and result.get("bufferedData") and resource.body is None:
            # What arrived before streaming began comes before what was streamed since.
            later, resource.chunks, resource.streamed, resource.cut = resource.chunks, [], 0, False
            self._keep(resource, base64.b64decode(result["bufferedData"]))
            for chunk in later:
                self._keep(resource, chunk)

    async def _finish_body(self, request_id: str, resource: _Resource) -> None:
        if resource.streaming is not None:
            with contextlib.suppress(Exception):
                await resource.streaming  # what was buffered before streaming began
        if resource.cut or resource.streamed >= resource.expected:
            resource.body = b"".join(resource.chunks)
        else:
            logger.debug("Streamed %d of %d bytes of %s", resource.streamed, resource.expected, request_id)
            await self._fetch_body(request_id, resource)

    async def _fetch_body(self, request_id: str, resource: _Resource) -> None:
        try:
            result = await self.session.send("Network.getResponseBody", {"requestId": request_id})
        except Exception as exc:  # evicted, or the page is gone
            logger.debug("No body for %s: %s", resource.hops[-1].request["url"], exc)
            resource.body = b"".join(resource.chunks)
            resource.failed = resource.failed or "body not available"
            return
        if result.get("base64Encoded"):
            body = base64.b64decode(result["body"])
        else:
            body = _encode_text(result["body"], resource.hops[-1].response or {})
            resource.reencoded = True
            self.reencoded += 1
            if len(body) != resource.expected:
                self.inexact += 1
                logger.warning(
                    "Body of %s archived as re-encoded text of %d bytes; the browser received %d",
                    resource.hops[-1].request["url"],
                    len(body),
                    resource.expected,
                )
        if self.max_size and len(body) > self.max_size:
            body, resource.cut = body[: self.max_size], True
        resource.body = body

    def _spawn(self, coro) -> asyncio.Future:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def ready(self, url: str, timeout: float = 1.0) -> bool:
        """Wait until the request for url is being streamed, so that no byte of its body escapes.

        Called from the page's request interception, before the request is let go; the protocol
        reports the request (requestWillBeSent) before interception pauses it.
        """
        deadline = time.monotonic() + timeout
        while True:
            for resource in self._resources.values():
                if resource.hops and resource.hops[-1].request["url"] == url and resource.streaming is None:
                    return True
            if time.monotonic() >= deadline or self.session is None:
                return False
            await asyncio.sleep(0.005)

    def in_flight(self) -> int:
        return sum(1 for resource in self._resources.values() if not resource.finished and not resource.failed)

    async def quiet(self, quiet: float, timeout: float) -> bool:
        """True once no request has been in flight for `quiet` seconds; False if timeout comes first."""
        deadline = time.monotonic() + timeout
        calm_since = None
        while True:
            now = time.monotonic()
            if self.in_flight() == 0:
                calm_since = calm_since if calm_since is not None else now
                if now - calm_since >= quiet:
                    return True
            else:
                calm_since = None
            if now >= deadline:
                return False
            await asyncio.sleep(0.05)

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait (at most timeout seconds) for bodies still being read, then stop recording."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        await self.detach()

    async def detach(self) -> None:
        session, self.session = self.session, None
        for task in list(self._tasks):
            task.cancel()
        if session is not None:
            with contextlib.suppress(Exception):  # a crashed page's session may never answer
                await asyncio.wait_for(session.detach(), 5)

    # ---- results ---------------------------------------------------------------------------

    def exchanges(self) -> list[tuple[Exchange, bool]]:
        """(exchange, is a main-frame document) for every hop that got a response, in request order."""
        out = []
        for resource in self._resources.values():
            for index, hop in enumerate(resource.hops):
                last = index == len(resource.hops) - 1
                if hop.response is None and last and index < len(resource.received):
                    # Headers arrived (the raw ones are reported at once) but not the parsed response: the
                    # browser was still waiting for body bytes to sniff when the page went away.
                    received = resource.received[index]
                    hop.response = {"url": hop.request["url"], "status": received.get("statusCode") or 0}
                    hop.response["headers"] = received.get("headers") or {}
                if hop.response is None:
                    continue
                if hop.redirected or not last:
                    body, complete = None, True
                else:
                    complete = resource.finished and resource.body is not None and not resource.failed
                    body = resource.body if resource.body is not None else b"".join(resource.chunks)
                moment = hop.wall_time + ((hop.response_timestamp or hop.timestamp) - hop.timestamp)
                exchange = devtools_exchange(
                    hop.request,
                    hop.response,
                    body,
                    sent_headers=resource.sent[index] if index < len(resource.sent) else None,
                    received=_matching(resource.received, index, hop.response),
                    captured_at=datetime.fromtimestamp(moment, UTC) if moment else None,
                    max_size=self.max_size,
                )
                if resource.cut and last:
                    exchange.truncated = "length"
                elif not complete and exchange.truncated is None:
                    exchange.truncated = "unspecified"
                out.append((exchange, hop.document))
        return out


def _matching(received: list[dict], index: int, response: dict) -> dict | None:
    """The hop's responseReceivedExtraInfo: the index-th one, if its status agrees with the response."""
    if index < len(received) and int(received[index].get("statusCode") or 0) == int(response.get("status") or 0):
        return received[index]
    return None


def _c1_bytes(error: UnicodeEncodeError):
    """WHATWG's windows-125x decode bytes they leave undefined as C1 controls: encode those back to their byte."""
    chars = error.object[error.start : error.end]
    if all(0x80 <= ord(c) <= 0x9F for c in chars):
        return bytes(ord(c) for c in chars), error.end
    raise error


codecs.register_error("crawler-c1-bytes", _c1_bytes)


def _encode_text(text: str, response: dict) -> bytes:
    """Text the browser decoded, encoded back in the charset it declares (HTML: also its meta tag)."""
    charset = response.get("charset") or ""
    if not charset and "html" in (response.get("mimeType") or ""):
        charset = declared_encoding(text[:4096].encode("utf-8", "replace")) or ""
    for name in (charset, "utf-8"):
        if not name:
            continue
        with contextlib.suppress(LookupError, UnicodeEncodeError):
            return text.encode(name, "crawler-c1-bytes")
    return text.encode("utf-8", "surrogatepass")
