"""JSON Lines output that never ends in, or holds, a partial line: not when the process is killed, not when the disk fills."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.extensions.feedexport import FileFeedStorage

from crawler.archive.appendfile import AppendFile
from crawler.jobs.records import repair_jsonl
from crawler.signals import checkpoint, write_failed

logger = logging.getLogger(__name__)


class RecordsFile(AppendFile):
    """records.jsonl: each record one whole write; a write that fails is cut off again and reported.

    The exporter is not told (it would log the whole record with a traceback): write_failed stops
    the crawl, and the page whose record was lost is not committed, so the next run fetches it again.
    """

    def __init__(self, path: Path, signals):
        super().__init__(path)
        self.signals = signals

    def write(self, data) -> int:
        try:
            return super().write(data)
        except OSError as exc:
            if self.signals is None:
                raise
            self.signals.send_catch_log(write_failed, what=self.name, error=exc)
            return 0


class LineSafeFileFeedStorage(FileFeedStorage):
    """Scrapy's file storage writing through RecordsFile, fsynced at every checkpoint."""

    def __init__(self, uri: str, *, feed_options=None, signals=None):
        super().__init__(uri, feed_options=feed_options)
        self.signals = signals
        self.file: RecordsFile | None = None

    @classmethod
    def from_crawler(cls, crawler, uri, *, feed_options=None):
        storage = cls(uri, feed_options=feed_options, signals=crawler.signals)
        crawler.signals.connect(storage.checkpoint, signal=checkpoint)
        return storage

    def open(self, spider):
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.write_mode == "ab":
            repair_jsonl(path)
        elif path.exists():
            path.unlink()  # overwrite = true
        self.file = RecordsFile(path, self.signals)
        return self.file

    def checkpoint(self) -> None:
        if self.file is not None and not self.file.closed:
            self.file.fsync()

    def store(self, file):
        try:
            if not file.closed:
                file.fsync()
        except OSError as exc:
            if self.signals is not None:
                self.signals.send_catch_log(write_failed, what=file.name, error=exc)
        file.close()
