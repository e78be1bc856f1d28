"""The names of what a job folder holds: its WARC files and their CDXJ index (and what the index lists),
where a record is, the URIs of a page's rendered DOM and screenshot.

A leaf module: the writer, the index and the readers all need these names, and importing them from
one another would close a cycle (and pull cdxj-indexer into processes that only read: the writer
makes index lines, so `crawler reextract`'s workers would import it for RecordLocation).
"""

from dataclasses import dataclass

INDEX_NAME = "index.cdxj"
WARC_SUFFIXES = (".warc.gz", ".warc")
# The records the index lists: what replay looks up. Named, not cdxj-indexer's default: importing
# py-wacz adds warcinfo records to that default for every indexer in the process.
INDEXED_TYPES = ("response", "revisit", "resource")
INDEXED_RECORDS = ",".join(INDEXED_TYPES)  # as cdxj-indexer takes them
# A browser capture stores bodies decoded and restates Content-Encoding under this name.
ORIGINAL_ENCODING_HEADER = "X-Archive-Orig-Content-Encoding"


@dataclass(frozen=True)
class RecordLocation:
    filename: str
    offset: int
    length: int
    record_id: str


def screenshot_uri(url: str) -> str:
    return f"urn:screenshot:{url}"


def dom_uri(url: str) -> str:
    return f"urn:dom:{url}"


def is_warc_name(name: str) -> bool:
    """A WARC file's name (gzip or not), not a file still being written (.open)."""
    return name.endswith(WARC_SUFFIXES)
