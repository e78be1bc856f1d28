"""A crash-safe crawl frontier in SQLite: pending requests, requests in flight, and the seen set.

Every push, pop and completion is committed at once (WAL journal), so a run killed at any
moment, SIGKILL included, resumes with nothing lost: requests that were in flight go back to the
queue. Requests are opaque data (JSON, see crawler.scheduler.serialize) with a fingerprint, a
priority and their host, so that a scheduler can serve the hosts in turns (crawler.jobs.hosts).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from crawler.web.urls import netloc_key

# requests.state: 0 queued, 1 in flight (handed to the engine), 2 done (only the fingerprint is kept),
# 3 rejected (data that does not parse as a request: kept for inspection, never handed out again).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    fingerprint BLOB UNIQUE,
    priority INTEGER NOT NULL,
    state INTEGER NOT NULL,
    data BLOB,
    host TEXT NOT NULL DEFAULT ''
);
"""
# After the host column exists (a frontier written before it gets it first, see _add_hosts).
_HOST_INDEX = "CREATE INDEX IF NOT EXISTS requests_host_next ON requests (host, priority DESC, id) WHERE state = 0"


class Frontier:
    """FIFO within a priority, highest priority first, per host or over all. Path None keeps it in memory."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else None
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            str(self.path) if self.path else ":memory:", check_same_thread=False, isolation_level=None
        )
        if self.path:
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL survives a killed process (not a power cut) and is far faster than FULL.
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._add_hosts()
        self._db.execute(_HOST_INDEX)
        self._queued = self._db.execute("SELECT COUNT(*) FROM requests WHERE state=0").fetchone()[0]

    def _add_hosts(self) -> None:
        """A frontier from before hosts were kept: the column, and the host of each request still to fetch."""
        columns = [row[1] for row in self._db.execute("PRAGMA table_info(requests)")]
        if "host" in columns:
            return
        self._db.execute("ALTER TABLE requests ADD COLUMN host TEXT NOT NULL DEFAULT ''")
        self._db.execute("DROP INDEX IF EXISTS requests_next")
        rows = self._db.execute("SELECT id, data FROM requests WHERE state IN (0, 1)").fetchall()
        self._db.executemany("UPDATE requests SET host=? WHERE id=?", [(_host_of(data), id_) for id_, data in rows])

    # ---- run bookkeeping -----------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def requeue_in_flight(self) -> int:
        """After a crash: requests that were being fetched go back to the queue."""
        with self._lock:
            count = self._db.execute("UPDATE requests SET state=0 WHERE state=1").rowcount
            self._queued += count
            return count

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM requests")
            self._db.execute("DELETE FROM meta")
            self._queued = 0

    # ---- queue ---------------------------------------------------------------------------

    def push(self, data: bytes, priority: int, fingerprint: bytes | None, host: str = "") -> int | None:
        """Queue a request; None if its fingerprint was seen before (fingerprint None: never filtered)."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO requests (fingerprint, priority, state, data, host) VALUES (?, ?, 0, ?, ?)",
                (fingerprint, priority, data, host),
            )
            if cursor.rowcount == 0:
                return None
            self._queued += 1
            return cursor.lastrowid

    def pop(self, host: str | None = None) -> tuple[int, bytes] | None:
        """The next queued request (of host, if given), now marked in flight."""
        with self._lock:
            args: tuple[str, ...] = ()
            if host is None:
                query = "SELECT id, data FROM requests WHERE state=0 ORDER BY priority DESC, id LIMIT 1"
            else:
                query = "SELECT id, data FROM requests WHERE state=0 AND host=? ORDER BY priority DESC, id LIMIT 1"
                args = (host,)
            row = self._db.execute(query, args).fetchone()
            if row is None:
                return None
            self._db.execute("UPDATE requests SET state=1 WHERE id=?", (row[0],))
            self._queued -= 1
            return row[0], row[1]

    def done(self, request_id: int) -> None:
        """The request and everything it produced are handled; keep only its fingerprint."""
        with self._lock:
            self._db.execute("UPDATE requests SET state=2, data=NULL WHERE id=?", (request_id,))

    def reject(self, request_id: int) -> None:
        """The request's data cannot be used: keep the row, never hand it out again."""
        with self._lock:
            self._db.execute("UPDATE requests SET state=3 WHERE id=?", (request_id,))

    def seen(self, fingerprint: bytes) -> bool:
        return self._db.execute("SELECT 1 FROM requests WHERE fingerprint=?", (fingerprint,)).fetchone() is not None

    def queued(self) -> int:
        return self._queued

    def queued_by_host(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT host, COUNT(*) FROM requests WHERE state=0 GROUP BY host").fetchall())

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _host_of(data: bytes | None) -> str:
    try:
        url = json.loads(data or b"{}").get("url")
    except (ValueError, AttributeError):
        return ""
    return netloc_key(url) if isinstance(url, str) else ""
