"""Crawler traps recognised by the shape of URLs: endless calendars and sequences that lead nowhere.

- **Calendars.** A date in a URL (`/2024/05/`, `/2024-05-17/`, `?date=2024-05`, `?year=2024`) more than
  `years_ahead` years after today, or before `earliest_year`, is a page no site has: a calendar
  widget's "next month" followed without end.
- **Barren chains.** Listing pages (not articles) that link to the next page of the same URL shape
  (digits aside: `/page/N/`, `?offset=N`, `/day/N/`) and to nothing new otherwise are a chain whose
  numbers only grow; after `max_chain` such pages in a row the next one is not followed. A listing
  page that brings new links (articles, other sections) resets its chain.
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


def url_shape(url: str) -> str:
    """The URL with every run of digits replaced by '#', and the query keys in order: /page/#/?q=#."""
    parts = urlsplit(url)
    query = "&".join(sorted(f"{k}={_DIGITS.sub('#', v)}" for k, v in parse_qsl(parts.query, keep_blank_values=True)))
    return f"{parts.netloc.lower()}{_DIGITS.sub('#', parts.path)}?{query}"


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

        A link of the page's own shape continues the chain if the page is a listing that brought
        nothing new besides such links; every other link starts at 0.
        """
        shape = url_shape(page_url)
        same = {url for url in links if url_shape(url) == shape}
        barren = listing and len(same) == len(set(links))
        return {url: (chain + 1 if barren and url in same else 0) for url in links}

    def too_long(self, chain: int) -> bool:
        return chain > self.max_chain
