"""Article versions: a page's records across runs, each pointing at the one it replaces.

A new version is decided on the extracted content (CONTENT_FIELDS), never on page bytes, so rotating
ads or timestamps in the HTML are not edits. The crawl keeps the latest version of each page in the
job state; re-extraction from WARCs keeps it in memory; both link records the same way (`link`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from .records import read_records, record_key

# What an editor changes: a record whose values here equal the latest version's is not a new version.
CONTENT_FIELDS = ("title", "body_text", "authors", "published", "modified", "breadcrumb", "related")


def content_digest(record: dict) -> str:
    """A hash of the content fields only (ids, fetch times and WARC pointers left out)."""
    content = {name: record.get(name) for name in CONTENT_FIELDS}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha1:" + base64.b32encode(hashlib.sha1(text.encode("utf-8")).digest()).decode("ascii")


@dataclass(frozen=True)
class Version:
    """The latest version of a page: what the next one points at, and its content digest."""

    id: str
    fetched_at: str
    warc: dict | None
    digest: str

    def pointer(self) -> dict:
        """The record's `previous` value: id, fetched_at and warc of the version replaced."""
        return {"id": self.id, "fetched_at": self.fetched_at, "warc": self.warc}

    @classmethod
    def of(cls, record: dict) -> Version:
        return cls(record["id"], record["fetched_at"], record.get("warc"), content_digest(record))

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Version:
        return cls(**json.loads(text))


class VersionIndex(Protocol):
    """Where the latest version of each page is kept (the job state implements it)."""

    def version(self, key: str) -> Version | None: ...

    def put_version(self, key: str, version: Version) -> None: ...


def link(record: dict, latest: Version | None) -> dict | None:
    """The record to write, pointing at the version it replaces; None when its content is unchanged."""
    if latest is not None and latest.digest == content_digest(record):
        return None
    return {**record, "previous": latest.pointer() if latest is not None else None}


class MemoryVersions:
    """A VersionIndex in a dict, for re-extraction and tests."""

    def __init__(self) -> None:
        self.latest: dict[str, Version] = {}

    def version(self, key: str) -> Version | None:
        return self.latest.get(key)

    def put_version(self, key: str, version: Version) -> None:
        self.latest[key] = version


def link_all(records: Iterable[dict], index: VersionIndex | None = None) -> Iterator[dict]:
    """Records in capture order as a crawl would have written them: linked, unchanged ones left out."""
    index = index if index is not None else MemoryVersions()
    for record in records:
        key = record_key(record)
        linked = link(record, index.version(key))
        if linked is not None:
            index.put_version(key, Version.of(linked))
            yield linked


# ---- reading the history back ------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One edit: a record and the version it replaced, both as written."""

    old: dict
    new: dict


def records_files(folder: Path) -> list[Path]:
    """The job's records files: records.jsonl, and records-WORKER.jsonl of a distributed job's workers."""
    return sorted(folder.glob("records*.jsonl"))


def find_changes(
    paths: Iterable[Path], since: str | None = None, url: str | None = None, limit: int | None = None
) -> list[Change]:
    """The records that replaced an earlier version, each with that version, newest first.

    since: fetched at or after this ISO date or time; url: of this page (any variant that has the
    same record key). Two passes over the files, holding only the records of the changes found.
    """
    paths = list(paths)
    wanted_key = record_key({"url": url}) if url else None
    found = []  # (fetched_at, path, offset, previous id, previous fetched_at)
    for path in paths:
        for offset, record in read_records(path):
            previous = record.get("previous")
            if not previous or not previous.get("id"):
                continue
            if since and record.get("fetched_at", "") < since:
                continue
            if wanted_key and record_key(record) != wanted_key:
                continue
            found.append((record.get("fetched_at", ""), path, offset, previous["id"], previous.get("fetched_at")))
    found.sort(key=lambda item: item[0], reverse=True)
    found = found[:limit] if limit is not None else found
    olds = {(previous_id, previous_at) for _, _, _, previous_id, previous_at in found}
    news = {(path, offset) for _, path, offset, _, _ in found}
    by_version, by_place = {}, {}
    for path in paths:
        for offset, record in read_records(path):
            version = (record.get("id"), record.get("fetched_at"))
            if version in olds:
                by_version[version] = record
            if (path, offset) in news:
                by_place[(path, offset)] = record
    return [
        Change(by_version[(previous_id, previous_at)], by_place[(path, offset)])
        for _, path, offset, previous_id, previous_at in found
        if (previous_id, previous_at) in by_version
    ]
