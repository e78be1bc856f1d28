"""Related-post blocks ("You may also like", "Lesen Sie auch", "À lire aussi", ...) as [{"title", "url"}].

Linear in the page: every heading's block is found among its next siblings or in the one container
around it that holds no other such heading, and no element's links are read twice.
"""

from __future__ import annotations

import re
from itertools import islice

from .document import Document
from .explain import first
from .memo import label_cache
from .text import squash, text_of

# Headings of related-story boxes, by language. A whole short text must be one of these.
HEADING = re.compile(
    r"^\W*(?:"
    # en
    r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|related(?: posts?| articles?| stories| news| content|"
    r" reading| coverage| links)?|read (?:also|more|next)|more (?:stories|from|on|in|news|articles)\b.*|"
    r"recommended(?: for you| stories| articles| reading)?|see also|also read|further reading|don'?t miss|"
    r"similar (?:posts|articles|stories)|more like this|top stories|latest news|"
    # de
    r"lesen sie auch|lesen sie (?:hier )?mehr|auch interessant|das könnte sie (?:auch )?interessieren|"
    r"(?:ähnliche|verwandte|weitere) (?:artikel|beiträge|nachrichten|themen|meldungen)|mehr zum thema|"
    r"mehr (?:aus|zu|von) .{1,40}|weiterlesen|passend zum thema|empfohlene artikel|"
    # fr
    r"à lire aussi|a lire aussi|lire aussi|à lire également|à voir aussi|sur le même sujet|articles? (?:similaires|liés)|"
    r"vous aimerez aussi|vous aimerez peut-être aussi|nos articles|dans la même rubrique|"
    # es, pt
    r"te puede interesar|también te puede interesar|(?:noticias|artículos|notas) relacionad[ao]s|lee también|"
    r"lea también|más noticias|contenido relacionado|leia também|veja também|(?:notícias|artigos|matérias) relacionad[ao]s|"
    r"você também pode gostar|"
    # it, nl
    r"leggi anche|articoli correlati|notizie correlate|potrebbe interessarti|ti potrebbe interessare|"
    r"lees ook|gerelateerde (?:artikelen|berichten)|meer nieuws|ook interessant|"
    # tr, pl, ru
    r"ilgili haberler|benzer haberler|ilginizi çekebilir|bunlar da ilginizi çekebilir|ayrıca okuyun|"
    r"powiązane artykuły|czytaj (?:także|też)|zobacz (?:także|też)|читайте также|похожие статьи|связанные статьи|"
    # fa, ar
    r"مطالب مرتبط|اخبار مرتبط|مطالب پیشنهادی|بیشتر بخوانید|مقالات ذات صلة|أخبار ذات صلة|اخبار ذات صلة|"
    r"اقرأ أيضا|اقرأ أيضاً|إقرأ أيضا|إقرأ أيضاً|"
    # zh, ja, ko
    r"相关新闻|相关文章|相关阅读|延伸阅读|推荐阅读|相關新聞|相關文章|延伸閱讀|関連記事|関連ニュース|あわせて読みたい|"
    r"おすすめ記事|관련 ?기사|추천 기사"
    r")\W*$",
    re.I,
)
CONTAINER = re.compile(
    r"related|relatedposts|yarpp|crp_related|rp4wp|more-stories|more-articles|recommended|you-may-like|read-next|"
    r"also-read|similar-posts|lesen-sie-auch|weitere-artikel|a-lire-aussi|articles-lies|noticias-relacionadas",
)
_MAX_LINKS = 30
_MAX_HEADINGS = 60
_HEADING_TAGS = (
    "h2", "h3", "h4", "h5", "h6", "div", "span", "p", "strong", "em", "b", "i", "u", "font", "header", "summary",
    "legend", "td", "th", "dt", "caption", "label",
)  # fmt: skip
_INLINE = ("span", "strong", "em", "b", "i", "u", "font", "label")
# Paragraph-like blocks: a heading inline in one of these, with its links, is a promo in the text.
_PARAGRAPHS = ("p", "li", "dd", "blockquote")
_SIBLINGS = 4
# More text than this around an inline heading, in its own parent, is a paragraph.
_PROSE = 40
_INLINE_SIBLINGS = ("a", "br", "span", "b", "strong", "font", "small", "em", "i", "img", "wbr")


def links_in(container, doc: Document, page_url: str) -> list[dict]:
    """Titled links of a block, absolute, each URL once, the page itself left out; [] for more than a box holds."""
    seen: dict[str, dict] = {}
    titled = 0
    own = page_url.rstrip("/")
    for a in container.iter("a"):
        url = doc.absolute(a.get("href"))
        if not url or url.rstrip("/") == own:
            continue
        title = squash(text_of(a)) or squash(a.get("title"))
        entry = seen.get(url)
        if entry is None:
            entry = seen[url] = {"title": "", "url": url}
        if len(title) >= 8 and not entry["title"]:
            entry["title"] = title
            titled += 1
            if titled > _MAX_LINKS:
                return []
    return [e for e in seen.values() if e["title"]]


def _own_text(el) -> str:
    return el.text.strip() if el.text else ""


def _headings(doc: Document) -> list:
    """Elements whose whole text is a related-block heading: a scan of short text nodes, no full-text reads."""
    body = doc.root.find("body")
    if body is None:
        return []
    found = []
    for el in body.iter(_HEADING_TAGS):
        text = el.text
        if text is None or len(text) > 80 or not text.strip() or not HEADING.match(text.strip()):
            continue
        if len(el) and next(islice((t for t in el.itertext() if t.strip()), 1, None), None) is not None:
            continue  # more inside than the heading's words
        heading = el
        parent = el.getparent()
        # "<h3><em>You may also like</em></h3>": the whole parent is the heading.
        if (
            parent is not None
            and parent.tag in _HEADING_TAGS
            and len(parent) == 1
            and not _own_text(parent)
            and not (el.tail or "").strip()
        ):
            heading = parent
        if heading.tag in _INLINE and _in_prose(heading):
            continue  # "<p><strong>Read more:</strong> <a>Another story</a> ...</p>": a promo inside the text
        found.append(_box_of(heading))
        if len(found) >= _MAX_HEADINGS:
            break
    return found


def _in_prose(heading) -> bool:
    """Is an inline heading part of running text (a paragraph, or text around it in its parent)?"""
    parent = heading.getparent()
    if parent is None:
        return False
    if parent.tag in _PARAGRAPHS:
        return True
    direct = (parent.text or "") + "".join(child.tail or "" for child in parent)
    return len(squash(direct)) > _PROSE


def _box_of(heading):
    """The largest element around a heading that holds nothing else ("<tr><td><font><b>Related</b>"), whose
    next siblings then hold the links (the next table row)."""
    node = heading
    while True:
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html") or len(parent) != 1:
            return node
        if _own_text(parent) or (node.tail or "").strip():
            return node
        node = parent


def _block_of(heading, doc: Document, page_url: str, headings: set, per_ancestor: dict, cache: dict) -> list[dict]:
    """Links of the block a heading introduces: its next siblings (up to the next heading), else the one
    container around it that holds no other related heading."""
    items: list[dict] = []
    sibling, blocks, inline, row = heading.getnext(), 0, 0, None
    while sibling is not None and blocks < _SIBLINGS and inline < _MAX_LINKS * 2:
        if sibling in headings or sibling.tag in ("h1", "h2", "h3", "h4", "h5", "h6", "hr"):
            break
        if isinstance(sibling.tag, str):
            if row is not None and sibling.tag != row:
                break  # the row of teasers has ended
            found = links_in(sibling, doc, page_url)
            items += found
            if sibling.tag in _INLINE_SIBLINGS:
                inline += 1  # "<b>Related News</b><br><a>...</a><br><a>...</a>": links in a row
            elif found:
                row = sibling.tag  # a list, or the first of a row of teasers ("<article>" after "<article>")
                if len(items) >= _MAX_LINKS:
                    break
            else:
                blocks += 1
        sibling = sibling.getnext()
    if items:
        return items
    node = heading
    for _ in range(4):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html") or per_ancestor.get(parent, 0) > 1:
            break
        if parent.tag in _PARAGRAPHS and heading.tag in _INLINE:
            break
        if parent not in cache:
            cache[parent] = links_in(parent, doc, page_url)
        if cache[parent]:
            return cache[parent]
        node = parent
    return []


def _from_headings(doc: Document, page_url: str) -> list[dict]:
    """Every block under a related-posts heading, in page order, each link once."""
    headings = _headings(doc)
    if not headings:
        return []
    per_ancestor: dict = {}
    for heading in headings:
        for node in heading.iterancestors():
            per_ancestor[node] = per_ancestor.get(node, 0) + 1
    members = set(headings)
    cache: dict = {}
    items: dict[str, dict] = {}
    for heading in headings:
        for item in _block_of(heading, doc, page_url, members, per_ancestor, cache):
            items.setdefault(item["url"], item)
        if len(items) >= _MAX_LINKS:
            break
    return list(items.values())


@label_cache
def _is_container_label(label: str) -> bool:
    return bool(CONTAINER.search(label.lower()))


def _from_containers(doc: Document, page_url: str) -> list[dict]:
    """A box whose class or id says it holds related stories; boxes inside one already read are skipped."""
    read: set = set()
    for el, label in doc.labelled:
        if not _is_container_label(label) or el.tag in ("a", "link", "meta", "body", "script", "style"):
            continue
        if any(node in read for node in el.iterancestors()):
            continue
        read.add(el)
        items = links_in(el, doc, page_url)
        if len(items) >= 2:
            return items
    return []


def extract_related(doc: Document, page_url: str) -> list[dict]:
    return first(_sources(doc, page_url), doc.explanation, "related") or []


def _sources(doc: Document, page_url: str):
    yield "related:heading", _from_headings(doc, page_url)
    yield "related:class", _from_containers(doc, page_url)
