"""Bounded walks through a page from its headline: the elements after it, before it, or from the top.

Bylines and datelines sit next to the headline; walking a fixed number of elements from there (instead of
scanning the page) finds them at a cost that does not grow with the page.
"""

from __future__ import annotations

import re

from .text import text_of


def headline(body, title: str):
    """The heading that shows the title (a logo <h1> often comes first), else the first <h1>."""
    key = _comparable(title)
    first = None
    if key:
        for el in body.iter("h1", "h2", "h3", "h4", "h5", "h6"):
            if first is None and el.tag == "h1":
                first = el
            if _comparable(text_of(el)) == key:
                return el
        return first
    return body.find(".//h1")


def _comparable(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().casefold()


def following(start, budget: int):
    """Elements after start (its own descendants first) in document order, at most budget of them."""
    count = 0
    for el in start.iterdescendants():
        yield el
        count += 1
        if count >= budget:
            return
    node = start
    while node is not None:
        for sibling in node.itersiblings():
            for el in sibling.iter():
                yield el
                count += 1
                if count >= budget:
                    return
        node = node.getparent()


def preceding(start, budget: int):
    """Elements before start, nearest first, at most budget of them (ancestors are not before it)."""
    count = 0
    node = start
    while node is not None:
        sibling = node.getprevious()
        while sibling is not None:
            for el in reversed_subtree(sibling):
                yield el
                count += 1
                if count >= budget:
                    return
            sibling = sibling.getprevious()
        node = node.getparent()


def reversed_subtree(root):
    """root's subtree in reverse document order (last descendant first, root last), without building it."""
    stack = [(root, False)]
    while stack:
        el, expanded = stack.pop()
        if expanded:
            yield el
            continue
        stack.append((el, True))
        child = el[0] if len(el) else None
        while child is not None:
            stack.append((child, False))
            child = child.getnext()


def from_top(body, budget: int):
    """The first elements of body, in document order, at most budget of them."""
    for count, el in enumerate(body.iterdescendants()):
        if count >= budget:
            return
        yield el
