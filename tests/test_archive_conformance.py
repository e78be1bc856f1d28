"""The writer's conformance details: Warcinfo-ID, IP addresses, masked credentials, warc-fields
blocks, server-not-modified revisits, metadata records in their response's file; FastWARC and
warcat check what it writes."""

import gzip
import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.archive import writer as writer_module
from crawler.archive.writer import DigestEntry, Exchange, RollingWarcWriter
from crawler.jobs.state import Capture, JobState
from crawler.web.page import Page
from crawler.web.redact import mask_header_values

BIN = Path(sys.executable).parent
SECRET_HEAD = (
    b"GET /private HTTP/1.1\r\nHost: a.test\r\nAuthorization: Basic dXNlcjpodW50ZXIy\r\n"
    b"Cookie: sid=s3cr3t; theme=dark\r\nPROXY-AUTHORIZATION: Basic cHJveHk6cHc=\r\nAccept: */*\r\n\r\n"
)


def _exchange(url="http://a.test/page", body=b"<html><title>t</title>hello</html>", status=200, **kw):
    headers = [("Content-Type", "text/html"), ("Content-Length", str(len(body)))]
    defaults = {
        "response": Page(url, body, headers, status),
        "request_headers": [("Host", "a.test"), ("User-Agent", "test")],
        "ip_address": "127.0.0.1",
        "captured_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    }
    defaults.update(kw)
    return Exchange(**defaults)


def _records(paths):
    out = []
    for path in paths:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                out.append((Path(path).name, record.rec_type, record.rec_headers, record.raw_stream.read()))
    return out


def test_mask_header_values_keeps_names_order_and_other_headers():
    masked = mask_header_values(SECRET_HEAD)
    assert masked == (
        b"GET /private HTTP/1.1\r\nHost: a.test\r\nAuthorization: ***\r\nCookie: ***\r\n"
        b"PROXY-AUTHORIZATION: ***\r\nAccept: */*\r\n\r\n"
    )
    folded = b"GET / HTTP/1.1\r\nCookie: a=1;\r\n b=2\r\nX: y\r\n\r\n"
    assert mask_header_values(folded) == b"GET / HTTP/1.1\r\nCookie: ***\r\nX: y\r\n\r\n"


def test_request_records_mask_credentials_unless_kept(tmp_path):
    for keep in (False, True):
        folder = tmp_path / str(keep)
        writer = RollingWarcWriter(folder, "job", {"software": "t"}, hostname="h", keep_credentials=keep)
        writer.write_exchange(_exchange(request_head=SECRET_HEAD))
        writer.close()
        raw = gzip.decompress(writer.files[0].read_bytes())  # the whole file, every gzip member
        if keep:
            assert b"dXNlcjpodW50ZXIy" in raw and b"sid=s3cr3t" in raw
        else:
            assert b"dXNlcjpodW50ZXIy" not in raw and b"s3cr3t" not in raw and b"cHJveHk6cHc=" not in raw
            assert b"Authorization: ***" in raw and b"Cookie: ***" in raw


def test_every_record_names_its_warcinfo_and_requests_carry_the_ip_address(tmp_path):
    writer = RollingWarcWriter(tmp_path, "job", {"software": "t"}, hostname="h", max_size=600)
    for n in range(4):
        written = writer.write_exchange(_exchange(f"http://a.test/{n}"), hold=True)
        writer.write_metadata(f"http://a.test/{n}", written.record.record_id, [("outlink", "http://a.test/")])
    writer.close()
    assert len(writer.files) > 1
    for path in writer.files:
        records = _records([path])
        assert records[0][1] == "warcinfo"
        info_id = records[0][2].get_header("WARC-Record-ID")
        assert records[0][3].endswith(b"\r\n\r\n")  # a warc-fields block ends with an empty line
        for _, kind, headers, _ in records[1:]:
            assert headers.get_header("WARC-Warcinfo-ID") == info_id, kind
        for _, kind, headers, _ in records:
            if kind in ("request", "response"):
                assert headers.get_header("WARC-IP-Address") == "127.0.0.1"
            if kind == "metadata":
                assert headers.get_header("WARC-Payload-Digest") is None  # no HTTP payload in it


def test_metadata_record_joins_its_response_file_after_rollover(tmp_path):
    """A page's metadata comes after the analysis, when other pages have made the file roll over."""
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h", max_size=1500)
    held = [writer.write_exchange(_exchange(f"http://a.test/{n}"), hold=True) for n in range(8)]
    assert len({w.record.filename for w in held}) > 1  # rolled over while pages were held
    assert len(list(tmp_path.glob("*.open"))) > 1  # rolled-over files stay open for their metadata
    for n, written in enumerate(reversed(held)):
        if n % 3 == 0:
            writer.release(written.record.record_id)  # not an article: no metadata record
        else:
            writer.write_metadata("http://a.test/", written.record.record_id, [("outlink", "x")])
    assert len(list(tmp_path.glob("*.open"))) == 1  # drained files closed; the current one stays
    writer.close()
    records = _records(writer.files)
    files = {h.get_header("WARC-Record-ID"): name for name, _, h, _ in records}
    metadata = [(name, h) for name, kind, h, _ in records if kind == "metadata"]
    assert len(metadata) == 5
    for name, headers in metadata:
        assert files[headers.get_header("WARC-Concurrent-To")] == name
    assert [p.name for p in writer.files] == sorted(p.name for p in writer.files)
    assert writer.metadata_elsewhere == 0


def test_a_held_file_waits_no_longer_than_the_drain_time(tmp_path, monkeypatch):
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h", max_size=500)
    writer.write_exchange(_exchange("http://a.test/0"), hold=True)  # never released
    monkeypatch.setattr(writer_module, "DRAIN_SECONDS", 0.0)
    writer.write_exchange(_exchange("http://a.test/1"))
    writer.write_exchange(_exchange("http://a.test/2"))
    assert len(writer.files) >= 1 and len(list(tmp_path.glob("*.open"))) == 1
    writer.close()


@pytest.mark.parametrize("version", ["1.1", "1.0"])
def test_a_304_is_a_server_not_modified_revisit_of_the_capture_it_confirms(tmp_path, version):
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h", warc_version=version)
    first = writer.write_exchange(_exchange())
    original = DigestEntry(
        first.payload_digest,
        "http://a.test/page",
        first.date,
        first.record.filename,
        first.record.offset,
        first.record.length,
        first.record.record_id,
    )
    head = b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nDate: Mon, 05 Jan 2026 00:00:00 GMT\r\n\r\n'
    later = _exchange(
        body=b"",
        status=304,
        response_head=head,
        not_modified=original,
        captured_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    second = writer.write_exchange(later)
    writer.close()
    assert second.revisit and second.payload == first.record and second.original == original
    revisit = [r for r in _records(writer.files) if r[1] == "revisit"]
    assert len(revisit) == 1
    _, _, headers, block = revisit[0]
    assert headers.get_header("WARC-Profile") == f"http://netpreserve.org/warc/{version}/revisit/server-not-modified"
    assert headers.get_header("WARC-Refers-To-Target-URI") == "http://a.test/page"
    assert headers.get_header("WARC-Refers-To-Date") == first.date
    assert headers.get_header("WARC-Refers-To") == first.record.record_id
    assert headers.get_header("WARC-Payload-Digest") == first.payload_digest
    with open(writer.files[0], "rb") as fh:
        records = list(ArchiveIterator(fh))
    assert any(r.rec_type == "revisit" and r.http_headers.to_bytes() == head for r in records)  # the 304 head kept


def test_a_304_without_a_known_earlier_capture_is_archived_as_it_came(tmp_path):
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h")
    written = writer.write_exchange(_exchange(body=b"", status=304))
    writer.close()
    assert not written.revisit
    assert [r[1] for r in _records(writer.files)] == ["warcinfo", "response", "request"]


def test_job_state_keeps_where_a_capture_payload_is(tmp_path):
    state = JobState(tmp_path / "state.sqlite")
    payload = DigestEntry("sha1:X", "http://a.test/", "2026-01-01T00:00:00Z", "f.warc.gz", 10, 20, "<urn:uuid:1>")
    state.put_capture(Capture("http://a.test/", "2026-01-01T00:00:00+00:00", 200, '"e"', None, "sha1:y", True, payload))
    state.put_capture(Capture("http://a.test/old", "2026-01-01T00:00:00+00:00", 200))
    assert state.capture("http://a.test/").payload == payload
    assert state.capture("http://a.test/old").payload is None
    state.close()


def test_job_state_adds_the_payload_column_to_an_older_file(tmp_path):
    import sqlite3

    path = tmp_path / "state.sqlite"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE captures (url TEXT PRIMARY KEY, fetched_at TEXT NOT NULL, status INTEGER NOT NULL, etag TEXT, "
        "last_modified TEXT, content_digest TEXT, article INTEGER NOT NULL DEFAULT 0)"
    )
    db.execute("INSERT INTO captures VALUES ('http://a.test/', 't', 200, NULL, NULL, NULL, 1)")
    db.commit()
    db.close()
    state = JobState(path)
    assert state.capture("http://a.test/") == Capture("http://a.test/", "t", 200, article=True)
    state.close()


def _validators_report(paths):
    fastwarc = subprocess.run(
        [str(BIN / "fastwarc"), "check", "-p", "-o", "/dev/stdout", "-q", *map(str, paths)],
        capture_output=True,
        text=True,
    )
    warcat = subprocess.run(
        [sys.executable, "-m", "warcat", "--verbose", "verify", *map(str, paths)], capture_output=True, text=True
    )
    return fastwarc, warcat


def test_fastwarc_and_warcat_find_nothing_wrong(tmp_path):
    writer = RollingWarcWriter(tmp_path, "job", {"software": "t", "note": "é"}, hostname="h")
    written = writer.write_exchange(_exchange(request_head=SECRET_HEAD), hold=True)
    writer.write_metadata(
        "http://a.test/page", written.record.record_id, [("outlink", "http://a.test/é"), ("extracted-record-id", "x")]
    )
    writer.close()
    (path,) = writer.files
    fastwarc, warcat = _validators_report([path])
    assert fastwarc.returncode == 0 and "FAIL" not in fastwarc.stdout, fastwarc.stdout + fastwarc.stderr
    assert warcat.returncode == 0, warcat.stdout + warcat.stderr
    assert "Content block length changed" not in warcat.stderr, warcat.stderr


def test_index_of_gzip_members_reads_back(tmp_path):
    """Each record stays its own gzip member after the conformance changes (crash repair relies on it)."""
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h")
    locations = [writer.write_exchange(_exchange(f"http://a.test/{n}")).record for n in range(3)]
    writer.close()
    data = writer.files[0].read_bytes()
    for location in locations:
        record = next(iter(ArchiveIterator(io.BytesIO(data[location.offset : location.offset + location.length]))))
        assert record.rec_headers.get_header("WARC-Record-ID") == location.record_id
