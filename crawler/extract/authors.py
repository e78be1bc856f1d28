"""Author names: structured data, meta tags, rel=author, then bylines; names only."""

from __future__ import annotations

import re
from functools import lru_cache

from .document import Document
from .metadata import ARTICLE_TYPES, as_list, microdata, nodes_of_type, text_value, types_of
from .regions import is_elsewhere
from .text import squash, text_of

_PREFIX = re.compile(
    r"^\s*(?:(?:written|posted|reported|published|compiled|edited|submitted|text|story|words|photos?)\s+by|by|from|"
    r"von|por|par|di|door|av|af|autor(?:a|in)?|author|authors|text|texte|текст|автор|фото|"
    r"نویسنده|نوشته|توسط|بقلم|كتبه|كتب|بواسطة|المؤلف|автор|著者|作者|筆者)\s*[:\-–：]?\s*(?=\S)",
    re.I,
)
# Words that open a byline written as plain text ("Posted by ...", "بقلم: ...").
_BYLINE_START = re.compile(
    r"^\s*(?:(?:written|posted|reported|published|submitted|words)\s+(?:on\s.{1,40}\s)?by\b|by\s|von\s|por\s|par\s|"
    r"نویسنده|بقلم|كتبه|بواسطة|автор|著者|筆者)",
    re.I,
)
_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|\bund\b|\s[|\-–—·•]\s|/|،|、|(?<=\w{3})\.\s)\s*", re.I)
_ROLE_WORDS = (
    r"(?:writer|reporter|correspondent|editor|columnist|contributor|journalist|producer|analyst|photographer|intern)s?"
)
_QUALIFIER = r"(?:staff|senior|chief|special|foreign|political|contributing|deputy|managing|associate|executive|guest)"
# A part that is only a role ("Senior Correspondent"), or a qualified role after a name ("Jane Doe, Staff Writer").
_ROLE_PART = re.compile(rf"^(?:the\s+)?(?:{_QUALIFIER}\s+)*{_ROLE_WORDS}(?:\s+(?:at|for|of)\b.*)?$", re.I)
_ROLE_WORD = re.compile(rf"^{_ROLE_WORDS}$", re.I)
# Letters after a name ("Ilana Muhlstein, MS, RDN"): not people.
_CREDENTIAL = re.compile(
    r"^(?:ph\.?\s?d|m\.?d|m\.?s|m\.?a|b\.?a|mba|rdn?|rn|cpa|esq|jr|sr|ii|iii|iv|msc|bsc|dphil|llm)\.?$", re.I
)
# A desk or a team, not a person ("IGN Staff", "Politics Desk").
_GROUP = re.compile(r"\b(?:staff|team|desk|newsroom|editors|editorial board)$", re.I)
_TRAILING_ROLE = re.compile(rf"\s+{_QUALIFIER}\s+{_ROLE_WORDS}\b.*$", re.I)
_DATEISH = re.compile(
    r"\b(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}|"
    r"updated|published|posted on|hours? ago|minutes? ago|min read)\b.*$|"
    r"\s+on\s+(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b).*$",
    re.I,
)
_NOT_A_NAME = re.compile(
    r"https?:|www\.|@|\.com\b|^\W*$|\d{3,}|\b(?:archive|rss|feed|e-?mail|view (?:all|more|profile)|posts by|more by|"
    r"follow|subscribe|read more|see more)\b",
    re.I,
)
_BYLINE_CLASS = re.compile(
    r"byline|author|writer|reporter|contributor|posted-by|entry-meta|post-meta|article-meta|submitted|post-info"
)
_AUTHOR_HREF = re.compile(
    r"/(?:author|authors|autor|autore|auteur|profile|profiles|people|staff|writers?|journalists?)/[^/?#]+", re.I
)
_BIO_CLASS = re.compile(r"bio|box|about|description|avatar|profile-text")
_STOPWORDS = {
    "admin",
    "administrator",
    "staff",
    "editor",
    "editors",
    "editorial",
    "team",
    "guest",
    "anonymous",
    "unknown",
    "view all posts",
    "more",
    "all posts",
    "posts",
    "contact",
    "share",
    "follow",
    "tweet",
    "email",
    "print",
    "facebook",
    "twitter",
    "whatsapp",
    "linkedin",
    "pinterest",
    "reddit",
    "comments",
    "comment",
}


def clean_names(raw: str) -> list[str]:
    """Split a byline string into clean names ("By A and B, Reporter" -> ["A", "B"])."""
    text = squash(raw)
    if not text or len(text) > 200 or _NOT_A_NAME.match(text):
        return []
    text = _DATEISH.sub("", text)
    text = _PREFIX.sub("", text)
    names = []
    for part in _SPLIT.split(text):
        part = _PREFIX.sub("", part.strip(" \t-–—|:·•,"))
        part = _TRAILING_ROLE.sub("", part).strip(" \t-–—|:·•,()／・")
        if _ROLE_PART.match(part) or _CREDENTIAL.match(part) or _GROUP.search(part):
            continue
        words = part.split()
        if words and _ROLE_WORD.match(words[-1]) and (words[-1].islower() or len(words) >= 3):
            # "News reporter", "Live Science Contributor"; but "Bob Writer" may well be a name.
            continue
        if not words or len(words) > 5 or len(part) > 60:
            continue
        if _NOT_A_NAME.search(part) or part.casefold() in _STOPWORDS:
            continue
        if not any(ch.isalpha() for ch in part):
            continue
        names.append(part)
    return names


def _dedupe(names: list[str]) -> list[str]:
    seen, out = set(), []
    for name in names:
        key = name.casefold()
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out


def _from_jsonld(doc: Document) -> list[str]:
    """People named as author or creator of the article; organisations only when no person is."""
    for node in nodes_of_type(doc.jsonld, ARTICLE_TYPES):
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
            return people
        if organisations:
            # A byline on the page usually names the person; the organisation is the fallback.
            return _from_bylines(doc) or organisations
    return []


def _resolve_id(doc: Document, node_id: str) -> str:
    for node in doc.jsonld:
        if node.get("@id") == node_id:
            return text_value(node.get("name"))
    return ""


def _from_microdata(doc: Document) -> list[str]:
    names = []
    for el in microdata(doc, "author"):
        inner = [e for e in el.iter() if "name" in (e.get("itemprop") or "").split()]
        raw = (inner[0].get("content") or text_of(inner[0])) if inner else (el.get("content") or text_of(el))
        names += clean_names(raw)
    return names


def _from_meta(doc: Document) -> list[str]:
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
        if value and not value.startswith(("http", "@")):
            names = clean_names(value)
            if names:
                return names
    return []


def _from_rel_author(doc: Document) -> list[str]:
    """rel=author links, and RDFa rel="schema:author" wrappers (Drupal)."""
    names: list[str] = []
    if "author" not in doc.text:
        return names
    for el in doc.root.xpath(
        "//body//*[contains(@rel, 'author') or contains(@rel, 'AUTHOR') or contains(@rel, 'Author')]"
    ):
        if not any(token.rsplit(":", 1)[-1] == "author" for token in el.get("rel", "").lower().split()):
            continue
        if is_elsewhere(el):
            continue
        inner = el.xpath(".//*[@property='schema:name' or @itemprop='name']")
        names += clean_names(text_of(inner[0] if inner else el))
    return names


@lru_cache(maxsize=16384)
def _is_byline_label(label: str) -> bool:
    label = label.lower()
    return bool(_BYLINE_CLASS.search(label)) and not _BIO_CLASS.search(label)


def _from_bylines(doc: Document) -> list[str]:
    for el, label in doc.labelled:
        if not _is_byline_label(label) or is_elsewhere(el):
            continue
        links = [a for a in el.iter("a") if _AUTHOR_HREF.search(a.get("href") or "")]
        if links:
            names = [n for a in links for n in clean_names(text_of(a))]
        else:
            names = clean_names(text_of(el))
        if names:
            return names
    return []


def _from_author_links(doc: Document) -> list[str]:
    """Links to author pages (/author/jane-doe) outside comments and sidebars; the first group wins."""
    names: list[str] = []
    group = None
    for a in doc.root.xpath("//body//a[@href]"):
        if not _AUTHOR_HREF.search(a.get("href")) or is_elsewhere(a):
            continue
        found = clean_names(text_of(a))
        if not found:
            continue
        parent = a.getparent()
        if group is not None and parent is not group and parent.getparent() is not group.getparent():
            break
        group = parent
        names += found
    return names


def _from_text_byline(doc: Document) -> list[str]:
    """A byline written as text: "Posted by Anna Lindqvist on 3 May 2016", "بقلم: أحمد منصور"."""
    body = doc.root.find("body")
    if body is None:
        return []
    for el in body.iter("p", "div", "span", "small", "em", "address", "td", "li", "font", "b", "strong"):
        text = el.text
        if not text or not _BYLINE_START.match(text):
            continue
        full = squash(text_of(el))
        if len(full) > 120 or is_elsewhere(el):
            continue
        names = clean_names(full)
        if names:
            return names
    return []


STRATEGIES = (
    _from_jsonld,
    _from_microdata,
    _from_meta,
    _from_rel_author,
    _from_bylines,
    _from_author_links,
    _from_text_byline,
)
STRUCTURED = (_from_jsonld, _from_microdata, _from_meta)
SHOWN = (_from_rel_author, _from_bylines)


def extract_authors(doc: Document) -> list[str]:
    """Names from the most trustworthy source; a byline the page shows wins over metadata it agrees with.

    Metadata often names only the first author ("Jane Doe" for "By Jane Doe and John Smith") or adds
    the publisher ("Finian Cunningham. Sputnik International"); the byline is what readers see.
    """
    for strategy in STRATEGIES:
        names = _dedupe(strategy(doc))
        if not names:
            continue
        if strategy in STRUCTURED:
            wanted = {n.casefold() for n in names}
            for shown in SHOWN:
                byline = _dedupe(shown(doc))
                if byline and wanted & {n.casefold() for n in byline}:
                    return byline
        return names
    return []
