"""Author names: structured data, meta tags, rel=author, then bylines; names only."""

from __future__ import annotations

import re
from itertools import chain

from lxml import etree

from .datetext import DATE_IN_TEXT
from .document import Document
from .explain import LOWER, Explanation, meta_strategy
from .memo import label_cache
from .metadata import ARTICLE_TYPES, as_list, microdata, nodes_of_type, text_value, types_of
from .names import (
    BYLINE_END,
    BYLINE_START,
    LABELLED_BYLINE,
    OPENER_ONLY,
    PREFIX,
    clean_names,
    is_login,
    is_publisher_address,
    is_role_word,
    name_key,
    not_a_person,
    site_keys,
)
from .regions import is_elsewhere
from .text import spaced_text, squash, text_of
from .walk import following, from_top, headline, preceding

__all__ = ["clean_names", "extract_authors"]

# Byline boxes, by class or id, in the languages of the themes that name them.
_BYLINE_CLASS = re.compile(
    r"byline|author|writer|reporter|contributor|posted-by|entry-meta|post-meta|article-meta|submitted|post-info|"
    r"autor|auteur|firma|signature|yazar|muhabir|verfasser|redakteur|journalist"
)
# Links to an author's page: /author/jane-doe, /autor/..., /yazar/..., /redakteur/...
_AUTHOR_HREF = re.compile(
    r"/(?:author|authors|autor|autoren|autore|autori|auteur|auteurs|autores|profile|profiles|people|staff|writers?|"
    r"journalists?|journalisten|redakteur|redakteure|yazar|yazarlar|muhabir|forfatter|skribent|kirjoittaja)/[^/?#]+",
    re.I,
)
_BIO_CLASS = re.compile(r"bio|box|about|description|avatar|profile-text")


def _dedupe(names: list[str]) -> list[str]:
    seen, out = set(), []
    for name in names:
        key = name.casefold()
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out


# Each source gives (strategy, names): the strategy names where the names came from (explain.py).
Found = tuple[str, list[str]]


def _from_jsonld(doc: Document) -> Found:
    """People named as author or creator of the article (or, without one, of the WebPage); organisations
    only when no person is."""
    nodes = nodes_of_type(doc.jsonld, ARTICLE_TYPES) or nodes_of_type(doc.jsonld, _PAGE_TYPES)
    for node in nodes:
        people: list[str] = []
        organisations: list[str] = []
        for author in as_list(node.get("author")) + as_list(node.get("creator")):
            found = people
            if isinstance(author, dict):
                raw = text_value(author.get("name"))
                if not raw and author.get("@id"):
                    raw = _resolve_id(doc, author["@id"])
                if types_of(author) & {"organization", "newsmediaorganization", "corporation"}:
                    found = organisations
            else:
                raw = text_value(author)
            found += clean_names(raw) if raw and not raw.startswith("http") else []
        if people:
            return "json-ld:author", people
        if organisations:
            # A byline on the page usually names the person; the organisation is the fallback.
            strategy, byline = _from_bylines(doc)
            return (strategy, byline) if byline else ("json-ld:author", organisations)
    return "json-ld:author", []


_PAGE_TYPES = {"webpage", "itempage", "profilepage", "aboutpage", "medicalwebpage"}


def _resolve_id(doc: Document, node_id: str) -> str:
    for node in doc.jsonld:
        if node.get("@id") == node_id:
            return text_value(node.get("name"))
    return ""


def _from_microdata(doc: Document) -> Found:
    names = []
    for el in microdata(doc, "author"):
        inner = [e for e in el.iter() if "name" in (e.get("itemprop") or "").split()]
        raw = (inner[0].get("content") or text_of(inner[0])) if inner else (el.get("content") or text_of(el))
        names += clean_names(raw)
    return "microdata:author", names


def _from_meta(doc: Document) -> Found:
    for key in (
        "author",
        "article:author",
        "dc.creator",
        "dc.creator.author",
        "parsely-author",
        "sailthru.author",
        "byl",
        "twitter:creator",
    ):
        value = doc.meta.get(key)
        if value and is_publisher_address(value):
            if doc.explanation is not None:
                doc.explanation.beat("authors", meta_strategy(key), value, "rejected: a publisher and its address")
            continue
        if value and not value.startswith(("http", "@")):
            names = clean_names(value)
            if names:
                return meta_strategy(key), names
    labelled = _labelled_meta(doc)
    if labelled:
        return "meta:twitter:data", labelled
    values = [el.get("content") for el in doc.meta_elements if el.get("name") in _CITATION_AUTHORS]
    return "meta:citation_author", [n for v in values if v is not None for n in clean_names(v)]


# Scholarly pages name every author in a meta tag of its own (Highwire Press tags, read by Google Scholar).
_CITATION_AUTHORS = ("citation_author", "dc.creator", "DC.creator")
# Yoast and others label a "Written by" pair of Twitter meta tags, in the site's language.
_WRITTEN_BY = re.compile(
    r"^(?:written by|author|verfasst von|geschrieben von|autor(?:in)?|écrit par|auteur|escrito por|autor|"
    r"scritto da|autore|geschreven door|auteur|skrivet av|skrevet af|yazan|yazar|napisane przez|автор|"
    r"نوشته شده توسط|نویسنده|كتب بواسطة|الكاتب|作者|著者)\s*:?$",
    re.I,
)


def _labelled_meta(doc: Document) -> list[str]:
    """<meta name="twitter:label1" content="Verfasst von"> <meta name="twitter:data1" content="Jane Doe">."""
    if "twitter:label" not in doc.text:
        return []
    for number in range(1, 5):
        label = doc.meta.get(f"twitter:label{number}")
        if label is None:
            break
        if _WRITTEN_BY.match(label.strip()):
            return clean_names(doc.meta.get(f"twitter:data{number}", ""))
    return []


_HAS_REL = etree.XPath("//body//*[@rel]")


def _from_rel_author(doc: Document) -> Found:
    """rel=author links, and RDFa rel="schema:author" wrappers (Drupal)."""
    names: list[str] = []
    if "author" not in doc.text:
        return "rel-author", names
    for el in _HAS_REL(doc.root):  # few elements have a rel: the tokens are read here, not in XPath
        if not any(token.rsplit(":", 1)[-1] == "author" for token in el.get("rel", "").lower().split()):
            continue
        if is_elsewhere(el):
            continue
        inner = el.xpath(".//*[@property='schema:name' or @itemprop='name']")
        names += clean_names(text_of(inner[0] if inner else el))
    return "rel-author", names


@label_cache
def _is_byline_label(label: str) -> bool:
    label = label.lower()
    return bool(_BYLINE_CLASS.search(label)) and not _BIO_CLASS.search(label)


def _from_bylines(doc: Document) -> Found:
    for el, label in doc.labelled:
        if not _is_byline_label(label) or is_elsewhere(el):
            continue
        links = [a for a in el.iter("a") if _AUTHOR_HREF.search(a.get("href") or "")]
        if links:
            names = [n for a in links for n in clean_names(text_of(a))]
        else:
            names = clean_names(spaced_text(el))
        if names:
            return "byline-class", names
    return "byline-class", []


def _from_author_links(doc: Document) -> Found:
    """Links to author pages (/author/jane-doe) outside comments and sidebars; the first group wins."""
    names: list[str] = []
    group = None
    for a in doc.in_body("a"):
        href = a.get("href")
        if href is None or not _AUTHOR_HREF.search(href) or is_elsewhere(a):
            continue
        found = clean_names(text_of(a))
        if not found:
            continue
        parent = a.getparent()
        if group is not None and parent is not group and parent.getparent() is not group.getparent():
            break
        group = parent
        names += found
    return "author-link", names


def _from_text_byline(doc: Document, title: str = "") -> Found:
    return "byline-text", _text_byline(doc, title)


def _text_byline(doc: Document, title: str) -> list[str]:
    """A byline written as text: "Posted by Anna Lindqvist on 3 May 2016", "بقلم: أحمد منصور", near the headline."""
    for el in _near_headline(doc, title):
        text = el.text
        if not text or text.isspace():
            continue
        if not (BYLINE_START.match(text) or (_ENDS_WORD.search(text) and BYLINE_END.search(text))):
            # A labelled field needs its colon: most texts are out after one substring test.
            if len(text) > 120 or (":" not in text and "：" not in text):
                continue
            labelled = LABELLED_BYLINE.search(text)
            names = clean_names(labelled.group("name")) if labelled and not is_elsewhere(el) else []
            if names:
                return names
            continue
        full = squash(text_of(el))
        if is_elsewhere(el):
            continue
        if OPENER_ONLY.match(full):
            # "<span>By</span> <a>Jane Doe</a>", "<strong>Text:</strong> Jane Doe", "<b>Von:</b><br>Jane Doe":
            # the name comes after (past line breaks).
            tail, after = el.tail or "", el.getnext()
            while not tail.strip() and after is not None and after.tag == "br":
                tail, after = after.tail or "", after.getnext()
            full = squash(full + " " + tail + (" " + text_of(after) if not tail.strip() and after is not None else ""))
        if len(full) > 120:
            continue
        names = clean_names(full)
        if names:
            return names
    return []


def _near_headline(doc: Document, title: str):
    """Elements that may hold a byline written as text: a bounded walk after the headline, then before
    it, or from the top of a page without one (bylines sit there, and the cost does not grow with the page)."""
    body = doc.root.find("body")
    if body is None:
        return
    heading = headline(body, title)
    if heading is None:
        elements = from_top(body, _FROM_TOP)
    else:
        elements = chain(following(heading, _AFTER_HEADLINE), preceding(heading, _BEFORE_HEADLINE))
    for el in elements:
        if el.tag in _TEXT_BYLINE_TAGS:
            yield el


def _from_dated_line(doc: Document, title: str = "") -> Found:
    return "dated-line", _dated_line(doc, title)


def _dated_line(doc: Document, title: str) -> list[str]:
    """A dateline that names the author after the date, with no byline word: "04.02.2022 | 13:10 Uhr |
    Jane Doe", "11.12.2019 - Jane Doe", "06.11.2023 13:30 von Jane". Looked for where text bylines are."""
    for el in _near_headline(doc, title):
        text = el.text
        if not text or not any(ch.isdigit() for ch in text[:12]):
            continue
        names = _dated_names(squash(text_of(el)))
        if names and not is_elsewhere(el):
            return names
    return []


def _dated_names(line: str) -> list[str]:
    """The name in "DATE [TIME] | Name" (a separator, or a byline word, between them); [] otherwise."""
    date = DATE_IN_TEXT.search(line) if len(line) <= 80 else None
    if date is None or line[: date.start()].strip():
        return []
    rest = line[date.end() :]
    lead = _AFTER_DATE.match(rest)
    name = rest[lead.end() :] if lead else rest
    opened = PREFIX.match(name)
    if opened:
        name = name[opened.end() :]
    elif not _DATELINE_SEPARATOR.search(line[date.start() : len(line) - len(name)]):
        return []  # "4. Mai 2022 Berlin": a place, or the next sentence
    words = name.split()
    if not 1 <= len(words) <= 4 or (len(words) == 1 and not opened):
        return []
    if not all(_NAME_WORD.match(w) and w[0].isupper() for w in words) or name.isupper():
        return []  # "PAID CONTENT", "Aymz- Grelle": labels and nicknames, not a name
    return clean_names(name)


# What sits between a date and a name: times, "Uhr", separators.
_AFTER_DATE = re.compile(
    r"^(?:\s*(?:[|–—·•/-]|uhr\b|(?:um\s+|à\s+|a las\s+|at\s+)?\d{1,2}[:.]\d{2}(?:\s*(?:uhr|h|am|pm)\b)?))*\s*", re.I
)
_DATELINE_SEPARATOR = re.compile(r"[|–—·•/]|\s-\s")
_NAME_WORD = re.compile(r"^[^\W\d_][\w.'’]*(?:-[^\W\d_][\w.'’]*)*$")

# How far from the headline a text byline is looked for, in elements (a sign-off ends a long article).
_AFTER_HEADLINE = 600
_BEFORE_HEADLINE = 80
_FROM_TOP = 3000
_ENDS_WORD = re.compile(r"(?:tarafından|tarafindan|기자)\s*$", re.I)
_TEXT_BYLINE_TAGS = {
    "byline",  # NewsML's <byline> inside HTML
    "p",
    "div",
    "span",
    "small",
    "em",
    "i",
    "address",
    "td",
    "li",
    "font",
    "b",
    "strong",
    "h4",
    "h5",
    "h6",
    "cite",
    "dd",
}


def _author_boxes(doc: Document):
    """Author boxes (a name, a photo, a short biography; often after the article) outside comments and
    sidebars: elements labelled both as the author's and as a bio or box, outermost first."""
    inside = None
    for el, label in doc.labelled:
        if inside is not None and _is_inside(el, inside):
            continue
        if _is_author_box_label(label) and not is_elsewhere(el):
            inside = el
            yield el


def _is_inside(el, box) -> bool:
    return any(ancestor is box for ancestor in el.iterancestors())


@label_cache
def _is_author_box_label(label: str) -> bool:
    label = label.lower()
    return bool(_BYLINE_CLASS.search(label)) and bool(_BIO_CLASS.search(label))


def _completed(doc: Document, names: list[str], site: set[str]) -> list[str]:
    """A first name alone ("Nils", an account's display name) completed from an author box's text that
    starts with it and a surname ("Nils Hartwig ist freier Autor ...", "Nils Hartwig - Ingenieur ...")."""
    if not any(_is_first_name(name) for name in names):
        return names
    texts = [text.strip() for box in _author_boxes(doc) for text in box.itertext() if text.strip()]
    out = []
    for name in names:
        full = next((f for f in (_full_name(name, t) for t in texts) if f), "") if _is_first_name(name) else ""
        out.append(full if full and not not_a_person(full, site, shown=True) else name)
    return out


def _is_first_name(name: str) -> bool:
    """ "Nils", "Stefanus"; not "jo", "kx42", "DT" or "Jane Doe"."""
    return len(name) >= 3 and name.isalpha() and name[0].isupper() and name[1:].islower()


def _full_name(first: str, text: str) -> str:
    """ "First Surname [Surname]" from the start of text, each surname capitalised and no role ("" if none)."""
    words = text.split(None, 3)
    if not words or words[0] != first:
        return ""
    kept = [first]
    for word in words[1:3]:
        # "Nils Hartwig ist", "Nils Hartwig - Ingenieur", "Nils Autor": the name ends before the word.
        surname = word.rstrip(",;:.")
        if not _is_surname(surname) or is_role_word(surname):
            break
        kept.append(surname)
        if surname != word:  # "Nils Hartwig, freier Autor"
            break
    return " ".join(kept) if len(kept) > 1 else ""


def _is_surname(word: str) -> bool:
    """ "Hartwig", "Lange-Fricke", "O'Neill"; not "ist", "-", "NASA" or "2019"."""
    letters = word.replace("-", "").replace("'", "").replace("’", "")
    return len(letters) >= 2 and letters.isalpha() and word[0].isupper() and not word.isupper()


STRATEGIES = (
    _from_jsonld,
    _from_microdata,
    _from_meta,
    _from_rel_author,
    _from_bylines,
    _from_author_links,
    _from_text_byline,
    _from_dated_line,
)
STRUCTURED = (_from_jsonld, _from_microdata, _from_meta)
SHOWN = (_from_rel_author, _from_bylines)
# Sources where the page shows the name as its author's, and those that link it to an author's page.
SHOWN_AS_AUTHOR = (_from_rel_author, _from_bylines, _from_author_links, _from_text_byline, _from_dated_line)
# Sources looked for near the page's headline.
NEAR_HEADLINE = (_from_text_byline, _from_dated_line)
LINKED = (_from_rel_author, _from_author_links)


def extract_authors(doc: Document, site_name: str | None = None, title: str = "") -> list[str]:
    """Names from the most trustworthy source; a byline the page shows wins over metadata it agrees with.

    Metadata often names only the first author ("Jane Doe" for "By Jane Doe and John Smith") or adds
    the publisher ("Finian Cunningham. Sputnik International"); the byline is what readers see.
    Organisations, the site's own name and junk ("5 min read") are dropped; a source left with no
    person gives way to the next.
    """
    site = site_keys(site_name, doc.url)
    explanation = doc.explanation
    found: dict = {}

    def people(source) -> Found:
        if source not in found:  # each source is read once
            strategy, names = source(doc, title) if source in NEAR_HEADLINE else source(doc)
            shown, linked = source in SHOWN_AS_AUTHOR, source in LINKED
            kept = []
            for name in _dedupe(names):
                why = not_a_person(name, site, shown, linked)
                if not why:
                    kept.append(name)
                elif explanation is not None:
                    explanation.beat("authors", strategy, name, f"rejected: {why}")
            found[source] = strategy, kept
        return found[source]

    chosen: tuple[str, list[str]] = ("", [])
    overlapped: tuple[str, tuple[str, str]] | None = None  # the metadata source a shown byline won over, and why
    for source in STRATEGIES:
        strategy, names = people(source)
        if not names:
            continue
        chosen = (strategy, names)
        if source in STRUCTURED:
            wanted = {name_key(n) for n in names}
            # Metadata that gives only logins ("jane.doe", "link78") names an account; a byline the page
            # shows with a full name is what readers see.
            logins = all(is_login(n) for n in names)
            for shown in SHOWN:
                shown_strategy, byline = people(shown)
                if byline and wanted & {name_key(n) for n in byline}:
                    chosen, overlapped = (shown_strategy, byline), (strategy, _OVERLAPS)
                    break
                if byline and logins and any(" " in n for n in byline):
                    chosen, overlapped = (shown_strategy, byline), (strategy, _LOGINS)
                    break
        break
    completed = _completed(doc, chosen[1], site)
    if explanation is not None:
        _explain(explanation, chosen, overlapped, [people(source) for source in STRATEGIES])
        if completed != chosen[1]:
            note = f"{chosen[0]}'s first name with the surname the author box gives"
            explanation.won("authors", "author-box", completed, note, replaced="a first name only")
    return completed


# Why a shown byline won over metadata: the winner's note (with the metadata's strategy) and the loser's.
_OVERLAPS = (
    "the byline the page shows, which {} overlaps",
    "names the same people as the byline the page shows, which wins",
)
_LOGINS = (
    "the byline the page shows, where {} gives only logins",
    "logins, not names as printed; the byline the page shows wins",
)


def _explain(
    explanation: Explanation, chosen: Found, overlapped: tuple[str, tuple[str, str]] | None, every: list[Found]
) -> None:
    """The authors' strategy, and the other sources' names it beat."""
    strategy, names = chosen
    if strategy:
        note = overlapped[1][0].format(overlapped[0]) if overlapped else ""
        explanation.won("authors", strategy, names, note)
    for other, others in every:
        if others and other != strategy:
            why = overlapped[1][1] if overlapped and other == overlapped[0] else LOWER
            explanation.beat("authors", other, others, why)
