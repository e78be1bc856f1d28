"""Publication and modification dates as ISO 8601, keeping the page's UTC offset."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from htmldate import find_date

from .datetext import (
    DATE_IN_TEXT,
    find_dates,
    http_date,
    iso,
    may_hold_date,
    month_first,
    order_open,
    parse_date,
    parse_relative,
)
from .document import Document
from .explain import Rejected, first, meta_strategy
from .memo import label_cache
from .metadata import ARTICLE_TYPES, microdata, microdata_value, nodes_of_type, text_value
from .regions import is_elsewhere
from .text import squash, text_of
from .walk import following, from_top, headline, preceding

__all__ = ["DATE_IN_TEXT", "extract_dates", "parse_date"]

_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|[-_]|$)")
# A whole path segment: "/meldungen/29-10-2021", "/29.10.2021.html" (the order depends on the locale).
_URL_DAY_FIRST = re.compile(r"/(\d{1,2})([-.])(\d{1,2})\2((?:19|20)\d{2})(?:\.html?|\.php)?/?(?:$|[?#])")

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
    "dc.date.created",
    "dcterms.created",
    "dcterms.issued",
    "dcterms.date",
    "sailthru.date",
    "parsely-pub-date",
    "cxenseparse:recs:publishtime",
    "article.published",
    "published_time",
    "original-publish-date",
    "creation_date",
    "citation_publication_date",
    "citation_date",
    "prism.publicationdate",
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
# Labels before a date that say it is not the publication date.
_UPDATED = re.compile(
    r"(?:updated|last modified|modified|aktualisiert|geändert|änderung|mis à jour|modifié|actualizado|modificado|"
    r"aggiornato|modificato|bijgewerkt|gewijzigd|atualizado|güncellenme|güncellendi|更新|обновлено|zuletzt)"
    r"(?:\W+(?:on|am|le|el|il|op|em|den|vom|du|de|del|the))?\W*$",
    re.I,
)
# Texts that hold other dates: a copyright line, an event, an offer, a comment count.
_NOT_PUBLISHED = re.compile(r"©|copyright|\bevent|veranstaltung|gültig|valid until|deadline|frist", re.I)
_DATED_WORDS = [
    "date",
    "datum",
    "fecha",
    "data-pub",
    "posted",
    "publish",
    "timestamp",
    "dateline",
    "byline",
    "submitted",
    "entry-meta",
    "post-meta",
    "article-meta",
    "meta-info",
    "post-info",
    "article-info",
    "info-line",
    "infoline",
    "artikelinfo",
    "artikel-info",
    "zeit",
    "time",
]
_DATED_CLASS = re.compile("|".join(w if w != "time" else r"\btime\b" for w in _DATED_WORDS))
_SKIP_TEXT = ("script", "style", "noscript", "template", "option", "select", "textarea")
# Short texts only: a dateline is short, a paragraph that mentions a date is not.
_MAX_DATELINE = 160
# A dateline: the date near its start, or few words besides it ("Posted by Anna Lindqvist on 3 May 2016").
_DATELINE_START = 30
_DATELINE_WORDS = 14
_WORD = re.compile(r"\w+")
# How far from the headline a dateline is looked for, in elements.
_AFTER_HEADLINE = 120
_BEFORE_HEADLINE = 40
# A date after the headline wins unless one before it is this many times nearer.
_AFTER_BIAS = 4
_FROM_TOP = 1000


def _first(values, day_first: bool = True) -> str | None:
    for value in values:
        parsed = parse_date(value, day_first)
        if parsed:
            return parsed
    return None


def _jsonld(doc: Document, key: str, types=ARTICLE_TYPES) -> list[str]:
    return [text_value(n.get(key)) for n in nodes_of_type(doc.jsonld, types) if n.get(key)]


def _dated(raw: str | None, day_first: bool = True):
    """A source's date as ISO 8601; Rejected when it holds something else; None when it is empty."""
    if not raw:
        return None
    return parse_date(raw, day_first) or Rejected(raw, "not a date")


def _declared_raw(doc: Document):
    """(strategy, text) for the publication dates the page declares in its metadata, in order of trust."""
    for raw in _jsonld(doc, "datePublished"):
        yield "json-ld:datePublished", raw
    for el in microdata(doc, "datePublished"):
        yield "microdata:datePublished", _date_value(el)
    for el in microdata(doc, "dateCreated"):
        yield "microdata:dateCreated", _date_value(el)
    for key in PUBLISHED_META:
        yield meta_strategy(key), doc.meta.get(key)
    for raw in _jsonld(doc, "datePublished", {"webpage", "itempage", "medicalwebpage"}):
        yield "json-ld:WebPage.datePublished", raw
    for raw in _jsonld(doc, "dateCreated"):
        yield "json-ld:dateCreated", raw
    for raw in _jsonld(doc, "uploadDate", {"videoobject", "audioobject"}):
        yield "json-ld:uploadDate", raw
    for el in microdata(doc, "uploadDate"):
        yield "microdata:uploadDate", microdata_value(el)


def _declared(doc: Document):
    """(strategy, date) for the publication dates the page declares in its metadata, in order of trust."""
    for strategy, raw in _declared_raw(doc):
        yield strategy, _dated(raw)


def _date_value(el) -> str:
    """A microdata date; hAtom's <abbr title="2018-04-12T10:30:00+02:00">10:30</abbr> keeps it in its title."""
    if el.tag == "abbr" and el.get("title"):
        return el.get("title")
    return microdata_value(el)


def _modified(doc: Document, day_first: bool, shown_modified: str | None):
    """(strategy, date) for the modification dates the page declares or shows, in order of trust."""
    for raw in _jsonld(doc, "dateModified"):
        yield "json-ld:dateModified", _dated(raw)
    for el in microdata(doc, "dateModified"):
        yield "microdata:dateModified", _dated(microdata_value(el))
    for key in MODIFIED_META:
        yield meta_strategy(key), _dated(doc.meta.get(key))
    for raw in _time_elements(doc, modified=True):
        yield "time-element:updated", _dated(raw, day_first)
    yield "dateline:updated", shown_modified


def _time_elements(doc: Document, modified: bool) -> list[str]:
    out = []
    for el in doc.elements("time"):
        if is_elsewhere(el):
            continue
        classes = (el.get("class") or "") + " " + (el.get("itemprop") or "")
        is_updated = bool(re.search(r"updated|modified", classes, re.I))
        if is_updated == modified:
            out.append(el.get("datetime") or text_of(el))
    return out


def _abbr_published(doc: Document) -> list[str]:
    """hAtom's <abbr class="published" title="2008-04-12T10:00:00">."""
    return [el.get("title") or "" for el in doc.elements("abbr") if "published" in (el.get("class") or "")]


def _datelines(elements, day_first: bool) -> tuple[str | None, str | None, int]:
    """(published, modified, how many elements were walked to the published date) from the text of elements:
    each text node holding a date is read in its context."""
    published = modified = None
    contexts: dict = {}  # owner -> its short text (many tails can share one big owner)
    for distance, el in enumerate(elements):
        if el.tag in _SKIP_TEXT or not isinstance(el.tag, str):
            continue
        for text, is_tail in ((el.text, False), (el.tail, True)):
            if not text or not may_hold_date(text):
                continue
            owner = el.getparent() if is_tail else el
            if owner is None or owner.tag in _SKIP_TEXT or is_elsewhere(owner):
                continue
            if owner not in contexts:
                contexts[owner] = _short_text(owner)
            context = contexts[owner]
            if not context:
                # In a long text only a dateline at its very start counts ("27.1.2022 - Bei der ..."), and a
                # date right after a label element ("<b>Veröffentlicht:</b> 28.01.2022").
                context = squash(((el.text or "") + text) if is_tail and len(el) == 0 else text)
                if len(context) > _MAX_DATELINE:
                    context = context[:40] if not is_tail else ""
            if not context or _NOT_PUBLISHED.search(context):
                continue
            for start, dt, has_time in find_dates(context, day_first):
                if start > _DATELINE_START and len(_WORD.findall(context)) > _DATELINE_WORDS:
                    break  # a sentence that mentions a date ("the next meeting is on 5 May"), not a dateline
                value = iso(dt, has_time)
                if _UPDATED.search(context[:start]) and not _published_label(context[:start]):
                    modified = modified or value
                else:
                    return value, modified, distance
    return published, modified, -1


def _short_text(el) -> str:
    """el's text if it is dateline-short, else "" (read no further than that)."""
    parts, size = [], 0
    for text in el.itertext():
        parts.append(text)
        size += len(text)
        if size > 4 * _MAX_DATELINE:
            return ""
    text = squash("".join(parts))
    return text if len(text) <= _MAX_DATELINE else ""


def _shown(doc: Document, day_first: bool, title: str = "") -> tuple[str | None, str | None]:
    """(published, modified) as the page shows them: the dateline nearest the headline, after it or else before;
    without a headline (or a date near it), the first dateline from the top of the page.

    Bounded walks, so the cost does not grow with the page.
    """
    body = doc.root.find("body")
    if body is None:
        return None, None
    heading = headline(body, title)
    if heading is None:
        return None, None
    after, modified, steps_after = _datelines(following(heading, _AFTER_HEADLINE), day_first)
    before, earlier, steps_before = _datelines(preceding(heading, _BEFORE_HEADLINE), day_first)
    # The nearer of the two: a dateline right above the headline beats a date deep in the text below it.
    if after is None or (before is not None and steps_before < steps_after // _AFTER_BIAS):
        return before, modified or earlier
    return after, modified or earlier


def _from_top(doc: Document, day_first: bool) -> str | None:
    """The first dateline from the top of the page, for pages where none sits near a headline."""
    body = doc.root.find("body")
    return _datelines(from_top(body, _FROM_TOP), day_first)[0] if body is not None else None


_PUBLISHED_LABEL = re.compile(
    r"(?:published|posted|veröffentlicht|erschienen|publié|publicado|pubblicato|gepubliceerd|publicerad|"
    r"yayınlanma|发布|发表|опубликовано)\W*(?:on|am|le|el|il|op|em)?\W*$",
    re.I,
)


def _published_label(before: str) -> bool:
    """Is the text right before a date a "Published" label (which wins over an earlier "Updated")?"""
    return bool(_PUBLISHED_LABEL.search(before[-40:]))


@label_cache
def _is_dated_label(label: str) -> bool:
    return bool(_DATED_CLASS.search(label.lower()))


def _dated_elements(doc: Document, day_first: bool) -> str | None:
    """An element whose class says it holds the date ("entry-date", "post-meta", "artikeldatum")."""
    for el, label in doc.labelled:
        if not _is_dated_label(label) or el.tag in _SKIP_TEXT:
            continue
        text = _short_text(el)
        if not text or not may_hold_date(text) or is_elsewhere(el):
            continue
        for start, dt, has_time in find_dates(text, day_first):
            if not _UPDATED.search(text[:start]) or _published_label(text[:start]):
                return iso(dt, has_time)
    return None


def _relative(doc: Document) -> str | None:
    """ "3 hours ago" in a dateline, counted from the response's Date header (the one reference a page gives)."""
    reference = http_date(doc.page.header("Date"))
    if reference is None:
        return None
    for el, label in doc.labelled:
        if not _is_dated_label(label) or el.tag in _SKIP_TEXT or is_elsewhere(el):
            continue
        text = squash(text_of(el))
        if text and len(text) <= 80:
            found = parse_relative(text, reference)
            if found:
                return found
    return None


def _url_date(url: str, day_first: bool = True) -> str | None:
    """/2019/11/19/, /2019-11-19-slug; or a path segment that is a date written day first: /29-10-2021."""
    m = _URL_DATE.search(url)
    if m:
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _URL_DAY_FIRST.search(url)
        if not m:
            return None
        a, b, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
        day, month = (a, b) if a > 12 or (day_first and b <= 12) else (b, a)
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _day(value: str) -> date:
    return date.fromisoformat(value[:10])


def _same_day(shown: str, declared: str) -> bool:
    """Same day; or a day and month of twelve or less read in the other order ("03/05/2019": the locale
    left the order open, and the metadata settles it)."""
    a, b = _day(shown), _day(declared)
    return a == b or (a.day <= 12 and a.month <= 12 and (a.year, a.day, a.month) == (b.year, b.month, b.day))


def _published(doc: Document, day_first: bool, title: str) -> tuple[str | None, str | None]:
    """(published, modified as shown) from the sources in order of trust; see docs/extraction.md."""
    explanation = doc.explanation
    structured = first(_declared(doc), explanation, "published")
    shown, shown_modified = _shown(doc, day_first, title)
    if not structured:
        return first(_undeclared(doc, day_first, shown, shown_modified), explanation, "published"), shown_modified
    published, why = _declared_or_shown(doc, day_first, structured, shown)
    if explanation is not None:
        if published != structured:
            explanation.won("published", "dateline", shown, why, replaced="overruled by the date the page shows")
        elif shown:
            explanation.beat("published", "dateline", shown, why)
        explanation.rest("published", _undeclared(doc, day_first, shown, shown_modified))
    return published, shown_modified


def _local_day(structured: str, shown: str) -> bool:
    """Is the metadata's day local already: a timestamp with an offset other than zero ("...T07:00:40+01:00"),
    unless the page shows a time that its clock runs ahead of or behind by exactly that offset (a UTC clock
    labelled with the local offset)?"""
    try:
        stamp = datetime.fromisoformat(structured)
    except ValueError:
        return False
    offset = stamp.utcoffset()
    if not offset:
        return False
    try:
        shown_at = datetime.fromisoformat(shown[:19]) if "T" in shown else None
    except ValueError:
        shown_at = None
    if shown_at is None:
        return True
    return stamp.replace(tzinfo=None, second=0, microsecond=0) - shown_at.replace(second=0, microsecond=0) != -offset


def _declared_order_open(doc: Document, structured: str) -> bool:
    """Was the metadata's date written with day and month in an order only a locale settles?"""
    raw = next((raw for _, raw in _declared_raw(doc) if raw and _dated(raw) == structured), None)
    return raw is not None and order_open(raw)


def _declared_or_shown(doc: Document, day_first: bool, structured: str, shown: str | None) -> tuple[str, str]:
    """The metadata's publication date or the one the page shows near its headline, and why."""
    if shown is None or _day(shown) == _day(structured):
        return structured, "the same day as the metadata"
    if _same_day(shown, structured):
        # Day and month read in the other order: one of the two was a guess. Metadata written with the
        # order open ("11/01/2023 12:43:42", often a server's month-first default) yields to the date the
        # page shows its readers; metadata that states the order (ISO 8601) settles the page's.
        if _declared_order_open(doc, structured):
            return shown, "the metadata's day and month are in an open order, the page shows the other"
        return structured, "the same day as the metadata"
    # A second reader settles the disagreement: htmldate (its own markup and text rules) finding the
    # page's date, not the metadata's, says the metadata holds another date (a first draft, a template's).
    second = _htmldate(doc)
    if second and _day(second) == _day(shown):
        return shown, "htmldate reads the date the page shows too, not the metadata's"
    # Metadata written in UTC (or a day late) for a date the page shows: the page's date wins, unless
    # the page's date box agrees with the metadata (then the dateline near the headline is another date).
    if abs((_day(shown) - _day(structured)).days) == 1 and not _local_day(structured, shown):
        dated = _dated_elements(doc, day_first)
        if dated and _same_day(dated, structured):
            return structured, "one day off the metadata, which the page's date box agrees with"
        return shown, "the metadata is one day off the date the page shows: a UTC timestamp for a local date"
    # A later date the page shows twice (dateline and <time> or date box) over metadata that kept the
    # date of a first draft or a template: the page's date wins.
    if _day(shown) > _day(structured):
        others = (
            ("time-element", _first(_time_elements(doc, modified=False), day_first)),
            ("date-class", _dated_elements(doc, day_first)),
        )
        for source, other in others:
            if other and _day(other) == _day(shown):
                return shown, f"a later date the page shows twice (also as {source}) than the metadata's"
    return structured, "another date than the metadata's, which wins"


def _undeclared(doc: Document, day_first: bool, shown: str | None, shown_modified: str | None):
    """(strategy, date) for publication dates the page shows, in order of trust, for pages without metadata."""
    for raw in _time_elements(doc, modified=False):
        yield "time-element", _dated(raw, day_first)
    yield "dateline", shown
    yield "url", _url_date(doc.url, day_first)
    yield "date-class", _dated_elements(doc, day_first)
    for raw in _abbr_published(doc):
        yield "hatom:published", _dated(raw, day_first)
    yield "relative-date", _relative(doc)
    yield "htmldate", _htmldate(doc)
    yield "dateline-from-top", _from_top(doc, day_first)
    # A page that shows only when it was last updated ("Aktualisiert am 17.01.2021"): the date of the
    # text as it stands, the only one it gives.
    yield "updated-only", shown_modified


# htmldate parses the page again: its first 300,000 characters (the head and the article's top) bound the cost.
_HTMLDATE_INPUT = 300_000


def _htmldate(doc: Document) -> str | None:
    """htmldate's answer, for pages where no source of ours finds a date: its markup rules (meta names,
    JSON, idiosyncratic labels) catch more than ours. Without its extensive text search, which costs ten
    times as much on these pages and is wrong more often than right there."""
    try:
        found = find_date(doc.text[:_HTMLDATE_INPUT], url=doc.url, original_date=True, extensive_search=False)
    except (ValueError, TypeError):
        return None
    return parse_date(found) if found else None


# Languages written where clocks keep Central European time (UTC+1, summer UTC+2) and nowhere far from it.
_CENTRAL_EUROPEAN = frozenset(
    [
        "de",
        "fr",
        "it",
        "nl",
        "pl",
        "cs",
        "sk",
        "hu",
        "da",
        "sv",
        "nb",
        "nn",
        "no",
        "hr",
        "sl",
        "sr",
        "bs",
        "mk",
        "sq",
        "lb",
    ]
)


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _central_european_midnight(value: str | None, language: str | None) -> str | None:
    """A UTC timestamp that is exactly midnight in Central European time ("2022-11-06T23:00:00Z" in
    winter, "...T22:00:00Z" in summer) on a page in a language of that zone is a date entered without a
    time and stored in UTC: the page's date is the local day, the next one."""
    if not value or not language or language[:2].lower() not in _CENTRAL_EUROPEAN or len(value) <= 10:
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.utcoffset() != timedelta(0) or (moment.minute, moment.second, moment.microsecond) != (0, 0, 0):
        return value
    # EU summer time: from the last Sunday of March to the last Sunday of October.
    summer = _last_sunday(moment.year, 3) <= moment.date() < _last_sunday(moment.year, 10)
    if moment.hour != (22 if summer else 23):
        return value
    return (moment.date() + timedelta(days=1)).isoformat()


def extract_dates(doc: Document, language: str | None = None, title: str = "") -> tuple[str | None, str | None]:
    """(published, modified); each from the most trustworthy source that gives one."""
    day_first = not month_first(language)
    published, shown_modified = _published(doc, day_first, title)
    published = _central_european_midnight(published, language)
    modified = first(_modified(doc, day_first, shown_modified), doc.explanation, "modified")
    return published, modified
