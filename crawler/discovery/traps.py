"""Crawler traps recognised by the shape of URLs: endless calendars and sequences that lead nowhere.

- **Calendars.** A date in a URL (`/2024/05/`, `/2024-05-17/`, `?date=2024-05`, `?year=2024`) more than
  `years_ahead` years after today, or before `earliest_year`, is a page no site has: a calendar
  widget's "next month" followed without end.
- **Barren chains.** A listing page (not an article) reached from a page of its own URL family (the
  URL without its numbers: `/events/2024/05/` and `/events/2024/05/17/` are both `/events/`;
  `/page/N/`, `?offset=N`) whose links out of the family are exactly that page's (the menus,
  nothing of its own) brings nothing: a calendar's next month and its empty days, a pager past
  the last page. After `max_chain` such pages in a row the next ones of the family are not
  followed. A page with links of its own (a pager page's articles, even ones a sitemap already
  gave) resets the chain.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from urllib.parse import parse_qsl, urlsplit

_DIGITS = re.compile(r"\d+")
_YEAR = re.compile(r"[12]\d{3}")
_MONTH = re.compile(r"0?[1-9]|1[0-2]")
_DATE_TEXT = re.compile(r"(?<!\d)([12]\d{3})[-_/.]?(0[1-9]|1[0-2])(?:[-_/.]?(0[1-9]|[12]\d|3[01]))?(?!\d)")
_DATE_SEPARATED = re.compile(r"(?<!\d)([12]\d{3})[-_.](0?[1-9]|1[0-2])(?:[-_.](0?[1-9]|[12]\d|3[01]))?(?!\d)")
_YEAR_KEYS = {"year", "yr", "y", "jahr", "annee", "anno"}
# URLs whose family is remembered: at most this many, holding at most this many characters with their
# families (about 20 MB however long a site makes its URLs).
FAMILY_CACHE_SIZE = 100_000
FAMILY_CACHE_CHARS = 10_000_000


_NUMBERS_ONLY = re.compile(r"[\d\W_]+")


def url_family(url: str) -> str:
    """The URL without its numbers: segments of digits (and punctuation) dropped, digits elsewhere '#',
    query values dropped: /events/2024/05/17/?page=3 -> /events/?page."""
    parts = urlsplit(url)
    segments = [_DIGITS.sub("#", s) for s in parts.path.split("/") if s and not _NUMBERS_ONLY.fullmatch(s)]
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{parts.netloc.lower()}/{'/'.join(segments)}?{'&'.join(keys)}"


def url_years(url: str) -> list[int]:
    """Years of the dates a URL's path or query holds (/2024/05/, /2024-05-17/, /20240517/, ?year=2024)."""
    parts = urlsplit(url)
    years = []
    segments = [s for s in parts.path.split("/") if s]
    for i, segment in enumerate(segments):
        if _YEAR.fullmatch(segment) and i + 1 < len(segments) and _MONTH.fullmatch(segments[i + 1]):
            years.append(int(segment))  # /YYYY/MM/
        elif match := _DATE_SEPARATED.search(segment):
            years.append(int(match.group(1)))  # /YYYY-MM-DD/, /story-2024-05-17.html
        elif (match := _DATE_TEXT.fullmatch(segment)) and len(segment) == 8:
            years.append(int(match.group(1)))  # /20240517/
    for key, value in parse_qsl(parts.query):
        if key.lower() in _YEAR_KEYS and _YEAR.fullmatch(value):
            years.append(int(value))
        elif match := _DATE_SEPARATED.fullmatch(value) or (_DATE_TEXT.fullmatch(value) if len(value) == 8 else None):
            years.append(int(match.group(1)))
    return years


class TrapRules:
    def __init__(self, earliest_year: int = 1990, years_ahead: int = 1, max_chain: int = 10, today: date | None = None):
        self.earliest_year = earliest_year
        self.latest_year = (today or date.today()).year + years_ahead
        self.max_chain = max_chain
        self._families: dict[str, str] = {}
        self._family_chars = 0

    def calendar_reason(self, url: str) -> str | None:
        """ "calendar" if the URL holds a date outside [earliest_year, this year + years_ahead], else None."""
        for year in url_years(url):
            if year > self.latest_year or year < self.earliest_year:
                return "calendar"
        return None

    def family(self, url: str) -> str:
        """url_family, remembered: most of a page's links (its menus) are on every other page too."""
        family = self._families.get(url)
        if family is None:
            family = url_family(url)
            chars = len(url) + len(family)
            if len(self._families) >= FAMILY_CACHE_SIZE or self._family_chars + chars > FAMILY_CACHE_CHARS:
                self._families.clear()
                self._family_chars = 0
            if chars <= FAMILY_CACHE_CHARS:
                self._families[url] = family
                self._family_chars += chars
        return family

    def links_digest(self, page_url: str, links: list[str]) -> str:
        """A short digest of a page's links out of its own URL family (what it brings besides the family)."""
        family = self.family(page_url)
        others = sorted({url for url in links if self.family(url) != family})
        return hashlib.sha1("\n".join(others).encode("utf-8", "replace")).hexdigest()[:16]

    def child_chain(self, chain: int, listing: bool, digest: str, parent_digest: str | None) -> int:
        """The chain a page's links of its own family continue: one longer if the page is a listing
        whose links out of the family are its parent's (parent_digest), else a new one (0)."""
        return chain + 1 if listing and parent_digest is not None and digest == parent_digest else 0

    def same_family(self, url: str, other: str) -> bool:
        return self.family(url) == self.family(other)

    def too_long(self, chain: int) -> bool:
        return chain > self.max_chain
