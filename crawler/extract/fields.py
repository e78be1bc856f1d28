"""Small metadata fields: canonical URL, tags, categories, language, description, image, site name."""

from __future__ import annotations

import re
from functools import lru_cache

from .document import Document
from .metadata import ARTICLE_TYPES, as_list, nodes_of_type, text_value
from .regions import is_elsewhere
from .text import squash, text_of


def _article_nodes(doc: Document) -> list[dict]:
    return nodes_of_type(doc.jsonld, ARTICLE_TYPES)


def canonical_url(doc: Document) -> str:
    for href in doc.root.xpath("//link[@rel and @href]"):
        if "canonical" in href.get("rel", "").lower().split():
            url = doc.absolute(href.get("href"))
            if url:
                return url
    return doc.absolute(doc.meta.get("og:url")) or doc.url


def _unique(values) -> list[str]:
    seen, out = set(), []
    for value in values:
        value = squash(value)
        if value and value.casefold() not in seen and len(value) <= 80:
            seen.add(value.casefold())
            out.append(value)
    return out


def _keywords(value) -> list[str]:
    out = []
    for item in as_list(value):
        text = text_value(item)
        out += text.split(",") if isinstance(item, str) else [text]
    return out


def _declared(doc: Document, jsonld_key: str, meta_property: str) -> list[str]:
    """Names the page declares: the article's JSON-LD key, else <meta property|name=meta_property>."""
    for node in _article_nodes(doc):
        if node.get(jsonld_key):
            return _unique(_keywords(node[jsonld_key]))
    xpath = f"//meta[@property='{meta_property}' or @name='{meta_property}']"
    return _unique(el.get("content", "") for el in doc.root.xpath(xpath))


def _rel_links(doc: Document, rel: str, only: bool) -> list[str]:
    """Text of <a rel=...> links: rel is the link's only relation (only) or one of them."""
    links = doc.root.xpath("//a[@rel]")
    rels = [(a, a.get("rel", "").lower().split()) for a in links]
    return _unique(text_of(a) for a, names in rels if (names == [rel] if only else rel in names))


def tags(doc: Document) -> list[str]:
    return (
        _declared(doc, "keywords", "article:tag")
        or _rel_links(doc, "tag", only=True)
        or _unique(_tag_list_links(doc))
        or _unique(doc.meta.get("news_keywords", doc.meta.get("keywords", "")).split(","))
    )


_TAG_LIST = re.compile(r"(?:^|[\s_-])(?:tags|tag-?list|tags-links|keywords|topics)(?:$|[\s_-])", re.I)


@lru_cache(maxsize=16384)
def _is_tag_list_label(label: str) -> bool:
    return bool(_TAG_LIST.search(label))


def _tag_list_links(doc: Document) -> list[str]:
    """Links in a box labelled as the page's tags (Drupal's field--name-field-tags, "post-tags", ...)."""
    for el, label in doc.labelled:
        if el.tag == "a" or not _is_tag_list_label(label) or is_elsewhere(el):
            continue
        names = [text_of(a) for a in el.iter("a")]
        if names and len(names) <= 30:
            return names
    return []


_LISTING_LABEL = re.compile(
    r"^(?:category|categories|tag|tags|topic|author|archives?|section)\s*:\s*|\s+archives?$", re.I
)


def listing_title(title: str | None) -> str | None:
    """ "Category: Science" and "Science Archives" name the listing "Science"."""
    return _LISTING_LABEL.sub("", title).strip() or title if title else title


def categories(doc: Document) -> list[str]:
    return _declared(doc, "articleSection", "article:section") or _rel_links(doc, "category", only=False)


def language(doc: Document) -> str | None:
    for node in _article_nodes(doc):
        value = text_value(node.get("inLanguage"))
        if value:
            return value
    lang = doc.root.get("lang") or doc.root.get("{http://www.w3.org/XML/1998/namespace}lang")
    if lang and lang.strip():
        return lang.strip()
    meta = doc.meta.get("content-language") or doc.meta.get("og:locale") or doc.meta.get("language")
    if meta:
        return meta.replace("_", "-").split(",")[0].strip()
    header = doc.page.header("Content-Language")
    return header.split(",")[0].strip() if header else None


def description(doc: Document) -> str | None:
    for key in ("description", "og:description", "twitter:description"):
        if doc.meta.get(key):
            return squash(doc.meta[key])
    for node in _article_nodes(doc):
        value = text_value(node.get("description"))
        if value:
            return value
    return None


def image(doc: Document) -> str | None:
    for key in ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"):
        url = doc.absolute(doc.meta.get(key))
        if url:
            return url
    for node in _article_nodes(doc):
        for item in as_list(node.get("image")):
            url = doc.absolute(
                text_value(item) if not isinstance(item, dict) else text_value(item.get("url") or item.get("@id"))
            )
            if url:
                return url
    return None


def site_name(doc: Document) -> str | None:
    if doc.meta.get("og:site_name"):
        return squash(doc.meta["og:site_name"])
    for node in _article_nodes(doc):
        publisher = node.get("publisher")
        if isinstance(publisher, dict) and text_value(publisher.get("name")):
            return text_value(publisher.get("name"))
    for node in nodes_of_type(doc.jsonld, {"website", "organization", "newsmediaorganization"}):
        if text_value(node.get("name")):
            return text_value(node.get("name"))
    return squash(doc.meta.get("application-name")) or None
