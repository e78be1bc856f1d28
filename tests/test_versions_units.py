"""Article versions without a crawl: linking, content digests, reading changes back, the pipeline."""

from __future__ import annotations

import json

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.jobs.diff import paragraph_diff, record_changes, word_diff
from crawler.jobs.state import JobState
from crawler.jobs.versions import CONTENT_FIELDS, Version, content_digest, find_changes, link, link_all
from crawler.pipelines.versions import VersionsPipeline

URL = "https://news.example/story/"


def record(n: int, title: str = "A title", body: str = "One.\n\nTwo.", **extra) -> dict:
    return {
        "id": f"urn:sha1:{n}",
        "url": URL,
        "fetched_at": f"2026-01-0{n}T10:00:00+00:00",
        "title": title,
        "body_text": body,
        "warc": {"record_id": f"<urn:uuid:{n}>"},
        **extra,
    }


def test_content_digest_reads_only_what_an_editor_changes():
    base = record(1)
    assert content_digest(base) == content_digest({**record(2), "tags": ["x"], "image": "y", "word_count": 9})
    for name in CONTENT_FIELDS:
        assert content_digest(base) != content_digest({**base, name: "edited"}), name


def test_link_points_at_the_latest_version_and_skips_unchanged_content():
    first = link(record(1), None)
    assert first is not None and first["previous"] is None
    latest = Version.of(first)
    assert link(record(2), latest) is None  # same content, other fetch
    edited = link(record(3, title="A new title"), latest)
    assert edited["previous"] == {
        "id": "urn:sha1:1",
        "fetched_at": "2026-01-01T10:00:00+00:00",
        "warc": {"record_id": "<urn:uuid:1>"},
    }


def test_link_all_keeps_versions_per_page():
    other = {**record(2), "url": "https://news.example/other/"}
    linked = list(link_all([record(1), other, record(3), record(4, title="Edited"), record(5, title="Edited")]))
    assert [r["id"] for r in linked] == ["urn:sha1:1", "urn:sha1:2", "urn:sha1:4"]
    assert linked[2]["previous"]["id"] == "urn:sha1:1"


def test_find_changes_newest_first_with_filters(tmp_path):
    path = tmp_path / "records.jsonl"
    rows = list(link_all([record(1), record(2, title="Second"), record(3, title="Third")]))
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"partial')
    changes = find_changes([path])
    assert [(c.old["title"], c.new["title"]) for c in changes] == [("Second", "Third"), ("A title", "Second")]
    assert [c.new["title"] for c in find_changes([path], since="2026-01-03")] == ["Third"]
    assert find_changes([path], url="https://news.example/story/?utm_source=x", limit=1)[0].new["title"] == "Third"
    assert find_changes([path], url="https://news.example/elsewhere/") == []


def test_diffs_by_paragraph_and_word():
    old, new = "First one.\n\nSecond paragraph here.\n\nThird.", "First one, edited.\n\nThird.\n\nFourth."
    ops = [(p.op, p.index) for p in paragraph_diff(old, new)]
    assert ops == [("edited", 1), ("removed", 2), ("added", 3)]
    assert [(w.op, w.text) for w in word_diff("a b c", "a x c")] == [
        ("equal", "a"),
        ("removed", "b"),
        ("added", "x"),
        ("equal", "c"),
    ]
    [authors] = record_changes({"authors": ["A", "B"]}, {"authors": ["B", "C"]}, ("authors", "title"))
    assert (authors.removed, authors.added) == (("A",), ("C",))


def test_versions_pipeline_counts_drops_unchanged_and_commits_after_the_record_is_written(tmp_path):
    state = JobState(tmp_path / "state.sqlite")
    crawler = get_crawler()
    pipeline = VersionsPipeline(state, crawler.stats)
    first = pipeline.process_item(record(1))
    assert first["previous"] is None and state.version("https://news.example/story/") is None
    pipeline.item_scraped(first, None, None)
    with pytest.raises(DropItem) as dropped:
        pipeline.process_item(record(2))
    assert dropped.value.log_level == "DEBUG"
    changed = pipeline.process_item(record(3, body="One.\n\nTwo, edited."))
    assert changed["previous"]["id"] == "urn:sha1:1"
    stats = crawler.stats.get_stats()
    assert (stats["articles/new"], stats["articles/unchanged"], stats["articles/changed"]) == (1, 1, 1)


def test_a_failed_extraction_is_no_version(tmp_path):
    state = JobState(tmp_path / "state.sqlite")
    crawler = get_crawler()
    pipeline = VersionsPipeline(state, crawler.stats)
    failed = {"id": "urn:sha1:0", "url": URL, "page_type": "unknown", "extraction_error": "timeout"}
    assert pipeline.process_item(failed) == failed
    pipeline.item_scraped(failed, None, None)
    assert state.version(URL) is None  # the next good extraction is new, not an edit of nothing
    assert pipeline.process_item(record(1))["previous"] is None
    assert crawler.stats.get_value("articles/new") == 1 and crawler.stats.get_value("articles/changed") is None
