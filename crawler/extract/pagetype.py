"""Is the page an article, a listing (category, tag, author, search, home) or something else?"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .document import Document
from .metadata import ARTICLE_TYPES, LISTING_TYPES, nodes_of_type

LISTING_PATH = re.compile(
    r"/(?:category|categories|tag|tags|topic|topics|author|authors|search|archive|archives|section|sections|label|"
    r"page/\d+|feed)(?:/|$)|[?&](?:s|q|query|search|cat|tag)=",
    re.I,
)
LISTING_BODY_CLASS = re.compile(r"\b(?:archive|category|tag|author|search|search-results|home|blog|paged)\b")
ERROR_BODY_CLASS = re.compile(r"\berror404\b|\bnot-found\b")


def _teasers(doc: Document) -> int:
    """Summaries on a listing each have a linked heading; comments and the article itself do not."""
    return len(
        doc.root.xpath(
            "//article[not(contains(@class, 'comment'))][.//*[self::h1 or self::h2 or self::h3 or self::h4]//a[@href]]"
        )
    )


def _body_class(doc: Document) -> str:
    body = doc.root.find("body")
    return (body.get("class") or "") if body is not None else ""


def _marked_article(doc: Document) -> bool:
    """Microdata or RDFa says there is an article here (itemtype=".../BlogPosting", typeof="schema:Article")."""
    if "itemtype" not in doc.text and "typeof" not in doc.text:
        return False
    for value in doc.root.xpath("//body//@itemtype | //body//@typeof"):
        for token in value.split():
            if token.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() in ARTICLE_TYPES:
                return True
    return False


def classify(doc: Document, body_text: str, word_count: int, has_date: bool, has_author: bool) -> str:
    """Signals from the cheapest and surest first; structure is only looked at when metadata is silent."""
    if doc.page.status is not None and doc.page.status >= 400:
        return "other"
    body_class = _body_class(doc)
    if ERROR_BODY_CLASS.search(body_class):
        return "other"
    articles = nodes_of_type(doc.jsonld, ARTICLE_TYPES)
    if nodes_of_type(doc.jsonld, LISTING_TYPES) and len(articles) != 1:
        return "listing"
    parts = urlsplit(doc.url)
    if parts.path in ("", "/") and not parts.query:
        return "listing"
    if LISTING_PATH.search(parts.path + ("?" + parts.query if parts.query else "")):
        return "listing"
    if len(articles) >= 3:
        return "listing"
    if articles or doc.meta.get("og:type", "").lower() == "article" or _marked_article(doc):
        return "article"
    if _teasers(doc) >= 3:
        return "listing"
    if LISTING_BODY_CLASS.search(body_class) and "single" not in body_class:
        return "listing"
    # Characters as well as words: Chinese and Japanese text has few \w+ runs.
    if word_count >= 250 or len(body_text) >= 1500:
        return "article"
    if (word_count >= 80 or len(body_text) >= 250) and (has_date or has_author):
        return "article"
    return "other"
