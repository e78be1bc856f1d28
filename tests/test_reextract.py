"""`crawler reextract` over WARC files: the same records, in the same order, with worker processes or without."""

import gzip
import json
from argparse import Namespace

import pytest
from conftest import run_cli

from crawler.archive.writer import Exchange, RollingWarcWriter
from crawler.commands import reextract
from crawler.commands.reextract import records, run, warc_files
from crawler.demo.site import DemoSite
from crawler.extract.workers import archived_record
from crawler.jobs.run import EXIT_USAGE
from crawler.jobs.versions import link_all
from crawler.web.page import Page

BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Two WARC files of demo pages (articles, listings, an image) and one body that does not decode."""
    folder = tmp_path_factory.mktemp("warcs")
    site = DemoSite(articles=12)
    paths = site.html_paths() + ["/wp-content/uploads/courier-1.png"]
    for n, chunk in enumerate((paths[: len(paths) // 2], paths[len(paths) // 2 :])):
        writer = RollingWarcWriter(folder, f"job{n}", {"software": "t"}, hostname="h")
        for path in chunk:
            status, headers, body = site.page(path, BASE)
            writer.write_exchange(Exchange(Page(BASE + path, body, list(headers.items()), status)))
        if n == 1:
            broken = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
            writer.write_exchange(Exchange(Page(BASE + "/broken/", gzip.compress(b"<html>")[:-9], broken, 200)))
        writer.close()
    return folder, site


def test_workers_give_the_records_of_one_process_in_archive_order(archive, tmp_path):
    folder, site = archive
    out = tmp_path / "records.jsonl"
    result = run_cli("reextract", str(folder), "-o", str(out), "--workers", "2")
    assert result.returncode == 0, result.stderr
    alone = list(link_all(records(warc_files([folder]), workers=0)))
    assert [json.loads(line) for line in out.read_text().splitlines()] == alone
    assert [r["url"] for r in alone] == [BASE + a.path for a in site.articles]  # both files, in order
    assert "cannot decode http://127.0.0.1:8000/broken/ (gzip)" in result.stderr
    assert "pages/s with 2 worker process(es)" in result.stderr


def test_bad_arguments_are_usage_errors(tmp_path, capsys):
    def args(*warcs, workers=1):
        return Namespace(warcs=[str(w) for w in warcs], output=None, every_capture=False, workers=workers, timeout=1)

    assert run(args(tmp_path / "missing.warc.gz")) == EXIT_USAGE
    assert run(args(tmp_path)) == EXIT_USAGE  # a folder with no WARC files
    assert run(args(tmp_path, workers=-1)) == EXIT_USAGE
    assert "no WARC files in" in capsys.readouterr().err


def test_bodies_that_are_surely_not_html_are_not_sent_for_analysis(archive, monkeypatch):
    folder, site = archive
    analysed = []

    def counting(page):
        analysed.append(page.url)
        return archived_record(page)

    monkeypatch.setattr(reextract, "archived_record", counting)
    found = list(records(warc_files([folder]), workers=0))
    assert [r["url"] for r in found] == [BASE + a.path for a in site.articles]
    assert BASE + "/wp-content/uploads/courier-1.png" not in analysed  # an image, no Content-Encoding
    assert BASE + "/broken/" in analysed  # encoded: only decoding tells, in the worker
