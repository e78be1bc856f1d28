"""HTTP message heads for WARC records: verbatim bytes from the wire where we have them, rebuilt where not.

warcio re-serialises the headers it is given (and %-encodes non-ASCII values); a response record
should instead hold the head exactly as the server sent it, so VerbatimHead carries the raw bytes.
"""

from __future__ import annotations

from http import HTTPStatus
from io import BytesIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser

_CRLF = b"\r\n"


class VerbatimHead(StatusAndHeaders):
    """Parsed headers for lookups, written out as the exact bytes they were parsed from."""

    def __init__(self, raw: bytes, is_http_request: bool = False):
        parsed = StatusAndHeadersParser([], verify=False).parse(BytesIO(raw))
        super().__init__(parsed.statusline, parsed.headers, parsed.protocol, is_http_request=is_http_request)
        self.raw = raw

    def compute_headers_buffer(self, header_filter=None):
        self.headers_buff = self.raw


def split_head(raw: bytes) -> tuple[bytes, list[bytes]]:
    """(status line, header lines) of a raw head; obs-folded continuation lines stay as they are."""
    lines = raw.split(_CRLF)
    while lines and not lines[-1]:
        lines.pop()
    return lines[0], lines[1:]


def join_head(status_line: bytes, header_lines: list[bytes]) -> bytes:
    return _CRLF.join([status_line, *header_lines]) + _CRLF + _CRLF


def dechunked_head(raw: bytes, body_length: int, truncated: bool) -> bytes:
    """Restate framing for a body Twisted has already de-chunked.

    `Transfer-Encoding: chunked` becomes `Content-Length: N` in the same place (nothing, when the
    body was cut short), so the stored headers describe the stored body. Other heads are unchanged.
    """
    status, lines = split_head(raw)
    names = [line.split(b":", 1)[0].strip().lower() for line in lines]
    if b"transfer-encoding" not in names:
        return raw
    has_length = b"content-length" in names
    out = []
    for line, name in zip(lines, names):
        if name != b"transfer-encoding":
            out.append(line)
            continue
        codings = [c.strip() for c in line.split(b":", 1)[1].split(b",") if c.strip()]
        rest = [c for c in codings if c.lower() != b"chunked"]
        if rest:
            out.append(line.split(b":", 1)[0] + b": " + b", ".join(rest))
        elif not has_length and not truncated:
            out.append(b"Content-Length: " + str(body_length).encode())
            has_length = True
    return join_head(status, out)


def rebuilt_response_head(protocol: str, status: int, headers: list[tuple[str, str]]) -> bytes:
    """A response head from what Scrapy kept: its header names and order, a standard reason phrase."""
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    status_line = f"{protocol} {status} {reason}".rstrip()
    return join_head(status_line.encode("latin-1"), [f"{k}: {v}".encode("latin-1") for k, v in headers])


def rebuilt_request_head(method: str, url: str, protocol: str, headers: list[tuple[str, str]]) -> bytes:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    line = f"{method} {target} {protocol}"
    return join_head(line.encode("latin-1"), [f"{k}: {v}".encode("latin-1") for k, v in headers])
