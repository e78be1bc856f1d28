"""Small metadata fields: canonical URL, tags, categories, language, description, image, site name."""

from __future__ import annotations

import re

from .document import Document
from .explain import first, meta_strategy
from .memo import label_cache
from .metadata import ARTICLE_TYPES, as_list, nodes_of_type, text_value, types_of
from .regions import is_elsewhere
from .text import squash, text_of


def _article_nodes(doc: Document) -> list[dict]:
    return nodes_of_type(doc.jsonld, ARTICLE_TYPES)


def canonical_url(doc: Document) -> str:
    return first(_canonical_urls(doc), doc.explanation, "canonical_url")


def _canonical_urls(doc: Document):
    for link in doc.elements("link"):
        rel, href = link.get("rel"), link.get("href")
        if rel is not None and href is not None and "canonical" in rel.lower().split():
            yield "link:canonical", doc.absolute(href)
    yield "opengraph:og:url", doc.absolute(doc.meta.get("og:url"))
    yield "page:url", doc.url


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


def _declared(doc: Document, jsonld_key: str, meta_property: str):
    """Names the page declares: the article's JSON-LD key (the first article that has it), else
    <meta property|name=meta_property>."""
    for node in _article_nodes(doc):
        if node.get(jsonld_key):
            yield f"json-ld:{jsonld_key}", _unique(_keywords(node[jsonld_key]))
            return
    metas = (el for el in doc.meta_elements if el.get("property") == meta_property or el.get("name") == meta_property)
    yield f"opengraph:{meta_property}", _unique(el.get("content", "") for el in metas)


def _rel_links(doc: Document, rel: str, only: bool) -> list[str]:
    """Text of <a rel=...> links: rel is the link's only relation (only) or one of them."""
    return _unique(text_of(a) for a, names in doc.rel_anchors if (names == [rel] if only else rel in names))


def tags(doc: Document) -> list[str]:
    return first(_tag_sources(doc), doc.explanation, "tags") or []


def _tag_sources(doc: Document):
    yield from _declared(doc, "keywords", "article:tag")
    yield "rel-tag", _rel_links(doc, "tag", only=True)
    yield "tag-list", _unique(_tag_list_links(doc))
    key = "news_keywords" if "news_keywords" in doc.meta else "keywords"
    yield f"meta:{key}", _unique(doc.meta.get(key, "").split(","))


_TAG_LIST = re.compile(r"(?:^|[\s_-])(?:tags|tag-?list|tags-links|keywords|topics)(?:$|[\s_-])", re.I)


@label_cache
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
    return first(_category_sources(doc), doc.explanation, "categories") or []


def _category_sources(doc: Document):
    yield from _declared(doc, "articleSection", "article:section")
    yield "rel-category", _rel_links(doc, "category", only=False)


def language(doc: Document) -> str | None:
    return first(_language_sources(doc), doc.explanation, "language")


def _language_sources(doc: Document):
    for node in _article_nodes(doc):
        yield "json-ld:inLanguage", text_value(node.get("inLanguage"))
    lang = doc.root.get("lang") or doc.root.get("{http://www.w3.org/XML/1998/namespace}lang")
    yield "html:lang", lang.strip() if lang else None
    key = next((k for k in ("content-language", "og:locale", "language") if doc.meta.get(k)), None)
    if key is not None:  # the first of these the page has is its answer, the header is not asked
        yield meta_strategy(key), doc.meta[key].replace("_", "-").split(",")[0].strip()
        return
    header = doc.page.header("Content-Language")
    yield "http:Content-Language", header.split(",")[0].strip() if header else None


def description(doc: Document) -> str | None:
    return first(_description_sources(doc), doc.explanation, "description")


def _description_sources(doc: Document):
    for key in ("description", "og:description", "twitter:description"):
        yield meta_strategy(key), squash(doc.meta[key]) if doc.meta.get(key) else None
    for node in _article_nodes(doc):
        yield "json-ld:description", text_value(node.get("description"))


def image(doc: Document) -> str | None:
    return first(_image_sources(doc), doc.explanation, "image")


def _image_sources(doc: Document):
    for key in ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"):
        yield meta_strategy(key), doc.absolute(doc.meta.get(key))
    for node in _article_nodes(doc):
        for item in as_list(node.get("image")):
            yield (
                "json-ld:image",
                doc.absolute(
                    text_value(item) if not isinstance(item, dict) else text_value(item.get("url") or item.get("@id"))
                ),
            )


def site_name(doc: Document) -> str | None:
    return first(_site_name_sources(doc), doc.explanation, "site_name")


def _site_name_sources(doc: Document):
    yield "opengraph:og:site_name", squash(doc.meta.get("og:site_name"))
    for node in _article_nodes(doc):
        publisher = node.get("publisher")
        if isinstance(publisher, dict):
            yield "json-ld:publisher", text_value(publisher.get("name"))
    for node in nodes_of_type(doc.jsonld, {"website", "organization", "newsmediaorganization"}):
        yield "json-ld:" + ("WebSite" if "website" in types_of(node) else "Organization"), text_value(node.get("name"))
    yield "meta:application-name", squash(doc.meta.get("application-name"))
