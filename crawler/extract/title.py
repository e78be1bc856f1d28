"""Headline: the one the page shows (its <h1>), checked against structured data and the <title>, without
kickers and without the site's name ("Headline | Site", "Site :: Headline")."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from .document import Document
from .explain import Explanation
from .metadata import ARTICLE_TYPES, microdata, microdata_value, nodes_of_type, text_value
from .text import squash, text_of, without_break_hints

_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|·|•|»|«|::|/|\\|>|~|│|┃)\s+|\s*(?:\||::|│|┃)\s*")
# Hidden with CSS by a utility class: whole class tokens ("tw-overflow-hidden" hides nothing).
_HIDDEN = re.compile(
    r"(?:^|\s)(?:sr-only|visually-?hidden|screen-reader(?:-text)?|element-invisible|hidden|is-hidden|u-hidden|d-none|"
    r"offscreen|invisible|hide)(?:\s|$)",
    re.I,
)
# A kicker, overline or label inside the headline element: "<h1><span class="kicker">Politics</span> ...</h1>".
_KICKER = re.compile(
    r"kicker|overline|topline|dachzeile|roofline|eyebrow|supertitle|pretitle|pre-title|spitzmarke|rubrik|ressort|"
    r"occhiello|sopratitolo|antetitulo|antetítulo|surtitre|bovenkop|"
    r"label|category|section|flag|tag\b",
    re.I,
)
# Class words of a smaller line set before the headline in the same element: a kicker only there, at
# the start ("<h1><span class="subtitle">Paris 2024</span> Drinks by boat</h1>"); after it they name a deck.
_LEADING_KICKER = re.compile(r"subtitle|sub-?heading|sub-?headline|toptitle|top-title|title-?header|small", re.I)
_ENTITY = re.compile(r"&(?:[a-z]+|#\d+|#x[0-9a-f]+);", re.I)
_NOT_TEXT = ("script", "style", "noscript", "template", "rt", "rp")  # rt: furigana over the headline's kanji
_BREAKS = ("br", "div", "p", "span", "small", "strong", "em", "b", "i", "li", "sup", "sub")
# A heading this long is a paragraph set in large type, not a headline.
_MAX_HEADLINE = 300


def _comparable(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().casefold()


def _clean(text: str | None) -> str:
    """Whitespace squashed, break hints (soft hyphens) dropped, and entities a page escaped twice
    ("&amp;raquo;") decoded."""
    text = squash(without_break_hints(text) if text else text)
    return squash(html.unescape(text)) if _ENTITY.search(text) else text


def _segments(title: str) -> list[str]:
    return [part for part in (p.strip() for p in _SEPARATORS.split(title)) if part]


def _site_keys(site_name: str, url: str) -> set[str]:
    keys = {_comparable(site_name)} if site_name else set()
    # A site name with its tagline ("Acme Post - News and Opinion"): the name alone too, as titles carry it.
    parts = _segments(site_name) if site_name else []
    if len(parts) >= 2:
        keys.update({_comparable(parts[0]), _comparable(parts[-1])})
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    if host:
        keys.add(_comparable(host))
        keys.add(_comparable(host.rsplit(".", 1)[0]))
    keys.discard("")
    return keys


def _is_site(part: str, site: set[str]) -> bool:
    key = _comparable(part)
    if not key:
        return True
    compact = key.replace(" ", "")
    return any(key == s or compact == s.replace(" ", "") or (s in key and len(part) < 40) for s in site)


def strip_site_name(title: str, site_name: str = "", url: str = "", known_only: bool = False) -> str:
    """Drop the site's name (leading or trailing, once or more) and its separators from a title; without
    known_only also a short trailing label when the site's name is unknown."""
    seps = list(_SEPARATORS.finditer(title))
    if not seps:
        return title
    site = _site_keys(site_name, url)
    # Known site name: peel it off either end, as often as it is there ("Section | Site" too, then stop).
    changed = True
    while site and changed and seps:
        changed = False
        head, tail = title[: seps[0].start()], title[seps[-1].end() :]
        if _is_site(tail, site):
            title, changed = title[: seps[-1].start()], True
        elif _is_site(head, site):
            title, changed = title[seps[0].end() :], True
        seps = list(_SEPARATORS.finditer(title))
    if not seps or not (title[seps[-1].end() :].strip()) or known_only:
        return title.strip()
    # Unknown site name: a short trailing part is a label far more often than a headline.
    tail, without_tail = title[seps[-1].end() :], title[: seps[-1].start()]
    if len(tail) <= 30 and len(tail) < len(without_tail):
        return without_tail.strip()
    return title


def _visible_text(el) -> str:
    """A heading's text without hidden parts and kickers; element boundaries become spaces."""
    parts: list[str] = []
    _visible_parts(el, el, _leading_kicker(el), parts)
    return squash("".join(parts))


def _visible_parts(node, heading, leading, parts: list[str]) -> None:
    if node is not heading:
        label = f"{node.get('class') or ''} {node.get('id') or ''}"
        top = node.getparent() is heading
        kicker = node is leading or (top and _KICKER.search(label) and _has_other_text(heading, node))
        if _HIDDEN.search(label) or kicker:
            if node.tail:
                parts.append(node.tail)
            return
    if node.text:
        parts.append(node.text)
    for child in node:
        if isinstance(child.tag, str) and child.tag not in _NOT_TEXT:
            space = " " if child.tag in _BREAKS else ""
            parts.append(space)
            _visible_parts(child, heading, leading, parts)
            parts.append(space)
        elif child.tail:
            parts.append(child.tail)
    if node is not heading and node.tail:
        parts.append(node.tail)


def _leading_kicker(el):
    """The element a heading opens with, set apart as a smaller line before the headline: a <small>, a
    line of its own (a <br> after it) or a class naming one; looked for through a lone wrapper
    ("<h1><span itemprop=headline><small>Column</small><br>Headline</span></h1>"). None if there is none."""
    box = el
    while (
        len(box) == 1
        and isinstance(box[0].tag, str)
        and box[0].tag in ("span", "a", "div", "strong", "b")
        and not (box.text or "").strip()
        and not (box[0].tail or "").strip()
        and not _LEADING_KICKER.search(box[0].get("class") or "")
    ):
        box = box[0]
    if len(box) < 1 or (box.text or "").strip() or not isinstance(box[0].tag, str):
        return None
    first = box[0]
    if first.tag == "br" or first.tag in _NOT_TEXT:
        return None
    after = first.getnext()
    own_line = after is not None and after.tag == "br" and not (first.tail or "").strip()
    if first.tag == "small" or own_line or _LEADING_KICKER.search(f"{first.get('class') or ''}"):
        return first if _has_other_text(box, first) else None
    return None


def _has_other_text(el, skipped) -> bool:
    """Is there headline text in el besides the child skipped (a kicker must not be all there is)?"""
    rest = (el.text or "") + "".join(
        "".join(child.itertext()) + (child.tail or "") if child is not skipped else (child.tail or "") for child in el
    )
    return len(rest.strip()) >= 8


def _is_logo(h, doc: Document) -> bool:
    """An <h1> that is the site's logo: a link to the home page."""
    for a in h.iter("a"):
        href = doc.absolute(a.get("href"))
        if href and urlsplit(href).path in ("", "/") and not urlsplit(href).query:
            return True
    return False


def _in_chrome(h) -> bool:
    """Is the heading part of navigation, a sidebar, a footer or a form (or hidden with its box)?"""
    for node in h.iterancestors():
        if node.tag in ("nav", "aside", "footer") or (node.tag == "form" and not _wraps_page(node)):
            return True
        if _HIDDEN.search(f"{node.get('class') or ''} {node.get('id') or ''}"):
            return True
    return False


def _wraps_page(form) -> bool:
    """Is the form the page's own wrapper (ASP.NET WebForms puts a whole page in one <form>), not a form box?"""
    body = next((node for node in form.iterancestors() if node.tag == "body"), None)
    return body is not None and 2 * len(squash(text_of(form))) >= len(squash(text_of(body)))


def _parts(h) -> list[str]:
    """The texts of a heading's own text runs and child elements: "<span>Politics</span> Headline"."""
    runs = [h.text or ""]
    for child in h:
        runs.append("".join(child.itertext()) if isinstance(child.tag, str) else "")
        runs.append(child.tail or "")
    return [t for t in (_clean(r).strip(" :|-–—") for r in runs) if t]


def _in_site_header(h) -> bool:
    """Is the heading in the site's <header> (not an article's own header)?"""
    inside = False
    for node in h.iterancestors():
        if node.tag in ("article", "main"):
            return False
        if node.tag == "header":
            inside = True
    return inside


def _headings(doc: Document, tag: str, site: set[str], metas: list[str]) -> list[tuple[str, list[str], bool]]:
    """(text, parts, in the site's header) of the page's headings that could be its headline."""
    out = []
    explanation = doc.explanation
    for h in doc.elements(tag):
        text = _clean(_visible_text(h)).lstrip(" :|-–—").strip()
        if not text:
            continue
        why = _not_headline(h, text, doc, site, metas)
        if why:
            if explanation is not None:
                explanation.beat("title", f"heading:{tag}", text, f"rejected: {why}")
            continue
        out.append((text, _parts(h), _in_site_header(h)))
    return out


def _not_headline(h, text: str, doc: Document, site: set[str], metas: list[str]) -> str:
    """Why a heading cannot be the headline ("" when it can)."""
    if len(text) > _MAX_HEADLINE:
        return "too long for a headline"
    if _is_site(text, site):
        return "the site's name"
    if _is_logo(h, doc):
        return "the site's logo (a link to the home page)"
    if _in_chrome(h):
        return "in navigation, a sidebar, a footer, a form or a hidden box"
    if _is_site_segment(text, metas, h, doc):
        return "the site's part of the <title>"
    return ""


def _is_site_segment(text: str, metas: list[str], h, doc: Document) -> bool:
    """Is text the short edge segment of a <title> whose other segments are the headline ("... | L-Mag")?

    The first segment only when the heading is in the site's header or another heading carries the rest
    of the title ("Blog name » Archive » Headline"): a page's own heading that opens its <title> is the
    headline, and what follows a description ("Villa Galaxy - Holiday villa in Florida")."""
    key = _comparable(text)
    for meta in metas:
        parts = _segments(meta)
        if len(parts) < 2:
            continue
        longest = max(parts, key=len)
        if _comparable(longest) == key or len(longest) <= len(text):
            continue
        if key == _comparable(parts[-1]):
            return True
        if key == _comparable(parts[0]) and (_in_site_header(h) or _carried_by_another_heading(parts[1:], h, doc)):
            return True
    return False


def _carried_by_another_heading(parts: list[str], h, doc: Document) -> bool:
    """Does a heading of the page itself (not the site's header) read as one of parts?"""
    keys = {_comparable(part) for part in parts}
    return any(
        other is not h and _comparable(_clean(_visible_text(other))) in keys and not _in_site_header(other)
        for other in doc.elements("h1", "h2", "h3")
    )


def _agreement(heading: str, parts: list[str], meta: str) -> tuple[int, str]:
    """How surely a heading and a meta title name the same headline (0: not), and the headline's wording.

    3: the same words; 2: the heading is a kicker element plus the meta title (the meta's wording); 1: the
    heading is the main segment of a "Headline | Section | Site" title, or most of a meta title; 0.
    """
    h, m = _comparable(heading), _comparable(meta)
    if not h or not m:
        return 0, ""
    if h == m:
        return 3, heading
    if len(parts) >= 2:
        for part in parts:
            if _comparable(part) == m and len(part) < len(heading):
                return 2, part
    segments = _segments(meta)
    if len(segments) >= 2:
        main = _comparable(max(segments, key=len))
        if h == main or (h in _comparable_segments(segments) and 2 * len(h) >= len(main)):
            return 1, heading
    elif h in m and 2 * len(h) >= len(m):
        return 1, heading
    return 0, ""


def _comparable_segments(segments: list[str]) -> set[str]:
    """Every run of consecutive segments, compared loosely."""
    return {_comparable(" ".join(segments[i:j])) for i in range(len(segments)) for j in range(i + 1, len(segments) + 1)}


def _structured(doc: Document) -> tuple[str, str]:
    """(strategy, headline) the page's structured data gives; ("", "") without one."""
    for node in nodes_of_type(doc.jsonld, ARTICLE_TYPES):
        headline = _clean(text_value(node.get("headline") or node.get("name")))
        if headline:
            return "json-ld:headline" if node.get("headline") else "json-ld:name", headline
    for el in microdata(doc, "headline"):
        headline = _clean(microdata_value(el))
        if headline:
            return "microdata:headline", headline
    return "", ""


# How surely a heading and a meta title agree (_agreement's score), in words.
_AGREES = {3: "the same words", 2: "a kicker plus the meta title, in the meta's wording", 1: "the headline part of it"}


def extract_title(doc: Document, site_name: str = "") -> str:
    """The headline as the page shows it, in order of trust:

    1. an <h1> that a meta title (structured headline, og:title, <title>) agrees with;
    2. the page's only <h1> that is not its logo or its site name;
    3. without a usable <h1>, an <h2> or <h3> that a meta title agrees with (older blog themes);
    4. the structured headline, og:title or <title>, without the site's name.
    """
    structured_source, structured = _structured(doc)
    og_source = "opengraph:og:title" if doc.meta.get("og:title") else "meta:twitter:title"
    og = _clean(doc.meta.get("og:title") or doc.meta.get("twitter:title"))
    html_title = _clean(doc.html_title)
    sources = [
        (name, m) for name, m in ((structured_source, structured), (og_source, og), ("html:title", html_title)) if m
    ]
    metas = [m for _, m in sources]
    site = _site_keys(site_name, doc.url)
    h1s = _headings(doc, "h1", site, metas)
    best, headline, agreed = 0, "", ""
    for text, parts, _ in h1s:
        for source, meta in sources:
            score, wording = _agreement(text, parts, meta)
            if score > best:
                best, headline, agreed = score, wording, source
    title, strategy, note = "", "", ""
    if best:
        title, strategy = strip_site_name(headline, site_name, doc.url, known_only=True), "heading:h1"
        note = f"agrees with {agreed}: {_AGREES[best]}"
    shown = [h for h in h1s if not h[2]]
    if not strategy and len(shown) == 1:
        title, strategy, note = shown[0][0], "heading:h1", "the page's only <h1> outside the site's header"
    if not strategy and not shown:
        # Older blog themes: the blog's name in the <h1>, the post's title in an <h2> or <h3>.
        for tag in ("h2", "h3"):
            for text, parts, _ in _headings(doc, tag, site, metas)[:10]:
                for source, meta in sources:
                    score, wording = _agreement(text, parts, meta)
                    if score:
                        title, strategy = (
                            strip_site_name(wording, site_name, doc.url, known_only=True),
                            f"heading:{tag}",
                        )
                        note, agreed = f"no usable <h1>; agrees with {source}: {_AGREES[score]}", source
                        break
                if strategy:
                    break
            if strategy:
                break
    if not strategy and sources:
        agreed = ""
        strategy, meta = sources[0]
        title = strip_site_name(meta, site_name, doc.url)
        note = "no <h1> a meta title agrees with" + ("; the site's name cut off" if title != meta else "")
    if not strategy and h1s:
        title, strategy, note = h1s[0][0], "heading:h1", "the first <h1>; no meta title"
    if doc.explanation is not None and strategy:
        _explain(doc.explanation, title, strategy, note, agreed, sources, h1s)
    return title


def _explain(
    explanation: Explanation, title: str, strategy: str, note: str, agreed: str, sources: list, h1s: list
) -> None:
    """The title's strategy, and the meta titles and <h1>s it beat."""
    explanation.won("title", strategy, title, note)
    key = _comparable(title)
    for source, meta in sources:
        if source == agreed:
            why = "agrees with the heading, which wins"
        else:
            why = "the same headline" if _comparable(meta) == key else "lower priority"
        explanation.beat("title", source, meta, why)
    for text, _, in_header in h1s:
        if in_header:
            why = "in the site's header"
        elif strategy == "heading:h1":
            why = "the <h1> taken, in the meta title's wording" if key in _comparable(text) else "another <h1>"
        else:
            why = "no meta title agrees"
        explanation.beat("title", "heading:h1", text, why)
