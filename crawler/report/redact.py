"""Keep credentials out of the report: URLs may carry user:password@ in their authority."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# scheme://userinfo@ anywhere in a text; greedy up to the last "@" of the authority,
# because a password may itself contain an unencoded "@".
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s]*@")


def strip_userinfo(url: str) -> str:
    """The URL without user:password@; anything that does not parse goes through redact()."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def host_of(url: str) -> str:
    """host[:port] of a URL, lower-cased, without userinfo; "(no host)" for relative or odd URLs."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return "(invalid URL)"
    return netloc.rpartition("@")[2].lower() or "(no host)"


def redact(text: str) -> str:
    """Any text shown in the report, with the userinfo of the URLs in it removed."""
    return _USERINFO.sub(r"\1", text)
