"""Where on the page an element sits: the article itself, or comments, sidebars and other stories."""

from __future__ import annotations

import re
from functools import lru_cache

# Names and dates found inside these belong to commenters, other stories or widgets, not to the page.
ELSEWHERE = re.compile(r"comment|respond|related|sidebar|widget|recommend|popular|teaser|card|rail")


def is_elsewhere(el) -> bool:
    """Is el inside comments, related stories, a sidebar or navigation (below the enclosing article)?"""
    for node in (el, *el.iterancestors()):
        if node.tag in ("article", "main", "body") and node is not el:
            return False
        if node.tag in ("aside", "nav"):
            return True
        if _is_elsewhere_label(f"{node.get('class') or ''} {node.get('id') or ''}"):
            return True
    return False


@lru_cache(maxsize=16384)
def _is_elsewhere_label(label: str) -> bool:
    return bool(label.strip()) and bool(ELSEWHERE.search(label.lower()))
