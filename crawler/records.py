"""The JSON Lines record of a crawl: extraction fields plus where and when the page was fetched."""

from __future__ import annotations

import base64
import hashlib
import json


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
