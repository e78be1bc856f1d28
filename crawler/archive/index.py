"""The CDXJ index of a folder's WARC files, written with cdxj-indexer (what pywb reads).

A server-not-modified revisit (a 304 answer to a conditional request) says the payload captured
earlier is still current. Replay tools take its 304 status as a redirect and replay nothing, so its
index line names the earlier capture's record (status, type, digest and location) at the revisit's
own time, and keeps the revisit record's location under "revisit.filename/offset/length".
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from cdxj_indexer.main import CDXJIndexer
from warcio.timeutils import iso_date_to_timestamp
from warcio.warcwriter import BufferWARCWriter

from .captures import INDEX_NAME

logger = logging.getLogger(__name__)

WARC_PATTERNS = ("*.warc.gz", "*.warc")
# Index text held in memory before cdxj-indexer sorts it out to a temporary file (all merged at the
# end). Its default, 32 MB, would add that much to the peak memory of every crawl past ~50,000 pages
# (about 340 bytes of index per page).
SORT_BUFFER_CHARS = 8 * 1024 * 1024
# What replay looks up. Named, not cdxj-indexer's default: importing py-wacz adds warcinfo records
# to that default for every indexer in the process.
INDEXED_RECORDS = "response,revisit,resource"


class _DigestWriter(BufferWARCWriter):
    """What cdxj-indexer computes missing payload digests with (warcinfo records have none).

    warcio's own buffers through a SpooledTemporaryFile per record that nobody closes; a record
    without a digest is small, so this one buffers in memory.
    """

    def _create_temp_file(self):
        return io.BytesIO()


NOT_MODIFIED_SUFFIX = "/revisit/server-not-modified"
_REFERS_TO = "not-modified-of"  # marks a not-modified revisit's line until it is resolved


def is_not_modified(record) -> bool:
    return record.rec_type == "revisit" and (record.rec_headers.get_header("WARC-Profile") or "").endswith(
        NOT_MODIFIED_SUFFIX
    )


class _Indexer(CDXJIndexer):
    """cdxj-indexer, marking server-not-modified revisits with the timestamp of the capture they confirm."""

    def _write_line(self, out, index, record, filename):
        refers_to = record.rec_headers.get_header("WARC-Refers-To-Date")
        if is_not_modified(record) and refers_to:
            index[_REFERS_TO] = iso_date_to_timestamp(refers_to)
        super()._write_line(out, index, record, filename)


def resolve_not_modified(lines: Iterable[str]) -> Iterator[str]:
    """Sorted CDXJ lines, each not-modified revisit's line pointing at the capture it confirms.

    Lines of one URL are adjacent and in time order, so only one URL's captures are held at once.
    A revisit whose earlier capture is not in the index keeps its own line.
    """
    key: str | None = None
    captures: dict[tuple[str, str | None], str] = {}
    for line in lines:
        urlkey, ts, data = line.rstrip("\n").split(" ", 2)
        if urlkey != key:
            key, captures = urlkey, {}
        if _REFERS_TO not in data:
            captures[(ts, json.loads(data).get("digest"))] = data
            yield line
            continue
        fields = json.loads(data)
        original = captures.get((fields.pop(_REFERS_TO), fields.get("digest")))
        if original is not None:
            own = {f"revisit.{name}": fields[name] for name in ("filename", "offset", "length") if name in fields}
            fields = {**json.loads(original), **own}
        yield f"{urlkey} {ts} {json.dumps(fields)}\n"


def warc_files(directory: str | os.PathLike) -> list[Path]:
    """Closed WARC files in directory, in name order (names sort by capture time, then serial)."""
    directory = Path(directory)
    return sorted({p for pattern in WARC_PATTERNS for p in directory.glob(pattern) if p.is_file()})


def write_cdxj(directory: str | os.PathLike, output: str | os.PathLike | None = None) -> Path:
    """Index the response and revisit records of directory's WARCs (what replay looks up) into one sorted CDXJ file.

    Filenames in the index are relative to directory. The file is replaced atomically.
    """
    directory = Path(directory)
    output = Path(output) if output else directory / INDEX_NAME
    files = warc_files(directory)
    temporary = output.with_name(output.name + ".tmp")
    unresolved = output.with_name(output.name + ".unresolved.tmp")
    indexer = _Indexer(
        output=str(unresolved),
        inputs=[str(p) for p in files],
        sort=True,
        dir_root=str(directory),
        max_sort_buff_size=SORT_BUFFER_CHARS,
        records=INDEXED_RECORDS,
    )
    indexer.writer = _DigestWriter()
    try:
        indexer.process_all()
        with open(unresolved, encoding="utf-8") as lines, open(temporary, "w", encoding="utf-8") as out:
            out.writelines(resolve_not_modified(lines))
    finally:
        unresolved.unlink(missing_ok=True)
    os.replace(temporary, output)
    logger.info("Indexed %d WARC files into %s", len(files), output)
    return output
