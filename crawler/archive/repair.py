"""Close WARC files a killed crawl left open: keep every complete record, cut the partial tail.

The writer flushes each record as one gzip member, so after a crash a *.warc.gz.open file is a run
of complete members, then at most one incomplete member. Nothing complete is ever cut.
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Repair:
    path: Path  # the closed file
    kept: int  # bytes of complete records kept
    cut: int  # bytes of partial record removed


def complete_gzip_length(path: Path) -> int:
    """Bytes at the start of path that form complete gzip members."""
    good = 0
    with open(path, "rb") as fh:
        offset = 0  # file offset where the current member starts
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        fed = 0  # bytes of the current member fed so far
        pending = b""
        while True:
            data = pending or fh.read(_CHUNK)
            pending = b""
            if not data:
                return good
            try:
                inflater.decompress(data, _CHUNK)
                while inflater.unconsumed_tail and not inflater.eof:
                    inflater.decompress(inflater.unconsumed_tail, _CHUNK)
            except zlib.error:
                return good
            if inflater.eof:
                used = len(data) - len(inflater.unused_data)
                offset += fed + used
                good = offset
                pending, fed = inflater.unused_data, 0
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            else:
                fed += len(data)


def complete_warc_length(path: Path) -> int:
    """Bytes at the start of an uncompressed WARC that form complete records."""
    good = 0
    size = path.stat().st_size
    with open(path, "rb") as fh:
        while good < size:
            fh.seek(good)
            head = b""
            while b"\r\n\r\n" not in head:
                more = fh.read(8192)
                if not more:
                    return good
                head += more
            block = head[: head.index(b"\r\n\r\n") + 4]
            length = None
            for line in block.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length is None:
                return good
            end = good + len(block) + length + 4
            if end > size:
                return good
            fh.seek(end - 4)
            if fh.read(4) != b"\r\n\r\n":
                return good
            good = end
    return good


def repair(path: Path) -> Repair | None:
    """Cut a *.open file back to its complete records and give it its final name.

    A file locked by a live writer (another worker of the same job) is left alone: None.
    """
    name = path.name[: -len(OPEN_SUFFIX)]
    with open(path, "r+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # a live writer (another worker of the job) holds it
        kept = complete_gzip_length(path) if name.endswith(".gz") else complete_warc_length(path)
        size = path.stat().st_size
        if kept == 0:
            logger.warning("Removed %s: not one complete WARC record in it (%d bytes)", path, size)
            path.unlink()
            return None
        fh.truncate(kept)
        fh.flush()
        os.fsync(fh.fileno())
        final = path.with_name(name)
        os.replace(path, final)
    if kept < size:
        logger.warning(
            "Repaired %s: cut a partial record of %d bytes at offset %d, closed as %s",
            path,
            size - kept,
            kept,
            final.name,
        )
    else:
        logger.warning("Closed %s left open by an earlier run (all %d bytes complete) as %s", path, kept, final.name)
    return Repair(final, kept, size - kept)


def repair_open_files(directory: Path) -> list[Repair]:
    """Repair every *.warc.open / *.warc.gz.open file in directory."""
    if not directory.is_dir():
        return []
    found = sorted(p for p in directory.iterdir() if p.name.endswith((".warc" + OPEN_SUFFIX, ".warc.gz" + OPEN_SUFFIX)))
    return [r for r in map(repair, found) if r is not None]
