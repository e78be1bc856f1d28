"""Main article text: find the content container by text-density scoring, then render its blocks.

Runs last among the fields: it removes boilerplate from the tree it is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from lxml import etree

from .document import Document, squash

# Never article text.
DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "form", "button",
    "input", "select", "textarea", "nav", "aside", "footer", "header", "figcaption", "audio", "video", "map",
    "dialog", "menu", "label",
)
BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "figure", "address", "center", "hr",
    "details", "summary", "fieldset", "caption", "body", "html", "hgroup",
}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

NEGATIVE = re.compile(
    r"comment|(?:^|[\s_-])meta(?:$|[\s_-])|footer|footnote|share|sharing|social|related|sidebar|widget|sponsor|"
    r"(?:^|[\s_-])ads?(?:$|[\s_-])|advert|adsense|ad-slot|promo|newsletter|subscri|popup|modal|cookie|consent|"
    r"breadcrumb|byline|author|(?:^|[\s_-])tags?(?:$|[\s_-])|tag-?list|tags-links|pagination|pager|(?:^|[\s_-])nav|menu|"
    r"masthead|rating|print|outbrain|taboola|disqus|signup|skip|caption|credit|toolbar|recommend|read-?more|"
    r"more-stories|yarpp|relatedposts|sharedaddy|crp_related|rp4wp|banner|sr-only|screen-reader|visually-hidden|"
    r"(?:^|\s)hide(?:$|\s)|login|share-?bar|follow|donate|paywall|teaser|trending|most-?popular|overlay",
    re.I,
)
OK = re.compile(r"article|body|column|content|main|story|prose|entry-?text|post-?text|rich-?text", re.I)
POSITIVE = re.compile(
    r"article|body|content|entry|main|page|post|text|blog|story|prose|markdown|rich-?text|hentry", re.I
)
CONTENT_HINT = re.compile(
    r"articlebody|article-body|article__body|article-content|article__content|entry-content|post-content|"
    r"post-body|post__content|story-body|storybody|story-content|td-post-content|field-name-body|field--name-body|"
    r"news-text|article-text|main-content|c-entry-content|body-copy|articletext|post-entry",
    re.I,
)
BOILERPLATE_LINE = re.compile(
    r"^(?:advertisement|advertising|anzeige|publicité|share(?: this(?: article| story)?)?:?|tweet|print|email|"
    r"click here.*|read more.*|continue reading.*|sign up.*|subscribe.*|follow us.*|leave a (?:comment|reply)|"
    r"comments?|posted in.*|filed under.*|tagged:?.*|related(?: articles| posts| stories)?:?|"
    r"you (?:may|might) also like.*|image:.*|photo:.*|getty images|ap photo.*|reuters.*photo.*)$",
    re.I,
)
_MIN_BLOCK = 25


@dataclass(slots=True)
class Block:
    kind: str  # p, h2..h6, li, blockquote, pre
    text: str
    link_chars: int
    group: int  # blocks of one list share a group


def _label(el) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _hidden(el) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def preclean(root) -> None:
    """Remove elements that are never article text."""
    etree.strip_elements(root, *DROP_TAGS, etree.Comment, with_tail=False)
    doomed = []
    for el in root.iter("*"):
        if el.tag in ("html", "body", "a", "main"):
            continue
        label = _label(el)
        if _hidden(el) or (label.strip() and NEGATIVE.search(label) and not OK.search(label)):
            doomed.append(el)
    for el in doomed:
        parent = el.getparent()
        if parent is not None:
            _drop(el)


def _drop(el) -> None:
    """Remove el but keep its tail text in place."""
    parent = el.getparent()
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _link_density(el, text_len: int) -> float:
    if not text_len:
        return 0.0
    link_len = sum(len(squash(a.text_content())) for a in el.iter("a"))
    return min(1.0, link_len / text_len)


def _own_text(el) -> bool:
    if el.text and el.text.strip():
        return True
    return any(child.tail and child.tail.strip() for child in el)


def find_container(root):
    """The element that holds the article: readability-style scores propagated to ancestors."""
    scores: dict = {}

    def base(el) -> float:
        score = {"article": 10.0, "main": 5.0, "div": 5.0, "section": 3.0, "pre": 3.0, "td": 3.0, "blockquote": 3.0}.get(el.tag, 0.0)
        if el.tag in ("ul", "ol", "dl", "form", "th"):
            score -= 3
        if el.tag in HEADINGS:
            score -= 5
        label = _label(el)
        if label.strip():
            if NEGATIVE.search(label):
                score -= 25
            if POSITIVE.search(label):
                score += 25
            if CONTENT_HINT.search(label):
                score += 25
        if el.get("itemprop") == "articleBody":
            score += 50
        return score

    for el in root.iter("p", "pre", "td", "blockquote", "li", "dd", "div", "section"):
        if el.tag in ("div", "section", "li", "td", "dd") and not _own_text(el):
            continue
        text = squash(el.text_content() if el.tag != "div" else _direct_text(el))
        if len(text) < _MIN_BLOCK:
            continue
        points = 1 + text.count(",") + text.count("،") + text.count("、") + text.count("，") + min(len(text) // 100, 3)
        ancestor = el.getparent()
        for level in range(3):
            if ancestor is None or ancestor.tag == "html":
                break
            if ancestor not in scores:
                scores[ancestor] = base(ancestor)
            scores[ancestor] += points / (1, 2, 3)[level]
            ancestor = ancestor.getparent()
    if not scores:
        return None
    best, best_score = None, float("-inf")
    for el, score in scores.items():
        text_len = len(squash(el.text_content()))
        final = score * (1 - _link_density(el, text_len))
        if final > best_score:
            best, best_score = el, final
    # A lone paragraph-level winner: its parent is the article.
    while best is not None and best.tag in ("p", "blockquote", "li", "td", "ul", "ol") and best.getparent() is not None:
        best = best.getparent()
    return best


def _direct_text(el) -> str:
    parts = [el.text or ""]
    for child in el:
        if child.tag not in BLOCK_TAGS:
            parts.append(child.text_content() if isinstance(child.tag, str) else "")
        parts.append(child.tail or "")
    return "".join(parts)


def render(container) -> list[Block]:
    """Text blocks of a container in reading order."""
    blocks: list[Block] = []
    buf: list[str] = []
    links = [0]
    group = [0]

    def flush(kind: str) -> None:
        text = "".join(buf)
        text = text.strip("\n") if kind == "pre" else squash(text.replace("\n", " \n "))
        if kind != "pre":
            text = "\n".join(line.strip() for line in text.split("\n")).strip()
            text = re.sub(r"\n{2,}", "\n", text)
        if text:
            blocks.append(Block(kind, text, links[0], group[0]))
        buf.clear()
        links[0] = 0

    def walk(el, kind: str, in_link: bool) -> None:
        tag = el.tag
        if not isinstance(tag, str):
            return
        if tag == "br":
            buf.append("\n")
            return
        if tag == "img":
            return
        if tag in BLOCK_TAGS:
            flush(kind)
            if tag in HEADINGS or tag in ("pre", "li", "dt", "dd"):
                inner = "li" if tag in ("dt", "dd") else tag
            elif tag == "blockquote":
                inner = "blockquote"
            elif tag in ("ul", "ol"):
                group[0] += 1
                inner = kind
            else:
                inner = kind if kind in ("blockquote", "li", "pre") else "p"
            _children(el, inner, in_link)
            flush(inner)
            if tag in ("ul", "ol"):
                group[0] += 1
            return
        _children(el, kind, in_link or tag == "a")

    def _children(el, kind: str, in_link: bool) -> None:
        if el.text:
            buf.append(el.text if kind == "pre" else el.text)
            if in_link:
                links[0] += len(el.text.strip())
        for child in el:
            walk(child, kind, in_link)
            if child.tail:
                buf.append(child.tail)
                if in_link:
                    links[0] += len(child.tail.strip())

    walk(container, "p", False)
    flush("p")
    return blocks


def _keep(block: Block, title: str) -> bool:
    text = block.text
    if BOILERPLATE_LINE.match(text):
        return False
    if block.kind == "h1" and title and squash(text).casefold() == title.casefold():
        return False
    density = block.link_chars / max(1, len(text))
    if density > 0.6 and (block.kind in ("li", "p") and len(text) < 300):
        return False
    return True


def extract_body(doc: Document, title: str = "") -> tuple[str, str]:
    """(body_text, body_html) of the article; empty strings when there is none."""
    root = doc.root
    body = root.find("body")
    if body is None:
        return "", ""
    preclean(root)
    container = find_container(root)
    if container is None:
        return "", ""
    blocks = [b for b in render(container) if _keep(b, title)]
    return blocks_to_text(blocks), blocks_to_html(blocks)


def blocks_to_text(blocks: list[Block]) -> str:
    parts: list[str] = []
    prev: Block | None = None
    for block in blocks:
        if prev is not None and block.kind == "li" and prev.kind == "li" and block.group == prev.group:
            parts[-1] += "\n" + block.text
        else:
            parts.append(block.text)
        prev = block
    return "\n\n".join(parts)


def blocks_to_html(blocks: list[Block]) -> str:
    out: list[str] = []
    open_list = None
    for block in blocks:
        if block.kind == "li":
            if open_list != block.group:
                if open_list is not None:
                    out.append("</ul>")
                out.append("<ul>")
                open_list = block.group
            out.append(f"<li>{escape(block.text)}</li>")
            continue
        if open_list is not None:
            out.append("</ul>")
            open_list = None
        text = escape(block.text).replace("\n", "<br>")
        if block.kind == "blockquote":
            out.append(f"<blockquote><p>{text}</p></blockquote>")
        elif block.kind == "pre":
            out.append(f"<pre>{escape(block.text)}</pre>")
        else:
            out.append(f"<{block.kind}>{text}</{block.kind}>")
    if open_list is not None:
        out.append("</ul>")
    return "\n".join(out)
