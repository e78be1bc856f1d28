"""Text of elements, the leaf every extraction module uses."""

from __future__ import annotations

from lxml import etree

# Invisible characters that only hint where a line may break (soft hyphens, zero-width spaces, word
# joiners, a stray BOM), for str.translate: not text, and they split words for whoever searches a
# body. Zero-width (non-)joiners are not among them: Persian and Indic spelling and emoji need them.
BREAK_HINTS = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))


def without_break_hints(text: str) -> str:
    """text less its break hints."""
    # str.translate() looks up every character of a non-ASCII text (a tenth of a millisecond per
    # page of body text); looking for the four first is fifty times faster, and most texts hold none.
    if text.isascii() or not ("\u00ad" in text or "\u200b" in text or "\u2060" in text or "\ufeff" in text):
        return text
    return text.translate(BREAK_HINTS)


def squash(text: str | None) -> str:
    """Collapse runs of whitespace into one space and strip the ends."""
    return " ".join(text.split()) if text else ""


def text_of(el) -> str:
    """All text inside an element (not its tail), like lxml.html's text_content()."""
    # libxml2's text serialisation: the same string as "".join(el.itertext()), about 3x faster.
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def spaced_text(el) -> str:
    """All text inside an element with its text nodes kept apart ("<b>Jane</b><i>Follow</i>": "Jane Follow")."""
    return squash(" ".join(el.itertext()))
