"""Full disks, hostile pages, traps and unsafe state, component by component (no crawl, no network)."""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import multiprocessing
import os
import pickle
import signal
import struct
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from servers.analysis import slow_on_slow_pages
from test_components import crawler_with
from warcio import cli as warcio_cli
from warcio.archiveiterator import ArchiveIterator

from crawler import cli
from crawler.archive import appendfile
from crawler.archive.appendfile import AppendFile
from crawler.archive.writer import Exchange, RollingWarcWriter
from crawler.commands import parse as parse_command
from crawler.commands import runner
from crawler.discovery import scope as scope_module
from crawler.discovery import traps
from crawler.discovery.recent import RecentSet
from crawler.discovery.scope import Scope
from crawler.discovery.traps import TrapRules, url_family, url_years
from crawler.downloadermiddlewares.httpauth import HttpAuthMiddleware, domain_matches
from crawler.downloadermiddlewares.limits import PageLimitMiddleware
from crawler.extensions.completion import RequestCompletion
from crawler.extensions.feedstorage import RecordsFile
from crawler.extensions.storage import StorageGuard
from crawler.extract import extract
from crawler.extract.memo import label_cache
from crawler.jobs.frontier import Frontier
from crawler.jobs.records import repair_records
from crawler.jobs.run import EXIT_CRAWL_FAILED, exit_code, finish
from crawler.logformatter import LogFormatter
from crawler.scheduler import serialize
from crawler.scheduler.local import FrontierScheduler
from crawler.signals import checkpoint, request_done, write_failed
from crawler.web import urls
from crawler.web.page import Page
from crawler.web.urls import absolute_url
from crawler.workers import pool
from crawler.workers.pool import PageAnalyser

SITE = "http://127.0.0.1:8000"


# ---- a disk that fills up: writes are whole or absent -------------------------------------------


class FullDisk:
    """Patch os.write in AppendFile: after `room` more bytes, writes stop short, then fail with ENOSPC."""

    def __init__(self, monkeypatch, room: int):
        self.room = room
        self.real = os.write
        monkeypatch.setattr(appendfile.os, "write", self.write)

    def write(self, fd, data):
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        data = bytes(data)[: self.room]  # a short write first, as the kernel does
        written = self.real(fd, data)
        self.room -= written
        return written


def test_append_file_cuts_a_write_that_fails_halfway(tmp_path, monkeypatch):
    path = tmp_path / "f"
    with AppendFile(path) as fh:
        fh.write(b"first\n")
        disk = FullDisk(monkeypatch, room=3)
        with pytest.raises(OSError) as failed:
            fh.write(b"second\n")
        assert failed.value.errno == errno.ENOSPC
        assert path.read_bytes() == b"first\n" and fh.tell() == 6
        disk.room = 100  # space freed: the next write lands right after the last whole one
        fh.write(b"third\n")
    assert path.read_bytes() == b"first\nthird\n"


def _exchange(n: int, body: bytes = b"<html>page</html>") -> Exchange:
    headers = [("Content-Type", "text/html"), ("Content-Length", str(len(body)))]
    return Exchange(Page(f"{SITE}/{n}", body, headers, 200))


@pytest.mark.parametrize("gzip", [True, False], ids=["gzip", "plain"])
def test_warc_stays_valid_when_the_disk_fills_and_continues_when_freed(tmp_path, monkeypatch, gzip, capsys):
    writer = RollingWarcWriter(tmp_path, "job", {}, gzip=gzip, hostname="h")
    writer.write_exchange(_exchange(1))
    disk = FullDisk(monkeypatch, room=500)
    for n in range(2, 6):
        with pytest.raises(OSError):
            writer.write_exchange(_exchange(n, b"x" * 2000))
    disk.room = 10**9
    writer.write_exchange(_exchange(6))
    writer.close()
    with open(writer.files[0], "rb") as fh:
        uris = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(fh)]
    # A response whose request record found no space may stay; nothing cut in the middle does.
    assert uris[:3] == [("warcinfo", None), ("response", f"{SITE}/1"), ("request", f"{SITE}/1")]
    assert uris[-2:] == [("response", f"{SITE}/6"), ("request", f"{SITE}/6")]
    with pytest.raises(SystemExit) as check:  # `warcio check`, in this process
        warcio_cli.main(["check", str(writer.files[0])])
    assert check.value.code == 0, capsys.readouterr().out


def test_records_file_reports_a_failed_write_and_leaves_no_partial_line(tmp_path, monkeypatch):
    reported = []
    signals = SimpleNamespace(send_catch_log=lambda signal, **kw: reported.append((signal, kw)))
    path = tmp_path / "records.jsonl"
    with RecordsFile(path, signals) as fh:
        fh.write(b'{"id": "urn:1"}\n')
        disk = FullDisk(monkeypatch, room=5)
        assert fh.write(b'{"id": "urn:2"}\n') == 0
        disk.room = 100
        fh.write(b'{"id": "urn:3"}\n')
    assert path.read_bytes() == b'{"id": "urn:1"}\n{"id": "urn:3"}\n'
    assert reported[0][0] is write_failed and reported[0][1]["error"].errno == errno.ENOSPC


def test_repair_takes_damaged_lines_out_anywhere_and_keeps_them(tmp_path):
    a, b, c = (json.dumps({"id": f"urn:{n}", "url": f"{SITE}/{n}"}).encode() + b"\n" for n in "abc")
    path = tmp_path / "records.jsonl"
    # what a full disk under an older version left: a cut record run into the next, zeros, a partial tail
    path.write_bytes(a + b[:9] + c + b"\0" * 40 + b"\n" + a + b[:12])
    repair = repair_records(path)
    assert path.read_bytes() == a + c + a
    assert [json.loads(line)["id"] for line in path.read_bytes().splitlines()] == ["urn:a", "urn:c", "urn:a"]
    rejected = (tmp_path / "records.jsonl.rejected").read_bytes()
    assert b[:9] in rejected and b[:12] in rejected and b"\0" * 40 in rejected
    assert repair.size == path.stat().st_size
    assert repair.moved(len(a) + 9) == len(a)  # offsets after the damage move back by its length
    assert repair_records(path).removed == []  # a clean file is left alone


# ---- write failures stop the crawl; nothing is committed after one -------------------------------


def test_a_write_failure_stops_the_crawl_once_with_one_line(tmp_path, monkeypatch):
    crawler = crawler_with(tmp_path)
    closed = []
    monkeypatch.setattr("crawler.extensions.storage.close_spider", lambda crawler, reason: closed.append(reason))
    guard = crawler.get_extension(StorageGuard)
    crawler.engine = SimpleNamespace(spider=object())
    for _ in range(3):
        crawler.signals.send_catch_log(
            write_failed, what="records.jsonl", error=OSError(errno.ENOSPC, "No space left on device")
        )
    assert closed == ["write_failed"]
    assert (
        crawler.stats.get_value("storage/write_failed")
        == "cannot write records.jsonl: [Errno 28] No space left on device"
    )
    assert crawler.stats.get_value("storage/write_failures") == 3
    assert guard.stopping == "write_failed"
    stats = {**crawler.stats.get_stats(), "finish_reason": "write_failed", "downloader/response_count": 5}
    assert exit_code(stats, 0.05) == EXIT_CRAWL_FAILED


def test_low_disk_space_stops_the_crawl_before_it_is_full(tmp_path, monkeypatch):
    crawler = crawler_with(tmp_path, OUTPUT_MIN_FREE_SPACE=2**62)
    closed = []
    monkeypatch.setattr("crawler.extensions.storage.close_spider", lambda crawler, reason: closed.append(reason))
    guard = crawler.get_extension(StorageGuard)
    crawler.engine = SimpleNamespace(spider=object())
    guard.check()
    guard.check()
    assert closed == ["disk_space_low"]
    assert "below the floor" in crawler.stats.get_value("storage/low_space")


def test_request_done_waits_for_the_checkpoint_and_stops_after_a_write_failure(tmp_path):
    crawler = crawler_with(tmp_path)
    completion = crawler.get_extension(RequestCompletion)
    synced, done = [], []
    crawler.signals.connect(lambda: synced.append(1), signal=checkpoint, weak=False)
    crawler.signals.connect(lambda request: done.append(request.url), signal=request_done, weak=False)
    completion.finished(Request(f"{SITE}/1"))
    assert done == []  # not before its record and WARC record are fsynced
    completion.checkpoint()
    assert synced == [1] and done == [f"{SITE}/1"]
    completion.finished(Request(f"{SITE}/2"))  # its record and WARC records were written
    crawler.signals.send_catch_log(write_failed, what="x", error=OSError(errno.ENOSPC, "full"))
    completion.finished(Request(f"{SITE}/3"))  # may have lost its record in the failure
    completion.checkpoint()
    completion.checkpoint()
    assert done == [f"{SITE}/1", f"{SITE}/2"]  # nothing finished after the failure: the next run fetches 3 again


def test_a_failing_checkpoint_is_a_write_failure(tmp_path):
    crawler = crawler_with(tmp_path)
    completion = crawler.get_extension(RequestCompletion)
    failures, done = [], []

    def fsync_fails():
        raise OSError(errno.EIO, "Input/output error")

    crawler.signals.connect(fsync_fails, signal=checkpoint, weak=False)
    crawler.signals.connect(lambda what, error: failures.append(error), signal=write_failed, weak=False)
    crawler.signals.connect(lambda request: done.append(request), signal=request_done, weak=False)
    completion.finished(Request(f"{SITE}/1"))
    completion.checkpoint()
    assert done == [] and failures[0].errno == errno.EIO


def test_summary_and_exit_code_when_even_stats_json_cannot_be_written(tmp_path, capsys, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", no_space)
    stats = {
        "finish_reason": "write_failed",
        "storage/write_failed": "cannot write x: [Errno 28] No space left on device",
    }
    code = finish(stats, tmp_path, "job")
    out = capsys.readouterr().out
    assert code == EXIT_CRAWL_FAILED
    assert "stopped          cannot write x: [Errno 28] No space left on device" in out
    assert "stats            not written: cannot write" in out and "No space left on device" in out
    assert not list(tmp_path.glob("*.tmp"))


# ---- no pickle in persisted state ----------------------------------------------------------------


class _Evil:
    def __reduce__(self):
        return (os.system, (f"touch {_Evil.marker}",))


def _spider(crawler):
    return SimpleNamespace(name="article", crawler=crawler, parse=lambda response: None)


class _Spider:
    name = "article"

    def parse(self, response):
        pass

    def _private(self, response):
        pass


def test_a_planted_pickle_row_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    _Evil.marker = marker
    jobdir = tmp_path / "jobdir"
    crawler = crawler_with(tmp_path, JOBDIR=str(jobdir))
    scheduler = FrontierScheduler.from_crawler(crawler)
    scheduler.open(_Spider())
    scheduler.enqueue_request(Request(f"{SITE}/good", meta={"depth": 1, "raw": b"\x00\xff", "obj": object()}))
    scheduler.frontier.push(pickle.dumps(_Evil()), 100, b"planted")  # what an attacker writes into the job dir
    scheduler.frontier.push(b'{"url": "http://x/", "callback": "_private"}', 50, b"forged")
    scheduler.frontier.push(b'{"url": "http://x/", "_class": "os.system"}', 40, b"forged2")
    got = scheduler.next_request()
    assert got.url == f"{SITE}/good" and got.meta["raw"] == b"\x00\xff" and "obj" not in got.meta
    assert scheduler.next_request() is None
    assert not marker.exists()
    assert crawler.stats.get_value("frontier/rejected_rows") == 3
    scheduler.close("finished")
    rejected = Frontier(jobdir / "frontier.sqlite")._db.execute("SELECT COUNT(*) FROM requests WHERE state=3")
    assert rejected.fetchone()[0] == 3  # kept for inspection, never handed out


def test_requests_round_trip_through_json():
    request = Request(
        f"{SITE}/a?b=1",
        method="POST",
        body=b"\x00binary",
        headers={"X-A": ["1", "2"]},
        cookies={"c": "v"},
        meta={"depth": 2, "redirect_urls": [f"{SITE}/x"], "allow_offsite": True},
        priority=-3,
        dont_filter=True,
        cb_kwargs={"k": [1, "two"]},
    )
    data = serialize.dumps(request.to_dict(spider=_Spider()))
    assert b"\\x00" not in data and json.loads(data)
    back = serialize.request_from_data(data, _Spider())
    for attr in ("url", "method", "body", "cookies", "meta", "priority", "dont_filter", "cb_kwargs"):
        assert getattr(back, attr) == getattr(request, attr), attr
    assert back.headers.getlist("X-A") == [b"1", b"2"]
    for bad in (
        b"\x80\x04K.",
        b"[]",
        b"{}",
        b'{"url": "file:///etc/passwd"}',
        b'{"url": "http://x/", "priority": "1"}',
    ):
        with pytest.raises(serialize.BadRequestData):
            serialize.request_from_data(bad, _Spider())


# ---- page analysis: a time budget, failures as records, workers that die with their parent -------


@pytest.mark.parametrize("fork", [False, True])
def test_a_page_past_its_budget_gets_a_failed_record_and_a_new_worker(fork):
    async def run():
        analyser = PageAnalyser(1, timeout=0.5, max_size=1000, function=slow_on_slow_pages, fork=fork)
        try:
            started = time.monotonic()
            slow, boom, fine, big = await asyncio.gather(
                analyser.analyse(Page(f"{SITE}/slow", b"slow")),
                analyser.analyse(Page(f"{SITE}/boom", b"boom")),
                analyser.analyse(Page(f"{SITE}/fine", b"fine")),
                analyser.analyse(Page(f"{SITE}/big", b"x" * 5000)),
            )
            return slow, boom, fine, big, time.monotonic() - started, analyser.timeouts, analyser.restarts
        finally:
            analyser.close()

    slow, boom, fine, big, elapsed, timeouts, restarts = asyncio.run(run())
    assert slow == (
        [],
        [],
        {"url": f"{SITE}/slow", "page_type": "unknown", "extraction_error": "timeout: analysis took longer than 0.5 s"},
        [],
    )
    assert boom[2]["extraction_error"] == "RecursionError: maximum recursion depth exceeded"
    assert fine[2]["page_type"] == "article" and fine[0] == [("http://x/link", "a", "", "")]
    assert big[2]["size"] == 1000 and big[2]["analysed_bytes"] == 1000  # only the first max_size bytes
    assert timeouts == 1 and restarts == 1
    assert elapsed < 30


@pytest.mark.parametrize("fork", [False, True])
def test_workers_exit_when_their_parent_is_killed(fork):
    """Even busy on a page that takes a minute: an idle worker would read EOF anyway, a busy one reads nothing."""
    # The pool's parent is a fork of this process, which has the library imported already (a fresh
    # interpreter importing it first was half of this test's time); it is killed as any crawl could be.
    read_end, write_end = os.pipe()
    parent = os.fork()
    if parent == 0:
        try:
            os.close(read_end)

            async def busy():
                analyser = PageAnalyser(2, function=slow_on_slow_pages, fork=fork)
                pages = [
                    asyncio.ensure_future(analyser.analyse(Page(f"{SITE}/{n}", b"slow")))
                    for n in range(2 * pool.TASKS_PER_WORKER)
                ]
                while not all(worker.tasks for worker in analyser._pool):
                    await asyncio.sleep(0.02)
                os.write(write_end, " ".join(str(w.process.pid) for w in analyser._pool).encode() + b"\n")
                await asyncio.wait(pages)

            asyncio.run(busy())
        finally:
            os._exit(1)  # never back into pytest
    os.close(write_end)
    try:
        with os.fdopen(read_end) as pids:
            workers = [int(pid) for pid in pids.readline().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    finally:
        os.kill(parent, signal.SIGKILL)
        os.waitpid(parent, 0)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)


def test_a_worker_that_dies_on_a_page_fails_that_page_only_and_its_next_task_runs_elsewhere():
    async def run():
        analyser = PageAnalyser(1, function=slow_on_slow_pages)
        try:  # one worker: it holds the second page while it dies on the first
            results = await asyncio.gather(
                *(analyser.analyse(Page(f"{SITE}/{n}", n.encode())) for n in ("die", "fine"))
            )
            return results, analyser.restarts
        finally:
            analyser.close()

    (died, fine), restarts = asyncio.run(run())
    assert died[2]["extraction_error"] == "the analysis worker died on this page (exit code 3)"
    assert fine[2]["page_type"] == "article" and "extraction_error" not in fine[2]
    assert restarts == 1


def test_a_large_page_waiting_for_a_busy_worker_never_blocks_the_event_loop():
    """The page is far larger than a pipe's buffer; sent with a blocking write it would stall the loop
    until the worker finished its first page (a second) and read it."""
    big = b"x" * (16 << 20)

    async def run():
        analyser = PageAnalyser(1, function=slow_on_slow_pages)
        try:
            await analyser.analyse(Page(f"{SITE}/warm", b"fine"))  # the worker has started
            pages = asyncio.gather(
                analyser.analyse(Page(f"{SITE}/nap", b"nap")), analyser.analyse(Page(f"{SITE}/big", big))
            )
            longest, last = 0.0, time.monotonic()
            while not pages.done():
                await asyncio.sleep(0.01)
                now = time.monotonic()
                longest, last = max(longest, now - last), now
            return await pages, longest
        finally:
            analyser.close()

    (nap, large), longest = asyncio.run(run())
    assert nap[2]["size"] == 3 and large[2]["size"] == len(big)
    assert longest < 0.5, longest


def test_the_pool_frames_messages_as_a_workers_connection_does_and_takes_them_whole_however_split():
    sent = [("ok", {"url": f"{SITE}/{n}", "text": "é" * n}) for n in (0, 1, 300)]
    pool_end, worker_end = multiprocessing.Pipe()
    with pool_end, worker_end:
        for message in sent:  # what a worker writes
            worker_end.send(message)
        stream = b""
        while pool_end.poll(0):
            stream += os.read(pool_end.fileno(), 1 << 16)
        data = pickle.dumps(sent[1])  # what the pool writes, read as a worker reads it
        os.write(pool_end.fileno(), pool._header(len(data)) + data)
        # the form of a length from 2 GiB on, written small: the Connection reads it too
        large = struct.pack("!i", -1) + struct.pack("!Q", len(data)) + data
        os.write(pool_end.fileno(), large)
        assert worker_end.recv() == sent[1] and worker_end.recv() == sent[1]
    stream += large
    sent.append(sent[1])
    for cut in range(len(stream) + 1):
        inbox = bytearray(stream[:cut])
        received = pool._messages(inbox)
        inbox += stream[cut:]
        received += pool._messages(inbox)
        assert received == sent and not inbox
    assert pool._header(1 << 31) == struct.pack("!i", -1) + struct.pack("!Q", 1 << 31)


def test_forked_workers_exit_at_once_when_the_pool_closes():
    """Each forked worker closes its copies of the pool's pipe ends, so it reads EOF and need not be killed."""

    async def run():
        analyser = PageAnalyser(2, fork=True)
        await asyncio.gather(*(analyser.analyse(Page(f"{SITE}/{n}", b"fine")) for n in range(4)))
        started = time.monotonic()
        analyser.close()  # waits up to 2 s for each worker to exit before it kills it
        return time.monotonic() - started

    assert asyncio.run(run()) < 1.5


def test_a_pool_without_workers_runs_tasks_named_by_path_here():
    analyser = PageAnalyser(0)  # the crawl's default task, by its dotted path
    page = Page(f"{SITE}/a", b"<html><head><title>T</title></head><body><a href='/b'>b</a></body></html>")
    links, _, record, _ = asyncio.run(analyser.analyse(page))
    assert links == [(f"{SITE}/b", "a", "", "")] and record["url"] == page.url
    assert asyncio.run(analyser.call("servers.analysis.slow_on_slow_pages", page))[2]["size"] == len(page.body)


def test_a_pool_closed_while_its_workers_start_prints_no_traceback(capfd):
    capfd.readouterr()
    PageAnalyser(1).close()  # the worker is still importing: it finds the pipe closed (close() waits for it)
    err = capfd.readouterr().err  # the worker writes to the stderr it inherits: this process's, captured
    assert "Traceback" not in err, err


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_parse_reports_a_bad_file_and_goes_on(tmp_path, capsys, monkeypatch):
    real = parse_command.extract_document

    def extract_document(doc):
        if doc.page.body.startswith(b"<html><body>bad"):
            raise RecursionError("maximum recursion depth exceeded while decoding a JSON object")
        return real(doc)

    monkeypatch.setattr(parse_command, "extract_document", extract_document)
    (tmp_path / "bad.html").write_bytes(b"<html><body>bad</body></html>")
    (tmp_path / "good.html").write_bytes(b"<html><head><title>Fine</title></head><body><p>ok</p></body></html>")
    code = cli.main(["parse", str(tmp_path / "bad.html"), str(tmp_path / "good.html")])
    captured = capsys.readouterr()
    assert code == EXIT_CRAWL_FAILED
    assert f"cannot extract {tmp_path / 'bad.html'}: RecursionError" in captured.err
    assert [json.loads(line)["source"] for line in captured.out.splitlines()] == [str(tmp_path / "good.html")]


# ---- traps by URL shape, budgets by pattern --------------------------------------------------------


def test_calendar_dates_out_of_range_are_traps():
    rules = TrapRules(earliest_year=1990, years_ahead=1, today=__import__("datetime").date(2024, 6, 1))
    assert rules.calendar_reason("http://x/calendar/2026/01/") == "calendar"
    assert rules.calendar_reason("http://x/events?date=2130-05") == "calendar"
    assert rules.calendar_reason("http://x/archive/1989/12/") == "calendar"
    assert rules.calendar_reason("http://x/archive/?year=1850") == "calendar"
    for url in ("http://x/2025/05/story/", "http://x/2018/03/a/", "http://x/p/12345/", "http://x/news/20240517/"):
        assert rules.calendar_reason(url) is None, url
    assert url_years("http://x/e/2024-05-17/a.html") == [2024]
    assert url_family("http://X/page/12/?offset=30&q=a") == url_family("http://x/page/13/?q=a&offset=40")


def test_barren_chains_of_one_family_are_cut_and_pages_of_their_own_reset_them():
    rules = TrapRules(max_chain=3)
    month, day, menu = "http://x/cal/2024/05/", "http://x/cal/2024/05/17/", ["http://x/", "http://x/about/"]
    assert url_family(month) == url_family(day) == "x/cal?" != url_family("http://x/story/2/")
    assert rules.same_family(month, day) and not rules.same_family(month, "http://x/story/a/")
    # A calendar month with the site's menus and the next month: nothing of its own.
    parent = rules.links_digest("http://x/cal/2024/04/", [*menu, month])
    digest = rules.links_digest(month, [*menu, "http://x/cal/2024/06/", day])
    assert digest == parent and rules.child_chain(2, True, digest, parent) == 3
    assert rules.too_long(4) and not rules.too_long(3)
    # A pager page links to articles of its own (known already or not): a new chain.
    page2 = rules.links_digest("http://x/news/page/2/", [*menu, "http://x/story/b/", "http://x/news/page/3/"])
    page1 = rules.links_digest("http://x/news/page/1/", [*menu, "http://x/story/a/", "http://x/news/page/2/"])
    assert rules.child_chain(2, True, page2, page1) == 0
    assert rules.child_chain(2, False, digest, parent) == 0  # an article page is no chain
    assert rules.child_chain(2, True, digest, None) == 0  # reached from another family


def test_what_discovery_remembers_stays_bounded_however_long_a_site_makes_its_urls():
    # A trap whose URLs grow: 600 distinct links of 20,000 characters each (12 M characters).
    long_urls = (f"http://x/cal/{n}/" + "d" * 20_000 for n in range(600))
    seen = RecentSet(50_000, 100_000)
    rules = TrapRules()
    for url in long_urls:
        seen.add(url)
        assert rules.family(url) == url_family(url)
    held = seen.current | seen.previous
    assert 0 < sum(map(len, held)) <= 2 * 100_000
    assert sum(len(url) + len(family) for url, family in rules._families.items()) <= traps.FAMILY_CACHE_CHARS
    seen.add("http://x/" + "b" * 100_000)  # longer than the whole budget: never kept
    assert "http://x/" + "b" * 100_000 not in seen
    short = [f"http://x/story/{n}/" for n in range(100)]
    for url in short:
        seen.add(url)
    assert all(url in seen for url in short)  # the usual URLs are still remembered


def test_scope_judges_a_url_in_scope_once_and_remembers_a_bounded_number(monkeypatch):
    monkeypatch.setattr(scope_module, "ALLOWED_URLS", 100)
    monkeypatch.setattr(scope_module, "ALLOWED_URL_CHARS", 10_000)
    scope = Scope({"x.example"})
    judged: list[str] = []
    judge = scope._rejection
    monkeypatch.setattr(scope, "_rejection", lambda url: judged.append(url) or judge(url))
    for _ in range(3):  # the spider, then the scope middleware twice
        assert scope.allows("http://x.example/a/")
        assert not scope.allows("http://y.example/a/")
    assert judged == ["http://x.example/a/", "http://y.example/a/", "http://y.example/a/", "http://y.example/a/"]
    for n in range(3 * scope_module.ALLOWED_URLS):
        assert scope.allows(f"http://x.example/{n}/" + "p" * 200)
    assert len(scope._allowed.current | scope._allowed.previous) <= 2 * scope_module.ALLOWED_URLS
    assert sum(map(len, scope._allowed.current | scope._allowed.previous)) <= 2 * scope_module.ALLOWED_URL_CHARS


def test_links_resolved_from_memory_keep_no_long_href():
    base = "http://x.example/page/"
    for n in range(50):
        href = f"https://y.example/{n}/" + "q" * 5_000 + "#top"
        assert absolute_url(base, href) == href.removesuffix("#top")
    assert absolute_url(base, "https://y.example/short/#top") == "https://y.example/short/"
    assert all(len(href) <= 1_024 for _, href in urls._RESOLVED)
    assert ("http", "https://y.example/short/#top") in urls._RESOLVED
    assert absolute_url(base, "https://y.example/" + "q" * 100_000) is None  # no link a server takes


def test_label_rules_remember_short_labels_and_the_last_long_one():
    calls: list[str] = []
    judge = label_cache(lambda label: calls.append(label) or len(label))
    first, second = "x" * 1_000, "y" * 1_000
    assert [judge("a"), judge("a"), judge(first), judge(first), judge(second)] == [1, 1, 1_000, 1_000, 1_000]
    assert calls == ["a", first, second]
    judge.cache_clear()  # type: ignore[attr-defined]
    judge(second)
    assert calls == ["a", first, second, second]


def test_extraction_keeps_nothing_of_a_pages_long_labels_and_links_after_it():
    bodies = []
    for n in range(5):  # distinct class attributes of 20,000 characters, links of 200,000
        boxes = "".join(
            f'<div class="box{n}x{i} {"w" * 20_000}"><p>{"Words of a paragraph. " * 4}</p></div>' for i in range(30)
        )
        links = "".join(f'<a href="http://x.example/{n}/{i}/{"p" * 200_000}">more</a>' for i in range(2))
        bodies.append(
            f"<html><head><title>T</title></head><body><article>{boxes}{links}</article></body></html>".encode()
        )

    def page(n: int) -> Page:
        return Page(f"http://x.example/{n}/story/", bodies[n], [("Content-Type", "text/html")], 200)

    extract(page(0))  # what is imported and set up once is not counted
    tracemalloc.start()
    try:
        for n in range(1, len(bodies)):
            extract(page(n))
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept < 1_000_000, kept  # without the bounds: 4.9 MB of labels here, 1.7 MB of links in urllib


def test_page_budgets_by_pattern():
    middleware = PageLimitMiddleware(0, 0, get_crawler().stats, lambda reason: None, {r"/calendar/": 2})
    for n in range(2):
        assert middleware.process_request(Request(f"{SITE}/calendar/{n}/")) is None
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request(f"{SITE}/calendar/9/"))
    assert middleware.process_request(Request(f"{SITE}/news/1/")) is None


# ---- credentials, logs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "domain, url, sent",
    [
        ("127.0.0.1", "http://127.0.0.1:8080/a", True),
        ("127.0.0.1:8080", "http://127.0.0.1:8080/a", True),
        ("127.0.0.1:8081", "http://127.0.0.1:8080/a", False),
        ("example.org", "https://www.example.org/a", True),
        ("example.org:443", "https://example.org/a", True),
        ("example.org", "https://example.org.evil.test/a", False),
        ("example.org", "https://notexample.org/a", False),
    ],
)
def test_credentials_match_host_and_port_as_written(domain, url, sent):
    assert domain_matches(domain, url) == sent


def test_credentials_configured_but_never_sent_are_a_warning(caplog):
    crawler = crawler_with(HTTPAUTH_USER="u", HTTPAUTH_PASS="s3cr3t-pw", HTTPAUTH_DOMAIN="127.0.0.1:9999")
    middleware = HttpAuthMiddleware.from_crawler(crawler)
    request = Request(f"{SITE}/a")
    middleware.process_request(request)
    assert b"Authorization" not in request.headers
    with caplog.at_level(logging.WARNING):
        middleware.spider_closed(None, "finished")
    assert "Credentials for 127.0.0.1:9999 were configured but never sent" in caplog.text
    assert "127.0.0.1:8000" in caplog.text and "s3cr3t-pw" not in caplog.text


def test_a_dropped_record_is_one_line_with_its_url():
    crawler = get_crawler()
    spider = SimpleNamespace(crawler=crawler)
    item = {"url": f"{SITE}/a", "body_html": "<p>" + "long text " * 1000 + "</p>"}
    from scrapy.exceptions import DropItem

    entry = LogFormatter().dropped(item, DropItem("duplicate", log_level="DEBUG"), None, spider)
    text = entry["msg"] % entry["args"]
    assert entry["level"] == logging.DEBUG
    assert text == f"Dropped the record of {SITE}/a: duplicate" and "\n" not in text


def test_debug_lines_that_no_handler_writes_are_never_built(monkeypatch):
    root, scrapy_logger, engine = (logging.getLogger(name) for name in ("", "scrapy", "scrapy.core.engine"))
    handler = logging.StreamHandler()
    handler.setLevel(logging.INFO)  # as Scrapy's root handler at LOG_LEVEL = "INFO"; stderr gets WARNING
    monkeypatch.setattr(root, "handlers", [handler, logging.NullHandler(logging.WARNING)])
    saved = root.level, scrapy_logger.level, logging.getLogRecordFactory()
    built = []
    logging.setLogRecordFactory(lambda *args, **kwargs: built.append(args[0]) or saved[2](*args, **kwargs))
    request = Request(f"{SITE}/a")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    spider = SimpleNamespace(crawler=get_crawler())
    try:
        root.setLevel(logging.NOTSET)  # as Scrapy leaves them
        scrapy_logger.setLevel(logging.DEBUG)
        with runner.loggers_skip_unhandled_levels():
            assert LogFormatter().crawled(request, response, spider) is None
            assert LogFormatter().scraped({"url": request.url}, response, spider) is None
            engine.debug("Crawled %s", request.url)
            logging.getLogger("crawler.downloadermiddlewares.warc").debug("Fetch failed: %s", request.url)
            engine.info("Spider opened")
        assert built == ["scrapy.core.engine"]  # the INFO line only
        assert (root.level, scrapy_logger.level) == (logging.NOTSET, logging.DEBUG)  # restored
        assert LogFormatter().crawled(request, response, spider)["level"] == logging.DEBUG
    finally:
        root.setLevel(saved[0])
        scrapy_logger.setLevel(saved[1])
        logging.setLogRecordFactory(saved[2])
