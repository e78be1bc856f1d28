"""What the page-analysis workers (crawler.workers.pool) run: parse a page once, return its links,
requisites and record; or a record of an archived response (`crawler reextract`).

The crawl's process names `analyse` by its dotted path and never imports this module: only its
workers import the extraction library. `crawler reextract` imports it, and forks its workers.
"""

from __future__ import annotations

from crawler.discovery.requisites import html_requisites
from crawler.web.http import sniff
from crawler.web.page import Page
from crawler.workers.pool import Analysis, error_text

from . import extract, extract_document, fields, profiles
from .document import Document
from .pagetype import classify_without_body


def analyse(page: Page) -> Analysis:
    """Links and requisites first (the body extractor prunes the tree), then the record, from one parse."""
    doc = Document(page)
    links = doc.link_targets
    requisites = html_requisites(doc.root, doc.base_url)
    return links, requisites, crawl_record(doc), doc.problems


def crawl_record(doc: Document) -> dict:
    """The record a crawl needs of a page: the whole record of a page that may be an article; only the url
    and page type of one whose status, URL or metadata say it is none (listings, error pages), which a
    crawl keeps no record of, unless a site profile may say otherwise. Extracting their fields was
    a listing page's largest cost (link-heavy bench site: about half of all pages)."""
    if profiles.for_url(doc.url) is None:
        settled = classify_without_body(doc, fields.canonical_url(doc))
        if settled is not None:
            return {"url": doc.url, "page_type": settled}
    return extract_document(doc)


def archived_record(page: Page) -> tuple[str, dict | str | None]:
    """`crawler reextract`'s task: ("record", the record) for an archived HTML page, ("other", None) for
    other content, ("undecodable", why) for a body that does not decode (a broken Content-Encoding)."""
    try:
        content = page.content
    except (ValueError, OSError, EOFError) as exc:
        return "undecodable", error_text(exc)
    if sniff(page.header("Content-Type"), content) != "html":
        return "other", None
    return "record", extract(page)
