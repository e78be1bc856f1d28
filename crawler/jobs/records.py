"""The JSON Lines records of a job: extraction fields plus where and when the page was fetched.

Crawl, re-extraction and merge build and read records here, so they agree on shape and key; the
file never keeps a partial line from a killed run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from crawler.web.urls import canonical_url

logger = logging.getLogger(__name__)


def record_id(record: dict) -> str:
    """A content address of an extracted record: the same page extracted the same way gets the same id.

    WARC metadata records name it (extracted-record-id), so archive and records can be joined.
    """
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "urn:sha1:" + base64.b32encode(hashlib.sha1(canonical.encode("utf-8")).digest()).decode("ascii")


def make_item(record: dict, fetched_at: str, status: int, warc: dict | None = None) -> dict:
    """Crawl and re-extraction both build records here, so they have the same shape."""
    item = {"id": record_id(record), "url": record["url"], "fetched_at": fetched_at, "status": status}
    item.update((k, v) for k, v in record.items() if k != "url")
    if warc is not None:
        item["warc"] = warc
    return item


def record_key(record: dict) -> str:
    """Records of the same page share this key: the canonical URL the page names, else its own."""
    return canonical_url(record.get("canonical_url") or record["url"])


def read_records(path: Path, start: int = 0, end: int | None = None) -> Iterator[tuple[int, dict]]:
    """(offset, record) for every whole, parseable line of a records file between start and end."""
    with open(path, "rb") as fh:
        fh.seek(start)
        offset = start
        for line in fh:
            if end is not None and offset >= end:
                return
            here, offset = offset, offset + len(line)
            if not line.endswith(b"\n"):
                return  # a partial last line of a run still writing, or killed
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield here, record


def repair_jsonl(path: Path) -> int:
    """Cut a partial last line left by a killed run; return the file's size afterwards."""
    if not path.exists():
        return 0
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb+") as fh:
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return size
        # Walk back to the last complete line.
        end = size
        while end > 0:
            start = max(0, end - 65536)
            fh.seek(start)
            chunk = fh.read(end - start)
            newline = chunk.rfind(b"\n")
            if newline != -1:
                end = start + newline + 1
                break
            end = start
        fh.truncate(end)
        fh.flush()
        os.fsync(fh.fileno())
    logger.warning("%s ended in a partial line (%d bytes) from an interrupted run; cut it off", path, size - end)
    return end
