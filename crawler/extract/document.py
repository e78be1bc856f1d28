"""A page parsed once: one lxml tree, and what several fields share (links, metadata, JSON-LD)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from crawler.web.page import Page
from crawler.web.urls import absolute_url

from .explain import Explanation
from .metadata import parse_jsonld
from .text import squash, text_of

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.I)
# libxml2 without huge_tree caps nesting depth and node size, which bounds hostile pages. Plain etree
# elements, not lxml.html's: its per-element class lookup costs more than the parse itself.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False)


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    text: str
    tag: str  # a, link, img, ...
    rel: str
    type: str = ""


class Document:
    """One page, parsed once; fields and link discovery read from the same tree.

    explain=True: extraction records why each field has its value, in self.explanation (explain.py).
    """

    def __init__(self, page: Page, explain: bool = False):
        self.page = page
        self.url = page.url
        text = page.text
        # lxml refuses str input that declares an encoding.
        self.text = _XML_DECLARATION.sub("", text, count=1) if text[:200].lstrip().startswith("<?") else text
        self.root = self._parse(self.text)
        self.problems: list[str] = []  # what site parsers got wrong on this page (the record still comes out)
        self.explanation = Explanation() if explain else None
        self._found: dict[tuple[str, ...], list] = {}
        self._in_body: dict[str, list] = {}

    @staticmethod
    def _parse(text: str):
        if text.strip():
            try:
                root = etree.fromstring(text, parser=_PARSER)
                if root is not None and root.tag == "html":
                    return root
            except (etree.ParserError, etree.XMLSyntaxError, ValueError):
                pass
        return etree.fromstring("<html><head></head><body></body></html>", parser=_PARSER)

    # ---- elements by tag -------------------------------------------------------------------------
    # Several fields ask for the same tags (<a>, <meta>), and lxml walks the whole tree for each ask
    # (0.07 ms on a 300-element page, 0.16 on an 800-element one): each set of tags is walked for once.
    # Not one index of every element: a Python pass over them all costs more than the walks it saves.

    def elements(self, tag: str, *more: str) -> list:
        """The document's elements of these tags in document order, as //tag finds them (those after
        </html> too: a second <html>). The same list every time: do not change it."""
        tags = (tag, *more)
        found = self._found.get(tags)
        if found is None:
            tops = (self.root, *self.root.itersiblings(etree.Element))
            found = self._found[tags] = [el for top in tops for el in top.iter(*tags)]
        return found

    def in_body(self, tag: str) -> list:
        """The elements of a tag inside <body>, in document order: what //body//tag finds. The same list
        every time: do not change it."""
        found = self._in_body.get(tag)
        if found is None:
            found = self._in_body[tag] = self._inside_body(tag)
        return found

    def _inside_body(self, tag: str) -> list:
        found = self.elements(tag)
        bodies = self.elements("body")
        if len(bodies) != 1 or bodies[0].getparent() is not self.root or self.root.getnext() is not None:
            return self.root.xpath(f"//body//{tag}")  # no body, or nested or later documents: rare
        body = bodies[0]
        outside = {id(el) for child in self.root if child is not body for el in child.iter(tag)}  # <head>: small
        return [el for el in found if id(el) not in outside] if outside else found

    # ---- what several fields read -----------------------------------------------------------------

    @cached_property
    def base_url(self) -> str:
        for base in self.elements("base"):  # //head/base/@href: the first <base href> of a <head>
            href = base.get("href")
            parent = base.getparent()
            if href is not None and parent is not None and parent.tag == "head":
                href = href.strip()
                if href:
                    return urljoin(self.url, href)
                break
        return self.url

    def absolute(self, href: str | None) -> str | None:
        """Resolve href against the page; None for empty, fragment-only and non-web links."""
        return absolute_url(self.base_url, href)

    @cached_property
    def _link_elements(self) -> list[tuple[Any, str, str, str, str]]:
        """(element, url, tag, rel, type) of every outgoing link, in document order."""
        out, base = [], self.base_url
        for el in self.elements("a", "area", "link", "img", "iframe", "frame", "source"):
            tag = el.tag
            attr = "src" if tag in ("img", "iframe", "frame", "source") else "href"
            url = absolute_url(base, el.get(attr))  # self.absolute's answer, without a call more a link
            if url is not None:
                out.append((el, url, tag, (el.get("rel") or "").lower(), (el.get("type") or "").lower()))
        return out

    @cached_property
    def link_targets(self) -> list[tuple[str, str, str, str]]:
        """(url, tag, rel, type) of every outgoing link, in document order: what discovery needs, without
        the anchor texts of `links` (a link-heavy page's text walks cost more than the rest of its links)."""
        return [(url, tag, rel, type_) for _, url, tag, rel, type_ in self._link_elements]

    @cached_property
    def links(self) -> list[Link]:
        """Outgoing links in document order: anchors, <link> elements, images and frames."""
        return [
            Link(url, squash(text_of(el)) if tag == "a" else "", tag, rel, type_)
            for el, url, tag, rel, type_ in self._link_elements
        ]

    @cached_property
    def anchor_texts(self) -> set[str]:
        """The texts of the page's web links (<a> elements whose href resolves to http or https)."""
        if "_link_elements" in self.__dict__:  # resolved already (link discovery): reuse them
            return {link.text for link in self.links if link.text}
        texts = set()
        for a in self.elements("a"):
            text = squash(text_of(a))
            if text and text not in texts and self.absolute(a.get("href")) is not None:
                texts.add(text)
        return texts

    @cached_property
    def rel_anchors(self) -> list[tuple[Any, list[str]]]:
        """(element, its rel tokens lower-cased) for every <a rel=...> of the document, in order."""
        return [(a, rel.lower().split()) for a in self.elements("a") if (rel := a.get("rel")) is not None]

    @cached_property
    def meta_elements(self) -> list:
        """Every <meta> element of the document, in order (those after </html> too)."""
        return self.elements("meta")

    @cached_property
    def meta(self) -> dict[str, str]:
        """<meta> values by lower-cased name/property/itemprop; the first one wins."""
        values: dict[str, str] = {}
        for el in self.meta_elements:
            content = el.get("content")
            if content is None:
                continue
            content = content.strip()
            for attr in ("property", "name", "itemprop", "http-equiv"):
                key = el.get(attr)
                if key:
                    values.setdefault(key.strip().lower(), content)
        return values

    @cached_property
    def labelled(self) -> list[tuple[Any, str]]:
        """(element, "class id") for every element of <body> with a class or id, in document order."""
        body = self.root.find("body")
        if body is None:
            return []
        out = []
        for el in body.iter(etree.Element):  # a loop here beats XPath's predicate, and reads each value once
            if el is not body:
                cls, id_ = el.get("class"), el.get("id")
                if cls is not None or id_ is not None:
                    out.append((el, f"{cls or ''} {id_ or ''}"))
        return out

    @cached_property
    def itemprops(self) -> dict[str, list]:
        """Microdata and RDFa elements by property name (itemprop="a b" lists under both), in order."""
        found: dict[str, list] = {}
        if "itemprop" not in self.text and "property" not in self.text:
            return found
        for el in self.root.xpath("//*[@itemprop] | //body//*[@property]"):
            for name in ((el.get("itemprop") or "") + " " + (el.get("property") or "")).split():
                found.setdefault(name.rsplit(":", 1)[-1], []).append(el)
        return found

    @cached_property
    def jsonld(self) -> list[dict]:
        return parse_jsonld(self.elements("script"))

    @cached_property
    def html_title(self) -> str:
        for el in self.elements("title"):
            return squash(text_of(el))
        return ""
