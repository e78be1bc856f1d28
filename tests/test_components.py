"""Each Scrapy component on its own, built by from_crawler from Scrapy's get_crawler: no crawl, no network."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Request, signals
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefreshMiddleware
from scrapy.exceptions import DropItem, IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler import cli
from crawler import settings as project_settings
from crawler.discovery.scope import Scope
from crawler.downloader.http11 import PARTIAL, WIRE, Partial, Wire
from crawler.downloadermiddlewares.incremental import IncrementalMiddleware
from crawler.downloadermiddlewares.limits import PageLimitMiddleware
from crawler.downloadermiddlewares.metarefresh import MetaRefreshMiddleware
from crawler.downloadermiddlewares.outcomes import FetchOutcomeMiddleware
from crawler.downloadermiddlewares.scope import ScopeMiddleware
from crawler.downloadermiddlewares.warc import WarcCaptureMiddleware
from crawler.extensions.collector import GarbageCollectorTuning
from crawler.extensions.crawldelay import RobotsCrawlDelay
from crawler.extensions.jobstate import JobStateExtension
from crawler.extensions.politeness import politeness
from crawler.extensions.progress import Progress
from crawler.extensions.warc_index import WarcIndexExtension
from crawler.jobs.state import Capture, JobState
from crawler.pipelines.datewindow import DateWindowPipeline
from crawler.pipelines.dedupe import RecordDedupePipeline
from crawler.pipelines.limits import RecordLimitPipeline
from crawler.scheduler.fingerprint import CanonicalRequestFingerprinter
from crawler.scheduler.local import FrontierScheduler
from crawler.signals import request_done, warc_files_closed
from crawler.statscollectors import StatsCollector

SITE = "http://127.0.0.1:8000"


PROJECT = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}


def crawler_with(tmp_path: Path | None = None, **settings):
    """A crawler under the project's settings (extensions, fingerprinter...), no spider, no engine."""
    base = {"JOB_NAME": "job", "OUTPUT_ROOT": str(tmp_path) if tmp_path else "output"}
    return get_crawler(settings_dict={**PROJECT, **base, **settings})


def html(url: str, body: bytes = b"<html><body>page</body></html>", headers: dict | None = None, **kw) -> HtmlResponse:
    return HtmlResponse(url, body=body, headers={"Content-Type": "text/html", **(headers or {})}, **kw)


# ---- downloader middlewares --------------------------------------------------------------------


def test_scope_middleware_drops_requests_outside_the_spiders_scope():
    crawler = crawler_with()
    crawler.spider = SimpleNamespace(scope=Scope({"127.0.0.1:8000"}), name="article")
    middleware = ScopeMiddleware.from_crawler(crawler)
    assert middleware.process_request(Request(f"{SITE}/a")) is None
    for url in ("http://127.0.0.1:9999/a", "http://other.example/"):
        with pytest.raises(IgnoreRequest):
            middleware.process_request(Request(url))


REFRESH = '<meta http-equiv="{}" content="0; url=/next">'


@pytest.mark.parametrize(
    ("encoding", "head"),
    [
        ("utf-8", REFRESH.format("refresh")),
        ("utf-8", REFRESH.format("Refresh")),
        ("utf-8", REFRESH.format("content-type")),  # a <meta http-equiv> that is no refresh
        ("utf-8", "é" * 3000 + REFRESH.format("REFRESH")),  # past 4,096 bytes, within 4,096 characters
        ("utf-8", "é" * 5000 + REFRESH.format("refresh")),  # past 4,096 characters: Scrapy ignores it
        ("utf-8", "<script>" + REFRESH.format("refresh") + "</script>"),
        ("shift_jis", "日本語" * 500 + REFRESH.format("refresh")),
        ("utf-16", REFRESH.format("refresh")),  # ASCII letters are other bytes: decoded, as Scrapy does
        ("cp037", REFRESH.format("refresh")),  # EBCDIC
        ("utf-7", REFRESH.format("refresh")),
        # "refresh" in UTF-7's base64 form: Scrapy decodes no page as UTF-7 (w3lib refuses it, as WHATWG
        # does) and finds none; ours never rules out a UTF-7 page on its bytes, should that change
        ("utf-7", REFRESH.format("+AHIAZQBmAHIAZQBzAGg-").encode()),
        ("utf-8", ""),
    ],
)
def test_meta_refresh_redirects_exactly_where_scrapys_does(encoding, head):
    crawler = crawler_with()
    ours, scrapys = MetaRefreshMiddleware.from_crawler(crawler), ScrapyMetaRefreshMiddleware.from_crawler(crawler)
    if isinstance(head, bytes):  # as written, not as Python's encoder would write it
        body = b"<html><head>" + head + b"</head><body>page</body></html>"
    else:
        body = f"<html><head>{head}</head><body>page</body></html>".encode(encoding)
    headers = {"Content-Type": f"text/html; charset={encoding}"}
    results = [mw.process_response(Request(f"{SITE}/a"), html(f"{SITE}/a", body, headers)) for mw in (ours, scrapys)]
    assert [getattr(r, "url", None) for r in results[:1]] == [getattr(r, "url", None) for r in results[1:]]
    assert type(results[0]) is type(results[1])


def test_meta_refresh_leaves_a_page_without_one_undecoded():
    middleware = MetaRefreshMiddleware.from_crawler(crawler_with())
    body = b'<html><head><meta charset="utf-8"><title>t</title></head><body>' + b"x" * 50_000 + b"</body></html>"
    response = html(f"{SITE}/a", body)
    assert middleware.process_response(Request(f"{SITE}/a"), response) is response
    assert response._cached_ubody is None  # Scrapy's decodes the whole body to read its head


def test_page_limit_is_exact_and_closes_the_spider_once():
    closed = []
    middleware = PageLimitMiddleware(max_pages=2, max_per_host=0, stats=get_crawler().stats, close_spider=closed.append)
    robots = Request(f"{SITE}/robots.txt", meta={"dont_obey_robotstxt": True})
    assert middleware.process_request(robots) is None  # robots.txt never counts
    assert middleware.process_request(Request(f"{SITE}/1")) is None
    assert middleware.process_request(Request(f"{SITE}/2")) is None
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request(f"{SITE}/3"))
    assert closed == ["limit_pages"]
    with pytest.raises(NotConfigured):
        PageLimitMiddleware.from_crawler(crawler_with())


def test_page_limit_per_host():
    middleware = PageLimitMiddleware(0, 1, get_crawler().stats, lambda reason: None)
    middleware.process_request(Request(f"{SITE}/1"))
    middleware.process_request(Request("http://other.example/1"))
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request(f"{SITE}/2"))


def test_fetch_outcomes_count_final_failures_not_decisions():
    crawler = crawler_with()
    middleware = FetchOutcomeMiddleware.from_crawler(crawler)
    middleware.process_exception(Request(f"{SITE}/a"), TimeoutError("slow"))
    middleware.process_exception(Request(f"{SITE}/b"), IgnoreRequest("robots.txt"))
    middleware.process_response(Request(f"{SITE}/c"), Response(f"{SITE}/c", status=503))
    stats = crawler.stats.get_stats()
    assert stats["fetch/failed"] == 1 and stats["fetch/failed/TimeoutError"] == 1
    assert stats["fetch/server_error"] == 1


def test_incremental_asks_only_for_changes_and_commits_on_request_done(tmp_path):
    state = JobState(tmp_path / "state.sqlite")
    state.put_capture(Capture(f"{SITE}/old", "2026-01-01T00:00:00+00:00", 200, '"v1"', None, None, article=True))
    state.put_capture(Capture(f"{SITE}/hub", "2026-01-01T00:00:00+00:00", 200, '"h"', None, None, article=False))
    crawler = crawler_with(tmp_path)
    middleware = IncrementalMiddleware(state, crawler.stats)

    old = Request(f"{SITE}/old")
    middleware.process_request(old)
    assert old.headers.get("If-None-Match") == b'"v1"'
    hub = Request(f"{SITE}/hub")
    middleware.process_request(hub)
    assert b"If-None-Match" not in hub.headers  # listings are fetched in full
    middleware.process_response(old, Response(old.url, status=304))
    assert old.meta["unchanged"]

    new = Request(f"{SITE}/new")
    middleware.process_request(new)
    middleware.process_response(new, html(new.url, headers={"ETag": '"n1"'}))
    assert crawler.stats.get_value("incremental/new") == 1 and state.capture(new.url) is None  # not before request_done
    new.meta["article"] = True
    middleware.request_done(new)
    assert state.capture(new.url).etag == '"n1"' and state.capture(new.url).article


def test_incremental_is_off_with_incremental_runs_off(tmp_path):
    with pytest.raises(NotConfigured):
        IncrementalMiddleware.from_crawler(crawler_with(tmp_path, INCREMENTAL_ENABLED=False))


def _warc_records(folder: Path) -> list:
    out = []
    for path in sorted(folder.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                out.append((record.rec_type, record.rec_headers, record.content_stream().read()))
    return out


def test_warc_capture_archives_responses_as_received_and_points_the_request_at_them(tmp_path):
    crawler = crawler_with(tmp_path, WARC_DEDUP=False)
    middleware = WarcCaptureMiddleware.from_crawler(crawler)
    request = Request(f"{SITE}/a")
    response = html(request.url, body=b"<html>A</html>")
    assert middleware.process_response(request, response) is response
    cached = Request(f"{SITE}/b")
    middleware.process_response(cached, html(cached.url, flags=["cached"]))
    middleware.spider_closed(None)
    records = _warc_records(tmp_path / "job")
    assert [r[0] for r in records] == ["warcinfo", "response", "request"]
    assert records[1][2] == b"<html>A</html>"
    assert request.meta["warc"]["record_id"] == records[1][1].get_header("WARC-Record-ID")
    assert "warc" not in cached.meta
    assert crawler.stats.get_value("warc/cache_hits_not_archived") == 1


def test_warc_capture_archives_a_cut_body_as_truncated(tmp_path):
    crawler = crawler_with(tmp_path, WARC_DEDUP=False)
    middleware = WarcCaptureMiddleware.from_crawler(crawler)
    request = Request(f"{SITE}/big")
    request.meta[WIRE] = Wire(
        200, "HTTP/1.1", [("Content-Length", "100")], b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", None
    )
    request.meta[PARTIAL] = Partial(b"x" * 10, "length", "too big")
    middleware.process_exception(request, RuntimeError("cancelled"))
    middleware.spider_closed(None)
    [_, response, _] = _warc_records(tmp_path / "job")
    assert response[1].get_header("WARC-Truncated") == "length" and response[2] == b"x" * 10


# ---- pipelines ---------------------------------------------------------------------------------


def test_date_window_drops_records_outside_it():
    crawler = crawler_with(DATE_SINCE="2024-01-01", DATE_UNTIL="2024-12-31")
    pipeline = DateWindowPipeline.from_crawler(crawler)
    assert pipeline.process_item({"published": "2024-06-01T10:00:00+02:00"})
    assert pipeline.process_item({"published": None})  # no date: kept
    with pytest.raises(DropItem):
        pipeline.process_item({"published": "2023-12-31"})
    with pytest.raises(NotConfigured):
        DateWindowPipeline.from_crawler(crawler_with())


def test_dedupe_keeps_one_record_per_canonical_page_and_remembers_a_resumed_run(tmp_path):
    records = tmp_path / "records.jsonl"
    run_file = tmp_path / "jobdir" / "records-run.json"
    pipeline = RecordDedupePipeline(records, run_file, get_crawler().stats)
    pipeline.open_spider()
    item = {"url": f"{SITE}/a?utm_source=x", "canonical_url": f"{SITE}/a"}
    pipeline.process_item(item)
    with pytest.raises(DropItem):
        pipeline.process_item({"url": f"{SITE}/a"})
    records.write_text(json.dumps(item) + "\n")
    resumed = RecordDedupePipeline(records, run_file, get_crawler().stats)  # the run was killed: status running
    resumed.open_spider()
    with pytest.raises(DropItem):
        resumed.process_item({"url": f"{SITE}/a"})


def test_record_limit_is_exact_and_closes_the_spider():
    closed = []
    pipeline = RecordLimitPipeline(2, get_crawler().stats, closed.append)
    pipeline.process_item({})
    pipeline.process_item({})
    with pytest.raises(DropItem):
        pipeline.process_item({})
    assert closed == ["limit_records"]


# ---- extensions --------------------------------------------------------------------------------


def test_job_state_is_opened_once_and_only_when_needed(tmp_path):
    with pytest.raises(NotConfigured):
        JobStateExtension.from_crawler(crawler_with(tmp_path, INCREMENTAL_ENABLED=False, WARC_DEDUP=False))
    extension = JobStateExtension.from_crawler(crawler_with(tmp_path, INCREMENTAL_ENABLED=True))
    assert extension.state.path == tmp_path / "job" / "state.sqlite"
    extension.engine_stopped()


def test_crawl_delay_is_the_hosts_delay_floor_capped_and_never_lowered_by_autothrottle():
    crawler = crawler_with(CRAWL_DELAY_MAX=5.0, DOWNLOAD_DELAY=0.25, AUTOTHROTTLE_ENABLED=True)
    extension = RobotsCrawlDelay.from_crawler(crawler)
    store = politeness(crawler).store
    parser = SimpleNamespace(crawl_delay=lambda agent: 30)
    extension.robots_parsed(parser, Request(f"{SITE}/robots.txt"))
    assert store.delay("127.0.0.1:8000") == 5.0  # capped
    assert crawler.stats.get_value("robotstxt/crawl_delay/127.0.0.1:8000") == 5.0
    store.set_learnt_delay("127.0.0.1:8000", 0.01)  # AutoThrottle on a fast host
    assert store.delay("127.0.0.1:8000") == 5.0
    assert store.delay("127.0.0.1:9000") == 0.5  # another port is another site: AutoThrottle's start delay
    with pytest.raises(NotConfigured):
        RobotsCrawlDelay.from_crawler(crawler_with(ROBOTSTXT_OBEY=False))


def test_stats_collector_is_scrapys_without_a_hook_on_every_attribute_read():
    crawler = crawler_with()
    crawler._apply_settings()
    stats = crawler.stats
    assert isinstance(stats, StatsCollector) and isinstance(stats, MemoryStatsCollector)
    assert type(stats).__getattribute__ is object.__getattribute__
    stats.open_spider()
    stats.inc_value("fetch/ok")
    stats.inc_value("fetch/ok", 2)
    stats.max_value("size/max", 7)
    stats.set_value("crawl/error", "none")
    assert stats.get_stats() == {"fetch/ok": 3, "size/max": 7, "crawl/error": "none"}
    assert "_cached_inc_value" not in vars(stats)  # Scrapy's hook wraps a method on its first read


def test_garbage_collector_tuning_freezes_and_raises_the_threshold_while_the_engine_runs():
    crawler = crawler_with(GC_GEN0_THRESHOLD=12_345, EXTENSIONS_BASE={})  # the project's extensions only
    (extension,) = [e for e in crawler.extensions.middlewares if isinstance(e, GarbageCollectorTuning)]
    before = gc.get_threshold()
    try:
        crawler.signals.send_catch_log(signals.engine_started)
        assert gc.get_threshold() == (12_345, *before[1:])
        assert gc.get_freeze_count() > 0
        assert crawler.stats.get_value("gc/frozen_objects") > 0
        crawler.signals.send_catch_log(signals.engine_stopped)
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0
        assert crawler.stats.get_value("gc/collections") >= 0
    finally:
        extension.engine_stopped()  # a failed assertion leaves the test process's collector as it was
        gc.set_threshold(*before)
        gc.unfreeze()
    with pytest.raises(NotConfigured):
        GarbageCollectorTuning.from_crawler(crawler_with(GC_GEN0_THRESHOLD=0))


@pytest.mark.parametrize("fails", [False, True])
def test_the_command_line_imports_its_command_without_collections_and_collects_again_after(monkeypatch, fails):
    seen, real = [], cli.build_parser

    def build_parser(command=None):
        seen.append(gc.isenabled())
        if fails:
            raise ImportError("a broken install")
        return real(command)

    monkeypatch.setattr(cli, "build_parser", build_parser)
    with pytest.raises(ImportError if fails else SystemExit):
        cli.main(["crawl", "--help"])
    assert seen == [False]
    assert gc.isenabled()


def test_progress_line_counts_pages_records_queue_and_failures():
    crawler = crawler_with()
    progress = Progress(crawler.stats, tty=False, interval=60)
    for key, value in {
        "downloader/response_count": 10,
        "item_scraped_count": 3,
        "scheduler/enqueued": 12,
        "scheduler/dequeued": 10,
        "fetch/failed": 1,
    }.items():
        crawler.stats.set_value(key, value)
    line = progress.line()
    assert line.startswith("pages 10 (") and "records 3" in line and "queued 2" in line and "failed 1" in line


def test_warc_index_is_written_when_the_files_are_closed(tmp_path):
    crawler = crawler_with(tmp_path, WARC_DEDUP=False)
    capture = WarcCaptureMiddleware.from_crawler(crawler)
    capture.process_response(Request(f"{SITE}/a"), html(f"{SITE}/a"))
    index = WarcIndexExtension.from_crawler(crawler)
    capture.spider_closed(None)  # sends warc_files_closed
    lines = (tmp_path / "job" / "index.cdxj").read_text().splitlines()
    assert [line.split(" ")[0] for line in lines if '"status"' in line] == ["1,0,0,127:8000)/a"]  # SURT order
    assert crawler.stats.get_value("warc/cdxj") == str(tmp_path / "job" / "index.cdxj")
    assert not (tmp_path / "job" / "job.wacz").exists()
    assert index.output_dir == tmp_path / "job"


def test_our_signals_are_distinct_objects():
    assert request_done is not warc_files_closed


# ---- scheduler ---------------------------------------------------------------------------------


def test_frontier_scheduler_dedupes_on_canonical_urls_and_commits_on_request_done(tmp_path):
    crawler = crawler_with(tmp_path, JOBDIR=str(tmp_path / "jobdir"))
    scheduler = FrontierScheduler.from_crawler(crawler)
    scheduler.open(SimpleNamespace())
    assert scheduler.enqueue_request(Request(f"{SITE}/a?utm_source=feed"))
    assert not scheduler.enqueue_request(Request(f"{SITE}/a"))  # the same page
    assert scheduler.enqueue_request(Request(f"{SITE}/b", priority=5))
    first = scheduler.next_request()
    assert first.url == f"{SITE}/b"  # higher priority first
    scheduler.request_done(first)
    scheduler.close("shutdown")  # a stop that the next run resumes
    again = FrontierScheduler.from_crawler(crawler_with(tmp_path, JOBDIR=str(tmp_path / "jobdir")))
    again.open(SimpleNamespace())
    assert len(again) == 1 and again.next_request().url == f"{SITE}/a?utm_source=feed"
    again.close("finished")


def test_fingerprints_ignore_tracking_parameters_and_amp_copies():
    fingerprint = CanonicalRequestFingerprinter().fingerprint
    page = fingerprint(Request(f"{SITE}/story/"))
    assert fingerprint(Request(f"{SITE}/story/?utm_source=x&fbclid=y")) == page
    assert fingerprint(Request(f"{SITE}/story/amp/")) == page
    assert fingerprint(Request(f"{SITE}/other/")) != page
