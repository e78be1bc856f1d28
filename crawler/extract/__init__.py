"""Pure article extraction: a Page in, a record out. No Scrapy or Twisted here."""

from __future__ import annotations

import re
from typing import Any

from crawler.web.page import Page

from . import fields, profiles
from .authors import extract_authors
from .body import extract_body
from .breadcrumb import extract_breadcrumb
from .dates import extract_dates
from .document import Document, Link
from .explain import Explanation
from .pagetype import classify
from .related import extract_related
from .title import extract_title

__all__ = ["FIELDS", "Document", "Explanation", "Link", "Page", "extract", "extract_document"]

FIELDS = (
    "url",
    "canonical_url",
    "page_type",
    "title",
    "breadcrumb",
    "authors",
    "published",
    "modified",
    "body_text",
    "body_html",
    "related",
    "tags",
    "categories",
    "language",
    "description",
    "image",
    "site_name",
    "word_count",
)
_WORD = re.compile(r"\w+")


def extract_document(doc: Document) -> dict:
    """Every field of the record from a parsed page. Reads doc's tree and never edits it.

    A site profile for the page's host, if there is one, overrides the fields it finds.
    """
    site_name = fields.site_name(doc)
    canonical = fields.canonical_url(doc)
    title = extract_title(doc, site_name or "")
    language = fields.language(doc)
    published, modified = extract_dates(doc, language, title)
    authors = extract_authors(doc, site_name, title)
    record: dict[str, Any] = {
        "url": doc.url,
        "canonical_url": canonical,
        "page_type": None,
        "title": title,
        "breadcrumb": extract_breadcrumb(doc, canonical, title),
        "authors": authors,
        "published": published,
        "modified": modified,
        "body_text": "",
        "body_html": "",
        "related": extract_related(doc, canonical),
        "tags": fields.tags(doc),
        "categories": fields.categories(doc),
        "language": language,
        "description": fields.description(doc),
        "image": fields.image(doc),
        "site_name": site_name,
        "word_count": 0,
    }
    record["body_text"], record["body_html"] = extract_body(doc, title)
    record["word_count"] = len(_WORD.findall(record["body_text"]))
    record["page_type"] = classify(
        doc, record["body_text"], record["word_count"], bool(published), bool(authors), canonical
    )
    explanation = doc.explanation
    if record["page_type"] == "listing":
        # Names and dates on a listing belong to the stories it lists, not to the page.
        if explanation is not None:
            _explain_listing(explanation, record)
        record["authors"], record["published"], record["modified"] = [], None, None
        record["title"] = fields.listing_title(record["title"])
    profile = profiles.for_url(doc.url)
    if profile is not None:
        record.update(profiles.apply(profile, doc, record))
        record["word_count"] = len(_WORD.findall(record["body_text"]))
    if explanation is not None:
        _explain_derived(explanation, record)
    return record


def _explain_listing(explanation: Explanation, record: dict) -> None:
    why = "a listing's names and dates belong to the stories it lists"
    for name in ("authors", "published", "modified"):
        if record[name]:
            explanation.won(name, "page-type:listing", [] if name == "authors" else None, why, replaced=why)
    if fields.listing_title(record["title"]) != record["title"]:
        winner = explanation.field("title").winner
        if winner is not None:
            winner.note += ("; " if winner.note else "") + 'the listing\'s label cut off ("Category: X" is X)'


def _explain_derived(explanation: Explanation, record: dict) -> None:
    """The fields computed from others, then the record's final values."""
    explanation.won("url", "page:url", record["url"], "the URL the page was fetched from")
    body = explanation.field("body_text").winner
    if explanation.field("body_html").winner is None:  # not a site parser's
        explanation.won("body_html", body.strategy if body else "body_text", None, "the body_text's blocks as HTML")
    explanation.won("word_count", "body_text:words", None, "\\w+ runs in body_text")
    explanation.finish(record)


def extract(page: Page) -> dict:
    """Extract one record from a page as received."""
    return extract_document(Document(page))
