"""JSON Lines output that never ends in a partial line, even when the process is killed."""

from __future__ import annotations

from pathlib import Path

from scrapy.extensions.feedexport import FileFeedStorage

from crawler.jobs.records import repair_jsonl


class LineSafeFileFeedStorage(FileFeedStorage):
    """Scrapy's file storage, unbuffered: each record reaches the file in one write() call."""

    def open(self, spider):
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.write_mode == "ab":
            repair_jsonl(path)
        return path.open(self.write_mode, buffering=0)
