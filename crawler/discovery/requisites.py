"""Page requisites: what an archived page needs to replay as it looked.

Stylesheets, scripts, icons, fonts, images (src, srcset, <picture> sources, lazy-loading data-
attributes, table and body backgrounds), media and their posters, in-scope frames, and the url()
and @import references of stylesheets and style attributes, parsed with tinycss2 (a CSS Syntax
Level 3 tokenizer), never with regular expressions; a regular expression only finds where a
stylesheet's top-level rules end (cssrules.py), so that only those that may hold a reference are
tokenized. Pure rules: a parsed tree or CSS text in, (url, kind) pairs out, each URL once, in
document order. The references of inline CSS are remembered, as written, for the site's next
pages, which repeat it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator

import tinycss2
from lxml import etree
from tinycss2.bytes import decode_stylesheet_bytes

from crawler.web.urls import LONGEST_LINK, absolute_url

from .cssrules import top_level_rules, unescaped
from .scope import trap_reason

STYLESHEET, SCRIPT, ICON, IMAGE, FONT, MEDIA, MANIFEST, FRAME = (
    "stylesheet",
    "script",
    "icon",
    "image",
    "font",
    "media",
    "manifest",
    "frame",
)
KINDS = (STYLESHEET, SCRIPT, ICON, IMAGE, FONT, MEDIA, MANIFEST, FRAME)

_ICON_RELS = {"icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon"}
# <link rel=preload as=...>: what the browser fetches for this page (prefetch is for later pages).
_PRELOAD_AS = {"style": STYLESHEET, "script": SCRIPT, "font": FONT, "image": IMAGE, "audio": MEDIA, "video": MEDIA}
# Elements whose attributes name images or media, and which attributes (srcset-like ones apart).
_SOURCE_ATTRS: dict[str, tuple[tuple[str, str], ...]] = {
    "img": (("src", IMAGE), ("data-src", IMAGE), ("lowsrc", IMAGE)),
    "input": (("src", IMAGE),),
    "source": (("src", MEDIA), ("data-src", IMAGE)),
    "video": (("poster", IMAGE), ("src", MEDIA)),
    "audio": (("src", MEDIA),),
    "track": (("src", MEDIA),),
    "embed": (("src", MEDIA),),
    "object": (("data", MEDIA),),
    "body": (("background", IMAGE),),
    "table": (("background", IMAGE),),
    "tr": (("background", IMAGE),),
    "td": (("background", IMAGE),),
    "th": (("background", IMAGE),),
    "script": (("src", SCRIPT),),
    "iframe": (("src", FRAME),),
    "frame": (("src", FRAME),),
}
_SRCSET_ATTRS = ("srcset", "data-srcset", "imagesrcset")
# The elements that can name a requisite, and those with a style attribute.
_CANDIDATE_TAGS = frozenset(("link", "style", *_SOURCE_ATTRS))
_IMAGE_SET_FUNCTIONS = {"image-set", "-webkit-image-set"}
# What a rule must hold, its escapes undone, to hold a reference (see _rule_references).
_REFERENCE_MARK = re.compile(r"url\(|src\(|image-set\(|@import", re.IGNORECASE)


def srcset_urls(value: str) -> list[str]:
    """The image candidates of a srcset attribute ("a.jpg 1x, b.jpg 640w"), as the HTML standard splits them.

    A URL may itself hold commas; a candidate ends at the whitespace after its URL, and a comma
    only separates candidates after a descriptor (or right after a URL ending in a comma).
    """
    urls, position, length = [], 0, len(value)
    while position < length:
        while position < length and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < length and not value[position].isspace():
            position += 1
        url = value[start:position]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            depth = 0  # skip the descriptors, up to the comma that ends them (not one inside parentheses)
            while position < length and (value[position] != "," or depth):
                depth += {"(": 1, ")": -1}.get(value[position], 0)
                position += 1
        if url:
            urls.append(url)
    return urls


def link_kind(rel: str, as_: str = "") -> str | None:
    """What a <link rel=...> brings to the page, or None when it is not a requisite (alternate, next, ...)."""
    rels = set(rel.lower().split())
    if "stylesheet" in rels:
        return STYLESHEET
    if rels & _ICON_RELS:
        return ICON
    if "modulepreload" in rels:
        return SCRIPT
    if "preload" in rels:
        return _PRELOAD_AS.get(as_.strip().lower())
    if "manifest" in rels:
        return MANIFEST
    return None


class _Found:
    """(url, kind) pairs, each URL once (its first kind)."""

    def __init__(self):
        self.pairs: list[tuple[str, str]] = []
        self.seen: set[str] = set()

    def add(self, url: str | None, kind: str) -> None:
        if url and url not in self.seen:
            self.seen.add(url)
            self.pairs.append((url, kind))


def html_requisites(root, base_url: str) -> list[tuple[str, str]]:
    """(url, kind) of everything a page's tree (lxml, from the page's one parse) needs to render."""
    found = _Found()

    def resolve(href: str | None) -> str | None:
        return absolute_url(base_url, href)

    for el in _candidates(root):
        tag = el.tag
        if tag == "link":
            kind = link_kind(el.get("rel") or "", el.get("as") or "")
            if kind is not None:
                found.add(resolve(el.get("href")), kind)
                for url in srcset_urls(el.get("imagesrcset") or ""):
                    found.add(resolve(url), IMAGE)
        elif tag == "style" and _may_reference(css := el.text or ""):  # read once: lxml copies it out each time
            for url, kind in css_requisites(css, base_url):
                found.add(url, kind)
        for attr, kind in _SOURCE_ATTRS.get(tag, ()):
            found.add(resolve(el.get(attr)), kind)
        if tag in ("img", "source"):
            for attr in _SRCSET_ATTRS:
                for url in srcset_urls(el.get(attr) or ""):
                    found.add(resolve(url), IMAGE)
        style = el.get("style")
        if style and _may_reference(style):
            for url, kind in css_declaration_requisites(style, base_url):
                found.add(url, kind)
    return found.pairs


def _candidates(root) -> Iterator:
    """The elements that can name a requisite, in document order, those after </html> too (as XPath's
    // finds them; one pass of root.iter() takes half the time of a union of 19 // steps)."""
    tags = _CANDIDATE_TAGS
    for top in (*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()):
        for el in top.iter(etree.Element):
            if el.tag in tags or el.get("style") is not None:
                yield el


def _may_reference(css: str) -> bool:
    """Whether inline CSS can hold a reference at all, before paying for tokenizing it (pages carry
    kilobytes of inline CSS without one). Only a url written with CSS escapes in its name (u\\72l()
    gets past this; no browser-generated or hand-written CSS we know of does that."""
    # lower() and substring searches: html_requisites took 0.40 ms a bench page with _REFERENCE_MARK here, 0.19 so
    lowered = css.lower()
    return "url(" in lowered or "@import" in lowered or "image-set(" in lowered or "src(" in lowered


def css_requisites(css: str | bytes, base_url: str, encoding: str | None = None) -> list[tuple[str, str]]:
    """(url, kind) of a stylesheet's @import rules (stylesheet), @font-face sources (font) and other url()s (image).

    Bytes are decoded as CSS says (BOM, @charset, then the HTTP charset given as encoding, then UTF-8).
    """
    if isinstance(css, bytes):  # a fetched stylesheet: each is read once, and not remembered
        text, _ = decode_stylesheet_bytes(css, protocol_encoding=encoding)
        return _resolved(_text_references(text), base_url)
    references = _remembered(b"sheet" + css.encode("utf-8", "surrogatepass"), lambda: _text_references(css))
    return _resolved(references, base_url)


def _text_references(css: str) -> Iterator[tuple[str | None, str]]:
    """tinycss2's references of a stylesheet, reading only its top-level rules that may hold one."""
    rules = top_level_rules(css)
    if rules is None:
        yield from _stylesheet_references(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
        return
    for rule in rules:
        if _REFERENCE_MARK.search(unescaped(rule)):
            yield from _stylesheet_references(tinycss2.parse_stylesheet(rule, skip_comments=True, skip_whitespace=True))


def css_declaration_requisites(style: str, base_url: str) -> list[tuple[str, str]]:
    """(url, kind) of the url()s in a style attribute's declarations."""
    references = _remembered(
        b"style" + style.encode("utf-8", "surrogatepass"),
        lambda: tuple((url, IMAGE) for url in _urls_in(tinycss2.parse_component_value_list(style, skip_comments=True))),
    )
    return _resolved(references, base_url)


def _resolved(references: Iterable[tuple[str | None, str]], base_url: str) -> list[tuple[str, str]]:
    found = _Found()
    for url, kind in references:
        found.add(absolute_url(base_url, url), kind)
    return found.pairs


# A site's pages carry the same inline CSS (theme, customizer, plugin and "critical" CSS, some of it
# hundreds of KB), and tinycss2's tokenizer is Python: an 816 KB <style> took 0.5 s. Its references,
# unresolved, are remembered by a digest of the CSS, so a site's later pages pay a hash for it.
# Up to _REMEMBERED_CSS texts whose references hold at most _REMEMBERED_CHARS characters each (16 MB).
_REFERENCES: dict[bytes, tuple[tuple[str, str], ...]] = {}
_REMEMBERED_CSS = 256
_REMEMBERED_CHARS = 65_536


def _remembered(text: bytes, references: Callable[[], Iterable[tuple[str | None, str]]]) -> tuple[tuple[str, str], ...]:
    """The references of a CSS text (its kind's prefix and the text, as bytes), from memory or from `references`."""
    key = hashlib.sha256(text).digest()  # SHA-NI: 0.5 ms for 816 KB, blake2b 1.2
    found = _REFERENCES.pop(key, None)
    if found is None:
        # Only what can resolve to a web URL (absolute_url's rules): data: fonts and images can be most of a stylesheet.
        found = tuple(
            (url, kind)
            for url, kind in references()
            if url and len(url) <= LONGEST_LINK and url.lstrip()[:5].lower() != "data:"
        )
        if sum(len(url) for url, _ in found) > _REMEMBERED_CHARS:
            return found
        if len(_REFERENCES) >= _REMEMBERED_CSS:
            del _REFERENCES[next(iter(_REFERENCES))]  # the least recently used
    _REFERENCES[key] = found  # (again) the most recently used
    return found


def _stylesheet_references(rules: Iterable) -> Iterator[tuple[str | None, str]]:
    for rule in rules:
        yield from _rule_references(rule)


def _rule_references(rule) -> Iterator[tuple[str | None, str]]:
    """(url as written, kind) of a rule's references, in order (None: an @import url() without one)."""
    if rule.type == "at-rule":
        keyword = rule.lower_at_keyword
        if keyword == "import":
            for token in rule.prelude:
                if token.type in ("url", "string"):
                    yield token.value, STYLESHEET
                    break
                if token.type == "function" and token.lower_name == "url":
                    yield _function_string(token), STYLESHEET
                    break
            return
        kind = FONT if keyword == "font-face" else IMAGE
        if keyword in ("media", "supports", "document", "layer", "container", "scope", "starting-style"):
            # Conditional group rules hold whole rules: parse their block as a stylesheet.
            for inner in tinycss2.parse_rule_list(rule.content or [], skip_comments=True, skip_whitespace=True):
                yield from _rule_references(inner)
            return
        for url in _urls_in(rule.content or []):
            yield url, kind
        return
    if rule.type == "qualified-rule":
        for url in _urls_in(rule.content):
            yield url, IMAGE


def _function_string(token) -> str | None:
    for argument in token.arguments:
        if argument.type == "string":
            return argument.value
    return None


def _urls_in(tokens: Iterable) -> Iterator[str]:
    """Every url(...) in a token list, nested blocks and functions included; strings inside image-set() too."""
    for token in tokens:
        kind = token.type
        if kind == "url":
            yield token.value
        elif kind == "function":
            name = token.lower_name
            if name == "url" or name == "src":
                value = _function_string(token)
                if value:
                    yield value
            elif name in _IMAGE_SET_FUNCTIONS:
                for argument in token.arguments:
                    if argument.type == "string":
                        yield argument.value
                yield from _urls_in(token.arguments)
            else:
                yield from _urls_in(token.arguments)
        elif kind in ("() block", "[] block", "{} block"):
            yield from _urls_in(token.content)


def requisite_rejection(scope, url: str, kind: str, other_hosts: bool) -> str | None:
    """Why a page's requisite may not be fetched, or None.

    The scope's hosts, unless other_hosts (CDNs; frames never: they are pages of their own); its
    exclude patterns and trap rules. Not its include patterns: they choose pages, not what pages need.
    """
    if not url.startswith(("http://", "https://")):
        return "scheme"
    if not scope.host_allowed(url) and (kind == FRAME or not other_hosts):
        return "host"
    if any(pattern.search(url) for pattern in scope.exclude):
        return "excluded"
    return trap_reason(url)
