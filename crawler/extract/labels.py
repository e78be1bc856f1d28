"""What an element's class and id say about it: article body, some content area, or boilerplate.

The vocabulary is data. Boilerplate words are matched as tokens (split on spaces, "-" and "_") and as
substrings of a "compact" label with "-" and "_" removed: one big regular expression of alternatives
cost about 25 µs a label, plain substring tests a few. Body names keep their regular expression behind
a cheap word test.
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
# Whole tokens that name some content area, weaker than BODY.
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
# Boilerplate: whole tokens, token prefixes, and compact substrings.
NEGATIVE_TOKENS = frozenset(
    {
        "meta",
        "ad",
        "ads",
        "tag",
        "tags",
        "nav",
        "bio",
        "toc",
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
        "sub-title",
    }
)
NEGATIVE_PREFIXES = ("share", "author", "date", "print")
# Whole classes only: "hidden-xs" hides on small screens, which is not boilerplate.
NEGATIVE_CLASSES = frozenset({"hide", "hidden"})
NEGATIVE_PARTS = (
    "comment",
    "footer",
    "footnote",
    "sharing",
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
# Looks negative, names content: "post-content author-x", an embedded tweet.
PROTECT_PARTS = ("articlebody", "entrycontent", "postcontent", "storybody", "fieldnamebody", "tweet")
# The scorer's weights for labels (readability's classic word lists, extended).
SCORE_POSITIVE = re.compile(r"article|body|content|entry|main|page|post|text|blog|story|prose|hentry")
SCORE_NEGATIVE = re.compile(
    r"comment|footer|sidebar|widget|related|share|social|nav|menu|promo|sponsor|ad-|advert|banner|popup|"
    r"subscribe|newsletter|teaser|card|rail|recirc|most-popular|trending"
)
_NEGATIVE_PARTS = re.compile("|".join(NEGATIVE_PARTS))  # literal alternatives: fast, unlike boundary patterns
_TOKENS = re.compile(r"[\s_-]+")
_MAX_LABEL = 300  # a label longer than this is junk or hostile; its start says enough


@dataclass(frozen=True, slots=True)
class LabelKind:
    body: bool  # names an article body
    weak: bool  # names some content area
    negative: bool  # names boilerplate
    score: int  # the scorer's class weight


NO_LABEL = LabelKind(False, False, False, 0)


def _negative(label: str, tokens: list[str], compact: str) -> bool:
    if any(part in compact for part in PROTECT_PARTS) or any(
        t.startswith("embed") and t != "embedcode" for t in tokens
    ):
        return False
    if not NEGATIVE_TOKENS.isdisjoint(tokens) or any(t.startswith(NEGATIVE_PREFIXES) for t in tokens):
        return True
    if any(c in NEGATIVE_CLASSES for c in label.split()):
        return True
    return bool(_NEGATIVE_PARTS.search(compact))


@lru_cache(maxsize=16384)
def label_kind(label: str) -> LabelKind:
    """What a class/id label says about its element; cached, since pages repeat their labels."""
    label = label[:_MAX_LABEL].strip().lower()
    if not label:
        return NO_LABEL
    tokens = [t for t in _TOKENS.split(label) if t]
    compact = label.replace("-", "").replace("_", "")
    body = any(word in label for word in BODY_WORDS) and bool(BODY.search(label))
    weak = any(t.replace("_", "-") in WEAK for t in label.split())
    score = (
        (25 if SCORE_POSITIVE.search(label) else 0) + (25 if body else 0) - (25 if SCORE_NEGATIVE.search(label) else 0)
    )
    return LabelKind(body, weak, _negative(label, tokens, compact), score)
