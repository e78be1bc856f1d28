"""How two records differ: field by field, texts by paragraph and by word.

Fixture checks show today's extraction against the expected record; article versions show what an
editor changed between two crawls. Both read the same structured diff; `render_*` turn it into a
line of text ("[-removed-] {+added+}"), and callers render HTML or JSON from the structure.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from dataclasses import dataclass

# Paragraph pairs less alike than this are a removal plus an addition, not an edit.
SIMILAR = 0.5


@dataclass(frozen=True)
class Words:
    """A run of words: kept ("equal"), "removed" or "added"."""

    op: str
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph "added", "removed" or "edited" (index is 1-based, in the old text for removals)."""

    op: str
    index: int
    old: str = ""
    new: str = ""
    words: tuple[Words, ...] = ()  # for an edit


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object
    new: object
    paragraphs: tuple[Paragraph, ...] = ()  # text fields
    removed: tuple[object, ...] = ()  # list fields: items gone (repeats kept)
    added: tuple[object, ...] = ()  # list fields: items new


def word_diff(old: str, new: str) -> list[Words]:
    """The words of old and new, as runs kept, removed and added."""
    a, b = old.split(), new.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(Words("equal", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(Words("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(Words("added", " ".join(b[j1:j2])))
    return out


def similarity(old: str, new: str) -> float:
    return difflib.SequenceMatcher(None, old.split(), new.split(), autojunk=False).ratio()


def paragraph_diff(old: str, new: str) -> list[Paragraph]:
    """Paragraphs (non-empty lines) edited in place, removed and added, in document order."""
    a = [line for line in old.splitlines() if line.strip()]
    b = [line for line in new.splitlines() if line.strip()]
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        pairs = 0
        while (
            op == "replace"
            and pairs < min(i2 - i1, j2 - j1)
            and difflib.SequenceMatcher(None, a[i1 + pairs], b[j1 + pairs]).ratio() >= SIMILAR
        ):
            pairs += 1  # paragraphs edited in place; the rest were removed or added
        for k in range(pairs):
            words = tuple(word_diff(a[i1 + k], b[j1 + k]))
            out.append(Paragraph("edited", i1 + k + 1, a[i1 + k], b[j1 + k], words))
        out += [Paragraph("removed", i + 1, old=a[i]) for i in range(i1 + pairs, i2)]
        out += [Paragraph("added", j + 1, new=b[j]) for j in range(j1 + pairs, j2)]
    return out


def _key(item) -> str:
    return json.dumps(item, ensure_ascii=False, sort_keys=True)


def field_change(name: str, old, new) -> FieldChange | None:
    """How one field changed, or None when it did not."""
    if old == new:
        return None
    if isinstance(old, str) and isinstance(new, str) and "\n" in old + new:
        return FieldChange(name, old, new, paragraphs=tuple(paragraph_diff(old, new)))
    if isinstance(old, list) and isinstance(new, list):
        old_keys, new_keys = Counter(_key(i) for i in old), Counter(_key(i) for i in new)
        by_key = {_key(i): i for i in old + new}
        removed = tuple(by_key[k] for k in (old_keys - new_keys).elements())
        added = tuple(by_key[k] for k in (new_keys - old_keys).elements())
        return FieldChange(name, old, new, removed=removed, added=added)
    return FieldChange(name, old, new)


def record_changes(old: dict, new: dict, fields: tuple[str, ...]) -> list[FieldChange]:
    """The fields (of those named) whose values differ between two records, in the order named."""
    changes = (field_change(name, old.get(name), new.get(name)) for name in fields)
    return [change for change in changes if change is not None]


# ---- text rendering ----------------------------------------------------------------------------


def render_words(words: list[Words] | tuple[Words, ...], context: int = 6) -> str:
    """One line: changed words as [-removed-] {+added+}, long kept runs cut to `context` words a side."""
    pieces = []
    for n, run in enumerate(words):
        if run.op == "removed":
            pieces.append(f"[-{run.text}-]")
        elif run.op == "added":
            pieces.append(f"{{+{run.text}+}}")
        else:
            kept = run.text.split(" ")
            if len(kept) > 2 * context:
                head = kept[:context] if n > 0 else []
                tail = kept[-context:] if n < len(words) - 1 else []
                kept = head + ["…"] + tail
            pieces.append(" ".join(kept))
    return " ".join(piece for piece in pieces if piece)


def clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + " …"


def render_paragraphs(paragraphs: list[Paragraph] | tuple[Paragraph, ...]) -> list[str]:
    """A line per paragraph change: ~ edited (a word diff), - removed, + added."""
    symbol = {"edited": "~", "removed": "-", "added": "+"}
    return [
        f"{symbol[p.op]} paragraph {p.index}: "
        + (render_words(p.words) if p.op == "edited" else clip(p.old if p.op == "removed" else p.new))
        for p in paragraphs
    ]
