"""Is the page an article, a listing (category, tag, author, search, home) or something else?"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .document import Document
from .metadata import ARTICLE_TYPES, LISTING_TYPES, nodes_of_type, text_value
from .regions import is_other_stories_label
from .text import squash, text_of

# A path segment that names a listing, in the languages of the CMSs that use them.
_LISTING_SEGMENT = (
    r"category|categories|kategorie|categorie|categoria|tag|tags|schlagwort|etiqueta|topic|topics|"
    r"author|authors|autor|autoren|auteur|autore|autori|journalist|journalists|redakteur|writer|writers|"
    r"search|suche|recherche|buscar|archive|archives|archiv|section|sections|rubrik|rubrique|label|feed"
)
_LISTING_PATH = re.compile(rf"/(?:{_LISTING_SEGMENT})(?P<rest>(?:/[^/]+)*)/?$", re.I)
_ARTICLE_SLUG = re.compile(r"\d{3,}|\.s?html?$|\.php$|\.aspx?$")
_PAGED_PATH = re.compile(r"/page/\d+/?$|[?&](?:s|q|query|search|cat|tag)=", re.I)
# WordPress and Drupal <body> classes for archive pages (whole tokens: "j-m-search-styles" is not a search).
_LISTING_BODY_CLASSES = {
    "archive",
    "category",
    "tag",
    "author",
    "search",
    "search-results",
    "home",
    "blog",
    "paged",
    "page-taxonomy",
    "path-taxonomy",
    "page-user",
    "path-user",
}
ERROR_BODY_CLASS = re.compile(r"\berror404\b|\bnot-found\b")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_HEADLINE = re.compile(r"title|headline|heading")
_AWAY_TAGS = ("aside", "nav", "footer", "script", "style", "noscript", "template")
# A body this short beside three teasers or more is a listing's intro, not an article (characters).
_SHORT_BODY = 500
_MAX_TEASER = 1200
_LONG_PARAGRAPH = 400
# An unmarked page whose body is this much (or more) the labels of its own links is a list of links.
_LINK_TEXT_SHARE = 0.6


def _listing_path(url: str) -> bool:
    """/category/science/, /author/jane-doe/, /tag/x/page/2, ?s=...; but not /ideas/archive/2020/08/a-story/."""
    parts = urlsplit(url)
    if _PAGED_PATH.search(parts.path + ("?" + parts.query if parts.query else "")):
        return True
    m = _LISTING_PATH.search(parts.path)
    if not m:
        return False
    # Below the listing's name at most one term ("science", "jane-doe"); deeper, or a long slug, is an article.
    rest = m.group("rest").strip("/")
    return "/" not in rest and len(re.split(r"[-_+.]", rest)) <= 3 and not _ARTICLE_SLUG.search(rest)


def _body_class(doc: Document) -> str:
    body = doc.root.find("body")
    return (body.get("class") or "") if body is not None else ""


def _marked_article(doc: Document) -> bool:
    """Microdata or RDFa says there is an article here (itemtype=".../BlogPosting", typeof="schema:Article")."""
    if "itemtype" not in doc.text and "typeof" not in doc.text:
        return False
    for value in doc.root.xpath("//body//@itemtype | //body//@typeof"):
        for token in value.split():
            if token.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() in ARTICLE_TYPES:
                return True
    return False


def _same_page(url: str, doc: Document, canonical: str) -> bool:
    url = url.split("#", 1)[0].rstrip("/")
    return url in (doc.url.rstrip("/"), canonical.rstrip("/"))


def _candidate_links(doc: Document, bold: bool) -> list:
    """Links inside an <h2>-<h4>, links around one, links classed as a title, bold links that start a line:
    each once, in no set order."""
    found: dict = {}
    for heading in doc.elements("h2", "h3", "h4"):
        for a in heading.iter("a"):
            found[a] = None
        for depth, a in enumerate(heading.iterancestors()):
            if depth >= 3:
                break
            if a.tag == "a":
                found[a] = None
    for a in doc.in_body("a"):
        label = a.get("class")
        if label is not None and ("title" in label or "headline" in label or "heading" in label):
            found[a] = None
    # Older layouts set a teaser's headline as a bold link at the start of its line (an article's own list of
    # bold links, a digest, does not count: pages with metadata are asked for headings only).
    for strong in doc.elements("b", "strong") if bold else ():
        parent = strong.getparent()
        if strong.getprevious() is None and parent is not None and not (parent.text or "").strip():
            for a in strong.iter("a"):
                found[a] = None
                break
    return [a for a in found if a.get("href")]


def _is_headline_link(a, doc: Document, canonical: str) -> bool:
    """A story's headline: a heading's whole text (or a link marked as a title) pointing to another page."""
    text = squash(text_of(a))
    if len(text) < 12 or " " not in text:
        return False
    url = doc.absolute(a.get("href"))
    if not url or _same_page(url, doc, canonical):
        return False
    heading = next(a.iterancestors("h2", "h3", "h4", "b", "strong"), None)
    if heading is not None and heading.tag in ("b", "strong") and len(text.split()) < 4:
        return False  # a bold link of a word or three is an emphasis, not a headline
    if heading is None and not _HEADLINE.search(a.get("class") or "") and a.find(".//h2") is None:
        return a.find(".//h3") is not None or a.find(".//h4") is not None
    # A link inside a heading's text is not the heading.
    return heading is None or 2 * len(text) >= len(squash(text_of(heading)))


def _teasers(doc: Document, canonical: str, bold: bool = True) -> list[str]:
    """Texts of the stories the page lists in its main area: the largest block around each headline link.

    Headline links in related-story boxes, sidebars, navigation and footers do not count. Each element's
    verdict is computed once (memoised up the tree), so the cost is linear in the page.
    """
    away: dict = {}

    def is_away(el) -> bool:
        chain = []
        node = el
        while node is not None and node not in away:
            chain.append(node)
            node = node.getparent()
        inside = away.get(node, False) if node is not None else False
        for item in reversed(chain):
            inside = inside or item.tag in _AWAY_TAGS or is_other_stories_label(item)
            away[item] = inside
        return inside

    links = [a for a in _candidate_links(doc, bold) if _is_headline_link(a, doc, canonical) and not is_away(a)]
    per_ancestor: dict = {}
    for a in links:
        for node in a.iterancestors():
            per_ancestor[node] = per_ancestor.get(node, 0) + 1
    blocks = {}
    for a in links:
        block = a
        for node in a.iterancestors():
            if per_ancestor[node] > 1 or node.tag in ("body", "main"):
                break
            block = node
        text = squash(text_of(block))
        if len(text) <= _MAX_TEASER:  # longer is the page's own article around a linked headline
            blocks[block] = text
    return list(blocks.values())


def _has_prose(body_text: str) -> bool:
    """Three paragraphs longer than any teaser's summary: the body is an article's text, not a list."""
    return sum(1 for paragraph in body_text.split("\n\n") if len(paragraph) > _LONG_PARAGRAPH) >= 3


def _is_list_of(teasers: list[str], body_text: str, marked: bool) -> bool:
    """Is the body the list of teasers (or nothing much besides)? Then the page lists stories.

    A page its metadata calls an article needs the body to be the list; a short body is not enough.
    """
    if len(teasers) < 3:
        return False
    body = squash(body_text)
    if len(body) < _SHORT_BODY:
        return not marked
    shown = sum(len(t) for t in teasers if t[:40] in body)
    return 2 * shown >= len(body)


def classify(
    doc: Document, body_text: str, word_count: int, has_date: bool, has_author: bool, canonical: str = ""
) -> str:
    """Signals from the cheapest and surest first; structure is only looked at when metadata is silent."""
    page_type, rule, why = _classify(doc, body_text, word_count, has_date, has_author, canonical)
    if doc.explanation is not None:
        doc.explanation.won("page_type", rule, page_type, why)
    return page_type


def classify_without_body(doc: Document, canonical: str = "") -> str | None:
    """The page type when the status, the URL or the metadata settle it ("listing" or "other"), before
    any text is extracted; None when it takes the body. classify() starts here, and the crawl's analysis
    skips the fields of pages settled so, whose records it does not keep."""
    settled = _settled(doc, canonical)
    return settled[0] if settled is not None else None


def _settled(doc: Document, canonical: str) -> tuple[str, str, str] | None:
    """classify_without_body(), with the rule that decided and why."""
    if doc.page.status is not None and doc.page.status >= 400:
        return "other", "http:status", f"HTTP {doc.page.status}"
    body_class = _body_class(doc)
    if ERROR_BODY_CLASS.search(body_class):
        return "other", "body-class:error", "an error page's <body> class"
    canonical = canonical or doc.url
    articles = nodes_of_type(doc.jsonld, ARTICLE_TYPES)
    own_articles = [n for n in articles if _names_page(n, doc, canonical)]
    if nodes_of_type(doc.jsonld, LISTING_TYPES) and len(articles) != 1 and not own_articles:
        return "listing", "json-ld:listing-type", "a JSON-LD CollectionPage, ItemList, SearchResultsPage or ProfilePage"
    parts = urlsplit(doc.url)
    if parts.path in ("", "/") and not parts.query:
        return "listing", "url:home", "the site's home page"
    if _listing_path(doc.url) and len(articles) != 1:
        return "listing", "url:listing-path", "a category, tag, author, search or archive URL"
    if len(articles) >= 3 and not own_articles:
        return "listing", "json-ld:other-articles", f"{len(articles)} JSON-LD articles, none of them this page"
    if doc.meta.get("og:type", "").lower() == "profile" and not articles:
        return "listing", "opengraph:og:type", "og:type profile: an author's page"
    return None


def _classify(
    doc: Document, body_text: str, word_count: int, has_date: bool, has_author: bool, canonical: str
) -> tuple[str, str, str]:
    """(page type, the rule that decided it, in words); the rules' names are explain.py strategies."""
    settled = _settled(doc, canonical)
    if settled is not None:
        return settled
    body_class = _body_class(doc)
    canonical = canonical or doc.url
    articles = nodes_of_type(doc.jsonld, ARTICLE_TYPES)
    og_type = doc.meta.get("og:type", "").lower()
    # A page its metadata calls an article, or one video or recording (a player page, not a list of them).
    marked = (
        bool(articles)
        or og_type in ("article", "video")
        or og_type.startswith(("video.", "music."))
        or _marked_article(doc)
    )
    if not (marked and _has_prose(body_text)):
        teasers = _teasers(doc, canonical, not marked)
        if _is_list_of(teasers, body_text, marked):
            return "listing", "teasers", f"the body is the list of {len(teasers)} stories' teasers"
    if marked:
        return "article", "metadata:article", "JSON-LD, microdata, RDFa or og:type say it is an article"
    if _LISTING_BODY_CLASSES & set(body_class.split()) and "single" not in body_class:
        return "listing", "body-class:archive", "a WordPress or Drupal archive's <body> class"
    # Chinese, Japanese and Korean text has few \w+ runs: each of its characters counts as a word.
    words = word_count + len(_CJK.findall(body_text))
    if words >= 250 or len(body_text) >= 1500:
        decided = "article", "body:long", f"no metadata; {words:,} words of body text"
    elif (words >= 80 or len(body_text) >= 250) and (has_date or has_author):
        decided = "article", "body:dated-or-signed", f"no metadata; {words:,} words of body text, with a date or author"
    else:
        return (
            "other",
            "body:short",
            f"no metadata; {words:,} words of body text" + ("" if has_date or has_author else ", no date or author"),
        )
    # Looked at last (it reads every link's text), and only where the body's size would make an article.
    if _mostly_link_text(doc, body_text):
        return "listing", "body:link-labels", "the body's lines are mostly the labels of the page's own links"
    return decided


def _mostly_link_text(doc: Document, body_text: str) -> bool:
    """Are most of the body's lines the text of a link of the page (as in a page that is a list of links)?"""
    lines = [line for line in map(squash, body_text.splitlines()) if line]
    total = sum(map(len, lines))
    if not total:
        return False
    anchors = doc.anchor_texts
    linked = sum(len(line) for line in lines if line in anchors)
    return linked >= _LINK_TEXT_SHARE * total


def _names_page(node: dict, doc: Document, canonical: str) -> bool:
    """Does a JSON-LD article say it is this page (url, @id or mainEntityOfPage)?"""
    for key in ("url", "@id", "mainEntityOfPage"):
        value = node.get(key)
        raw = text_value(value.get("@id") or value.get("url")) if isinstance(value, dict) else text_value(value)
        url = doc.absolute(raw) if raw else None  # "/section/123-story.html" too
        if url and _same_page(url, doc, canonical):
            return True
    return False
