"""Read archived responses back from WARC files, revisits resolved to the payload they refer to."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_datetime

from crawler.web.page import Page

from .folder import ORIGINAL_ENCODING_HEADER, RecordLocation, dom_uri, is_warc_name

logger = logging.getLogger(__name__)


@dataclass
class ArchivedResponse:
    page: Page  # the payload as received: still Content-Encoded
    date: datetime  # WARC-Date, UTC
    location: RecordLocation  # this capture's response or revisit record
    payload_location: RecordLocation  # the response record holding the payload
    revisit: bool = False
    truncated: str | None = None
    # Browser mode: the DOM the crawl extracted from (its urn:dom: resource record), headers as the page's.
    rendered: Page | None = None


def rendered_page(archived: ArchivedResponse, record, payload: bytes) -> Page:
    """The rendered DOM as a Page: the response's headers, with the DOM record's Content-Type and no framing."""
    dropped = {
        "content-type",
        "content-encoding",
        "content-length",
        "transfer-encoding",
        ORIGINAL_ENCODING_HEADER.lower(),
    }
    headers = [("Content-Type", record.rec_headers.get_header("Content-Type") or "text/html")]
    headers += [(k, v) for k, v in archived.page.headers if k.lower() not in dropped]
    return Page(archived.page.url, payload, tuple(headers), archived.page.status)


def _location(path: Path, it: ArchiveIterator, record) -> RecordLocation:
    return RecordLocation(
        path.name, it.get_record_offset(), it.get_record_length(), record.rec_headers.get_header("WARC-Record-ID")
    )


def read_record(path: Path, offset: int):
    """(record, raw payload) of the record at offset in path."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        return record, record.raw_stream.read()


class Originals:
    """Payload digest -> location of the first response record with it, from the files read and their siblings."""

    def __init__(self):
        self.by_digest: dict[str, RecordLocation] = {}
        self.by_id: dict[str, RecordLocation] = {}
        self.scanned: set[Path] = set()

    def add(self, record, location: RecordLocation) -> None:
        digest = record.rec_headers.get_header("WARC-Payload-Digest")
        if digest and record.rec_headers.get_header("WARC-Truncated") is None:
            self.by_digest.setdefault(digest, location)
        self.by_id[location.record_id] = location

    def scan(self, path: Path) -> None:
        if path in self.scanned:
            return
        self.scanned.add(path)
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            for record in it:
                if record.rec_type == "response":
                    it.read_to_end(record)
                    self.add(record, _location(path, it, record))

    def find(self, record, directory: Path) -> RecordLocation | None:
        refers_to = record.rec_headers.get_header("WARC-Refers-To")
        digest = record.rec_headers.get_header("WARC-Payload-Digest")
        found = self.by_id.get(refers_to) or self.by_digest.get(digest)
        if found is None:
            for sibling in sorted(directory.glob("*.warc*")):
                if is_warc_name(sibling.name):
                    self.scan(sibling.resolve())
            found = self.by_id.get(refers_to) or self.by_digest.get(digest)
        return found


def archived(record, location: RecordLocation, payload_location: RecordLocation, payload: bytes) -> ArchivedResponse:
    """A response or revisit record (its HTTP headers parsed) as an ArchivedResponse with the given payload."""
    http = record.http_headers
    return ArchivedResponse(
        page=Page(
            url=record.rec_headers.get_header("WARC-Target-URI"),
            body=payload,
            headers=tuple(http.headers),
            status=int(http.get_statuscode() or 0),
        ),
        date=iso_date_to_datetime(record.rec_headers.get_header("WARC-Date")),
        location=location,
        payload_location=payload_location,
        revisit=record.rec_type == "revisit",
        truncated=record.rec_headers.get_header("WARC-Truncated"),
    )


def is_rendering_of(record, archived: ArchivedResponse) -> bool:
    """Whether a resource record is the rendered DOM of the archived response (browser mode)."""
    concurrent = record.rec_headers.get_header("WARC-Concurrent-To")
    uri = record.rec_headers.get_header("WARC-Target-URI")
    return concurrent == archived.location.record_id and uri == dom_uri(archived.page.url)


def responses_of(path: Path, originals: Originals) -> Iterator[ArchivedResponse]:
    """Every response and revisit record of one WARC file, in order; revisits resolved with originals
    (the responses read before, then the file's siblings), to which this file's responses are added."""
    originals.scanned.add(path)
    pending: ArchivedResponse | None = None  # held until its urn:dom: record could follow
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        for record in it:
            if record.rec_type == "resource" and pending is not None:
                if is_rendering_of(record, pending):
                    pending.rendered = rendered_page(pending, record, record.raw_stream.read())
                continue
            if record.rec_type not in ("response", "revisit") or not record.http_headers:
                continue
            payload = record.raw_stream.read()
            it.read_to_end(record)
            location = _location(path, it, record)
            if record.rec_type == "revisit":
                payload_location = originals.find(record, path.parent)
                if payload_location is None:
                    logger.warning("Skipped revisit of %s: the record it refers to is not in %s", location, path.parent)
                    continue
                _, payload = read_record(path.parent / payload_location.filename, payload_location.offset)
            else:
                payload_location = location
                originals.add(record, location)
            if pending is not None:
                yield pending
            pending = archived(record, location, payload_location, payload)
    if pending is not None:
        yield pending


def iter_responses(paths: list[str | os.PathLike]) -> Iterator[ArchivedResponse]:
    """Every response and revisit record of the given WARCs, in order, with its payload (and rendered DOM)."""
    originals = Originals()
    for path in (Path(p).resolve() for p in paths):
        yield from responses_of(path, originals)
