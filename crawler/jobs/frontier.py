"""A crash-safe crawl frontier in SQLite: pending requests, requests in flight, and the seen set.

Every push, pop and completion is committed at once (WAL journal), so a run killed at any
moment, SIGKILL included, resumes with nothing lost: requests that were in flight go back to the
queue. Requests are opaque data (JSON, see crawler.scheduler.serialize) with a fingerprint and a
priority.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

# requests.state: 0 queued, 1 in flight (handed to the engine), 2 done (only the fingerprint is kept),
# 3 rejected (data that does not parse as a request: kept for inspection, never handed out again).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    fingerprint BLOB UNIQUE,
    priority INTEGER NOT NULL,
    state INTEGER NOT NULL,
    data BLOB
);
CREATE INDEX IF NOT EXISTS requests_next ON requests (priority DESC, id) WHERE state = 0;
"""


class Frontier:
    """FIFO within a priority, highest priority first. Path None keeps it in memory."""

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
        self._queued = self._db.execute("SELECT COUNT(*) FROM requests WHERE state=0").fetchone()[0]

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

    def push(self, data: bytes, priority: int, fingerprint: bytes | None) -> int | None:
        """Queue a request; None if its fingerprint was seen before (fingerprint None: never filtered)."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO requests (fingerprint, priority, state, data) VALUES (?, ?, 0, ?)",
                (fingerprint, priority, data),
            )
            if cursor.rowcount == 0:
                return None
            self._queued += 1
            return cursor.lastrowid

    def pop(self) -> tuple[int, bytes] | None:
        """The next queued request, now marked in flight."""
        with self._lock:
            row = self._db.execute(
                "SELECT id, data FROM requests WHERE state=0 ORDER BY priority DESC, id LIMIT 1"
            ).fetchone()
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

    def close(self) -> None:
        with self._lock:
            self._db.close()
