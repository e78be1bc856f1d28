"""Two crawls of the demo site into one job, then: dedup, record links, CDXJ, WACZ, re-extraction, and
replay of every archived article page in pywb."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli
from servers import replay
from warcio.archiveiterator import ArchiveIterator

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def _records(paths):
    """[(path name, offset, rec_headers, http_headers, raw payload)] of every record."""
    out = []
    for path in paths:
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            for record in it:
                payload = record.raw_stream.read()
                out.append((path.name, it.get_record_offset(), record.rec_headers, record.http_headers, payload))
    return out


def _record_at(job, location):
    with open(job / location["filename"], "rb") as fh:
        fh.seek(location["offset"])
        raw = fh.read(location["length"])
    record = next(iter(ArchiveIterator(io.BytesIO(raw))))
    return record, record.raw_stream.read()


@pytest.fixture(scope="module")
def crawls(demo_server, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    job = out / "demo"
    common = (
        "crawl",
        demo_server.url + "/",
        "--job",
        "demo",
        "--output",
        str(out),
        "--log-level",
        "WARNING",
        "-s",
        "WARC_MAX_SIZE=150000",
    )
    first = run_cli(*common)
    assert first.returncode == 0, first.stderr[-3000:]
    first_files = sorted(job.glob("*.warc.gz"))
    first_stats = json.loads((job / "stats.json").read_text())
    # A full re-fetch (no conditional requests), so every unchanged payload comes back to be deduplicated.
    second = run_cli(*common, "-s", "INCREMENTAL_ENABLED=0", "-s", "WACZ_ENABLED=1")
    assert second.returncode == 0, second.stderr[-3000:]
    second_files = sorted(set(job.glob("*.warc.gz")) - set(first_files))
    records = [json.loads(line) for line in (job / "records.jsonl").read_text().splitlines()]
    return {
        "job": job,
        "first_files": first_files,
        "second_files": second_files,
        "first_stats": first_stats,
        "second_stats": json.loads((job / "stats.json").read_text()),
        "records": records,
    }


def test_rollover_wrote_several_closed_files_per_crawl(crawls):
    assert len(crawls["first_files"]) > 1 and crawls["second_files"]
    assert not list(crawls["job"].glob("*.open"))
    serials = [int(p.name.split("-")[2]) for p in crawls["first_files"] + crawls["second_files"]]
    assert serials == list(range(1, len(serials) + 1))


def test_second_crawl_writes_revisits_not_payload_copies(crawls):
    first = _records(crawls["first_files"])
    second = _records(crawls["second_files"])
    originals = {
        h.get_header("WARC-Payload-Digest"): (h, payload)
        for _, _, h, _, payload in first
        if h.get_header("WARC-Type") == "response"
    }
    responses = [(h, payload) for _, _, h, _, payload in second if h.get_header("WARC-Type") == "response"]
    assert not [h.get_header("WARC-Target-URI") for h, payload in responses if payload], "payload stored again"
    revisits = [h for _, _, h, _, _ in second if h.get_header("WARC-Type") == "revisit"]
    assert len(revisits) == sum(1 for h, payload in originals.values() if payload)
    for revisit in revisits:
        original, _ = originals[revisit.get_header("WARC-Payload-Digest")]
        assert revisit.get_header("WARC-Profile") == REVISIT_PROFILE
        assert revisit.get_header("WARC-Refers-To-Target-URI") == original.get_header("WARC-Target-URI")
        assert revisit.get_header("WARC-Refers-To-Date") == original.get_header("WARC-Date")
        assert revisit.get_header("WARC-Refers-To") == original.get_header("WARC-Record-ID")
    second_bytes = sum(p.stat().st_size for p in crawls["second_files"])
    first_bytes = sum(p.stat().st_size for p in crawls["first_files"])
    saved = sum(len(originals[r.get_header("WARC-Payload-Digest")][1]) for r in revisits)
    assert crawls["second_stats"]["warc/dedup_payload_bytes_saved"] == saved
    assert second_bytes < first_bytes / 2
    print(
        f"\ndedup: first crawl {first_bytes} B of WARC, second {second_bytes} B; "
        f"{crawls['second_stats']['warc/dedup_payload_bytes_saved']} B of payload not stored again"
    )


def test_every_record_points_at_its_warc_records(crawls):
    job = crawls["job"]
    assert len(crawls["records"]) == 2 * 45
    revisits = 0
    for item in crawls["records"]:
        warc = item["warc"]
        record, payload = _record_at(job, warc)
        assert record.rec_type == "response" and payload
        assert record.rec_headers.get_header("WARC-Record-ID") == warc["record_id"]
        if "revisit" in warc:
            revisits += 1
            revisit, _ = _record_at(job, warc["revisit"])
            assert revisit.rec_type == "revisit"
            assert revisit.rec_headers.get_header("WARC-Record-ID") == warc["revisit"]["record_id"]
            assert revisit.rec_headers.get_header("WARC-Target-URI") == item["url"]
            assert revisit.rec_headers.get_header("WARC-Payload-Digest") == record.rec_headers.get_header(
                "WARC-Payload-Digest"
            )
        else:
            assert record.rec_headers.get_header("WARC-Target-URI") == item["url"]
    assert revisits == 45


def test_metadata_records_name_outlinks_and_record_ids(crawls):
    records = _records(crawls["first_files"] + crawls["second_files"])
    captures = {
        h.get_header("WARC-Record-ID"): h
        for _, _, h, _, _ in records
        if h.get_header("WARC-Type") in ("response", "revisit")
    }
    ids = {item["id"] for item in crawls["records"]}
    metadata = [(h, payload) for _, _, h, _, payload in records if h.get_header("WARC-Type") == "metadata"]
    assert len(metadata) == len(crawls["records"])
    for headers, payload in metadata:
        capture = captures[headers.get_header("WARC-Concurrent-To")]
        assert capture.get_header("WARC-Target-URI") == headers.get_header("WARC-Target-URI")
        fields = [line.split(": ", 1) for line in payload.decode().splitlines() if line]
        assert [v for k, v in fields if k == "extracted-record-id"][0] in ids
        assert any(k == "outlink" for k, _ in fields)


def _index_entries(path):
    entries = set()
    for line in Path(path).read_text().splitlines():
        _, ts, data = line.split(" ", 2)
        data = json.loads(data)
        if "url" in data and data.get("mime") != "application/warc-fields":
            entries.add((data["url"], ts, data["filename"], int(data["offset"])))
    return entries


def test_cdxj_lists_every_response_and_revisit(crawls, tmp_path):
    job = crawls["job"]
    expected = {
        (
            h.get_header("WARC-Target-URI"),
            h.get_header("WARC-Date")[:19].translate(str.maketrans("", "", "-T:")),
            name,
            offset,
        )
        for name, offset, h, _, _ in _records(crawls["first_files"] + crawls["second_files"])
        if h.get_header("WARC-Type") in ("response", "revisit")
    }
    assert _index_entries(job / "index.cdxj") == expected
    rebuilt = run_cli("index", str(job), "-o", str(tmp_path / "rebuilt.cdxj"))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert _index_entries(tmp_path / "rebuilt.cdxj") == expected


def test_wacz_validates(crawls, tmp_path):
    package = crawls["job"] / "demo.wacz"
    assert package.exists(), "WACZ_ENABLED=1 did not write the package"
    result = subprocess.run([str(BIN / "wacz"), "validate", "-f", str(package)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    rebuilt = run_cli("wacz", str(crawls["job"]), "-o", str(tmp_path / "again.wacz"))
    assert rebuilt.returncode == 0, rebuilt.stderr
    result = subprocess.run(
        [str(BIN / "wacz"), "validate", "-f", str(tmp_path / "again.wacz")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_reextract_gives_the_records_of_the_live_crawls(crawls, tmp_path):
    # The second crawl ran with incremental runs off: a record for every capture, not versions.
    files = sorted(crawls["job"].glob("*.warc.gz"))
    result = run_cli("reextract", *map(str, files), "--every-capture", "-o", str(tmp_path / "again.jsonl"))
    assert result.returncode == 0, result.stderr
    again = [json.loads(line) for line in (tmp_path / "again.jsonl").read_text().splitlines()]
    key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
    assert sorted(map(key, again)) == sorted(map(key, crawls["records"]))


# ---- replay in pywb -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wayback(crawls, tmp_path_factory):
    """Stock pywb over a collection of the crawl's WARCs and its CDXJ index."""
    command = BIN / "wayback"
    assert command.exists(), "pywb is not installed: pip install --no-deps pywb==2.10.0 (see pyproject.toml)"
    with replay.wayback([str(command)], crawls["job"], tmp_path_factory.mktemp("pywb")) as base:
        yield base


def _timestamp(warc_date: str) -> str:
    return warc_date[:19].translate(str.maketrans("", "", "-T:"))


def test_every_article_page_replays_byte_for_byte_and_rewritten(crawls, wayback):
    job = crawls["job"]
    checked = 0
    for item in crawls["records"]:
        response, payload = _record_at(job, item["warc"])
        own = _record_at(job, item["warc"]["revisit"])[0] if "revisit" in item["warc"] else response
        ts = _timestamp(own.rec_headers.get_header("WARC-Date"))
        # Ask for the encodings the crawler asked for, so pywb passes the payload through undecoded.
        status, raw = replay.get(f"{wayback}/{ts}id_/{item['url']}", {"Accept-Encoding": "gzip, deflate, br, zstd"})
        assert status == 200, item["url"]
        assert raw == payload, item["url"]
        # Normal mode: the top frame, and the rewritten page inside it (mp_).
        assert replay.get(f"{wayback}/{ts}/{item['url']}")[0] == 200, item["url"]
        status, page = replay.get(f"{wayback}/{ts}mp_/{item['url']}")
        assert status == 200, item["url"]
        assert b"wbinfo" in page and b"<title>" in page.lower(), item["url"]  # rewritten by pywb, content kept
        checked += 1
    assert checked == 90
