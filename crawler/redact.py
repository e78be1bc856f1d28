"""Keep credentials out of logs: secret values and URL user:password@ are masked in every log record."""

from __future__ import annotations

import logging
import re

MASK = "***"
_USERINFO = re.compile(r"(?<=://)[^/@\s:]+:[^/@\s]*@")


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return _USERINFO.sub(MASK + "@", text)


def install(secrets: list[str]) -> None:
    """Mask secrets in every log record as it is created.

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
