import gzip
import io
import subprocess
import sys
from datetime import UTC, datetime

from conftest import ROOT
from warcio.archiveiterator import ArchiveIterator

from crawler.archive import index as index_module
from crawler.archive.index import RunIndex, write_cdxj
from crawler.archive.writer import Exchange, RollingWarcWriter, payload_digest
from crawler.web.page import Page


def _exchange(
    n: int,
    body: bytes = b"<html>hello</html>",
    url: str | None = None,
    status: int = 200,
    response_headers: list[tuple[str, str]] | None = None,
    **kw,
) -> Exchange:
    headers = (
        response_headers
        if response_headers is not None
        else [("Content-Type", "text/html"), ("Content-Length", str(len(body)))]
    )
    defaults = {
        "response": Page(url or f"http://127.0.0.1:8000/page/{n}", body, headers, status),
        "method": "GET",
        "request_headers": [("Host", "127.0.0.1:8000"), ("User-Agent", "test")],
        "request_body": b"",
        "ip_address": "127.0.0.1",
        "captured_at": datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
    }
    defaults.update(kw)
    return Exchange(**defaults)


def _records(path):
    with open(path, "rb") as fh:
        return [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(fh)]


def test_file_is_open_while_written_and_renamed_on_close(tmp_path):
    writer = RollingWarcWriter(tmp_path, "job", {"software": "test"}, hostname="h")
    writer.write_exchange(_exchange(1))
    assert [p.name.endswith(".warc.gz.open") for p in tmp_path.iterdir()] == [True]
    writer.close()
    [path] = tmp_path.iterdir()
    assert path.name.startswith("job-") and path.name.endswith("-00001-h.warc.gz")
    kinds = [r[0] for r in _records(path)]
    assert kinds == ["warcinfo", "response", "request"]


def test_request_and_response_are_linked_and_dated(tmp_path):
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h")
    writer.write_exchange(_exchange(1))
    writer.close()
    _, response, request = _records(writer.files[0])
    assert request[1].get_header("WARC-Concurrent-To") == response[1].get_header("WARC-Record-ID")
    assert response[1].get_header("WARC-Date") == "2026-01-02T03:04:05.123456Z"
    assert response[1].get_header("WARC-IP-Address") == "127.0.0.1"
    assert response[1].get_header("WARC-Payload-Digest").startswith("sha1:")
    assert request[2].protocol == "GET" and request[2].statusline == "/page/1 HTTP/1.1"


def test_rollover_at_max_size(tmp_path):
    writer = RollingWarcWriter(tmp_path, "job", {}, max_size=2000, hostname="h")
    for n in range(10):
        writer.write_exchange(_exchange(n, body=bytes(range(256)) * 8))
    writer.close()
    assert len(writer.files) > 2
    assert [p.name.split("-")[2] for p in writer.files] == [f"{i:05d}" for i in range(1, len(writer.files) + 1)]
    total = sum(1 for p in writer.files for r in _records(p) if r[0] == "response")
    assert total == 10
    assert all(_records(p)[0][0] == "warcinfo" for p in writer.files)


def test_location_points_at_the_response(tmp_path):
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h")
    locations = [writer.write_exchange(_exchange(n)).record for n in range(3)]
    writer.close()
    data = writer.files[0].read_bytes()
    for n, loc in enumerate(locations):
        record = next(iter(ArchiveIterator(io.BytesIO(data[loc.offset : loc.offset + loc.length]))))
        assert record.rec_headers.get_header("WARC-Record-ID") == loc.record_id
        assert record.rec_headers.get_header("WARC-Target-URI").endswith(f"/page/{n}")


def test_content_encoded_body_is_stored_as_received(tmp_path):
    body = gzip.compress(b"<html>compressed</html>")
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h")
    writer.write_exchange(
        _exchange(1, body=body, response_headers=[("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")])
    )
    writer.close()
    _, response, _ = _records(writer.files[0])
    http_headers = response[2]
    assert http_headers.get_header("Content-Encoding") == "gzip"
    # De-chunked by Scrapy: the stored headers describe the stored body.
    assert http_headers.get_header("Transfer-Encoding") is None
    assert http_headers.get_header("Content-Length") == str(len(body))


# ---- dedup, metadata, options, repair ---------------------------------------------------------

from crawler.archive.heads import dechunked_head  # noqa: E402
from crawler.archive.repair import repair_open_files  # noqa: E402
from crawler.jobs.state import JobState  # noqa: E402


def test_second_copy_of_a_payload_is_a_revisit_pointing_at_the_first(tmp_path):
    state = JobState(tmp_path / "state.sqlite")
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h", digest_index=state)
    first = writer.write_exchange(_exchange(1))
    second = writer.write_exchange(_exchange(2, captured_at=datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)))
    writer.close()
    assert not first.revisit and second.revisit and second.payload == first.record
    records = _records(writer.files[0])
    revisit = records[3]
    assert revisit[0] == "revisit" and revisit[3] == b""
    assert revisit[1].get_header("WARC-Refers-To-Target-URI") == "http://127.0.0.1:8000/page/1"
    assert revisit[1].get_header("WARC-Refers-To-Date") == "2026-01-02T03:04:05.123456Z"
    assert revisit[1].get_header("WARC-Refers-To") == first.record.record_id
    assert revisit[1].get_header("WARC-Profile").endswith("/warc/1.1/revisit/identical-payload-digest")
    assert revisit[2].get_statuscode() == "200"  # the revisit keeps this capture's own HTTP headers
    # A later run of the same job (new writer, same state) dedups against the first run too.
    again = RollingWarcWriter(tmp_path, "job", {}, hostname="h", digest_index=JobState(tmp_path / "state.sqlite"))
    assert again.write_exchange(_exchange(3)).revisit
    again.close()
    assert again.files[0].name.split("-")[2] == "00002"  # serials go on across runs


def test_truncated_and_empty_payloads_are_never_deduplicated(tmp_path):
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h", digest_index=JobState(tmp_path / "s.sqlite"))
    for n in range(2):
        assert not writer.write_exchange(_exchange(n, truncated="length")).revisit
        assert not writer.write_exchange(_exchange(n, body=b"", response_headers=[])).revisit
    writer.close()
    truncated = [r for r in _records(writer.files[0]) if r[1].get_header("WARC-Truncated")]
    assert [r[1].get_header("WARC-Truncated") for r in truncated] == ["length", "length"]


def test_metadata_record(tmp_path):
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h")
    response = writer.write_exchange(_exchange(1)).record
    writer.write_metadata(
        "http://127.0.0.1:8000/page/1", response.record_id, [("outlink", "http://a/"), ("extracted-record-id", "urn:x")]
    )
    writer.close()
    kind, headers, _, body = _records(writer.files[0])[3]
    assert kind == "metadata" and headers.get_header("Content-Type") == "application/warc-fields"
    assert headers.get_header("WARC-Concurrent-To") == response.record_id
    assert body == b"outlink: http://a/\r\nextracted-record-id: urn:x\r\n\r\n"  # warc-fields end with an empty line


def test_warc_1_0_and_sha256(tmp_path):
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h", warc_version="1.0", digest_algorithm="sha256")
    writer.write_exchange(_exchange(1))
    writer.close()
    _, response, _ = _records(writer.files[0])
    assert response[1].protocol == "WARC/1.0"
    assert response[1].get_header("WARC-Date") == "2026-01-02T03:04:05Z"
    assert response[1].get_header("WARC-Payload-Digest").startswith("sha256:")
    assert response[1].get_header("WARC-Block-Digest").startswith("sha256:")


def test_verbatim_head_is_written_byte_for_byte(tmp_path):
    head = (
        b"HTTP/1.1 200 Very OK\r\nx-odd: \xe9t\xe9\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 18\r\n\r\n"
    )
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h")
    writer.write_exchange(_exchange(1, response_head=head))
    writer.close()
    with open(writer.files[0], "rb") as fh:
        block = [r.raw_stream.read() for r in ArchiveIterator(fh, no_record_parse=True)][1]
    assert block == head + b"<html>hello</html>"


def test_dechunked_head_restates_framing_in_place():
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\nX-After: 1\r\n\r\n"
    assert dechunked_head(head, 42, truncated=False) == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 42\r\nX-After: 1\r\n\r\n"
    )
    assert (
        dechunked_head(head, 42, truncated=True) == b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-After: 1\r\n\r\n"
    )
    plain = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
    assert dechunked_head(plain, 3, truncated=True) == plain


def test_repair_cuts_a_partial_record_and_keeps_complete_ones(tmp_path):
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h")
    for n in range(3):
        writer.write_exchange(_exchange(n))
    [path] = tmp_path.glob("*.open")
    complete = path.stat().st_size
    writer._open_file.file.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" * 50)[:-20])  # killed mid-record
    writer._open_file.file.flush()
    writer._open_file.file.close()  # the process "died": its descriptor (and lock) went with it, no rename
    [repair] = repair_open_files(tmp_path)
    assert repair.path.name == path.name[: -len(".open")] and repair.kept == complete and repair.cut > 0
    assert [r[0] for r in _records(repair.path)] == ["warcinfo"] + ["response", "request"] * 3
    assert not list(tmp_path.glob("*.open"))


def test_repair_of_an_uncompressed_warc(tmp_path):
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h", gzip=False)
    writer.write_exchange(_exchange(1))
    [path] = tmp_path.glob("*.open")
    complete = path.stat().st_size
    writer._open_file.file.write(b"WARC/1.1\r\nContent-Length: 500\r\n\r\nonly part")
    writer._open_file.file.flush()
    writer._open_file.file.close()
    [repair] = repair_open_files(tmp_path)
    assert repair.kept == complete and repair.path.suffix == ".warc"
    assert [r[0] for r in _records(repair.path)] == ["warcinfo", "response", "request"]


def test_repair_leaves_a_live_writers_file_alone(tmp_path):
    live = RollingWarcWriter(tmp_path, "job", {}, hostname="w1")
    live.write_exchange(_exchange(1))
    # Another worker starting in the same folder repairs only what nobody writes any more.
    other = RollingWarcWriter(tmp_path, "job", {}, hostname="w2")
    assert other.repaired == []
    live.write_exchange(_exchange(2))
    live.close()
    assert [r[0] for r in _records(live.files[0])] == ["warcinfo"] + ["response", "request"] * 2


def test_index_sorted_through_temporary_files_equals_the_in_memory_sort(tmp_path, monkeypatch):
    from crawler.archive import index

    writer = RollingWarcWriter(tmp_path, "job", {}, max_size=3000, hostname="h")
    for n in (7, 3, 9, 1, 5, 8, 2, 6, 4, 0):  # capture order is not URL order
        writer.write_exchange(_exchange(n, body=f"<html>page {n}</html>".encode()))
    writer.close()
    in_memory = index.write_cdxj(tmp_path, tmp_path / "a.cdxj").read_text()
    monkeypatch.setattr(index, "SORT_BUFFER_CHARS", 500)  # a few lines per temporary file
    spilled = index.write_cdxj(tmp_path, tmp_path / "b.cdxj").read_text()
    lines = spilled.splitlines()
    assert len(lines) == 10 and lines == sorted(lines)
    assert spilled == in_memory


def test_index_is_the_same_whatever_else_is_imported(tmp_path):
    """py-wacz changes cdxj-indexer's default record types when it is imported; our index must not change."""
    # One interpreter: the index written before py-wacz is imported, then after (an import cannot be undone).
    script = (
        "import sys; from pathlib import Path; from crawler.archive.index import write_cdxj\n"
        "folder = Path(sys.argv[1])\n"
        "print(write_cdxj(folder, folder / 'plain.cdxj').read_text(), end='\\0')\n"
        "import crawler.archive.package\n"
        "print(write_cdxj(folder, folder / 'wacz.cdxj').read_text(), end='')\n"
    )
    writer = RollingWarcWriter(tmp_path, "job", {"software": "test"}, hostname="h")
    for n in range(3):
        writer.write_exchange(_exchange(n))
    writer.write_metadata("http://127.0.0.1:8000/page/0", "<urn:uuid:x>", [("outlink", "http://127.0.0.1:8000/")])
    writer.close()
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    plain, wacz = run.stdout.split("\0")
    assert plain == wacz and len(plain.splitlines()) == 3  # the three responses


def _varied_exchanges() -> list[tuple[Exchange, bool]]:
    """(exchange, hold) of every kind of record an index line is made of, odd heads included."""
    first = _exchange(1, body=b"<html>first</html>")
    return [
        (first, True),
        (_exchange(2, body=b"<html>first</html>"), False),  # same payload: a revisit
        (_exchange(3, response_headers=[("Content-Type", "text/html; charset=UTF-8")], status=404), False),
        (_exchange(4, response_headers=[]), False),  # no Content-Type at all
        (_exchange(5, response_head=b"HTTP/1.1 200\r\nContent-Type:  Text/HTML ;x=1\r\n\r\n"), False),
        (_exchange(6, body=b"<html>cut", truncated="length"), False),
        (_exchange(7, url="http://127.0.0.1:8000/\u00e9t\u00e9?q=a b&x=%zz", body=b"odd url"), False),
    ]


def test_index_lines_made_while_writing_are_what_reading_the_files_gives(tmp_path):
    for gzip_files, version in ((True, "1.1"), (False, "1.0")):
        folder = tmp_path / f"{gzip_files}-{version}"
        earlier = RollingWarcWriter(folder, "job", {}, hostname="h", gzip=gzip_files)  # an earlier run's file
        earlier.write_exchange(_exchange(0))
        earlier.close()
        state = JobState(folder / "state.sqlite")
        run = RunIndex(folder)
        writer = RollingWarcWriter(
            folder, "job", {}, max_size=1500, hostname="h", gzip=gzip_files, warc_version=version,
            digest_index=state, index=run,
        )  # fmt: skip
        for exchange, hold in _varied_exchanges():
            written = writer.write_exchange(exchange, hold=hold)
            if hold:
                writer.write_metadata(exchange.response.url, written.record.record_id, [("outlink", "http://x/")])
        confirmed = state.digest(payload_digest(b"<html>first</html>"))
        later = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
        writer.write_exchange(
            _exchange(1, b"", status=304, response_headers=[], captured_at=later, not_modified=confirmed)
        )
        writer.write_resource("urn:dom:http://127.0.0.1:8000/page/1", "text/html; charset=utf-8", b"<html>dom</html>")
        writer.write_resource("urn:screenshot:http://127.0.0.1:8000/page/1", "image/png", b"\x89PNG")
        writer.close()
        assert run.complete and len(writer.files) > 2 and run.files == {p.name for p in writer.files}
        made = write_cdxj(folder, folder / "made.cdxj", written=run).read_bytes()
        read = write_cdxj(folder, folder / "read.cdxj").read_bytes()
        assert made == read
        lines = read.decode().splitlines()
        assert len(lines) == 11  # 1 earlier + 8 responses and revisits + 2 resources; no metadata, no request
        assert sum("revisit.filename" in line for line in lines) == 1  # the not-modified one, resolved
        run.close()


def test_a_line_that_cannot_be_made_falls_back_to_reading_every_file(tmp_path, monkeypatch):
    run = RunIndex(tmp_path)
    writer = RollingWarcWriter(tmp_path, "job", {}, hostname="h", index=run)
    writer.write_exchange(_exchange(1))
    monkeypatch.setattr(index_module, "index_line", lambda *args: 1 / 0)
    writer.write_exchange(_exchange(2))  # the record is written all the same
    writer.close()
    assert not run.complete
    lines = write_cdxj(tmp_path, written=run).read_text().splitlines()
    run.close()
    assert [line.split(" ")[0] for line in lines] == ["1,0,0,127:8000)/page/1", "1,0,0,127:8000)/page/2"]
