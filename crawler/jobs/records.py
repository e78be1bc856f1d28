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
from dataclasses import dataclass, field
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


REJECTED_SUFFIX = ".rejected"  # records.jsonl.rejected: damaged lines taken out of records.jsonl
_RECORD_START = b'{"id": '  # how the crawl's exporter starts every record (make_item puts "id" first)


def _looks_whole(line: bytes) -> bool:
    """A cheap test that passes every line the crawl writes whole; a line failing it is parsed to decide."""
    return (
        line.startswith(_RECORD_START)
        and line.endswith(b"}\n")
        and line.count(_RECORD_START) == 1  # not a cut record run into the next one
        and b"\x00" not in line  # not a block of zeros a crash left
    )


def _whole(line: bytes) -> bool:
    if not line.endswith(b"\n"):
        return False
    if _looks_whole(line):
        return True
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


@dataclass(frozen=True)
class RecordsRepair:
    size: int  # of the file afterwards
    removed: list[tuple[int, int]] = field(default_factory=list)  # (start, end) byte ranges taken out

    def moved(self, offset: int) -> int:
        """Where a byte offset of the file before the repair is now."""
        return offset - sum(min(end, offset) - start for start, end in self.removed if start < offset)


def repair_records(path: Path) -> RecordsRepair:
    """Take damaged lines out of a JSON Lines file: a partial last line (a killed run), and anywhere in
    it a cut record run into the next or a block of zeros (a full disk or a crash under older versions).

    Nothing is thrown away: the damaged lines go to PATH.rejected. A damaged last line is cut off in
    place; damage elsewhere rewrites the file (to a temporary file, then renamed).
    """
    if not path.exists() or path.stat().st_size == 0:
        return RecordsRepair(0)
    removed: list[tuple[int, int]] = []
    offset = 0
    with open(path, "rb") as fh:
        for line in fh:
            if not _whole(line):
                # A record cut short and the next record run into it: keep the whole one at the end.
                cut = line.rfind(_RECORD_START)
                keep = cut > 0 and _whole(line[cut:])
                removed.append((offset, offset + (cut if keep else len(line))))
            offset += len(line)
    size = offset
    if not removed:
        return RecordsRepair(size)
    rejected = path.with_name(path.name + REJECTED_SUFFIX)
    with open(path, "rb") as fh, open(rejected, "ab") as out:
        for start, end in removed:
            fh.seek(start)
            damaged = fh.read(end - start)
            out.write(damaged if damaged.endswith(b"\n") else damaged + b"\n")
        out.flush()
        os.fsync(out.fileno())
    lost = sum(end - start for start, end in removed)
    if len(removed) == 1 and removed[0][1] == size:
        with open(path, "rb+") as fh:  # only the last line: cut it off
            fh.truncate(removed[0][0])
            fh.flush()
            os.fsync(fh.fileno())
    else:
        _rewrite_without(path, removed)
    logger.warning(
        "%s held %d damaged line(s) (%d bytes) from an interrupted or failed run; moved them to %s",
        path,
        len(removed),
        lost,
        rejected,
    )
    return RecordsRepair(size - lost, removed)


def _rewrite_without(path: Path, removed: list[tuple[int, int]]) -> None:
    tmp = path.with_name(path.name + ".repair")
    try:
        with open(path, "rb") as src, open(tmp, "wb") as out:
            position = 0
            for start, end in [*removed, (path.stat().st_size, path.stat().st_size)]:
                src.seek(position)
                remaining = start - position
                while remaining > 0:
                    chunk = src.read(min(remaining, 1 << 20))
                    if not chunk:
                        break
                    out.write(chunk)
                    remaining -= len(chunk)
                position = end
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def repair_jsonl(path: Path) -> int:
    """repair_records(path), returning the file's size afterwards."""
    return repair_records(path).size
