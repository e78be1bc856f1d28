"""Crawl a server whose every byte is known and compare the WARC with what crossed the socket."""

import json
import subprocess
import sys
from collections import defaultdict

import pytest
from conftest import run_cli
from servers import replay
from servers.fidelity import BIG, MAXSIZE, FidelityServer
from warcio.archiveiterator import ArchiveIterator

from crawler.web.http import decode_content
from crawler.web.redact import mask_header_values

pytestmark = pytest.mark.e2e


def _crawl(server, out, *settings):
    result = run_cli(
        "crawl",
        server.url + "/",
        "--job",
        "f",
        "--output",
        str(out),
        "--log-level",
        "INFO",
        "-s",
        f"DOWNLOAD_MAXSIZE={MAXSIZE}",
        "-s",
        "RETRY_TIMES=0",
        "-s",
        "JOB_OPERATOR=Archive Team <archive@example.org>",
        "-s",
        "JOB_DESCRIPTION=Fidelity test crawl",
        *settings,
    )
    job = out / "f"
    stats = json.loads((job / "stats.json").read_text())
    assert stats.get("finish_reason") == "finished", result.stderr[-3000:]
    return job, stats, result


def _read(job):
    """[(rec_headers, raw block)] of every record, in file order."""
    records = []
    for path in sorted(job.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh, no_record_parse=True):
                records.append((record.rec_headers, record.raw_stream.read()))
    return records


@pytest.fixture(scope="module")
def fidelity(tmp_path_factory):
    with FidelityServer() as server:
        job, stats, result = _crawl(server, tmp_path_factory.mktemp("out"))
        sent = list(server.sent)
        other_job, _, _ = _crawl(
            server, tmp_path_factory.mktemp("out10"), "-s", "WARC_VERSION=1.0", "-s", "WARC_DIGEST_ALGORITHM=sha256"
        )
    records = _read(job)
    by_uri = defaultdict(list)
    for headers, block in records:
        if headers.get_header("WARC-Type") in ("response", "revisit"):
            path = "/" + headers.get_header("WARC-Target-URI").split("/", 3)[3]
            by_uri[path].append((headers, block))
    return {
        "job": job,
        "stats": stats,
        "log": result.stderr,
        "sent": sent,
        "records": records,
        "by_uri": by_uri,
        "server": server,
        "other_job": other_job,
    }


def _split(block: bytes) -> tuple[bytes, bytes]:
    head, _, payload = block.partition(b"\r\n\r\n")
    return head + b"\r\n\r\n", payload


def test_warcio_check_passes(fidelity):
    for job in (fidelity["job"], fidelity["other_job"]):
        files = sorted(job.glob("*.warc.gz"))
        assert files and not list(job.glob("*.open"))
        # warcio's own br decoding needs brotlipy, which Scrapy's brotli replaces (warcio#73): the
        # adapter only lets `warcio check` read br bodies; the digests it checks are warcio's.
        result = subprocess.run(
            [sys.executable, "-m", "crawler.archive.warcio_brotli", "check", "-v", *map(str, files)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.count("digest pass") >= 2 * len(fidelity["sent"])


def test_every_exchange_the_server_answered_is_archived_once(fidelity):
    answered = defaultdict(int)
    for sent in fidelity["sent"]:
        answered[sent.path] += 1
    archived = {path: len(records) for path, records in fidelity["by_uri"].items()}
    assert archived == dict(answered)
    for path in (
        "/robots.txt",
        "/feed.xml",
        "/style.css",
        "/redirect",
        "/redirected",
        "/missing",
        "/error",
        "/big",
        "/drop",
    ):
        assert path in archived


def test_complete_bodies_stored_as_sent_and_decode_to_the_content(fidelity):
    checked = 0
    for sent in fidelity["sent"]:
        if not sent.complete:
            continue
        [(headers, block)] = fidelity["by_uri"][sent.path]
        assert headers.get_header("WARC-Type") == "response", sent.path
        assert headers.get_header("WARC-Truncated") is None
        head, payload = _split(block)
        assert payload == sent.body, sent.path
        encoding = next(
            (
                line.split(b":", 1)[1].strip().decode()
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-encoding:")
            ),
            None,
        )
        assert decode_content(payload, encoding) == sent.content, sent.path
        checked += 1
    assert checked >= 15


def test_response_heads_are_byte_identical_to_what_was_sent(fidelity):
    for sent in fidelity["sent"]:
        [(headers, block)] = fidelity["by_uri"][sent.path]
        head, _ = _split(block)
        expected = sent.response_head
        if b"Transfer-Encoding: chunked\r\n" in expected:
            # Stored de-chunked: framing restated in place so headers describe the stored body.
            restated = b"" if not sent.complete else f"Content-Length: {len(sent.body)}\r\n".encode()
            expected = expected.replace(b"Transfer-Encoding: chunked\r\n", restated)
        assert head == expected, sent.path
    odd = _split(fidelity["by_uri"]["/odd-headers"][0][1])[0]
    assert odd.startswith(b"HTTP/1.1 200 Fine Thanks\r\nx-lower-case: kept as sent\r\n")
    assert _split(fidelity["by_uri"]["/http10"][0][1])[0].startswith(b"HTTP/1.0 200 OK\r\n")


def test_request_records_hold_the_request_as_received_and_link_to_their_response(fidelity):
    requests = {
        h.get_header("WARC-Concurrent-To"): (h, b)
        for h, b in fidelity["records"]
        if h.get_header("WARC-Type") == "request"
    }
    for sent in fidelity["sent"]:
        [(headers, _)] = fidelity["by_uri"][sent.path]
        request_headers, request_block = requests[headers.get_header("WARC-Record-ID")]
        # As received, but for the values of credential headers (a Cookie, when /odd-headers set one
        # before), masked by default (tests/test_replay_styled.py checks the masking itself).
        assert request_block == mask_header_values(sent.request_head), sent.path
        assert request_headers.get_header("WARC-Target-URI") == headers.get_header("WARC-Target-URI")
        assert request_headers.get_header("WARC-Date") == headers.get_header("WARC-Date")
        assert headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert len(requests) == len(fidelity["sent"])


def test_cut_bodies_are_archived_as_truncated(fidelity):
    [(big, big_block)] = fidelity["by_uri"]["/big"]
    assert big.get_header("WARC-Truncated") == "length"
    assert _split(big_block)[1] == BIG[:MAXSIZE]
    [(chunked, chunked_block)] = fidelity["by_uri"]["/big-chunked"]
    assert chunked.get_header("WARC-Truncated") == "length"
    assert _split(chunked_block)[1] == BIG[:MAXSIZE]
    [(drop, drop_block)] = fidelity["by_uri"]["/drop"]
    [sent] = [s for s in fidelity["sent"] if s.path == "/drop"]
    assert drop.get_header("WARC-Truncated") == "disconnect"
    assert _split(drop_block)[1] == sent.body
    assert fidelity["stats"]["warc/truncated"] == 3
    # The crawl went on past them.
    assert "/style.css" in fidelity["by_uri"] and fidelity["stats"]["finish_reason"] == "finished"


def test_failed_fetches_are_counted_and_logged(fidelity):
    assert fidelity["stats"]["warc/failed_fetches"] == 1
    assert "Fetch failed: " + fidelity["server"].url + "/reset" in fidelity["log"]


def test_warcinfo_describes_the_crawl(fidelity):
    headers, block = fidelity["records"][0]
    assert headers.get_header("WARC-Type") == "warcinfo"
    info = dict(line.split(": ", 1) for line in block.decode().splitlines() if line)
    assert info["software"].startswith("crawler/") and "Scrapy/" in info["software"]
    assert info["format"] == "WARC File Format 1.1"
    assert info["operator"] == "Archive Team <archive@example.org>"
    assert info["description"] == "Fidelity test crawl"
    assert info["robots"] == "obey" and info["http-header-user-agent"].startswith("crawler/")
    assert info["crawler-setting-DOWNLOAD_MAXSIZE"] == str(MAXSIZE)
    assert fidelity["server"].url.split("//")[1] in info["scope"]
    assert "rebuilt" in info["capture"]


def test_warc_1_0_and_sha256_options(fidelity):
    records = _read(fidelity["other_job"])
    assert {h.protocol for h, _ in records} == {"WARC/1.0"}
    digests = [h.get_header("WARC-Payload-Digest") for h, _ in records if h.get_header("WARC-Type") == "response"]
    assert digests and all(d.startswith("sha256:") for d in digests)
    # WARC/1.0 dates have whole seconds.
    assert all(len(h.get_header("WARC-Date")) == 20 for h, _ in records)


def test_gzip_brotli_and_chunked_pages_replay_in_pywb(fidelity, tmp_path):
    """pywb (with warcio's br decoding fixed, crawler.archive.wayback) replays gzip and br pages byte for byte and rewritten."""
    command = [sys.executable, "-m", "crawler.archive.wayback"]
    with replay.wayback(command, fidelity["job"], tmp_path, name="f") as base:
        for path in ("/gzip", "/brotli", "/chunked-gzip", "/odd-headers"):
            [(headers, block)] = fidelity["by_uri"][path]
            ts = headers.get_header("WARC-Date")[:19].translate(str.maketrans("", "", "-T:"))
            url = headers.get_header("WARC-Target-URI")
            status, raw = replay.get(f"{base}/{ts}id_/{url}", {"Accept-Encoding": "gzip, deflate, br, zstd"})
            assert status == 200 and raw == _split(block)[1], path
            status, page = replay.get(f"{base}/{ts}mp_/{url}")
            assert status == 200 and b"wbinfo" in page, path


def test_http_cache_hits_are_not_archived_again(tmp_path):
    cache = tmp_path / "httpcache"
    with FidelityServer() as server:
        settings = ("-s", "HTTPCACHE_ENABLED=1", "-s", f"HTTPCACHE_DIR={cache}", "-s", "INCREMENTAL_ENABLED=0")
        job, first, _ = _crawl(server, tmp_path / "a", *settings)
        answered = len(server.sent)
        job, second, _ = _crawl(server, tmp_path / "b", *settings)
        fetched_again = len(server.sent) - answered
    # Requisites missing from the server answer with the same 404 page: revisits of its first copy.
    assert first["warc/responses"] + first.get("warc/revisits", 0) == answered
    # Only what the cache did not hold (failures, cut bodies) went to the network and the archive.
    assert second["warc/cache_hits_not_archived"] > 10
    assert second.get("warc/responses", 0) + second.get("warc/revisits", 0) == fetched_again
