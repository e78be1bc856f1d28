"""The CDXJ of not-modified revisits and a job's WACZ page lists, on WARCs written here."""

import json
from datetime import UTC, datetime

from crawler.archive.index import resolve_not_modified, write_cdxj
from crawler.archive.writer import DigestEntry, Exchange, RollingWarcWriter
from crawler.jobs.pages import write_page_lists
from crawler.jobs.state import JobState
from crawler.web.page import Page

SITE = "http://a.test"


def _exchange(url, body=b"<html><title>t</title>x</html>", status=200, when=1, ctype="text/html", **kw):
    headers = [("Content-Type", ctype)] if ctype else []
    return Exchange(
        Page(url, body, headers, status),
        request_headers=[("Host", "a.test")],
        captured_at=datetime(2026, 1, when, tzinfo=UTC),
        **kw,
    )


def _entry(written, url):
    r = written.record
    return DigestEntry(written.payload_digest, url, written.date, r.filename, r.offset, r.length, r.record_id)


def _job(tmp_path):
    """Run 1: seed, two articles, two hubs of one payload, a stylesheet; run 2: a 304 for article 1."""
    state = JobState(tmp_path / "state.sqlite")
    writer = RollingWarcWriter(tmp_path, "job", {"seeds": f"{SITE}/"}, hostname="h", digest_index=state)
    writer.write_exchange(_exchange(f"{SITE}/"))
    first = writer.write_exchange(_exchange(f"{SITE}/a1", b"<html>article one</html>"))
    writer.write_exchange(_exchange(f"{SITE}/a2", b"<html>article two</html>"))
    writer.write_exchange(_exchange(f"{SITE}/hub", b"<html>hub</html>"))
    assert writer.write_exchange(_exchange(f"{SITE}/hub2", b"<html>hub</html>")).revisit  # of /hub's payload
    writer.write_exchange(_exchange(f"{SITE}/s.css", b"a{}", ctype="text/css"))
    not_modified = _exchange(f"{SITE}/a1", b"", 304, when=5, ctype=None, not_modified=_entry(first, f"{SITE}/a1"))
    writer.write_exchange(not_modified)
    writer.close()
    state.close()
    records = [
        {"url": f"{SITE}/a1", "title": "One (old)", "body_text": "old", "fetched_at": "2026-01-01T00:00:00+00:00"},
        {"url": f"{SITE}/a2", "title": "Two", "body_text": "text two", "fetched_at": "2026-01-01T00:00:00+00:00"},
        {"url": f"{SITE}/a1", "title": "One", "body_text": "text one", "fetched_at": "2026-01-02T00:00:00+00:00"},
    ]
    (tmp_path / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return first


def _lines(path):
    return [(line.split(" ", 2)[1], json.loads(line.split(" ", 2)[2])) for line in path.read_text().splitlines()]


def test_a_not_modified_revisit_line_names_the_capture_it_confirms(tmp_path):
    first = _job(tmp_path)
    lines = [(ts, data) for ts, data in _lines(write_cdxj(tmp_path)) if data["url"] == f"{SITE}/a1"]
    assert [ts for ts, _ in lines] == ["20260101000000", "20260105000000"]
    latest = lines[1][1]
    assert latest["status"] == "200" and latest["mime"] == "text/html"
    assert (latest["filename"], int(latest["offset"])) == (first.record.filename, first.record.offset)
    assert int(latest["revisit.offset"]) > first.record.offset and "not-modified-of" not in latest


def test_a_revisit_whose_original_is_not_indexed_keeps_its_own_line():
    lines = [
        'a)/x 20260105000000 {"url": "http://a/x", "mime": "warc/revisit", "status": "304", '
        '"digest": "sha1:X", "filename": "f", "offset": "9", "not-modified-of": "20250101000000"}\n'
    ]
    (line,) = resolve_not_modified(lines)
    data = json.loads(line.split(" ", 2)[2])
    assert data["status"] == "304" and data["offset"] == "9" and "not-modified-of" not in data


def test_page_lists_hold_seeds_and_articles_with_text_and_other_html_pages(tmp_path):
    _job(tmp_path)
    write_cdxj(tmp_path)
    count = write_page_lists(tmp_path, tmp_path / "pages.jsonl", tmp_path / "extra.jsonl")
    pages = [json.loads(line) for line in (tmp_path / "pages.jsonl").read_text().splitlines()]
    extra = [json.loads(line) for line in (tmp_path / "extra.jsonl").read_text().splitlines()]
    assert pages[0] == {"format": "json-pages-1.0", "id": "pages", "title": "Seeds and articles", "hasText": True}
    by_url = {p["url"]: p for p in pages[1:]}
    assert set(by_url) == {f"{SITE}/", f"{SITE}/a1", f"{SITE}/a2"}
    assert by_url[f"{SITE}/"]["seed"] is True
    assert by_url[f"{SITE}/a1"] | {"id": "x"} == {
        "id": "x",
        "url": f"{SITE}/a1",
        "ts": "2026-01-05T00:00:00Z",  # the latest capture: the 304's revisit
        "title": "One",  # the latest record
        "text": "text one",
    }
    assert [p["url"] for p in extra[1:]] == [f"{SITE}/hub", f"{SITE}/hub2"]  # HTML only: no stylesheet
    assert count == 5
    assert len({p["id"] for p in pages[1:] + extra[1:]}) == 5
