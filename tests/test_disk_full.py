"""A disk that fills up during a crawl, on a real (tmpfs) file system: exit code 1 with one line, valid
records and WARCs, nothing marked captured that was not written, and a resume that loses nothing.

Mounting needs root (or a user namespace); where it is not allowed these tests skip, and
tests/test_hostile_units.py covers the same paths with a fault-injecting os.write.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import start_cli

from crawler.demo.server import DemoServer

pytestmark = pytest.mark.e2e

QUIET = ("--log-level", "INFO", "--no-progress", "-s", "AUTOTHROTTLE_ENABLED=False")


@pytest.fixture
def small_disk(tmp_path):
    """A 64 MB tmpfs mounted at tmp_path/disk."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True)
    if result.returncode:
        pytest.skip(f"mount is not allowed here: {result.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int = 0) -> Path:
    """Write a file until the disk has `leave` bytes free (0: until it is full)."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as fh:
        while True:
            stat = os.statvfs(disk)
            free = stat.f_bavail * stat.f_frsize
            if free <= leave:
                break
            try:
                fh.write(b"\0" * max(4096, free - leave))
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
    return filler


def records(job: Path) -> list[dict]:
    path = job / "records.jsonl"
    return [json.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []


def warcs_valid(job: Path) -> bool:
    files = sorted(job.glob("*.warc.gz"))
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, files)], capture_output=True)
    return bool(files) and check.returncode == 0


def crawl(url: str, disk: Path, *extra: str, job_dir: bool = True):
    resume = ["--job-dir", str(disk / "jobdir")] if job_dir else []
    return start_cli("crawl", url, "--job", "full", "--output", str(disk / "out"), *resume, *QUIET, *extra, text=True)


def wait_for_records(job: Path, count: int, proc) -> None:
    deadline = time.monotonic() + 60
    while len((job / "records.jsonl").read_bytes().splitlines() if (job / "records.jsonl").exists() else []) < count:
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.monotonic() < deadline
        time.sleep(0.01)


@pytest.mark.parametrize(
    "floor, job_dir",
    [("0", True), ("0", False), ("16777216", True)],
    ids=["writes-fail-resume", "writes-fail-run-again", "free-space-floor-resume"],
)
def test_disk_filled_mid_crawl_then_freed_and_resumed_loses_nothing(small_disk, floor, job_dir):
    """job_dir: resumed from its JOBDIR; else simply run again, where the job state alone must not
    have marked as captured an article whose record was lost."""
    job = small_disk / "out" / "full"
    with DemoServer(delay=0.15) as server:
        truth = {r["url"] for r in server.site.expected_records(server.url)}
        proc = crawl(
            server.url + "/",
            small_disk,
            "-s",
            f"OUTPUT_MIN_FREE_SPACE={floor}",
            "-s",
            "DISK_CHECK_INTERVAL=0.2",
            job_dir=job_dir,
        )
        wait_for_records(job, 8, proc)
        filler = fill(small_disk, leave=0 if floor == "0" else 12 * 1024 * 1024)
        stdout, stderr = proc.communicate(timeout=120)
        # Stopped, with one line saying why, and a summary; no traceback.
        assert proc.returncode == 1, stdout + stderr[-3000:]
        assert "Traceback" not in stderr and "Logging error" not in stderr
        # A write fails (the WARC, records.jsonl, SQLite's "database or disk is full"), or the floor is crossed.
        whys = ("No space left on device", "disk is full") if floor == "0" else ("below the floor of 16.0 MB",)
        stops = [line for line in stderr.splitlines() if "Stopping the crawl" in line]
        assert len(stops) == 1 and any(why in stops[0] for why in whys), stderr[-3000:]
        stopped = [line for line in stdout.splitlines() if line.startswith("  stopped ")]
        assert stopped and any(why in stopped[0] for why in whys), stdout
        first = records(job)  # every line whole
        assert 8 <= len(first) < len(truth)
        assert not list(job.glob("*.open"))
        assert warcs_valid(job)
        # Space freed: the resumed run fetches what was not committed and writes every article once.
        filler.unlink()
        resumed = crawl(server.url + "/", small_disk, "-s", "OUTPUT_MIN_FREE_SPACE=0", job_dir=job_dir)
        stdout, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stdout + stderr[-3000:]
    urls = [r["url"] for r in records(job)]
    assert set(urls) == truth, truth - set(urls)  # nothing lost
    if job_dir:  # a resume also writes nothing twice (run again, pages whose capture could not be
        # committed on the full disk get a second record: never a lost one)
        assert [u for u, n in Counter(urls).items() if n > 1] == []
    assert warcs_valid(job)
    assert not (job / "records.jsonl.rejected").exists()


def test_a_disk_that_stays_full_still_ends_with_a_summary_and_one_line(small_disk):
    job = small_disk / "out" / "full"
    with DemoServer(delay=0.05) as server:
        proc = crawl(server.url + "/", small_disk, "-s", "OUTPUT_MIN_FREE_SPACE=0")
        wait_for_records(job, 5, proc)
        fill(small_disk)
        stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in stderr and "Logging error" not in stderr, stderr[-3000:]
    assert "Stopping the crawl: cannot write" in stderr
    # The summary reaches stdout even when stats.json cannot be written (or says where it went).
    assert "Crawl 'full' write_failed" in stdout
    assert "stats            " in stdout
    assert all(records(job))
    assert warcs_valid(job)
