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

from .memo import label_cache

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
        "metadata",
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
        "dida",
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
    "postmeta",
    "rating",
    "outbrain",
    "taboola",
    "disqus",
    "signup",
    "skip",
    "caption",
    # Captions in the page's own language: it, de.
    "didascalia",
    "bildunterschrift",
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
    # Disclaimers and disclosures: "aawp-disclaimer", "editorial-disclosure".
    "disclaimer",
    "disclosure",
    "affiliate",
    # A site's notes on a post ("community-notice") and an embed waiting for consent ("embed-placeholder").
    "notice",
    "placeholder",
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
QUOTE_WORDS = frozenset({"quote", "blockquote", "quotation", "cite", "testimonial", "pullquote"})
SPECIAL_WORDS = frozenset({"print", "widget", "widgets", "tag", "tags", "author", "header", "headers"})
# The parts of a site's header: "header-inner", "header-top"; not "header-content-align-left", a style.
HEADER_PARTS = frozenset(
    {"inner", "outer", "wrap", "wrapper", "top", "bottom", "container", "area", "bar", "main", "logo", "row", "nav"}
)
# What a site-wide header is called after: "site-header", "global-header", "main-header", "top-header".
SITE_WORDS = frozenset({"site", "global", "main", "top", "page", "primary", "masthead", "nav"})
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
_SPANNING = frozenset((*NEGATIVE_ROOTS, *(w for w in NEGATIVE_WORDS if w not in SPECIAL_WORDS)))
# Cheap first tests: a name holding none of these letters in a row (short words: as a word) names no
# boilerplate, and one holding none of the others says nothing at all.
_SHORT = 4
_MAYBE_NEGATIVE_WORD = re.compile(
    r"(?:^|[-_])(?:"
    + "|".join(sorted(w for w in {*NEGATIVE_ROOTS, *NEGATIVE_WORDS, *HIDDEN_CLASSES} if len(w) < _SHORT))
    + r")"
)
_MAYBE_OTHER = re.compile("|".join(sorted({*SCORE_POSITIVE, *SCORE_NEGATIVE, "widget", "embed", *PROTECT_WORDS})))
_SCORE_POSITIVE_WORD = re.compile(r"(?:^|[-_])(?:" + "|".join(SCORE_POSITIVE) + ")")
_SCORE_NEGATIVE_WORD = re.compile(r"(?:^|[-_])(?:" + "|".join(SCORE_NEGATIVE) + ")")
_MAYBE_NEGATIVE = re.compile(
    "|".join(
        sorted(
            w
            for w in {
                *NEGATIVE_ROOTS,
                *NEGATIVE_WORDS,
                *NEGATIVE_SUFFIXES,
                *HIDDEN_CLASSES,
                *HIDDEN_NAMES,
                *SPECIAL_WORDS,
            }
            if len(w) >= _SHORT
        )
    )
)
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


@label_cache
def words(part: str) -> tuple[str, ...]:
    """The words of one part of a class name, lower-cased: "PostContent-main" -> post, content, main."""
    lower = part.lower()
    return tuple(w for w in _WORD_SPLIT.split(lower if lower == part else _CAMEL.sub(" ", part).lower()) if w)


def _special_is_negative(ws: tuple[str, ...], index: int, before: str = "") -> bool:
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
        # A byline, unless it is a quotation's attribution ("quote-author", "blockquote__author").
        return (ws[index - 1] if index else before) not in QUOTE_WORDS
    if word in ("header", "headers"):
        # The site's header ("header", "site-header", "header-inner", "headerimg"), not an article's
        # ("entry-header", "article__header"), which holds its headline and often its lead.
        before = ws[index - 1] if index else before
        after = ws[index + 1] if index + 1 < len(ws) else ""
        # "c-header", "l-header", "js-header": a namespace prefix, not an owner.
        if before and len(before) > 1 and before != "js":
            return before in SITE_WORDS
        return not after or after in HEADER_PARTS
    # "tag-elections": WordPress's marker for a post with that tag; "tag-list", "post-tags": boilerplate.
    return not (index == 0 and after and after not in UI_NOUNS)


def part_is_negative(ws: tuple[str, ...], before: str = "") -> bool:
    """Does one part of a class name (its words) name boilerplate? before: the last word of the BEM
    block the part is an element of ("article" for "article__header")."""
    if not ws:
        return False
    if "print" in ws:
        return _special_is_negative(ws, ws.index("print"))
    if ws[0] in STATE_WORDS:
        return False
    for index, word in enumerate(ws):
        if word in SPECIAL_WORDS:
            if _special_is_negative(ws, index, before):
                return True
            continue
        after = ws[index + 1] if index + 1 < len(ws) else ""
        if word in NOT_NEGATIVE or (word in LAYOUT_REGIONS and after in LAYOUT_HEADS):
            continue
        if word.startswith("teaser") and (after in TEASER_LEADS or word[6:] in TEASER_LEADS):
            continue
        if word in NEGATIVE_WORDS or word.startswith(NEGATIVE_ROOTS) or word.endswith(NEGATIVE_SUFFIXES):
            return True
    # Words and roots written as several words: "read-more", "sr-only", "subHead", "about-the-author".
    for start in range(len(ws) - 1):
        if ws[start] in SPECIAL_WORDS:
            continue
        joined = ws[start]
        for word in ws[start + 1 :]:
            joined += word
            if joined in _SPANNING:
                return True
    return False


@dataclass(frozen=True, slots=True)
class _Name:
    """What one class name (or id) says."""

    negative: bool
    titled: bool  # negative only for a title word in it
    discussion: bool
    hidden: bool
    protects: bool  # an embedded post, a page builder's text block
    score_positive: bool  # the scorer's words
    score_negative: bool


_PLAIN = _Name(False, False, False, False, False, False, False)


@label_cache
def judge_name(name: str) -> _Name:
    """One class name judged, cached: names repeat across elements and across sites."""
    lower = name.lower()
    spaced = lower if lower == name else _CAMEL.sub("-", name).lower()
    compact = spaced.replace("-", "").replace("_", "")
    protects = ("widget" in compact or "embed" in compact or "tweet" in compact) and _protects(name)
    if _MAYBE_NEGATIVE.search(compact) is None and _MAYBE_NEGATIVE_WORD.search(spaced) is None:
        negative = False
    else:
        parts = [words(part) for part in _PARTS.split(name) if part]
        hidden = lower in HIDDEN_CLASSES or any("".join(ws).startswith(HIDDEN_NAMES) for ws in parts)
        negative = hidden or any(
            part_is_negative(ws, parts[number - 1][-1] if number and parts[number - 1] else "")
            for number, ws in enumerate(parts)
        )
        if negative:
            flat = [w for ws in parts for w in ws]
            titled = _spells_any(flat, TITLE_WORDS) and not any(part_is_negative(_untitled(ws)) for ws in parts)
            return _Name(
                True,
                titled,
                _spells_any(flat, DISCUSSION_WORDS),
                hidden,
                protects,
                _SCORE_POSITIVE_WORD.search(spaced) is not None,
                _SCORE_NEGATIVE_WORD.search(spaced) is not None,
            )
    if not protects and _MAYBE_OTHER.search(compact) is None:
        return _PLAIN
    return _Name(
        False,
        False,
        False,
        False,
        protects,
        _SCORE_POSITIVE_WORD.search(spaced) is not None,
        _SCORE_NEGATIVE_WORD.search(spaced) is not None,
    )


def _protects(name: str) -> bool:
    """Does the name mark content that looks like boilerplate: an embedded post, a builder's text block?"""
    flat = [w for part in _PARTS.split(name) if part for w in words(part)]
    return _is_text_widget(flat) or any(
        w.startswith(PROTECT_WORDS) or (w.startswith("embed") and w != "embedcode") for w in flat
    )


def _untitled(ws: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in ws if not w.startswith(TITLE_WORDS) and w not in ("sub", "head", "line"))


def _spells_any(ws: list[str], roots: tuple[str, ...]) -> bool:
    """Does any word, or run of words, start with one of roots?"""
    compact = "".join(ws)
    at = 0
    for word in ws:
        if compact.startswith(roots, at):
            return True
        at += len(word)
    return False


def _is_text_widget(ws: list[str]) -> bool:
    # Not WordPress's own "widget_text", a sidebar box: the builder's name comes first.
    return "widget" in ws[1:-1] and not TEXT_WIDGET_TYPES.isdisjoint(ws[ws.index("widget", 1) + 1 :])


def name_is_negative(name: str) -> bool:
    """Does one class name (or id) name boilerplate? Any of its BEM parts may."""
    return judge_name(name).negative


@label_cache
def label_kind(label: str) -> LabelKind:
    """What a class/id label says about its element; cached, since pages repeat their labels."""
    label = label[:_MAX_LABEL].strip()
    if not label:
        return NO_LABEL
    lower = label.lower()
    body = any(word in lower for word in BODY_WORDS) and bool(BODY.search(lower))
    names = label.split()
    weak = not WEAK.isdisjoint(lower.replace("_", "-").split())
    judged = [judge_name(name) for name in names]
    if all(j is _PLAIN for j in judged):  # most labels: no name says anything (the general case's result)
        return LabelKind(body, weak, False, 25 if body else 0)
    compact = lower.replace("-", "").replace("_", "")
    protected = any(part in compact for part in PROTECT_PARTS) or any(j.protects for j in judged)
    negatives = [] if protected else [j for j in judged if j.negative]
    negative = bool(negatives)
    titled = negative and all(j.titled for j in negatives)
    discussion = any(j.discussion for j in negatives)
    hidden = any(j.hidden for j in judged)
    positive_score = any(j.score_positive for j in judged)
    negative_score = negative or any(j.score_negative for j in judged)
    score = (25 if positive_score else 0) + (25 if body else 0) - (25 if negative_score else 0)
    return LabelKind(body, weak, negative, score, hidden, titled, discussion)


# What a template calls the article's opening text when it sets it apart from the body: its lead, intro,
# teaser (German sites' word for the lead), excerpt, description or subtitle; French "chapô", Spanish
# "bajada" and "entradilla", German "Vorspann". Several are boilerplate words elsewhere (a teaser card, a
# section's subtitle); next to the page's own headline they are its lead. Not the display copy of English
# news ("dek", "standfirst", "summary", "strapline"), which reads as a second headline.
LEAD_WORDS = frozenset(
    {
        "lead",
        "intro",
        "introduction",
        "teaser",
        "excerpt",
        "description",
        "subtitle",
        "subheadline",
        "chapo",
        "chapeau",
        "bajada",
        "entradilla",
        "vorspann",
    }
)


# Boxes that are never the article's container, whatever they hold: overlays (a login or contact
# dialog, a cookie notice) and the page's footer. Words that start or end with one: "loginpanel",
# "contactflyout-modal", "block-footer"; not after a state word ("has-modal", "no-footer").
PAGE_CHROME_ROOTS = (
    "modal",
    "popup",
    "overlay",
    "dialog",
    "lightbox",
    "login",
    "signin",
    "flyout",
    "offcanvas",
    "cookie",
    "consent",
    "footer",
)


@label_cache
def names_page_chrome(label: str) -> bool:
    """Does a class/id label name an overlay or the page's footer ("login-modal", "block-footer")?"""
    for name in label[:_MAX_LABEL].split():
        ws = [w for part in _PARTS.split(name) for w in words(part)]
        if (
            ws
            and ws[0] not in STATE_WORDS
            and any(w.startswith(PAGE_CHROME_ROOTS) or w.endswith(PAGE_CHROME_ROOTS) for w in ws)
        ):
            return True
    return False


# The display copy of English news beside its headline, a second headline rather than the article's text.
DISPLAY_COPY_WORDS = frozenset(
    {"dek", "deck", "standfirst", "strapline", "summary", "blurb", "subline", "subheading", "heading"}
)


@label_cache
def names_display_copy(label: str) -> bool:
    """Does a class/id label name a headline's display copy ("article-summary", "c-dek", "blurb")?"""
    label = label[:_MAX_LABEL]
    return any(
        word in DISPLAY_COPY_WORDS for name in label.split() for part in _PARTS.split(name) for word in words(part)
    )


@label_cache
def names_lead(label: str) -> bool:
    """Does a class/id label name an article's lead ("article__lead", "ts-intro", "teaser-text")?"""
    label = label[:_MAX_LABEL]
    return any(word in LEAD_WORDS for name in label.split() for part in _PARTS.split(name) for word in words(part))
