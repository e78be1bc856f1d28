"""The CDXJ index of a folder's WARC files, written with cdxj-indexer (what pywb reads)."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

from cdxj_indexer.main import CDXJIndexer
from warcio.warcwriter import BufferWARCWriter

logger = logging.getLogger(__name__)

INDEX_NAME = "index.cdxj"
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
    indexer = CDXJIndexer(
        output=str(temporary),
        inputs=[str(p) for p in files],
        sort=True,
        dir_root=str(directory),
        max_sort_buff_size=SORT_BUFFER_CHARS,
        records=INDEXED_RECORDS,
    )
    indexer.writer = _DigestWriter()
    indexer.process_all()
    os.replace(temporary, output)
    logger.info("Indexed %d WARC files into %s", len(files), output)
    return output
