"""A job's state, kept across its runs: OUTPUT/JOB/state.sqlite, or Redis for a distributed job.

- captures: the latest capture of each URL (incremental runs: conditional requests, unchanged pages,
  and the record holding its payload, which a later 304's revisit record refers to);
- digests: the first capture of each payload digest (WARC dedup: revisit records point at it);
- versions: the latest record of each page (article versions: the next one points at it).

A crawl opens it once and its components share that connection (WAL journal, so a killed run
never corrupts it).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import redis

from crawler.archive.writer import DigestEntry

from .versions import Version

SCHEMA_VERSION = 1
FILENAME = "state.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS captures (
    url TEXT PRIMARY KEY,
    fetched_at TEXT NOT NULL,
    status INTEGER NOT NULL,
    etag TEXT,
    last_modified TEXT,
    content_digest TEXT,
    article INTEGER NOT NULL DEFAULT 0,
    payload TEXT
);
CREATE TABLE IF NOT EXISTS versions (key TEXT PRIMARY KEY, version TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS digests (
    digest TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    date TEXT NOT NULL,
    filename TEXT,
    offset INTEGER,
    length INTEGER,
    record_id TEXT
);
"""


@dataclass(frozen=True)
class Capture:
    url: str
    fetched_at: str
    status: int
    etag: str | None = None
    last_modified: str | None = None
    content_digest: str | None = None
    article: bool = False  # the page gave a record last time (hubs are always fetched in full)
    payload: DigestEntry | None = None  # the WARC record holding this capture's payload


def _payload_from_json(text: str | None) -> DigestEntry | None:
    return DigestEntry(**json.loads(text)) if text else None


def _payload_to_json(payload: DigestEntry | None) -> str | None:
    return json.dumps(asdict(payload)) if payload else None


class JobState:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._migrate_digests()
        self._migrate_captures()
        row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise RuntimeError(f"{self.path} was written by a newer crawler (schema {row[0]})")

    @classmethod
    def for_output_dir(cls, output_dir: str | Path) -> JobState:
        return cls(Path(output_dir) / FILENAME)

    # ---- captures ------------------------------------------------------------------------

    def capture(self, url: str) -> Capture | None:
        with self._lock:
            row = self._db.execute(
                "SELECT url, fetched_at, status, etag, last_modified, content_digest, article, payload "
                "FROM captures WHERE url=?",
                (url,),
            ).fetchone()
        if row is None:
            return None
        url, fetched_at, status, etag, last_modified, content_digest, article, payload = row
        return Capture(
            url, fetched_at, status, etag, last_modified, content_digest, bool(article), _payload_from_json(payload)
        )

    def put_capture(self, capture: Capture) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO captures "
                "(url, fetched_at, status, etag, last_modified, content_digest, article, payload) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    capture.url,
                    capture.fetched_at,
                    capture.status,
                    capture.etag,
                    capture.last_modified,
                    capture.content_digest,
                    int(capture.article),
                    _payload_to_json(capture.payload),
                ),
            )

    # ---- payload digests -----------------------------------------------------------------

    def _migrate_digests(self) -> None:
        """Add the columns later versions keep about the original record to an older digests table."""
        have = {row[1] for row in self._db.execute("PRAGMA table_info(digests)")}
        for column, kind in (("length", "INTEGER"), ("record_id", "TEXT")):
            if column not in have:
                self._db.execute(f"ALTER TABLE digests ADD COLUMN {column} {kind}")

    def _migrate_captures(self) -> None:
        """Add the payload column (where a capture's payload is archived) to an older captures table."""
        if "payload" not in {row[1] for row in self._db.execute("PRAGMA table_info(captures)")}:
            self._db.execute("ALTER TABLE captures ADD COLUMN payload TEXT")

    def digest(self, digest: str) -> DigestEntry | None:
        with self._lock:
            row = self._db.execute(
                "SELECT digest, url, date, filename, offset, length, record_id FROM digests WHERE digest=?", (digest,)
            ).fetchone()
        return DigestEntry(*row) if row else None

    def add_digest(self, entry: DigestEntry) -> bool:
        """Remember the first capture of a digest; False if one was already known."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO digests (digest, url, date, filename, offset, length, record_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (entry.digest, entry.url, entry.date, entry.filename, entry.offset, entry.length, entry.record_id),
            )
        return cursor.rowcount == 1

    # ---- article versions ----------------------------------------------------------------

    def version(self, key: str) -> Version | None:
        with self._lock:
            row = self._db.execute("SELECT version FROM versions WHERE key=?", (key,)).fetchone()
        return Version.from_json(row[0]) if row else None

    def put_version(self, key: str, version: Version) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO versions VALUES (?, ?)", (key, version.to_json()))

    def close(self) -> None:
        with self._lock:
            self._db.close()


class RedisJobState:
    """JobState's interface in Redis, shared by every worker of a distributed crawl."""

    def __init__(self, server: redis.Redis, job: str):
        self.server = server
        self.captures_key = f"crawler:{job}:captures"
        self.digests_key = f"crawler:{job}:digests"
        self.versions_key = f"crawler:{job}:versions"

    def capture(self, url: str) -> Capture | None:
        raw = self.server.hget(self.captures_key, url)
        if not raw:
            return None
        fields = json.loads(raw)
        return Capture(**{**fields, "payload": DigestEntry(**fields["payload"]) if fields.get("payload") else None})

    def put_capture(self, capture: Capture) -> None:
        self.server.hset(self.captures_key, capture.url, json.dumps(asdict(capture)))

    def digest(self, digest: str) -> DigestEntry | None:
        raw = self.server.hget(self.digests_key, digest)
        return DigestEntry(**json.loads(raw)) if raw else None

    def add_digest(self, entry: DigestEntry) -> bool:
        """Remember the first capture of a digest; False if a worker already did (HSETNX is atomic)."""
        return bool(self.server.hsetnx(self.digests_key, entry.digest, json.dumps(asdict(entry))))

    def version(self, key: str) -> Version | None:
        raw = self.server.hget(self.versions_key, key)
        return Version.from_json(raw) if raw else None

    def put_version(self, key: str, version: Version) -> None:
        self.server.hset(self.versions_key, key, version.to_json())

    def close(self) -> None:
        self.server.close()


def open_job_state(
    output_dir: str | Path, frontier_url: str | None = None, job: str = "crawl"
) -> JobState | RedisJobState:
    """The job's state: in Redis when the crawl shares a Redis frontier, else OUTPUT/JOB/state.sqlite."""
    if frontier_url:
        return RedisJobState(redis.Redis.from_url(frontier_url), job)
    return JobState.for_output_dir(output_dir)
