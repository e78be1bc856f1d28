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
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import surt
from cdxj_indexer.main import CDXJIndexer, SortingWriter
from warcio.timeutils import iso_date_to_timestamp
from warcio.warcwriter import BufferWARCWriter

from .folder import INDEX_NAME, INDEXED_RECORDS, INDEXED_TYPES
from .heads import VerbatimHead

logger = logging.getLogger(__name__)

WARC_PATTERNS = ("*.warc.gz", "*.warc")
# Index text held in memory before cdxj-indexer sorts it out to a temporary file (all merged at the
# end). Its default, 32 MB, would add that much to the peak memory of every crawl past ~50,000 pages
# (about 340 bytes of index per page).
SORT_BUFFER_CHARS = 8 * 1024 * 1024


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


# warcio's writer ends every record with this; reading an uncompressed file (no gzip member around
# each record), warcio counts it out of the record's length.
_RECORD_END = b"\r\n\r\n"
_MIME_END = re.compile(r"[;\s]")  # cdxj-indexer's: a media type ends at its parameters


class _NotIndexable(Exception):
    """A record whose line only cdxj-indexer's reading of the file can make (no payload digest, a rebuilt head)."""


def _target_uri_as_read(uri: str) -> str:
    """WARC-Target-URI as warcio's reader gives it: without wget's <>, spaces percent-encoded."""
    if uri.startswith("<") and uri.endswith(">"):
        uri = uri[1:-1]
    return uri.replace(" ", "%20")


def _url_key(url: str) -> str:
    try:
        return surt.surt(url)
    except Exception:  # as cdxj-indexer: a URL SURT cannot take is its own key
        return url


def index_line(record, filename: str, offset: int, length: int) -> str:
    """The CDXJ line cdxj-indexer (through _Indexer) makes of a record written at offset, length bytes long.

    record is the warcio record as written: its WARC headers, and for a response or revisit its
    VerbatimHead, parsed from the very bytes the file holds (so by the parser the reader uses).
    """
    headers = record.rec_headers
    rec_type = record.rec_type
    url = _target_uri_as_read(headers.get_header("WARC-Target-URI"))
    http = None
    if rec_type in ("response", "revisit") and url.startswith(("http:", "https:")):
        http = record.http_headers
        if not isinstance(http, VerbatimHead):
            raise _NotIndexable(url)
    fields: dict[str, str] = {"url": url}
    if rec_type == "revisit":
        fields["mime"] = "warc/revisit"
    else:
        mime = (http.get_header("content-type") if http else None) if rec_type == "response" else None
        if rec_type == "resource":
            mime = headers.get_header("content-type")
        if mime:
            mime = _MIME_END.split(mime, 1)[0].strip()
        if mime is not None:
            fields["mime"] = mime
    if http:
        fields["status"] = http.get_statuscode()
    digest = headers.get_header("WARC-Payload-Digest")
    if not digest:
        raise _NotIndexable(url)  # cdxj-indexer computes it from the payload
    if not filename.endswith(".gz"):
        length -= len(_RECORD_END)
    fields.update(digest=digest, length=str(length), offset=str(offset), filename=filename)
    refers_to = headers.get_header("WARC-Refers-To-Date")
    if is_not_modified(record) and refers_to:
        fields[_REFERS_TO] = iso_date_to_timestamp(refers_to)
    return f"{_url_key(url)} {iso_date_to_timestamp(headers.get_header('WARC-Date'))} {json.dumps(fields)}\n"


class RunIndex:
    """The CDXJ lines of the records one writer writes, made as it writes them.

    At the end write_cdxj() reads again only the folder's other WARC files (earlier runs', repaired
    ones). The lines wait in an unnamed temporary file of the folder, so a killed run leaves nothing
    behind. A record whose line cannot be made so, or a line that cannot be stored, makes the index
    read every file again, as it always did: the index is never worse than a rebuild.
    """

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        self.files: set[str] = set()  # WARC files (final names) every record of which came through add()
        self.complete = True
        self._lines: IO[str] | None = None

    def add(self, record, filename: str, offset: int, length: int) -> None:
        """Note a record just written (any type; those replay looks up get a line)."""
        self.files.add(filename)
        if not self.complete or record.rec_type not in INDEXED_TYPES:
            return
        try:
            line = index_line(record, filename, offset, length)
            if self._lines is None:
                # Open for the whole run (close() ends it); unnamed, so a killed run leaves nothing.
                self._lines = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self.directory)  # noqa: SIM115
            self._lines.write(line)
        except Exception as exc:  # never fail a record's write over its index line
            logger.warning("CDXJ lines of this run abandoned (the index will read every WARC again): %r", exc)
            self.complete = False

    def lines(self) -> Iterator[str]:
        if self._lines is None:
            return
        self._lines.flush()
        self._lines.seek(0)
        yield from self._lines

    def close(self) -> None:
        if self._lines is not None:
            self._lines.close()
            self._lines = None


def warc_files(directory: str | os.PathLike) -> list[Path]:
    """Closed WARC files in directory, in name order (names sort by capture time, then serial)."""
    directory = Path(directory)
    return sorted({p for pattern in WARC_PATTERNS for p in directory.glob(pattern) if p.is_file()})


def write_cdxj(
    directory: str | os.PathLike, output: str | os.PathLike | None = None, written: RunIndex | None = None
) -> Path:
    """Index the response and revisit records of directory's WARCs (what replay looks up) into one sorted CDXJ file.

    Filenames in the index are relative to directory. The file is replaced atomically. written: the
    lines a writer made of the files it wrote (complete ones only); those files are not read again.
    """
    directory = Path(directory)
    output = Path(output) if output else directory / INDEX_NAME
    files = warc_files(directory)
    ours = written if written is not None and written.complete else None
    again = [p for p in files if ours is None or p.name not in ours.files]
    temporary = output.with_name(output.name + ".tmp")
    unresolved = output.with_name(output.name + ".unresolved.tmp")
    try:
        with open(unresolved, "w", encoding="utf-8") as out:
            lines = SortingWriter(out, SORT_BUFFER_CHARS)  # what cdxj-indexer's sort=True sorts with
            indexer = _Indexer(
                output=lines, inputs=[str(p) for p in again], dir_root=str(directory), records=INDEXED_RECORDS
            )
            indexer.writer = _DigestWriter()
            indexer.process_all()
            for line in ours.lines() if ours is not None else ():
                lines.write(line)
            lines.flush()
        with open(unresolved, encoding="utf-8") as sorted_lines, open(temporary, "w", encoding="utf-8") as out:
            out.writelines(resolve_not_modified(sorted_lines))
    finally:
        unresolved.unlink(missing_ok=True)
    os.replace(temporary, output)
    logger.info("Indexed %d WARC files into %s (%d of them read again)", len(files), output, len(again))
    return output
