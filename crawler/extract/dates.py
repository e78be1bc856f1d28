"""Publication and modification dates as ISO 8601, keeping the page's UTC offset."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from .document import Document
from .metadata import ARTICLE_TYPES, microdata, microdata_value, nodes_of_type, text_value
from .regions import is_elsewhere
from .text import squash, text_of

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            "january jan janvier januar enero gennaio",
            "february feb février fevrier februar febrero febbraio",
            "march mar mars märz marzo",
            "april apr avril abril aprile",
            "may mai mayo maggio",
            "june jun juin juni junio giugno",
            "july jul juillet juli julio luglio",
            "august aug août aout agosto",
            "september sep sept septembre septiembre settembre",
            "october oct octobre oktober octubre ottobre",
            "november nov novembre noviembre",
            "december dec décembre decembre dezember diciembre dicembre",
        ]
    )
    for name in names.split()
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_TIME = r"(?:[ ,at]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?)?"
_TEXT_DATES = [
    # April 23, 2018 [10:12 am]
    (re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}){_TIME}", re.I), ("m", "d", "y")),
    # 23 April 2018 / 23. April 2018 / 23 de abril de 2018
    (
        re.compile(
            rf"\b(\d{{1,2}})(?:st|nd|rd|th|\.)?\s+(?:de\s+)?({_MONTH_RE})\.?,?\s+(?:de\s+)?(\d{{4}}){_TIME}", re.I
        ),
        ("d", "m", "y"),
    ),
    # 2018-04-23 / 2018/04/23 / 2018.04.23
    (re.compile(rf"\b(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}})\b{_TIME}"), ("y", "m", "d")),
    # 23.04.2018 / 23/04/2018 (day first: the common order outside the US)
    (re.compile(rf"\b(\d{{1,2}})[./](\d{{1,2}})[./](\d{{4}})\b{_TIME}"), ("d", "m", "y")),
]
# Any of the above, somewhere in a text.
DATE_IN_TEXT = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _TEXT_DATES), re.I)
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})(?:[/-](\d{1,2}))?/")

PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "dcterms.issued",
    "sailthru.date",
    "parsely-pub-date",
    "cxenseparse:recs:publishtime",
    "article.published",
    "published_time",
    "original-publish-date",
    "creation_date",
)
MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "og:article:modified_time",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
    "last-modified",
    "lastmod",
    "article.updated",
    "modified_time",
)


def _iso(dt: datetime, has_time: bool) -> str:
    return dt.isoformat(timespec="seconds") if has_time else dt.date().isoformat()


def _plausible(dt: datetime) -> bool:
    return 1990 <= dt.year <= datetime.now(UTC).year + 1


def parse_date(value: str | None) -> str | None:
    """Normalise a date string from a page to ISO 8601, or None."""
    text = squash(value)
    if not text or len(text) > 200:
        return None
    candidate = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        dt = datetime.fromisoformat(candidate)
        if _plausible(dt):
            return _iso(dt, has_time=len(candidate) > 10)
    except ValueError:
        pass
    if re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text):
        # e.g. 2018-04-23T10:12:00+0430 or with fractional seconds Python rejects
        fixed = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", re.sub(r"(\.\d{6})\d+", r"\1", candidate))
        try:
            dt = datetime.fromisoformat(fixed)
            if _plausible(dt):
                return _iso(dt, has_time=True)
        except ValueError:
            pass
    if re.search(r"\b\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}", text):
        try:
            dt = parsedate_to_datetime(text)
            if _plausible(dt):
                return _iso(dt, has_time=True)
        except (TypeError, ValueError, IndexError):
            pass
    for pattern, order in _TEXT_DATES:
        m = pattern.search(text)
        if not m:
            continue
        parts = dict(zip(order, m.groups()[:3]))
        month = parts["m"]
        month_n = int(month) if month.isdigit() else _MONTHS.get(month.lower().rstrip("."))
        if month_n is None:
            continue
        try:
            hour, minute = m.group(4), m.group(5)
            if hour is not None:
                h = int(hour)
                if m.group(7):  # 12-hour clock
                    h = h % 12 + (12 if m.group(7).lower().startswith("p") else 0)
                dt = datetime(int(parts["y"]), month_n, int(parts["d"]), h, int(minute), int(m.group(6) or 0))
                has_time = True
            else:
                dt = datetime(int(parts["y"]), month_n, int(parts["d"]))
                has_time = False
        except (TypeError, ValueError):
            continue
        if _plausible(dt):
            return _iso(dt, has_time)
    return None


def _first(values) -> str | None:
    for value in values:
        parsed = parse_date(value)
        if parsed:
            return parsed
    return None


def _jsonld(doc: Document, key: str) -> list[str]:
    return [text_value(n.get(key)) for n in nodes_of_type(doc.jsonld, ARTICLE_TYPES) if n.get(key)] + [
        text_value(n.get(key)) for n in nodes_of_type(doc.jsonld, {"webpage"}) if n.get(key)
    ]


def _time_elements(doc: Document, modified: bool) -> list[str]:
    out = []
    for el in doc.root.iter("time"):
        if is_elsewhere(el):
            continue
        classes = (el.get("class") or "") + " " + (el.get("itemprop") or "")
        is_updated = bool(re.search(r"updated|modified", classes, re.I))
        if is_updated == modified:
            out.append(el.get("datetime") or text_of(el))
    return out


def _dated_elements(doc: Document) -> list[str]:
    return [
        text_of(el)
        for el in doc.root.xpath(
            "//body//*[contains(@class,'date') or contains(@class,'posted-on') or contains(@class,'published')"
            " or contains(@class,'timestamp') or contains(@id,'date')][string-length(normalize-space()) < 80]"
        )
    ]


def _text_dates(doc: Document) -> list[str]:
    """Short texts that hold a date ("Posted by Anna on 3 May 2016"), outside comments and sidebars."""
    body = doc.root.find("body")
    if body is None:
        return []
    out = []
    for el in body.iter("p", "div", "span", "small", "em", "li", "td", "font", "b", "strong", "address"):
        text = el.text
        if not text or len(text) > 120 or not any(ch.isdigit() for ch in text):
            continue
        full = text_of(el)
        if len(full) <= 120 and DATE_IN_TEXT.search(full) and not is_elsewhere(el):
            out.append(full)
            if len(out) >= 5:
                break
    return out


def extract_dates(doc: Document) -> tuple[str | None, str | None]:
    """(published, modified); each from the most trustworthy source that gives one."""
    published = (
        _first(_jsonld(doc, "datePublished"))
        or _first(microdata_value(e) for e in microdata(doc, "datePublished"))
        or _first(microdata_value(e) for e in microdata(doc, "dateCreated"))
        or _first(doc.meta.get(k) for k in PUBLISHED_META)
        or _first(_time_elements(doc, modified=False))
        or _first(_jsonld(doc, "dateCreated"))
        or _first(_dated_elements(doc))
        or _first(_text_dates(doc))
    )
    if not published:
        m = _URL_DATE.search(doc.url)
        if m:
            published = (
                parse_date(f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3) or 1):02d}") if m.group(3) else None
            )
    modified = (
        _first(_jsonld(doc, "dateModified"))
        or _first(microdata_value(e) for e in microdata(doc, "dateModified"))
        or _first(doc.meta.get(k) for k in MODIFIED_META)
        or _first(_time_elements(doc, modified=True))
    )
    return published, modified
