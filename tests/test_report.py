"""`crawler report`: what the page says about a run, how it treats damaged folders, and that it
renders in a real browser (Debian's chromium driven by Playwright) without errors.

Synthetic job folders are written here with warcio, so every expected number comes from the
inputs a test chose; one real demo crawl checks the page against a crawl's own output.
"""

from __future__ import annotations

import gzip
import json
import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from conftest import open_report, run_cli, run_cli_here
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from crawler.report import load_run, render_page
from crawler.report.charts import MAX_BUCKETS, time_buckets

FIELDS = {
    "title": "title",
    "authors": "author",
    "published": "date published",
    "breadcrumb": "breadcrumb",
    "related": "related links",
    "body_text": "body",
}
T0 = datetime(2026, 3, 1, 22, 0, 0, tzinfo=UTC)


# ---- building job folders -------------------------------------------------------------------


def write_warc(path: Path, fetches: list[tuple]) -> Path:
    """fetches: (url, status, content type, capture time, record type) -> a gzip WARC like a crawl's."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for url, status, ctype, when, kind in fetches:
            head = StatusAndHeaders(f"{status} Whatever", [("Content-Type", ctype)], protocol="HTTP/1.1")
            dates = {"WARC-Date": datetime_to_iso_date(when.replace(tzinfo=None))}
            if kind == "revisit":
                record = writer.create_revisit_record(
                    url, "sha1:AAAA", url, dates["WARC-Date"], http_headers=head, warc_headers_dict=dates
                )
            else:
                record = writer.create_warc_record(
                    url,
                    "response",
                    payload=BytesIO(b"<html></html>"),
                    length=13,
                    http_headers=head,
                    warc_headers_dict=dates,
                )
            request = writer.create_warc_record(
                url,
                "request",
                payload=BytesIO(b""),
                length=0,
                http_headers=StatusAndHeaders("GET / HTTP/1.1", [("Host", "x")], is_http_request=True),
                warc_headers_dict=dates,
            )
            writer.write_record(record)
            writer.write_record(request)
    return path


def record(url: str, **fields) -> dict:
    base = {
        "url": url,
        "fetched_at": "2026-03-01T22:00:00+00:00",
        "status": 200,
        "page_type": "article",
        "title": "A title",
        "breadcrumb": [{"name": "Home", "url": "https://example.org/"}],
        "authors": ["Ann Author"],
        "published": "2026-02-01T10:00:00+00:00",
        "modified": None,
        "body_text": "Some words.",
        "related": [{"title": "R", "url": "https://example.org/r/"}],
        "tags": ["t"],
    }
    base.update(fields)
    return base


def write_records(path: Path, records: list[dict]) -> tuple[int, int]:
    """Append records as JSON Lines; return the (start, end) byte offsets they occupy."""
    start = path.stat().st_size if path.exists() else 0
    with path.open("ab") as out:
        for rec in records:
            out.write(json.dumps(rec).encode() + b"\n")
    return start, path.stat().st_size


def write_stats(folder: Path, **stats) -> None:
    (folder / "stats.json").write_text(json.dumps(stats, indent=2))


# Run 2 of a job: what the report must show. Run 1 (earlier, other WARC) must not count.
RUN2_FETCHES = [
    ("https://user:s3cret@example.org:8080/", 200, "text/html; charset=utf-8", T0 + timedelta(seconds=5), "response"),
    ("https://example.org:8080/a/", 200, "text/html", T0 + timedelta(minutes=3), "response"),
    ("https://example.org:8080/b/", 200, "text/html", T0 + timedelta(minutes=9), "revisit"),
    ("https://example.org:8080/old", 301, "text/html", T0 + timedelta(minutes=12), "response"),
    ("https://example.org:8080/gone", 404, "text/html", T0 + timedelta(minutes=20), "response"),
    ("https://news.example.org/feed", 200, "application/rss+xml", T0 + timedelta(minutes=21), "response"),
    ("https://news.example.org/img.png", 200, "image/png", T0 + timedelta(minutes=25), "response"),
    ("https://news.example.org/boom", 503, "text/plain", T0 + timedelta(minutes=29), "response"),
]
RUN2_RECORDS = [
    record("https://user:s3cret@example.org:8080/a/"),
    record("https://example.org:8080/b/", authors=[], related=[]),
    record("https://example.org:8080/c/", title="  ", published=None),
    record("https://example.org:8080/d/", breadcrumb=[], body_text=""),
    record("https://news.example.org/e/", tags=[]),
    {"url": "https://example.org:8080/category/x/", "page_type": "listing", "title": "Listing"},
]


@pytest.fixture
def two_runs(tmp_path) -> Path:
    """A job folder after two runs; stats.json describes the second."""
    folder = tmp_path / "output" / "myjob"
    folder.mkdir(parents=True)
    earlier = T0 - timedelta(days=1)
    write_warc(folder / "myjob-1.warc.gz", [("https://example.org:8080/x", 500, "text/html", earlier, "response")] * 7)
    write_records(
        folder / "records.jsonl", [record(f"https://example.org:8080/old/{i}/", title=None) for i in range(4)]
    )
    write_warc(folder / "myjob-2.warc.gz", RUN2_FETCHES)
    start, end = write_records(folder / "records.jsonl", RUN2_RECORDS)
    write_stats(
        folder,
        start_time=T0.isoformat(),
        finish_time=(T0 + timedelta(minutes=30)).isoformat(),
        elapsed_time_seconds=1800.0,
        finish_reason="finished",
        **{
            "downloader/response_count": 8,
            "item_scraped_count": 6,
            "run/records_offset_start": start,
            "run/records_offset_end": end,
            "downloader/exception_count": 3,
            "incremental/unchanged": 17,
            "downloader/exception_type_count/twisted.internet.error.TimeoutError": 2,
            "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest": 1,
            # Written where the crawl ran (another cwd): found again by name.
            "warc/files": ["elsewhere/output/myjob/myjob-2.warc.gz"],
        },
    )
    return folder


def expected_coverage(records: list[dict]) -> dict[str, int]:
    articles = [r for r in records if r.get("page_type", "article") == "article"]
    present = {}
    for key in FIELDS:
        present[key] = sum(1 for r in articles if r.get(key) not in (None, "", [], {}) and str(r.get(key)).strip())
    return present


# ---- what the report reads -----------------------------------------------------------------


def test_report_counts_only_the_last_run(two_runs):
    run = load_run(two_runs)
    assert run.fetches.total == len(RUN2_FETCHES)
    assert run.fetches.statuses == Counter(f[1] for f in RUN2_FETCHES)
    assert run.fetches.revisits == sum(f[4] == "revisit" for f in RUN2_FETCHES)
    assert dict(run.fetches.hosts) == {"example.org:8080": 5, "news.example.org": 3}
    assert run.fetches.content_types["text/html"] == 5
    articles = [r for r in RUN2_RECORDS if r["page_type"] == "article"]
    assert run.coverage.records == len(articles) and run.coverage.other_pages == 1
    for key, count in expected_coverage(RUN2_RECORDS).items():
        assert run.coverage.present[key] == count, key
    assert run.coverage.missing["authors"] == ["https://example.org:8080/b/"]
    assert "this run's records" in run.records_source
    assert run.notes == []


def test_page_shows_the_run_without_credentials(two_runs, capsys):
    result = run_cli_here(capsys, "report", str(two_runs))
    assert result.returncode == 0, result.stderr
    page = (two_runs / "report.html").read_text(encoding="utf-8")
    assert "s3cret" not in page and "user:" not in page
    assert 'id="job">myjob<' in page and ">finished<" in page and "30 min 00 s" in page
    assert 'data-field="title" data-count="4" data-total="5"' in page
    assert '<div class="tile" id="total-failed"><div class="value">2</div>' in page  # 3 exceptions, 1 IgnoreRequest
    assert '<div class="value">17</div><div class="name">unchanged (incremental)</div>' in page
    errors = page.split('id="errors"')[1].split("</section>")[0]
    assert "TimeoutError" in errors and "IgnoreRequest" not in errors  # a decision, not a failure
    assert page.count("<svg") == 5  # timeline, status codes, content types, hosts, coverage
    assert "<script" not in page and 'http-equiv="Content-Security-Policy"' in page

    other = two_runs.parent / "elsewhere.html"
    result = run_cli_here(capsys, "report", str(two_runs), "-o", str(other))
    assert result.returncode == 0 and str(other) in result.stdout
    assert other.read_text(encoding="utf-8").count("<svg") == 5


def test_page_has_a_row_for_each_host_from_the_per_host_stats(two_runs):
    stats = json.loads((two_runs / "stats.json").read_text())
    host = {"requests": 6, "responses": 5, "failures": 1, "delay": 1.5, "min_spacing": 1.52, "waited": 3.25}
    host |= {"first_request": "2026-11-30T12:00:01.000+00:00", "last_request": "2026-11-30T12:10:00.000+00:00"}
    stats |= {f"hosts/example.org:8080/{k}": v for k, v in host.items()}
    stats |= {"hosts/news.example.org/requests": 9, "hosts/news.example.org/over_limit": 4, "hosts/bad/delay": "x"}
    write_stats(two_runs, **stats)
    page = render_page(load_run(two_runs))
    table = page.split('id="hosts-table"')[1].split("</table>")[0]
    rows = table.split("<tr data-host=")[1:]
    # Most requests first; "x" is no delay, and a host with nothing else is left out.
    assert [row.split('"')[1] for row in rows] == ["news.example.org", "example.org:8080"]
    cells = [cell.split("<")[0] for cell in rows[1].split(">")[2::2]]
    # requests, responses, failures, archived (5 responses in the WARC), delay, shortest gap, waited, over the limit
    assert cells[:11] == ["example.org:8080", "6", "5", "1", "5", "1.50", "1.52", "3.25", "0", "12:00:01", "12:10:00"]
    assert '<td class="n">4</td>' in rows[0]  # news.example.org: over the limit


def test_without_run_offsets_all_records_count_and_the_page_says_so(two_runs):
    stats = json.loads((two_runs / "stats.json").read_text())
    del stats["run/records_offset_start"], stats["run/records_offset_end"]
    write_stats(two_runs, **stats)
    run = load_run(two_runs)
    assert run.coverage.records == 4 + 5
    assert run.coverage.present["title"] == expected_coverage(RUN2_RECORDS)["title"]  # run 1 has no titles
    assert "older crawler" in render_page(run)


def test_timeline_buckets_hold_every_fetch():
    start = T0.timestamp()
    counts = Counter({(start + i * 37, "2xx"): i % 4 + 1 for i in range(200)})
    counts[(start + 7200, "5xx")] = 1
    size, first, buckets = time_buckets(counts, start, start + 7200)
    assert len(buckets) <= MAX_BUCKETS + 1 and first <= start
    assert sum(sum(b.values()) for b in buckets) == sum(counts.values())
    assert buckets[-1]["5xx"] == 1 and size * len(buckets) >= 7200


# ---- folders with little or nothing in them ------------------------------------------------


@pytest.fixture
def empty_run(tmp_path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    write_stats(
        folder,
        start_time=T0.isoformat(),
        finish_time=T0.isoformat(),
        finish_reason="finished",
        elapsed_time_seconds=0.2,
        **{"warc/files": []},
    )
    return folder


@pytest.fixture
def zero_records(tmp_path) -> Path:
    folder = tmp_path / "zero"
    folder.mkdir()
    write_warc(folder / "z.warc.gz", RUN2_FETCHES[:3])
    (folder / "records.jsonl").write_bytes(b"")
    write_stats(
        folder,
        start_time=T0.isoformat(),
        finish_time=(T0 + timedelta(minutes=10)).isoformat(),
        finish_reason="closespider_pagecount",
        **{"warc/files": [str(folder / "z.warc.gz")], "run/records_offset_start": 0, "run/records_offset_end": 0},
    )
    return folder


@pytest.fixture
def damaged(tmp_path) -> Path:
    """Trailing junk in a WARC, a missing WARC, one left .open, a bad JSON line, a later crashed run."""
    folder = tmp_path / "damaged"
    folder.mkdir()
    warc = write_warc(folder / "d-1.warc.gz", RUN2_FETCHES[:4])
    with warc.open("ab") as out:
        out.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\nnonsense")[:40] + b"\x00garbage")
    write_warc(folder / "d-3.warc.gz.open", RUN2_FETCHES[4:])
    good = [record("https://example.org:8080/1/"), record("https://example.org:8080/2/", title=None)]
    start, _ = write_records(folder / "records.jsonl", good[:1])
    with (folder / "records.jsonl").open("ab") as out:
        out.write(b'{"url": "https://example.org:8080/broken", "ti\n')
    _, end = write_records(folder / "records.jsonl", good[1:])
    write_stats(
        folder,
        start_time=T0.isoformat(),
        finish_time=(T0 + timedelta(hours=1)).isoformat(),
        finish_reason="shutdown",
        **{
            "run/records_offset_start": start,
            "run/records_offset_end": end,
            "warc/files": ["d-1.warc.gz", "d-2.warc.gz", "d-3.warc.gz"],
        },
    )
    with (folder / "records.jsonl").open("ab") as out:
        out.write(b'{"url": "https://example.org:8080/later/"}\n{"url": "https://exa')
    later = folder / "d-9.warc.gz.open"
    later.write_bytes(b"")
    os.utime(later, (later.stat().st_atime, (folder / "stats.json").stat().st_mtime + 5))
    return folder


def test_empty_run_gets_a_page_that_says_so(empty_run, capsys):
    result = run_cli_here(capsys, "report", str(empty_run))
    assert result.returncode == 0, result.stderr
    page = (empty_run / "report.html").read_text(encoding="utf-8")
    assert "No dated responses were archived" in page and "This run has no article records" in page


def test_run_without_records_shows_fetches_and_no_coverage(zero_records):
    run = load_run(zero_records)
    assert run.fetches.total == 3 and run.coverage.records == 0 and run.notes == []
    page = render_page(run)
    assert "This run has no article records" in page and 'class="chart timeline"' in page
    assert "closespider_pagecount" in page


def test_damaged_files_are_reported_and_what_is_readable_is_counted(damaged, capsys):
    result = run_cli_here(capsys, "report", str(damaged))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    run = load_run(damaged)
    assert run.fetches.total == 4
    assert run.coverage.records == 2 and run.coverage.present["title"] == 1
    notes = "\n".join(run.notes)
    for expected in (
        "d-1.warc.gz is damaged: read 4 responses",
        "d-2.warc.gz, listed in stats.json, is missing",
        "d-3.warc.gz is still named d-3.warc.gz.open",
        "1 line(s) of records.jsonl are not JSON",
        "a later run did not finish (d-9.warc.gz.open",
        "bytes after this run's records",
    ):
        assert expected in notes
        assert expected.split(" (")[0] in result.stderr
    assert 'id="notes"' in (damaged / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda d: None, "no such folder"),
        (lambda d: d.write_text("x"), "not a folder"),
        (lambda d: (d.mkdir(), (d / "j-1.warc.gz.open").write_bytes(b"")), "no finished run"),
        (lambda d: (d.mkdir(), (d / "stats.json").write_text('{"finish_reason": ')), "cannot read"),
        (lambda d: (d.mkdir(), (d / "stats.json").write_text("[1, 2]")), "not a JSON object"),
    ],
)
def test_unusable_folder_is_a_clear_error_with_exit_code_2(tmp_path, setup, message, capsys):
    folder = tmp_path / "job"
    setup(folder)
    result = run_cli_here(capsys, "report", str(folder))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "job" / "report.html").exists()


# ---- in a real browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_job(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo-output")
    result = run_cli("demo", "--output", str(root), "--log-level", "WARNING")
    assert result.returncode == 0, result.stderr
    return root / "demo"


@pytest.mark.e2e
@pytest.mark.browser
def test_demo_report_renders_in_chromium_with_its_charts(browser, demo_job):
    result = run_cli("report", str(demo_job))
    assert result.returncode == 0, result.stderr
    page, problems = open_report(browser, demo_job / "report.html")
    try:
        assert problems == []
        for section in ("timeline", "status-codes", "content-types", "hosts", "coverage"):
            chart = page.locator(f"#{section} svg.chart")
            assert chart.count() == 1, section
            box = chart.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 20, section
        assert page.locator("#timeline svg g.column rect").count() >= 1
        stats = json.loads((demo_job / "stats.json").read_text())

        statuses = {
            int(k.rsplit("/", 1)[1]): v for k, v in stats.items() if k.startswith("downloader/response_status_count/")
        }
        rows = page.locator("#status-codes tbody tr")
        shown = {
            int(rows.nth(i).get_attribute("data-key")): int(rows.nth(i).get_attribute("data-count"))
            for i in range(rows.count())
        }
        assert shown == statuses
        assert page.locator("#status-codes svg g.row").count() == len(statuses)

        records = [json.loads(line) for line in (demo_job / "records.jsonl").read_text().splitlines() if line.strip()]
        articles = [r for r in records if r.get("page_type", "article") == "article"]
        assert articles
        for key, count in expected_coverage(records).items():
            row = page.locator(f'#coverage-table tr[data-field="{key}"]')
            assert int(row.get_attribute("data-count")) == count, key
            assert int(row.get_attribute("data-total")) == len(articles), key
            assert row.locator("td").nth(1).inner_text().replace(",", "") == str(count), key
            assert f"{count} / {len(articles)}" in page.locator("#coverage svg").inner_html().replace(",", "")

        host = records[0]["url"].split("/")[2]
        assert host in page.locator("#hosts tbody").first.inner_text()
        requests = page.locator(f'#hosts-table tr[data-host="{host}"]').get_attribute("data-requests")
        assert int(requests) == stats[f"hosts/{host}/requests"]
        assert page.locator("#job").inner_text() == "demo"
        assert page.locator("#finish-reason").inner_text() == stats["finish_reason"]
    finally:
        page.close()


@pytest.mark.e2e
@pytest.mark.browser
@pytest.mark.parametrize("folder, charts", [("two_runs", 5), ("empty_run", 0), ("zero_records", 4), ("damaged", 5)])
def test_every_kind_of_report_renders_without_errors(browser, folder, charts, request):
    job = request.getfixturevalue(folder)
    assert run_cli("report", str(job)).returncode == 0
    page, problems = open_report(browser, job / "report.html")
    try:
        assert problems == []
        assert page.locator("h1").inner_text() == f"Crawl report: {job.name}"
        assert page.locator("svg.chart").count() == charts
    finally:
        page.close()
