"""What an element's class and id say about it: article body, some content area, or boilerplate.

A label is read the way its author wrote it, as names made of words, never as a bag of characters:
each class name is split into parts (BEM's `block__element--modifier`) and each part into words (on
"-", "_" and camelCase), so "sidebar-grid__content" is the content of a sidebar *grid* (a page layout),
"has-sidebar" and "no-share" are states, "tag-elections" is WordPress's marker for a post tagged
"elections", and "elementor-widget-text-editor" is a page builder's text block, while "sidebar",
"widget_recent_entries", "tag-list" and "share-buttons" are boilerplate. Words written together
("commentlist", "sharedaddy") are matched from a word's start (or, for region names, its end:
"rightsidebar"), so "apageroot" is not a pager and "datei" is not a date.

The vocabulary is data. Results are cached per label: pages repeat their labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Names of article bodies ("article-body", "entry_content", "field--name-body").
BODY = re.compile(
    r"article[-_]?body|article__body|article[-_]?content|article__content|article[-_]?text|article__text|"
    r"entry[-_]content|entry__content|entry[-_]body|post[-_]?content|post__content|post[-_]?body|post[-_]?entry|"
    r"post[-_]text|story[-_]?body|story[-_]?content|story[-_]?text|body[-_]?copy|field-?-name-body|"
    r"rich[-_]?text[-_]?body|news[-_]?text|news[-_]?content|text[-_]?content|body[-_]?text|page[-_]content|"
    r"single[-_]content|blog[-_]content|post[-_]?inner|content[-_]body|article-detail|detail[-_]content|"
    r"main[-_]text|itemtext|fulltext"
)
# Every BODY name holds one of these: labels without any skip the regular expression.
BODY_WORDS = ("article", "entry", "post", "story", "body", "text", "content")
# Whole class names that name some content area, weaker than BODY.
WEAK = frozenset(
    {
        "content-main",
        "main-content",
        "maincontent",
        "content",
        "contents",
        "entry",
        "post",
        "story",
        "text",
        "article",
        "single",
        "blog-post",
        "main",
        "primary",
        "page",
    }
)
# Boilerplate as whole words: "meta", "post-tags", "entry-title", "ad-slot".
NEGATIVE_WORDS = frozenset(
    {
        "meta",
        "ad",
        "ads",
        "tag",
        "tags",
        "nav",
        "bio",
        "title",
        "photo",
        "photos",
        "image",
        "images",
        "img",
        "imgs",
        "picture",
        "pictures",
        "gallery",
        "galleries",
        "slider",
        "sliders",
        "slideshow",
        "carousel",
        "lightbox",
        "dek",
        "deck",
        "standfirst",
        "strapline",
        "subhead",
        "subtitle",
        "date",
        "dates",
        "datetime",
        "print",
        "widget",
        "widgets",
        "noprint",
    }
)
# Boilerplate as the start of a word, alone or written together with more ("comments", "commentlist",
# "sharebar", "readmore" from "read-more").
NEGATIVE_ROOTS = (
    "comment",
    # Comments and ads in the page's own language: de, pl/cs/sk, es/pt, nl, tr.
    "kommentar",
    "komentar",
    "comentario",
    "reactie",
    "yorum",
    "werbung",
    "publicidad",
    "footer",
    "footnote",
    "sharing",
    "share",
    "social",
    "related",
    "sidebar",
    "widget",
    "sponsor",
    "advert",
    "adsense",
    "adslot",
    "dfp",
    "promo",
    "newsletter",
    "subscri",
    "popup",
    "modal",
    "cookie",
    "consent",
    "breadcrumb",
    "byline",
    "author",
    "taglist",
    "tagslinks",
    "tagcloud",
    "pagination",
    "pager",
    "navigation",
    "menu",
    "masthead",
    "rating",
    "outbrain",
    "taboola",
    "disqus",
    "signup",
    "skip",
    "caption",
    "credit",
    "toolbar",
    "recommend",
    "readmore",
    "morestories",
    "yarpp",
    "sharedaddy",
    "rp4wp",
    "banner",
    "sronly",
    "screenreader",
    "visuallyhidden",
    "login",
    "follow",
    "donate",
    "paywallprompt",
    "teaser",
    "trending",
    "mostpopular",
    "overlay",
    "abouttheauthor",
    "disclaimerbox",
    "embedcode",
    "jumplink",
    "tableofcontents",
    "timestamp",
    "dateline",
    "published",
    "headline",
    "kicker",
    "eyebrow",
    "inlinelink",
    "inlinelist",
)
# Region names also written at the end of a word: "rightsidebar", "sitefooter", "textwidget".
NEGATIVE_SUFFIXES = ("sidebar", "footer", "comment", "comments", "widget", "menu", "navigation", "breadcrumb", "banner")
# Words that start with a root and are not boilerplate: Drupal's "node-promoted" is a front-page flag.
NOT_NEGATIVE = frozenset({"promoted", "promote", "authored"})
# A name starting with one of these is a state ("has-sidebar", "no-share", "with-navigation", "is-ad-free").
STATE_WORDS = frozenset(
    {"has", "no", "not", "with", "without", "is", "enable", "enabled", "disable", "disabled", "can"}
)
# A region word followed by a layout word names a page layout holding that region ("sidebar-grid"); an
# item word does not ("trending-grid" is a grid of trending stories).
LAYOUT_REGIONS = frozenset({"sidebar", "sidebars"})
LAYOUT_HEADS = frozenset({"grid", "layout", "layouts", "template", "cols", "columns"})
# What follows "tag-" or "author-" in a boilerplate name ("tag-list", "author-box"); anything else is a
# slug: WordPress marks a post tagged "elections" with "tag-elections".
UI_NOUNS = frozenset(
    {
        "list",
        "lists",
        "cloud",
        "box",
        "links",
        "link",
        "wrap",
        "wrapper",
        "container",
        "area",
        "block",
        "section",
        "item",
        "items",
        "label",
        "title",
        "name",
        "names",
        "info",
        "bio",
        "meta",
        "avatar",
        "image",
        "img",
        "photo",
        "bar",
        "line",
        "holder",
        "group",
        "panel",
        "icon",
        "button",
        "btn",
        "nav",
        "details",
        "description",
        "social",
        "card",
        "module",
        "widget",
        "byline",
        "by",
        "date",
        "time",
        "heading",
        "header",
        "footer",
        "inner",
        "outer",
        "row",
        "col",
        "column",
        "text",
        "content",
        "data",
        "url",
        "page",
        "profile",
        "pic",
        "picture",
        "about",
        "posts",
        "articles",
    }
)
# "print-full", "print-content": how the article prints, not boilerplate.
PRINT_LAYOUT = frozenset(
    {"full", "content", "links", "area", "container", "wrapper", "wrap", "section", "body", "text"}
)
# "teaser-text", "teaser-intro", "lead teasertext": a lead (German sites call it the Teaser).
TEASER_LEADS = frozenset({"text", "intro", "lead"})
# A widget whose type is text is the page builder's text block: "elementor-widget-text-editor",
# "elementor-widget-theme-post-content".
TEXT_WIDGET_TYPES = frozenset({"text", "editor", "heading", "content", "paragraph"})
SPECIAL_WORDS = frozenset({"print", "widget", "widgets", "tag", "tags", "author"})
# Whole class names only: "hidden-xs" hides on small screens, which is not boilerplate.
HIDDEN_CLASSES = frozenset({"hide", "hidden"})
# Title words: on a heading inside the article they name a section heading, which its text judges.
TITLE_WORDS = ("title", "headline", "subtitle", "subhead", "heading")
# Comment threads, the one boilerplate that can hold more paragraph text than the article.
DISCUSSION_WORDS = (
    "comment",
    "kommentar",
    "komentar",
    "comentario",
    "reactie",
    "yorum",
    "discussion",
    "disqus",
    "respond",
    "replies",
    "reply",
)
# Text for screen readers only: "sr-only", "screen-reader-text", "visually-hidden", "visuallyhidden".
HIDDEN_NAMES = ("sronly", "screenreader", "visuallyhidden")
# Looks negative, names content: "post-content author-x", an embedded tweet.
PROTECT_PARTS = ("articlebody", "entrycontent", "postcontent", "storybody", "fieldnamebody")
PROTECT_WORDS = ("tweet",)
# The scorer's weights for labels (readability's classic word lists, extended), matched as words.
SCORE_POSITIVE = (
    "article",
    "body",
    "content",
    "entry",
    "main",
    "page",
    "post",
    "text",
    "blog",
    "story",
    "prose",
    "hentry",
)
# Besides boilerplate names, these lower the scorer's weight: teaser cards, rails, recirculation.
SCORE_NEGATIVE = ("card", "cards", "rail", "rails", "recirc")
_SPANNING = tuple(sorted((*NEGATIVE_ROOTS, *(w for w in NEGATIVE_WORDS if w not in SPECIAL_WORDS)), key=len))
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORD_SPLIT = re.compile(r"[-_\s]+")
_PARTS = re.compile(r"__|--")
_MAX_LABEL = 300  # a label longer than this is junk or hostile; its start says enough


@dataclass(frozen=True, slots=True)
class LabelKind:
    body: bool  # names an article body
    weak: bool  # names some content area
    negative: bool  # names boilerplate
    score: int  # the scorer's class weight
    hidden: bool = False  # text for screen readers only, or hidden
    titled: bool = False  # negative only as a title ("entry-title", "section__headline"): a heading keeps it
    discussion: bool = False  # comments: boilerplate that can hold more paragraphs than the article


NO_LABEL = LabelKind(False, False, False, 0)


def words(part: str) -> list[str]:
    """The words of one part of a class name, lower-cased: "PostContent-main" -> post, content, main."""
    return [w for w in _WORD_SPLIT.split(_CAMEL.sub(" ", part).lower()) if w]


def _special_is_negative(ws: list[str], index: int) -> bool:
    """Words that are boilerplate only in some names: print, widget, tag, author."""
    word = ws[index]
    after = ws[index + 1] if index + 1 < len(ws) else ""
    if word == "print":
        # Print stylesheets print the article: what they leave out ("no-print", "d-print-none") or add
        # ("print-header", "print-only") is chrome, a print layout ("print-full") is not.
        return after not in PRINT_LAYOUT
    if word in ("widget", "widgets"):
        # A widget box: "widget_recent_entries", "footer-widget"; "elementor-widget-container" is a part
        # of one, which the widget's own name judges.
        return index == 0 or not after
    if word == "author":
        return True
    # "tag-elections": WordPress's marker for a post with that tag; "tag-list", "post-tags": boilerplate.
    return not (index == 0 and after and after not in UI_NOUNS)


def part_is_negative(ws: list[str]) -> bool:
    """Does one part of a class name (its words) name boilerplate?"""
    if not ws:
        return False
    if "print" in ws:
        return _special_is_negative(ws, ws.index("print"))
    if ws[0] in STATE_WORDS:
        return False
    for index, word in enumerate(ws):
        if word in SPECIAL_WORDS:
            if _special_is_negative(ws, index):
                return True
            continue
        after = ws[index + 1] if index + 1 < len(ws) else ""
        if word in NOT_NEGATIVE or (word in LAYOUT_REGIONS and after in LAYOUT_HEADS):
            continue
        if word.startswith("teaser") and (after in TEASER_LEADS or word[6:] in TEASER_LEADS):
            continue
        if word in NEGATIVE_WORDS or word.startswith(NEGATIVE_ROOTS) or word.endswith(NEGATIVE_SUFFIXES):
            return True
    if len(ws) == 1:
        return False
    # Words and roots written as several words: "read-more", "sr-only", "subHead", "about-the-author".
    compact = "".join(ws)
    ends, at = set(), 0
    for word in ws:
        at += len(word)
        ends.add(at)
    at = 0
    for word in ws[:-1]:
        if word not in SPECIAL_WORDS:
            for root in _SPANNING:
                if len(root) > len(word) and compact.startswith(root, at) and at + len(root) in ends:
                    return True
        at += len(word)
    return False


def name_is_negative(name: str) -> bool:
    """Does one class name (or id) name boilerplate? Any of its BEM parts may."""
    if name.lower() in HIDDEN_CLASSES:
        return True
    return any(part_is_negative(words(part)) for part in _PARTS.split(name) if part)


def _spells(ws: list[str], names: tuple[str, ...]) -> bool:
    """Do the words, written together, start with one of names?"""
    return "".join(ws).startswith(names)


def _spells_any(name: str, roots: tuple[str, ...]) -> bool:
    """Does any word of name, or run of its words, start with one of roots?"""
    ws = words(name)
    compact = "".join(ws)
    at = 0
    for word in ws:
        if compact.startswith(roots, at):
            return True
        at += len(word)
    return False


def _only_as_title(name: str) -> bool:
    """Is the name boilerplate only for a title word in it ("section__title", not "comment-reply-title")?"""
    if not _spells_any(name, TITLE_WORDS):
        return False
    for part in _PARTS.split(name):
        ws = [w for w in words(part) if not w.startswith(TITLE_WORDS) and w not in ("sub", "head", "line")]
        if part_is_negative(ws):
            return False
    return True


def _is_text_widget(name: str) -> bool:
    ws = words(name)
    # Not WordPress's own "widget_text", a sidebar box: the builder's name comes first.
    return "widget" in ws[1:-1] and not TEXT_WIDGET_TYPES.isdisjoint(ws[ws.index("widget", 1) + 1 :])


def _score_words(label: str) -> list[str]:
    return [w for name in label.split() for part in _PARTS.split(name) for w in words(part)]


@lru_cache(maxsize=16384)
def label_kind(label: str) -> LabelKind:
    """What a class/id label says about its element; cached, since pages repeat their labels."""
    label = label[:_MAX_LABEL].strip()
    if not label:
        return NO_LABEL
    lower = label.lower()
    body = any(word in lower for word in BODY_WORDS) and bool(BODY.search(lower))
    weak = any(t.replace("_", "-") in WEAK for t in lower.split())
    names = label.split()
    ws = _score_words(label)
    compact = lower.replace("-", "").replace("_", "")
    protected = (
        any(part in compact for part in PROTECT_PARTS)
        or any(_is_text_widget(name) for name in names)
        or any(w.startswith(PROTECT_WORDS) or (w.startswith("embed") and w != "embedcode") for w in ws)
    )
    negative_names = [] if protected else [name for name in names if name_is_negative(name)]
    negative = bool(negative_names)
    titled = negative and all(_only_as_title(name) for name in negative_names)
    discussion = negative and any(_spells_any(name, DISCUSSION_WORDS) for name in negative_names)
    positive_score = any(w.startswith(SCORE_POSITIVE) for w in ws)
    negative_score = negative or any(w.startswith(SCORE_NEGATIVE) for w in ws)
    score = (25 if positive_score else 0) + (25 if body else 0) - (25 if negative_score else 0)
    hidden = any(name.lower() in HIDDEN_CLASSES or _spells(words(name), HIDDEN_NAMES) for name in names)
    return LabelKind(body, weak, negative, score, hidden, titled, discussion)
