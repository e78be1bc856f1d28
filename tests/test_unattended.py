"""Unattended crawls end to end on loopback sites: discovery, traps, kill -9 and resume, incremental runs, cron."""

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, kill, run_cli, start_cli
from servers.sites import DiscoverySite, PoliteSite, RouteServer, TrapSite
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import DemoServer
from crawler.demo.site import DemoSite

pytestmark = pytest.mark.e2e

QUIET = ("--log-level", "WARNING", "--no-progress")


def records(job_dir: Path) -> list[dict]:
    path = job_dir / "records.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def warc_files(job_dir: Path) -> list[Path]:
    return sorted(job_dir.glob("*.warc.gz"))


def warcio_check(files: list[Path]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, files)], capture_output=True, text=True
    )


# ---- discovery ---------------------------------------------------------------------------------


@pytest.mark.parametrize("job_dir", [False, True], ids=["memory-frontier", "job-dir"])
def test_sitemaps_and_feeds_find_every_unlinked_article(tmp_path, job_dir):
    site = DiscoverySite()
    resume = ["--job-dir", str(tmp_path / "jobdir")] if job_dir else []
    with RouteServer(site) as server:
        result = run_cli("crawl", server.url + "/", "--job", "disc", "--output", str(tmp_path), *resume, *QUIET)
    assert result.returncode == 0, result.stderr[-2000:]
    found = {r["url"].removeprefix(server.url) for r in records(tmp_path / "disc")}
    assert found == set(site.articles)
    stats = json.loads((tmp_path / "disc" / "stats.json").read_text())
    assert "spider_exceptions/count" not in stats and "log_count/ERROR" not in stats
    fetched = set(server.requests)
    assert {"/sitemap_index.xml", "/sitemap-posts.xml.gz", "/news-sitemap.xml", "/feed.atom"} <= fetched


def test_date_window_skips_older_and_newer_articles(tmp_path):
    site = DiscoverySite()
    since, until = "2021-06-01", "2023-12-31"
    inside = {p for p, (_, day) in site.articles.items() if since <= day.isoformat() <= until}
    assert 0 < len(inside) < len(site.articles)
    with RouteServer(site) as server:
        result = run_cli(
            "crawl",
            server.url + "/",
            "--job",
            "win",
            "--output",
            str(tmp_path),
            "--since",
            since,
            "--until",
            until,
            *QUIET,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert {r["url"].removeprefix(server.url) for r in records(tmp_path / "win")} == inside
    # Out-of-window articles are not even fetched: the sitemap and feed dates rule them out.
    assert not (set(site.articles) - inside) & set(server.requests)


# ---- politeness and scope -----------------------------------------------------------------------


def test_crawl_delay_canonical_dedupe_offsite_redirect_and_contact(tmp_path):
    job = tmp_path / "polite.toml"
    with RouteServer(PoliteSite()) as server:
        job.write_text(
            f'[job]\nname = "polite"\ncontact = "https://archive.example/contact"\n[seeds]\nurls = ["{server.url}/"]\n'
            "[politeness]\nautothrottle = false\nconcurrency_per_host = 4\n"
        )
        result = run_cli("crawl", "--config", str(job), "--output", str(tmp_path), *QUIET)
    assert result.returncode == 0, result.stderr[-2000:]
    # Crawl-delay: 1 keeps fetches to the host a second apart (after robots.txt).
    times = [t for t, path, _ in server.log if path != "/robots.txt"]
    assert len(times) >= 5
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) > 0.9, gaps
    # One record per canonical page, whichever copy came first.
    got = records(tmp_path / "polite")
    assert sorted(r["canonical_url"].removeprefix(server.url) for r in got) == ["/a/", "/b/", "/c/"]
    # The off-site redirect is archived but not followed.
    stats = json.loads((tmp_path / "polite" / "stats.json").read_text())
    assert stats.get("offsite/filtered", 0) >= 1
    statuses = []
    for path in warc_files(tmp_path / "polite"):
        with open(path, "rb") as fh:
            statuses += [
                (r.rec_headers.get_header("WARC-Target-URI"), r.http_headers.get_statuscode())
                for r in ArchiveIterator(fh)
                if r.rec_type == "response"
            ]
    assert (server.url + "/away", "302") in statuses
    assert not any("offsite.invalid" in uri for uri, _ in statuses)
    assert all("(+https://archive.example/contact)" in ua for _, _, ua in server.log)


# ---- traps -------------------------------------------------------------------------------------


def test_trap_site_ends_within_its_limits(tmp_path):
    with RouteServer(TrapSite()) as server:
        started = time.monotonic()
        result = run_cli(
            "crawl",
            server.url + "/",
            "--job",
            "traps",
            "--output",
            str(tmp_path),
            "--max-pages",
            "70",
            "-s",
            "DOWNLOAD_TIMEOUT=2",
            "-s",
            "RETRY_TIMES=1",
            "-s",
            "DOWNLOAD_MAXSIZE=1048576",
            "-s",
            "ERROR_THRESHOLD=0.5",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
            *QUIET,
            timeout=240,
        )
        elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    stats = json.loads((tmp_path / "traps" / "stats.json").read_text())
    # The endless calendar is cut by the barren-chain rule: the crawl ends on its own, under its limit.
    assert stats["finish_reason"] == "finished"
    fetched = [p for p in server.requests if p != "/robots.txt"]
    assert len(fetched) < 70
    assert stats.get("scope/rejected/barren-chain", 0) > 0
    assert stats.get("scope/rejected/repeating-path", 0) > 0
    assert stats.get("scope/rejected/many-query-params", 0) > 0
    assert "/stall" in fetched and "/big" in fetched
    assert elapsed < 200
    # The oversized body is archived, cut at the size limit and marked as truncated.
    truncated = []
    for path in warc_files(tmp_path / "traps"):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI").endswith("/big"):
                    truncated.append(record.rec_headers.get_header("WARC-Truncated"))
    assert truncated == ["length"]
    assert warcio_check(warc_files(tmp_path / "traps")).returncode == 0


# ---- kill -9 and resume -----------------------------------------------------------------------


def _crawl_process(url, out, job_dir):
    return start_cli(
        "crawl",
        url,
        "--job",
        "kill",
        "--output",
        str(out),
        "--job-dir",
        str(job_dir),
        *QUIET,
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
    )


def test_kill_9_at_several_points_then_resume(tmp_path):
    out, job_dir = tmp_path / "out", tmp_path / "jobdir"
    with DemoServer(delay=0.02) as server:
        truth = {r["url"]: r for r in server.site.expected_records(server.url)}
        for stop_after in (12, 35, 60):
            before = len(server.requests)
            proc = _crawl_process(server.url + "/", out, job_dir)
            deadline = time.monotonic() + 60
            while len(server.requests) - before < stop_after and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            assert proc.poll() is None, "the crawl ended before it could be killed"
            kill(proc)
        final = _crawl_process(server.url + "/", out, job_dir)
        stdout, stderr = final.communicate(timeout=300)
        assert final.returncode == 0, stderr.decode()[-3000:]
    got = records(out / "kill")
    urls = [r["url"] for r in got]
    assert len(urls) == len(set(urls)), [u for u, n in Counter(urls).items() if n > 1]
    assert set(urls) == set(truth)
    for record in got:
        for field in ("title", "breadcrumb", "authors", "body_text", "related"):
            assert record[field] == truth[record["url"]][field], (record["url"], field)
    files = warc_files(out / "kill")
    assert files and not list((out / "kill").glob("*.open"))
    assert warcio_check(files).returncode == 0


def test_sigterm_stops_cleanly_and_resumes(tmp_path):
    out, job_dir = tmp_path / "out", tmp_path / "jobdir"
    with DemoServer(delay=0.02) as server:
        proc = _crawl_process(server.url + "/", out, job_dir)
        while len(server.requests) < 30 and proc.poll() is None:
            time.sleep(0.005)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 1, stderr.decode()[-2000:]  # interrupted: resumable
        assert json.loads((out / "kill" / "stats.json").read_text())["finish_reason"] == "shutdown"
        first = len(records(out / "kill"))
        final = _crawl_process(server.url + "/", out, job_dir)
        final.communicate(timeout=300)
        assert final.returncode == 0
    urls = [r["url"] for r in records(out / "kill")]
    assert len(urls) == len(set(urls)) == 45 and first < 45


# ---- incremental runs ---------------------------------------------------------------------------


def test_second_run_writes_only_the_changed_pages(tmp_path):
    site = DemoSite()
    with DemoServer(site) as server:
        first = run_cli("crawl", server.url + "/", "--job", "inc", "--output", str(tmp_path), *QUIET)
        assert first.returncode == 0, first.stderr[-2000:]
        assert len(records(tmp_path / "inc")) == 45
        changed = [site.articles[i] for i in (2, 17, 33)]
        for article in changed:
            site.edit(article.id, "An editor's correction was added on review.")
        second = run_cli("crawl", server.url + "/", "--job", "inc", "--output", str(tmp_path), *QUIET)
        assert second.returncode == 0, second.stderr[-2000:]
    written = records(tmp_path / "inc")[45:]
    assert sorted(r["url"] for r in written) == sorted(server.url + a.path for a in changed)
    assert all(r["body_text"].count("An editor's correction was added on review.") == 1 for r in written)
    stats = json.loads((tmp_path / "inc" / "stats.json").read_text())
    assert stats["articles/changed"] == 3 and stats["articles/unchanged"] == 42
    assert "unchanged 42" in second.stdout


# ---- cron behaviour ----------------------------------------------------------------------------


def test_overlapping_run_exits_with_the_lock_code(tmp_path):
    with DemoServer(delay=0.05) as server:
        first = start_cli("crawl", server.url + "/", "--job", "lock", "--output", str(tmp_path), *QUIET)
        try:
            while len(server.requests) < 3:
                time.sleep(0.01)
            started = time.monotonic()
            second = run_cli("crawl", server.url + "/", "--job", "lock", "--output", str(tmp_path), *QUIET)
            assert second.returncode == 4
            assert "another run of this job is active" in second.stderr
            assert time.monotonic() - started < 20
        finally:
            kill(first)


@pytest.mark.parametrize(
    "content, message",
    [
        ('[scope]\nhostz = ["x"]\n', "unknown key scope.hostz"),
        ('[limits]\nmax_pages = "lots"\n', "limits.max_pages: expected int"),
        ("[seeds\nurls = []\n", "not valid TOML"),
        ('[seeds]\nurls = ["ftp://x"]\n', "seeds.urls: not an http(s) URL"),
        ("[colour]\nx = 1\n", "unknown section [colour]"),
    ],
)
def test_broken_job_file_is_a_clear_error(tmp_path, content, message):
    job = tmp_path / "job.toml"
    job.write_text(content)
    result = run_cli("crawl", "--config", str(job), "--output", str(tmp_path))
    assert result.returncode == 2
    assert message in result.stderr and str(job) in result.stderr
    assert "Traceback" not in result.stderr


def test_job_file_drives_the_crawl_and_flags_override_it(tmp_path):
    with DemoServer() as server:
        job = tmp_path / "demo.toml"
        job.write_text(f'[job]\nname = "fromfile"\n[seeds]\nurls = ["{server.url}/"]\n[limits]\nmax_records = 30\n')
        result = run_cli("crawl", "--config", str(job), "--output", str(tmp_path), "--max-records", "7", *QUIET)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(records(tmp_path / "fromfile")) == 7
    stats = json.loads((tmp_path / "fromfile" / "stats.json").read_text())
    assert stats["finish_reason"] == "limit_records" and stats["exit_code"] == 0
    assert list((tmp_path / "fromfile" / "logs").glob("*.log"))


# The `crawler` command, with every log record's level and logger counted as it is built.
COUNTING_CLI = """
import collections, json, logging, sys
from crawler.cli import main
built, factory = collections.Counter(), logging.getLogRecordFactory()
logging.setLogRecordFactory(lambda name, level, *a, **k: built.update([(name, level)]) or factory(name, level, *a, **k))
code = main(sys.argv[1:])
print("BUILT", json.dumps([[name, level, n] for (name, level), n in built.items()]), file=sys.__stderr__)
sys.exit(code)
"""


@pytest.mark.parametrize("level, engine_debug", [("INFO", False), ("DEBUG", True)])
def test_a_crawl_builds_its_debug_lines_only_when_a_handler_writes_them(tmp_path, level, engine_debug):
    """The engine's "Crawled" line per page is not even built at INFO (Crawler.crawl() resets the root
    logger's level after the runner set it); at DEBUG it is built and written."""
    with DemoServer() as server:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                COUNTING_CLI,
                "crawl",
                server.url + "/",
                "--job",
                "levels",
                "--output",
                str(tmp_path),
                "--max-pages",
                "10",
                "--log-level",
                level,
                "--no-progress",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    built = {(name, level): n for name, level, n in json.loads(result.stderr.rsplit("BUILT ", 1)[1])}
    if engine_debug:
        assert built[("scrapy.core.engine", logging.DEBUG)] >= 10  # a "Crawled" line per page
    else:
        assert ("scrapy.core.engine", logging.DEBUG) not in built
        assert ("scrapy.core.scraper", logging.DEBUG) not in built
    log = "".join(p.read_text() for p in (tmp_path / "levels" / "logs").glob("*.log"))
    assert ("DEBUG: Crawled (200)" in log) is engine_debug


def test_credentials_never_reach_logs_or_records(tmp_path):
    with DemoServer() as server:
        url = server.url.replace("http://", "http://archivist:s3cr3t-pw@") + "/"
        result = run_cli(
            "crawl",
            url,
            "--job",
            "creds",
            "--output",
            str(tmp_path),
            "--max-pages",
            "15",
            "--log-level",
            "DEBUG",
            "--no-progress",
        )
    assert result.returncode == 0, result.stderr[-2000:]
    job = tmp_path / "creds"
    texts = [result.stdout, result.stderr, (job / "records.jsonl").read_text(), (job / "stats.json").read_text()]
    texts += [p.read_text() for p in (job / "logs").glob("*.log")]
    assert all("s3cr3t-pw" not in t for t in texts)
    assert records(job)
