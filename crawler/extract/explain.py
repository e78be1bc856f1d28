"""Why each field of a record has its value: the strategy that produced it and the candidates it beat.

Extraction records this as it goes when its Document is made with explain=True (`crawler parse
--explain`, `crawler fixture check`): each field's cascade reports the candidates it read, in order of
trust, and the one it took; later steps (a listing's blanked names, a site profile) say what they
replaced. The cascades are the extractor's own: `first()` below is the loop they run in a crawl too,
where nothing is recorded and a cascade stops at its first value. With an explanation it also reads the
sources after the winner, to show what the winner beat; which one wins is the same either way.

Strategy names are stable identifiers (`json-ld:headline`, `opengraph:og:title`, `meta:author`,
`byline-class`, `time-element`, `body:scorer`, `profile-css:<selector>`, `parser:Parser.<method>` ...);
docs/extraction.md lists them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

LOWER = "lower priority"


@dataclass
class Candidate:
    strategy: str
    value: Any = None  # None where a candidate is not a value (a container, a source not asked)
    note: str = ""  # why it won, or why it lost


@dataclass
class FieldExplanation:
    value: Any = None  # the record's final value
    winner: Candidate | None = None
    beaten: list[Candidate] = field(default_factory=list)


class Rejected:
    """A value a source gave and its cascade refused (not a date, the site's name...), with why."""

    __slots__ = ("value", "why")

    def __init__(self, value, why: str):
        self.value = value
        self.why = why


class Explanation:
    """Field name -> FieldExplanation, filled by the extraction of one page."""

    def __init__(self) -> None:
        self.fields: dict[str, FieldExplanation] = {}

    def field(self, name: str) -> FieldExplanation:
        return self.fields.setdefault(name, FieldExplanation())

    def won(self, name: str, strategy: str, value=None, note: str = "", replaced: str = "") -> None:
        """strategy gives the field its value; an earlier winner becomes a beaten candidate, `replaced` saying why."""
        explained = self.field(name)
        previous = explained.winner
        if previous is not None:
            if previous.strategy == strategy and previous.value == value:
                previous.note = note or previous.note
                return
            previous.note = replaced or f"replaced by {strategy}"
            explained.beaten.insert(0, previous)
        explained.winner = Candidate(strategy, value, note)

    def beat(self, name: str, strategy: str, value=None, note: str = LOWER) -> None:
        """A candidate that did not win (once: the same strategy and value are not listed twice)."""
        explained = self.field(name)
        for known in (explained.winner, *explained.beaten):
            if known is not None and known.strategy == strategy and known.value == value:
                return
        explained.beaten.append(Candidate(strategy, value, note))

    def rest(self, name: str, found: Iterable[tuple[str, Any]], note: str = LOWER) -> None:
        """The sources a cascade did not get to, read now to show them as beaten."""
        for strategy, value in found:
            if isinstance(value, Rejected):
                self.beat(name, strategy, value.value, f"rejected: {value.why}")
            elif value:
                self.beat(name, strategy, value, note)

    def finish(self, record: dict) -> None:
        """Take the record's final values (and its field order)."""
        self.fields = {name: self.field(name) for name in record}
        for name, value in record.items():
            explained = self.fields[name]
            explained.value = value
            for candidate in explained.beaten:
                if candidate.note == LOWER and value and candidate.value == value:
                    candidate.note = f"the same value; {LOWER}"

    def as_json(self) -> dict:
        out = {}
        for name, explained in self.fields.items():
            winner = explained.winner
            out[name] = {
                "strategy": winner.strategy if winner else None,
                "note": winner.note if winner else "",
                "beaten": [{"strategy": c.strategy, "value": c.value, "note": c.note} for c in explained.beaten],
            }
        return out

    def as_text(self, names: Iterable[str] | None = None) -> str:
        """A block per field: the value, the strategy that produced it, and the candidates it beat."""
        blocks = []
        for name in names if names is not None else self.fields:
            explained = self.fields.get(name)
            if explained is not None:
                blocks.append(field_as_text(name, explained))
        return "\n".join(blocks)


def first(found: Iterable[tuple[str, Any]], explanation: Explanation | None = None, name: str = ""):
    """The first value of a cascade, (strategy, value) pairs in order of trust, that is not empty or Rejected.

    With an explanation, that value's strategy is recorded as the field's, and the cascade is read to its
    end: later values as beaten candidates (lower priority), Rejected ones with their reason.
    """
    if explanation is None:
        for _, value in found:
            if value and not isinstance(value, Rejected):
                return value
        return None
    chosen = None
    for strategy, value in found:
        if isinstance(value, Rejected):
            explanation.beat(name, strategy, value.value, f"rejected: {value.why}")
        elif not value:
            continue
        elif chosen is None:
            chosen = value
            explanation.won(name, strategy, value)
        else:
            explanation.beat(name, strategy, value, LOWER)
    return chosen


def meta_strategy(key: str) -> str:
    """The strategy name of a <meta> key: opengraph:og:title, opengraph:article:tag, meta:twitter:title."""
    return f"opengraph:{key}" if key.startswith(("og:", "article:")) else f"meta:{key}"


def element(el) -> str:
    """An element as a CSS-like name: div#main.entry-content."""
    ident = (el.get("id") or "").strip()
    classes = (el.get("class") or "").split()[:3]
    return f"{el.tag}{'#' + ident if ident and ' ' not in ident else ''}{''.join('.' + c for c in classes)}"


# ---- text -----------------------------------------------------------------------------------------

_TEXT = 100  # characters of a text value shown
_JSON = 160  # characters of a list shown


def short(value) -> str:
    """A value in one line, as JSON, long texts and lists cut."""
    if isinstance(value, str):
        if "\n" not in value and len(value) <= _TEXT:
            return json.dumps(value, ensure_ascii=False)
        flat = value.replace("\n\n", " ¶ ").replace("\n", " ")  # paragraphs marked, lines joined
        paragraphs = value.count("\n\n") + 1
        size = f"{len(value):,} characters" + (f", {paragraphs} paragraphs" if paragraphs > 1 else "")
        return json.dumps(flat[:_TEXT] + ("…" if len(flat) > _TEXT else ""), ensure_ascii=False) + f" ({size})"
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        # breadcrumb and related: their names or titles (the URLs are in the record)
        labels = [item.get("name", item.get("title", "")) for item in value]
        return short(labels) + f" ({len(value)} links)"
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > _JSON:
        count = f" ({len(value)} items)" if isinstance(value, list) else ""
        return text[:_JSON] + "…" + count
    return text


def field_as_text(name: str, explained: FieldExplanation) -> str:
    return f"{name} = {short(explained.value)}\n" + reasons_as_text(explained)


def reasons_as_text(explained: FieldExplanation, indent: str = "    ") -> str:
    """The winning strategy and the beaten candidates, a line each."""
    winner = explained.winner
    if winner is None:
        lines = [f"{indent}from  nothing: no source gave a value"]
    else:
        lines = [f"{indent}from  {winner.strategy}" + (f"  ({winner.note})" if winner.note else "")]
    for candidate in explained.beaten:
        value = f" = {short(candidate.value)}" if candidate.value is not None else ""
        lines.append(f"{indent}beat  {candidate.strategy}{value}" + (f"  ({candidate.note})" if candidate.note else ""))
    return "\n".join(lines)
