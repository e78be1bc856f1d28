"""Run a crawl job in this process: settings, lock, logs, the spider, the summary and the exit code."""

from __future__ import annotations

import fcntl
import logging
import os
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

from crawler.urls import strip_userinfo

# Exit codes (README "Running from cron").
EXIT_OK = 0  # the crawl finished (or stopped at a configured limit)
EXIT_CRAWL_FAILED = 1  # nothing could be fetched, the crawl crashed, or it was interrupted
EXIT_USAGE = 2  # bad command line or job file
EXIT_PARTIAL = 3  # finished, but failed fetches exceeded ERROR_THRESHOLD
EXIT_LOCKED = 4  # another run of the same job holds its lock

JOB_FILE_PRIORITY = 25  # above the project's settings (20), below the command line (40)
SUCCESS_REASONS = {"finished", "limit_pages", "limit_records", "closespider_timeout", "closespider_pagecount",
                   "closespider_itemcount", "closespider_timeout_no_item", "closespider_pagecount_no_item"}
LOCK_FILE = ".lock"


class JobLocked(RuntimeError):
    pass


def project_settings(overrides: dict | None = None, job_settings: dict | None = None):
    """The project's settings module, then a job file's settings, then command-line overrides."""
    from scrapy.settings import SETTINGS_PRIORITIES, Settings

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
            auth = {"HTTPAUTH_USER": user, "HTTPAUTH_PASS": password, "HTTPAUTH_DOMAIN": parts.hostname}
            secrets += [s for s in (parts.username, parts.password, user, password) if s]
        clean.append(strip_userinfo(url))
    return clean, auth, secrets


@contextmanager
def job_lock(output_dir: Path, suffix: str = ""):
    """An exclusive lock on OUTPUT/JOB/.lock (.lock-WORKER for a worker), released when the process ends."""
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / (LOCK_FILE + suffix)
    fh = open(path, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "unknown"
        fh.close()
        raise JobLocked(f"another run of this job is active ({holder}); lock file {path}") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()} since {datetime.now(timezone.utc).isoformat(timespec='seconds')}\n")
    fh.flush()
    try:
        yield
    finally:
        fh.close()


def run_log_path(output_dir: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return output_dir / "logs" / f"{stamp}-{os.getpid()}.log"


def run_crawl(start_urls: list[str], settings, log_to_stderr: bool = True) -> tuple[dict, Path]:
    """Run the article spider to the end; return (stats, output folder)."""
    from scrapy.crawler import CrawlerProcess

    from crawler.job import job_output_dir
    from crawler.spiders.article import ArticleSpider

    process = CrawlerProcess(settings)
    if settings.get("LOG_FILE") and log_to_stderr:
        # The run's log file gets everything; the terminal (or cron mail) only warnings and errors.
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setLevel(logging.WARNING)
        stderr.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
        logging.getLogger().addHandler(stderr)
    crawler = process.create_crawler(ArticleSpider)
    process.crawl(crawler, start_urls=start_urls)
    process.start()
    return crawler.stats.get_stats(), job_output_dir(crawler.settings)


def failed_fetches(stats: dict) -> int:
    """Fetches that finally got no usable answer: network errors and 5xx, after retries."""
    return stats.get("fetch/failed", 0) + stats.get("fetch/server_error", 0)


def exit_code(stats: dict, error_threshold: float, worker: bool = False) -> int:
    """worker: one of several sharing a frontier, which may find the work already done."""
    reason = stats.get("finish_reason")
    fetched = stats.get("downloader/response_count", 0)
    if reason not in SUCCESS_REASONS or (fetched == 0 and not worker):
        return EXIT_CRAWL_FAILED
    attempts = stats.get("downloader/request_count", 0)
    if attempts and failed_fetches(stats) / attempts > error_threshold:
        return EXIT_PARTIAL
    return EXIT_OK


def finish(stats: dict, output_dir: Path, job: str, error_threshold: float = 0.05, suffix: str = "") -> int:
    """Write stats.json (stats-WORKER.json for a worker), print the summary, return the exit code."""
    from crawler.summary import render, write_stats

    code = exit_code(stats, error_threshold, worker=bool(suffix))
    stats = {**stats, "exit_code": code}
    path = write_stats(stats, output_dir, f"stats{suffix}.json")
    print(render(stats, output_dir, job, path, f"records{suffix}.jsonl"), flush=True)
    return code
