"""A run of a job: its lock, its log file, its end (stats.json, the summary) and its exit code."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from crawler.web.redact import redact

from .summary import render, write_stats

# Exit codes (README "Running from cron").
EXIT_OK = 0  # the crawl finished (or stopped at a configured limit)
EXIT_CRAWL_FAILED = 1  # nothing could be fetched, the crawl crashed, or it was interrupted
EXIT_USAGE = 2  # bad command line or job file
EXIT_PARTIAL = 3  # finished, but failed fetches exceeded ERROR_THRESHOLD
EXIT_LOCKED = 4  # another run of the same job holds its lock

SUCCESS_REASONS = {
    "finished",
    "limit_pages",
    "limit_records",
    "closespider_timeout",
    "closespider_pagecount",
    "closespider_itemcount",
    "closespider_timeout_no_item",
    "closespider_pagecount_no_item",
}
# Stops after which the next run with the same JOBDIR resumes: interrupted (SIGTERM, Ctrl-C), a write
# that failed, the disk below its free-space floor.
RESUMABLE_REASONS = {"shutdown", "write_failed", "disk_space_low"}
LOCK_FILE = ".lock"


class JobLocked(RuntimeError):
    pass


@contextmanager
def job_lock(output_dir: Path, suffix: str = "") -> Iterator[None]:
    """An exclusive lock on OUTPUT/JOB/.lock (.lock-WORKER for a worker), released when the process ends."""
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / (LOCK_FILE + suffix)
    fh = open(path, "a+")  # noqa: SIM115 - held for the whole run
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "unknown"
        fh.close()
        raise JobLocked(f"another run of this job is active ({holder}); lock file {path}") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n")
    fh.flush()
    try:
        yield
    finally:
        fh.close()


def run_log_path(output_dir: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return output_dir / "logs" / f"{stamp}-{os.getpid()}.log"


def failed_fetches(stats: dict) -> int:
    """Fetches that finally got no usable answer: network errors and 5xx, after retries."""
    return stats.get("fetch/failed", 0) + stats.get("fetch/server_error", 0)


def exit_code(stats: dict, error_threshold: float, worker: bool = False) -> int:
    """worker: one of several sharing a frontier, which may find the work already done."""
    reason = stats.get("finish_reason")
    fetched = stats.get("downloader/response_count", 0)
    if reason not in SUCCESS_REASONS or (fetched == 0 and not worker) or stats.get("storage/write_failed"):
        return EXIT_CRAWL_FAILED
    attempts = stats.get("downloader/request_count", 0)
    if attempts and failed_fetches(stats) / attempts > error_threshold:
        return EXIT_PARTIAL
    return EXIT_OK


def finish(
    stats: dict,
    output_dir: Path,
    job: str,
    error_threshold: float = 0.05,
    suffix: str = "",
    secrets: list[str] | None = None,
) -> int:
    """Write stats.json (stats-WORKER.json for a worker), print the summary, return the exit code.

    A stats file that cannot be written (the disk still full) is said in the summary, in one line.
    """
    code = exit_code(stats, error_threshold, worker=bool(suffix))
    stats = {**stats, "exit_code": code}
    name = f"stats{suffix}.json"
    try:
        path: Path | str = write_stats(stats, output_dir, name, secrets or [])
    except OSError as exc:
        path = f"not written: cannot write {output_dir / name}: {exc.strerror or exc}"
        code = EXIT_CRAWL_FAILED
    with contextlib.suppress(OSError):  # stdout closed or full: the exit code still tells
        print(redact(render(stats, output_dir, job, path, f"records{suffix}.jsonl"), secrets or []), flush=True)
    return code
