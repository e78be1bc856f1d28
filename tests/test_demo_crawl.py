"""End-to-end: crawl the demo site through the real Scrapy engine on loopback."""

import json
import subprocess
import sys
from collections import Counter
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, run_cli
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.site import DISALLOWED_PREFIX

pytestmark = pytest.mark.e2e

TRUTH_FIELDS = ("title", "breadcrumb", "authors", "body_text", "related")


@pytest.fixture(scope="module")
def crawl(demo_server, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    before = len(demo_server.requests)
    result = run_cli("crawl", demo_server.url + "/", "--job", "demo", "--output", str(out), "--log-level", "WARNING")
    assert result.returncode == 0, result.stderr[-3000:]
    job = out / "demo"
    records = [json.loads(line) for line in (job / "records.jsonl").read_text().splitlines()]
    return {
        "records": records,
        "dir": job,
        "stdout": result.stdout,
        "requests": [path for _, path in demo_server.requests[before:]],
        "truth": {r["url"]: r for r in demo_server.site.expected_records(demo_server.url)},
    }


def test_one_record_per_article_page(crawl):
    urls = [r["url"] for r in crawl["records"]]
    assert len(urls) == len(set(urls)), [u for u, n in Counter(urls).items() if n > 1]
    assert set(urls) == set(crawl["truth"])


@pytest.mark.parametrize("field", TRUTH_FIELDS)
def test_field_matches_site_truth(crawl, field):
    wrong = {
        r["url"]: (r[field], crawl["truth"][r["url"]][field])
        for r in crawl["records"]
        if r[field] != crawl["truth"][r["url"]][field]
    }
    assert not wrong, f"{len(wrong)} articles wrong, e.g. {next(iter(wrong.items()))}"


def test_crawl_metadata_fields(crawl):
    for record in crawl["records"]:
        assert record["status"] == 200
        assert record["fetched_at"].endswith("+00:00")
        assert record["warc"]["filename"].endswith(".warc.gz")


def test_disallowed_path_never_fetched(crawl):
    assert crawl["requests"], "the crawl made no requests"
    assert not [p for p in crawl["requests"] if p.startswith(DISALLOWED_PREFIX)]


def test_whole_site_reached(crawl, demo_server):
    fetched = set(crawl["requests"])
    missing = [p for p in demo_server.site.html_paths() if p not in fetched]
    assert not missing
    for special in (
        "/robots.txt",
        "/sitemap.xml",
        "/feed/",
        "/2017/01/deleted-story/",
        "/wp-content/uploads/courier-1.png",
    ):
        assert special in fetched
    assert any(p.startswith("/?p=") for p in fetched), "the redirecting shortlink was not fetched"


def _warc_records(job_dir):
    records = []
    for path in sorted(job_dir.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                records.append(
                    (
                        record.rec_type,
                        record.rec_headers.get_header("WARC-Target-URI"),
                        record.http_headers and record.http_headers.get_statuscode(),
                    )
                )
    return records


def test_warc_holds_one_response_per_fetched_url(crawl):
    records = _warc_records(crawl["dir"])
    responses = Counter(
        urlsplit(uri)._replace(scheme="", netloc="").geturl() for kind, uri, _ in records if kind == "response"
    )
    requests_ = Counter(
        urlsplit(uri)._replace(scheme="", netloc="").geturl() for kind, uri, _ in records if kind == "request"
    )
    assert responses == Counter(crawl["requests"])
    assert requests_ == responses
    assert [kind for kind, _, _ in records].count("warcinfo") == len(list(crawl["dir"].glob("*.warc.gz")))
    statuses = Counter(status for kind, _, status in records if kind == "response")
    assert statuses["301"] == 1 and statuses["404"] == 1


def test_warcio_check_passes(crawl):
    files = sorted(crawl["dir"].glob("*.warc.gz"))
    assert files and not list(crawl["dir"].glob("*.open"))
    result = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, files)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_record_points_at_its_warc_response(crawl):
    record = crawl["records"][0]
    loc = record["warc"]
    with open(crawl["dir"] / loc["filename"], "rb") as fh:
        fh.seek(loc["offset"])
        raw = fh.read(loc["length"])
    warc = next(iter(ArchiveIterator(__import__("io").BytesIO(raw))))
    assert warc.rec_headers.get_header("WARC-Record-ID") == loc["record_id"]
    assert warc.rec_headers.get_header("WARC-Target-URI") == record["url"]


def test_summary_printed(crawl):
    assert "article records  45" in crawl["stdout"]
    assert (crawl["dir"] / "stats.json").exists()


def test_scrapy_crawl_gives_the_same_records(crawl, demo_server, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "article",
            "-a",
            f"start_urls={demo_server.url}/",
            "-s",
            f"OUTPUT_ROOT={tmp_path}",
            "-s",
            "JOB_NAME=demo",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    def strip(r):
        return {k: v for k, v in r.items() if k not in ("fetched_at", "warc")}

    ours = sorted(
        (strip(json.loads(line)) for line in (tmp_path / "demo" / "records.jsonl").read_text().splitlines()),
        key=lambda r: r["url"],
    )
    theirs = sorted((strip(r) for r in crawl["records"]), key=lambda r: r["url"])
    assert ours == theirs
    assert list((tmp_path / "demo").glob("*.warc.gz"))
