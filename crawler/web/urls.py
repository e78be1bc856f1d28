"""URL clean-up and resolution shared by discovery, scope, extraction, fingerprints and record keys (w3lib underneath)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Parameters that only tell a site where a click came from.
TRACKING_PARAMS = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|yclid|igshid|_hsenc|_hsmi|"
    r"mkt_tok|oly_anon_id|oly_enc_id|vero_id|wt_mc|wt\.mc_id|ref_src|ref_url|cmpid|s_cid|icid|_ga|_gl|"
    r"share|spm|ocid|ncid|sr_share|at_medium|at_campaign|at_custom\d)$",
    re.I,
)
_AMP_QUERY = {"amp", "outputtype", "output_type"}
_AMP_PATH = re.compile(r"(?:/amp/?|\.amp(?:\.html?)?)$", re.I)
# Answers for hrefs with a scheme and a host, by (scheme of the base, href as written): those depend on
# the base only through its scheme (urljoin returns the href, re-assembled when the schemes are equal),
# and a site's menus, sidebars and footers repeat on every page; resolving them was a tenth of a
# worker's time on link-heavy pages. Hrefs of up to _RESOLVED_LENGTH characters only: 8192 of them and
# their answers are 16 MB at most, a few MB as templates are.
_RESOLVED: dict[tuple[str, str], str] = {}
_RESOLVED_MAX = 8192
_RESOLVED_LENGTH = 1024
# netloc_key's answers are remembered by a URL's "scheme://authority" as written, which is all
# urlsplit reads them from: scope, politeness and the frontier ask for the key of every URL, several
# times, and a crawl's URLs share a few hosts. The authority ends at the first / ? or #, as
# urlsplit's does; one followed by a tab or line break (which urlsplit deletes before it splits),
# or longer than _ORIGIN_LENGTH, is not remembered.
_ORIGIN = re.compile(r"https?://[^/?#\t\r\n]*")
_REMOVED_BY_URLSPLIT = ("\t", "\r", "\n")
_ORIGINS = 4096
_ORIGIN_LENGTH = 300
# Characters: a longer href is no link a server takes (most refuse a request line past 8 KB), and
# urllib's own cache of split URLs (128 of them) would keep megabyte-long ones of hostile pages.
LONGEST_LINK = 16_384


def absolute_url(base: str, href: str | None) -> str | None:
    """href resolved against base, without its #fragment; None for empty, fragment-only, data: and
    other non-web references, and for one longer than LONGEST_LINK."""
    if not href or len(href) > LONGEST_LINK:
        return None
    # Only answers for http and https bases are remembered (an uppercase or other base is resolved every time).
    scheme = "https" if base.startswith("https:") else "http" if base.startswith("http:") else ""
    key = (scheme, href)
    url = _RESOLVED.get(key)
    if url is not None:
        return url
    target = href.strip()
    if not target or target.startswith("#"):
        return None
    target = target.split("#", 1)[0]  # the fragment is dropped anyway
    try:
        url = urljoin(base, target)
    except ValueError:
        return None
    if not url.startswith(("http://", "https://")):
        return None
    url = url.split("#", 1)[0]
    start = 8 if target.startswith("https://") else 7 if target.startswith("http://") else 0
    # Remembered: an href with a host (not relative), not too long.
    if scheme and start and target[start : start + 1] not in ("", "/", "?") and len(href) <= _RESOLVED_LENGTH:
        if len(_RESOLVED) >= _RESOLVED_MAX:
            _RESOLVED.clear()
        _RESOLVED[key] = url
    return url


def _query_pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


def strip_tracking(url: str) -> str:
    """Drop utm_*, fbclid, gclid and similar parameters and the fragment; keep the rest in order."""
    parts = urlsplit(url)
    if not parts.query:
        return urlunsplit(parts._replace(fragment=""))
    pairs = _query_pairs(parts.query)
    kept = [(k, v) for k, v in pairs if not TRACKING_PARAMS.match(k)]
    query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    return urlunsplit(parts._replace(query=query, fragment=""))


def collapse_amp(url: str) -> str:
    """The canonical page of an AMP variant: /story/amp/, /story.amp.html, ?amp=1, ?outputType=amp."""
    parts = urlsplit(url)
    path = parts.path
    if _AMP_PATH.search(path):
        path = _AMP_PATH.sub("/", path) if path.lower().endswith(("/amp", "/amp/")) else _AMP_PATH.sub(".html", path)
        if path.endswith("//"):
            path = path[:-1]
    query = parts.query
    if query:
        pairs = _query_pairs(query)
        kept = [
            (k, v) for k, v in pairs if not (k.lower() in _AMP_QUERY and (k.lower() == "amp" or v.lower() == "amp"))
        ]
        query = query if len(kept) == len(pairs) else urlencode(kept)
    return urlunsplit(parts._replace(path=path or "/", query=query))


def clean_url(url: str) -> str:
    """The URL the crawler requests for a discovered link."""
    return collapse_amp(strip_tracking(url))


def canonical_url(url: str) -> str:
    """The dedup key of a URL: cleaned, then w3lib-canonicalized (sorted query, normalized escapes)."""
    return canonicalize_url(clean_url(url))


def netloc_key(url: str) -> str:
    """host[:port] without default ports and credentials, lower-cased."""
    origin = _ORIGIN.match(url)
    end = origin.end() if origin else 0
    if not end or end > _ORIGIN_LENGTH or url[end : end + 1] in _REMOVED_BY_URLSPLIT:
        return _netloc_key(url)
    return _origin_key(url[:end])


def _netloc_key(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return host
    if port and port != {"http": 80, "https": 443}.get(parts.scheme):
        return f"{host}:{port}"
    return host


# A scheme://authority alone has the key of every URL that starts with it.
_origin_key = lru_cache(maxsize=_ORIGINS)(_netloc_key)
