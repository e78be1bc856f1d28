"""Exchanges a browser made, as Chrome's DevTools protocol reports them, turned into WARC exchanges.

What differs from the HTTP/1.1 download handler's capture (CAPTURE_NOTE says it in warcinfo):

- Response heads are the `headersText` Chromium keeps of HTTP/1.x heads as received (status line,
  names, order and repeats); where it keeps none (HTTP/2 and HTTP/3, some cached or intercepted
  responses) the head is rebuilt from the protocol's header list: its names and order, repeats as
  separate lines, the status text the protocol reports.
- Bodies are the browser's: Chromium undoes Content-Encoding before it exposes a body, so a body
  is stored decoded, and the head restated to describe it: `Content-Encoding: X` becomes
  `X-Archive-Orig-Content-Encoding: X` in place and `Content-Length` states the stored length
  (chunked framing is restated as in a plain crawl). Redirect bodies are not exposed at all.
- Request heads are rebuilt from the headers Chromium reports it sent (cookies included), in its
  order, with a request line of our making.

Pure: dictionaries in the shape of the protocol's Network events in, writer.Exchange out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from crawler.web.page import Page

from .folder import ORIGINAL_ENCODING_HEADER
from .heads import join_head, rebuilt_request_head, rebuilt_response_head, split_head
from .writer import Exchange

CAPTURE_NOTE = (
    "Pages rendered in headless Chromium: every exchange the browser made is recorded from the DevTools "
    "protocol. HTTP/1.x response heads are the status line and headers as Chromium received them "
    "(headersText); HTTP/2 and other heads are rebuilt from the protocol's header list (its names, order, "
    "repeats and status text). Bodies are as the browser exposes them: Content-Encoding undone, so "
    f"Content-Encoding is restated in place as {ORIGINAL_ENCODING_HEADER} and Content-Length as the stored "
    "length; chunked framing is restated as Content-Length; redirect bodies are not exposed and stored empty. "
    "Request heads are rebuilt from the headers Chromium reports it sent. The rendered DOM and a screenshot "
    "of each page are resource records (urn:dom:URL, urn:screenshot:URL) concurrent to its response."
)


def protocol_name(protocol: str | None) -> str:
    """The protocol's 'http/1.1', 'h2', 'h3' as an HTTP version for a status or request line."""
    value = (protocol or "").lower()
    if value in ("h2", "http/2", "http/2.0"):
        return "HTTP/2"
    if value in ("h3", "http/3", "quic"):
        return "HTTP/3"
    if value == "http/1.0":
        return "HTTP/1.0"
    return "HTTP/1.1"


def header_pairs(headers: dict | None) -> list[tuple[str, str]]:
    """The protocol's header object as pairs: repeated headers come joined by newlines."""
    return [(name, part) for name, value in (headers or {}).items() for part in str(value).split("\n")]


def restated_head(raw: bytes, body_length: int) -> bytes:
    """A head describing a body stored decoded: Content-Encoding renamed, Content-Length the stored length."""
    status, lines = split_head(raw)
    out = []
    for line in lines:
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"content-encoding" and value.strip().lower() not in (b"", b"identity"):
            out.append(ORIGINAL_ENCODING_HEADER.encode() + b":" + value)
        elif key == b"content-length":
            out.append(name + b": " + str(body_length).encode())
        else:
            out.append(line)
    return join_head(status, out)


def _latin1(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _request_headers(url: str, sent: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """HTTP/2 pseudo-headers dropped (:authority becomes Host); Host first when Chromium did not report one."""
    authority = next((v for k, v in sent if k.lower() == ":authority"), None)
    headers = [(k, v) for k, v in sent if not k.startswith(":")]
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ("Host", authority or urlsplit(url).netloc))
    return headers


def devtools_exchange(
    request: dict,
    response: dict,
    body: bytes | None,
    *,
    sent_headers: dict | None = None,
    received: dict | None = None,
    captured_at: datetime | None = None,
    max_size: int = 0,
) -> Exchange:
    """One exchange from the protocol's Request and Response objects.

    sent_headers: Network.requestWillBeSentExtraInfo's headers (what went on the wire);
    received: Network.responseReceivedExtraInfo (headersText, headers); body: the decoded body, or
    None when the browser exposed none (redirects); max_size: DOWNLOAD_MAXSIZE.
    """
    url = response.get("url") or request["url"]
    protocol = protocol_name(response.get("protocol"))
    status = int((received or {}).get("statusCode") or response.get("status") or 0)
    truncated = None
    stored = body or b""
    if max_size and len(stored) > max_size:
        stored, truncated = stored[:max_size], "length"
    raw_text = (received or {}).get("headersText")
    if raw_text:
        raw = _latin1(raw_text.replace("\r\n", "\n").replace("\n", "\r\n"))
        if not raw.endswith(b"\r\n\r\n"):
            raw = raw.rstrip(b"\r\n") + b"\r\n\r\n"
    else:
        pairs = header_pairs((received or {}).get("headers") or response.get("headers"))
        raw = rebuilt_response_head(protocol, status, pairs)
        reason = response.get("statusText")
        if reason:
            first, lines = split_head(raw)
            raw = join_head(f"{protocol} {status} {reason}".encode("latin-1", "replace"), lines)
    if body is None and _declared_length(raw) and not truncated:
        truncated = "unspecified"  # the server sent a body the browser does not expose
    head = restated_head(raw, len(stored))
    sent = header_pairs(sent_headers) if sent_headers else header_pairs(request.get("headers"))
    request_headers = _request_headers(url, sent)
    request_body = (request.get("postData") or "").encode("utf-8")
    method = request.get("method") or "GET"
    ip = (response.get("remoteIPAddress") or "").strip("[]") or None
    _, lines = split_head(head)
    return Exchange(
        response=Page(url, stored, tuple(_pair(line) for line in lines), status),
        method=method,
        request_headers=request_headers,
        request_body=request_body,
        protocol=protocol,
        ip_address=ip,
        captured_at=captured_at or datetime.now(UTC),
        truncated=truncated,
        response_head=head,
        request_head=rebuilt_request_head(method, request.get("url") or url, protocol, request_headers),
    )


def _pair(line: bytes) -> tuple[str, str]:
    name, _, value = line.decode("latin-1").partition(":")
    return name.strip(), value.strip()


def _declared_length(raw: bytes) -> int:
    for line in split_head(raw)[1]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return int(value.strip())
            except ValueError:
                return 0
    return 0
