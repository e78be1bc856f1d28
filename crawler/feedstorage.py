"""JSON Lines output that never ends in a partial line, even when the process is killed."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from scrapy.extensions.feedexport import FileFeedStorage

logger = logging.getLogger(__name__)


def repair_jsonl(path: Path) -> int:
    """Cut a partial last line left by a killed run; return the file's size afterwards."""
    if not path.exists():
        return 0
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb+") as fh:
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return size
        # Walk back to the last complete line.
        end = size
        while end > 0:
            start = max(0, end - 65536)
            fh.seek(start)
            chunk = fh.read(end - start)
            newline = chunk.rfind(b"\n")
            if newline != -1:
                end = start + newline + 1
                break
            end = start
        fh.truncate(end)
        fh.flush()
        os.fsync(fh.fileno())
    logger.warning("%s ended in a partial line (%d bytes) from an interrupted run; cut it off", path, size - end)
    return end


class LineSafeFileFeedStorage(FileFeedStorage):
    """Scrapy's file storage, unbuffered: each record reaches the file in one write() call."""

    def open(self, spider):
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.write_mode == "ab":
            repair_jsonl(path)
        return path.open(self.write_mode, buffering=0)
