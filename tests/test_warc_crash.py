"""A crawl killed with SIGKILL: closed files stay valid, the one left open is repaired by the next run."""

import signal
import subprocess
import sys
import time

import pytest
from conftest import kill, start_cli
from servers.pages import linked_pages
from servers.sites import RouteServer

pytestmark = pytest.mark.e2e


def _warcio_check(files):
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, files)], capture_output=True, text=True
    )


def _crawl(url, out, *extra, **popen):
    return start_cli(
        "crawl",
        url + "/",
        "--job",
        "pages",
        "--output",
        str(out),
        "--log-level",
        "INFO",
        "-s",
        "WARC_MAX_SIZE=150000",
        "-s",
        "TRAP_MAX_BARREN_CHAIN=1000",  # the site is one long chain of listing pages, meant to be crawled whole
        *extra,
        **popen,
    )


def test_sigkill_leaves_valid_files_and_the_next_run_repairs_the_open_one(tmp_path):
    job = tmp_path / "pages"
    with RouteServer(linked_pages, delay=0.02) as server:
        process = _crawl(server.url, tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        try:
            while len(list(job.glob("*.warc.gz"))) < 2 or not list(job.glob("*.open")):
                assert process.poll() is None, "the crawl ended before it could be killed"
                assert time.monotonic() < deadline, "the crawl wrote no WARC files in time"
                time.sleep(0.02)
            time.sleep(0.15)  # let it be somewhere in the middle of the next records
        finally:
            kill(process)
        assert process.returncode == -signal.SIGKILL

        closed = sorted(job.glob("*.warc.gz"))
        left_open = sorted(job.glob("*.open"))
        # The file being written, and those rolled over while their pages' metadata records were still
        # to come (how many depends on how far page analysis lags behind downloads: on the machine's load).
        assert len(closed) >= 2 and len(left_open) >= 1
        result = _warcio_check(closed)
        assert result.returncode == 0, result.stdout + result.stderr
        # SIGKILL almost always lands between two records' writes. Leave what a kill inside a write
        # leaves: the first part of one more record's gzip member (here, of the file's first record).
        sizes = {}
        for path in left_open:
            sizes[path] = path.stat().st_size
            head = path.read_bytes()[:400]
            with open(path, "ab") as fh:
                fh.write(head[:300])

        next_run = _crawl(
            server.url,
            tmp_path,
            "-s",
            "CLOSESPIDER_PAGECOUNT=3",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _, log = next_run.communicate(timeout=300)
        assert next_run.returncode == 0, log[-3000:]

    print(
        "\n"
        + "\n".join(line for line in log.splitlines() if "left open" in line or "Repaired" in line or "Removed" in line)
    )
    assert not list(job.glob("*.open"))
    for path in left_open:
        repaired = path.with_name(path.name[: -len(".open")])
        assert repaired.exists()
        assert repaired.stat().st_size == sizes[path]  # exactly the complete records kept
        assert f"Repaired {path}: cut a partial record of 300 bytes at offset {sizes[path]}" in log
        result = _warcio_check([repaired])
        assert result.returncode == 0, result.stdout + result.stderr
    result = _warcio_check(sorted(job.glob("*.warc.gz")))
    assert result.returncode == 0, result.stdout + result.stderr
