import gzip
import io
from datetime import datetime, timezone

from warcio.archiveiterator import ArchiveIterator

from crawler.archive.writer import Exchange, RollingWarcWriter


def _exchange(n: int, body: bytes = b"<html>hello</html>", **kw) -> Exchange:
    defaults = dict(
        url=f"http://127.0.0.1:8000/page/{n}",
        method="GET",
        request_headers=[("Host", "127.0.0.1:8000"), ("User-Agent", "test")],
        request_body=b"",
        status=200,
        response_headers=[("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
        response_body=body,
        ip_address="127.0.0.1",
        captured_at=datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc),
    )
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
    writer.write_exchange(_exchange(1, body=body, response_headers=[("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")]))
    writer.close()
    _, response, _ = _records(writer.files[0])
    http_headers = response[2]
    assert http_headers.get_header("Content-Encoding") == "gzip"
    # De-chunked by Scrapy: the stored headers describe the stored body.
    assert http_headers.get_header("Transfer-Encoding") is None
    assert http_headers.get_header("Content-Length") == str(len(body))
