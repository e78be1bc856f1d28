"""Captures as a folder's CDXJ index lists them, for worker processes to read at their offsets.

`crawler reextract` reads a crawl's job folder: its index.cdxj (crawler.archive.index) says where
every response record of the folder's WARC files is, so the reading process sends each worker only
(file, offset, length) and the worker reads the record itself. An index that is no longer true of a
file is an error (IndexProblem), never a silent fallback: the file was cut, changed in place or deleted
after it was indexed, and `crawler index FOLDER` rebuilds the index. A file the index does not list (or
in a folder without one), one holding records after the indexed ones (still being written), and one
holding revisit records (each resolved against every response read before it), is read in order in
the reading process (crawler.archive.reader).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

from .folder import INDEX_NAME, INDEXED_TYPES, RecordLocation, dom_uri
from .reader import ArchivedResponse, Originals, archived, is_rendering_of, rendered_page, responses_of


class IndexProblem(Exception):
    """A folder's index no longer describes one of its WARC files: changed, cut or deleted since it was indexed."""


@dataclass(frozen=True)
class Capture:
    """A record where the index says it is, and what the index says of it (checked when it is read)."""

    path: str
    offset: int
    length: int
    url: str
    timestamp: str  # the record's WARC-Date as the index writes it, 14 digits
    digest: str | None
    dom: tuple[Capture, ...] = ()  # browser mode: the urn:dom: resource records that may follow the response


@dataclass
class FilePlan:
    """How one WARC file is read: its captures from the index, or (captures None) in order, by this process."""

    path: Path
    captures: list[Capture] | None
    note: str | None = None  # why a file is read in order (not indexed, or records after the indexed ones)


def _rebuild(folder: Path) -> str:
    return f"rebuild the index with `crawler index {folder}`"


def _is_revisit(fields: dict) -> bool:
    # A server-not-modified revisit's line names the capture it confirms, its own record under revisit.*.
    return fields.get("mime") == "warc/revisit" or "revisit.filename" in fields


def _lines_by_file(index: Path) -> dict[str, list[dict]]:
    """The index's lines (fields, and the timestamp) by the WARC file that holds each record."""
    by_file: dict[str, list[dict]] = defaultdict(list)
    with open(index, encoding="utf-8") as lines:
        for line in lines:
            _, timestamp, data = line.rstrip("\n").split(" ", 2)
            fields = json.loads(data)
            fields["timestamp"] = timestamp
            by_file[fields.get("revisit.filename") or fields["filename"]].append(fields)
    return by_file


def _folder_index(folder: Path) -> dict[str, list[dict]] | None:
    """The lines of folder's index by file (None: no index), after checking every file it lists is there."""
    index = folder / INDEX_NAME
    if not index.is_file():
        return None
    by_file = _lines_by_file(index)
    for name in sorted(by_file):
        if not (folder / name).is_file():
            raise IndexProblem(f"{index} lists {name}, which is not in the folder (deleted?): {_rebuild(folder)}")
    return by_file


def _check_file(path: Path, lines: list[dict]) -> str | None:
    """IndexProblem if the file is shorter than the records its index lists; a note (the file is read in
    order) if records of a listed kind follow them (a file still being written). Not its time: a copy
    (`cp -r`) makes it new, and each record a worker reads is checked against its index line anyway."""
    index = path.parent / INDEX_NAME
    size = path.stat().st_size
    end = max(map(_record_end, lines))
    if size < end:
        raise IndexProblem(
            f"{path.name} is cut: {size} bytes, {index} has records up to byte {end}: {_rebuild(path.parent)}"
        )
    try:
        with open(path, "rb") as fh:
            # cdxj-indexer's length of an uncompressed record leaves out its closing CRLF CRLF.
            fh.seek(end)
            if fh.read(4) != b"\r\n\r\n":
                fh.seek(end)
            # Only request (and metadata) records follow the last indexed one in a file the index covers.
            grown = any(record.rec_type in INDEXED_TYPES for record in ArchiveIterator(fh))
    except Exception as exc:  # warcio, gzip or zlib errors: no record starts where the index's last one ends
        raise IndexProblem(
            f"{path.name} changed after {index} was written ({type(exc).__name__} after its last indexed record): "
            f"{_rebuild(path.parent)}"
        ) from None
    if grown:
        return f"{path.name} holds records after the ones {index} lists; reading it in this process ({_rebuild(path.parent)})"
    return None


def _record_end(fields: dict) -> int:
    """Where the line's record ends in its file (a not-modified revisit's own record: under revisit.*)."""
    own = "revisit." if "revisit.filename" in fields else ""
    return int(fields[own + "offset"]) + int(fields[own + "length"])


def _capture(path: Path, fields: dict) -> Capture:
    return Capture(
        str(path),
        int(fields["offset"]),
        int(fields["length"]),
        fields["url"],
        fields["timestamp"],
        fields.get("digest"),
    )


def _captures(path: Path, lines: list[dict]) -> list[Capture]:
    """The file's 2xx responses in file order, each with the urn:dom: records between it and the next response."""
    captures: list[Capture] = []
    current: Capture | None = None
    for fields in sorted(lines, key=lambda fields: int(fields["offset"])):
        status = fields.get("status")
        if status is not None:  # a response (resources have no HTTP status)
            if current is not None:
                captures.append(current)
            current = _capture(path, fields) if status.isdigit() and 200 <= int(status) < 300 else None
        elif current is not None and fields["url"] == dom_uri(current.url):
            current = replace(current, dom=(*current.dom, _capture(path, fields)))
    if current is not None:
        captures.append(current)
    return captures


def plan(paths: list[str | os.PathLike]) -> list[FilePlan]:
    """How each WARC file is read, in the order given. Raises IndexProblem (before anything is read) for a
    file shorter than its folder's index says, and for an index listing missing files."""
    indexes: dict[Path, dict[str, list[dict]] | None] = {}
    plans = []
    for path in (Path(p).resolve() for p in paths):
        folder = path.parent
        if folder not in indexes:
            indexes[folder] = _folder_index(folder)
        by_file = indexes[folder]
        lines = by_file.get(path.name) if by_file is not None else None
        if lines is None:
            where = f"not in {folder / INDEX_NAME}" if by_file is not None else f"no {INDEX_NAME} beside it"
            plans.append(FilePlan(path, None, f"{path.name}: {where}; reading it in this process"))
            continue
        grown = _check_file(path, lines)
        if grown is not None:
            plans.append(FilePlan(path, None, grown))
            continue
        revisits = any(_is_revisit(fields) for fields in lines)
        plans.append(FilePlan(path, None if revisits else _captures(path, lines)))
    return plans


def captures_in_order(plans: list[FilePlan]) -> Iterator[Capture | ArchivedResponse]:
    """The files' captures in capture order: the indexed ones for a worker to read, the others read here
    (revisits resolved as crawler.archive.reader.iter_responses would, against every response before them)."""
    originals = Originals()
    left_to_workers: list[Path] = []  # files read elsewhere whose responses a later revisit may refer to
    for file in plans:
        if file.captures is not None:
            left_to_workers.append(file.path)
            yield from file.captures
            continue
        for earlier in left_to_workers:
            originals.scan(earlier)  # what reading it in order would have added
        left_to_workers.clear()
        yield from responses_of(file.path, originals)


def _read_at(fh, capture: Capture, kind: str):
    """The record at the capture's offset, read to its end, and its payload; IndexProblem if it is not the
    one the index describes."""
    fh.seek(capture.offset)
    it = ArchiveIterator(fh)
    record = next(iter(it), None)
    if record is None:
        raise IndexProblem(f"no record at offset {capture.offset}")
    headers = record.rec_headers
    payload = record.raw_stream.read()
    it.read_to_end(record)
    digest = headers.get_header("WARC-Payload-Digest")
    found = {
        "type": record.rec_type,
        "url": headers.get_header("WARC-Target-URI"),
        "date": iso_date_to_timestamp(headers.get_header("WARC-Date") or ""),
        "digest": digest if digest is not None else capture.digest,
        "offset": it.get_record_offset(),  # warcio counts from the start of the file
        "length": it.get_record_length(),
    }
    expected = {
        "type": kind,
        "url": capture.url,
        "date": capture.timestamp,
        "digest": capture.digest,
        "offset": capture.offset,
        "length": capture.length,
    }
    wrong = [name for name in expected if found[name] != expected[name]]
    if wrong:
        raise IndexProblem(f"the record at offset {capture.offset} is not the indexed one ({', '.join(wrong)} differ)")
    return record, payload


def read_capture(capture: Capture) -> ArchivedResponse | None:
    """The captured response (and its rendered DOM), as crawler.archive.reader reads it in order; None for a
    response without HTTP headers. Raises IndexProblem if the file no longer holds what its index says."""
    path = Path(capture.path)
    try:
        with open(path, "rb") as fh:
            record, payload = _read_at(fh, capture, "response")
            if not record.http_headers:
                return None
            location = RecordLocation(
                path.name, capture.offset, capture.length, record.rec_headers.get_header("WARC-Record-ID")
            )
            response = archived(record, location, location, payload)
            for dom in capture.dom:
                resource, content = _read_at(fh, dom, "resource")
                if is_rendering_of(resource, response):
                    response.rendered = rendered_page(response, resource, content)
            return response
    except FileNotFoundError:
        raise IndexProblem(f"{path} is gone (deleted after it was indexed): {_rebuild(path.parent)}") from None
    except IndexProblem as exc:
        raise IndexProblem(f"{path}: {exc}: the file changed after it was indexed; {_rebuild(path.parent)}") from None
    except Exception as exc:  # warcio, gzip or zlib errors: the bytes there are no whole record
        raise IndexProblem(
            f"{path}: the record at offset {capture.offset} does not read ({type(exc).__name__}: {exc}): the file "
            f"was cut or changed after it was indexed; {_rebuild(path.parent)}"
        ) from None
