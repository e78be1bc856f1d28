"""Article versions end to end: a site crawled three times, edited between the runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import open_report, run_cli
from lxml import etree
from servers.sites import NewsroomSite, RouteServer

pytestmark = pytest.mark.e2e

QUIET = ("--log-level", "WARNING", "--no-progress")
NEW_TITLE = "Old bridge reopens, but only for pedestrians"
ATOM = "{http://www.w3.org/2005/Atom}"


def records(job: Path) -> list[dict]:
    return [json.loads(line) for line in (job / "records.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Three runs: run 2 after a new headline and a removed paragraph on article 0 and only a new ad and
    page time on article 1; run 3 after no change. The report is written after run 2."""
    out = tmp_path_factory.mktemp("versions")
    site = NewsroomSite()
    counts = []
    with RouteServer(site) as server:

        def crawl():
            result = run_cli("crawl", server.url + "/", "--job", "news", "--output", str(out), *QUIET)
            assert result.returncode == 0, result.stderr[-3000:]
            counts.append(len(records(out / "news")))
            return result

        crawl()
        removed = site.articles[0]["paragraphs"].pop(2)
        site.articles[0]["title"] = NEW_TITLE
        site.articles[1]["ad"] = "Advertisement: Quay Cycles, spring sale"
        site.articles[1]["generated"] = "21:14:09"
        second = crawl()
        report = run_cli("report", str(out / "news"))
        assert report.returncode == 0, report.stderr
        (out / "report-after-run-2.html").write_bytes((out / "news" / "report.html").read_bytes())
        crawl()
        base = server.url
    return {
        "job": out / "news",
        "out": out,
        "site": site,
        "removed": removed,
        "counts": counts,
        "base": base,
        "second": second,
    }


def test_only_the_edited_article_gets_a_new_record_pointing_at_its_first_version(history):
    assert history["counts"] == [3, 4, 4]  # run 2 adds one record; run 3 none
    first, new = records(history["job"])[0], records(history["job"])[3]
    assert new["url"] == history["base"] + history["site"].path(0) and new["title"] == NEW_TITLE
    assert first["url"] == new["url"] and first["previous"] is None
    assert new["previous"] == {"id": first["id"], "fetched_at": first["fetched_at"], "warc": first["warc"]}
    assert new["previous"]["warc"]["record_id"] != new["warc"]["record_id"]
    stats = json.loads((history["job"] / "stats.json").read_text())  # run 3
    assert stats.get("articles/changed", 0) == 0 and stats.get("articles/new", 0) == 0
    assert "changed 1" in history["second"].stdout and "unchanged 2" in history["second"].stdout


def test_changes_command_names_exactly_the_two_edits(history):
    result = run_cli("changes", str(history["job"]), "--format", "json")
    assert result.returncode == 0, result.stderr
    [change] = json.loads(result.stdout)
    assert change["url"].endswith(history["site"].path(0)) and change["changed"] == ["title", "body_text"]
    title, body = change["fields"]
    assert (title["old"], title["new"]) == ("Old bridge reopens after two years of repairs", NEW_TITLE)
    assert body["paragraphs"] == [{"op": "removed", "index": 3, "old": history["removed"]}]
    text = run_cli("changes", str(history["job"]))
    assert "[-reopens after two years of repairs-] {+reopens, but only for pedestrians+}" in text.stdout
    assert "- paragraph 3: Old bridge reopens after two years of repairs: paragraph 3" in text.stdout
    assert run_cli(
        "changes", str(history["job"]), "--url", history["base"] + history["site"].path(1)
    ).stdout.strip() == ("No article has changed.")
    assert run_cli("changes", str(history["job"]), "--since", "tomorrow").returncode == 2
    assert run_cli("changes", str(history["out"] / "missing")).returncode == 2


def test_atom_feed_has_one_entry_for_the_edit(history):
    feed = etree.parse(str(history["job"] / "changes.xml")).getroot()
    entries = feed.findall(f"{ATOM}entry")
    assert feed.tag == f"{ATOM}feed" and len(entries) == 1
    entry = entries[0]
    assert NEW_TITLE in entry.findtext(f"{ATOM}title") and "title, body_text" in entry.findtext(f"{ATOM}title")
    assert entry.find(f"{ATOM}link").get("href").endswith(history["site"].path(0))
    assert "but only for pedestrians" in entry.findtext(f"{ATOM}content")


@pytest.mark.browser
def test_report_shows_the_changed_article_with_both_captures(history, browser):
    page, problems = open_report(browser, history["out"] / "report-after-run-2.html")
    section = page.locator("#changes")
    assert "Changed articles (1)" in section.locator("h2").inner_text()
    assert section.locator("article.change").count() == 1
    assert section.locator("ins", has_text="reopens, but only for pedestrians").count() == 1
    assert section.locator("del").filter(has_text="paragraph 3 of the report").count() == 1
    links = section.locator("p.when a")
    assert links.count() == 2 and all("/news/" in links.nth(n).get_attribute("href") for n in range(2))
    assert "WARC record <urn:uuid:" in section.locator("p.when").inner_text()
    assert problems == []
    page.close()


def test_reextract_over_the_three_runs_rebuilds_the_same_history(history, tmp_path):
    warcs = sorted(history["job"].glob("*.warc.gz"))
    assert len(warcs) == 3
    result = run_cli("reextract", *map(str, warcs), "-o", str(tmp_path / "again.jsonl"))
    assert result.returncode == 0, result.stderr
    again = [json.loads(line) for line in (tmp_path / "again.jsonl").read_text().splitlines()]
    assert again == records(history["job"])
