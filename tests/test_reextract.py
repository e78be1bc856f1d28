"""`crawler reextract` over WARC files: the same records, in the same order, with worker processes or without."""

import asyncio
import gzip
import json
import os
import shutil
from argparse import Namespace

import pytest
from conftest import run_cli_here

from crawler.archive.captures import IndexProblem, plan, read_capture
from crawler.archive.folder import dom_uri
from crawler.archive.index import INDEX_NAME, write_cdxj
from crawler.archive.writer import Exchange, RollingWarcWriter
from crawler.commands import reextract
from crawler.commands.reextract import records, run, warc_files
from crawler.demo.site import DemoSite
from crawler.extract.tasks import archived_record
from crawler.jobs.run import EXIT_CRAWL_FAILED, EXIT_OK, EXIT_USAGE
from crawler.jobs.versions import link_all
from crawler.web.page import Page
from crawler.workers.pool import AnalysisFailed

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


def test_workers_give_the_records_of_one_process_in_archive_order(archive, tmp_path, capsys):
    folder, site = archive
    out = tmp_path / "records.jsonl"
    result = run_cli_here(capsys, "reextract", str(folder), "-o", str(out), "--workers", "2")
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


# ---- workers reading captures from the folder's index -------------------------------------------


class Digests:
    """The crawl's digest index, in memory: later runs write revisits of the payloads it holds."""

    def __init__(self):
        self.entries = {}

    def digest(self, digest):
        return self.entries.get(digest)

    def add_digest(self, entry):
        return self.entries.setdefault(entry.digest, entry) is entry


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """A job folder as crawls leave it: two runs (the second's unchanged pages are revisits), the first
    article's rendered DOM (browser mode) beside its response, and the folder's index.cdxj."""
    folder = tmp_path_factory.mktemp("job")
    site = DemoSite(articles=12)
    paths = site.html_paths()
    digests = Digests()
    for run_number in range(2):
        writer = RollingWarcWriter(folder, f"run{run_number}", {"software": "t"}, hostname="h", digest_index=digests)
        for n, path in enumerate(paths if run_number == 0 else paths[::2]):
            status, headers, body = site.page(path, BASE)
            written = writer.write_exchange(Exchange(Page(BASE + path, body, list(headers.items()), status)))
            if run_number == 0 and n == paths.index(site.articles[0].path):
                dom = body.replace(b"</h1>", b" (rendered)</h1>", 1)
                writer.write_resource(dom_uri(BASE + path), "text/html; charset=utf-8", dom, written.record.record_id)
        writer.close()
    write_cdxj(folder)
    return folder


def _copy(folder, to, index=True):
    shutil.copytree(folder, to, ignore=None if index else shutil.ignore_patterns(INDEX_NAME))
    return to


def _run_here(folder, out=None, workers=0, every_capture=True):
    args = Namespace(warcs=[str(folder)], output=str(out) if out else None, every_capture=every_capture)
    return run(Namespace(**vars(args), workers=workers, timeout=15))


def test_workers_reading_from_the_index_write_the_bytes_of_reading_in_order(indexed, tmp_path, capsys):
    unindexed = _copy(indexed, tmp_path / "unindexed", index=False)
    assert _run_here(unindexed, tmp_path / "in-order.jsonl") == 0
    assert f"no {INDEX_NAME} beside it; reading it in this process" in capsys.readouterr().err
    assert _run_here(indexed, tmp_path / "from-index.jsonl", workers=1) == 0
    assert "reading it in this process" not in capsys.readouterr().err
    assert (tmp_path / "from-index.jsonl").read_bytes() == (tmp_path / "in-order.jsonl").read_bytes()
    found = [json.loads(line) for line in (tmp_path / "in-order.jsonl").read_text().splitlines()]
    assert any("revisit" in r["warc"] for r in found)  # the second run, read in order (it holds revisits)
    assert any(r["title"].endswith("(rendered)") for r in found)  # the rendered DOM, read by a worker
    # As versions, and with the pages read from the index in this process (--workers 0):
    assert _run_here(unindexed, tmp_path / "in-order-versions.jsonl", every_capture=False) == 0
    assert _run_here(indexed, tmp_path / "versions.jsonl", every_capture=False) == 0
    assert (tmp_path / "versions.jsonl").read_bytes() == (tmp_path / "in-order-versions.jsonl").read_bytes()


def test_a_folder_copied_without_its_times_is_still_read_from_its_index(indexed, tmp_path, capsys):
    assert _run_here(indexed, tmp_path / "original.jsonl") == 0  # --workers 0: read from the index all the same
    folder = _copy(indexed, tmp_path / "job")
    later = (folder / INDEX_NAME).stat().st_mtime + 60
    for warc in folder.glob("*.warc.gz"):  # as `cp -r` leaves them: newer than the index
        os.utime(warc, (later, later))
    assert _run_here(folder, tmp_path / "copy.jsonl") == EXIT_OK
    assert "reading it in this process" not in capsys.readouterr().err
    assert (tmp_path / "copy.jsonl").read_bytes() == (tmp_path / "original.jsonl").read_bytes()


def test_a_warc_with_records_after_the_indexed_ones_is_read_in_order(indexed, archive, tmp_path, capsys):
    unindexed = _copy(indexed, tmp_path / "unindexed", index=False)
    folder = _copy(indexed, tmp_path / "job")
    foreign = sorted(archive[0].glob("*.warc.gz"))[0].read_bytes()
    for job in (unindexed, folder):  # a file still being written: members beyond the index's last one
        with open(sorted(job.glob("run0-*.warc.gz"))[0], "ab") as fh:
            fh.write(foreign)
    first = sorted(folder.glob("run0-*.warc.gz"))[0]
    assert _run_here(unindexed, tmp_path / "in-order.jsonl") == EXIT_OK
    capsys.readouterr()
    assert _run_here(folder, tmp_path / "out.jsonl") == EXIT_OK
    assert f"{first.name} holds records after the ones {folder / INDEX_NAME} lists" in capsys.readouterr().err
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "in-order.jsonl").read_bytes()


def test_an_uncompressed_warc_is_read_from_its_index_until_records_follow_the_indexed_ones(tmp_path):
    site = DemoSite(articles=12)
    writer = RollingWarcWriter(tmp_path, "run0", {"software": "t"}, hostname="h", gzip=False)
    for path in site.html_paths():
        status, headers, body = site.page(path, BASE)
        writer.write_exchange(Exchange(Page(BASE + path, body, list(headers.items()), status)))
    writer.close()
    write_cdxj(tmp_path)
    [warc] = tmp_path.glob("*.warc")
    [file] = plan([warc])
    assert file.note is None and len(file.captures) == len(site.html_paths())
    with open(warc, "ab") as fh:  # its first records again, as a writer still at work would add
        fh.write(warc.read_bytes()[:8000])
    [file] = plan([warc])
    assert file.captures is None and "holds records after the ones" in file.note


def test_a_warc_cut_after_it_was_indexed_stops_the_command(indexed, tmp_path, capsys):
    folder = _copy(indexed, tmp_path / "job")
    first = sorted(folder.glob("run0-*.warc.gz"))[0]
    stat = first.stat()
    with open(first, "r+b") as fh:
        fh.truncate(stat.st_size // 2)
    os.utime(first, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # cut, its time kept: only the length tells
    assert _run_here(folder) == EXIT_CRAWL_FAILED
    assert f"{first.name} is cut: {stat.st_size // 2} bytes" in capsys.readouterr().err


def test_a_record_that_is_not_the_indexed_one_stops_the_command(indexed, tmp_path, capsys):
    # Same length, same time: the worker's check of each record against its index line tells.
    folder = _copy(indexed, tmp_path / "job")
    first = sorted(folder.glob("run0-*.warc.gz"))[0]
    stat = first.stat()
    data = bytearray(first.read_bytes())
    data[stat.st_size // 2 : stat.st_size // 2 + 64] = bytes(64)
    first.write_bytes(bytes(data))
    os.utime(first, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _run_here(folder, tmp_path / "out.jsonl") == EXIT_CRAWL_FAILED
    err = capsys.readouterr().err
    assert f"{first}: the record at offset" in err and "changed after it was indexed" in err


def test_a_deleted_warc_stops_the_command(indexed, tmp_path, capsys):
    folder = _copy(indexed, tmp_path / "job")
    gone = sorted(folder.glob("run0-*.warc.gz"))[0]
    capture = plan([gone])[0].captures[0]
    gone.unlink()
    assert _run_here(folder) == EXIT_CRAWL_FAILED
    assert f"lists {gone.name}, which is not in the folder (deleted?)" in capsys.readouterr().err
    with pytest.raises(IndexProblem, match="is gone"):  # deleted while a worker was reading the folder
        read_capture(capture)


def test_a_warc_the_index_does_not_list_is_read_in_order(indexed, archive, tmp_path, capsys):
    folder = _copy(indexed, tmp_path / "job")
    foreign = sorted(archive[0].glob("*.warc.gz"))[0]
    shutil.copy(foreign, folder / ("zz-" + foreign.name))
    assert _run_here(folder, tmp_path / "out.jsonl") == EXIT_OK
    assert f"zz-{foreign.name}: not in {folder / INDEX_NAME}; reading it in this process" in capsys.readouterr().err
    urls = [json.loads(line)["url"] for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    alone = [r["url"] for r in records([folder / ("zz-" + foreign.name)])]
    assert alone and urls[-len(alone) :] == alone


def test_a_batch_out_of_time_is_tried_again_page_by_page(indexed):
    [first, *_] = plan(sorted(indexed.glob("run0-*.warc.gz")))
    batch = first.captures[: reextract.BATCH_PAGES]
    slow = batch[3].url
    calls = []

    class Analyser:  # a pool whose worker runs out of time on the slow page
        async def call(self, function, captures):
            calls.append([c.url for c in captures])
            if slow in calls[-1]:
                raise AnalysisFailed("timeout: analysis took longer than 15 s")
            return function(captures)

    outcomes = asyncio.run(reextract._outcomes(Analyser(), batch))
    assert calls == [[c.url for c in batch]] + [[c.url] for c in batch]
    assert outcomes[3] == ("failed", "timeout: analysis took longer than 15 s", slow)
    others = [(kind, value) for kind, value, _ in outcomes[:3] + outcomes[4:]]
    assert others == [(kind, value) for c in batch if c.url != slow for kind, value, _ in reextract.extracted([c])]
    assert {kind for kind, _ in others} == {"item", "page"}
