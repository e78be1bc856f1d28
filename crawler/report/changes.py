"""Changed articles as people and scripts read them: text, JSON, an HTML section and an Atom feed.

The changes themselves come from crawler.jobs.versions (records pointing at the version they
replace); the field-by-field, paragraph and word differences from crawler.jobs.diff.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from lxml import etree

from crawler.jobs.diff import (
    FieldChange,
    Paragraph,
    Words,
    record_changes,
    render_paragraphs,
    render_words,
    word_diff,
)
from crawler.jobs.versions import CONTENT_FIELDS, Change, find_changes, records_files
from crawler.web.redact import redact

FEED_NAME = "changes.xml"
FEED_ENTRIES = 100  # the newest changes a feed holds
# Where README's pywb setup replays a job's captures: REPLAY_BASE/JOB/TIMESTAMP/URL.
REPLAY_BASE = "http://127.0.0.1:8080"
ATOM = "http://www.w3.org/2005/Atom"


def field_changes(change: Change) -> list[FieldChange]:
    return record_changes(change.old, change.new, CONTENT_FIELDS)


def wayback_timestamp(fetched_at: str) -> str:
    """The 14-digit timestamp pywb and ReplayWeb.page address a capture by."""
    moment = datetime.fromisoformat(fetched_at).astimezone(UTC)
    return moment.strftime("%Y%m%d%H%M%S")


def replay_url(job: str, record: dict) -> str:
    return f"{REPLAY_BASE}/{job}/{wayback_timestamp(record['fetched_at'])}/{record['url']}"


def _item_label(item) -> str:
    """A list item as one line: a name, or a link's title (or name) and URL."""
    if isinstance(item, dict):
        name = item.get("title") or item.get("name") or ""
        return f"{name} <{item['url']}>" if item.get("url") else str(name)
    return str(item)


# ---- text and JSON -----------------------------------------------------------------------------


def as_text(change: Change) -> str:
    new, old = change.new, change.old
    lines = [f"{new['fetched_at']}  {new['url']}", f"  replaces the capture of {old['fetched_at']}"]
    for fc in field_changes(change):
        if fc.paragraphs:
            lines.append(f"  {fc.field}:")
            lines += [f"    {line}" for line in render_paragraphs(fc.paragraphs)]
        elif fc.removed or fc.added:
            lines.append(f"  {fc.field}:")
            lines += [f"    - {_item_label(item)}" for item in fc.removed]
            lines += [f"    + {_item_label(item)}" for item in fc.added]
        elif isinstance(fc.old, str) and isinstance(fc.new, str):
            lines.append(f"  {fc.field}: {render_words(word_diff(fc.old, fc.new))}")
        else:
            lines.append(f"  {fc.field}: {fc.old!r} -> {fc.new!r}")
    return "\n".join(lines)


def _paragraph_json(p: Paragraph) -> dict:
    out: dict = {"op": p.op, "index": p.index}
    if p.op != "added":
        out["old"] = p.old
    if p.op != "removed":
        out["new"] = p.new
    if p.words:
        out["words"] = [{"op": w.op, "text": w.text} for w in p.words]
    return out


def as_json(change: Change, job: str) -> dict:
    new, old = change.new, change.old
    fields = []
    for fc in field_changes(change):
        entry: dict = {"field": fc.field}
        if fc.paragraphs:
            entry["paragraphs"] = [_paragraph_json(p) for p in fc.paragraphs]
        elif fc.removed or fc.added:
            entry["removed"], entry["added"] = list(fc.removed), list(fc.added)
        else:
            entry["old"], entry["new"] = fc.old, fc.new
        fields.append(entry)
    return {
        "url": new["url"],
        "title": new.get("title"),
        "fetched_at": new["fetched_at"],
        "id": new.get("id"),
        "warc": new.get("warc"),
        "replay": replay_url(job, new),
        "previous": {
            "fetched_at": old["fetched_at"],
            "id": old.get("id"),
            "warc": old.get("warc"),
            "replay": replay_url(job, old),
        },
        "changed": [fc.field for fc in field_changes(change)],
        "fields": fields,
    }


# ---- HTML --------------------------------------------------------------------------------------

STYLE = """
.change { border-top: 1px solid var(--line, #d9dce1); padding: 10px 0; }
.change h3 { font-size: 16px; margin: 0 0 4px; } .change .when { color: var(--muted, #5f6670); font-size: 13px; }
.change dl { margin: 6px 0 0; } .change dt { font-weight: 600; margin-top: 6px; } .change dd { margin: 2px 0 0 16px; }
.change del { background: #fbe2e2; color: #8a1c1c; } .change ins { background: #dff3e1; color: #1d5e24; text-decoration: none; }
.change p.para { margin: 2px 0; }
"""


def _words_html(words: list[Words] | tuple[Words, ...]) -> str:
    tags = {"removed": "del", "added": "ins"}
    return " ".join(f"<{tags[w.op]}>{escape(w.text)}</{tags[w.op]}>" if w.op in tags else escape(w.text) for w in words)


def _paragraphs_html(paragraphs: tuple[Paragraph, ...]) -> str:
    out = []
    for p in paragraphs:
        if p.op == "edited":
            body = _words_html(p.words)
        elif p.op == "removed":
            body = f"<del>{escape(p.old)}</del>"
        else:
            body = f"<ins>{escape(p.new)}</ins>"
        out.append(f'<p class="para">paragraph {p.index} {p.op}: {body}</p>')
    return "".join(out)


def _field_html(fc: FieldChange) -> str:
    if fc.paragraphs:
        body = _paragraphs_html(fc.paragraphs)
    elif fc.removed or fc.added:
        items = [f"<del>{escape(_item_label(i))}</del>" for i in fc.removed]
        items += [f"<ins>{escape(_item_label(i))}</ins>" for i in fc.added]
        body = "<br>".join(items)
    elif isinstance(fc.old, str) and isinstance(fc.new, str):
        body = _words_html(word_diff(fc.old, fc.new))
    else:
        body = f"<del>{escape(repr(fc.old))}</del> <ins>{escape(repr(fc.new))}</ins>"
    return f"<dt>{escape(fc.field)}</dt><dd>{body}</dd>"


def _capture_html(job: str, record: dict, label: str) -> str:
    warc = record.get("warc") or {}
    where = f"WARC record {warc.get('record_id')} in {warc.get('filename')}" if warc else "no WARC pointer"
    return f'{label} <a href="{escape(replay_url(job, record))}">{escape(record["fetched_at"])}</a> ({escape(where)})'


def change_html(change: Change, job: str) -> str:
    new, old = change.new, change.old
    title = escape(new.get("title") or new["url"])
    fields = "".join(_field_html(fc) for fc in field_changes(change))
    return (
        f'<article class="change"><h3><a href="{escape(new["url"])}">{title}</a></h3>'
        f'<p class="when">{_capture_html(job, old, "was")} · {_capture_html(job, new, "now")}</p>'
        f"<dl>{fields}</dl></article>"
    )


def changes_html(changes: list[Change], job: str) -> str:
    """The changes as HTML articles, newest first (inside a page that includes STYLE)."""
    return "".join(change_html(change, job) for change in changes)


def html_page(changes: list[Change], job: str) -> str:
    body = changes_html(changes, job) or "<p>No article has changed.</p>"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Changed articles of {escape(job)}</title><style>{STYLE}</style></head>"
        f"<body><h1>Changed articles of {escape(job)}</h1>{body}</body></html>\n"
    )


# ---- Atom feed ---------------------------------------------------------------------------------


def atom_feed(changes: list[Change], job: str, updated: datetime) -> bytes:
    """An Atom feed of the changes, newest first, one entry per new version."""
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})

    def sub(parent, name: str, value: str | None = None, **attributes) -> etree._Element:
        element = etree.SubElement(parent, f"{{{ATOM}}}{name}", **attributes)
        if value is not None:
            element.text = value
        return element

    sub(feed, "id", f"urn:crawler:changes:{job}")
    sub(feed, "title", f"Changed articles of {job}")
    sub(feed, "updated", (max((c.new["fetched_at"] for c in changes), default=None) or updated.isoformat()))
    sub(sub(feed, "author"), "name", "crawler")
    sub(feed, "generator", "crawler")
    for change in changes:
        new = change.new
        entry = sub(feed, "entry")
        sub(entry, "id", f"{new.get('id')}:{new['fetched_at']}")
        changed = ", ".join(fc.field for fc in field_changes(change))
        sub(entry, "title", f"Changed ({changed}): {new.get('title') or new['url']}")
        sub(entry, "link", href=new["url"])
        sub(entry, "link", rel="alternate", type="text/html", href=replay_url(job, new))
        sub(entry, "updated", new["fetched_at"])
        sub(entry, "content", change_html(change, job), type="html")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def write_feed(folder: Path, job: str | None = None) -> Path:
    """OUTPUT/JOB/changes.xml from the job's records (every worker's), replaced atomically."""
    folder = Path(folder)
    job = job or folder.resolve().name
    changes = find_changes(records_files(folder), limit=FEED_ENTRIES)
    data = redact(atom_feed(changes, job, datetime.now(UTC)).decode("utf-8")).encode("utf-8")
    path = folder / FEED_NAME
    fd, tmp = tempfile.mkstemp(prefix=".changes-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
