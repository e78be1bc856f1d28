"""Where on the page an element sits: the article itself, or comments, sidebars and other stories."""

from __future__ import annotations

import re

# Names and dates found inside these belong to commenters, other stories or widgets, not to the page.
ELSEWHERE = re.compile(r"comment|respond|related|sidebar|widget|recommend|popular|teaser|card|rail", re.I)


def is_elsewhere(el) -> bool:
    """Is el inside comments, related stories, a sidebar or navigation (below the enclosing article)?"""
    for node in (el, *el.iterancestors()):
        if node.tag in ("article", "main", "body") and node is not el:
            return False
        if node.tag in ("aside", "nav"):
            return True
        label = f"{node.get('class') or ''} {node.get('id') or ''}"
        if label.strip() and ELSEWHERE.search(label):
            return True
    return False
