"""One record per canonical page per run, and none written twice when a run resumes."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.job import job_dir

from crawler.jobs.paths import records_path
from crawler.jobs.records import record_key, repair_records
from crawler.jobs.run import RESUMABLE_REASONS
from crawler.signals import write_failed

logger = logging.getLogger(__name__)

RUN_FILE = "records-run.json"


class RecordDedupePipeline:
    """Drops a record whose canonical URL was already written in this run.

    With JOBDIR, a resumed run first reads back the records it wrote before it stopped, so a page
    fetched again after a crash does not get a second record.
    """

    def __init__(self, records_path: Path, run_file: Path | None, stats, signals=None):
        self.records_path = records_path
        self.run_file = run_file  # JOBDIR/records-run.json: where this run's records start
        self.stats = stats
        self.signals = signals  # to report a run file that cannot be written at the end
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        directory = job_dir(crawler.settings)
        run_file = Path(directory) / RUN_FILE if directory else None
        pipeline = cls(records_path(crawler.settings), run_file, crawler.stats, crawler.signals)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider=None):
        repaired = repair_records(self.records_path)
        size = repaired.size
        run = self._read_run()
        if run and run.get("status") == "running" and repaired.moved(run.get("offset", 0)) <= size:
            self.offset = repaired.moved(run["offset"])
            for key in self._keys_since(self.offset):
                self.seen.add(key)
            logger.info("Resumed run: %d records already written will not be written again", len(self.seen))
        else:
            self.offset = size
            self._write_run("running")
        self.stats.set_value("run/records_offset_start", self.offset)

    def spider_closed(self, spider, reason):
        # An interrupted run (SIGINT/SIGTERM, a write failure, low disk space) is resumed by the next
        # start with the same JOBDIR.
        if reason not in RESUMABLE_REASONS:
            try:
                self._write_run("finished")
            except OSError as exc:  # left "running": the next run resumes instead of starting over
                if self.signals is None:
                    raise
                self.signals.send_catch_log(write_failed, what=self.run_file, error=exc)
        self.stats.set_value(
            "run/records_offset_end", self.records_path.stat().st_size if self.records_path.exists() else 0
        )

    def process_item(self, item, spider=None):
        key = record_key(item)
        if key in self.seen:
            self.stats.inc_value("records/duplicates_dropped")
            # Expected (copies of a page under other URLs, pages fetched again after a resume): DEBUG, one line.
            raise DropItem(f"duplicate of a record already written in this run: {key}", log_level="DEBUG")
        self.seen.add(key)
        return item

    def _keys_since(self, offset: int):
        if not self.records_path.exists():
            return
        with open(self.records_path, "rb") as fh:
            fh.seek(offset)
            for line in fh:
                try:
                    yield record_key(json.loads(line))
                except (ValueError, KeyError, TypeError):
                    continue

    def _read_run(self) -> dict | None:
        if self.run_file is None or not self.run_file.exists():
            return None
        try:
            return json.loads(self.run_file.read_text())
        except ValueError:
            return None

    def _write_run(self, status: str) -> None:
        if self.run_file is None:
            return
        self.run_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.run_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"offset": self.offset, "status": status}))
        tmp.replace(self.run_file)
