"""Text of elements, the leaf every extraction module uses."""

from __future__ import annotations


def squash(text: str | None) -> str:
    """Collapse runs of whitespace into one space and strip the ends."""
    return " ".join(text.split()) if text else ""


def text_of(el) -> str:
    """All text inside an element (not its tail), like lxml.html's text_content()."""
    return "".join(el.itertext())


def spaced_text(el) -> str:
    """All text inside an element with its text nodes kept apart ("<b>Jane</b><i>Follow</i>": "Jane Follow")."""
    return squash(" ".join(el.itertext()))
