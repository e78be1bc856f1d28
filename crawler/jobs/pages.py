"""A job's page lists for its WACZ, from what the crawl knows rather than guessed from the WARCs.

pages/pages.jsonl lists every seed and every article (its latest capture, title and extracted
text, which ReplayWeb.page searches); pages/extraPages.jsonl every other HTML page archived.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.archive.index import INDEX_NAME, warc_files, write_cdxj
from crawler.archive.package import write_wacz

logger = logging.getLogger(__name__)

PAGES_FORMAT = "json-pages-1.0"
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _iso(timestamp: str) -> str:
    """A 14-digit CDXJ timestamp as ISO 8601 (what page lists hold)."""
    t = timestamp.ljust(14, "0")
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


def _page_id(url: str) -> str:
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:26]


def _index_lines(index: Path) -> Iterator[tuple[str, dict]]:
    with open(index, encoding="utf-8") as lines:
        for line in lines:
            _, ts, data = line.rstrip("\n").split(" ", 2)
            yield ts, json.loads(data)


def _mime(fields: dict) -> str:
    return (fields.get("mime") or "").split(";")[0].strip().lower()


def latest_html_captures(index: Path) -> dict[str, str]:
    """URL -> timestamp of its latest archived 200 HTML capture, revisits included.

    A revisit's line says only "warc/revisit": it is HTML when its payload digest is an HTML
    capture's (two passes, since the index is in URL order, not capture order).
    """
    html_digests = {
        fields.get("digest")
        for _, fields in _index_lines(index)
        if fields.get("status") == "200" and _mime(fields) in _HTML_TYPES
    }
    latest: dict[str, str] = {}
    for ts, fields in _index_lines(index):
        url, mime = fields.get("url"), _mime(fields)
        if fields.get("status") != "200" or not url:
            continue
        if mime in _HTML_TYPES or (mime == "warc/revisit" and fields.get("digest") in html_digests):
            latest[url] = max(ts, latest.get(url, ""))
    return latest


def warcinfo_seeds(directory: Path) -> list[str]:
    """The seeds each WARC file's warcinfo record names, in order, each once."""
    seeds: list[str] = []
    for path in warc_files(directory):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "warcinfo":
                    for line in record.content_stream().read().decode("utf-8", "replace").splitlines():
                        name, _, value = line.partition(":")
                        if name.strip() == "seeds":
                            seeds += [url for url in value.split() if url not in seeds]
                break  # the warcinfo record comes first
    return seeds


def _latest_records(records: Path) -> dict[str, int]:
    """Article URL -> offset of its latest record line in records.jsonl (later runs append)."""
    offsets: dict[str, int] = {}
    if not records.exists():
        return offsets
    with open(records, "rb") as fh:
        offset = 0
        for line in fh:
            try:
                record = json.loads(line)
            except ValueError:
                logger.warning("Skipped an unreadable line of %s at offset %d", records, offset)
            else:
                if record.get("page_type", "article") == "article" and record.get("url"):
                    offsets[record["url"]] = offset
            offset += len(line)
    return offsets


def _article_pages(records: Path, offsets: dict[str, int], captures: dict[str, str]) -> Iterator[dict]:
    with open(records, "rb") as fh:
        for url, offset in offsets.items():
            fh.seek(offset)
            record = json.loads(fh.readline())
            ts = captures.get(url) or record.get("fetched_at", "")[:19].translate(str.maketrans("", "", "-T:"))
            page = {"id": _page_id(url), "url": url, "ts": _iso(ts), "title": record.get("title") or url}
            if record.get("body_text"):
                page["text"] = record["body_text"]
            yield page


def write_page_lists(
    directory: Path, pages: Path, extra_pages: Path, index: Path | None = None, records_name: str = "records.jsonl"
) -> int:
    """Write pages.jsonl (seeds, articles) and extraPages.jsonl (other HTML pages); the number of pages listed.

    index: the folder's CDXJ index (default: its index.cdxj), for which pages were archived and when.
    """
    index = index or directory / INDEX_NAME
    captures = latest_html_captures(index) if index.exists() else {}
    records = directory / records_name
    offsets = _latest_records(records)
    seeds = [url for url in warcinfo_seeds(directory) if url in captures or url in offsets]
    listed = set(offsets) | set(seeds)
    count = 0
    with open(pages, "w", encoding="utf-8") as out:
        header = {"format": PAGES_FORMAT, "id": "pages", "title": "Seeds and articles", "hasText": True}
        out.write(json.dumps(header) + "\n")
        for url in seeds:
            if url not in offsets:
                out.write(json.dumps({"id": _page_id(url), "url": url, "ts": _iso(captures[url]), "seed": True}) + "\n")
                count += 1
        for page in _article_pages(records, offsets, captures) if offsets else ():
            if page["url"] in seeds:
                page["seed"] = True
            out.write(json.dumps(page, ensure_ascii=False) + "\n")
            count += 1
    with open(extra_pages, "w", encoding="utf-8") as out:
        header = {"format": PAGES_FORMAT, "id": "extra-pages", "title": "Other HTML pages", "hasText": False}
        out.write(json.dumps(header) + "\n")
        for url, ts in sorted(captures.items()):
            if url not in listed:
                out.write(json.dumps({"id": _page_id(url), "url": url, "ts": _iso(ts)}) + "\n")
                count += 1
    return count


def write_job_wacz(
    directory: Path, output: Path, title: str = "", description: str = "", records_name: str = "records.jsonl"
) -> Path:
    """A job folder's WACZ, with the page lists above (the folder's CDXJ index is made if it has none)."""
    with tempfile.TemporaryDirectory(prefix=".wacz-", dir=directory) as scratch:
        work = Path(scratch)
        index = directory / INDEX_NAME
        if not index.exists():
            index = write_cdxj(directory, work / INDEX_NAME)
        pages, extra = work / "pages.jsonl", work / "extraPages.jsonl"
        listed = write_page_lists(directory, pages, extra, index, records_name)
        logger.info("Listed %d pages for the WACZ of %s", listed, directory)
        return write_wacz(directory, output, title, description, pages=pages, extra_pages=extra)
