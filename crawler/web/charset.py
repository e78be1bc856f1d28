"""An HTML page's bytes as text: BOM, HTTP charset, bytes that are valid UTF-8, <meta> charset, then detection;
never raises."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

# WHATWG: labels that browsers map to a superset encoding.
_SUPERSETS = {
    "ascii": "cp1252",
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",
    "iso8859_9": "cp1254",
    "iso8859_11": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
}


def _normalize(label: str | None) -> str | None:
    if not label:
        return None
    name = resolve_encoding(label)
    if not name:
        return None
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return None
    return _SUPERSETS.get(name.replace("-", "_"), name)


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # A page cut inside a multi-byte character is still UTF-8.
        return exc.start >= len(body) - 3 and exc.reason == "unexpected end of data"


def _has_utf8_text(body: bytes) -> bool:
    """Valid UTF-8 with at least one multi-byte character (a cut at the very end allowed)."""
    try:
        body.decode("utf-8")
        return not body.isascii()
    except UnicodeDecodeError as exc:
        return exc.start >= len(body) - 3 and exc.reason == "unexpected end of data" and not body[: exc.start].isascii()


def _detect(body: bytes) -> str:
    head = body[:2000]
    if head.count(b"\x00") > len(head) // 4:
        # ASCII markup in UTF-16 without a BOM: every other byte is zero.
        return "utf-16-le" if head[1::2].count(b"\x00") > head[::2].count(b"\x00") else "utf-16-be"
    if _is_utf8(body):
        return "utf-8"
    best = from_bytes(body[:200_000]).best()
    return (_normalize(best.encoding) if best is not None else None) or "cp1252"


def declared_encoding(body: bytes, content_type: str | None = None) -> str | None:
    """The encoding to read the page in before sniffing: BOM, HTTP header, then <meta>; but bytes that are
    valid UTF-8 (and not plain ASCII) are UTF-8 whatever a <meta> says: a page saved or served as UTF-8
    under a template's stale <meta charset=GB2312> is UTF-8, while text in any legacy encoding almost
    never happens to be valid UTF-8."""
    bom, _ = read_bom(body)
    if bom:
        return _normalize(bom)
    http = _normalize(http_content_type_encoding(content_type or ""))
    if http:
        return http
    meta = _normalize(html_body_declared_encoding(body))
    # A <meta> readable as ASCII cannot be UTF-16 (WHATWG: treat it as UTF-8).
    if meta and meta.startswith("utf-16"):
        return "utf-8"
    if meta != "utf-8" and _has_utf8_text(body):
        return "utf-8"
    return meta


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return (text, encoding name). Undecodable bytes become U+FFFD."""
    encoding = declared_encoding(body, content_type) or _detect(body)
    bom, bom_bytes = read_bom(body)
    if bom and bom_bytes and _normalize(bom) == encoding:
        body = body[len(bom_bytes) :]
    if not encoding.startswith(("utf-16", "utf-32")):
        # In ASCII-compatible encodings these bytes are only ever control characters; deleting
        # bytes is much faster than a regex over the decoded text.
        body = body.translate(None, _CONTROL_BYTES)
    try:
        text = body.decode(encoding, errors="replace")
    except LookupError:
        encoding = "utf-8"
        text = body.decode(encoding, errors="replace")
    return clean_controls(text) if encoding.startswith(("utf-16", "utf-32")) else text, encoding


_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_controls(text: str) -> str:
    """Remove C0 control characters, which no HTML text may hold and lxml rejects."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text
