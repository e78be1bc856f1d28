"""Crawler traps recognised by the shape of URLs: endless calendars and sequences that lead nowhere.

- **Calendars.** A date in a URL (`/2024/05/`, `/2024-05-17/`, `?date=2024-05`, `?year=2024`) more than
  `years_ahead` years after today, or before `earliest_year`, is a page no site has: a calendar
  widget's "next month" followed without end.
- **Barren chains.** Listing pages (not articles) whose new links all stay in their own URL family
  (the URL without its numbers: `/events/2024/05/` and `/events/2024/05/17/` are both `/events/`;
  `/page/N/`, `?offset=N`) are a chain whose numbers only grow: a calendar's next month and its
  empty days, a pager that never ends. After `max_chain` such pages in a row the next ones are not
  followed. A listing page that brings a link out of its family (an article, another section)
  resets the chain.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qsl, urlsplit

_DIGITS = re.compile(r"\d+")
_YEAR = re.compile(r"[12]\d{3}")
_MONTH = re.compile(r"0?[1-9]|1[0-2]")
_DATE_TEXT = re.compile(r"(?<!\d)([12]\d{3})[-_/.]?(0[1-9]|1[0-2])(?:[-_/.]?(0[1-9]|[12]\d|3[01]))?(?!\d)")
_DATE_SEPARATED = re.compile(r"(?<!\d)([12]\d{3})[-_.](0?[1-9]|1[0-2])(?:[-_.](0?[1-9]|[12]\d|3[01]))?(?!\d)")
_YEAR_KEYS = {"year", "yr", "y", "jahr", "annee", "anno"}


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

    def calendar_reason(self, url: str) -> str | None:
        """ "calendar" if the URL holds a date outside [earliest_year, this year + years_ahead], else None."""
        for year in url_years(url):
            if year > self.latest_year or year < self.earliest_year:
                return "calendar"
        return None

    def child_chains(self, page_url: str, chain: int, listing: bool, links: list[str]) -> dict[str, int]:
        """The chain length each new link of a page starts with (links: only the new ones it yields).

        The links of a listing page that brought nothing out of its own URL family continue its
        chain; every other link starts at 0.
        """
        family = url_family(page_url)
        barren = listing and bool(links) and all(url_family(url) == family for url in links)
        return dict.fromkeys(links, chain + 1 if barren else 0)

    def too_long(self, chain: int) -> bool:
        return chain > self.max_chain
