"""Breadcrumb trail: [{"name", "url"}], home first, as the page shows it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from .document import Document
from .explain import first
from .memo import label_cache
from .metadata import as_list, nodes_of_type, text_value
from .text import squash, text_of

_SEPARATOR_CHARS = "»›>/|→·•"
_SEPARATORS = re.compile(r"\s*(?:[»›>/|→·•]|&gt;|&raquo;)\s*")
_CLASS = re.compile(r"bread|crumb|trail")
# "You are here:" before a trail, in the languages CMS themes ship.
_PREFIX = re.compile(
    r"^\s*(?:you are here|sie sind hier|sie befinden sich hier|vous êtes ici|usted está aquí|está aquí|estás aquí|"
    r"estás en|ti trovi in|sei qui|você está aqui|voce esta aqui|u bent hier|je bent hier|jesteś tutaj|"
    r"jestes tutaj|buradasınız|şu an buradasınız|вы здесь|вы находитесь|شما اینجا هستید|أنت هنا|"
    r"您的位置|您现在的位置|当前位置|現在位置|현재 위치|location)\s*[:：]?\s*",
    re.I,
)
_HOME_WORDS = {
    "home",
    "startpagina",
    "inizio",
    "anasayfa",
    "ana sayfa",
    "strona główna",
    "首页",
    "首頁",
    "ホーム",
    "홈",
    "homepage",
    "home page",
    "start",
    "startseite",
    "accueil",
    "inicio",
    "início",
    "главная",
    "خانه",
    "الرئيسية",
    "صفحه اصلی",
}
_MAX_ITEMS = 12
_HIDDEN_CLASS = re.compile(r"screen-reader|visually-hidden|sr-only|element-invisible|hidden", re.I)
# How the separators can be written in the source, to skip the scan on pages that have none.
_SEPARATOR_MARKUP = ("»", "›", "→", "&raquo;", "&rsaquo;", "&rarr;", "&#187;", "&#8250;", "&#8594;", "&gt;")


def _item(name: str, url: str | None) -> dict:
    return {"name": name, "url": url}


def _from_jsonld(doc: Document) -> list[dict]:
    for node in nodes_of_type(doc.jsonld, {"breadcrumblist"}):
        elements = [e for e in as_list(node.get("itemListElement")) if isinstance(e, dict)]
        elements.sort(key=lambda e: _position(e.get("position")))
        items = []
        for element in elements:
            target = element.get("item")
            name = text_value(element.get("name"))
            url = None
            if isinstance(target, dict):
                name = name or text_value(target.get("name"))
                url = target.get("@id") or target.get("url")
            elif isinstance(target, str):
                url = target
            if name:
                items.append(_item(name, doc.absolute(url) if isinstance(url, str) else None))
        if items:
            return items
    return []


def _position(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _from_markup(doc: Document) -> list[dict]:
    """Microdata (itemtype=BreadcrumbList) and RDFa (typeof=BreadcrumbList)."""
    if "BreadcrumbList" not in doc.text:
        return []
    for scope in doc.root.xpath("//*[contains(@itemtype,'BreadcrumbList') or contains(@typeof,'BreadcrumbList')]"):
        items = []
        for element in scope.xpath(
            ".//*[contains(@itemprop,'itemListElement') or contains(@property,'itemListElement')]"
        ):
            names = element.xpath(".//*[@itemprop='name' or @property='name']")
            name = squash(names[0].get("content") or text_of(names[0])) if names else squash(text_of(element))
            links = element.xpath(
                ".//*[@itemprop='item' or @property='item']/@href | .//*[@itemprop='item' or @property='item']/@content | .//a/@href"
            )
            if name:
                items.append(_item(name, doc.absolute(links[0]) if links else None))
        if items:
            return items
    return []


def trail_tokens(container, doc: Document) -> list[dict]:
    """Anchors and separator-split text of a trail element, in order."""
    items: list[dict] = []
    _collect_tokens(container, doc, items)
    if items:
        items[0]["name"] = _PREFIX.sub("", items[0]["name"])
        if not items[0]["name"]:
            items.pop(0)
    return items


def _collect_tokens(el, doc: Document, items: list[dict]) -> None:
    if el.tag == "a":
        name = squash(text_of(el))
        if name:
            items.append(_item(name, doc.absolute(el.get("href"))))
    elif el.tag not in ("script", "style", "svg") and not _HIDDEN_CLASS.search(el.get("class") or ""):
        _add_text(el.text, items)
        for child in el:
            _collect_tokens(child, doc, items)
            _add_text(child.tail, items)


def _add_text(text: str | None, items: list[dict]) -> None:
    if not text:
        return
    for part in _SEPARATORS.split(text):
        part = squash(part)
        if part and part.strip(_SEPARATOR_CHARS):
            items.append(_item(part, None))


def _is_home(item: dict, doc: Document) -> bool:
    if item["name"].casefold() in _HOME_WORDS:
        return True
    return (
        bool(item["url"])
        and urlsplit(item["url"]).path in ("", "/")
        and urlsplit(item["url"]).netloc == urlsplit(doc.url).netloc
    )


@label_cache
def _is_trail_label(label: str) -> bool:
    return bool(_CLASS.search(label.lower()))


def _from_class(doc: Document) -> list[dict]:
    for el, label in doc.labelled:
        if not _is_trail_label(label) and not _is_trail_label(el.get("aria-label") or ""):
            continue
        if el.tag in ("body", "html", "script", "style", "link", "meta"):
            continue
        if len(text_of(el)) > 400:
            continue
        items = trail_tokens(el, doc)
        if len(items) >= 2:
            return items
    return []


_SEPARATOR_TEXTS = etree.XPath(
    "//body//text()[string-length() < 12][contains(., '»') or contains(., '›') or contains(., '>') or contains(., '→')]"
)


def _separator_parents(doc: Document):
    """Elements with a separator ("»", "›", ">", "→") as a short text node of their own (found in C, by XPath)."""
    if not any(mark in doc.text for mark in _SEPARATOR_MARKUP):
        return
    for text in _SEPARATOR_TEXTS(doc.root):
        owner = text.getparent()
        if owner is None:
            continue
        if text.is_tail:
            owner = owner.getparent()
        if owner is not None and owner.tag not in ("script", "style"):
            yield owner


def _from_text_trail(doc: Document) -> list[dict]:
    """An unmarked trail such as 'Home » Category » Title' near the top of the page."""
    seen = set()
    for el in _separator_parents(doc):
        if el in seen:
            continue
        seen.add(el)
        if len(seen) > 30:
            break
        text = squash(text_of(el))
        if not text or len(text) > 300 or el.find(".//a") is None:
            continue
        items = trail_tokens(el, doc)
        if len(items) >= 2 and _is_home(items[0], doc) and sum(1 for i in items if i["url"]) >= 1:
            return items
    return []


STRATEGIES = (
    ("json-ld:BreadcrumbList", _from_jsonld),
    ("microdata:BreadcrumbList", _from_markup),  # or RDFa
    ("breadcrumb-class", _from_class),
    ("text-trail", _from_text_trail),
)


def extract_breadcrumb(doc: Document, page_url: str, title: str = "") -> list[dict]:
    items = first(((name, strategy(doc)) for name, strategy in STRATEGIES), doc.explanation, "breadcrumb")
    return finish_trail(items, doc, page_url, title) if items else []


def finish_trail(items: list[dict], doc: Document, page_url: str, title: str = "") -> list[dict]:
    """Cap the trail, as the page shows it: a trail that stops at the section stays that way (nothing is
    appended), and its last, unlinked item is the page itself, so it gets the page's URL."""
    items = items[:_MAX_ITEMS]
    last = items[-1]
    if last["url"] is None:
        last["url"] = page_url
    return items
