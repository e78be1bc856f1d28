"""Run the article spider in this process, under the project's settings, a job's and the command line's."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import SETTINGS_PRIORITIES, Settings

from crawler.jobs.paths import job_output_dir
from crawler.spiders.article import ArticleSpider
from crawler.web.redact import strip_userinfo

logger = logging.getLogger(__name__)

JOB_FILE_PRIORITY = 25  # above the project's settings (20), below the command line (40)


def project_settings(overrides: dict | None = None, job_settings: dict | None = None) -> Settings:
    """The project's settings module, then a job file's settings, then command-line overrides."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for key, value in (job_settings or {}).items():
        settings.set(key, value, priority=JOB_FILE_PRIORITY)
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    contact = settings.get("JOB_CONTACT")
    if contact and settings.getpriority("USER_AGENT") <= SETTINGS_PRIORITIES["project"]:
        # Site owners can tell who is crawling and how to reach them.
        settings.set("USER_AGENT", f"{settings.get('USER_AGENT')} (+{contact})", priority=JOB_FILE_PRIORITY)
    return settings


def split_credentials(urls: list[str]) -> tuple[list[str], dict, list[str]]:
    """Seeds without user:password@, and the HTTP auth settings and secrets taken out of them."""
    clean, auth, secrets = [], {}, []
    for url in urls:
        parts = urlsplit(url)
        if parts.username is not None:
            user, password = unquote(parts.username), unquote(parts.password or "")
            # host:port exactly as the URL has it (crawler.downloadermiddlewares.httpauth matches it).
            domain = parts.netloc.rpartition("@")[2]
            auth = {"HTTPAUTH_USER": user, "HTTPAUTH_PASS": password, "HTTPAUTH_DOMAIN": domain}
            secrets += [s for s in (parts.username, parts.password, user, password) if s]
        clean.append(strip_userinfo(url))
    return clean, auth, secrets


class OneLineFormatter(logging.Formatter):
    """Log lines for stderr (cron's mail): an exception is its last line, the traceback stays in the log file."""

    def format(self, record: logging.LogRecord) -> str:
        if not record.exc_info:
            return super().format(record)
        exc = record.exc_info[1]
        saved = record.exc_info, record.exc_text
        record.exc_info, record.exc_text = None, None
        try:
            line = super().format(record)
        finally:
            record.exc_info, record.exc_text = saved
        return (
            f"{line} ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}; traceback in the log file)"
        )


def skip_unhandled_levels() -> None:
    """Every logger drops at once the levels that no handler of the root logger writes."""
    root = logging.getLogger()
    root.setLevel(min((handler.level for handler in root.handlers), default=logging.NOTSET))
    logging.getLogger("scrapy").setLevel(logging.NOTSET)  # as the root logger's


@contextmanager
def loggers_skip_unhandled_levels(crawler: Crawler | None = None) -> Iterator[None]:
    """While it lasts, every logger drops at once the levels that no handler of the root logger writes.

    Scrapy sets the root logger to NOTSET and its own to DEBUG and leaves the levels to its handlers,
    so every DEBUG line of a crawl built a LogRecord (and, with secrets to redact, its message) for the
    handlers to drop. Crawler.crawl() installs Scrapy's root handler again, which resets the root
    logger to NOTSET: with a crawler, the levels are set again when its engine starts. They are
    restored at the end (commands and tests run several crawls in one process).
    """
    root, scrapy_logger = logging.getLogger(), logging.getLogger("scrapy")
    saved = root.level, scrapy_logger.level
    skip_unhandled_levels()
    if crawler is not None:
        crawler.signals.connect(skip_unhandled_levels, signal=signals.engine_started)
    try:
        yield
    finally:
        root.setLevel(saved[0])
        scrapy_logger.setLevel(saved[1])


def run_crawl(start_urls: list[str], settings: Settings) -> tuple[dict, Path]:
    """Run the article spider to the end; return (stats, output folder).

    With a LOG_FILE, the file gets everything and stderr (cron's mail) only warnings and errors, one
    line each. A crawl that fails to start or crashes ends with its reason in stats["crawl/error"].
    """
    # A log file that cannot be written (a full disk) must not print a traceback per message.
    logging.raiseExceptions = False
    process = CrawlerProcess(settings)
    if settings.get("LOG_FILE"):
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setLevel(logging.WARNING)
        stderr.setFormatter(OneLineFormatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
        logging.getLogger().addHandler(stderr)
    crawler = process.create_crawler(ArticleSpider)  # installs Scrapy's root handler
    failures = []
    with loggers_skip_unhandled_levels(crawler):
        process.crawl(crawler, start_urls=start_urls).addErrback(failures.append)
        process.start()
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    for failure in failures:
        logger.error("The crawl failed: %s", failure.getErrorMessage(), exc_info=failure_exc_info(failure))
        stats.setdefault("crawl/error", f"{failure.type.__name__}: {failure.getErrorMessage()}".splitlines()[0])
    return stats, job_output_dir(crawler.settings)


def failure_exc_info(failure) -> tuple:
    return failure.type, failure.value, failure.getTracebackObject()
