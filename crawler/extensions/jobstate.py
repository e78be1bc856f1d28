"""The job's state, opened once per crawl and shared by the components that need it."""

from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.jobs.paths import job_output_dir
from crawler.jobs.state import JobState, RedisJobState, open_job_state


class JobStateExtension:
    """Holds the job's JobState (or RedisJobState with a Redis frontier) from start to engine stop.

    Components find it with `crawler.get_extension(JobStateExtension)`: incremental requests read
    and write captures, WARC dedup reads and writes payload digests, the spider skips sitemap
    entries unchanged since the last capture. Not loaded when neither incremental runs nor WARC
    dedup are on.
    """

    def __init__(self, state: JobState | RedisJobState):
        self.state = state

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        dedup = settings.getbool("WARC_ENABLED") and settings.getbool("WARC_DEDUP")
        if not settings.getbool("INCREMENTAL_ENABLED") and not dedup:
            raise NotConfigured
        state = open_job_state(
            job_output_dir(settings), settings.get("FRONTIER_URL"), settings.get("JOB_NAME") or "crawl"
        )
        extension = cls(state)
        # engine_stopped comes after spider_closed: every component is done with the state.
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        self.state.close()


def job_state(crawler) -> JobState | RedisJobState | None:
    """The crawl's shared job state, or None when no component needs one."""
    extension = crawler.get_extension(JobStateExtension)
    return extension.state if extension is not None else None
