"""The JSON Lines record of a crawl: extraction fields plus where and when the page was fetched."""

from __future__ import annotations


def make_item(record: dict, fetched_at: str, status: int, warc: dict | None = None) -> dict:
    """Crawl and re-extraction both build records here, so they have the same shape."""
    item = {"url": record["url"], "fetched_at": fetched_at, "status": status}
    item.update((k, v) for k, v in record.items() if k != "url")
    if warc is not None:
        item["warc"] = warc
    return item
