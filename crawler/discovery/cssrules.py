"""A stylesheet cut at the ends of its top-level rules, where tinycss2 ends them, found by regular
expressions (in C) instead of tinycss2's tokenizer (in Python), so that only the rules that may hold a
reference get tokenized: a page's inline CSS can be hundreds of KB with a few dozen url()s.

Where a top-level rule ends depends only on comments, strings, escapes, url() tokens and the (), []
and {} blocks, which this reads as CSS Syntax Level 3 (and tinycss2) does: a closer that matches no
open block is no end. Text where an escape is part of a function's name (it could spell "url") or
a unicode-range runs into "url(" is not cut.
"""

from __future__ import annotations

import re

_ESCAPE = r"\\(?:[0-9a-fA-F]{1,6}(?:\r\n|[ \t\n\r\f])?|[\s\S])"  # a backslash at the end stays one
_TOKENS = re.compile(
    rf"""
    (?=[/"'\\uU(\[{{}}\])])  # a first character first: 3x faster through the text
    (?:
    (?P<skip>
        /\*[\s\S]*?(?:\*/|\Z)                                           # a comment, to its end or the text's
      | (?P<quote>["'])(?:(?!(?P=quote))[^\\\n\r\f]|{_ESCAPE})*(?:(?P=quote)|(?=[\n\r\f])|\Z)  # a newline ends a bad string
      | \\[\s\S]?                                                       # an escape (its hex digits are name characters)
      | (?<![A-Za-z0-9_\-@\#\\\x00\x80-\U0010ffff])[uU][rR][lL]\((?![ \t\n\r\f]*["'])(?:[^)\\]|\\[\s\S]?)*\)?  # url(x)
      | \([^(){{}}\[\]"'/\\]*\) | \[[^(){{}}\[\]"'/\\]*\]                  # a block that holds none of these
    )
  | (?P<open>[{{(\[])
  | (?P<close>[}})\]])
    )
    """,
    re.VERBOSE,
)
# An escape in the name before a "(", or the character before it ("\ url(" is no url()).
_ESCAPE_IN_NAME = re.compile(rf"{_ESCAPE}(?:[A-Za-z0-9_\-\x80-\U0010ffff]|{_ESCAPE})*\(")
_UNICODE_RANGE = re.compile(r"[uU]\+[0-9a-fA-F?]")
_AFTER_RANGE = re.compile(r"[0-9a-fA-F?][uU][rR][lL]\(")
_CLOSER = {"{": "}", "(": ")", "[": "]"}
_ESCAPED = re.compile(r"\\(?:([0-9a-fA-F]{1,6})(?:\r\n|[ \t\n\r\f])?|([\s\S]))")


def top_level_rules(css: str) -> list[str] | None:
    """css cut after each top-level {} block (a rule, with the text before it), in order; joined they
    are css. None when this cannot be sure where tinycss2 would end the rules."""
    if "\\" in css and _ESCAPE_IN_NAME.search(css):
        return None
    if _UNICODE_RANGE.search(css) and _AFTER_RANGE.search(css):
        return None
    pieces: list[str] = []
    start, open_blocks = 0, []
    for match in _TOKENS.finditer(css):
        kind = match.lastgroup
        if kind == "open":
            open_blocks.append(_CLOSER[match.group()])
        elif kind == "close" and open_blocks and open_blocks[-1] == match.group():
            open_blocks.pop()
            if not open_blocks and match.group() == "}":
                pieces.append(css[start : match.end()])
                start = match.end()
    if start < len(css):
        pieces.append(css[start:])
    return pieces


def unescaped(css: str) -> str:
    """css with its escapes replaced by the characters they stand for (to look for names in)."""
    return _ESCAPED.sub(_character, css) if "\\" in css else css


def _character(match: re.Match) -> str:
    if match.group(1) is None:
        return match.group(2) or ""
    code = int(match.group(1), 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
