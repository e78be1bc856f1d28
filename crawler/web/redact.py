"""Keep credentials out of everything we print: logs, stats, summaries, reports.

`redact` masks known secret values and the userinfo of every URL in a text (`user:pass@`, and a
bare `token@` too); `strip_userinfo` removes it from one URL that is kept for use.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
# scheme://userinfo@ anywhere in a text; greedy up to the last "@" of the authority, because a
# password may itself hold an unencoded "@".
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s@]*(?:@[^/?#\s@]*)*@")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """text with each secret value and the userinfo of its URLs replaced by ***."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _USERINFO.sub(rf"\1{MASK}@", text)


def strip_userinfo(url: str) -> str:
    """The URL without user:password@ (or token@); text that does not parse as a URL is redacted."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def install(secrets: Iterable[str]) -> None:
    """Redact every log record as it is created.

    A record factory rather than a handler filter: Scrapy replaces its root handler while a crawl
    starts, and a filter on the old handler would be lost with it.
    """
    secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
    make_record = logging.getLogRecordFactory()

    def redacting_factory(*args, **kwargs):
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's problem to report
            return record
        cleaned = redact(message, secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info), secrets)
        return record

    logging.setLogRecordFactory(redacting_factory)


# Request headers whose values are credentials: masked in archived request heads unless a job keeps them.
CREDENTIAL_HEADERS = ("authorization", "proxy-authorization", "cookie")


def mask_header_values(head: bytes, names: Iterable[str] = CREDENTIAL_HEADERS) -> bytes:
    """An HTTP head with the values of the named headers replaced by ***; names, order and framing kept.

    Obs-folded continuation lines of a masked header are dropped with its value.
    """
    wanted = {n.lower().encode("latin-1") for n in names}
    lines = head.split(b"\r\n")
    out = [lines[0]]
    masking = False
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t") and line.strip():
            if not masking:
                out.append(line)
            continue
        name, colon, _ = line.partition(b":")
        masking = bool(colon) and name.strip().lower() in wanted
        out.append(name + b": " + MASK.encode() if masking else line)
    return b"\r\n".join(out)
