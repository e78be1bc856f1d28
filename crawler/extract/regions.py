"""Where on the page an element sits: the article itself, or comments, sidebars and other stories."""

from __future__ import annotations

import re
from itertools import islice

from .memo import label_cache

# Names and dates found inside these belong to commenters, other stories or widgets, not to the page.
ELSEWHERE = re.compile(
    r"comment|respond|related|sidebar|widget|recommend|popular|rail|read-?also|more-(?:stories|news|articles)"
)
# A teaser or card is another story when it comes in a row of them; alone it is often the page's own lead
# (German "Teaser"). "card" but not hCard's "vcard", which marks the author of the page itself.
TEASER = re.compile(r"teaser|(?<!v)card")
# Boxes of other stories around the page's own content. Not "teaser" or "card": a listing's own items wear those.
OTHER_STORIES = re.compile(r"comment|related|sidebar|recommend|popular|rail|read-?also|more-(?:stories|news|articles)")
# Class names that describe a layout, not a box: "has-sidebar", "layoutTwoColumnsRightSidebar", "no-comments";
# and WordPress's taxonomy classes on a post ("category-popular", "tag-related-news").
_LAYOUT_TOKEN = re.compile(
    r"^(?:category|tag)-|^(?:has|with|no|without|one|two|three|is|show|hide|open)[-_]|layout|columns?\b|^sidebar-(?:left|right|first|second)$"
)
_ELSEWHERE_TAGS = ("aside", "nav")
_POSTS_WIDGET = {"blog", "blog-posts", "posts", "post", "main"}


def is_elsewhere(el) -> bool:
    """Is el inside comments, related stories, a sidebar or navigation (below the enclosing article)?"""
    for node in (el, *el.iterancestors()):
        if node.tag in ("article", "main", "body") and node is not el:
            return False
        if node.tag in _ELSEWHERE_TAGS:
            return True
        label = f"{node.get('class') or ''} {node.get('id') or ''}"
        if _is_elsewhere_label(label) or (_is_teaser_label(label) and _in_a_row(node)):
            return True
    return False


def _in_a_row(node) -> bool:
    """Does a sibling near node also look like a teaser?"""
    for sibling in (*islice(node.itersiblings(), 3), *islice(node.itersiblings(preceding=True), 3)):
        if isinstance(sibling.tag, str) and _is_teaser_label(f"{sibling.get('class') or ''} {sibling.get('id') or ''}"):
            return True
    return False


@label_cache
def _is_teaser_label(label: str) -> bool:
    return bool(label.strip()) and _matches(TEASER, label)


def is_other_stories_label(el) -> bool:
    """Does el's class or id name a box of other stories or a sidebar (not looking at its ancestors)?"""
    return _is_other_stories_label(f"{el.get('class') or ''} {el.get('id') or ''}")


@label_cache
def _is_other_stories_label(label: str) -> bool:
    return bool(label.strip()) and _matches(OTHER_STORIES, label)


@label_cache
def _is_elsewhere_label(label: str) -> bool:
    return bool(label.strip()) and _matches(ELSEWHERE, label)


def _matches(pattern: re.Pattern, label: str) -> bool:
    """Does a class or id token (not a layout token) match pattern?"""
    label = label.lower()
    if not pattern.search(label):
        return False  # most labels: one search, no split
    tokens = label.split()
    found = [token for token in tokens if pattern.search(token) and not _LAYOUT_TOKEN.search(token)]
    # "widget Blog": the widget that holds the blog's posts (Blogger and others) is the page's own content.
    if found and all(token == "widget" for token in found) and any(t in _POSTS_WIDGET for t in tokens):
        return False
    return bool(found)
