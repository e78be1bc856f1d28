"""The names of what a job folder holds: its WARC files and their CDXJ index (and what the index lists).

A leaf module: the writer, the index and the readers all need these names, and importing them from
one another would close a cycle (and pull cdxj-indexer into processes that only read).
"""

INDEX_NAME = "index.cdxj"
WARC_SUFFIXES = (".warc.gz", ".warc")
# The records the index lists: what replay looks up. Named, not cdxj-indexer's default: importing
# py-wacz adds warcinfo records to that default for every indexer in the process.
INDEXED_TYPES = ("response", "revisit", "resource")
INDEXED_RECORDS = ",".join(INDEXED_TYPES)  # as cdxj-indexer takes them


def is_warc_name(name: str) -> bool:
    """A WARC file's name (gzip or not), not a file still being written (.open)."""
    return name.endswith(WARC_SUFFIXES)
